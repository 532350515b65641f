"""A one-line status bar that repaints without re-laying out the screen.

``Static.update`` asks for a new layout of the whole screen, because new content may change a
widget's size.  The status line's size never changes (it is docked, one row high), and it
changes several times a second while reading, so it only repaints itself.

:func:`book_section` gives the chapter part of the line for a book ("Chapter 12" in
"Title · Chapter 12 · 34% · 5 min left").
"""

from __future__ import annotations

from bisect import bisect_right
from typing import TYPE_CHECKING

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from tuireader.core.safety import inert

if TYPE_CHECKING:
    from tuireader.core.document import Document
    from tuireader.core.model import Article

#: The chapter's title is cut to this many characters on the status line.
SECTION_CHARS = 40


class StatusLine(Widget):
    """Plain text (never markup) on one row."""

    text: reactive[str] = reactive("", layout=False)
    #: Said after the text while it lasts (the search index being updated).
    note: reactive[str] = reactive("", layout=False)

    def render(self) -> Content:
        return Content(f"{self.text} · {self.note}" if self.note else self.text)


def book_section(article: Article, document: Document | None, offset: int) -> list[str]:
    """``[chapter title]`` at plain-text ``offset`` of a book: the last heading at or before it
    (the table of contents' entries are the book's headings); ``[]`` before the first one and
    for anything that is not a book."""
    if article.kind != "book" or document is None or not document.headings:
        return []
    headings = document.headings
    index = bisect_right([h.offset for h in headings], offset) - 1
    if index < 0:
        return []
    title = inert(" ".join(headings[index].title.split()))
    return [title if len(title) <= SECTION_CHARS else title[:SECTION_CHARS - 1] + "…"]
