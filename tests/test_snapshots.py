"""SVG snapshots of how the screens look (fixed sizes, cursor blink off, fixed library contents).

Update after an intended change with ``pytest tests/test_snapshots.py --snapshot-update`` and
look at the report before committing the new SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from app_support import HOSTILE_TITLE, make_config, make_library
from tuireader.app import make_app
from tuireader.store import Store


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
    await pilot.pause(0.7)  # let the reading-position save settle
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
