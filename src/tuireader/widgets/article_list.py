"""The library pane: every article with its site, reading progress and highlight count.

The list is a :class:`RowList` (Line API), so a library of thousands of articles shows and
updates at once.  The pane owns its state (the articles, the sort order, the filter text) and
tells the screen what the user chose with :class:`ArticleList.Opened`.  Titles and sites are
untrusted text: they are drawn as plain Segments, never parsed as markup, and their control
characters are made inert first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from rich.segment import Segment
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widgets import Input, Static

from tuireader.core.model import Article
from tuireader.core.safety import inert
from tuireader.widgets.row_list import RowList, truncate

#: Articles that are not (yet) a text: an import's stand-ins, marked in their second row.
KIND_MARKS = {"highlights-only": "❝ highlights only", "link-only": "↗ link only"}
SORTS: tuple[str, ...] = ("recent", "added", "title")
SORT_LABELS = {"recent": "recently read", "added": "recently added", "title": "title"}


def _sort_key(article: Article, mode: str) -> tuple[str, ...]:
    if mode == "title":
        return (article.title.casefold(),)
    if mode == "added":
        return (article.added,)
    return (article.last_opened or "", article.added)


def sort_articles(articles: list[Article], mode: str) -> list[Article]:
    """Articles in ``mode`` order; among equals, the one added to the library later first
    (times have one-second precision, and a batch import shares its seconds)."""
    if mode == "title":
        return sorted(articles, key=lambda a: _sort_key(a, mode))
    ordered = sorted(enumerate(articles), key=lambda pair: (_sort_key(pair[1], mode), pair[0]),
                     reverse=True)
    return [article for _index, article in ordered]


def progress_label(article: Article, opened: bool = False) -> str:
    """How far the user got: "new" only for an article never opened (``opened``: opened in
    this session, not saved yet), "read" at the end, else the percentage (0 % after ``g``)."""
    if article.progress >= 1.0:
        return "read"
    if article.progress or article.last_opened or opened:
        return f"{round(article.progress * 100)}%"
    return "new"


#: The filter term that lists the archived articles (hidden otherwise).
ARCHIVED_TERM = "is:archived"


def matches(article: Article, needle: str) -> bool:
    """Every word of the filter must appear in the title, site, author or tags (``#tag``: tags).

    Archived articles are listed only with ``is:archived`` in the filter (and then only they)."""
    words = needle.casefold().split()
    if article.archived != (ARCHIVED_TERM in words):
        return False
    hay = " ".join([article.title, article.site, article.author]).casefold()
    for word in words:
        if word == ARCHIVED_TERM:
            continue
        if word.startswith("#"):
            if not any(t.startswith(word[1:]) for t in article.tags):
                return False
        elif word not in hay and not any(word in t for t in article.tags):
            return False
    return True


class ArticleRows(RowList):
    """The list itself: two rows per article (title; site, progress, highlights, tags)."""

    ROW_HEIGHT = 2

    def __init__(self, owner: ArticleList, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._owner = owner

    def render_row(self, index: int, width: int, selected: bool) -> list[Strip]:
        return self._owner.render_article(index, width, selected)


class ArticleList(Vertical):
    """Filter box + sorted list of articles.

    The filter box is hidden (and so no Tab stop) until ``/`` opens it.  Everything typed into
    it is filter text (``q`` too); ``esc`` goes back to the list, hiding the box if it is empty,
    and ``esc`` in the list clears a filter still in force.
    """

    BINDINGS = [
        Binding("slash", "filter", "Filter", id="list.filter"),
        Binding("s", "cycle_sort", "Sort", id="list.sort"),
        Binding("escape", "leave_filter", "Leave the filter", show=False, id="list.leave-filter"),
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

    #: From this many articles on, the filter asks :attr:`finder` (off the event loop).
    FIND_FROM = 5000

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        #: The ids of the articles a filter text shows, from the search index, or None when
        #: it cannot answer (then the list filters itself).  Called in a thread worker.
        self.finder: Callable[[str], set[str] | None] | None = None
        #: The articles in the sort order (sorted again only when they or the order change).
        self._sorted: list[Article] | None = None
        self._articles: list[Article] = []
        self._counts: dict[str, int] = {}
        self._shown: list[Article] = []
        #: Articles opened in this session (their "last opened" may not be saved yet).
        self._opened: set[str] = set()

    def compose(self) -> ComposeResult:
        yield Static(Content("Library"), id="list-title", classes="pane-title")
        box = Input(placeholder="filter (words, #tag; esc: back)", id="list-filter")
        box.display = False
        yield box
        yield ArticleRows(self, id="list-options")

    @property
    def filter_box(self) -> Input:
        return self.query_one("#list-filter", Input)

    @property
    def options(self) -> ArticleRows:
        return self.query_one(ArticleRows)

    def set_articles(self, articles: list[Article], counts: dict[str, int]) -> None:
        """Replace the articles shown (keeps the cursor on the same article when it can)."""
        self._articles = list(articles)
        self._sorted = None
        self._counts = dict(counts)
        self._refresh_options()

    def update_article(self, article: Article, count: int | None = None) -> None:
        """Show one article's new state.  Only its own entry is redrawn unless the change moves
        it in the sort order or in or out of the filter (the list may hold thousands)."""
        article = dataclasses.replace(article)  # a copy: callers keep changing theirs
        for i, existing in enumerate(self._articles):
            if existing.id == article.id:
                self._articles[i] = article
                break
        else:
            self._articles.append(article)
            existing = None
        self._sorted = None
        if count is not None:
            self._counts[article.id] = count
        same_place = (
            existing is not None
            and article.id in self.shown_ids
            and _sort_key(existing, self.sort_mode) == _sort_key(article, self.sort_mode)
            and matches(article, self.filter_text)
        )
        if same_place:
            self._shown[self.shown_ids.index(article.id)] = article
            self.options.refresh_rows()
        else:
            self._refresh_options()

    def article(self, article_id: str) -> Article | None:
        """A copy of the listed article ``article_id`` (None if it is not in the list)."""
        found = next((a for a in self._articles if a.id == article_id), None)
        return dataclasses.replace(found) if found is not None else None

    def highlight_count(self, article_id: str) -> int:
        """How many highlights ``article_id`` had when the list was read."""
        return self._counts.get(article_id, 0)

    def note_opened(self, article_id: str) -> None:
        """``article_id`` was opened: it is no longer "new" (without moving it in the list)."""
        if article_id not in self._opened:
            self._opened.add(article_id)
            self.options.refresh_rows()

    def describe(self, article_id: str) -> str:
        """The second row of ``article_id`` as plain text (site, progress, highlights, tags)."""
        article = next((a for a in self._articles if a.id == article_id), None)
        return self._meta(article) if article is not None else ""

    def _meta(self, article: Article) -> str:
        count = self._counts.get(article.id, 0)
        progress = progress_label(article, article.id in self._opened)
        meta_parts = [KIND_MARKS.get(article.kind, ""),
                      inert(article.site) if article.site else "", progress]
        if count:
            meta_parts.append(f"{count} hl")
        if article.tags:
            meta_parts.append(" ".join("#" + inert(t) for t in article.tags))
        if article.archived:
            meta_parts.append("archived")
        return " · ".join(p for p in meta_parts if p.strip())

    def known_tags(self) -> list[str]:
        """Every article tag in the library, sorted."""
        return sorted({tag for a in self._articles for tag in a.tags})

    @property
    def shown_ids(self) -> list[str]:
        return [a.id for a in self._shown]

    @property
    def current_id(self) -> str | None:
        cursor = self.options.cursor
        return self._shown[cursor].id if 0 <= cursor < len(self._shown) else None

    def render_article(self, index: int, width: int, selected: bool) -> list[Strip]:
        """The two rows of the ``index``-th shown article."""
        rows = self.options
        article = self._shown[index]
        base = rows.rich_style
        if selected:
            base = base + rows.get_component_rich_style("rows--cursor")
        title_style = base + rows.get_component_rich_style("rows--title")
        meta_style = base + rows.get_component_rich_style("rows--meta")
        meta = self._meta(article)
        room = max(4, width - 1)
        return [
            Strip([Segment(" " + truncate(inert(article.title) or "Untitled", room),
                           title_style)]),
            Strip([Segment(" " + truncate(meta, room), meta_style)]),
        ]

    def _refresh_options(self) -> None:
        if self._sorted is None:
            self._sorted = sort_articles(self._articles, self.sort_mode)
        text = self.filter_text
        if text.strip() and self.finder is not None and len(self._articles) >= self.FIND_FROM:
            # Asked and matched off the event loop; shown when answered (the list stays).
            self._find(text, self.finder, self._sorted)
            return
        self._show([a for a in self._sorted if matches(a, text)])

    @work(thread=True, exclusive=True, group="list-filter", exit_on_error=False)
    def _find(self, text: str, finder: Callable[[str], set[str] | None],
              ordered: list[Article]) -> None:
        ids = finder(text)
        if ids is None:  # the index cannot answer for the library now
            shown = [a for a in ordered if matches(a, text)]
        else:
            shown = [a for a in ordered if a.id in ids]
        self.app.call_from_thread(self._found, text, ordered, shown)

    def _found(self, text: str, ordered: list[Article], shown: list[Article]) -> None:
        if text != self.filter_text or self._sorted is not ordered:
            return  # typed on (or the articles changed): a newer answer comes
        self._show(shown)

    def _show(self, shown: list[Article]) -> None:
        keep = self.current_id
        self._shown = shown
        ids = [a.id for a in shown]
        self.options.set_row_count(len(shown), ids.index(keep) if keep in ids else 0)
        self._show_title()

    def _show_title(self) -> None:
        """The pane's title: the count and the sort order, the order dropped when the pane is
        a narrow strip (the count matters more)."""
        count = f"Library · {len(self._shown)}" + (
            f"/{len(self._articles)}" if len(self._shown) != len(self._articles) else "")
        title = f"{count} · {SORT_LABELS[self.sort_mode]}"
        if self.size.width and len(title) > self.size.width - 2:
            title = count
        self.query_one("#list-title", Static).update(Content(title), layout=False)

    def on_resize(self) -> None:
        self._show_title()

    def watch_sort_mode(self) -> None:
        self._sorted = None
        if self.is_mounted:
            self._refresh_options()

    def watch_filter_text(self) -> None:
        if self.is_mounted:
            self._refresh_options()

    def action_cycle_sort(self) -> None:
        self.sort_mode = SORTS[(SORTS.index(self.sort_mode) + 1) % len(SORTS)]

    def action_filter(self) -> None:
        box = self.filter_box
        box.display = True
        box.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_filter":  # else esc goes on to the screen
            return self.filter_box.has_focus or bool(self.filter_text)
        return True

    def action_leave_filter(self) -> None:
        box = self.filter_box
        if not box.has_focus:  # esc in the list: clear the filter still in force
            box.value = ""
            self.filter_text = ""
        box.display = bool(box.value)
        self.options.focus()

    def select(self, article_id: str) -> None:
        """Move the cursor to ``article_id`` (clearing the filter if it hides it)."""
        if article_id not in self.shown_ids and self.filter_text:
            self.filter_box.value = ""
            self.filter_box.display = False
            self.filter_text = ""
        if article_id in self.shown_ids:
            self.options.cursor = self.shown_ids.index(article_id)

    @on(Input.Changed, "#list-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.filter_text = event.value

    @on(Input.Submitted, "#list-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.filter_box.display = bool(event.value)
        if self._shown or not event.value:
            self.options.focus()
            article_id = self.current_id
            if article_id:
                self.post_message(self.Opened(article_id))

    @on(RowList.RowChosen, "#list-options")
    def _selected(self, event: RowList.RowChosen) -> None:
        event.stop()
        if 0 <= event.index < len(self._shown):
            self.post_message(self.Opened(self._shown[event.index].id))

    @on(RowList.RowHighlighted, "#list-options")
    def _highlighted(self, event: RowList.RowHighlighted) -> None:
        event.stop()
        if 0 <= event.index < len(self._shown):
            self.post_message(self.Highlighted(self._shown[event.index].id))
