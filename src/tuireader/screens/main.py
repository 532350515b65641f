"""The main screen: library list | reader | side panel, a find bar and a status line.

The screen is the only place that knows all three panes: children post messages up, the screen
sets attributes and calls methods down.  Reads run in thread workers and report back with
``call_from_thread``; every change goes through the app's writer.  The screen holds small objects
with their own state and calls them from its ``action_*`` methods and message handlers: a
:class:`HighlightEditor` (the editing keys), :class:`ArticleHighlights` (the open article's
highlights in the three panes), :class:`ArticleOpener`, :class:`ReadingPosition` and
:class:`LibrarySide` (the article list, article tags, export).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import Resize
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Input

from tuireader.core.document import Document, Heading
from tuireader.core.model import Article, Highlight, now_iso
from tuireader.core.safety import inert
from tuireader.library.store import Opening
from tuireader.screens.article_highlights import ArticleHighlights
from tuireader.screens.dialogs import OutlineScreen
from tuireader.screens.highlight_editor import EDIT_BINDINGS, HighlightEditor
from tuireader.screens.highlights import HighlightsScreen, OpenAt
from tuireader.screens.library_side import LibrarySide
from tuireader.screens.links import LinkOpener
from tuireader.screens.opening import ArticleOpener
from tuireader.screens.panes import PaneWidths, pane_widths
from tuireader.screens.reading_position import ReadingPosition
from tuireader.screens.review import ReviewScreen
from tuireader.screens.search import SearchJump, SearchScreen
from tuireader.screens.vault_sync import VaultSync
from tuireader.widgets.article_list import ArticleList
from tuireader.widgets.key_bar import KeyBar
from tuireader.widgets.reader import ReaderView
from tuireader.widgets.side_panel import SidePanel, percent_read, reading_minutes
from tuireader.widgets.status_line import StatusLine, book_section

if TYPE_CHECKING:
    from tuireader.app import TuiReaderApp

#: The actions that need an open article.
EDITING_ACTIONS = frozenset({"highlight", "note", "tags", "delete_highlight", "kind",
                             "note_in_editor"})


class MainScreen(Screen[Any]):
    """The three-pane reading screen."""

    BINDINGS = [
        Binding("h", "highlight", "Highlight", id="annotate.highlight"),
        *EDIT_BINDINGS,
        Binding("H", "highlights_view", "All highlights", id="main.highlights"),
        Binding("R", "review", "Daily review", show=False, id="main.review"),
        Binding("T", "article_tags", "Article tags", show=False, id="main.article-tags"),
        Binding("F", "review_frequency", "Review frequency", show=False,
                id="main.review-frequency"),
        Binding("X", "export", "Export", show=False, id="main.export"),
        Binding("a", "archive", "Archive / unarchive (is:archived lists them)", show=False,
                id="main.archive"),
        Binding("V", "vault_sync", "Sync vault", show=False, id="main.vault-sync"),
        Binding("slash", "find", "Find", id="main.find"),
        Binding("S", "search", "Search library", show=False, id="main.search"),
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
        self.article: Article | None = None
        self.document: Document | None = None
        #: The panes that fit the terminal (see :mod:`tuireader.screens.panes`).
        self._panes: PaneWidths | None = None
        self.editor = HighlightEditor(self, target=lambda creating: self.shown.target(creating),
                                      changed=self.highlights_changed,
                                      redraw=lambda: self.shown.draw())
        #: The open article's highlights as the panes show them.
        self.shown = ArticleHighlights(self, pending=lambda: self.editor.pending)
        self.position = ReadingPosition(self, flushed=self._position_flushed)
        self.library = LibrarySide(self, article=lambda: self.article,
                                   open_article=self.open_article,
                                   retagged=self._article_retagged, status=self._set_status,
                                   open_on_start=open_article)
        self.opener = ArticleOpener(self, self._show_article, open_article, opening)
        self.links = LinkOpener(self)
        self.vault = VaultSync(lambda: self.tui, self._set_status, self.reload_highlights)
        self.search = SearchJump(self, found=self._set_find_status)

    @property
    def tui(self) -> TuiReaderApp:
        return cast("TuiReaderApp", self.app)

    def compose(self) -> ComposeResult:
        # The panes that fit are chosen before the first layout, so the first frame is already
        # the final one (not drawn with all three panes, then re-wrapped and drawn again).
        panes = self._panes = pane_widths(self.app.size.width)
        self.set_reactive(MainScreen.show_list, panes.show_list)
        self.set_reactive(MainScreen.show_panel, panes.show_panel)
        with Horizontal(id="panes"):
            article_list = ArticleList(id="articles")
            article_list.display = self.show_list
            article_list.styles.width = panes.list_width
            yield article_list
            yield ReaderView(id="reader")
            panel = SidePanel(id="panel")
            panel.display = self.show_panel
            panel.styles.width = panes.panel_width
            yield panel
        yield Input(placeholder="find in article (Enter: next, Esc: close)", id="find")
        yield StatusLine(id="status")
        yield KeyBar()

    @property
    def reader(self) -> ReaderView:
        return self.query_one(ReaderView)

    def on_mount(self) -> None:
        reader = self.reader
        reader.measure = self.tui.config.reading_width
        reader.smooth_scroll = self.tui.config.smooth_scroll
        self.query_one("#find", Input).display = False
        self.library.load(first=True)
        self.opener.start()  # at the same time as the library list, not after it
        self.search.keeper.start()

    # -- opening an article -------------------------------------------------------------------

    @on(ArticleList.Opened)
    def _article_chosen(self, event: ArticleList.Opened) -> None:
        if self._panes is not None and not self._panes.show_list:
            self.show_list = False  # no room for it: give the reader its width back
        self.open_article(event.article_id, focus_reader=True)

    def open_article(self, article_id: str, *, focus_reader: bool = False) -> None:
        """Load an article into the reader (off the event loop)."""
        self.position.flush()
        self._set_status("Opening…")
        self.opener.open(article_id, focus_reader=focus_reader)

    def _show_article(self, opening: Opening, focus_reader: bool) -> None:
        article, highlights = opening.article, opening.highlights
        self.article = article
        self.shown.reattach = None
        reader = self.reader
        position = article.position
        target = next((h for h in highlights if h.id == self.shown.focus_after_load), None)
        if target is not None:
            position = target.start
        position = self.search.position(article.id, position)
        cache = self.tui.store.parse_cache_path(article.id)
        reader.load_markdown(opening.markdown, position=position, cache_path=cache)
        self.shown.show(article, highlights)
        self.query_one(SidePanel).show_article(article, len(highlights))
        if focus_reader:
            reader.focus()
        self._update_status()
        article.last_opened = now_iso()
        self.query_one(ArticleList).note_opened(article.id)
        self.library.once_listed(lambda: self.position.save(article))

    @on(ReaderView.Loaded)
    def _document_ready(self, event: ReaderView.Loaded) -> None:
        document = self.reader.document
        if document is None:
            return
        self.document = document
        self.query_one(SidePanel).set_outline(list(document.headings))
        if self.shown.focus_after_load is not None:
            target = self.shown.by_id(self.shown.focus_after_load)
            self.shown.focus_after_load = None
            if target is not None:
                self._focus_highlight(target)
        self._update_status()
        self.search.loaded(self.article.id if self.article else "")

    @on(ReaderView.LoadProgress)
    def _load_progress(self, event: ReaderView.LoadProgress) -> None:
        if event.waiting:
            goal = "your place" if event.waiting == "position" else "the end"
            self._set_status(f"Loading… {event.fraction:.0%} (then to {goal}; any key: stay)")
        else:
            self._update_status()

    @on(ReaderView.PositionChanged)
    def _position_changed(self, event: ReaderView.PositionChanged) -> None:
        self._moved(event.offset, event.progress)

    def _moved(self, offset: int, progress: float) -> None:
        article = self.article
        if article is None:
            return
        # The position is the top of the view (or the focus), so it never reaches the end of
        # the text; with the last line on screen the whole article has been seen: 100 %, read.
        reader = self.reader
        at_end = not reader.still_loading and reader.scroll_y >= reader.max_scroll_y
        self.position.moved(article, offset, 1.0 if at_end else progress)
        # One number, two places: the status line and the side panel's "read".
        self._update_status()
        self.query_one(SidePanel).show_article(article, len(self.highlights))

    def save_position_now(self) -> None:
        """Save where the reader is now, at quit: its last move may not have been announced
        yet (``PositionChanged`` is throttled)."""
        reader, article = self.reader, self.article
        if article is not None and not reader.still_loading and reader.document.blocks:
            offset = reader.position
            if offset != article.position:
                self._moved(offset, min(1.0, offset / max(1, len(reader.document.plain_text))))
        self.position.flush()

    def _position_flushed(self, article: Article) -> None:
        self.query_one(ArticleList).update_article(article)

    # -- highlights of the open article -------------------------------------------------------

    @property
    def highlights(self) -> list[Highlight]:
        """The open article's highlights, as saved."""
        return self.shown.saved

    def highlights_changed(self, article_id: str, highlights: list[Highlight],
                           message: str) -> None:
        """A change to ``article_id``'s highlights was saved (the editor's ``changed``)."""
        if self.article is not None and article_id == self.article.id:
            self.shown.show(self.article, highlights, panel_later=True)
        self._set_status(f"{message} · saved ✓")

    def action_highlight(self) -> None:
        article, reader = self.article, self.reader
        if article is None or reader.document is None or not reader.document.blocks:
            self.notify("Open an article first.", markup=False)
            return
        start, end = reader.annotation_range()
        orphan = self.shown.reattach if reader.selection is not None else None
        self.shown.reattach = None
        if reader.selection is not None:
            reader.clear_selection()
        self.editor.highlight(article.id, reader.document.plain_text, start, end,
                              self.highlights, reattach=orphan)

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

    def _focus_highlight(self, h: Highlight) -> None:
        if not self.shown.focus(h):
            self._set_status("This highlight lost its place: select the text (v, then move) "
                             "and press h to re-attach it.")

    @on(SidePanel.HighlightCursor)
    def _panel_cursor(self, event: SidePanel.HighlightCursor) -> None:
        h = self.shown.by_id(event.highlight_id)
        if h is not None and h.anchor != "orphan":
            self.reader.jump_to_offset(h.start)

    @on(SidePanel.HighlightChosen)
    def _panel_chosen(self, event: SidePanel.HighlightChosen) -> None:
        h = self.shown.by_id(event.highlight_id)
        if h is not None:
            self._focus_highlight(h)

    @on(ReaderView.FocusRangeChanged)
    def _focus_range_changed(self, event: ReaderView.FocusRangeChanged) -> None:
        self.shown.sync_panel_cursor()

    def action_highlights_view(self) -> None:
        def opened(result: OpenAt | None) -> None:
            self.reload_highlights()
            if result is None:
                return
            if self.article is not None and result.article_id == self.article.id:
                target = self.shown.by_id(result.highlight_id)
                if target is not None:
                    self._focus_highlight(target)
                    return
            self.shown.focus_after_load = result.highlight_id
            self.query_one(ArticleList).select(result.article_id)
            self.open_article(result.article_id, focus_reader=True)

        self.position.flush()
        self.app.push_screen(HighlightsScreen(), opened)

    def action_review(self) -> None:
        """R: the daily review; what it changed shows here when it closes."""
        self.position.flush()
        self.app.push_screen(ReviewScreen(), lambda _result: self.reload_highlights())

    def reload_highlights(self) -> None:
        """Read the open article's highlights and the library's counts again (after edits
        made elsewhere: the highlights view, another program)."""
        if self.article is not None:
            self._reload_highlights(self.article.id)
        self.library.load()

    @work(thread=True, group="reload-highlights", exit_on_error=False)
    def _reload_highlights(self, article_id: str) -> None:
        highlights = self.tui.store.highlights(article_id)
        self.app.call_from_thread(self._reloaded, article_id, highlights)

    def _reloaded(self, article_id: str, highlights: list[Highlight]) -> None:
        if self.article is not None and self.article.id == article_id:
            self.shown.show(self.article, highlights)

    # -- article tags, export -----------------------------------------------------------------

    def action_article_tags(self) -> None:
        self.library.edit_tags()

    def _article_retagged(self, article: Article) -> None:
        if self.article is not None and self.article.id == article.id:
            self.query_one(SidePanel).show_article(article, len(self.highlights))

    def action_review_frequency(self) -> None:
        self.library.review_frequency()

    def action_export(self) -> None:
        self.library.export()

    def action_archive(self) -> None:
        self.library.toggle_archived()

    def action_vault_sync(self) -> None:
        self.vault.start()

    # -- find ---------------------------------------------------------------------------------

    def action_search(self) -> None:
        """S: search the whole library; the hit chosen opens here (see :class:`SearchJump`)."""
        self.position.flush()
        self.app.push_screen(SearchScreen(), self.search.chosen)

    def action_find(self) -> None:
        find = self.query_one("#find", Input)
        find.display = True
        find.focus()

    @on(Input.Changed, "#find")
    def _find_changed(self, event: Input.Changed) -> None:
        count = self.reader.find(event.value)
        self._set_find_status(count)

    @on(Input.Submitted, "#find")
    def _find_submitted(self, event: Input.Submitted) -> None:
        self.action_find_next()

    def action_find_next(self) -> None:
        self.reader.find_next()
        self._set_find_status(self.reader.match_count)

    def action_find_previous(self) -> None:
        self.reader.find_previous()
        self._set_find_status(self.reader.match_count)

    def _set_find_status(self, count: int) -> None:
        reader, query = self.reader, self.query_one("#find", Input).value
        loading = " (still loading…)" if reader.still_loading else ""
        if not query:
            self._update_status()
        elif count:
            self._set_status(f"{reader.match_index + 1}/{count} matches for “{inert(query)}”"
                             + loading)
        else:
            self._set_status(f"No match for “{inert(query)}”" + loading)

    def action_escape(self) -> None:
        find = self.query_one("#find", Input)
        if find.display:
            find.display = False
            self.reader.find("")
            self.reader.focus()
            self._update_status()

    # -- outline and links --------------------------------------------------------------------

    def action_outline(self) -> None:
        headings: list[Heading] = list(self.document.headings) if self.document else []
        if not headings:
            self.notify("This article has no headings.", markup=False)
            return
        reader = self.reader

        def jump(offset: int | None) -> None:
            if offset is not None:
                reader.jump_to_offset(offset)
                reader.focus()

        self.app.push_screen(OutlineScreen(headings, reader.position), jump)

    @on(SidePanel.HeadingChosen)
    def _heading_chosen(self, event: SidePanel.HeadingChosen) -> None:
        reader = self.reader
        reader.jump_to_offset(event.offset)
        reader.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in EDITING_ACTIONS:
            return self.article is not None
        if action == "links":
            return isinstance(self.focused, ReaderView)
        if action in {"find_next", "find_previous"}:
            return bool(self.reader.match_count)
        if action == "outline":
            return self.document is not None
        return True

    def action_links(self) -> None:
        self.links.open_focused()

    # -- layout -------------------------------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        panes, before = pane_widths(event.size.width), self._panes
        self._panes = panes
        self.query_one(ArticleList).styles.width = panes.list_width
        self.query_one(SidePanel).styles.width = panes.panel_width
        if before is None or (panes.show_list, panes.show_panel) != (before.show_list,
                                                                    before.show_panel):
            self.show_list, self.show_panel = panes.show_list, panes.show_panel

    def watch_show_list(self, show: bool) -> None:
        self.query_one(ArticleList).display = show

    def watch_show_panel(self, show: bool) -> None:
        self.query_one(SidePanel).display = show

    def action_toggle_list(self) -> None:
        self.show_list = not self.show_list
        if self.show_list:
            self.query_one(ArticleList).options.focus()
        else:
            self.reader.focus()

    def action_toggle_panel(self) -> None:
        self.show_panel = not self.show_panel

    def action_wider(self) -> None:
        self._change_measure(+4)

    def action_narrower(self) -> None:
        self._change_measure(-4)

    def _change_measure(self, delta: int) -> None:
        reader = self.reader
        reader.measure = max(30, min(200, reader.measure + delta))
        self._set_status(f"Reading width {reader.measure} columns")

    # -- status -------------------------------------------------------------------------------

    def _update_status(self) -> None:
        article = self.article
        if article is None:
            return
        left = reading_minutes(round(article.word_count * (1 - article.progress)))
        parts = [inert(article.title)[:60],
                 *book_section(article, self.document, self.reader.position),
                 percent_read(article),
                 "read" if article.progress >= 1.0 else f"{left} min left"]
        if self.tui.store.read_only:
            parts.append("read-only")
        self._set_status(" · ".join(parts))

    def _set_status(self, text: str) -> None:
        self.query_one(StatusLine).text = text
