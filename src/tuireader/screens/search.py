"""The library search (``S``): results as you type, grouped by article; enter opens the hit.

Three objects live here:

- :class:`SearchScreen`: the query box and the :class:`~tuireader.widgets.search_results.
  SearchResults`.  Every keystroke starts a search in a thread worker (the running one is
  interrupted, and a result that comes back for an older query is dropped): typing never waits
  for a query.  Enter (or a click) closes it with a :class:`SearchChoice`.
- :class:`SearchJump`, held by the main screen: opens the chosen article at the hit, and marks
  the query's words in it with the reader's find (so ``>`` / ``<`` go to the next / previous
  one), the hit's words focused.
- :class:`IndexKeeper`, also held by the main screen: at start, brings the search index up to
  date with the library in the background (articles changed by another program, or while a
  crash kept the index from being told), the status line saying so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from tuireader.library.fulltext import Hit, Results
from tuireader.widgets.key_bar import KeyBar
from tuireader.widgets.search_results import SearchResults
from tuireader.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from tuireader.app import TuiReaderApp
    from tuireader.widgets.reader import ReaderView
    from tuireader.widgets.reader.finder import Spans

#: Hits asked for per query (the screen groups them by article; a second screenful and more
#: is enough to choose from, and listing each costs time at every keystroke).
LIMIT = 50

#: A catch-up of more articles than this says so on the status line (fewer take a moment).
QUIET_CATCH_UP = 20

PLACEHOLDER = ('search the library: words, "a phrase", word*, -word, OR, in:notes, #tag, a:title, '
               "is:archived")


@dataclass
class SearchChoice:
    """What the search screen was closed with: this hit, and how to find the query's words."""

    hit: Hit
    query: str
    spans: Spans | None


class SearchScreen(Screen[SearchChoice | None]):
    """Search the whole library as you type."""

    BINDINGS = [
        Binding("escape", "close", "Back", id="search.close"),
        Binding("down,tab", "to_results", "To results", show=False, id="search.to-results"),
        Binding("slash", "to_query", "Edit query", id="search.query"),
    ]

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self._initial = query
        self._generation = 0
        self._results: Results | None = None

    @property
    def tui(self) -> TuiReaderApp:
        return cast("TuiReaderApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(Content("Search the library"), id="search-title", classes="pane-title")
        yield Input(value=self._initial, placeholder=PLACEHOLDER, id="search-query")
        yield SearchResults(id="search-results")
        yield Static(Content("Type to search."), id="search-status")
        yield KeyBar()

    @property
    def results(self) -> SearchResults:
        return self.query_one(SearchResults)

    def on_mount(self) -> None:
        self.query_one("#search-query", Input).focus()
        if self._initial:
            self._search(self._initial)

    @on(Input.Changed, "#search-query")
    def _changed(self, event: Input.Changed) -> None:
        self._search(event.value)

    def _search(self, query: str) -> None:
        self._generation += 1
        if not query.strip():
            self._show(self._generation, Results(query, []))
            return
        self.tui.store.fulltext.interrupt()  # the query still running is for older text
        self._run(query, self._generation)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _run(self, query: str, generation: int) -> None:
        fulltext = self.tui.store.fulltext
        worker = get_current_worker()
        for _attempt in range(3):
            results = fulltext.search(query, limit=LIMIT)
            if results.message != "search interrupted" or generation != self._generation:
                break  # interrupted by the next keystroke's search: that one shows
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show, generation, results)

    def _show(self, generation: int, results: Results) -> None:
        if generation != self._generation:
            return  # an older query's results, come late
        self._results = results
        self.results.show(results.hits)
        self.query_one("#search-status", Static).update(Content(self._status(results)))

    def _status(self, results: Results) -> str:
        if results.message:
            return results.message
        if not results.query.strip():
            return "Type to search."
        hits = results.hits
        if not hits:
            text = "No hits."
        else:
            articles = len({h.article_id for h in hits})
            more = "+" if len(hits) >= LIMIT else ""
            text = (f"{len(hits)}{more} hit{'s' if len(hits) != 1 else ''} in {articles} "
                    f"article{'s' if articles != 1 else ''} · enter opens, ↓ to the list")
        if self.tui.store.fulltext.catching_up:
            text += " · the search index is being updated: some may be missing"
        return text

    @on(Input.Submitted, "#search-query")
    def _submitted(self, event: Input.Submitted) -> None:
        hit = self.results.current
        if hit is not None:
            self._choose(hit)

    @on(SearchResults.Chosen)
    def _chosen(self, event: SearchResults.Chosen) -> None:
        self._choose(event.hit)

    def _choose(self, hit: Hit) -> None:
        results = self._results
        matcher = results.matcher() if results is not None else None
        spans = matcher.spans if matcher else None
        self.dismiss(SearchChoice(hit, results.query if results else "", spans))

    def action_to_results(self) -> None:
        if self.results.option_count:
            self.results.focus()

    def action_to_query(self) -> None:
        self.query_one("#search-query", Input).focus()

    def action_close(self) -> None:
        self.dismiss(None)


class SearchJump:
    """The main screen's side of a search: open the chosen article at the hit, marked.

    ``screen``: the main screen (its ``article``, ``reader`` and ``open_article``);
    ``found``: shows the find status for a count (the main screen's find line).
    """

    def __init__(self, screen: Any, found: Callable[[int], None]) -> None:
        self._screen = screen
        self._found = found
        self._pending: SearchChoice | None = None
        self.keeper = IndexKeeper(screen)

    def chosen(self, choice: SearchChoice | None) -> None:
        """The search screen closed (None: with nothing chosen)."""
        if choice is None:
            return
        screen = self._screen
        self._pending = choice
        article = screen.article
        if article is not None and article.id == choice.hit.article_id:
            self.loaded(article.id)
            screen.reader.focus()
            return
        screen.open_article(choice.hit.article_id, focus_reader=True)

    def position(self, article_id: str, default: int) -> int:
        """Where to open ``article_id``: at the hit when it is the one chosen."""
        pending = self._pending
        return pending.hit.start if pending and pending.hit.article_id == article_id else default

    def loaded(self, article_id: str) -> None:
        """The article is in the reader: mark the query's words, go to the hit's."""
        choice = self._pending
        if choice is None or choice.hit.article_id != article_id:
            return
        self._pending = None
        screen, hit = self._screen, choice.hit
        reader: ReaderView = screen.reader
        find = screen.query_one("#find", Input)
        with find.prevent(Input.Changed):
            find.value = choice.query  # the find line names it; `/` starts from it
        count = reader.find(choice.query, choice.spans) if choice.spans else 0
        starts = [start for start, _end in reader.matches]
        target = next((i for i, s in enumerate(starts) if s >= hit.start), None)
        if count and target is not None and hit.where == "text":
            for _step in range((target - reader.match_index) % count):
                reader.find_next()
        else:
            reader.focus_range_at(hit.start, max(hit.end, hit.start + 1))
        self._found(count)


class IndexKeeper:
    """Brings the search index up to date in the background (see the module's doc)."""

    def __init__(self, screen: Any) -> None:
        self._screen = screen

    def start(self) -> None:
        self._screen.run_worker(self._catch_up, thread=True, group="search-index",
                                exit_on_error=False)

    def _catch_up(self) -> None:
        screen = self._screen
        app = screen.app
        fulltext = app.store.fulltext
        worker = get_current_worker()
        stale = fulltext.stale()
        if not stale:
            return
        loud = len(stale) > QUIET_CATCH_UP
        last = 0.0

        def progress(done: int, total: int) -> None:
            nonlocal last
            if loud and time.monotonic() - last > 0.5:
                last = time.monotonic()
                app.call_from_thread(self._say, f"search index: updating {done:,}/{total:,}")

        if loud:
            app.call_from_thread(self._say, f"search index: updating {len(stale):,} articles")
        try:
            fulltext.catch_up(stale, progress=progress, stop=lambda: worker.is_cancelled)
            if loud:
                fulltext.tidy(stop=lambda: worker.is_cancelled)
        finally:
            if loud and not worker.is_cancelled:
                app.call_from_thread(self._say, "")

    def _say(self, note: str) -> None:
        self._screen.query_one(StatusLine).note = note
