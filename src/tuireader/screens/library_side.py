"""The main screen's library side: the article list read off the event loop, and the keys that
act on the list's article or on the open one: ``T`` (article tags), ``F`` (how often it comes
back in the daily review), ``a`` (archive / unarchive) and ``X`` (export).

Kept apart from :mod:`tuireader.screens.main` (the panes and the reader) so that each file keeps to
one job.  The tag change is a job on the app's writer, like every other change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from textual.screen import Screen

from tuireader.core.model import Article
from tuireader.core.safety import inert
from tuireader.export import ExportError, export_to_folder
from tuireader.library.durable import StorageError
from tuireader.library.errors import NotFound
from tuireader.library.fulltext import listing
from tuireader.library.review import FREQUENCIES
from tuireader.screens.dialogs import ChoiceScreen, TagScreen
from tuireader.widgets.article_list import ArticleList
from tuireader.widgets.reader import ReaderView

if TYPE_CHECKING:
    from tuireader.app import TuiReaderApp
    from tuireader.library.store import Store


class LibrarySide:
    """Loads the article list and runs the article-level keys for the main screen."""

    def __init__(self, screen: Screen[Any], *, article: Callable[[], Article | None],
                 open_article: Callable[[str], None], retagged: Callable[[Article], None],
                 status: Callable[[str], None], open_on_start: str | None) -> None:
        self._screen = screen
        #: The open article (or None).
        self._article = article
        self._open_article = open_article
        #: Called once an article's new tags are saved.
        self._retagged = retagged
        self._status = status
        #: The article being opened at start: the list selects it once loaded.
        self._open_on_start = open_on_start
        #: Saves waiting for the first list (None once it is shown): see :meth:`once_listed`.
        self._waiting: list[Callable[[], None]] | None = []

    @property
    def _app(self) -> TuiReaderApp:
        return cast("TuiReaderApp", self._screen.app)

    @property
    def _list(self) -> ArticleList:
        return self._screen.query_one(ArticleList)

    # -- the list -----------------------------------------------------------------------------

    def load(self, *, first: bool = False) -> None:
        """Read the articles and their highlight counts in a thread, then list them."""
        store = self._app.store
        self._list.finder = lambda text: listing.article_ids(store.fulltext, text)

        def read() -> None:
            articles = store.list_articles()
            # A large library's counts from the search index when it is up to date (its
            # check, once, costs less than reading every highlights file); a small one's from
            # the files, at once.
            counts = (listing.highlight_counts(store.fulltext, [a.id for a in articles])
                      if len(articles) >= ArticleList.FIND_FROM else None)
            if counts is None:
                counts = store.highlight_counts()
            self._app.call_from_thread(self._loaded, articles, counts, first)

        self._screen.run_worker(read, thread=True, exclusive=True, group="library",
                                exit_on_error=False)

    def _loaded(self, articles: list[Article], counts: dict[str, int], first: bool) -> None:
        article_list, shown = self._list, self._article()
        if shown is not None:  # the list's copy may be older than the position shown
            current = next((a for a in articles if a.id == shown.id), None)
            if current is not None:
                current.position, current.progress = shown.position, shown.progress
        article_list.set_articles(articles, counts)
        if not first:
            return
        waiting, self._waiting = self._waiting or [], None
        for callback in waiting:
            callback()
        target, self._open_on_start = self._open_on_start, None
        if target is not None:  # already being opened (on_mount; the last read by default)
            article_list.select(target)
            return
        if article_list.display:
            article_list.options.focus()
        else:
            self._screen.query_one(ReaderView).focus()
        if articles and article_list.current_id:
            self._open_article(article_list.current_id)
        self._status("Choose an article and press Enter. ? shows every key.")

    def once_listed(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the first list is shown (now if it is).  The article opened
        at start saves its "last opened" this way: the list is read as it was before, so the
        article does not jump to the top of a list sorted by "recently read" as the app starts
        (and the first frames are the same whichever thread is faster)."""
        if self._waiting is None:
            callback()
        else:
            self._waiting.append(callback)

    # -- T: article tags ----------------------------------------------------------------------

    def _target(self) -> Article | None:
        """The list's article when the list has the focus, else the open one."""
        article_list, shown = self._list, self._article()
        article_id = (article_list.current_id if article_list.options.has_focus
                      else shown.id if shown else None)
        if article_id is None:
            return None
        return shown if shown and shown.id == article_id else article_list.article(article_id)

    def edit_tags(self) -> None:
        """Ask for the tags of the list's article (or the open one) and save them."""
        article_list, article = self._list, self._target()
        if article is None:
            return
        store = self._app.store

        def done(tags: list[str] | None) -> None:
            if tags is None or tags == article.tags:
                return
            if store.read_only:
                self._app.notify("The library is open read-only.", severity="warning",
                                 markup=False)
                return
            article.tags = tags
            self._app.writer.submit(lambda: _patch(store, article.id, tags=tags),
                                    then=lambda _: self._saved_tags(article))

        known = article_list.known_tags()  # in memory: no store read on the event loop
        self._app.push_screen(
            TagScreen(f"Tags of “{inert(article.title)}”", article.tags, known), done)

    def _saved_tags(self, article: Article) -> None:
        self._list.update_article(article)
        self._retagged(article)
        self._status("Article tags saved ✓")

    # -- F: how often the article comes back in the daily review -------------------------------

    def review_frequency(self) -> None:
        """Ask how often the list's article (or the open one) should come back in the daily
        review (never / less / normal / more), and save it through the writer.  Its current
        frequency is read there too (a file read: never on the event loop)."""
        article, store = self._target(), self._app.store
        if article is None:
            return
        if store.read_only:
            self._app.notify("The library is open read-only.", severity="warning", markup=False)
            return

        def ask(current: str) -> None:
            def chosen(frequency: str | None) -> None:
                if frequency is None or frequency == current:
                    return
                self._app.writer.submit(
                    lambda: store.review.set_article_frequency(article.id, frequency),
                    then=lambda _: self._status(f"Review frequency of this article: {frequency}"))

            choices = [(f"{name}{' (now)' if name == current else ''}", name)
                       for name in FREQUENCIES]
            self._app.push_screen(
                ChoiceScreen(f"How often should “{inert(article.title)}” come back in review?",
                             choices), chosen)

        self._app.writer.submit(lambda: store.review.article_frequency(article.id), then=ask)

    # -- a: archive / unarchive ---------------------------------------------------------------

    def toggle_archived(self) -> None:
        """Archive the list's article (or the open one), or bring an archived one back.  The
        default list hides archived articles; ``is:archived`` in the filter lists them."""
        article, store = self._target(), self._app.store
        if article is None:
            return
        if store.read_only:
            self._app.notify("The library is open read-only.", severity="warning", markup=False)
            return
        archived = not article.archived
        changed = dataclasses.replace(article, archived=archived)
        # The open article's own object too, at once: a reading-position save queued after
        # this one must not write the old state back.
        self._set_open_archived(article.id, archived)
        self._app.writer.submit(lambda: _patch(store, article.id, archived=archived),
                                then=lambda _: self._saved_archived(changed),
                                failed=lambda _: self._set_open_archived(article.id,
                                                                         not archived))

    def _set_open_archived(self, article_id: str, archived: bool) -> None:
        shown = self._article()
        if shown is not None and shown.id == article_id:
            shown.archived = archived

    def _saved_archived(self, article: Article) -> None:
        self._list.update_article(article)
        self._status("Archived ✓ (/ is:archived lists archived articles; a brings one back)"
                     if article.archived else "Back in the library ✓")

    # -- X: export ----------------------------------------------------------------------------

    def export(self) -> None:
        """Export the open article, or from the library list every article it shows that has
        highlights, to the export folder from the config.

        From the list, articles without highlights are skipped (and counted): a library of
        seventy saved pages would otherwise fill the notes folder with seventy notes holding no
        note at all.  The open article is exported whatever it holds: the user asked for it.
        """
        article_list, shown = self._list, self._article()
        skipped = 0
        if article_list.options.has_focus or article_list.filter_box.has_focus:
            listed = article_list.shown_ids
            ids = [i for i in listed if article_list.highlight_count(i)]
            skipped = len(listed) - len(ids)
            if listed and not ids:
                self._app.notify(f"None of the {len(listed)} listed articles has highlights: "
                                 "nothing exported (articles with no highlights are skipped).",
                                 markup=False)
                return
        else:
            ids = [shown.id] if shown else []
        if not ids:
            self._app.notify("Nothing to export.", markup=False)
            return
        folder = Path(self._app.config.export_dir).expanduser()
        self._status(f"Exporting {len(ids)} article(s)…")
        note = f" ({skipped} without highlights skipped)" if skipped else ""
        store = self._app.store

        def run() -> None:
            try:
                paths = export_to_folder(store, ids, folder, "markdown")
            except (ExportError, OSError, StorageError) as exc:
                self._app.call_from_thread(self._app.notify, inert(f"Export failed: {exc}"),
                                           severity="error", markup=False)
                return
            if len(paths) == 1:
                message = f"Exported to {paths[0]}{note}"
            else:
                message = f"Exported {len(paths)} files to {folder}{note}"
            self._app.call_from_thread(self._exported, message)

        self._screen.run_worker(run, thread=True, group="export", exit_on_error=False)

    def _exported(self, message: str) -> None:
        self._app.notify(inert(message), title="Export", markup=False)
        self._status(message)


def _patch(store: Store, article_id: str, **fields: Any) -> None:
    """Change ``fields`` of the article as the store has it now (on the writer): the list's
    copy may hold an older reading position, which must not be written back as the newest."""
    current = store.get_article(article_id)
    if current is None:
        raise NotFound(f"no article with id {article_id!r}")
    store.update_article(dataclasses.replace(current, **fields))
