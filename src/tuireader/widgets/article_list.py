"""The library pane: every article with its site, reading progress and highlight count.

It owns its state (the articles, the sort order, the filter text) and tells the screen what the
user chose with :class:`ArticleList.Opened`.  Titles and sites are untrusted text: they are put on
screen as :class:`~textual.content.Content` built from plain strings, never parsed as markup.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tuireader.model import Article
from tuireader.text_safety import inert

SORTS: tuple[str, ...] = ("recent", "added", "title")
SORT_LABELS = {"recent": "recently read", "added": "recently added", "title": "title"}


def sort_articles(articles: list[Article], mode: str) -> list[Article]:
    if mode == "title":
        return sorted(articles, key=lambda a: a.title.casefold())
    if mode == "added":
        return sorted(articles, key=lambda a: a.added, reverse=True)
    return sorted(articles, key=lambda a: (a.last_opened or "", a.added), reverse=True)


def matches(article: Article, needle: str) -> bool:
    """Every word of the filter must appear in the title, site, author or tags (``#tag``: tags)."""
    hay = " ".join([article.title, article.site, article.author]).casefold()
    for word in needle.casefold().split():
        if word.startswith("#"):
            if not any(t.startswith(word[1:]) for t in article.tags):
                return False
        elif word not in hay and not any(word in t for t in article.tags):
            return False
    return True


class ArticleOptions(OptionList):
    """The list itself, with j/k as well as the arrows."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("k", "cursor_up", "Up", show=False, id="list.up"),
    ]


class ArticleList(Vertical):
    """Filter box + sorted list of articles."""

    BINDINGS = [
        Binding("slash", "filter", "Filter", id="list.filter"),
        Binding("s", "cycle_sort", "Sort", id="list.sort"),
    ]

    @dataclass
    class Opened(Message):
        """The user chose an article to read."""

        article_id: str
        """The chosen article's id."""

    @dataclass
    class Highlighted(Message):
        """The cursor moved to an article (not opened yet)."""

        article_id: str
        """The article under the cursor."""

    sort_mode: reactive[str] = reactive("recent")
    filter_text: reactive[str] = reactive("")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._articles: list[Article] = []
        self._counts: dict[str, int] = {}
        self._shown: list[Article] = []

    def compose(self) -> ComposeResult:
        yield Static(Content("Library"), id="list-title", classes="pane-title")
        yield Input(placeholder="filter (words, #tag)", id="list-filter")
        yield ArticleOptions(id="list-options", markup=False)

    @property
    def options(self) -> ArticleOptions:
        return self.query_one(ArticleOptions)

    def set_articles(self, articles: list[Article], counts: dict[str, int]) -> None:
        """Replace the articles shown (keeps the cursor on the same article when it can)."""
        self._articles = list(articles)
        self._counts = dict(counts)
        self._refresh_options()

    def update_article(self, article: Article, count: int | None = None) -> None:
        for i, existing in enumerate(self._articles):
            if existing.id == article.id:
                self._articles[i] = article
                break
        else:
            self._articles.append(article)
        if count is not None:
            self._counts[article.id] = count
        self._refresh_options()

    @property
    def shown_ids(self) -> list[str]:
        return [a.id for a in self._shown]

    @property
    def current_id(self) -> str | None:
        option = self.options.highlighted_option
        return option.id if option else None

    def _prompt(self, article: Article) -> Content:
        count = self._counts.get(article.id, 0)
        progress = f"{round(article.progress * 100)}%" if article.progress else "new"
        title = Content(inert(article.title) or "Untitled").stylize("bold")
        meta_parts = [inert(article.site) if article.site else "", progress]
        if count:
            meta_parts.append(f"{count} hl")
        if article.tags:
            meta_parts.append(" ".join("#" + inert(t) for t in article.tags))
        meta = Content(" · ".join(p for p in meta_parts if p.strip())).stylize("dim")
        return Content.assemble(title, "\n", meta)

    def _refresh_options(self) -> None:
        options = self.options
        keep = self.current_id
        shown = sort_articles(self._articles, self.sort_mode)
        if self.filter_text.strip():
            shown = [a for a in shown if matches(a, self.filter_text)]
        self._shown = shown
        options.set_options(Option(self._prompt(a), id=a.id) for a in shown)
        if shown:
            ids = [a.id for a in shown]
            options.highlighted = ids.index(keep) if keep in ids else 0
        title = f"Library · {len(shown)}" + (
            f"/{len(self._articles)}" if len(shown) != len(self._articles) else ""
        ) + f" · {SORT_LABELS[self.sort_mode]}"
        self.query_one("#list-title", Static).update(Content(title))

    def watch_sort_mode(self) -> None:
        if self.is_mounted:
            self._refresh_options()

    def watch_filter_text(self) -> None:
        if self.is_mounted:
            self._refresh_options()

    def action_cycle_sort(self) -> None:
        self.sort_mode = SORTS[(SORTS.index(self.sort_mode) + 1) % len(SORTS)]

    def action_filter(self) -> None:
        self.query_one(Input).focus()

    def select(self, article_id: str) -> None:
        """Move the cursor to ``article_id`` (clearing the filter if it hides it)."""
        if article_id not in self.shown_ids and self.filter_text:
            self.query_one(Input).value = ""
            self.filter_text = ""
        if article_id in self.shown_ids:
            self.options.highlighted = self.shown_ids.index(article_id)

    @on(Input.Changed, "#list-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.filter_text = event.value

    @on(Input.Submitted, "#list-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._shown:
            self.options.focus()
            article_id = self.current_id
            if article_id:
                self.post_message(self.Opened(article_id))

    @on(OptionList.OptionSelected, "#list-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.Opened(event.option.id))

    @on(OptionList.OptionHighlighted, "#list-options")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.Highlighted(event.option.id))
