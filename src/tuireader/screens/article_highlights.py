"""The open article's highlights as the main screen shows them.

Three panes show the same list: the reader draws it (with the highlights ``h`` drew ahead of
their save), the side panel lists it, the library list counts it; and the side panel's cursor
follows the highlight under the reading focus.  :class:`ArticleHighlights` keeps that list and
those panes in step, and answers the editor's question "which highlight is current?".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from textual.screen import Screen

from tuireader.core.model import Article, Highlight
from tuireader.library.editing import highlight_at
from tuireader.screens.highlight_editor import Target
from tuireader.widgets.article_list import ArticleList
from tuireader.widgets.reader import ReaderView
from tuireader.widgets.side_panel import SidePanel

if TYPE_CHECKING:
    from tuireader.app import TuiReaderApp


class ArticleHighlights:
    """The open article's saved highlights, shown in the reader, the side panel and the list."""

    def __init__(self, screen: Screen[Any], pending: Callable[[], list[Highlight]]) -> None:
        self._screen = screen
        #: Highlights drawn ahead of their save (the editor's).
        self._pending = pending
        self._article: Article | None = None
        #: The article's highlights as saved.
        self.saved: list[Highlight] = []
        #: An orphaned highlight waiting to be re-attached to the next selection.
        self.reattach: Highlight | None = None
        #: A highlight to focus once its article is shown (chosen in the highlights view).
        self.focus_after_load: str | None = None

    def show(self, article: Article, highlights: list[Highlight], *,
             panel_later: bool = False) -> None:
        """Show ``highlights`` of ``article`` in the reader and the side panel.

        ``panel_later``: update the panel (whose new size means a layout of the whole screen)
        only after the next frame, so the reader shows the change first.
        """
        self._article, self.saved = article, highlights
        self.draw()
        if panel_later:
            self._screen.call_after_refresh(self._update_panel, highlights)
        else:
            self._update_panel(highlights)

    def draw(self) -> None:
        """Draw the saved highlights and those whose save is still running."""
        article_id = self._article.id if self._article else None
        shown = [*self.saved, *(h for h in self._pending() if h.article_id == article_id)]
        self._screen.query_one(ReaderView).set_highlights(
            [(h.start, h.end, h.kind, h.note) for h in shown if h.anchor != "orphan"])

    def _update_panel(self, highlights: list[Highlight]) -> None:
        if highlights is not self.saved:
            return  # superseded by a newer change
        self._screen.query_one(SidePanel).set_highlights(highlights)
        if self._article is not None:
            self._screen.query_one(ArticleList).update_article(self._article, len(highlights))
        self.sync_panel_cursor()

    def by_id(self, highlight_id: str | None) -> Highlight | None:
        return next((h for h in self.saved if h.id == highlight_id), None)

    def sync_panel_cursor(self) -> None:
        """Put the side panel's cursor on the highlight under the reading focus."""
        panel = self._screen.query_one(SidePanel)
        if panel.highlight_list.has_focus:
            return
        start, end = self._screen.query_one(ReaderView).focus_range
        current = highlight_at(self.saved, start, end)
        panel.show_highlight(current.id if current else None)

    def focus(self, h: Highlight) -> bool:
        """Focus ``h`` in the reader.  False for an orphan, which has no place: it is kept to
        be re-attached by the next ``h`` over a selection."""
        reader = self._screen.query_one(ReaderView)
        if h.anchor == "orphan":
            self.reattach = h
            reader.focus()
            return False
        reader.focus_range_at(h.start, h.end)
        reader.focus()
        return True

    def target(self, creating: bool) -> Target | None:
        """The editor's target: the side panel's highlight when the panel has the focus, else
        the one under the reading focus (made from the selection or focus if ``creating``)."""
        article, reader = self._article, self._screen.query_one(ReaderView)
        if article is None or reader.document is None or not reader.document.blocks:
            self._screen.notify("Open an article first.", markup=False)
            return None
        app = cast("TuiReaderApp", self._screen.app)
        store, annotator = app.store, app.annotator
        panel = self._screen.query_one(SidePanel)
        if panel.highlight_list.has_focus and panel.current_highlight_id:
            wanted = panel.current_highlight_id

            def locate_by_id() -> Highlight | None:
                return next((h for h in store.highlights(article.id) if h.id == wanted), None)

            return Target(article.id, locate_by_id)
        start, end = reader.annotation_range()
        focus_start, focus_end = reader.focus_range
        text = reader.document.plain_text

        def locate() -> Highlight | None:
            return highlight_at(store.highlights(article.id), focus_start, focus_end)

        def create() -> Highlight:
            return annotator.add(article.id, text, start, end)[0]

        return Target(article.id, locate, create if creating else None)
