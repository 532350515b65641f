"""A one-line status bar that repaints without re-laying out the screen.

``Static.update`` asks for a new layout of the whole screen, because new content may change a
widget's size.  The status line's size never changes (it is docked, one row high), and it
changes several times a second while reading, so it only repaints itself.
"""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget


class StatusLine(Widget):
    """Plain text (never markup) on one row."""

    text: reactive[str] = reactive("", layout=False)
    #: Said after the text while it lasts (the search index being updated).
    note: reactive[str] = reactive("", layout=False)

    def render(self) -> Content:
        return Content(f"{self.text} · {self.note}" if self.note else self.text)
