"""The annotation core: highlighting without duplicates, edits, undo of every kind of change."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuireader.core.model import make_highlight
from tuireader.importers.base import ImportedArticle
from tuireader.library.editing import Annotator, highlight_at, trim_range
from tuireader.library.store import Store
from tuireader.widgets.highlight_table import RowSet, filter_rows

TEXT = "First sentence here. Second sentence follows!  Third one ends it."


@pytest.fixture
def setup(tmp_path: Path):
    store = Store(tmp_path / "lib")
    article = store.add_article(ImportedArticle(title="T", markdown=TEXT + "\n",
                                                source="https://example.org/a")).article
    yield store, Annotator(store), article.id
    store.close()


def test_trim_range_drops_surrounding_space() -> None:
    assert trim_range("  ab c  ", 0, 8) == (2, 6)
    assert trim_range("   ", 0, 3)[0] == trim_range("   ", 0, 3)[1]


def test_add_highlight_is_saved_and_not_duplicated(setup) -> None:
    store, annotator, aid = setup
    h, created = annotator.add(aid, TEXT, 0, 21)
    assert created and h.exact == "First sentence here."
    again, created_again = annotator.add(aid, TEXT, 0, 21)
    assert not created_again and again.id == h.id
    assert [x.id for x in store.highlights(aid)] == [h.id]


def test_nothing_to_highlight_raises(setup) -> None:
    _store, annotator, aid = setup
    with pytest.raises(ValueError):
        annotator.add(aid, TEXT, 20, 21)


def test_edits_and_undo_each_kind_of_change(setup) -> None:
    store, annotator, aid = setup
    h, _ = annotator.add(aid, TEXT, 21, 45)
    annotator.set_kind(h, 3)
    annotator.set_note(h, "a note\nwith two lines")
    annotator.set_tags(h, ["#Big Idea", "big-idea", "later"])
    stored = store.highlights(aid)[0]
    assert (stored.kind, stored.note, stored.tags) == (3, "a note\nwith two lines",
                                                        ["big-idea", "later"])
    annotator.delete(stored)
    assert store.highlights(aid) == []
    assert annotator.undo().description == "delete"
    restored = store.highlights(aid)[0]
    assert restored.note == "a note\nwith two lines" and restored.tags == ["big-idea", "later"]
    annotator.undo()  # tags
    assert store.highlights(aid)[0].tags == []
    annotator.undo()  # note
    assert store.highlights(aid)[0].note == ""
    annotator.undo()  # colour
    assert store.highlights(aid)[0].kind == 1
    annotator.undo()  # the highlight itself
    assert store.highlights(aid) == []
    assert annotator.undo() is None


def test_reattach_an_orphan(setup) -> None:
    store, annotator, aid = setup
    h, _ = annotator.add(aid, TEXT, 0, 5)
    h.anchor = "orphan"
    store.save_highlights([h])
    annotator.reattach(h, TEXT, 47, 56)
    stored = store.highlights(aid)[0]
    assert stored.anchor == "ok" and stored.exact == "Third one"


def test_highlight_at_prefers_exact_then_covering(setup) -> None:
    _store, annotator, aid = setup
    whole, _ = annotator.add(aid, TEXT, 0, len(TEXT))
    part, _ = annotator.add(aid, TEXT, 21, 45)
    highlights = [whole, part]
    assert highlight_at(highlights, 21, 45) is part
    assert highlight_at(highlights, 0, len(TEXT)) is whole
    assert highlight_at(highlights, 25, 30) is part
    assert highlight_at(highlights, 2, 3) is whole
    part.anchor = "orphan"
    assert highlight_at([part], 21, 45) is None


def test_highlights_view_filter_terms(setup) -> None:
    _store, annotator, aid = setup
    a, _ = annotator.add(aid, TEXT, 0, 20)
    b, _ = annotator.add(aid, TEXT, 21, 45)
    annotator.set_kind(b, 2)
    annotator.set_tags(a, ["ideas"])
    annotator.set_note(b, "remember pumpernickel")
    rows = RowSet.from_highlights([(a, "Bread Article"), (b, "Other Title")])
    assert filter_rows(rows, "") == [0, 1]
    assert filter_rows(rows, "#ide") == [0]
    assert filter_rows(rows, "c:green") == [1]
    assert filter_rows(rows, "c:2") == [1]
    assert filter_rows(rows, "pumpernickel") == [1]
    assert filter_rows(rows, "a:bread") == [0]
    assert filter_rows(rows, "sentence a:other") == [1]
    assert filter_rows(rows, "nothing-like-this") == []
    # An operator alone is a term still being typed: it filters nothing yet.
    for bare in ("#", "c:", "a:", "is:"):
        assert filter_rows(rows, bare) == [0, 1], bare
        assert filter_rows(rows, f"pumpernickel {bare}") == [1], bare


def test_incremental_filter_matches_full_filter(setup) -> None:
    from tuireader.library.search import extends

    _store, annotator, aid = setup
    made = [annotator.add(aid, TEXT, a, b)[0] for a, b in ((0, 20), (21, 45), (47, 65))]
    annotator.set_tags(made[0], ["ideas", "later"])
    annotator.set_kind(made[2], 4)
    rows = RowSet.from_highlights((h, "Some Title") for h in made)
    previous = ""
    matches = filter_rows(rows, "")
    for query in ["s", "se", "sen", "sent", "sentence", "sentence #", "sentence #i",
                  "sentence #ide", "c", "c:", "c:r", "c:red", "#", "#l", "#later"]:
        within = matches if extends(previous, query) else None
        matches = filter_rows(rows, query, within)
        assert matches == filter_rows(rows, query), query
        previous = query
    assert extends("c:red", "c:red sent") and not extends("c:r", "c:red")
    assert filter_rows(rows, "c:red") == [2] and filter_rows(rows, "is:ok") == [0, 1, 2]


def test_tags_lose_control_characters() -> None:
    from tuireader.core.model import normalise_tag

    assert normalise_tag(" Big\x1b[2JIdea\x9b ") == "big-[2jidea"
    assert normalise_tag("a\tb\nc") == "a-b-c"


def test_row_set_orders_and_replaces_one_article(setup) -> None:
    _store, annotator, aid = setup
    a, _ = annotator.add(aid, TEXT, 21, 45)
    b, _ = annotator.add(aid, TEXT, 0, 20)
    a.created, b.created = "2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00+00:00"
    other = make_highlight("other", "Zebra text about nothing", 0, 5)
    other.created = "2026-01-03T00:00:00+00:00"
    rows = RowSet.from_highlights([(a, "Bread Article"), (b, "Bread Article"), (other, "Apples")])
    assert [rows[i].highlight.id for i in range(3)] == [a.id, b.id, other.id]
    newest = rows.newest_first()
    assert [newest.highlight_id(i) for i in range(3)] == [other.id, b.id, a.id]
    by_article = rows.by_article()  # title, then article, then position
    assert [by_article.highlight_id(i) for i in range(3)] == [other.id, b.id, a.id]
    assert filter_rows(rows, "a:apples") == [2] and filter_rows(rows, "bread") == [0, 1]
    # a note on a, b deleted, c new: a keeps its place, b goes, c comes last
    assert filter_rows(rows, "#later") == [] and filter_rows(rows, "c:red") == []  # columns
    a.note = "with pumpernickel"
    a.tags, a.kind = ["later"], 4
    c, _ = annotator.add(aid, TEXT, 47, 65)
    replaced = rows.with_article(aid, [a, c], "Bread Article")
    assert filter_rows(replaced, "#later") == [0] and filter_rows(replaced, "c:red") == [0]
    assert [replaced.highlight_id(i) for i in range(len(replaced))] == [a.id, other.id, c.id]
    assert filter_rows(replaced, "pumpernickel") == [0]
    assert replaced[0].article_title == "Bread Article" and replaced[1].article_id == "other"
