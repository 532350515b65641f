"""The highlights view (H) answered from the search index: the same rows, in the same order,
as the view's in-memory filter over the library; and an index behind the library is not
trusted."""

from __future__ import annotations

import json
import os
import random
import sqlite3
from pathlib import Path

import pytest
from textual.widgets import Input

from app_support import make_config, wait_for
from tuireader.app import make_app
from tuireader.core.model import ImportedArticle, make_highlight
from tuireader.library.fulltext import listing
from tuireader.library.fulltext.highlights import HighlightSource, StaleIndex
from tuireader.library.search import RowSet, filter_rows
from tuireader.library.store import Store
from tuireader.screens import highlights as highlights_screen
from tuireader.screens.highlights import HighlightsScreen
from tuireader.widgets.highlight_table import HighlightTable

WORDS = ("quiet", "work", "river", "Natásha", "memory", "craft", "the", "of", "ink", "think",
         "100%", "snake_case", "ÉCOLE", "paying", "attention")
TAGS = ("idea", "idiom", "quote", "todo", "Later")
TITLES = ("Rivers of Memory", "The Quiet Craft", "Ink and Thinking", "École du soir",
          "A 100% Title")

QUERIES = (
    "", "q", "qu", "quiet", "quiet work", "ink", "think", "hink", "natásha", "natasha", "école",
    "ecole", "100%", "snake_", "_", "%", "#id", "#idea", "#idiom", "#later", "#l", "#", "c:green",
    "c:2", "c:purple", "c:9", "a:river", "a:quiet", "a:100", "is:orphan", "is:fuzzy", "is:ok",
    "memory #quote c:3", "of the", "river a:craft", "zzz", "a:", "c:", "is:",
)


def build(path: Path, seed: int = 7, highlights: int = 60) -> Store:
    """A library of five articles and ``highlights`` varied highlights (distinct times)."""
    rng = random.Random(seed)
    store = Store(path, index_path=path.parent / "index.sqlite3")
    ids = []
    for title in TITLES:
        body = "\n\n".join(" ".join(rng.choice(WORDS) for _ in range(40)) for _ in range(12))
        ids.append(store.add_article(ImportedArticle(title=title, markdown=body)).article.id)
    for n in range(highlights):
        aid = rng.choice(ids)
        text = store.read_markdown(aid)
        start = rng.randrange(0, len(text) - 60)
        h = make_highlight(aid, text, start, start + rng.randint(10, 50), kind=rng.randint(1, 5))
        h.created = f"2026-01-{1 + n % 28:02d}T{n // 28:02d}:00:{n % 60:02d}+00:00"
        h.tags = rng.sample(TAGS, rng.choice((0, 1, 2)))
        if rng.random() < 0.4:
            h.note = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6)))
        h.anchor = rng.choice(("ok", "ok", "ok", "fuzzy", "orphan"))
        store.add_highlight(h)
    return store


def library_answer(store: Store, query: str, order: str) -> list[str]:
    """The view's answer when it reads the library (the path it always had)."""
    rows = RowSet.from_index(store.highlight_index(), store.titles())
    rows = rows.newest_first() if order == "newest" else rows.by_article()
    return [rows.highlight_id(i) for i in (filter_rows(rows, query) if query
                                           else range(len(rows)))]


def index_answer(store: Store, query: str, order: str, limit: int | None = None) -> list[str]:
    source = HighlightSource(store.fulltext)
    found = source.find(query, order, limit)
    records = source.records(found.ids, store.titles())
    return [str(records[i]["id"]) for i in found.ids]


@pytest.fixture
def store(tmp_path: Path):
    store = build(tmp_path / "lib")
    yield store
    store.close()


@pytest.mark.parametrize("order", ["newest", "article"])
def test_the_index_answers_as_the_library_does(store: Store, order: str) -> None:
    assert store.fulltext.ready()
    for query in QUERIES:
        expected = library_answer(store, query, order)
        assert index_answer(store, query, order) == expected, query
        # The first rows alone (what a keystroke shows first) are the first of them.
        assert index_answer(store, query, order, limit=5) == expected[:5], query


def test_every_rarity_of_term_is_answered_alike(store: Store,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A term in few highlights is looked up by trigram, others walked: both answer alike."""
    from tuireader.library.fulltext import highlights

    for probe in (0, 3, 10_000):
        monkeypatch.setattr(highlights, "PROBE", probe)
        for query in QUERIES:
            assert index_answer(store, query, "newest") == library_answer(store, query,
                                                                          "newest"), query
    # A walk cut short (a rare short word in a huge library) gives the first of the rows.
    monkeypatch.setattr(highlights, "WALK_ROWS", 7)
    source = HighlightSource(store.fulltext)
    for query in QUERIES:
        first = source.find(query, "newest", 50)
        records = source.records(first.ids, store.titles())
        expected = library_answer(store, query, "newest")
        assert [records[i]["id"] for i in first.ids] == expected[: len(first.ids)], query
        assert first.complete == (len(first.ids) == len(expected) < 50) or not first.complete


def test_edits_reach_the_index_at_once(store: Store) -> None:
    h = store.all_highlights()[0]
    h.note = "a brand new pumpernickel"
    h.tags = ["fresh"]
    store.save_highlights([h])
    for query in ("pumpernickel", "#fresh", "brand new"):
        assert index_answer(store, query, "newest") == [h.id]
    store.delete_highlight(h)
    assert index_answer(store, "pumpernickel", "newest") == []
    article = store.get_article(h.article_id)
    assert article is not None
    article.title = "Renamed Pumpernickel"
    store.update_article(article)
    assert index_answer(store, "a:pumpernickel", "article") == library_answer(
        store, "a:pumpernickel", "article")


def _edit_outside(store: Store, article_id: str, note: str) -> None:
    """Another program (a sync tool) changes a note in a highlights file."""
    shard = store.shards.path(article_id)
    data = json.loads(shard.read_text(encoding="utf-8"))
    record = next(iter(next(iter(data.values())).values()))
    record["note"] = note
    before = shard.stat().st_mtime_ns
    shard.write_text(json.dumps(data), encoding="utf-8")
    os.utime(shard, ns=(before + 10_000_000, before + 10_000_000))


def test_a_stale_index_is_not_trusted(store: Store) -> None:
    assert store.fulltext.ready()
    h = store.all_highlights()[0]
    source = HighlightSource(store.fulltext)
    rowid = source.rowid(h.id)
    assert rowid is not None
    _edit_outside(store, h.article_id, "changed elsewhere")
    # A row of that article leads to what the index holds, not the library: refused.
    with pytest.raises(StaleIndex):
        source.records([rowid], store.titles())
    # And once looked at, the index does not claim to answer for the library until caught up.
    assert h.article_id in store.fulltext.stale()
    assert not store.fulltext.ready()
    store.fulltext.catch_up()
    assert store.fulltext.ready()
    assert index_answer(store, "elsewhere", "newest") == library_answer(store, "elsewhere",
                                                                         "newest")


# -- the view -----------------------------------------------------------------------------------


async def _open_view(pilot, app) -> HighlightsScreen:
    from tuireader.widgets.article_list import ArticleList

    article_list = app.screen.query_one(ArticleList)
    await wait_for(pilot, lambda: article_list.current_id is not None, what="the list loaded")
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.press("H")
    await wait_for(pilot, lambda: isinstance(app.screen, HighlightsScreen))
    await app.workers.wait_for_complete()
    await pilot.pause()
    return app.screen


async def _type(pilot, app, screen: HighlightsScreen, query: str) -> list[str]:
    box = screen.query_one("#hv-filter", Input)
    await pilot.press("slash")
    box.value = ""
    for char in query:  # one keystroke at a time, each its own query
        box.insert_text_at_cursor(char)
        await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    table = screen.query_one(HighlightTable)
    return [table.rows[i].highlight_id for i in table.shown]


async def test_the_view_from_the_index_shows_what_the_library_holds(store: Store) -> None:
    from tuireader.library.fulltext.highlights import IndexedRows

    app = make_app(store, make_config())
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _open_view(pilot, app)
        table = screen.query_one(HighlightTable)
        await wait_for(pilot, lambda: len(table.shown) == 60)
        assert isinstance(table.rows, IndexedRows)  # answered by the index
        for query in ("quiet", "#id", "c:2 memory", "a:craft", "is:orphan", "hink", "zzz"):
            assert await _type(pilot, app, screen, query) == library_answer(
                store, query, "newest"), query
        await pilot.press("enter")  # back to the table
        await pilot.press("s")  # by article
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [table.rows[i].highlight_id for i in table.shown] == library_answer(
            store, "zzz", "article")
        shown = await _type(pilot, app, screen, "the")
        assert shown == library_answer(store, "the", "article")
        title = str(screen.query_one("#hv-title").render())
        assert f"{len(shown)}/60" in title and "by article" in title


async def test_the_view_reads_the_library_when_the_index_is_behind(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(highlights_screen, "CATCH_UP_HERE", 0)  # never caught up here
    h = store.all_highlights()[0]
    app = make_app(store, make_config())
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: app.screen is not None)
        await app.workers.wait_for_complete()
        _edit_outside(store, h.article_id, "edited elsewhere")
        screen = await _open_view(pilot, app)
        table = screen.query_one(HighlightTable)
        await wait_for(pilot, lambda: isinstance(table.rows, RowSet) and len(table.shown) == 60)
        assert await _type(pilot, app, screen, "elsewhere") == library_answer(
            store, "elsewhere", "newest")
        assert len(table.shown) == 1 and table.current is not None
        assert table.current.note == "edited elsewhere"


# -- the library list ---------------------------------------------------------------------------

LIST_QUERIES = ("", "r", "river", "the", "#id", "#idea", "#later", "é", "école", "ecole", "100%",
                "is:archived", "is:archived quiet", "example", "zzz", "#", "a title")


def _tag_articles(store: Store) -> None:
    for n, article in enumerate(store.list_articles()):
        article.tags = [TAGS[n % len(TAGS)].lower(), TAGS[(n + 2) % len(TAGS)].lower()][: n % 3]
        article.site = "example.org" if n % 2 else ""
        article.archived = n == 1
        store.update_article(article)


async def test_the_library_filter_from_the_index_lists_what_the_library_does(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from tuireader.widgets.article_list import ArticleList, matches, sort_articles

    _tag_articles(store)
    monkeypatch.setattr(ArticleList, "FIND_FROM", 0)  # the index answers at any size
    counted: list[bool] = []
    counts = listing.highlight_counts
    monkeypatch.setattr(listing, "highlight_counts",
                        lambda *a: (counted.append(True), counts(*a))[1])
    asked: list[str] = []
    app = make_app(store, make_config())
    async with app.run_test(size=(140, 40)) as pilot:
        article_list = app.screen.query_one(ArticleList)
        await wait_for(pilot, lambda: article_list.current_id is not None)
        await app.workers.wait_for_complete()
        finder = article_list.finder
        assert finder is not None
        article_list.finder = lambda text: (asked.append(text), finder(text))[1]
        # The highlight counts came from the index: the library's own.
        assert counted
        assert {a.id: article_list.highlight_count(a.id) for a in store.list_articles()} == \
            store.highlight_counts()
        box = article_list.query_one(Input)
        for query in LIST_QUERIES:
            box.value = query
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            expected = [a.id for a in sort_articles(store.list_articles(), "recent")
                        if matches(a, query)]
            assert article_list.shown_ids == expected, query
        assert set(asked) >= {q for q in LIST_QUERIES if q.strip()}  # the index answered


async def test_the_library_filter_does_not_trust_a_stale_index(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from tuireader.widgets.article_list import ArticleList

    monkeypatch.setattr(ArticleList, "FIND_FROM", 0)
    app = make_app(store, make_config())
    async with app.run_test(size=(140, 40)) as pilot:
        article_list = app.screen.query_one(ArticleList)
        await wait_for(pilot, lambda: article_list.current_id is not None)
        await app.workers.wait_for_complete()
        # The index made wrong behind the store's back: while it is taken as up to date, the
        # list shows what it says (nothing) ...
        with sqlite3.connect(store.fulltext.path) as db:
            db.execute("UPDATE docs SET list_fold = ''")
        box = article_list.query_one(Input)

        async def listed(text: str) -> list[str]:
            box.value = text
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            return [store.get_article(i).title for i in article_list.shown_ids]

        assert await listed("river") == []
        # ... and once it is known to be behind (as a highlights page found it), it is not
        # asked: the list filters itself.
        store.fulltext.mark_stale()
        await listed("")
        assert await listed("river") == ["Rivers of Memory"]


async def test_an_edit_in_the_view_from_the_index_is_shown_from_the_index(store: Store) -> None:
    from tuireader.library.fulltext.highlights import IndexedRows

    app = make_app(store, make_config())
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _open_view(pilot, app)
        table = screen.query_one(HighlightTable)
        await wait_for(pilot, lambda: len(table.shown) == 60)
        table.focus()
        await pilot.pause()
        first = table.current
        assert first is not None
        colour = 5 if first.kind != 5 else 4
        await pilot.press(str(colour))
        await wait_for(pilot, lambda: table.current is not None
                       and table.current.kind == colour)
        app.writer.wait_idle(5)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(table.rows, IndexedRows)  # still answered by the index
        assert table.current is not None and table.current.id == first.id
        assert await _type(pilot, app, screen, f"c:{colour}") == library_answer(
            store, f"c:{colour}", "newest")
        assert first.id in [table.rows[i].highlight_id for i in table.shown]


def test_rows_from_the_index_are_read_a_page_at_a_time(store: Store,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from tuireader.library.fulltext import highlights
    from tuireader.library.fulltext.highlights import IndexedRows

    monkeypatch.setattr(highlights, "PAGE", 4)
    source = HighlightSource(store.fulltext)
    stale: list[bool] = []
    rows = IndexedRows(source, store.titles(), source.total(), lambda: stale.append(True))
    found = source.find("", "article")
    rows.showing(found.ids)
    expected = library_answer(store, "", "article")
    assert [rows[i].highlight_id for i in reversed(found.ids)] == expected[::-1]
    assert rows.position(expected[-1], found.ids) == len(expected) - 1
    # A page of an article changed behind the index's back is refused, and said once.
    fresh = IndexedRows(source, store.titles(), source.total(), lambda: stale.append(True))
    fresh.showing(found.ids)
    _edit_outside(store, rows[found.ids[0]].article_id, "changed elsewhere")
    with pytest.raises(StaleIndex):
        fresh[found.ids[0]]
    with pytest.raises(StaleIndex):
        fresh[found.ids[1]]
    assert stale == [True]
