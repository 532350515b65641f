"""Re-anchoring a quote that occurs more than once: the words found must be the reader's copy,
not another copy of the same words (each test is a kind of wrong placement the re-anchoring
bench found, rebuilt from a small text)."""

from __future__ import annotations

from tuireader.core.anchoring import locate, reanchor
from tuireader.core.landmarks import map_position
from tuireader.core.model import make_highlight


def _at(text: str, quote: str, nth: int = 0) -> int:
    start = -1
    for _ in range(nth + 1):
        start = text.index(quote, start + 1)
    return start


def _placed_on(text: str, h, start: int) -> bool:
    return h.anchor != "orphan" and h.start == start


def test_edited_copy_among_identical_days_is_not_sent_to_the_nearest_other_day() -> None:
    """A meal plan repeats the same day word for word, so no landmark is unique and the old
    offset is all the position there is.  The reader's day was edited: the nearest intact copy
    (the day before) is another day's, whose old place is nearer to it than the reader's."""
    day = ("Meal 2\n\nEat every 2 to 3 hours\n\nHummus and Veggies [1 cup sliced "
           "cucumber, 2 Tbsp. hummus, ½ cup sweet potato (or 1 slice whole-grain toast), 1 "
           "medium apple, 1 tsp. olive oil for potato]\n\n")
    old = day * 4
    quote = "whole-grain toast), 1 medium"
    start = _at(old, quote, 2)
    h = make_highlight("a", old, start, start + len(quote))
    third = 2 * len(day)
    new = old[:third] + old[third:].replace("toast), 1 medium", "toast), 1 large red", 1)
    reanchor(h, new, old)
    assert not _placed_on(new, h, _at(new, quote, 1))
    assert not _placed_on(new, h, _at(new, quote, 2))  # the fourth day's, shifted
    # The same edit on another day: the reader's copy is still there, and found.
    h = make_highlight("a", old, start, start + len(quote))
    first_day_edited = old.replace("toast), 1 medium", "toast), 1 large red", 1)
    reanchor(h, first_day_edited, old)
    assert (h.start, h.anchor) == (_at(first_day_edited, quote, 1), "ok")


def test_deleted_words_are_not_replaced_by_the_parallel_sentence() -> None:
    """Two sentences alike ("... last rose N/32 in price to yield N%"): the reader's copy lost a
    word; the other sentence, a line further, has the same words in a context about as good."""
    old = ("Markets opened calmly on Tuesday morning after the long weekend break.\n\n"
           "Benchmark 10-year notes US10YT=RR last rose 7/32 in price to yield 1.786%, down "
           "from 1.808% late on Monday. The 30-year bond US30YT=RR last rose 29/32 in price to "
           "yield 2.252%, from 2.293% late on Monday.\n\n"
           "Traders said the moves were small and the volumes thin across the whole session.")
    quote = "price to yield"
    start = _at(old, quote)
    h = make_highlight("a", old, start, start + len(quote))
    new = old.replace("7/32 in price to yield 1.786%", "7/32 in price to 1.786%")
    reanchor(h, new, old)
    assert not _placed_on(new, h, _at(new, quote))
    # The other sentence edited instead: the reader's copy is found.
    h = make_highlight("a", old, start, start + len(quote))
    other_edited = old.replace("29/32 in price to yield", "29/32 in price to", 1)
    reanchor(h, other_edited, old)
    assert (h.start, h.anchor) == (_at(other_edited, quote), "ok")


def test_another_copy_whose_context_fits_far_better_is_that_copy() -> None:
    """The reader's sentence was deleted and a paragraph from far below, holding the same words
    in its own context, was moved up to near the old place."""
    intro = ("The band said on Monday that it will look to ride a potential Rock and Roll Hall "
             "of Fame induction into a 50th anniversary tour next year.")
    filler = [f"Paragraph {n} is about the tour dates, the venues and the tickets, part {n}."
              for n in range(10)]
    later = ("The Doobie Brothers are nominated for the Rock and Roll Hall of Fame's Class of "
             "2020, which will be honoured in May.")
    old = "\n\n".join([intro, *filler, later])
    quote = "Roll Hall of"
    start = _at(old, quote)
    h = make_highlight("a", old, start, start + len(quote))
    new = "\n\n".join([later, *filler])
    reanchor(h, new, old)
    assert not _placed_on(new, h, _at(new, quote))


def test_moved_paragraph_of_repeated_words_is_not_found_at_the_copy_left_behind() -> None:
    """The highlighted paragraph repeats a sentence said earlier, so it has no landmark of its
    own; it moved with the paragraph before it, away from the paragraph after it.  The
    neighbours disagree, and the copy left where the paragraph after it points is not it."""
    said = ("No one bothered mentioning that the sick state of the finances is not a problem "
            "for technology to solve.")
    first = f"This is both a problem and an opportunity for the banks, they said. {said}"
    before = "In fact, the idea that a friendlier bank fixes our woes is the story we heard."
    after = "The same business logic underlies the entire gig economy and its many apps."
    other = [f"Section {n} describes the new accounts, their fees and their rules, {n}."
             for n in range(8)]
    old = "\n\n".join([first, before, said, after, *other])
    new = "\n\n".join([first, after, *other, before, said.replace("No one", "No")])
    quote = "sick state of the finances"
    start = _at(old, quote, 1)
    h = make_highlight("a", old, start, start + len(quote))
    reanchor(h, new, old)
    assert not _placed_on(new, h, _at(new, quote))
    mapped = map_position(old, new, start)
    assert mapped is not None
    position, tolerance = mapped
    # Either neighbour may be right: the bound covers both places.
    assert abs(_at(new, quote, 1) - position) <= tolerance
    assert abs(_at(new, quote) - position) <= tolerance


def test_one_of_two_adjacent_identical_marks_moved_away_is_not_guessed() -> None:
    """Two scene breaks in a row, one moved away: which one is left cannot be told."""
    old = ("She closed the door behind her and did not look back.\n\n* * *\n\n* * *\n\n"
           "Morning came late to the valley that winter, grey and slow.\n\n"
           + "\n\n".join(f"Line {n} of the long middle part of the story." for n in range(30)))
    start = _at(old, "* * *")
    h = make_highlight("a", old, start, start + len("* * *"))
    parts = old.split("\n\n")
    parts.pop(2)  # the second break...
    parts.insert(20, "* * *")  # ...now far below
    new = "\n\n".join(parts)
    reanchor(h, new, old)
    assert not _placed_on(new, h, _at(new, "* * *"))


def test_similar_phrase_nearby_does_not_win_over_the_edited_words_in_their_context() -> None:
    """The reader's words lost one ("Fallen Order is" -> "Fallen is") but sit in their intact
    context; a sentence before has a closer phrase ("Fallen Order finds") in another context.
    Two places, each with one kind of evidence: not a guess to make."""
    text = ("Even if its core components are owed to other games, Star Wars Jedi: Fallen Order "
            "finds a reason for their inclusion and stops just short of greatness.\n\n"
            "Star Wars Jedi: Fallen Order is a game that is many things to different people. "
            "You can call it Star Wars Uncharted, with a fair bit of climbing.")
    quote = "Fallen Order is"
    start = _at(text, quote)
    h = make_highlight("a", text, start, start + len(quote))
    new = text.replace("Fallen Order is", "Fallen is")
    wrong = _at(new, "Fallen Order finds")
    got_start, _end, status = locate(new, h)
    assert status == "orphan" or got_start != wrong
    reanchor(h, new, text)
    assert not _placed_on(new, h, wrong)


def test_copy_moved_in_next_to_the_readers_is_not_taken_for_it() -> None:
    """Two embedded posts end with the same credit line; the second post's line was moved up
    to just before the reader's.  The landmarks before it point at the moved-in copy, but the
    reader's copy, one line further, still has the reader's context on both sides."""
    credit = "— The Nigerian Senate (@NGRSenate) October 9, 2018"
    first = ("We pray for the families and for the repose of the departed souls.\n\n" + credit
             + "\n\nSenate Leader, Ahmad Lawan raises a motion on the attack in the state.")
    middle = "\n\n".join(f"Debate item {n}: the senators spoke about the budget, item {n}."
                         for n in range(6))
    old = "\n\n".join([first, middle, "Members observed a minute of silence.", credit])
    new = old[: -len(credit) - 2].replace(credit, credit + "\n\n" + credit, 1)
    quote = "(@NGRSenate) October 9, 2018"
    start = _at(old, quote)
    h = make_highlight("a", old, start, start + len(quote))
    reanchor(h, new, old)
    assert (h.start, h.anchor) == (_at(new, quote, 1), "ok")


def test_a_very_common_word_in_its_own_context_is_still_found() -> None:
    """The copy check looks at the copies nearest to the place, however common the words: a
    word found thousands of times, its context intact, stays where the reader put it."""
    old = "\n\n".join(f"In the year {n} the town of the river held the fair number {n * 7}."
                      for n in range(3_000))
    start = _at(old, "In the year 1500 the town") + len("In the year 1500 ")
    h = make_highlight("a", old, start, start + 3)
    assert h.exact == "the" and old.count("the") > 10_000
    preface = "A preface of a few words.\n\n"
    new = preface + old.replace("year 2999", "year two thousand")
    reanchor(h, new, old)
    assert (h.start, h.anchor) == (start + len(preface), "ok")
