"""SVG snapshots of how the screens look (fixed sizes, cursor blink off, fixed library contents).

Update after an intended change with ``pytest tests/test_snapshots.py --snapshot-update`` and
look at the report before committing the new SVGs.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import Input

from app_support import HOSTILE_TITLE, make_config, make_library
from tuireader.app import make_app
from tuireader.library.store import Store
from tuireader.screens.main import MainScreen


@pytest.fixture
def store(tmp_path: Path):
    store = make_library(tmp_path / "lib", hostile=True)
    yield store
    store.close()


def _article_id(store: Store, title: str) -> str:
    return next(a.id for a in store.list_articles() if a.title == title)


async def _steady(pilot) -> None:
    app = pilot.app
    await pilot.pause()
    await app.workers.wait_for_complete()
    for widget in app.screen.query(Input):
        widget.cursor_blink = False
    # The reading position is saved now rather than when the reader has rested, and every
    # change has reached the store (the writer's wait runs off the event loop it calls back).
    for screen in app.screen_stack:
        if isinstance(screen, MainScreen):
            screen.position.flush()
    await asyncio.to_thread(app.writer.wait_idle, 10)
    await app.workers.wait_for_complete()
    await pilot.pause()


def test_main_screen_120x40(snap_compare, store: Store) -> None:
    app = make_app(store, make_config(), open_article=_article_id(store, "A Tidy Article"))
    assert snap_compare(app, terminal_size=(120, 40), run_before=_steady)


def test_main_screen_160x40_all_panes(snap_compare, store: Store) -> None:
    app = make_app(store, make_config(), open_article=_article_id(store, "A Tidy Article"))
    assert snap_compare(app, terminal_size=(160, 40), run_before=_steady)


def test_main_screen_80x24(snap_compare, store: Store) -> None:
    app = make_app(store, make_config(), open_article=_article_id(store, "A Tidy Article"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=_steady)


def test_help_screen(snap_compare, store: Store) -> None:
    app = make_app(store, make_config())

    async def run_before(pilot) -> None:
        await _steady(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_long_article_paged(snap_compare, store: Store) -> None:
    app = make_app(store, make_config(), open_article=_article_id(store, "The Long Read"))

    async def run_before(pilot) -> None:
        await _steady(pilot)
        await pilot.press("space", "space", "j", "j")
        await _steady(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_markup_like_article(snap_compare, store: Store) -> None:
    app = make_app(store, make_config(), open_article=_article_id(store, HOSTILE_TITLE))
    assert snap_compare(app, terminal_size=(160, 40), run_before=_steady)


def _annotate(store: Store, title: str) -> str:
    """Five highlights, one of each colour, some with notes and tags, at fixed times."""
    from tuireader.core.document import parse_markdown
    from tuireader.core.model import make_highlight

    article_id = _article_id(store, title)
    text = parse_markdown(store.read_markdown(article_id)).plain_text
    quotes = [("emphasis, strong words", "", []), ("first item in a list", "Lists matter.",
              ["structure"]), ("A block quote that stands apart", "", ["quotes", "style"]),
              ("Another section", "", []), ("the findable word pumpernickel", "Bread!", [])]
    for kind, (quote, note, tags) in enumerate(quotes, start=1):
        start = text.index(quote)
        h = make_highlight(article_id, text, start, start + len(quote), kind=kind)
        h.note, h.tags = note, tags
        h.created = h.updated = f"2026-01-2{kind}T10:00:00+00:00"
        store.add_highlight(h)
    return article_id


def test_highlights_of_every_colour_and_the_side_panel(snap_compare, store: Store) -> None:
    app = make_app(store, make_config(), open_article=_annotate(store, "A Tidy Article"))
    assert snap_compare(app, terminal_size=(160, 40), run_before=_steady)


def test_note_editor(snap_compare, store: Store) -> None:
    from textual.widgets import TextArea

    app = make_app(store, make_config(), open_article=_annotate(store, "A Tidy Article"))

    async def run_before(pilot) -> None:
        await _steady(pilot)
        await pilot.press("right_square_bracket", "right_square_bracket", "n")
        await pilot.pause()
        for area in pilot.app.screen.query(TextArea):
            area.cursor_blink = False
        await pilot.press(*" Second thought.")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_highlights_view(snap_compare, store: Store) -> None:
    _annotate(store, "A Tidy Article")
    app = make_app(store, make_config())

    async def run_before(pilot) -> None:
        await _steady(pilot)
        await pilot.press("H")
        await _steady(pilot)

    assert snap_compare(app, terminal_size=(120, 30), run_before=run_before)
