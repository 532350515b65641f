"""Pilot tests for what a new user meets in the first ten minutes (issue 13): the tag dialogs,
the panes at common terminal sizes, reading progress, the library filter, lists and ``j``/``k``,
``X`` from the list, the theme kept in the config, and a link no browser could open."""

from __future__ import annotations

import asyncio
import webbrowser
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList

from app_support import Notifications, make_config, make_library, wait_for
from tuireader.app import make_app
from tuireader.config import load_config
from tuireader.library.store import Store
from tuireader.screens.dialogs import (
    ChoiceScreen,
    ConfirmScreen,
    LinkScreen,
    OutlineScreen,
    TagScreen,
)
from tuireader.screens.main import MainScreen
from tuireader.widgets.article_list import ArticleList, progress_label
from tuireader.widgets.reader import ReaderView
from tuireader.widgets.side_panel import HighlightList, SidePanel


@pytest.fixture
def store(tmp_path: Path):
    store = make_library(tmp_path / "lib")
    yield store
    store.close()


def _id(store: Store, title: str) -> str:
    return next(a.id for a in store.list_articles() if a.title == title)


def _status(app) -> str:
    return str(app.screen.query_one("#status").render())


async def _opened(pilot) -> tuple[MainScreen, ReaderView]:
    app = pilot.app
    await pilot.pause()
    await app.workers.wait_for_complete()
    screen = app.screen
    assert isinstance(screen, MainScreen)
    reader = screen.query_one(ReaderView)
    await wait_for(pilot, lambda: screen.article is not None and reader.document.complete)
    await pilot.pause()
    return screen, reader


# -- tags ------------------------------------------------------------------------------------

async def test_highlight_tag_dialog_adds_to_the_tags_already_there(store: Store) -> None:
    aid = _id(store, "A Tidy Article")
    app = make_app(store, make_config(), open_article=aid)
    async with app.run_test(size=(160, 40)) as pilot:
        _screen, reader = await _opened(pilot)
        reader.focus()
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TagScreen))
        await pilot.press(*"sample intel/us", "enter")
        await wait_for(pilot, lambda: bool(store.highlights(aid))
                       and store.highlights(aid)[0].tags == ["sample", "intel/us"])
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TagScreen))
        box = app.screen.query_one(Input)
        assert box.selection.is_empty and box.cursor_position == len(box.value)
        await pilot.press(*"extra", "enter")
        await wait_for(pilot, lambda: store.highlights(aid)[0].tags
                       == ["sample", "intel/us", "extra"])
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        # Completion adds to the tags there too: a second highlight, tagged, then "ge" + →.
        await pilot.press("j", "t")
        await wait_for(pilot, lambda: isinstance(app.screen, TagScreen))
        await pilot.press(*"geopolitics", "enter")
        await wait_for(pilot, lambda: len(store.highlights(aid)) == 2)
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.press("k", "t")
        await wait_for(pilot, lambda: isinstance(app.screen, TagScreen))
        box = app.screen.query_one(Input)
        await pilot.press("g", "e")
        await wait_for(pilot, lambda: "geopolitics" in box.render_line(0).text)
        await pilot.press("right", "enter")
        await wait_for(pilot, lambda: store.highlights(aid)[0].tags
                       == ["sample", "intel/us", "extra", "geopolitics"])


async def test_article_tag_dialog_adds_to_the_tags_already_there(store: Store) -> None:
    aid = _id(store, "A Tidy Article")
    app = make_app(store, make_config(), open_article=aid)
    async with app.run_test(size=(160, 40)) as pilot:
        _screen, reader = await _opened(pilot)
        reader.focus()
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(app.screen, TagScreen))
        await pilot.press(*"essay", "enter")
        await wait_for(pilot, lambda: store.get_article(aid).tags == ["essay"])
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(app.screen, TagScreen))
        await pilot.press(*"long", "enter")
        await wait_for(pilot, lambda: store.get_article(aid).tags == ["essay", "long"])


# -- the panes -------------------------------------------------------------------------------

async def test_120_columns_show_list_reader_and_side_panel(store: Store) -> None:
    app = make_app(store, make_config(), open_article=_id(store, "A Tidy Article"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen, reader = await _opened(pilot)
        assert screen.query_one(SidePanel).display
        assert screen.query_one(SidePanel).outer_size.width >= 26
        assert screen.query_one(ArticleList).display
        assert reader.layout_width >= 66


async def test_80x24_gives_the_reader_the_whole_width(store: Store) -> None:
    app = make_app(store, make_config(), open_article=_id(store, "A Tidy Article"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen, reader = await _opened(pilot)
        assert not screen.query_one(SidePanel).display
        assert not screen.query_one(ArticleList).display
        assert reader.layout_width >= 70
        await pilot.press("I")
        assert screen.query_one(SidePanel).display


# -- reading progress ------------------------------------------------------------------------

def _panel_read(screen: MainScreen) -> str:
    text = str(screen.query_one("#panel-details").render())
    return next(line for line in text.splitlines() if line.startswith("read"))


async def test_the_end_of_an_article_is_100_percent_and_read(store: Store) -> None:
    aid = _id(store, "The Long Read")
    app = make_app(store, make_config(), open_article=aid)
    async with app.run_test(size=(160, 40)) as pilot:
        screen, reader = await _opened(pilot)
        reader.focus()
        article_list = screen.query_one(ArticleList)
        await pilot.press("space", "space", "space")
        await wait_for(pilot, lambda: screen.article.progress > 0)
        # The side panel and the status line say the same, from the same number.
        percent = f"{round(screen.article.progress * 100)}%"
        assert percent in _status(app) and percent in _panel_read(screen)
        await pilot.press("G")
        await wait_for(pilot, lambda: "100%" in _status(app), what=lambda: _status(app))
        assert "100%" in _panel_read(screen)
        assert screen.article.progress == 1.0
        await wait_for(pilot, lambda: article_list.describe(aid).endswith("· read"))  # once saved
        await pilot.press("g")
        await wait_for(pilot, lambda: screen.article.progress == 0)
        await pilot.press("q")
    assert store.get_article(aid).last_opened
    assert progress_label(store.get_article(aid)) != "new"


async def test_an_opened_article_is_not_new(store: Store) -> None:
    tidy, long_read = _id(store, "A Tidy Article"), _id(store, "The Long Read")
    app = make_app(store, make_config(), open_article=tidy)
    async with app.run_test(size=(160, 40)) as pilot:
        screen, _reader = await _opened(pilot)
        article_list = screen.query_one(ArticleList)
        assert "new" in article_list.describe(long_read)
        screen.open_article(long_read, focus_reader=True)
        await wait_for(pilot, lambda: screen.article.id == long_read)
        await wait_for(pilot, lambda: "new" not in article_list.describe(long_read))
        assert "new" not in article_list.describe(tidy)


# -- the library filter, Tab, j/k -------------------------------------------------------------

async def test_filter_box_esc_returns_to_the_list_then_q_quits(store: Store) -> None:
    app = make_app(store, make_config())
    async with app.run_test(size=(140, 40)) as pilot:
        screen, _reader = await _opened(pilot)
        article_list = screen.query_one(ArticleList)
        box = article_list.query_one(Input)
        assert not box.display  # not a Tab stop until opened
        article_list.options.focus()
        await pilot.press("slash")
        assert app.focused is box and box.display
        await pilot.press("q", "slash")
        assert box.value == "q/"  # typed into the filter: letters
        await pilot.press("backspace", "backspace", "escape")
        assert app.focused is article_list.options
        assert not box.display
        await pilot.press("q")
        await wait_for(pilot, lambda: app.return_code == 0)


async def test_filter_text_stays_shown_after_esc(store: Store) -> None:
    app = make_app(store, make_config())
    async with app.run_test(size=(140, 40)) as pilot:
        screen, _reader = await _opened(pilot)
        article_list = screen.query_one(ArticleList)
        article_list.options.focus()
        await pilot.press("slash", *"long", "escape")
        assert app.focused is article_list.options
        assert len(article_list.shown_ids) == 1
        assert article_list.query_one(Input).display
        await pilot.press("escape")  # a second esc in the list clears the filter
        assert len(article_list.shown_ids) == 2
        assert not article_list.query_one(Input).display


async def test_tab_order_is_list_reader_panel(store: Store) -> None:
    app = make_app(store, make_config())
    async with app.run_test(size=(140, 40)) as pilot:
        screen, reader = await _opened(pilot)
        article_list = screen.query_one(ArticleList)
        article_list.options.focus()
        stops = []
        for _ in range(5):
            await pilot.press("tab")
            stops.append(app.focused)
        assert stops[:2] == [reader, screen.query_one(HighlightList)]
        assert article_list.filter_box not in stops  # not a Tab stop until / opens it
        article_list.options.focus()
        await pilot.press("shift+tab")
        assert app.focused is not article_list.filter_box


async def test_outline_and_choices_take_j_and_k(store: Store) -> None:
    app = make_app(store, make_config(), open_article=_id(store, "A Tidy Article"))
    async with app.run_test(size=(140, 40)) as pilot:
        _screen, reader = await _opened(pilot)
        reader.focus()
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, OutlineScreen))
        await pilot.press("j", "k", "j", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        assert reader.document.blocks[reader.focus_block].text == "Another section"
        chosen: list[str | None] = []
        app.push_screen(ChoiceScreen("Pick", [("one", "1"), ("two", "2"), ("three", "3")]),
                        chosen.append)
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen)
                       and bool(app.screen.query(OptionList)))
        assert app.screen.query_one(OptionList).highlighted == 0
        await pilot.press("j", "j", "k", "enter")
        await wait_for(pilot, lambda: chosen == ["2"])


# -- X from the list -------------------------------------------------------------------------

async def test_x_in_the_list_exports_only_articles_with_highlights(store: Store,
                                                                   tmp_path: Path) -> None:
    out = tmp_path / "notes"
    app = make_app(store, make_config(export_dir=str(out)),
                   open_article=_id(store, "A Tidy Article"))
    async with app.run_test(size=(160, 40)) as pilot:
        screen, reader = await _opened(pilot)
        reader.focus()
        await pilot.press("h")
        await wait_for(pilot, lambda: len(screen.highlights) == 1)
        await asyncio.to_thread(app.writer.wait_idle, 10)
        screen.library.load()
        article_list = screen.query_one(ArticleList)
        await wait_for(pilot, lambda: "1 hl" in article_list.describe(_id(store, "A Tidy Article")))
        article_list.options.focus()
        await pilot.press("X")
        await wait_for(pilot, lambda: "Exported" in _status(app), what=lambda: _status(app))
        assert "1 without highlights skipped" in _status(app)
        files = list(out.glob("*.md"))
        assert [f.name for f in files if "Tidy" in f.name] and len(files) == 1


async def test_x_in_the_list_with_no_highlights_exports_nothing(store: Store,
                                                                tmp_path: Path) -> None:
    out = tmp_path / "notes"
    app = make_app(store, make_config(export_dir=str(out)))
    notes = Notifications()
    async with app.run_test(size=(160, 40), message_hook=notes) as pilot:
        screen, _reader = await _opened(pilot)
        screen.query_one(ArticleList).options.focus()
        await pilot.press("X")
        await wait_for(pilot, lambda: any("no highlights" in m for m in notes.messages))
        await app.workers.wait_for_complete()
        assert not out.exists() or not list(out.iterdir())


# -- the theme -------------------------------------------------------------------------------

async def test_theme_chosen_is_kept_in_the_config(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('# my settings\ntheme = "textual-dark"   # dark\nreading_width = 72\n',
                    "utf-8")
    config = load_config(path)
    app = make_app(store, config)
    async with app.run_test(size=(120, 40)) as pilot:
        await _opened(pilot)
        app.theme = "nord"
        await pilot.pause()
        await asyncio.to_thread(app.writer.wait_idle, 10)
    text = path.read_text("utf-8")
    assert "# my settings" in text and "reading_width = 72" in text
    assert load_config(path).theme == "nord"
    app = make_app(store, load_config(path))
    async with app.run_test(size=(120, 40)) as pilot:
        await _opened(pilot)
        assert app.theme == "nord"


async def test_theme_that_cannot_be_kept_says_so(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("theme = [broken\n", "utf-8")
    config = load_config(path)
    app = make_app(store, config)
    notes = Notifications()
    async with app.run_test(size=(120, 40), message_hook=notes) as pilot:
        await _opened(pilot)
        app.theme = "nord"
        await wait_for(pilot, lambda: any("theme" in m and "not saved" in m
                                          for m in notes.messages),
                       what=lambda: notes.messages)
    assert path.read_text("utf-8") == "theme = [broken\n"  # never overwritten


# -- links -----------------------------------------------------------------------------------

async def test_link_no_browser_could_open_is_shown_and_copied(store: Store,
                                                              monkeypatch) -> None:
    opened: list[str] = []

    def no_browser(url: str, *args: object, **kwargs: object) -> bool:
        opened.append(url)
        return False

    monkeypatch.setattr(webbrowser, "open", no_browser)
    app = make_app(store, make_config(), open_article=_id(store, "A Tidy Article"))
    async with app.run_test(size=(140, 40)) as pilot:
        _screen, reader = await _opened(pilot)
        reader.focus()
        reader.jump_to_block(0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, LinkScreen))
        assert opened == ["https://example.org/page"]
        shown = app.screen.query_one("#link-url")
        assert "https://example.org/page" in shown.text
        await pilot.press("c")
        assert app.clipboard == "https://example.org/page"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
