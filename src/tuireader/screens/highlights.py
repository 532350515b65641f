"""The highlights view (``H``): every highlight in the library, filtered as you type.

Filter terms: plain words (quote, note, tags, article title), ``#tag``, ``c:green`` or ``c:2``,
``a:title-word``, ``is:orphan``.  ``s`` switches between newest first and by article.  Enter opens
the article at the highlight; the editing keys (n, t, x, 1-5, u, E) work on the current row.

When the search index is up to date with the library (``store.fulltext.ready()``), the rows
and every filter come from it (:mod:`tuireader.library.fulltext.highlights`): no highlights
file is read to open the view or to filter it, each keystroke's query runs in a worker (the
one still running is interrupted, an older answer dropped), and the rows on screen are read a
page at a time, each checked against the library.  Otherwise, or as soon as a page turns out
stale, the view reads the library as it always did (:class:`RowSet`, filtered in memory).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Static

from tuireader.core.model import Highlight
from tuireader.library.fulltext.highlights import (
    PAGE,
    Found,
    HighlightSource,
    IndexedRows,
    StaleIndex,
)
from tuireader.library.search import RowSet, extends, filter_rows
from tuireader.screens.highlight_editor import EDIT_BINDINGS, HighlightEditor, Target
from tuireader.widgets.highlight_table import HighlightTable
from tuireader.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from tuireader.app import TuiReaderApp

ORDERS = ("newest", "article")
#: From the index, the first rows of a filter are shown at once (then all of them).
FIRST = 200
#: Articles behind in the index that the view brings up to date itself before using it.
CATCH_UP_HERE = 50


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
        self._rows: RowSet | IndexedRows = RowSet([], [], [])
        #: The last filter and its matches: typing on only searches those again.
        self._last_query = ""
        self._last_matches: list[int] = []
        #: False once the index was found stale here: the library is read instead.
        self._use_index = True
        #: Counts the index queries asked for: an answer to an older one is dropped.
        self._generation = 0
        #: The matches shown are the first of more (an index query still running).
        self._partial = False
        #: The index was found behind: brought up to date once the library is read.
        self._catch_up = False
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
        if self._use_index and store.fulltext.ready():
            source = HighlightSource(store.fulltext)
            try:
                rows = IndexedRows(source, titles, source.total(), self._index_stale)
            except (StaleIndex, sqlite3.Error):
                pass  # read the library instead, below
            else:
                self.app.call_from_thread(self._loaded_index, titles, rows)
                # Then, as the library path rechecks its files: is the index still up to
                # date (another program may have changed a highlights file)?  A few articles
                # behind are caught up and asked again; many, and the library is read.
                behind = store.fulltext.stale()
                if not behind:
                    return
                if len(behind) <= CATCH_UP_HERE:
                    store.fulltext.catch_up(behind)
                    if store.fulltext.ready():
                        self.app.call_from_thread(self._load)
                        return
                self.app.call_from_thread(self._index_stale)
                return
        # The shards as the store last read them first (no look at 2,000 files while the
        # screen is being drawn); if another program changed one since, a moment later again.
        for recheck in (False, True):
            if recheck and not store.recheck_shards():
                break
            library = self._ordered(RowSet.from_index(store.highlight_index(recheck=False),
                                                      titles))
            library.prepare()  # every filter's column is ready before the first keystroke
            query = self._last_query
            matches = filter_rows(library, query) if query else None
            self.app.call_from_thread(self._loaded, titles, library, matches)
        if self._catch_up:
            # The index found behind here is brought up to date now, after the files were
            # looked at (not beside it: a shard it reads would look unchanged to the recheck).
            self._catch_up = False
            store.fulltext.catch_up()

    def _loaded(self, titles: dict[str, str], rows: RowSet, matches: list[int] | None) -> None:
        self._titles = titles
        self._partial = False
        self._show_rows(rows, matches)

    def _loaded_index(self, titles: dict[str, str], rows: IndexedRows) -> None:
        self._titles, self._rows = titles, rows
        self._find(self.query_one("#hv-filter", Input).value)

    def _find(self, query: str) -> None:
        """Ask the index for ``query``'s rows (in a worker; the query running is stopped)."""
        self._generation += 1
        self.tui.store.fulltext.interrupt()
        self._find_rows(query, self.order, self._generation)

    @work(thread=True, exclusive=True, group="highlights-find", exit_on_error=False)
    def _find_rows(self, query: str, order: str, generation: int) -> None:
        rows = self._rows
        if not isinstance(rows, IndexedRows):
            return
        for limit in (FIRST, None):
            while True:
                try:
                    found = rows.source.find(query, order, limit)
                    rows.load(found.ids[:PAGE])
                    break
                except sqlite3.OperationalError as exc:
                    if "interrupt" not in str(exc):
                        self.app.call_from_thread(self._index_stale)
                        return
                    if generation != self._generation:
                        return  # stopped for a newer query: that one answers
                except (StaleIndex, sqlite3.Error):
                    self.app.call_from_thread(self._index_stale)
                    return
            if generation != self._generation:
                return
            self.app.call_from_thread(self._found, generation, query, found)
            if found.complete:
                return

    def _found(self, generation: int, query: str, found: Found) -> None:
        if generation != self._generation or not isinstance(self._rows, IndexedRows):
            return  # an older query's answer
        self._last_query, self._last_matches = query, found.ids
        self._partial = not found.complete
        if self.table.rows is not self._rows:
            self.table.set_rows(self._rows, found.ids)
        else:
            self.table.show(found.ids)
        self._update_title()

    def _index_stale(self) -> None:
        """A page of the index was not what the library holds: read the library instead (and
        bring the index up to date in the background)."""
        if not self._use_index:
            return
        self._use_index = False
        self._generation += 1
        self.tui.store.fulltext.mark_stale()
        self._catch_up = True
        self.query_one("#hv-status", Static).update(
            Content("The search index is behind the library: reading the library…"))
        self._load()

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
        more = "+" if self._partial else ""
        count = f"{shown}{more}/{total}" if shown != total else str(total)
        order = "newest first" if self.order == "newest" else "by article"
        self.query_one("#hv-title", Static).update(Content(f"Highlights · {count} · {order}"))

    @on(Input.Changed, "#hv-filter")
    def _filter(self, event: Input.Changed) -> None:
        query = event.value
        if isinstance(self._rows, IndexedRows):
            self._find(query)
            return
        rows = self._rows
        within = self._last_matches if extends(self._last_query, query) else None
        self._last_query, self._last_matches = query, filter_rows(rows, query, within)
        self.table.show(self._last_matches)
        self._update_title()

    @on(Input.Submitted, "#hv-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self.table.focus()

    def action_filter(self) -> None:
        self.query_one("#hv-filter", Input).focus()

    def action_cycle_order(self) -> None:
        self.order = ORDERS[(ORDERS.index(self.order) + 1) % len(ORDERS)]
        if isinstance(self._rows, IndexedRows):
            self._find(self.query_one("#hv-filter", Input).value)
        else:
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
        if isinstance(self._rows, IndexedRows):
            # The store's hook has updated the index: its rows are read again (or the
            # library's, if that update failed).  Until then the rows shown are the old
            # ones: a row of theirs no longer in the index is no sign of a stale index.
            self._rows.on_stale = lambda: None
            self._load()
        else:
            self._show_rows(self._ordered(self._rows.with_article(article_id, highlights,
                                                                  title)))
        self.query_one("#hv-status", Static).update(Content(f"{message} · saved ✓"))
