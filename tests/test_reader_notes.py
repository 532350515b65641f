"""A highlight's note shows in the reader itself (issue #13: at 120 columns it was visible
nowhere on the main screen): written with ``n``, it is drawn under the focused highlight, with a
mark in the margin, through the real screen and store."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import TextArea

from app_support import make_config, make_library, wait_for
from tuireader.app import make_app
from tuireader.library.store import Store
from tuireader.screens.dialogs import NoteScreen
from tuireader.screens.main import MainScreen
from tuireader.widgets.reader import ReaderView


@pytest.fixture
def store(tmp_path: Path):
    store = make_library(tmp_path / "lib", long=False)
    yield store
    store.close()


def _rows(reader: ReaderView) -> list[str]:
    return [reader.render_line(y).text for y in range(reader.size.height)]


async def test_a_note_written_with_n_shows_under_the_focused_highlight(store: Store) -> None:
    aid = store.list_articles()[0].id
    app = make_app(store, make_config(), open_article=aid)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        screen = app.screen
        assert isinstance(screen, MainScreen)
        reader = screen.query_one(ReaderView)
        await wait_for(pilot, lambda: screen.article is not None and reader.document.complete)
        reader.focus()
        await pilot.press("n")  # highlights the focused paragraph, then opens the editor
        await wait_for(pilot, lambda: isinstance(app.screen, NoteScreen))
        app.screen.query_one(TextArea).insert("Check [b]this[/b] claim\nhidden continuation")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(store.highlights(aid)) and bool(
            store.highlights(aid)[0].note))
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await wait_for(pilot, lambda: any("✎ Check [b]this[/b] claim" in row
                                          for row in _rows(reader)),
                       what=lambda: "\n".join(_rows(reader)))
        rows = _rows(reader)
        assert not any("hidden continuation" in row for row in rows)
        marked = [row for row in rows if row.rstrip().endswith("✎")]
        assert len(marked) == 1 and "Opening words" in marked[0]
