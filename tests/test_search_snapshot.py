"""SVG snapshot of the library search (S): hits grouped by article, the words marked, a title
made of markup shown as text."""

from __future__ import annotations

from pathlib import Path

import pytest

from app_support import make_config, make_library
from test_snapshots import _steady
from tuireader.app import make_app
from tuireader.library.store import Store


@pytest.fixture
def store(tmp_path: Path):
    store = make_library(tmp_path / "lib", hostile=True)
    yield store
    store.close()


def test_search_screen(snap_compare, store: Store) -> None:
    app = make_app(store, make_config())

    async def run_before(pilot) -> None:
        await _steady(pilot)
        await pilot.press("S")
        await pilot.pause()
        for key in "pumpernickel OR markup OR paragraph":
            await pilot.press("space" if key == " " else key)
        await _steady(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
