"""SVG snapshots of the review screen: a new card and a due card asked as a cloze (fixed size,
fixed seed, fixed clock, fixed library).  Update with ``--snapshot-update`` after an intended
change, looking at the report first."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from app_support import make_config
from test_review_screen import NOW, Clock, build
from tuireader.app import make_app
from tuireader.screens.review import ReviewScreen


@pytest.fixture
def store(tmp_path: Path):
    store, _highlights = build(tmp_path / "lib")
    yield store
    store.close()


async def _review(pilot) -> None:
    app = pilot.app
    await pilot.pause()
    await app.workers.wait_for_complete()
    app.push_screen(ReviewScreen(seed=7))
    await pilot.pause()
    await app.workers.wait_for_complete()
    await asyncio.to_thread(app.writer.wait_idle, 10)
    await pilot.pause()


def test_review_card_100x30(snap_compare, store) -> None:
    app = make_app(store, make_config())
    assert snap_compare(app, terminal_size=(100, 30), run_before=_review)


def test_review_cloze_100x30(snap_compare, store) -> None:
    h = store.all_highlights()[1]
    store.review.master(h)
    store.review.clock = Clock(NOW + dt.timedelta(days=30))
    app = make_app(store, make_config())
    assert snap_compare(app, terminal_size=(100, 30), run_before=_review)
