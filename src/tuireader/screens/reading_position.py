"""Saving where the user is in an article, a moment after the reader stops moving.

A reader moves many times a second while scrolling; saving each position would write this
device's reading file (``reading/<device>.json``) as often.  :class:`ReadingPosition` keeps the
latest position and saves it once the reader has been still for :data:`SAVE_DELAY` seconds,
when another article is opened, or at quit.  The save is a job on the app's writer, like every
other change, so a failure reaches the user.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from textual.screen import Screen
from textual.timer import Timer

from tuireader.core.model import Article

if TYPE_CHECKING:
    from tuireader.app import TuiReaderApp

#: The position is saved this long after the reader stops moving.
SAVE_DELAY = 0.6


class ReadingPosition:
    """The open article's reading position, saved when the reader rests."""

    def __init__(self, owner: Screen[Any], flushed: Callable[[Article], None]) -> None:
        self._owner = owner
        #: Called on the UI thread when a position is handed to the writer (to update lists).
        self._flushed = flushed
        self._pending: Article | None = None
        self._timer: Timer | None = None

    def moved(self, article: Article, offset: int, progress: float) -> None:
        """The reader moved: remember where, and save once it has rested."""
        article.position, article.progress = offset, progress
        self._pending = article
        if self._timer is not None:
            self._timer.stop()
        self._timer = self._owner.set_timer(SAVE_DELAY, self.flush)

    def flush(self) -> None:
        """Save the position now if it moved since the last save."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        article, self._pending = self._pending, None
        if article is not None:
            self.save(article)
            self._flushed(article)

    def save(self, article: Article) -> None:
        """Save ``article``'s reading state (position, progress, last opened) through the
        writer: this device's reading file only, never the article's shared metadata file."""
        app = cast("TuiReaderApp", self._owner.app)
        if app.store.read_only:
            return  # nothing to tell: reading a read-only library is fine
        store, saved = app.store, dataclasses.replace(article)  # as it is now, not as it will be
        app.writer.submit(lambda: store.save_reading(saved))
