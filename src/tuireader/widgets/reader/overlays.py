"""Highlights and the selection of the reader, and how every overlay of a line combines.

A plain object with no Textual in it.  Highlights, find matches, the selection and the focus unit
are all plain-text ranges laid over the rendered text.  The view's Strip cache key holds the
overlays of each line themselves, so a change to any of them re-renders just the lines it touches
and a width change (new layout) needs nothing but the layout's own version bump.

Overlapping highlights: a character covered by several highlights takes the style of the
*shortest* one (the most specific, usually a phrase highlighted inside a highlighted paragraph),
so a nested highlight stays visible; the margin glyph shows the kind of the first highlight that
starts on the line.  Priority, lowest to highest: highlights, find matches, the selection, and
the focus unit (an underline, which combines with whatever background is under it).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from tuireader.widgets.reader.finder import Finder
from tuireader.widgets.reader.notes import Noted, Notes
from tuireader.widgets.reader.render import KIND_GLYPHS, Overlay

#: A highlight as the widget keeps it: (start, end, kind 1-5).
Highlight = tuple[int, int, int]

Span = tuple[int, int]


class Overlays:
    """The highlights shown (sorted, with a start index for per-line lookups) and the
    selected range."""

    def __init__(self) -> None:
        self.highlights: list[Highlight] = []
        """The highlights shown, as (start, end, kind), sorted by start then end."""
        self.selection: Span | None = None
        """The selected plain-text range (start, end), or None."""
        self.notes = Notes()
        """The first lines of the highlights' notes (the margin mark, the focused one's row)."""
        self._starts: list[int] = []
        self._longest = 0

    def set_highlights(self, ranges: Sequence[tuple[int, int, int] | Noted]) -> None:
        """Keep the non-empty ``ranges``, kinds clamped to 1-5, sorted; a 4th item is the
        highlight's note."""
        self.highlights = sorted(
            (item[0], item[1], min(5, max(1, item[2]))) for item in ranges if item[1] > item[0]
        )
        self.notes.set(ranges)
        self._starts = [start for start, _, _ in self.highlights]
        self._longest = max((end - start for start, end, _ in self.highlights), default=0)

    def select(self, selection: Span | None) -> bool:
        """Make ``selection`` the selected range (an empty one is None); True if it changed."""
        if selection is not None and selection[1] <= selection[0]:
            selection = None
        if selection == self.selection:
            return False
        self.selection = selection
        return True

    def next_highlight(self, start: int, end: int, ranged: bool, forward: bool) -> Highlight | None:
        """The next/previous highlight by start offset from the focus [start, end).

        ``ranged`` (the focus is a highlight): compare on (start, end), so highlights sharing a
        start are visited one by one.
        """
        if forward:
            return next(
                (
                    hl
                    for hl in self.highlights
                    if ((hl[0], hl[1]) > (start, end) if ranged else hl[0] >= start)
                ),
                None,
            )
        return next(
            (
                hl
                for hl in reversed(self.highlights)
                if ((hl[0], hl[1]) < (start, end) if ranged else hl[0] < start)
            ),
            None,
        )

    def on_line(
        self, start: int, end: int, finder: Finder, focus_span: Span | None
    ) -> tuple[list[Overlay], tuple[str, str] | None]:
        """Overlays on the text [start, end) of one line, lowest priority first, and its
        margin glyph (see the module docstring)."""
        highlights = self._highlights_on(start, end)
        # Longest first, so the shortest (most specific) highlight is applied last and wins.
        overlays: list[Overlay] = [
            (hl_start, hl_end, f"reader--highlight-{kind}")
            for hl_start, hl_end, kind in sorted(highlights, key=lambda hl: hl[0] - hl[1])
        ]
        if finder.matches:
            overlays.extend(finder.on(start, end))
        selection = self.selection
        if selection and selection[0] < end and selection[1] > start:
            overlays.append((*selection, "reader--selection"))
        if focus_span and focus_span[0] < end and focus_span[1] > start:
            overlays.append((*focus_span, "reader--focus-unit"))
        return overlays, _glyph_for(start, end, highlights)

    def _highlights_on(self, start: int, end: int) -> list[Highlight]:
        """Highlights intersecting [start, end), in start order (a bisect, then a short scan)."""
        if not self.highlights:
            return []
        first = bisect_left(self._starts, start - self._longest)
        last = bisect_left(self._starts, end)
        return [hl for hl in self.highlights[first:last] if hl[1] > start]


def _glyph_for(start: int, end: int, highlights: list[Highlight]) -> tuple[str, str] | None:
    """Margin glyph of a line: the first highlight starting on it, else the first one running
    through it."""
    if not highlights:
        return None
    starting = next((hl for hl in highlights if start <= hl[0] < end), highlights[0])
    return KIND_GLYPHS[starting[2]]
