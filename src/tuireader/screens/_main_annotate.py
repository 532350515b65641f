"""The main screen's annotation side: highlights of the open article, the side panel's list,
the highlights view, article tags and export.

Split from :mod:`tuireader.screens.main` (which owns the panes, loading, reading position, find
and layout) so that each file keeps to one job.  Every change runs on the app's writer thread
(see :mod:`tuireader.screens._editing`).
"""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.widgets import Input

from tuireader.core.model import Article, Highlight
from tuireader.core.safety import inert
from tuireader.library.durable import StorageError
from tuireader.library.editing import highlight_at, trim_range
from tuireader.screens._editing import HighlightEditing, Target
from tuireader.widgets.article_list import ArticleList
from tuireader.widgets.reader import ReaderView
from tuireader.widgets.side_panel import SidePanel


class AnnotatingScreen(HighlightEditing):
    """Annotation behaviour of the main screen (a base class of :class:`MainScreen`)."""

    article: Article | None
    highlights: list[Highlight]
    _highlight_counts: dict[str, int]
    _focus_after_load: str | None
    _reattach: Highlight | None

    def open_article(self, article_id: str, *, focus_reader: bool = False) -> None:
        raise NotImplementedError

    def _flush_position(self) -> None:
        raise NotImplementedError

    def _set_status(self, text: str) -> None:
        raise NotImplementedError

    def _notify_error(self, message: str) -> None:
        self.notify(inert(message), severity="error", markup=False)

    # -- highlights ---------------------------------------------------------------------------

    def _set_highlights(self, highlights: list[Highlight], *, panel_later: bool = False) -> None:
        """Show ``highlights`` in the reader and the side panel.

        ``panel_later``: update the panel (whose new size means a layout of the whole screen)
        only after the next frame, so the reader shows the change first.
        """
        self.highlights = highlights
        self.query_one(ReaderView).set_highlights(
            [(h.start, h.end, h.kind) for h in highlights if h.anchor != "orphan"]
        )
        if self.article is not None:
            self._highlight_counts[self.article.id] = len(highlights)
        if panel_later:
            self.call_after_refresh(self._update_panel, highlights)
        else:
            self._update_panel(highlights)

    def _update_panel(self, highlights: list[Highlight]) -> None:
        if highlights is not self.highlights:
            return  # superseded by a newer change
        self.query_one(SidePanel).set_highlights(highlights)
        if self.article is not None:
            self.query_one(ArticleList).update_article(self.article, len(highlights))
        self._sync_panel_cursor()

    def highlights_changed(self, article_id: str, highlights: list[Highlight],
                           message: str) -> None:
        self._highlight_counts[article_id] = len(highlights)
        if self.article is not None and article_id == self.article.id:
            self._set_highlights(highlights, panel_later=True)
        self._set_status(f"{message} · saved ✓")

    def edit_target(self, *, creating: bool) -> Target | None:
        article, reader = self.article, self.query_one(ReaderView)
        if article is None or reader.document is None or not reader.document.blocks:
            self.notify("Open an article first.", markup=False)
            return None
        store, annotator = self.tui.store, self.tui.annotator
        panel = self.query_one(SidePanel)
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

    def action_highlight(self) -> None:
        article, reader = self.article, self.query_one(ReaderView)
        if article is None or reader.document is None or not reader.document.blocks:
            self.notify("Open an article first.", markup=False)
            return
        start, end = reader.annotation_range()
        text = reader.document.plain_text
        annotator = self.tui.annotator
        orphan = self._reattach if reader.selection is not None else None
        self._reattach = None

        def job() -> str:
            if orphan is not None:
                annotator.reattach(orphan, text, start, end)
                return "Highlight re-attached"
            _h, created = annotator.add(article.id, text, start, end)
            return "Highlighted" if created else "Already highlighted"

        if reader.selection is not None:
            reader.clear_selection()
        # Draw the new highlight now, while it is being saved: the reader should not wait for
        # the disk.  If the save fails, the screen goes back to what the store holds.
        first, last = trim_range(text, start, end)
        placed = [(h.start, h.end, h.kind) for h in self.highlights if h.anchor != "orphan"]
        if orphan is None and first < last and all((a, b) != (first, last) for a, b, _ in placed):
            reader.set_highlights([*placed, (first, last, 1)])
        self.run_edit(article.id, job, on_failure=lambda: self._set_highlights(self.highlights))

    def _focus_highlight(self, h: Highlight) -> None:
        reader = self.query_one(ReaderView)
        if h.anchor == "orphan":
            self._reattach = h
            reader.focus()
            self._set_status("This highlight lost its place: select the text (v, then move) "
                             "and press h to re-attach it.")
            return
        reader.focus_range_at(h.start, h.end)
        reader.focus()

    @on(SidePanel.HighlightCursor)
    def _panel_cursor(self, event: SidePanel.HighlightCursor) -> None:
        h = next((h for h in self.highlights if h.id == event.highlight_id), None)
        if h is not None and h.anchor != "orphan":
            self.query_one(ReaderView).jump_to_offset(h.start)

    @on(SidePanel.HighlightChosen)
    def _panel_chosen(self, event: SidePanel.HighlightChosen) -> None:
        h = next((h for h in self.highlights if h.id == event.highlight_id), None)
        if h is not None:
            self._focus_highlight(h)

    @on(ReaderView.FocusRangeChanged)
    def _focus_range_changed(self, event: ReaderView.FocusRangeChanged) -> None:
        self._sync_panel_cursor()

    def _sync_panel_cursor(self) -> None:
        panel = self.query_one(SidePanel)
        if panel.highlight_list.has_focus:
            return
        start, end = self.query_one(ReaderView).focus_range
        current = highlight_at(self.highlights, start, end)
        panel.show_highlight(current.id if current else None)

    def action_highlights_view(self) -> None:
        from tuireader.screens.highlights import HighlightsScreen, OpenAt

        def opened(result: OpenAt | None) -> None:
            self._refresh_after_view()
            if result is None:
                return
            if self.article is not None and result.article_id == self.article.id:
                target = next((h for h in self.highlights if h.id == result.highlight_id), None)
                if target is not None:
                    self._focus_highlight(target)
                    return
            self._focus_after_load = result.highlight_id
            self.query_one(ArticleList).select(result.article_id)
            self.open_article(result.article_id, focus_reader=True)

        self._flush_position()
        self.app.push_screen(HighlightsScreen(), opened)

    def _refresh_after_view(self) -> None:
        """Edits made in the highlights view may touch the open article: reload its list."""
        if self.article is not None:
            self._reload_highlights(self.article.id)
        self._load_library_counts()

    @work(thread=True, group="reload-highlights", exit_on_error=False)
    def _reload_highlights(self, article_id: str) -> None:
        highlights = self.tui.store.highlights(article_id)
        self.app.call_from_thread(self._reloaded, article_id, highlights)

    def _reloaded(self, article_id: str, highlights: list[Highlight]) -> None:
        if self.article is not None and self.article.id == article_id:
            self._set_highlights(highlights)

    @work(thread=True, exclusive=True, group="library", exit_on_error=False)
    def _load_library_counts(self) -> None:
        store = self.tui.store
        articles, counts = store.list_articles(), store.highlight_counts()
        self.app.call_from_thread(self._counts_loaded, articles, counts)

    def _counts_loaded(self, articles: list[Article], counts: dict[str, int]) -> None:
        self._highlight_counts = counts
        if self.article is not None:
            current = next((a for a in articles if a.id == self.article.id), None)
            if current is not None:
                current.position, current.progress = self.article.position, self.article.progress
        self.query_one(ArticleList).set_articles(articles, counts)

    def action_article_tags(self) -> None:
        from tuireader.screens.annotate import TagScreen

        article_list = self.query_one(ArticleList)
        article_id = (article_list.current_id if article_list.options.has_focus
                      else self.article.id if self.article else None)
        if article_id is None:
            return
        store = self.tui.store
        article = self.article if self.article and self.article.id == article_id else \
            article_list.article(article_id)
        if article is None:
            return

        def done(tags: list[str] | None) -> None:
            if tags is None or tags == article.tags:
                return
            if store.read_only:
                self.notify("The library is open read-only.", severity="warning", markup=False)
                return
            article.tags = tags

            def task() -> None:
                try:
                    store.update_article(article)
                except StorageError as exc:
                    self.app.call_from_thread(self._notify_error, str(exc))
                    return
                self.app.call_from_thread(self._article_retagged, article)

            self.tui.writer.submit(task)

        known = article_list.known_tags()  # in memory: no store read on the event loop
        self.app.push_screen(TagScreen(f"Tags of “{inert(article.title)}”", article.tags, known),
                             done)

    # -- export -------------------------------------------------------------------------------

    def action_export(self) -> None:
        """Export the open article (or, from the library list, every article it shows) to the
        export folder from the config."""
        article_list = self.query_one(ArticleList)
        if article_list.options.has_focus or article_list.query_one(Input).has_focus:
            ids = article_list.shown_ids
        else:
            ids = [self.article.id] if self.article else []
        if not ids:
            self.notify("Nothing to export.", markup=False)
            return
        folder = Path(self.tui.config.export_dir).expanduser()
        self._set_status(f"Exporting {len(ids)} article(s)…")
        self._export(ids, folder)

    @work(thread=True, group="export", exit_on_error=False)
    def _export(self, ids: list[str], folder: Path) -> None:
        from tuireader.export import ExportError, export_to_folder

        try:
            paths = export_to_folder(self.tui.store, ids, folder, "markdown")
        except (ExportError, OSError, StorageError) as exc:
            self.app.call_from_thread(self._notify_error, f"Export failed: {exc}")
            return
        if len(paths) == 1:
            message = f"Exported to {paths[0]}"
        else:
            message = f"Exported {len(paths)} files to {folder}"
        self.app.call_from_thread(self._exported, message)

    def _exported(self, message: str) -> None:
        self.notify(inert(message), title="Export", markup=False)
        self._set_status(message)

    def _article_retagged(self, article: Article) -> None:
        self.query_one(ArticleList).update_article(article)
        if self.article is not None and self.article.id == article.id:
            self.query_one(SidePanel).show_article(article, len(self.highlights))
        self._set_status("Article tags saved ✓")
