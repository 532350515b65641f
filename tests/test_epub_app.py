"""A book in the App: opened, read by chapter through the outline, the chapter on the status
line."""

from __future__ import annotations

from pathlib import Path

from app_support import make_config, wait_for
from epub_support import chapter, make_book
from tuireader.app import make_app
from tuireader.importers import import_file
from tuireader.library.store import Store
from tuireader.screens.dialogs import OutlineScreen
from tuireader.screens.main import MainScreen
from tuireader.widgets.reader import ReaderView
from tuireader.widgets.status_line import StatusLine


def _paragraphs(n: int, word: str) -> str:
    return "".join(f"<p>{word} paragraph {i} goes on for a while, line after line of prose "
                   f"so the chapter is longer than one screen.</p>" for i in range(40))


async def test_open_a_book_and_jump_through_the_outline(tmp_path: Path) -> None:
    chapters = [chapter(f"c{n}.xhtml", f"Chapter {n}", _paragraphs(n, w))
                for n, w in ((1, "Alpha"), (2, "Bravo"), (3, "Charlie"))]
    store = Store(tmp_path / "lib")
    book = store.add_article(import_file(make_book(tmp_path / "b.epub", chapters))).article
    app = make_app(store, make_config(), open_article=book.id)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        reader = screen.query_one(ReaderView)
        status = screen.query_one(StatusLine)
        await wait_for(pilot, lambda: screen.document is not None and screen.document.complete
                       and reader.line_count > 0, what="the book to open")
        await wait_for(pilot, lambda: "Chapter 1 · " in status.text, what=lambda: status.text)
        assert status.text.startswith("A Made Book · Chapter 1 · 0%")
        headings = screen.document.headings  # type: ignore[union-attr]
        for steps, title in ((2, "Chapter 3"), (1, "Chapter 2")):
            await pilot.press("o")
            await wait_for(pilot, lambda: isinstance(app.screen, OutlineScreen))
            await pilot.press("home", *["down"] * steps, "enter")
            await wait_for(pilot, lambda: app.screen is screen)
            offset = next(h.offset for h in headings if h.title == title)
            await wait_for(pilot, lambda o=offset: reader.position == o,  # type: ignore[misc]
                           what=lambda o=offset: (reader.position, o))  # type: ignore[misc]
            await wait_for(pilot, lambda t=title: f"· {t} · " in status.text,  # type: ignore[misc]
                           what=lambda: status.text)
    store.close()
