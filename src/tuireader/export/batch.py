"""Exporting from a library: the two front doors, one document or one file per article.

Each is a few lines over the pieces that do the work: :mod:`~tuireader.export.selection`
chooses the articles and highlights, a :class:`~tuireader.export.formats.Renderer` renders
them, a :class:`~tuireader.export.folder.FolderWriter` writes the files (stable names, unchanged
files left alone, atomic writes), and :mod:`~tuireader.export.parallel` splits a library-wide
export over two processes.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from tuireader.export import parallel
from tuireader.export.folder import DURABLE_MAX_FILES, FolderReport, FolderWriter
from tuireader.export.formats import ExportError, Recipe, Renderer, needs_text
from tuireader.export.selection import Filter, missing_text, ordered_articles, select

if TYPE_CHECKING:
    from tuireader.library.store import Store


def export_combined(
    store: Store,
    article_ids: Iterable[str] | None = None,
    fmt: str = "markdown",
    template: str | None = None,
    exported: str | _dt.datetime | None = None,
    *,
    tag: str | None = None,
    since: str | None = None,
    template_name: str = "template",
    skipped: list[str] | None = None,
) -> str:
    """Everything selected as one document (what ``tuireader export`` prints on stdout).

    An article whose text is missing from the library is left out of a text-based format and
    named in ``skipped`` (without that list, :class:`ExportError` is raised instead)."""
    recipe = Recipe.of(fmt, template, exported, template_name)
    need_text = needs_text(recipe.fmt)
    if need_text:
        named = bool(list(article_ids or ()))
        lost = missing_text(store, article_ids, Filter.of(tag, since, named))
        if lost and skipped is None:
            raise ExportError(lost[0])
        if skipped is not None:
            skipped += lost
    chosen = select(store, article_ids, tag=tag, since=since, need_text=need_text)
    return Renderer(recipe).combined(store, chosen)


def export_to_folder(
    store: Store,
    article_ids: Iterable[str] | None,
    folder: str | Path,
    fmt: str = "markdown",
    template: str | None = None,
    exported: str | _dt.datetime | None = None,
    *,
    tag: str | None = None,
    since: str | None = None,
    template_name: str = "template",
    report: FolderReport | None = None,
    workers: int = 1,
) -> list[Path]:
    """One file per selected article in ``folder``; returns every target path (sorted).

    ``article_ids`` None or empty: every article with selected highlights.  Pass a
    :class:`FolderReport` as ``report`` to learn which files were written or unchanged, and
    which articles failed; without one, a failed article raises :class:`ExportError` once the
    others are written.

    ``workers`` > 1 (the command line): an export of
    :data:`~tuireader.export.parallel.PARALLEL_MIN_ARTICLES` or more is rendered by this
    process and a second one (see :mod:`~tuireader.export.parallel`); the output is the same.
    The App keeps the default: it exports a few articles, from a thread.
    """
    recipe = Recipe.of(fmt, template, exported, template_name)
    renderer = Renderer(recipe)  # a broken template fails here, before anything is written
    article_ids = list(article_ids or ())
    need_text = needs_text(recipe.fmt)
    articles, named = ordered_articles(store, article_ids, need_text=need_text)
    job = parallel.Job(recipe, Filter.of(tag, since, named))
    lost = missing_text(store, article_ids, job.filter) if need_text else []
    if workers > 1 and len(articles) >= parallel.PARALLEL_MIN_ARTICLES:
        writer = FolderWriter(Path(folder))
        result = parallel.export_in_parallel(store, article_ids, articles, job, renderer,
                                             writer)
    else:
        outputs = job.outputs(store, articles, renderer)
        writer = FolderWriter(Path(folder))
        writer.write(outputs, durable=len(outputs) <= DURABLE_MAX_FILES)
        result = writer.finish()
    result.failed[:0] = lost  # one damaged article never stops the others: it is reported
    if report is None and result.failed:  # the caller cannot see them: say so (the others
        raise ExportError(  # are written, the manifest too)
            f"{len(result.failed)} article(s) not exported ({result.failed[0]}); "
            f"{len(result.paths)} exported")
    if report is not None:
        report.written += result.written
        report.unchanged += result.unchanged
        report.failed += result.failed
        report.stale_removed += result.stale_removed
    return result.paths
