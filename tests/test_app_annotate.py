"""Pilot tests: annotating with the keyboard, end to end through the store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from app_support import Notifications, make_config, make_library, wait_for
from tuireader.app import make_app
from tuireader.library.shards import ShardSet
from tuireader.library.store import Store
from tuireader.screens.dialogs import ConfirmScreen, NoteScreen, TagScreen
from tuireader.screens.highlights import HighlightsScreen
from tuireader.screens.main import MainScreen
from tuireader.widgets.article_list import ArticleList
from tuireader.widgets.highlight_table import HighlightTable
from tuireader.widgets.reader import ReaderView
from tuireader.widgets.side_panel import SidePanel


@pytest.fixture
def store(tmp_path: Path):
    store = make_library(tmp_path / "lib")
    yield store
    store.close()


def _id(store: Store, title: str) -> str:
    return next(a.id for a in store.list_articles() if a.title == title)


async def opened(pilot, store: Store, title: str = "A Tidy Article"):
    app = pilot.app
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, MainScreen)
    reader = screen.query_one(ReaderView)
    await wait_for(pilot, lambda: screen.article is not None and reader.document.complete)
    reader.focus()
    await pilot.pause()
    return screen, reader


def _status(app) -> str:
    return str(app.screen.query_one("#status").render())


async def test_h_highlights_focused_paragraph_once(store: Store) -> None:
    aid = _id(store, "A Tidy Article")
    app = make_app(store, make_config(), open_article=aid)
    async with app.run_test(size=(160, 40)) as pilot:
        screen, reader = await opened(pilot, store)
        first = reader.document.blocks[0]
        await pilot.press("h")
        await wait_for(pilot, lambda: len(screen.highlights) == 1)
        stored = store.highlights(aid)
        assert len(stored) == 1
        assert stored[0].exact == first.text.strip()
        assert "saved ✓" in _status(app)
        assert reader.highlights == [(stored[0].start, stored[0].end, 1)]
        await pilot.press("h")
        await wait_for(pilot, lambda: "Already highlighted" in _status(app))
        assert len(store.highlights(aid)) == 1
        panel = screen.query_one(SidePanel)
        assert panel.highlight_list.row_count == 1


async def test_sentence_highlight_then_colour(store: Store) -> None:
    aid = _id(store, "The Long Read")
    app = make_app(store, make_config(), open_article=aid)
    async with app.run_test(size=(160, 40)) as pilot:
        screen, _reader = await opened(pilot, store, "The Long Read")
        await pilot.press("w", "w", "h", "2")
        await wait_for(pilot, lambda: bool(screen.highlights) and screen.highlights[0].kind == 2)
        h = store.highlights(aid)[0]
        assert h.exact == "1:" or h.exact.isalnum() or len(h.exact.split()) == 1
        assert h.kind == 2


async def test_visual_selection_across_blocks(store: Store) -> None:
    aid = _id(store, "The Long Read")
    app = make_app(store, make_config(), open_article=aid)
    async with app.run_test(size=(160, 40)) as pilot:
        screen, reader = await opened(pilot, store, "The Long Read")
        blocks = reader.document.blocks
        await pilot.press("v", "j", "j")
        assert reader.selection == (blocks[0].start, blocks[2].end)
        await pilot.press("h")
        await wait_for(pilot, lambda: len(screen.highlights) == 1)
        h = store.highlights(aid)[0]
        assert (h.start, h.end) == (blocks[0].start, blocks[2].end)
        assert "\n\n" in h.exact
        assert reader.selection is None


async def test_note_editor_saves_and_cancel_asks(store: Store) -> None:
    aid = _id(store, "A Tidy Article")
    app = make_app(store, make_config(), open_article=aid)
    async with app.run_test(size=(160, 40)) as pilot:
        _screen, _reader = await opened(pilot, store)
        await pilot.press("n")  # highlights first, then opens the editor
        await wait_for(pilot, lambda: isinstance(app.screen, NoteScreen))
        area = app.screen.query_one(TextArea)
        area.insert("My [bold]note[/bold]\nsecond line")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(store.highlights(aid)) and
                       store.highlights(aid)[0].note == "My [bold]note[/bold]\nsecond line")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteScreen))
        app.screen.query_one(TextArea).insert("changed ")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        assert store.highlights(aid)[0].note == "My [bold]note[/bold]\nsecond line"
        assert len(store.highlights(aid)) == 1


async def test_tags_with_completion(store: Store) -> None:
    aid = _id(store, "A Tidy Article")
    app = make_app(store, make_config(), open_article=aid)
    async with app.run_test(size=(160, 40)) as pilot:
        _screen, _reader = await opened(pilot, store)
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TagScreen))
        await pilot.press(*"Big Idea", "enter")
        await wait_for(pilot, lambda: bool(store.highlights(aid)) and
                       store.highlights(aid)[0].tags == ["big", "idea"])
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.press("j", "t")
        await wait_for(pilot, lambda: isinstance(app.screen, TagScreen))
        tag_input = app.screen.query_one(Input)
        tag_input.value = ""
        await pilot.press(*"id")
        await wait_for(pilot, lambda: "idea" in tag_input.render_line(0).text)  # suggested
        await pilot.press("right", "enter")
        await wait_for(pilot, lambda: len(store.highlights(aid)) == 2)
        assert store.highlights(aid)[1].tags == ["idea"]


async def test_delete_and_undo_restore_note_and_tags(store: Store) -> None:
    aid = _id(store, "A Tidy Article")
    app = make_app(store, make_config(), open_article=aid)
    async with app.run_test(size=(160, 40)) as pilot:
        screen, _reader = await opened(pilot, store)
        await pilot.press("h")
        await wait_for(pilot, lambda: len(screen.highlights) == 1)
        h = store.highlights(aid)[0]
        app.annotator.set_note(h, "keep me")
        app.annotator.set_tags(h, ["kept"])
        await pilot.press("x")
        await wait_for(pilot, lambda: not screen.highlights)
        assert store.highlights(aid) == []
        await pilot.press("u")
        await wait_for(pilot, lambda: len(screen.highlights) == 1)
        restored = store.highlights(aid)[0]
        assert (restored.note, restored.tags) == ("keep me", ["kept"])


async def test_bracket_keys_jump_between_highlights(store: Store) -> None:
    aid = _id(store, "The Long Read")
    app = make_app(store, make_config(), open_article=aid)
    async with app.run_test(size=(160, 40)) as pilot:
        screen, reader = await opened(pilot, store, "The Long Read")
        await pilot.press("h", "j", "j", "j", "h")
        await wait_for(pilot, lambda: len(screen.highlights) == 2)
        first, second = sorted(screen.highlights, key=lambda h: h.start)
        await pilot.press("g", "right_square_bracket")
        assert reader.focus_range in {(first.start, first.end), (second.start, second.end)}
        await pilot.press("G", "left_square_bracket")
        assert reader.focus_range == (second.start, second.end)
        await pilot.press("left_square_bracket")
        assert reader.focus_range == (first.start, first.end)


async def test_side_panel_moves_reader_and_edits(store: Store) -> None:
    aid = _id(store, "The Long Read")
    app = make_app(store, make_config(), open_article=aid)
    async with app.run_test(size=(160, 40)) as pilot:
        screen, reader = await opened(pilot, store, "The Long Read")
        text = reader.document.plain_text
        far = text.index("Paragraph 120:")
        app.annotator.add(aid, text, far, far + 40)
        app.annotator.add(aid, text, 0, 20)
        screen.reload_highlights()
        await wait_for(pilot, lambda: len(screen.highlights) == 2)
        panel = screen.query_one(SidePanel)
        panel.highlight_list.focus()
        await pilot.press("home", "down")
        await wait_for(pilot, lambda: reader.scroll_y > 100)
        await pilot.press("enter")
        assert reader.focus_range == (far, far + 40)
        assert app.focused is reader
        panel.highlight_list.focus()
        await pilot.press("3")
        await wait_for(pilot, lambda: any(h.kind == 3 for h in store.highlights(aid)))
        assert next(h for h in store.highlights(aid) if h.start == far).kind == 3


async def test_highlights_view_filters_and_opens(store: Store) -> None:
    tidy, long_read = _id(store, "A Tidy Article"), _id(store, "The Long Read")
    app = make_app(store, make_config(), open_article=tidy)
    async with app.run_test(size=(160, 40)) as pilot:
        screen, reader = await opened(pilot, store)
        from tuireader.core.document import parse_markdown

        long_text = parse_markdown(store.read_markdown(long_read)).plain_text
        target, _ = app.annotator.add(long_read, long_text, long_text.index("Paragraph 300:"),
                                      long_text.index("Paragraph 300:") + 30)
        app.annotator.set_tags(target, ["deep"])
        app.annotator.add(tidy, reader.document.plain_text, 0, 10)
        await pilot.press("H")
        await wait_for(pilot, lambda: isinstance(app.screen, HighlightsScreen))
        view = app.screen
        table = view.query_one(HighlightTable)
        await wait_for(pilot, lambda: len(table.rows) == 2)
        await pilot.press("slash", *"#deep")
        assert len(table.shown) == 1
        await pilot.press("enter")  # leave the filter for the table
        await pilot.press("enter")  # open the article at the highlight
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await wait_for(pilot, lambda: screen.article.id == long_read
                       and reader.focus_range == (target.start, target.end))


async def test_highlights_view_catches_up_with_a_shard_changed_outside(
        store: Store, tmp_path: Path) -> None:
    """The view first shows the shards as the store last read them, then looks at the files:
    a note changed by another program (a sync tool) since is shown a moment later."""
    import json

    tidy = _id(store, "A Tidy Article")
    app = make_app(store, make_config(), open_article=tidy)
    async with app.run_test(size=(160, 40)) as pilot:
        _screen, reader = await opened(pilot, store)
        h, _ = app.annotator.add(tidy, reader.document.plain_text, 0, 10)
        await wait_for(pilot, lambda: bool(store.highlights(tidy)))
        shard = tmp_path / "lib" / "annotations" / f"{tidy}.json"
        data = json.loads(shard.read_text(encoding="utf-8"))
        next(r for r in next(iter(data.values())).values() if r["id"] == h.id)["note"] = \
            "edited elsewhere"
        before = shard.stat().st_mtime_ns
        shard.write_text(json.dumps(data), encoding="utf-8")
        # Another program's write, with a later time even on a coarse-clocked file system.
        os.utime(shard, ns=(before + 10_000_000, before + 10_000_000))
        await pilot.press("H")
        await wait_for(pilot, lambda: isinstance(app.screen, HighlightsScreen))
        table = app.screen.query_one(HighlightTable)
        await wait_for(pilot, lambda: len(table.rows) == 1)
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("slash", *"elsewhere")
        assert len(table.shown) == 1 and table.current.note == "edited elsewhere"


async def test_article_tags_and_list_filter(store: Store) -> None:
    tidy = _id(store, "A Tidy Article")
    app = make_app(store, make_config(), open_article=tidy)
    async with app.run_test(size=(160, 40)) as pilot:
        screen, _reader = await opened(pilot, store)
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(app.screen, TagScreen))
        await pilot.press(*"essay", "enter")
        await wait_for(pilot, lambda: store.get_article(tidy).tags == ["essay"])
        article_list = screen.query_one(ArticleList)
        article_list.query_one(Input).value = "#essay"
        await wait_for(pilot, lambda: article_list.shown_ids == [tidy])


async def test_orphan_is_listed_and_reattached(store: Store) -> None:
    aid = _id(store, "The Long Read")
    h_text = "a sentence that is no longer in the article"
    from tuireader.core.model import Highlight

    orphan = Highlight(id="0rphan01", article_id=aid, start=5, end=20, exact=h_text,
                       anchor="orphan")
    store.add_highlight(orphan)
    app = make_app(store, make_config(), open_article=aid)
    async with app.run_test(size=(160, 40)) as pilot:
        screen, reader = await opened(pilot, store, "The Long Read")
        panel = screen.query_one(SidePanel)
        assert panel.highlight_list.row_count == 1
        assert reader.highlights == []
        panel.highlight_list.focus()
        await pilot.press("home", "enter")
        assert "re-attach" in _status(app)
        await pilot.press("v", "w", "w", "h")
        await wait_for(pilot, lambda: store.highlights(aid)[0].anchor == "ok")
        fixed = store.highlights(aid)[0]
        assert fixed.id == "0rphan01" and fixed.exact == reader.document.plain_text[
            fixed.start:fixed.end]


async def test_read_only_library_refuses_edits_with_a_message(store: Store) -> None:
    second = Store(store.dir)
    try:
        aid = _id(second, "A Tidy Article")
        app = make_app(second, make_config(), open_article=aid)
        notes = Notifications()
        async with app.run_test(size=(160, 40), message_hook=notes) as pilot:
            _screen, reader = await opened(pilot, second)
            await pilot.press("h")
            await wait_for(pilot, lambda: any("cannot be changed" in n for n in notes.messages))
            assert reader.highlights == []  # nothing drawn that will not be saved
            assert store.highlights(aid) == []
    finally:
        second.close()


async def test_x_exports_open_article_to_config_folder(store: Store, tmp_path: Path) -> None:
    aid = _id(store, "A Tidy Article")
    out = tmp_path / "notes"
    app = make_app(store, make_config(export_dir=str(out)), open_article=aid)
    notes = Notifications()
    async with app.run_test(size=(160, 40), message_hook=notes) as pilot:
        screen, _reader = await opened(pilot, store)
        await pilot.press("h")
        await wait_for(pilot, lambda: len(screen.highlights) == 1)
        await pilot.press("X")
        await wait_for(pilot, lambda: "Exported to" in _status(app))
        files = list(out.glob("*.md"))
        assert len(files) == 1 and "A Tidy Article" in files[0].name
        text = files[0].read_text("utf-8")
        assert text.startswith("---\n") and "# A Tidy Article" in text
        assert any(str(files[0]) in n for n in notes.messages)


async def test_h_draws_the_highlight_while_it_is_saved(store: Store, monkeypatch) -> None:
    """The reader shows the new highlight before the save returns (the disk is held here),
    and pressing ``h`` again meanwhile does not make a second one."""
    import threading

    aid = _id(store, "A Tidy Article")
    release = threading.Event()
    real_save = ShardSet.save

    def slow_save(self: ShardSet, highlights):  # type: ignore[no-untyped-def]
        assert release.wait(10)
        return real_save(self, highlights)

    monkeypatch.setattr(ShardSet, "save", slow_save)
    app = make_app(store, make_config(), open_article=aid)
    async with app.run_test(size=(160, 40)) as pilot:
        screen, reader = await opened(pilot, store)
        await pilot.press("h", "h")
        start, end = reader.focus_range
        drawn = [(s, e) for s, e, _kind in reader.highlights]
        assert len(drawn) == 1 and start <= drawn[0][0] < drawn[0][1] <= end
        assert store.highlights(aid) == [] and screen.highlights == []
        release.set()
        await wait_for(pilot, lambda: len(screen.highlights) == 1)
        await wait_for(pilot, lambda: "Already highlighted" in _status(app))
        assert len(store.highlights(aid)) == 1
        assert [(s, e) for s, e, _kind in reader.highlights] == drawn
