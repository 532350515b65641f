"""Anchoring: a highlight's quote and context, and finding it again after the text changed."""

from __future__ import annotations

from tuireader.anchoring import locate, make_highlight, reanchor
from tuireader.model import CONTEXT_CHARS

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
