"""The side panel: the open article's details and its outline.

(The annotation issue adds the article's highlights here.)  Everything shown comes from the
article, so it is built as :class:`~textual.content.Content` from plain strings.
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
from tuireader.model import Article
from tuireader.text_safety import inert

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


class SidePanel(Vertical):
    """Details + outline of the open article."""

    @dataclass
    class HeadingChosen(Message):
        """The user chose a heading in the outline."""

        offset: int
        """Plain-text offset of the heading."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._headings: list[Heading] = []

    def compose(self) -> ComposeResult:
        yield Static(Content("Details"), classes="pane-title")
        yield Static(details_content(None), id="panel-details")
        yield Static(Content("Outline"), classes="pane-title", id="outline-title")
        yield OutlineList(id="panel-outline", markup=False)

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
