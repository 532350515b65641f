"""Find matches, highlights and the selection of the ReaderView (a mixin, split for size).

All of them are plain-text ranges laid over the rendered text.  The Strip cache key holds the
overlays of each line themselves, so a change to any of them re-renders just the lines it touches
and a width change (new layout) needs nothing but the layout's own version bump.

Overlapping highlights: a character covered by several highlights takes the style of the
*shortest* one (the most specific, usually a phrase highlighted inside a highlighted paragraph),
so a nested highlight stays visible; the margin glyph shows the kind of the first highlight that
starts on the line.  Priority, lowest to highest: highlights, find matches, the selection, and
the focus unit (an underline, which combines with whatever background is under it).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import TYPE_CHECKING

from tuireader.widgets._reader_render import KIND_GLYPHS, Overlay, ranges_in

if TYPE_CHECKING:
    from tuireader.core.document import Document

#: A highlight as the widget keeps it: (start, end, kind 1-5).
Highlight = tuple[int, int, int]


class OverlaysMixin:
    """Find / highlight / selection state and methods; mixed into ReaderView."""

    document: Document
    _highlights: list[Highlight]
    _highlight_starts: list[int]
    _longest_highlight: int
    _selection: tuple[int, int] | None
    _find_query: str
    _matches: list[tuple[int, int]]
    _match_starts: list[int]
    _match_index: int

    if TYPE_CHECKING:  # provided by ReaderView / Widget
        position: int
        still_loading: bool

        def jump_to_offset(self, offset: int) -> None: ...
        def refresh(self) -> object: ...
        def post_message(self, message: object) -> bool: ...
        def FindChanged(self, query: str, count: int, index: int, loading: bool) -> object: ...
        def SelectionChanged(self, selection: tuple[int, int] | None) -> object: ...

    # ------------------------------------------------------------------ find

    @property
    def match_count(self) -> int:
        """Number of find matches."""
        return len(self._matches)

    @property
    def match_index(self) -> int:
        """Index of the current find match, -1 if none."""
        return self._match_index

    @property
    def matches(self) -> list[tuple[int, int]]:
        """Find matches as plain-text (start, end) ranges."""
        return self._matches

    def find(self, query: str) -> int:
        """Find ``query`` (case-insensitive, literal) in the article; go to the first match
        at or after the reading position.  An empty query clears find.  Returns the count."""
        self._find_query = query
        if query:
            pattern = re.compile(re.escape(query), re.IGNORECASE)
            self._matches = [m.span() for m in pattern.finditer(self.document.plain_text)]
        else:
            self._matches = []
        self._match_starts = [start for start, _ in self._matches]
        self._match_index = -1
        if self._matches:
            index = bisect_left(self._match_starts, self.position)
            self._select_match(index % len(self._matches))
        else:
            self._announce_find()
        self.refresh()
        return len(self._matches)

    def _extend_find(self, old_length: int) -> None:
        """More text was loaded after ``old_length``: add its matches (and announce them).

        The search restarts a query's length before the old end, so a match that spans the
        boundary is found, and after the last match, so none is counted twice.  When there was
        no match yet, the first new one is selected (what the search was for).
        """
        query = self._find_query
        if not query:
            return
        pattern = re.compile(re.escape(query), re.IGNORECASE)
        start = max(0, old_length - len(query) + 1)
        if self._matches:
            start = max(start, self._matches[-1][1])
        new = [m.span() for m in pattern.finditer(self.document.plain_text, start)]
        if not new:
            self._announce_find()
            return
        self._matches.extend(new)
        self._match_starts.extend(s for s, _ in new)
        if self._match_index < 0:
            self._select_match(len(self._matches) - len(new))
        else:
            self._announce_find()
            self.refresh()

    def find_next(self) -> None:
        """Go to the next match (wrapping around)."""
        if self._matches:
            self._select_match((self._match_index + 1) % len(self._matches))

    def find_previous(self) -> None:
        """Go to the previous match (wrapping around)."""
        if self._matches:
            self._select_match((self._match_index - 1) % len(self._matches))

    def _select_match(self, index: int) -> None:
        self._match_index = index
        self.jump_to_offset(self._matches[index][0])
        self._announce_find()
        self.refresh()

    def _announce_find(self) -> None:
        self.post_message(
            self.FindChanged(self._find_query, len(self._matches), self._match_index,
                             self.still_loading)
        )

    # ------------------------------------------------------------------ highlights

    @property
    def highlights(self) -> list[Highlight]:
        """The highlights shown, as (start, end, kind), sorted by start then end."""
        return self._highlights

    def set_highlights(self, ranges: list[tuple[int, int, int]]) -> None:
        """Show plain-text ranges as highlights: (start, end, kind) with kind 1-5.

        Overlaps are allowed (see the module docstring for how they are drawn).
        """
        self._highlights = sorted(
            (start, end, min(5, max(1, kind))) for start, end, kind in ranges if end > start
        )
        self._highlight_starts = [start for start, _, _ in self._highlights]
        self._longest_highlight = max((end - start for start, end, _ in self._highlights),
                                      default=0)
        self.refresh()

    def _highlights_on(self, start: int, end: int) -> list[Highlight]:
        """Highlights intersecting [start, end), in start order (a bisect, then a short scan)."""
        if not self._highlights:
            return []
        starts = self._highlight_starts
        first = bisect_left(starts, start - self._longest_highlight)
        last = bisect_left(starts, end)
        return [hl for hl in self._highlights[first:last] if hl[1] > start]

    def _glyph_for(
        self, start: int, end: int, highlights: list[Highlight]
    ) -> tuple[str, str] | None:
        """Margin glyph of a line: the first highlight starting on it, else the first one
        running through it."""
        if not highlights:
            return None
        starting = next((hl for hl in highlights if start <= hl[0] < end), highlights[0])
        return KIND_GLYPHS[starting[2]]

    # ------------------------------------------------------------------ selection

    @property
    def selection(self) -> tuple[int, int] | None:
        """The selected plain-text range (start, end), or None."""
        return self._selection

    def set_selection(self, selection: tuple[int, int] | None) -> None:
        """Mark a plain-text range as selected (None clears it) and tell the screen."""
        if selection is not None and selection[1] <= selection[0]:
            selection = None
        if selection == self._selection:
            return
        self._selection = selection
        self.post_message(self.SelectionChanged(selection))
        self.refresh()

    # ------------------------------------------------------------------ per line

    def _overlays(
        self, start: int, end: int, focus_span: tuple[int, int] | None
    ) -> tuple[list[Overlay], tuple[str, str] | None]:
        """Overlays on the text [start, end) of one line, lowest priority first, and its glyph."""
        highlights = self._highlights_on(start, end)
        # Longest first, so the shortest (most specific) highlight is applied last and wins.
        overlays: list[Overlay] = [
            (hl_start, hl_end, f"reader--highlight-{kind}")
            for hl_start, hl_end, kind in sorted(highlights, key=lambda hl: hl[0] - hl[1])
        ]
        for index in ranges_in(self._match_starts, self._matches, start, end):
            match_start, match_end = self._matches[index]
            name = "reader--current-match" if index == self._match_index else "reader--match"
            overlays.append((match_start, match_end, name))
        selection = self._selection
        if selection and selection[0] < end and selection[1] > start:
            overlays.append((*selection, "reader--selection"))
        if focus_span and focus_span[0] < end and focus_span[1] > start:
            overlays.append((*focus_span, "reader--focus-unit"))
        return overlays, self._glyph_for(start, end, highlights)
