"""The side panel: the open article's details, its highlights (in text order) and its outline.

Moving the cursor in the highlights list tells the screen which highlight is current (the reader
scrolls to it); Enter asks the screen to focus it in the reader.  Everything shown comes from the
article or the user, so it is built as :class:`~textual.content.Content` from plain strings.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.strip import Strip
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tuireader.core.document import Heading
from tuireader.core.model import Article, Highlight
from tuireader.core.safety import inert
from tuireader.library.bridge.origin import origin_words
from tuireader.widgets.option_list import KeyedOptionList
from tuireader.widgets.row_list import RowList, truncate

#: Text colour of each highlight kind's glyph in lists (the glyph itself carries the meaning too).
KIND_STYLES: dict[int, str] = {1: "#e5c07b", 2: "#98c379", 3: "#61afef", 4: "#e06c75",
                               5: "#c678dd"}
WORDS_PER_MINUTE = 230


def reading_minutes(words: int) -> int:
    return max(1, round(words / WORDS_PER_MINUTE)) if words else 0


def percent_read(article: Article) -> str:
    """The article's reading progress as the side panel and the status line both show it."""
    return f"{round(article.progress * 100)}%"


def details_content(article: Article | None, highlight_count: int = 0) -> Content:
    """The details block for ``article`` (or a hint when none is open)."""
    if article is None:
        return Content("No article open.\nChoose one in the library and press Enter.")
    rows: list[tuple[str, str]] = [
        ("by", article.author),
        ("site", article.site),
        ("published", article.published[:10]),
        ("added", article.added[:10]),
        ("source", article.url or article.source),
        ("length", f"{article.word_count:,} words · {reading_minutes(article.word_count)} min"),
        ("read", percent_read(article)),
        ("tags", " ".join("#" + t for t in article.tags)),
        ("kind", article.kind if article.kind in ("highlights-only", "link-only") else ""),
    ]
    parts: list[Content | str] = [Content(inert(article.title) or "Untitled").stylize("bold"), "\n"]
    for label, value in rows:
        if value:
            parts.extend(["\n", Content(f"{label:<11}").stylize("dim"), Content(inert(value))])
    return Content.assemble(*parts)


class OutlineList(KeyedOptionList):
    """The headings of the open article; Enter jumps there (``j`` / ``k`` move)."""


class HighlightList(RowList):
    """The open article's highlights in text order, three rows each: the glyph and the start of
    the quote; the rest of the quote or the note; the tags and anchor state."""

    ROW_HEIGHT = 3

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="panel.down"),
        Binding("k", "cursor_up", "Up", show=False, id="panel.up"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.highlights: list[Highlight] = []

    def render_row(self, index: int, width: int, selected: bool) -> list[Strip]:
        h = self.highlights[index]
        base = self.rich_style
        if selected:
            base = base + self.get_component_rich_style("rows--cursor")
        meta = base + self.get_component_rich_style("rows--meta")
        warning = base + self.get_component_rich_style("rows--warning")
        room = max(4, width - 3)
        first, rest = _split_line(inert(h.exact), room)
        third: list[Segment] = []
        if h.anchor != "ok":
            third.append(Segment(f"   ⚠ {h.anchor}", warning))
        if h.tags:
            tags = " ".join("#" + inert(t) for t in h.tags)
            third.append(Segment(("  " if third else "   ") + tags, meta))
        if h.origin:  # imported: from where, the source's location and date
            third.append(Segment(("  " if third else "   ") + "⤓ " + inert(origin_words(h)),
                                 meta))
        second: list[Segment]
        if h.note:
            # The note is why the highlight was made: with no tags to show, it takes two rows.
            note = " ".join(inert(h.note).split())
            head, tail = _split_line(note, max(4, width - 5)) if not third else (note, "")
            second = [Segment("   ✎ " + truncate(head, max(4, width - 5)), meta)]
            if tail:
                third = [Segment("     " + truncate(tail, max(4, width - 5)), meta)]
        else:
            second = [Segment("   " + truncate(rest, room), base)] if rest else []
        glyph = Segment(f" {h.glyph} ", base + Style(color=KIND_STYLES[h.kind]))
        return [Strip([glyph, Segment(first, base)]), Strip(second),
                Strip([Segment(truncate("".join(seg.text for seg in third), width), meta)])
                if third else Strip([])]


def _split_line(text: str, room: int) -> tuple[str, str]:
    """``text`` broken after at most ``room`` cells, at a word boundary when there is one in
    the second half: (the first line, the rest)."""
    if cell_len(text) <= room:
        return text, ""
    cut = text.rfind(" ", 0, room)
    cut = cut if cut > room // 2 else room
    return text[:cut], text[cut:].lstrip()


class SidePanel(Vertical):
    """Details, highlights and outline of the open article."""

    @dataclass
    class HighlightCursor(Message):
        """The cursor in the highlights list moved to a highlight."""

        highlight_id: str
        """The highlight under the cursor."""

    @dataclass
    class HighlightChosen(Message):
        """Enter on a highlight in the list: focus it in the reader."""

        highlight_id: str
        """The chosen highlight."""

    @dataclass
    class HeadingChosen(Message):
        """The user chose a heading in the outline."""

        offset: int
        """Plain-text offset of the heading."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._headings: list[Heading] = []
        self._highlights: list[Highlight] = []

    def compose(self) -> ComposeResult:
        yield Static(Content("Details"), classes="pane-title")
        yield Static(details_content(None), id="panel-details")
        yield Static(Content("Highlights"), classes="pane-title", id="highlights-title")
        yield HighlightList(id="panel-highlights")
        yield Static(Content("Outline"), classes="pane-title", id="outline-title")
        yield OutlineList(id="panel-outline", markup=False)

    @property
    def highlight_list(self) -> HighlightList:
        return self.query_one(HighlightList)

    def set_highlights(self, highlights: list[Highlight]) -> None:
        """Show ``highlights`` (already in text order), keeping the cursor on the same one."""
        listing = self.highlight_list
        current = self.current_highlight_id
        self._highlights = list(highlights)
        listing.highlights = self._highlights
        ids = [h.id for h in self._highlights]
        with listing.prevent(RowList.RowHighlighted):
            listing.set_row_count(len(ids), ids.index(current) if current in ids else 0)
        orphans = sum(1 for h in highlights if h.anchor == "orphan")
        title = f"Highlights · {len(highlights)}" if highlights else "Highlights · 0 (h adds)"
        if orphans:
            title += f" · {orphans} orphaned"
        self.query_one("#highlights-title", Static).update(Content(title), layout=False)

    @property
    def current_highlight_id(self) -> str | None:
        listing = self.highlight_list
        if not 0 <= listing.cursor < len(self._highlights):
            return None
        return self._highlights[listing.cursor].id

    def show_highlight(self, highlight_id: str | None) -> None:
        """Move the list's cursor to ``highlight_id`` without announcing it."""
        ids = [h.id for h in self._highlights]
        if highlight_id in ids:
            listing = self.highlight_list
            with listing.prevent(RowList.RowHighlighted):
                listing.cursor = ids.index(highlight_id)

    @on(RowList.RowHighlighted, "#panel-highlights")
    def _highlight_cursor(self, event: RowList.RowHighlighted) -> None:
        event.stop()
        if 0 <= event.index < len(self._highlights) and self.highlight_list.has_focus:
            self.post_message(self.HighlightCursor(self._highlights[event.index].id))

    @on(RowList.RowChosen, "#panel-highlights")
    def _highlight_chosen(self, event: RowList.RowChosen) -> None:
        event.stop()
        if 0 <= event.index < len(self._highlights):
            self.post_message(self.HighlightChosen(self._highlights[event.index].id))

    def show_article(self, article: Article | None, highlight_count: int = 0) -> None:
        self.query_one("#panel-details", Static).update(details_content(article, highlight_count))

    def set_outline(self, headings: list[Heading]) -> None:
        self._headings = list(headings)
        outline = self.query_one(OutlineList)
        outline.set_options(
            Option(Content("  " * max(0, h.level - 1) + (inert(h.title) or "…")), id=str(i))
            for i, h in enumerate(self._headings)
        )
        self.query_one("#outline-title", Static).update(
            Content(f"Outline · {len(self._headings)}" if self._headings else "Outline · none")
        )

    @on(OptionList.OptionSelected, "#panel-outline")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.HeadingChosen(self._headings[int(event.option.id)].offset))
