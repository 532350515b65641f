"""Reading an article off the event loop, for the main screen to show.

The article opened at start may already have been read by the app factory (so that its text is
on the first frame); every other one is read in a thread worker (group ``open``, exclusive), so
the event loop never waits for the disk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from textual.screen import Screen

from tuireader.core.safety import inert
from tuireader.library.durable import StorageError
from tuireader.library.store import Opening

if TYPE_CHECKING:
    from tuireader.app import TuiReaderApp


class ArticleOpener:
    """Reads the article to show and hands it to ``show(opening, focus_reader)``."""

    def __init__(self, screen: Screen[Any], show: Callable[[Opening, bool], None],
                 first: str | None, opening: Opening | None) -> None:
        self._screen = screen
        self._show = show
        #: The article to open at start.
        self._first = first
        #: ``first`` already read by the caller: shown by :meth:`start`, on the first frame.
        self._opening = opening if opening and opening.article.id == first else None

    def start(self) -> None:
        """Show the article to open at start: at once if it was read, else read it."""
        opening, self._opening = self._opening, None
        if opening is not None:
            self._show(opening, True)
        elif self._first is not None:
            self.open(self._first, focus_reader=True)

    def open(self, article_id: str, *, focus_reader: bool = False) -> None:
        """Read ``article_id`` in a thread, then show it (or say why it cannot be read)."""
        app = cast("TuiReaderApp", self._screen.app)
        store = app.store

        def read() -> None:
            try:
                opening = store.read_opening(article_id)
            except (OSError, StorageError) as exc:
                app.call_from_thread(app.notify, inert(f"Cannot open the article: {exc}"),
                                     severity="error", markup=False)
                return
            app.call_from_thread(self._show, opening, focus_reader)

        self._screen.run_worker(read, thread=True, exclusive=True, group="open",
                                exit_on_error=False)
