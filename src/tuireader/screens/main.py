"""The main screen: library list | reader | side panel, a find bar and a status line.

The screen is the only place that knows all three panes: children post messages up, the screen
sets attributes and calls methods down.  Every store access runs in a thread worker and reports
back with ``call_from_thread``, so the event loop never waits for the disk.
"""

from __future__ import annotations

import webbrowser
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import Resize
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Input

from tuireader.core.document import Document, Heading
from tuireader.core.model import Article, Highlight, now_iso
from tuireader.core.safety import inert
from tuireader.library.durable import StorageError
from tuireader.library.store import Opening
from tuireader.screens._editing import EDIT_BINDINGS
from tuireader.screens._main_annotate import AnnotatingScreen
from tuireader.screens.dialogs import ChoiceScreen, ConfirmScreen, OutlineScreen
from tuireader.widgets.article_list import ArticleList
from tuireader.widgets.key_bar import KeyBar
from tuireader.widgets.reader import ReaderView
from tuireader.widgets.side_panel import SidePanel, reading_minutes
from tuireader.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from tuireader.app import TuiReaderApp

#: Below this terminal width both side panes start hidden so the text keeps a readable measure.
NARROW_WIDTH = 100
#: Below this width only the library pane starts shown (the side panel is one key away: I).
MEDIUM_WIDTH = 140
#: Reading position is saved this long after the reader stops moving.
POSITION_SAVE_DELAY = 0.6


def _band(width: int) -> int:
    """Which panes fit ``width`` columns: 0 the reader alone, 1 with the library, 2 all three."""
    return 0 if width < NARROW_WIDTH else 1 if width < MEDIUM_WIDTH else 2


class MainScreen(AnnotatingScreen):
    """The three-pane reading screen."""

    BINDINGS = [
        Binding("h", "highlight", "Highlight", id="annotate.highlight"),
        *EDIT_BINDINGS,
        Binding("H", "highlights_view", "All highlights", id="main.highlights"),
        Binding("T", "article_tags", "Article tags", show=False, id="main.article-tags"),
        Binding("X", "export", "Export", show=False, id="main.export"),
        Binding("slash", "find", "Find", id="main.find"),
        Binding("greater_than_sign,f3", "find_next", "Next match", id="main.find-next"),
        Binding("less_than_sign,shift+f3", "find_previous", "Prev match", show=False,
                id="main.find-previous"),
        Binding("o", "outline", "Outline", id="main.outline"),
        Binding("enter", "links", "Links", show=False, id="main.links"),
        Binding("L", "toggle_list", "Library pane", show=False, id="main.toggle-list"),
        Binding("I", "toggle_panel", "Side panel", show=False, id="main.toggle-panel"),
        Binding("plus", "wider", "Wider text", show=False, id="main.wider"),
        Binding("minus", "narrower", "Narrower text", show=False, id="main.narrower"),
        Binding("escape", "escape", "Close find", show=False, id="main.escape"),
    ]

    show_list: reactive[bool] = reactive(True)
    show_panel: reactive[bool] = reactive(True)

    def __init__(self, open_article: str | None = None,
                 opening: Opening | None = None) -> None:
        super().__init__()
        self._open_on_start = open_article
        #: ``open_article`` already read by the caller: shown in on_mount, on the first frame.
        self._opening = opening if opening and opening.article.id == open_article else None
        self.article: Article | None = None
        self.document: Document | None = None
        self._highlight_counts: dict[str, int] = {}
        self._pending_position: tuple[int, float] | None = None
        self._position_timer: Timer | None = None
        self._band: int | None = None
        self.highlights: list[Highlight] = []
        #: A highlight to focus once its article is shown (from the highlights view).
        self._focus_after_load: str | None = None
        #: An orphaned highlight waiting to be re-attached to the next selection.
        self._reattach: Highlight | None = None

    @property
    def tui(self) -> TuiReaderApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        # The panes that fit are chosen before the first layout, so the first frame is already
        # the final one (not drawn with all three panes, then re-wrapped and drawn again).
        band = _band(self.app.size.width)
        self._band = band
        self.set_reactive(MainScreen.show_list, band >= 1)
        self.set_reactive(MainScreen.show_panel, band >= 2)
        with Horizontal(id="panes"):
            article_list = ArticleList(id="articles")
            article_list.display = self.show_list
            yield article_list
            yield ReaderView(id="reader")
            panel = SidePanel(id="panel")
            panel.display = self.show_panel
            yield panel
        yield Input(placeholder="find in article (Enter: next, Esc: close)", id="find")
        yield StatusLine(id="status")
        yield KeyBar()

    def on_mount(self) -> None:
        reader = self.query_one(ReaderView)
        reader.measure = self.tui.config.reading_width
        reader.smooth_scroll = self.tui.config.smooth_scroll
        self.query_one("#find", Input).display = False
        self._load_library()
        if self._opening is not None:
            opening, self._opening = self._opening, None
            self._show_article(opening.article, opening.markdown, opening.highlights, True)
        elif self._open_on_start is not None:
            # Read the article at the same time as the library list, not after it.
            self.open_article(self._open_on_start, focus_reader=True)

    # -- library ------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="library", exit_on_error=False)
    def _load_library(self) -> None:
        store = self.tui.store
        articles = store.list_articles()
        counts = store.highlight_counts()
        self.app.call_from_thread(self._library_loaded, articles, counts)

    def _library_loaded(self, articles: list[Article], counts: dict[str, int]) -> None:
        self._highlight_counts = counts
        article_list = self.query_one(ArticleList)
        article_list.set_articles(articles, counts)
        target = self._open_on_start
        self._open_on_start = None
        if target is not None:  # already being opened (on_mount; the last read by default)
            article_list.select(target)
            return
        if article_list.display:
            article_list.options.focus()
        else:
            self.query_one(ReaderView).focus()
        if articles:
            first = article_list.current_id
            if first:
                self.open_article(first)
        self._set_status("Choose an article and press Enter. ? shows every key.")

    @on(ArticleList.Opened)
    def _article_chosen(self, event: ArticleList.Opened) -> None:
        if self._band == 0:
            self.show_list = False  # narrow terminal: give the reader the whole width back
        self.open_article(event.article_id, focus_reader=True)

    def open_article(self, article_id: str, *, focus_reader: bool = False) -> None:
        """Load an article into the reader (off the event loop)."""
        self._flush_position()
        self._set_status("Opening…")
        self._read_article(article_id, focus_reader)

    @work(thread=True, exclusive=True, group="open", exit_on_error=False)
    def _read_article(self, article_id: str, focus_reader: bool) -> None:
        try:
            opening = self.tui.store.read_opening(article_id)
        except (OSError, StorageError) as exc:
            self.app.call_from_thread(self._notify_error, f"Cannot open the article: {exc}")
            return
        self.app.call_from_thread(self._show_article, opening.article, opening.markdown,
                                  opening.highlights, focus_reader)

    def _show_article(self, article: Article, markdown: str, highlights: list[Highlight],
                      focus_reader: bool) -> None:
        self.article = article
        self._reattach = None
        reader = self.query_one(ReaderView)
        position = article.position
        target = next((h for h in highlights if h.id == self._focus_after_load), None)
        if target is not None:
            position = target.start
        cache = self.tui.store.parse_cache_path(article.id)
        reader.load_markdown(markdown, position=position, cache_path=cache)
        self._set_highlights(highlights)
        self.query_one(SidePanel).show_article(article, len(highlights))
        if focus_reader:
            reader.focus()
        self._update_status()
        article.last_opened = now_iso()
        self._save_article(article)

    @on(ReaderView.Loaded)
    def _document_ready(self, event: ReaderView.Loaded) -> None:
        reader = self.query_one(ReaderView)
        document = reader.document
        if document is None:
            return
        self.document = document
        self.query_one(SidePanel).set_outline(list(document.headings))
        if self._focus_after_load is not None:
            target = next((h for h in self.highlights if h.id == self._focus_after_load), None)
            self._focus_after_load = None
            if target is not None:
                self._focus_highlight(target)
        self._update_status()

    @on(ReaderView.LoadProgress)
    def _load_progress(self, event: ReaderView.LoadProgress) -> None:
        if event.waiting:
            goal = "your place" if event.waiting == "position" else "the end"
            self._set_status(f"Loading… {event.fraction:.0%} (then to {goal}; any key: stay)")
        else:
            self._update_status()

    @on(ReaderView.FindChanged)
    def _find_results(self, event: ReaderView.FindChanged) -> None:
        if event.query and self.query_one("#find", Input).display:
            self._set_find_status(event.count)

    # -- reading position ------------------------------------------------------------------

    @on(ReaderView.PositionChanged)
    def _position_changed(self, event: ReaderView.PositionChanged) -> None:
        if self.article is None:
            return
        self._pending_position = (event.offset, event.progress)
        self.article.position = event.offset
        self.article.progress = event.progress
        self._update_status()
        if self._position_timer is not None:
            self._position_timer.stop()
        self._position_timer = self.set_timer(POSITION_SAVE_DELAY, self._flush_position)

    def _flush_position(self) -> None:
        if self._position_timer is not None:
            self._position_timer.stop()
            self._position_timer = None
        if self._pending_position is None or self.article is None:
            return
        self._pending_position = None
        self._save_article(self.article)
        self.query_one(ArticleList).update_article(self.article)

    @work(thread=True, group="save", exit_on_error=False)
    def _save_article(self, article: Article) -> None:
        store = self.tui.store
        if store.read_only:
            return
        try:
            store.update_article(article)
        except StorageError as exc:
            self.app.call_from_thread(self._notify_error, str(exc))

    def save_now(self) -> None:
        """Save the reading position synchronously (used when quitting)."""
        if self._position_timer is not None:
            self._position_timer.stop()
        if self._pending_position is None or self.article is None or self.tui.store.read_only:
            return
        self._pending_position = None
        try:
            self.tui.store.update_article(self.article)
        except StorageError:
            pass  # the app is exiting; the position from the last save stays valid

    # -- find ---------------------------------------------------------------------------------

    def action_find(self) -> None:
        find = self.query_one("#find", Input)
        find.display = True
        find.focus()

    @on(Input.Changed, "#find")
    def _find_changed(self, event: Input.Changed) -> None:
        count = self.query_one(ReaderView).find(event.value)
        self._set_find_status(count)

    @on(Input.Submitted, "#find")
    def _find_submitted(self, event: Input.Submitted) -> None:
        self.action_find_next()

    def action_find_next(self) -> None:
        reader = self.query_one(ReaderView)
        reader.find_next()
        self._set_find_status(reader.match_count)

    def action_find_previous(self) -> None:
        reader = self.query_one(ReaderView)
        reader.find_previous()
        self._set_find_status(reader.match_count)

    def _set_find_status(self, count: int) -> None:
        reader = self.query_one(ReaderView)
        query = self.query_one("#find", Input).value
        if not query:
            self._update_status()
        elif count:
            self._set_status(f"{reader.match_index + 1}/{count} matches for “{inert(query)}”"
                             + (" (still loading…)" if reader.still_loading else ""))
        else:
            self._set_status(f"No match for “{inert(query)}”"
                             + (" (still loading…)" if reader.still_loading else ""))

    def action_escape(self) -> None:
        find = self.query_one("#find", Input)
        if find.display:
            find.display = False
            self.query_one(ReaderView).find("")
            self.query_one(ReaderView).focus()
            self._update_status()

    # -- outline and links --------------------------------------------------------------------

    def action_outline(self) -> None:
        headings: list[Heading] = list(self.document.headings) if self.document else []
        if not headings:
            self.notify("This article has no headings.", markup=False)
            return
        reader = self.query_one(ReaderView)

        def jump(offset: int | None) -> None:
            if offset is not None:
                reader.jump_to_offset(offset)
                reader.focus()

        self.app.push_screen(OutlineScreen(headings, reader.position), jump)

    @on(SidePanel.HeadingChosen)
    def _heading_chosen(self, event: SidePanel.HeadingChosen) -> None:
        reader = self.query_one(ReaderView)
        reader.jump_to_offset(event.offset)
        reader.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"highlight", "note", "tags", "delete_highlight", "kind",
                      "note_in_editor"}:
            return self.article is not None
        if action == "links":
            return isinstance(self.focused, ReaderView)
        if action in {"find_next", "find_previous"}:
            return bool(self.query_one(ReaderView).match_count)
        if action == "outline":
            return self.document is not None
        return True

    def action_links(self) -> None:
        links = self._links_in_focus()
        web = [(text, url) for text, url in links if url.lower().startswith(("http://", "https://"))]
        if not web:
            if links:
                self.notify("Only http and https links can be opened.", markup=False)
            return

        def confirm(url: str | None) -> None:
            if url is None:
                return

            def opened(yes: bool | None) -> None:
                if yes:
                    webbrowser.open(url)

            self.app.push_screen(ConfirmScreen("Open this link in your browser?", url), opened)

        if len(web) == 1:
            confirm(web[0][1])
        else:
            self.app.push_screen(
                ChoiceScreen("Links in this paragraph", [(f"{t} — {u}", u) for t, u in web]),
                confirm,
            )

    def _links_in_focus(self) -> list[tuple[str, str]]:
        """(text, url) of every link in the focused block."""
        reader = self.query_one(ReaderView)
        document = reader.document
        if document is None or not document.blocks:
            return []
        block = document.blocks[min(reader.focus_block, len(document.blocks) - 1)]
        return [(block.text[s.start : s.end], s.url) for s in block.spans
                if s.kind == "link" and s.url]

    # -- layout -------------------------------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        band = _band(event.size.width)
        if band != self._band:
            self._band = band
            self.show_list = band >= 1
            self.show_panel = band >= 2

    def watch_show_list(self, show: bool) -> None:
        self.query_one(ArticleList).display = show

    def watch_show_panel(self, show: bool) -> None:
        self.query_one(SidePanel).display = show

    def action_toggle_list(self) -> None:
        self.show_list = not self.show_list
        if self.show_list:
            self.query_one(ArticleList).options.focus()
        else:
            self.query_one(ReaderView).focus()

    def action_toggle_panel(self) -> None:
        self.show_panel = not self.show_panel

    def action_wider(self) -> None:
        self._change_measure(+4)

    def action_narrower(self) -> None:
        self._change_measure(-4)

    def _change_measure(self, delta: int) -> None:
        reader = self.query_one(ReaderView)
        reader.measure = max(30, min(200, reader.measure + delta))
        self._set_status(f"Reading width {reader.measure} columns")

    # -- status -------------------------------------------------------------------------------

    def _update_status(self) -> None:
        article = self.article
        if article is None:
            return
        percent = round(article.progress * 100)
        left = reading_minutes(round(article.word_count * (1 - article.progress)))
        parts = [inert(article.title)[:60], f"{percent}%", f"{left} min left"]
        if self.tui.store.read_only:
            parts.append("read-only")
        self._set_status(" · ".join(parts))

    def _set_status(self, text: str) -> None:
        self.query_one(StatusLine).text = text
