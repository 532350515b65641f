"""A fast list of many highlights: one row each (a :class:`RowList`).

The highlights view must open on 50,000 highlights in well under half a second and filter on
every keystroke, which rules out one widget (or one OptionList prompt) per row.  The rows are
plain data, filtered with precomputed lower-case haystacks; only the rows on screen are drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip

from tuireader.core.model import KINDS, Highlight
from tuireader.core.safety import inert
from tuireader.library.search import Row, RowSet, filter_rows
from tuireader.widgets.row_list import RowList, truncate

KIND_COLOURS = {1: "#e5c07b", 2: "#98c379", 3: "#61afef", 4: "#e06c75", 5: "#c678dd"}

__all__ = ["KIND_COLOURS", "HighlightTable", "Row", "RowSet", "filter_rows"]


class Rows(Protocol):
    """What the table shows: a :class:`RowSet` (every row in memory) or the search index's
    :class:`~tuireader.library.fulltext.highlights.IndexedRows` (read a page at a time; a
    row may then raise LookupError: the index turned out stale, and the screen is told)."""

    def __len__(self) -> int: ...
    def __getitem__(self, index: int) -> Row: ...
    def showing(self, shown: list[int]) -> None: ...
    def position(self, highlight_id: str, shown: list[int]) -> int | None: ...


class HighlightTable(RowList):
    """Rows of highlights with a cursor; Enter chooses."""

    BINDINGS = [
        Binding("space", "page_down", "Page down", show=False, id="table.page-down"),
        Binding("b", "page_up", "Page up", show=False, id="table.page-up"),
        Binding("g", "first", "First", show=False, id="table.first"),
        Binding("G", "last", "Last", show=False, id="table.last"),
        Binding("enter", "choose", "Open at highlight", id="table.choose"),
    ]

    @dataclass
    class Chosen(Message):
        """Enter on a row."""

        highlight: Highlight
        """The chosen highlight."""

    @dataclass
    class CursorMoved(Message):
        """The cursor moved to another row."""

        highlight: Highlight | None
        """The highlight under the cursor (None when the list is empty)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: Rows = RowSet([], [], [])
        self.shown: list[int] = []

    def set_rows(self, rows: Rows, shown: list[int] | None = None) -> None:
        """New rows (the cursor stays on its highlight if it is still shown)."""
        keep = self.current_row
        self.rows = rows
        self.show(list(range(len(rows))) if shown is None else shown, keep)

    def show(self, shown: list[int], keep: Row | None = None) -> None:
        """Show only the rows at these indices (a filter result); the cursor stays on the
        highlight it was on (or ``keep``'s), if that is among them."""
        keep = keep or self.current_row
        self.shown = shown
        self.rows.showing(shown)
        index = 0
        if keep is not None:
            index = self.rows.position(keep.highlight_id, shown) or 0
        self.set_row_count(len(shown), index)

    @property
    def current_row(self) -> Row | None:
        if not self.shown or not 0 <= self.cursor < len(self.shown):
            return None
        try:
            return self.rows[self.shown[self.cursor]]
        except LookupError:  # the index is stale: the screen reads the library again
            return None

    @property
    def current(self) -> Highlight | None:
        row = self.current_row
        return row.highlight if row is not None else None

    def on_row_list_row_chosen(self, event: RowList.RowChosen) -> None:
        event.stop()
        row = self.current_row if event.index == self.cursor else None
        if row is None:
            try:
                row = self.rows[self.shown[event.index]]
            except LookupError:
                return
        self.post_message(self.Chosen(row.highlight))

    def on_row_list_row_highlighted(self, event: RowList.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.CursorMoved(self.current))

    def render_row(self, index: int, width: int, selected: bool) -> list[Strip]:
        try:
            row = self.rows[self.shown[index]]
        except LookupError:  # the index is stale: the screen reads the library again
            return [Strip.blank(width, self.rich_style)]
        base = self.rich_style
        if selected:
            base = base + self.get_component_rich_style("rows--cursor")
        meta = base + self.get_component_rich_style("rows--meta")
        h = row.highlight
        glyph_style = base + Style(color=KIND_COLOURS[h.kind])
        tags = " ".join("#" + inert(t) for t in h.tags)
        # The quote comes first: the title (and tags) get at most a third of the row.
        title = truncate(inert(row.article_title), max(12, width // 4))
        tail = truncate((f"  {tags}" if tags else "") + f"  — {title}", max(16, width // 3))
        quote = inert(h.exact)
        if h.note:
            quote += "  ✎"
        if h.anchor != "ok":
            quote = f"[{h.anchor}] " + quote
        quote = truncate(quote, max(10, width - 3 - cell_len(tail)))
        segments = [Segment(f" {KINDS[h.kind][1]} ", glyph_style), Segment(quote, base),
                    Segment(tail, meta)]
        return [Strip(segments)]
