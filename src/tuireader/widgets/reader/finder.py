"""Find (``/``) in the reader: a query, its matches and the current one (the ``Finder``).

Matches are plain-text ranges, so a width change does not touch them, and while a long article
loads they grow with every chunk (``grew``).  The finder is handed the view and uses its public
API only: it asks for the plain text and the reading position, goes to a match with
``jump_to_offset`` and posts ``FindChanged``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from typing import TYPE_CHECKING

from tuireader.widgets.reader.render import Overlay, ranges_in

if TYPE_CHECKING:  # the view holds the finder; the finder only calls it
    from tuireader.widgets.reader.view import ReaderView

Span = tuple[int, int]
#: Finds the matches in ``text`` from offset ``start``: (text, start) -> spans in order.
Spans = Callable[[str, int], list[Span]]


class Finder:
    """Case-insensitive literal search over the article's plain text."""

    def __init__(self, view: ReaderView) -> None:
        self._view = view
        self.query = ""
        """The text searched for ("" when find is off)."""
        self.matches: list[Span] = []
        """Matches as plain-text (start, end), in order; they never overlap."""
        self.index = -1
        """Index of the current match, -1 when there is none."""
        self._starts: list[int] = []
        self._spans: Spans | None = None  # None: the query, literally

    def clear(self) -> None:
        """Forget the query and its matches (a new article was loaded)."""
        self.query = ""
        self.matches, self._starts, self.index = [], [], -1

    def find(self, query: str, spans: Spans | None = None) -> int:
        """Find ``query``; go to the first match at or after the reading position (wrapping to
        the first).  An empty query clears find.  Returns the number of matches.

        ``spans``: how to find it (the library search's words, folded), instead of literally;
        a match gone to is then focused as a range (what ``h`` would highlight).
        """
        self.query = query
        self._spans = spans
        self.matches = self._find(0) if query else []
        self._starts = [start for start, _ in self.matches]
        self.index = -1
        if self.matches:
            index = bisect_left(self._starts, self._view.position)
            self.go(index % len(self.matches))
        else:
            self.announce()
        self._view.refresh()
        return len(self.matches)

    def grew(self, old_length: int) -> None:
        """More text was loaded after ``old_length``: add its matches (and announce them).

        The search restarts a query's length before the old end, so a match that spans the
        boundary is found, and after the last match, so none is counted twice.  When there was
        no match yet, the first new one is gone to (what the search was for).
        """
        if not self.query:
            return
        start = max(0, old_length - len(self.query) + 1)
        if self.matches:
            start = max(start, self.matches[-1][1])
        new = self._find(start)
        if not new:
            self.announce()
            return
        self.matches.extend(new)
        self._starts.extend(s for s, _ in new)
        if self.index < 0:
            self.go(len(self.matches) - len(new))
        else:
            self.announce()
            self._view.refresh()

    def finished(self) -> None:
        """The document is all loaded: the count is final (``loading`` False)."""
        if self.query:
            self.announce()

    def step(self, delta: int) -> None:
        """Go ``delta`` matches away from the current one (wrapping around)."""
        if self.matches:
            self.go((self.index + delta) % len(self.matches))

    def go(self, index: int) -> None:
        """Make match ``index`` the current one and show it."""
        self.index = index
        if self._spans is not None:
            self._view.focus_range_at(*self.matches[index])
        else:
            self._view.jump_to_offset(self.matches[index][0])
        self.announce()
        self._view.refresh()

    def announce(self) -> None:
        """Post ``FindChanged`` (``loading``: more matches may come)."""
        view = self._view
        view.post_message(
            view.FindChanged(self.query, len(self.matches), self.index, view.still_loading)
        )

    def on(self, start: int, end: int) -> list[Overlay]:
        """The matches intersecting the text [start, end) of one line, as overlays."""
        overlays: list[Overlay] = []
        for index in ranges_in(self._starts, self.matches, start, end):
            match_start, match_end = self.matches[index]
            name = "reader--current-match" if index == self.index else "reader--match"
            overlays.append((match_start, match_end, name))
        return overlays


    def _find(self, start: int) -> list[Span]:
        text = self._view.document.plain_text
        if self._spans is not None:
            return self._spans(text, start)
        return _spans(text, self.query, start)


def _spans(text: str, query: str, start: int) -> list[Span]:
    pattern = re.compile(re.escape(query), re.IGNORECASE)
    return [m.span() for m in pattern.finditer(text, start)]
