"""The side panel: the open article's details, its highlights (in text order) and its outline.

Moving the cursor in the highlights list tells the screen which highlight is current (the reader
scrolls to it); Enter asks the screen to focus it in the reader.  Everything shown comes from the
article or the user, so it is built as :class:`~textual.content.Content` from plain strings.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tuireader.document import Heading
from tuireader.model import KINDS, Article, Highlight
from tuireader.text_safety import inert

#: Text colour of each highlight kind's glyph in lists (the glyph itself carries the meaning too).
KIND_STYLES: dict[int, str] = {1: "#e5c07b", 2: "#98c379", 3: "#61afef", 4: "#e06c75",
                               5: "#c678dd"}
QUOTE_CHARS = 180


def highlight_prompt(h: Highlight, *, article_title: str = "") -> Content:
    """A highlight as a list entry: glyph, quote (shortened), note, tags, anchor state."""
    quote = inert(h.exact)
    if len(quote) > QUOTE_CHARS:
        quote = quote[: QUOTE_CHARS - 1] + "…"
    parts: list[Content | str] = [
        Content(KINDS[h.kind][1] + " ").stylize(KIND_STYLES[h.kind]),
        Content(quote),
    ]
    if h.anchor != "ok":
        parts.append(Content(f"  ⚠ {h.anchor}").stylize("bold $text-warning"))
    if h.note:
        note = inert(h.note)
        parts.extend(["\n", Content("  ✎ " + (note[:117] + "…" if len(note) > 118 else note))
                      .stylize("italic $text-muted")])
    if h.tags:
        parts.extend(["\n", Content("  " + " ".join("#" + inert(t) for t in h.tags))
                      .stylize("$text-accent")])
    if article_title:
        parts.extend(["\n", Content("  — " + inert(article_title)).stylize("dim")])
    return Content.assemble(*parts)

WORDS_PER_MINUTE = 230


def reading_minutes(words: int) -> int:
    return max(1, round(words / WORDS_PER_MINUTE)) if words else 0


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
        ("read", f"{round(article.progress * 100)}%"),
        ("tags", " ".join("#" + t for t in article.tags)),
        ("highlights", str(highlight_count) if highlight_count else ""),
    ]
    parts: list[Content | str] = [Content(inert(article.title) or "Untitled").stylize("bold"), "\n"]
    for label, value in rows:
        if value:
            parts.extend(["\n", Content(f"{label:<11}").stylize("dim"), Content(inert(value))])
    return Content.assemble(*parts)


class OutlineList(OptionList):
    """The headings of the open article; Enter jumps there."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="outline.down"),
        Binding("k", "cursor_up", "Up", show=False, id="outline.up"),
    ]


class HighlightList(OptionList):
    """The open article's highlights in text order."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="panel.down"),
        Binding("k", "cursor_up", "Up", show=False, id="panel.up"),
    ]


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
        yield HighlightList(id="panel-highlights", markup=False)
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
        listing.set_options(Option(highlight_prompt(h), id=h.id) for h in self._highlights)
        ids = [h.id for h in self._highlights]
        if current in ids:
            with listing.prevent(OptionList.OptionHighlighted):
                listing.highlighted = ids.index(current)
        orphans = sum(1 for h in highlights if h.anchor == "orphan")
        title = f"Highlights · {len(highlights)}" if highlights else "Highlights · none (h adds)"
        if orphans:
            title += f" · {orphans} orphaned"
        self.query_one("#highlights-title", Static).update(Content(title))

    @property
    def current_highlight_id(self) -> str | None:
        option = self.highlight_list.highlighted_option
        return option.id if option is not None else None

    def show_highlight(self, highlight_id: str | None) -> None:
        """Move the list's cursor to ``highlight_id`` without announcing it."""
        ids = [h.id for h in self._highlights]
        listing = self.highlight_list
        with listing.prevent(OptionList.OptionHighlighted):
            listing.highlighted = ids.index(highlight_id) if highlight_id in ids else None

    @on(OptionList.OptionHighlighted, "#panel-highlights")
    def _highlight_cursor(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id is not None and self.highlight_list.has_focus:
            self.post_message(self.HighlightCursor(event.option.id))

    @on(OptionList.OptionSelected, "#panel-highlights")
    def _highlight_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.HighlightChosen(event.option.id))

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
