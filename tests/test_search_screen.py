"""Pilot tests of the library search (S): results as you type, grouped, marked; enter opens the
article at the hit with the words marked, and > / < go through them."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from app_support import make_config, make_library
from tuireader.app import make_app
from tuireader.core.model import ImportedArticle
from tuireader.library.store import Store
from tuireader.screens.help import HelpScreen
from tuireader.screens.main import MainScreen
from tuireader.screens.search import SearchScreen
from tuireader.widgets.reader import ReaderView
from tuireader.widgets.search_results import SearchResults

BOOK = ("# Chapter\n\n" + "Plain words fill this paragraph. " * 30 + "\n\n"
        "Natásha laughed. Later natasha sang.\n\n" + "More plain words here. " * 600 + "\n\n"
        "At the end NATASHA slept.")


@pytest.fixture
def store(tmp_path: Path):
    store = make_library(tmp_path / "lib")
    store.add_article(ImportedArticle(title="War [bold]and[/] Peace", markdown=BOOK,
                                      source="https://example.org/war"))
    yield store
    store.close()


async def settle(pilot, app) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def typed(pilot, app, text: str) -> SearchScreen:
    await pilot.press("S")
    await settle(pilot, app)
    screen = app.screen
    assert isinstance(screen, SearchScreen)
    for key in text:
        await pilot.press(key)
    await settle(pilot, app)
    return screen


async def test_results_as_you_type_grouped_with_marks(store: Store) -> None:
    app = make_app(store, make_config())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        screen = await typed(pilot, app, "natasha OR pumpernickel")
        results = screen.query_one(SearchResults)
        hits = results.hits
        assert {h.title for h in hits} == {"War [bold]and[/] Peace", "A Tidy Article"}
        war = [h for h in hits if h.title.startswith("War")]
        assert [h.where for h in war] == ["text", "text"]  # one piece holds two, one the third
        prompt = str(results.get_option_at_index(0).prompt)
        assert prompt in ("War [bold]and[/] Peace  (2)", "A Tidy Article")  # never markup
        first = hits[0]
        assert first.snippet[first.marks[0][0]:first.marks[0][1]].casefold() in (
            "natásha", "natasha", "pumpernickel")
        status = str(screen.query_one("#search-status").render())
        assert "hits in 2 articles" in status


async def test_a_bad_query_says_why_and_typing_on_fixes_it(store: Store) -> None:
    app = make_app(store, make_config())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        screen = await typed(pilot, app, '"natasha')
        assert "quote is not closed" in str(screen.query_one("#search-status").render())
        await pilot.press('"')
        await settle(pilot, app)
        assert screen.query_one(SearchResults).hits


async def test_enter_opens_the_hit_marked_and_angle_brackets_step(store: Store) -> None:
    app = make_app(store, make_config())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        screen = await typed(pilot, app, "natasha")
        hits = screen.query_one(SearchResults).hits
        assert len(hits) == 2
        await pilot.press("down", "down", "enter")  # the second hit: its text is further on
        await settle(pilot, app)
        main = app.screen
        assert isinstance(main, MainScreen)
        assert main.article is not None and main.article.title.startswith("War")
        reader = main.query_one(ReaderView)
        text = reader.document.plain_text
        assert [text[s:e] for s, e in reader.matches] == ["Natásha", "natasha", "NATASHA"]
        assert reader.match_index == 2
        start, end = reader.focus_range
        assert text[start:end] == "NATASHA"
        assert main.query_one("#find", Input).value == "natasha"
        await pilot.press("greater_than_sign")
        assert reader.match_index == 0
        await pilot.press("less_than_sign", "less_than_sign")
        assert reader.match_index == 1
        start, end = reader.focus_range
        assert text[start:end] == "natasha"


async def test_escape_closes_and_help_lists_the_key(store: Store) -> None:
    app = make_app(store, make_config())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await typed(pilot, app, "zzz")
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        await pilot.press("question_mark")
        await settle(pilot, app)
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text").render())
        assert "Search library" in text and "Library search (S)" in text


def test_snippets_wrap_by_cells_between_words_and_inside_long_words() -> None:
    from tuireader.widgets.search_results import line_breaks

    text = "…on compiling to the Web and other JavaScript environments like Node.js…"
    breaks = line_breaks(text, 30)
    lines = [text[a:b] for a, b in zip([0, *breaks], [*breaks, len(text)], strict=True)]
    assert "".join(lines) == text
    assert all(len(line.rstrip()) <= 30 for line in lines)
    assert all(not line.startswith(" ") for line in lines)
    cjk = "東京は日本の首都です。京都は古い都です。"  # two cells a character, no spaces
    cut = line_breaks(cjk, 10)
    assert cut == [5, 10, 15]
