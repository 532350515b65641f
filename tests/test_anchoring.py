"""Anchoring: a highlight's quote and context, and finding it again after the text changed."""

from __future__ import annotations

from tuireader.core.anchoring import locate, reanchor
from tuireader.core.model import CONTEXT_CHARS, make_highlight

TEXT = (
    "In the beginning the river was small. It wandered through the meadow and nobody "
    "noticed it. Years later the river was wide, and the town that grew beside it depended "
    "on it for everything: water, trade, and the stories people told at night."
)


def hl(text: str, quote: str, nth: int = 0):
    start = -1
    for _ in range(nth + 1):
        start = text.index(quote, start + 1)
    return make_highlight("a1", text, start, start + len(quote))


def test_make_highlight_quote_and_context() -> None:
    h = hl(TEXT, "the river was wide")
    assert h.exact == "the river was wide"
    assert h.prefix == TEXT[h.start - CONTEXT_CHARS : h.start]
    assert h.suffix == TEXT[h.end : h.end + CONTEXT_CHARS]
    assert h.article_id == "a1" and h.anchor == "ok" and h.kind == 1


def test_make_highlight_at_the_edges_clamps_context() -> None:
    h = make_highlight("a", "short text", 0, 5)
    assert (h.prefix, h.exact, h.suffix) == ("", "short", " text")
    h = make_highlight("a", "short text", 6, 99)
    assert h.exact == "text" and h.suffix == ""


def test_reanchor_exact_same_place_is_unchanged() -> None:
    h = hl(TEXT, "nobody noticed it")
    before = (h.start, h.end, h.updated)
    assert reanchor(h, TEXT) is False
    assert (h.start, h.end, h.updated) == before and h.anchor == "ok"


def test_reanchor_moved_text() -> None:
    h = hl(TEXT, "nobody noticed it")
    new = "A new preface of some length comes first.\n\n" + TEXT
    assert reanchor(h, new) is True
    assert new[h.start : h.end] == "nobody noticed it" and h.anchor == "ok"
    assert h.prefix == new[h.start - CONTEXT_CHARS : h.start]


def test_repeated_quote_chosen_by_context() -> None:
    # "the river was" occurs twice; the second one is highlighted.
    h = hl(TEXT, "the river was", nth=1)
    assert h.suffix.startswith(" wide")
    # Text inserted before both occurrences: the old offset now points elsewhere, and the
    # context must pick the second occurrence again, not the nearer first one.
    new = "Prologue. " * 3 + TEXT
    reanchor(h, new)
    assert new[h.start : h.end] == "the river was"
    assert new[h.end :].startswith(" wide")
    assert h.anchor == "ok"


def test_repeated_quote_context_beats_distance() -> None:
    h = hl(TEXT, "the river was", nth=0)
    # Swap sentences so the first occurrence moves far away; context still finds it.
    first, rest = TEXT.split(". ", 1)
    new = rest + " " + first + "."
    reanchor(h, new)
    assert new[h.end :].startswith(" small")


def test_fuzzy_after_small_edit_inside_quote() -> None:
    quote = "the town that grew beside it depended on it for everything"
    h = hl(TEXT, quote)
    new = TEXT.replace("grew beside it", "grew up beside it")
    start, end, status = locate(new, h)
    assert status == "fuzzy"
    assert reanchor(h, new) is True
    assert h.anchor == "fuzzy"
    assert h.exact == quote  # the reader's quote is never rewritten
    found = new[h.start : h.end]
    assert found.startswith("the town") and "grew up beside it" in found
    assert (start, end) == (h.start, h.end)


def test_orphan_when_text_is_gone_is_kept() -> None:
    h = hl(TEXT, "the stories people told at night")
    new = "An entirely different article about mountains and snow."
    assert reanchor(h, new) is True
    assert h.anchor == "orphan"
    assert h.exact == "the stories people told at night"  # nothing dropped
    assert 0 <= h.start <= h.end <= len(new)


def test_orphan_comes_back_when_text_returns() -> None:
    h = hl(TEXT, "the stories people told at night")
    reanchor(h, "nothing here")
    assert h.anchor == "orphan"
    reanchor(h, TEXT)
    assert h.anchor == "ok" and TEXT[h.start : h.end] == h.exact


def test_short_quote_with_no_match_is_orphan_not_error() -> None:
    h = make_highlight("a", "ab cd", 0, 2)
    reanchor(h, "zz yy")
    assert h.anchor == "orphan"


def test_empty_text() -> None:
    h = hl(TEXT, "river")
    reanchor(h, "")
    assert h.anchor == "orphan" and h.start == h.end == 0


# -- one test per stage of re-anchoring, and the safety rules ---------------------------------

import random  # noqa: E402

import tuireader.core.anchoring as anchoring  # noqa: E402
from tuireader.core import align  # noqa: E402
from tuireader.core.landmarks import map_position  # noqa: E402

PARAS = [
    "Rivers shape the towns that grow beside them, and the towns in turn reshape the rivers "
    "with weirs, mills and embankments built over centuries.",
    "The mill on the east bank ground flour for three villages until the railway arrived and "
    "cheaper flour came in by the wagonload from the plains.",
    "Children learned to swim in the pool below the weir, a habit the council tried and failed "
    "to stop for the better part of a hundred years.",
    "Today the embankment is a park, and the old mill houses a small museum of tools, maps and "
    "photographs donated by the families who worked there.",
]
ARTICLE = "\n\n".join(PARAS)


def test_paragraph_moved_is_found_at_its_new_place() -> None:
    h = hl(ARTICLE, "a habit the council tried and failed to stop")
    new = "\n\n".join([PARAS[2], PARAS[0], PARAS[3], PARAS[1]])
    assert reanchor(h, new) is True
    assert h.anchor == "ok" and new[h.start : h.end] == h.exact


def test_moved_paragraph_with_an_edit_is_fuzzy_with_the_right_span() -> None:
    quote = "the old mill houses a small museum of tools, maps and photographs"
    h = hl(ARTICLE, quote)
    edited = PARAS[3].replace("small museum", "small local museum")
    new = "\n\n".join([edited, PARAS[0], PARAS[1], PARAS[2]])
    assert reanchor(h, new) is True
    assert h.anchor == "fuzzy"
    want = new.index("the old mill houses")
    assert (h.start, h.end) == (want, want + len(quote) + len(" local"))


def test_deleted_quote_is_orphan_with_offsets_clamped_and_context_kept() -> None:
    h = hl(ARTICLE, "donated by the families who worked there.")
    old_context = (h.prefix, h.suffix)
    new = PARAS[0]  # everything after the first paragraph is gone
    assert reanchor(h, new) is True
    assert h.anchor == "orphan"
    assert h.exact == "donated by the families who worked there."
    assert 0 <= h.start <= h.end <= len(new)
    assert (h.prefix, h.suffix) == old_context  # kept, so a later version can bring it back


def test_short_quote_is_not_moved_onto_another_occurrence() -> None:
    # "the weir" occurs twice; the highlighted one's sentence is deleted.  The other one has a
    # different context, so the highlight must become an orphan, not jump to it.
    h = hl(ARTICLE, "the weir", nth=0)
    assert h.suffix.startswith(", a habit")
    new = ARTICLE.replace(PARAS[2], "Children swam in the river.")
    new = new.replace("with weirs, mills", "with the weir, mills")
    assert reanchor(h, new) is True
    assert h.anchor == "orphan"


def test_short_quote_without_any_context_match_stays_orphan() -> None:
    h = hl(ARTICLE, "mill", nth=0)
    new = "A note on the mill.\n\nNothing else survives of the original article at all."
    reanchor(h, new)
    assert h.anchor == "orphan"


def test_very_short_quote_is_never_matched_fuzzily() -> None:
    h = hl(ARTICLE, "park")
    new = ARTICLE.replace("park", "pork")
    assert locate(new, h)[2] == "orphan"


def test_repeated_passage_edited_at_the_old_place_is_not_sent_to_the_copy() -> None:
    # A pull quote: the same sentence twice, far apart.  The reader highlighted the first; it is
    # edited now, and the untouched copy reads exactly like the quote with the same context.
    quote = "Water remembers every town it ever passed through"
    filler = " ".join(PARAS * 3)
    text = f"Intro.\n\n{quote} on its way.\n\n{filler}\n\nIntro.\n\n{quote} on its way.\n\nEnd."
    h = hl(text, quote, nth=0)
    new = text.replace(quote, "Water remembers every town it once passed through", 1)
    start, end, status = locate(new, h)
    far = new.rindex(quote)
    assert start != far  # anywhere but the copy: orphan, or fuzzy at the edited original
    if status == "fuzzy":
        assert new[start:end] == "Water remembers every town it once passed through"


def test_reanchor_is_idempotent() -> None:
    h = hl(ARTICLE, "cheaper flour came in by the wagonload")
    new = ARTICLE.replace("cheaper flour", "cheaper white flour")
    reanchor(h, new)
    first = (h.start, h.end, h.anchor, h.prefix, h.suffix)
    assert first[2] == "fuzzy"
    assert reanchor(h, new) is False
    assert (h.start, h.end, h.anchor, h.prefix, h.suffix) == first


def test_long_quote_is_aligned_word_by_word() -> None:
    parts = [f"{p} (Part {i}.)" for i, p in enumerate(PARAS * 4)]
    long_text = "\n\n".join(parts)
    quote = "\n\n".join(parts[5:12])
    assert len(quote) > anchoring.CHAR_ALIGN_MAX
    start = long_text.index(quote)
    h = make_highlight("a", long_text, start, start + len(quote))
    new = "Preface.\n\n" + long_text.replace("three villages", "four villages")
    start2, end2, status = locate(new, h)
    assert status == "fuzzy"
    assert abs(start2 - (start + len("Preface.\n\n"))) <= 1
    assert abs((end2 - start2) - len(quote)) <= 2


def _edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def test_bit_parallel_alignment_matches_brute_force() -> None:
    rng = random.Random(3)
    for _ in range(200):
        pattern = "".join(rng.choice("abc ") for _ in range(rng.randint(1, 9)))
        seq = "".join(rng.choice("abc ") for _ in range(rng.randint(0, 14)))
        start, end, dist = align.best_substring(pattern, seq)
        best = min(_edit_distance(pattern, seq[i:j])
                   for i in range(len(seq) + 1) for j in range(i, len(seq) + 1))
        assert dist == best
        assert _edit_distance(pattern, seq[start:end]) == dist


def test_work_is_bounded_on_a_long_text(monkeypatch) -> None:
    """A 2 MB text: however common the quote's words, the work stays bounded by design --
    few alignment windows, each a few times the quote long, and few context comparisons."""
    book = ("the river and the town and the mill. " * 60_000)[:2_000_000]
    aligned: list[int] = []
    real_myers = align.edit_distance_ends

    def counting_myers(pattern, seq, **kwargs):
        aligned.append(len(seq))
        return real_myers(pattern, seq, **kwargs)

    compared: list[int] = []  # one per side of a context compared (two per place scored)
    real_similarity = align.similarity

    def counting_similarity(a, b):
        compared.append(len(a))
        return real_similarity(a, b)

    monkeypatch.setattr(align, "edit_distance_ends", counting_myers)
    monkeypatch.setattr(align, "similarity", counting_similarity)
    cases = [
        make_highlight("a", "xx the yy", 3, 6),  # "the": ~100,000 occurrences
        make_highlight("a", "An opening. the river and the town and the mill. The end.", 12, 48),
        make_highlight("a", "Q: the river and the weir and the mill are gone. Z", 3, 48),
        make_highlight("a", "Q: words that never occur in the book at all. Z", 3, 45),
    ]
    for h in cases:
        aligned.clear()
        compared.clear()
        locate(book, h)
        places = anchoring.MAX_SCORED_CONTEXTS + 2 * anchoring.MAX_WINDOWS + 4
        assert len(compared) <= 2 * places
        # Windows: at most MAX_WINDOWS (+ the old position, + a rival check), each aligned
        # forwards once and backwards a few times, over a few quote lengths.
        assert len(aligned) <= 5 * (anchoring.MAX_WINDOWS + 2)
        assert all(n <= 4 * len(h.exact) + 200 for n in aligned)


# -- the old position carried through the edit (re-import: the old text is known) ---------------

DAY = "Breakfast: oats with 1 tsp. nut butter and berries, then tea.\n\n"


def _recipe(days: list[str]) -> str:
    return "".join(f"Notes for day {name}, written after the {name} walk by the river. "
                   f"The {name} morning was cold, the {name} afternoon warmer, and the evening "
                   f"of day {name} ended with a long talk about the garden and the {name} "
                   "letters that had come in the post.\n\n" + DAY for name in days)


def test_map_position_follows_a_shift_and_ignores_repeated_landmarks() -> None:
    old = _recipe(["one", "two", "three"])
    new = "A new introduction, long enough to shift everything after it. " * 20 + old
    shift = len(new) - len(old)
    pos = old.index("nut butter", old.index("day two"))
    mapped = map_position(old, new, pos)
    assert mapped is not None and mapped[0] == pos + shift and mapped[1] >= 0
    assert map_position(old, "entirely different words now", pos) is None


def test_identical_copies_told_apart_by_the_carried_position() -> None:
    old = _recipe(["one", "two", "three"])
    start = old.index("nut butter", old.index("day two"))
    h = make_highlight("a", old, start, start + len("nut butter"))
    new = "A new introduction, long enough to shift everything after it. " * 20 + old
    truth = new.index("nut butter", new.index("day two"))
    without = make_highlight("a", old, start, start + len("nut butter"))
    reanchor(without, new)
    assert without.start != truth  # the nearest copy to the *old* offset is another day's
    reanchor(h, new, old)
    assert (h.start, h.anchor) == (truth, "ok")


def test_edited_copy_is_orphaned_not_sent_to_an_intact_copy() -> None:
    old = _recipe(["one", "two", "three"])
    start = old.index("nut butter", old.index("day two"))
    h = make_highlight("a", old, start, start + len("nut butter"))
    day_two = old.index("day two")
    edited = old[:day_two] + old[day_two:].replace("1 tsp. nut butter", "a spoon of jam", 1)
    reanchor(h, edited, old)
    assert h.anchor == "orphan"


def test_repeated_words_in_a_moved_paragraph_follow_the_paragraph() -> None:
    """Landmarks in the highlight's own paragraph move with it: a phrase that also occurs near
    the old place is found where its paragraph went, not at the copy left behind."""
    first = "The harbour master counted the ships at dawn, as he always did, twice over."
    moved = "Years later the harbour master counted the ships at dawn for the last time."
    filler = [f"Paragraph {n} talks about other things entirely, number {n} of many." for n in
              range(12)]
    old = "\n\n".join([first, moved, *filler])
    new = "\n\n".join([first, *filler, moved])
    start = old.index("counted the ships at dawn", old.index("Years later"))
    h = make_highlight("a", old, start, start + len("counted the ships at dawn"))
    reanchor(h, new, old)
    assert (h.start, h.anchor) == (new.index("counted the ships at dawn", new.index("Years")),
                                   "ok")
