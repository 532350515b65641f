"""The highlights view (``H``): every highlight in the library, filtered as you type.

Filter terms: plain words (quote, note, tags, article title), ``#tag``, ``c:green`` or ``c:2``,
``a:title-word``, ``is:orphan``.  ``s`` switches between newest first and by article.  Enter opens
the article at the highlight; the editing keys (n, t, x, 1-5, u, E) work on the current row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Static

from tuireader.core.model import Highlight
from tuireader.library.search import RowSet, extends, filter_rows
from tuireader.screens.highlight_editor import EDIT_BINDINGS, HighlightEditor, Target
from tuireader.widgets.highlight_table import HighlightTable
from tuireader.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from tuireader.app import TuiReaderApp

ORDERS = ("newest", "article")


@dataclass
class OpenAt:
    """What the highlights view was closed with: open this article at this highlight."""

    article_id: str
    highlight_id: str


class HighlightsScreen(Screen[OpenAt | None]):
    """All highlights, newest first or by article, with instant filtering."""

    BINDINGS = [
        Binding("escape", "close", "Back", id="highlights.close"),
        Binding("slash", "filter", "Filter", id="highlights.filter"),
        Binding("s", "cycle_order", "Order", id="highlights.order"),
        *EDIT_BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.order = "newest"
        self._titles: dict[str, str] = {}
        self._rows = RowSet([], [], [])
        #: The last filter and its matches: typing on only searches those again.
        self._last_query = ""
        self._last_matches: list[int] = []
        self.editor = HighlightEditor(self, target=self._edit_target,
                                      changed=self.highlights_changed)

    @property
    def tui(self) -> TuiReaderApp:
        return cast("TuiReaderApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(Content("Highlights · loading…"), id="hv-title", classes="pane-title")
        yield Input(placeholder="filter: words, #tag, c:green, a:title, is:orphan", id="hv-filter")
        yield HighlightTable(id="hv-table")
        yield Static(Content(""), id="hv-status")
        yield KeyBar()

    @property
    def table(self) -> HighlightTable:
        return self.query_one(HighlightTable)

    def on_mount(self) -> None:
        self.table.focus()
        self._load()

    @work(thread=True, exclusive=True, group="highlights-view", exit_on_error=False)
    def _load(self) -> None:
        store = self.tui.store
        titles = store.titles()
        # The shards as the store last read them first (no look at 2,000 files while the
        # screen is being drawn); if another program changed one since, a moment later again.
        for recheck in (False, True):
            if recheck and not store.recheck_shards():
                return
            rows = self._ordered(RowSet.from_index(store.highlight_index(recheck=False), titles))
            rows.prepare()  # every filter's column is ready before the first keystroke
            query = self._last_query
            matches = filter_rows(rows, query) if query else None
            self.app.call_from_thread(self._loaded, titles, rows, matches)

    def _loaded(self, titles: dict[str, str], rows: RowSet, matches: list[int] | None) -> None:
        self._titles = titles
        self._show_rows(rows, matches)

    def _ordered(self, rows: RowSet) -> RowSet:
        return rows.newest_first() if self.order == "newest" else rows.by_article()

    def _show_rows(self, rows: RowSet, matches: list[int] | None = None) -> None:
        """Show ``rows`` filtered by the current query (``matches``, if already known)."""
        self._rows = rows
        query = self.query_one("#hv-filter", Input).value
        if matches is None or query != self._last_query:
            matches = filter_rows(rows, query) if query else list(range(len(rows)))
        self._last_query, self._last_matches = query, matches
        self.table.set_rows(rows, matches)
        self._update_title()

    def _update_title(self) -> None:
        shown, total = len(self.table.shown), len(self._rows)
        count = f"{shown}/{total}" if shown != total else str(total)
        order = "newest first" if self.order == "newest" else "by article"
        self.query_one("#hv-title", Static).update(Content(f"Highlights · {count} · {order}"))

    @on(Input.Changed, "#hv-filter")
    def _filter(self, event: Input.Changed) -> None:
        query = event.value
        within = self._last_matches if extends(self._last_query, query) else None
        self._last_query, self._last_matches = query, filter_rows(self._rows, query, within)
        self.table.show(self._last_matches)
        self._update_title()

    @on(Input.Submitted, "#hv-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self.table.focus()

    def action_filter(self) -> None:
        self.query_one("#hv-filter", Input).focus()

    def action_cycle_order(self) -> None:
        self.order = ORDERS[(ORDERS.index(self.order) + 1) % len(ORDERS)]
        self._show_rows(self._ordered(self._rows))

    def action_close(self) -> None:
        if self.focused is self.query_one("#hv-filter", Input):
            self.table.focus()
            return
        self.dismiss(None)

    @on(HighlightTable.Chosen)
    def _chosen(self, event: HighlightTable.Chosen) -> None:
        self.dismiss(OpenAt(event.highlight.article_id, event.highlight.id))

    # -- editing -------------------------------------------------------------------------------

    def action_kind(self, kind: int) -> None:
        self.editor.set_kind(kind)

    def action_delete_highlight(self) -> None:
        self.editor.delete()

    def action_undo(self) -> None:
        self.editor.undo()

    def action_note(self) -> None:
        self.editor.note()

    def action_tags(self) -> None:
        self.editor.tags()

    def action_note_in_editor(self) -> None:
        self.editor.note_in_editor()

    def _edit_target(self, creating: bool) -> Target | None:
        """The table's current row (a key here never creates a highlight)."""
        current = self.table.current
        if current is None:
            self.notify("No highlight selected.", markup=False)
            return None
        store = self.tui.store
        wanted = current.id

        def locate() -> Highlight | None:
            return next((h for h in store.highlights(current.article_id) if h.id == wanted), None)

        return Target(current.article_id, locate)

    def highlights_changed(self, article_id: str, highlights: list[Highlight],
                           message: str) -> None:
        """A change to ``article_id``'s highlights was saved: recompute that article's rows."""
        title = self._titles.get(article_id, "")
        self._show_rows(self._ordered(self._rows.with_article(article_id, highlights, title)))
        self.query_one("#hv-status", Static).update(Content(f"{message} · saved ✓"))
