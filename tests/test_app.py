"""Pilot tests: the App's behaviour, key by key."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from app_support import HOSTILE_TITLE, Notifications, make_config, make_library
from tuireader.app import make_app
from tuireader.library.store import Store
from tuireader.screens.dialogs import OutlineScreen
from tuireader.screens.help import HelpScreen
from tuireader.screens.main import MainScreen
from tuireader.widgets.article_list import ArticleList
from tuireader.widgets.reader import ReaderView
from tuireader.widgets.side_panel import OutlineList, SidePanel


@pytest.fixture
def store(tmp_path: Path):
    store = make_library(tmp_path / "lib")
    yield store
    store.close()


async def _settle(pilot, app, timeout: float = 5.0) -> None:
    """Wait until workers are done and the reader has its document."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def _status(app) -> str:
    return str(app.screen.query_one("#status").render())


async def test_start_opens_first_article_and_lists_library(store: Store) -> None:
    app = make_app(store, make_config())
    async with app.run_test(size=(140, 40)) as pilot:
        await _settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        article_list = screen.query_one(ArticleList)
        assert len(article_list.shown_ids) == 2
        assert screen.article is not None
        assert screen.article.title in _status(app)
        assert screen.query_one(ReaderView).document is not None


async def test_article_read_beforehand_is_shown_on_the_first_frame(store: Store) -> None:
    """The article is read before the App starts (by make_app) and shown in on_mount, laid out
    at the reader's final width, with no worker round trip."""
    long_id = next(a.id for a in store.list_articles() if a.title == "The Long Read")
    app = make_app(store, make_config(), open_article=long_id)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        reader = screen.query_one(ReaderView)
        assert screen.article is not None and screen.article.id == long_id
        assert reader.document is not None and reader.line_count > 0
        assert not [w for w in app.workers if w.group == "open"]
        # 120 columns: the library (a strip), the reader and the side panel from the start
        assert screen.query_one(ArticleList).display and screen.query_one(SidePanel).display
        await _settle(pilot, app)
        pane = reader.size.width - reader.styles.scrollbar_size_vertical
        assert reader.layout_width == min(reader.measure, pane - 6)


async def test_start_reopens_the_article_read_last_on_the_first_frame(store: Store) -> None:
    long_read = next(a for a in store.list_articles() if a.title == "The Long Read")
    long_read.last_opened = "2026-02-01T10:00:00+00:00"
    store.update_article(long_read)
    app = make_app(store, make_config())
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert screen.article is not None and screen.article.id == long_read.id
        assert not [w for w in app.workers if w.group == "open"]
        await _settle(pilot, app)
        assert screen.query_one(ArticleList).current_id == long_read.id
        assert screen.query_one(ReaderView).has_focus


async def test_article_opened_later_gets_no_horizontal_scrollbar(store: Store) -> None:
    """An article opened by a worker arrives when the pane has its size but not yet its
    vertical scrollbar: the reader still shows no horizontal scrollbar, a page is the pane's
    full height, and pages land where they do for the article shown at start."""
    tidy = next(a.id for a in store.list_articles() if a.title == "A Tidy Article")
    app = make_app(store, make_config(), open_article=tidy)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot, app)
        screen = app.screen
        long_id = next(a.id for a in store.list_articles() if a.title == "The Long Read")
        screen.open_article(long_id, focus_reader=True)
        await _settle(pilot, app)
        reader = screen.query_one(ReaderView)
        assert screen.article is not None and screen.article.id == long_id
        assert not reader.show_horizontal_scrollbar
        assert reader.page_height == reader.size.height
        await pilot.press("space")
        assert reader.scroll_y == reader.size.height


async def test_short_article_gets_a_parse_cache_when_opened(store: Store) -> None:
    from tuireader.library import parse_cache as doccache

    tidy = next(a for a in store.list_articles() if a.title == "A Tidy Article")
    cache = doccache.cache_path_for(store.body_path(tidy.id))
    assert cache.exists()  # written at import
    cache.unlink()  # an article imported before every article had a cache
    app = make_app(store, make_config(), open_article=tidy.id)
    async with app.run_test(size=(140, 40)) as pilot:
        await _settle(pilot, app)
        reader = app.screen.query_one(ReaderView)
        key = doccache.digest(store.read_markdown(tidy.id))
        cached = doccache.load(cache, key)
        assert cached is not None
        assert cached.document.plain_text == reader.document.plain_text


async def test_key_bar_shows_the_keys_and_a_click_presses_one(store: Store) -> None:
    from tuireader.widgets.key_bar import KeyBar

    app = make_app(store, make_config())
    async with app.run_test(size=(140, 40)) as pilot:
        await _settle(pilot, app)
        bar = app.screen.query_one(KeyBar)
        line = bar.render().plain
        assert " h Highlight " in line and " ? Help " in line
        assert line.rstrip().endswith("^p palette") and len(line) == 140
        await pilot.click(KeyBar, offset=(line.index(" ? Help ") + 1, 0))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_key_bar_drops_keys_that_do_not_fit(store: Store) -> None:
    from tuireader.widgets.key_bar import KeyBar

    app = make_app(store, make_config())
    async with app.run_test(size=(60, 24)) as pilot:
        await _settle(pilot, app)
        line = app.screen.query_one(KeyBar).render().plain
        assert len(line) == 60 and line.rstrip().endswith("^p palette")
        # whole keys only, and the way to the help screen (every key) is kept
        assert " h Highlight " in line and " ? Help " in line and "All highlights" not in line


async def test_enter_opens_highlighted_article(store: Store) -> None:
    app = make_app(store, make_config())
    async with app.run_test(size=(140, 40)) as pilot:
        await _settle(pilot, app)
        screen = app.screen
        options = screen.query_one(ArticleList).options
        options.focus()
        first = screen.article.id
        await pilot.press("down")
        await pilot.press("enter")
        await _settle(pilot, app)
        assert screen.article.id != first
        assert app.focused is screen.query_one(ReaderView)


async def test_filter_by_typing_and_sort(store: Store) -> None:
    app = make_app(store, make_config())
    async with app.run_test(size=(140, 40)) as pilot:
        await _settle(pilot, app)
        article_list = app.screen.query_one(ArticleList)
        article_list.options.focus()
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"long")
        assert len(article_list.shown_ids) == 1
        await pilot.press("enter")
        await _settle(pilot, app)
        assert app.screen.article.title == "The Long Read"
        article_list.query_one(Input).value = ""
        await pilot.pause()
        article_list.options.focus()
        await pilot.press("s")
        assert article_list.sort_mode == "added"
        await pilot.press("s")
        assert article_list.sort_mode == "title"
        titles = [store.get_article(i).title for i in article_list.shown_ids]
        assert titles == sorted(titles, key=str.casefold)


async def test_reading_position_saved_and_restored(store: Store) -> None:
    long_id = next(a.id for a in store.list_articles() if a.title == "The Long Read")
    app = make_app(store, make_config(), open_article=long_id)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot, app)
        await pilot.press("space", "space", "space")
        await pilot.pause()
        reader = app.screen.query_one(ReaderView)
        position = reader.position
        assert position > 0
        await pilot.press("q")
    saved = store.get_article(long_id)
    assert saved.position == position
    assert 0 < saved.progress < 1

    app2 = make_app(store, make_config(), open_article=long_id)
    async with app2.run_test(size=(120, 40)) as pilot:
        await _settle(pilot, app2)
        reader = app2.screen.query_one(ReaderView)
        assert abs(reader.position - position) < 400
        assert reader.scroll_y > 0


async def test_find_counts_and_moves_between_matches(store: Store) -> None:
    app = make_app(store, make_config())
    async with app.run_test(size=(140, 40)) as pilot:
        await _settle(pilot, app)
        screen = app.screen
        tidy = next(a.id for a in store.list_articles() if a.title == "A Tidy Article")
        screen.open_article(tidy, focus_reader=True)
        await _settle(pilot, app)
        await pilot.press("slash")
        await pilot.press(*"pumpernickel")
        reader = screen.query_one(ReaderView)
        assert reader.match_count == 2
        assert "1/2 matches" in _status(app)
        await pilot.press("enter")
        assert "2/2 matches" in _status(app)
        await pilot.press("escape")
        assert reader.match_count == 0
        assert app.focused is reader


async def test_outline_jumps_to_heading(store: Store) -> None:
    app = make_app(store, make_config())
    async with app.run_test(size=(140, 40)) as pilot:
        await _settle(pilot, app)
        screen = app.screen
        tidy = next(a.id for a in store.list_articles() if a.title == "A Tidy Article")
        screen.open_article(tidy, focus_reader=True)
        await _settle(pilot, app)
        titles = [h.title for h in screen.document.headings]
        assert titles == ["A section heading", "Another section"]
        outline = screen.query_one(SidePanel).query_one(OutlineList)
        assert outline.option_count == 2
        await pilot.press("o")
        assert isinstance(app.screen, OutlineScreen)
        await pilot.press("down", "enter")
        await pilot.pause()
        reader = screen.query_one(ReaderView)
        block = reader.document.blocks[reader.focus_block]
        assert block.text == "Another section"


async def test_help_screen_lists_keys_from_bindings(store: Store) -> None:
    app = make_app(store, make_config(keys={"reader.page_down": "z"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot, app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text").render())
        assert "Page down" in text and "Find" in text and "Outline" in text
        assert "z" in text
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_keymap_from_config_remaps_keys(store: Store) -> None:
    long_id = next(a.id for a in store.list_articles() if a.title == "The Long Read")
    app = make_app(store, make_config(keys={"reader.page_down": "z"}), open_article=long_id)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot, app)
        reader = app.screen.query_one(ReaderView)
        await pilot.press("z")
        await pilot.pause()
        assert reader.scroll_y > 0


async def test_narrow_terminal_collapses_side_panes(store: Store) -> None:
    app = make_app(store, make_config())
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot, app)
        screen = app.screen
        assert not screen.query_one(ArticleList).display
        assert not screen.query_one(SidePanel).display
        assert screen.query_one(ReaderView).size.width >= 70
        await pilot.press("L")
        assert screen.query_one(ArticleList).display
    app = make_app(store, make_config())
    async with app.run_test(size=(160, 40)) as pilot:
        await _settle(pilot, app)
        assert app.screen.query_one(ArticleList).display
        assert app.screen.query_one(SidePanel).display
        await pilot.press("I")
        assert not app.screen.query_one(SidePanel).display


async def test_markup_like_titles_and_text_are_inert(tmp_path: Path) -> None:
    store = make_library(tmp_path / "lib", hostile=True, long=False)
    try:
        hostile = next(a.id for a in store.list_articles() if a.title == HOSTILE_TITLE)
        app = make_app(store, make_config(), open_article=hostile)
        async with app.run_test(size=(160, 40)) as pilot:
            await _settle(pilot, app)
            screen = app.screen
            assert screen.article.id == hostile
            # Clicking everywhere in the reader and the list must not trigger any action.
            for y in range(0, 12):
                await pilot.click("#reader", offset=(10, y))
            await pilot.pause()
            assert app.is_running
            assert isinstance(app.screen, MainScreen)
            status = _status(app)
            assert "[@click=app.quit]Click me[/]" in status
            listed = "".join(
                screen.query_one(ArticleList).options.render_line(y).text for y in range(6)
            )
            assert "[@click=app.quit]Click me[/]" in listed
            assert "[red]evil[/red]" in listed
            assert "\x1b" not in status
            reader = screen.query_one(ReaderView)
            rendered = "".join(reader.render_line(y).text for y in range(reader.size.height))
            assert "[@click=app.quit]quit[/]" in rendered
            assert "\x1b" not in rendered and "\x9b" not in rendered and "\x00" not in rendered
    finally:
        store.close()


async def test_second_instance_is_read_only_and_says_so(store: Store) -> None:
    second = Store(store.dir)
    try:
        assert second.read_only
        app = make_app(second, make_config())
        notes = Notifications()
        async with app.run_test(size=(120, 40), message_hook=notes) as pilot:
            await _settle(pilot, app)
            assert any("read-only" in n for n in notes.messages)
            assert "read-only" in _status(app)
    finally:
        second.close()


async def test_command_palette_offers_screen_actions(store: Store) -> None:
    app = make_app(store, make_config())
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot, app)
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert "Find" in commands
        assert "Help" in commands
