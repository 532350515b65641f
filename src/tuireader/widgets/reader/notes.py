"""Highlight notes in the reader: the ``Notes`` the view and its painter hold.

A highlight with a note gets a note mark in the right margin of the line where it starts, and
the first line of the note of the *focused* highlight is drawn in the blank line that follows its
block.  That row is a separator that holds no text, so drawing there changes no row: the layout's
rows <-> offsets mapping, find, the selection and the reading position are untouched (the price:
the last block of an article has no blank line after it, and its highlights show only the mark).

The note is user text: it is made inert (control characters shown, one line) and drawn as a plain
``Segment``, never parsed as markup.  No Textual in here.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from tuireader.core.safety import inert

#: The mark in the right margin, and the start of the note's row.
NOTE_MARK = "✎"

#: A highlight with its note: (start, end, kind, note).
Noted = tuple[int, int, int, str]


def first_line(note: str) -> str:
    """The note's first non-blank line, made inert ("" for an empty note)."""
    for line in note.splitlines():
        if line.strip():
            return inert(line)
    return ""


class Notes:
    """The first lines of the notes of the highlights shown, by (start, end, kind)."""

    def __init__(self) -> None:
        self._noted: list[tuple[int, int, str]] = []  # (start, end, first line), sorted
        self._starts: list[int] = []

    def set(self, ranges: Sequence[tuple[int, int, int] | Noted]) -> None:
        """Keep the notes of ``ranges`` (highlights as given to the view; a 4th item is the
        note)."""
        noted = []
        for item in ranges:
            if len(item) > 3:
                start, end, line = item[0], item[1], first_line(str(item[3]))
                if line and end > start:
                    noted.append((start, end, line))
        self._noted = sorted(noted)
        self._starts = [start for start, _, _ in self._noted]

    def __bool__(self) -> bool:
        return bool(self._noted)

    def starts_on(self, start: int, end: int) -> bool:
        """True if a noted highlight starts in [start, end) (its line carries the mark)."""
        index = bisect_left(self._starts, start)
        return index < len(self._starts) and self._starts[index] < end

    def focused(self, start: int, end: int) -> tuple[int, str] | None:
        """(end offset, first line) of the note of the highlight the focus [start, end) is on:
        the one equal to it, else the shortest one covering its start."""
        covering = [(hl_end - hl_start, hl_end, line)
                    for hl_start, hl_end, line in self._noted[:bisect_left(self._starts, start + 1)]
                    if hl_end > start]
        exact = next(((hl_end, line) for hl_start, hl_end, line in self._noted
                      if (hl_start, hl_end) == (start, end)), None)
        if exact is not None:
            return exact
        if not covering:
            return None
        _, hl_end, line = min(covering)
        return hl_end, line
