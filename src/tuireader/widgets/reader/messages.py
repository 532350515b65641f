"""The messages a ReaderView posts (``ReaderView.PositionChanged`` and so on).

They are attributes of the view (``@on(ReaderView.FindChanged)``), and their handler names are the
ones of messages nested in it (``on_reader_view_find_changed``), through Textual's ``namespace``;
they are written here, one dataclass per message with a docstring per field, to keep the view's
module to the widget itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

__all__ = [
    "FindChanged",
    "FocusChanged",
    "FocusRangeChanged",
    "LoadProgress",
    "Loaded",
    "PositionChanged",
    "SelectionChanged",
]


@dataclass
class PositionChanged(Message, namespace="reader_view"):
    """The reading position moved (throttled); save it to restore the article later."""

    offset: int
    """Plain-text offset of the reading position (top of view, or the focus block)."""
    progress: float
    """Fraction of the article above the position, 0.0 to 1.0."""

@dataclass
class FocusChanged(Message, namespace="reader_view"):
    """The reading focus moved to another block."""

    block_index: int
    """Index of the focused block in ``Document.blocks``."""
    start: int
    """Plain-text offset where the block starts."""
    end: int
    """Plain-text offset where the block ends."""

@dataclass
class FindChanged(Message, namespace="reader_view"):
    """Find results or the current match changed."""

    query: str
    """The text searched for ("" when find was cleared)."""
    count: int
    """Number of matches."""
    index: int
    """Index of the current match, or -1 when there is none."""
    loading: bool = False
    """The document is still loading: more matches may come (another FindChanged)."""

@dataclass
class Loaded(Message, namespace="reader_view"):
    """The whole document has been parsed and laid out."""

    blocks: int
    """Number of blocks."""
    chars: int
    """Length of the plain text."""

@dataclass
class LoadProgress(Message, namespace="reader_view"):
    """More of a long document was loaded, or what the view waits for changed.

    Posted once per parsed chunk (never per frame), so the screen can show "loading… NN%".
    """

    chars: int
    """Plain-text characters loaded so far."""
    total: int
    """Expected total (the Markdown's length while parsing: an estimate)."""
    waiting: str
    """What the view waits for: "" (nothing), "position" (the saved place) or "end"."""

    @property
    def fraction(self) -> float:
        """Loaded fraction, 0.0 to 1.0."""
        return min(1.0, self.chars / max(1, self.total))

@dataclass
class FocusRangeChanged(Message, namespace="reader_view"):
    """The focused range changed (another block, sentence, word or highlight)."""

    start: int
    """Plain-text offset where the focused range starts."""
    end: int
    """Plain-text offset where it ends."""
    unit: str
    """What is focused: "block", "sentence", "word" or "range" (e.g. a highlight)."""

@dataclass
class SelectionChanged(Message, namespace="reader_view"):
    """The selection was made, extended or dropped."""

    selection: tuple[int, int] | None
    """Plain-text (start, end) of the selection, or None when there is none."""
