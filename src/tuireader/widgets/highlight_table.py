"""A fast list of many highlights: one row each (a :class:`RowList`).

The highlights view must open on 50,000 highlights in well under half a second and filter on
every keystroke, which rules out one widget (or one OptionList prompt) per row.  The rows are
plain data, filtered with precomputed lower-case haystacks; only the rows on screen are drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip

from tuireader.model import KINDS, Highlight
from tuireader.text_safety import inert
from tuireader.widgets.row_list import RowList, truncate

KIND_NAMES = {name: kind for kind, (name, _glyph) in KINDS.items()}
KIND_COLOURS = {1: "#e5c07b", 2: "#98c379", 3: "#61afef", 4: "#e06c75", 5: "#c678dd"}


@dataclass
class Row:
    """One highlight with what the table shows and searches."""

    highlight: Highlight
    article_title: str
    haystack: str


def make_row(h: Highlight, article_title: str) -> Row:
    hay = " ".join([h.exact, h.note, " ".join("#" + t for t in h.tags), article_title]).casefold()
    return Row(h, article_title, hay)


def filter_rows(rows: list[Row], query: str) -> list[int]:
    """Indices of the rows matching every term of ``query``.

    Terms: ``#tag`` (a tag starting with it), ``c:yellow`` / ``c:1`` (colour), ``a:word`` (article
    title), ``orphan``/``fuzzy`` via ``is:orphan``; anything else must appear in the quote, note,
    tags or article title.
    """
    terms = query.casefold().split()
    if not terms:
        return list(range(len(rows)))
    words: list[str] = []
    tags: list[str] = []
    kinds: set[int] = set()
    titles: list[str] = []
    states: set[str] = set()
    for term in terms:
        if term.startswith("#") and len(term) > 1:
            tags.append(term[1:])
        elif term.startswith("c:") and len(term) > 2:
            value = term[2:]
            kind = int(value) if value.isdigit() else KIND_NAMES.get(value, 0)
            kinds.add(kind)
        elif term.startswith("a:") and len(term) > 2:
            titles.append(term[2:])
        elif term.startswith("is:") and len(term) > 3:
            states.add(term[3:])
        else:
            words.append(term)
    result = []
    for i, row in enumerate(rows):
        h = row.highlight
        if kinds and h.kind not in kinds:
            continue
        if states and h.anchor not in states:
            continue
        if tags and not all(any(t.startswith(tag) for t in h.tags) for tag in tags):
            continue
        if titles:
            title = row.article_title.casefold()
            if not all(t in title for t in titles):
                continue
        hay = row.haystack
        if all(w in hay for w in words):
            result.append(i)
    return result


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
        self.rows: list[Row] = []
        self.shown: list[int] = []

    def set_rows(self, rows: list[Row], shown: list[int] | None = None) -> None:
        self.rows = rows
        self.show(list(range(len(rows))) if shown is None else shown)

    def show(self, shown: list[int]) -> None:
        """Show only the rows at these indices (a filter result)."""
        keep = self.current
        self.shown = shown
        index = 0
        if keep is not None:
            for pos, row_index in enumerate(shown):
                if self.rows[row_index].highlight is keep:
                    index = pos
                    break
        self.set_row_count(len(shown), index)

    @property
    def current(self) -> Highlight | None:
        if not self.shown or not 0 <= self.cursor < len(self.shown):
            return None
        return self.rows[self.shown[self.cursor]].highlight

    def on_row_list_row_chosen(self, event: RowList.RowChosen) -> None:
        event.stop()
        self.post_message(self.Chosen(self.rows[self.shown[event.index]].highlight))

    def on_row_list_row_highlighted(self, event: RowList.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.CursorMoved(self.current))

    def render_row(self, index: int, width: int, selected: bool) -> list[Strip]:
        row = self.rows[self.shown[index]]
        base = self.rich_style
        if selected:
            base = base + self.get_component_rich_style("rows--cursor")
        meta = base + self.get_component_rich_style("rows--meta")
        h = row.highlight
        glyph_style = base + Style(color=KIND_COLOURS[h.kind])
        tags = " ".join("#" + inert(t) for t in h.tags)
        tail = (f"  {tags}" if tags else "") + f"  — {inert(row.article_title)}"
        quote = inert(h.exact)
        if h.note:
            quote += "  ✎"
        if h.anchor != "ok":
            quote = f"[{h.anchor}] " + quote
        quote = truncate(quote, max(10, width - 3 - cell_len(tail)))
        segments = [Segment(f" {KINDS[h.kind][1]} ", glyph_style), Segment(quote, base),
                    Segment(tail, meta)]
        return [Strip(segments)]
