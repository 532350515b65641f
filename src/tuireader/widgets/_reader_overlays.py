"""Find matches, highlights and the selection of the ReaderView (a mixin, split for size).

All three are plain-text ranges laid over the rendered text; each has a version counter that
is part of the Strip cache key, so changing one only re-renders the lines it touches.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import TYPE_CHECKING

from tuireader.widgets._reader_render import Overlay, ranges_in

if TYPE_CHECKING:
    from tuireader.document import Document


class OverlaysMixin:
    """Find / highlight / selection state and methods; mixed into ReaderView."""

    document: Document
    _highlights: list[Overlay]
    _highlight_version: int
    _selection: tuple[int, int] | None
    _selection_version: int
    _find_query: str
    _matches: list[tuple[int, int]]
    _match_starts: list[int]
    _match_index: int
    _find_version: int

    if TYPE_CHECKING:  # provided by ReaderView / Widget
        position: int

        def jump_to_offset(self, offset: int) -> None: ...
        def refresh(self) -> object: ...
        def post_message(self, message: object) -> bool: ...
        def FindChanged(self, query: str, count: int, index: int) -> object: ...

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
        self._find_version += 1
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
        self._find_version += 1
        self.jump_to_offset(self._matches[index][0])
        self._announce_find()
        self.refresh()

    def _announce_find(self) -> None:
        self.post_message(self.FindChanged(self._find_query, len(self._matches), self._match_index))

    # ------------------------------------------------------------------ highlights, selection

    def set_highlights(self, ranges: list[tuple[int, int, int]]) -> None:
        """Style plain-text ranges as highlights: (start, end, kind) with kind 1-5."""
        self._highlights = sorted(
            (start, end, f"reader--highlight-{min(5, max(1, kind))}")
            for start, end, kind in ranges
            if end > start
        )
        self._highlight_version += 1
        self.refresh()

    def set_selection(self, selection: tuple[int, int] | None) -> None:
        """Mark a plain-text range as selected (None clears it)."""
        self._selection = selection
        self._selection_version += 1
        self.refresh()

    def _overlays(self, start: int, end: int) -> tuple[list[Overlay], int]:
        """Overlays on [start, end) and the index of the current match if it is among them."""
        overlays: list[Overlay] = [hl for hl in self._highlights if hl[0] < end and hl[1] > start]
        current = -1
        for index in ranges_in(self._match_starts, self._matches, start, end):
            match_start, match_end = self._matches[index]
            if index == self._match_index:
                current = index
                overlays.append((match_start, match_end, "reader--current-match"))
            else:
                overlays.append((match_start, match_end, "reader--match"))
        if self._selection and self._selection[0] < end and self._selection[1] > start:
            overlays.append((*self._selection, "reader--selection"))
        return overlays, current
