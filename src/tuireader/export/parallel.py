"""A library-wide folder export in two processes (``tuireader export -o DIR`` with two CPUs).

This process renders and writes the first half of the articles while a second process
(started with "spawn"; it reads the library read-only) renders the second half and writes it to
temporary files in the folder; this process then names and renames those in article order, so
the result is the same, file for file, as with one process.  When the worker cannot start or
fails, this process renders its half itself: the export never depends on the second process.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tuireader.export.folder import (
    DURABLE_MAX_FILES,
    FolderReport,
    FolderWriter,
    Output,
    remove_staged,
    stage,
)
from tuireader.export.formats import ExportError, Recipe, Renderer, needs_text
from tuireader.export.selection import Filter, ordered_articles
from tuireader.library.store import Store

if TYPE_CHECKING:
    from tuireader.core.model import Article

#: With ``workers`` > 1, an export of at least this many articles is rendered by two processes
#: (below it, starting a second interpreter costs more than it saves).
PARALLEL_MIN_ARTICLES = 200
#: The part of the articles the calling process renders itself (the first ones); the worker
#: renders the rest, and writes them too, but starts late (a new interpreter, its imports).
OWN_SHARE = 0.5


@dataclass(frozen=True)
class Job:
    """What to export and how (picklable: sent to the worker process)."""

    recipe: Recipe
    filter: Filter

    def outputs(
        self, store: Store, articles: list[Article], renderer: Renderer | None = None
    ) -> list[Output]:
        """The files for ``articles`` (those with something to export), rendered here."""
        renderer = renderer or Renderer(self.recipe)
        chosen = self.filter.choose(store, articles)
        return [Output.of(self.recipe.fmt, article, text)
                for article, text in renderer.render_all(store, chosen)]


def ids_digest(articles: list[Article]) -> str:
    """A fingerprint of the article list, so the worker can check it cut the same list."""
    return hashlib.sha256("\0".join(a.id for a in articles).encode()).hexdigest()


#: PR_SET_PDEATHSIG from <linux/prctl.h>.
_PR_SET_PDEATHSIG = 1
#: How often the portable fallback looks whether the parent is still there (seconds).
_PARENT_POLL_S = 0.2


def _watch_parent(parent: int) -> None:
    """Exit this process as soon as ``parent`` is no longer its parent (it died: the process
    was re-parented to init or a subreaper)."""
    while True:
        if os.getppid() != parent:
            os._exit(1)
        time.sleep(_PARENT_POLL_S)


def die_with_parent(parent: int) -> None:
    """Make this (worker) process end when ``parent`` dies, even by ``kill -9``: on Linux the
    kernel sends SIGKILL (``prctl(PR_SET_PDEATHSIG)``), elsewhere, and as a second line, a
    daemon thread watches ``getppid()``.  Without it a killed export's worker went on writing
    temporary files nobody would rename."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):  # no libc (a static build): the thread remains
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # died before the prctl took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="parent-watch",
                     daemon=True).start()


def _worker_main(
    conn: Connection, library: str, article_ids: list[str], cut: int, digest: str, job: Job,
    folder: str, parent: int | None = None,
) -> None:
    """In the worker process: open the library read-only, take the articles from ``cut`` on
    (checking they are the parent's: ``digest``), render them and (more than DURABLE_MAX_FILES
    of them) write each to a temporary file in ``folder``; send back ``("ok", [(article id,
    text, temporary file name or None), ...])`` or ``("error", message)``."""
    if parent is not None:
        die_with_parent(parent)
    try:
        with Store(library, read_only=True) as store:
            need_text = needs_text(job.recipe.fmt)
            articles = ordered_articles(store, article_ids, need_text=need_text)[0][cut:]
            if ids_digest(articles) != digest:
                raise ExportError("the library changed during the export")
            outputs = job.outputs(store, articles)
        staged = (stage(folder, outputs) if len(outputs) > DURABLE_MAX_FILES
                  else [None] * len(outputs))
        result: tuple[str, Any] = ("ok", [(o.article.id, o.text, tmp) for o, tmp
                                          in zip(outputs, staged, strict=True)])
    except BaseException as exc:  # reported to the parent, which renders the part itself
        result = ("error", f"{type(exc).__name__}: {exc}")
    try:
        conn.send(result)
        conn.close()
    except OSError:  # the parent is gone (BrokenPipeError): nobody to tell, nothing to print
        os._exit(1)


class Worker:
    """A second process rendering (and writing) the articles from ``cut`` on.

    Started with "spawn", never "fork": the caller may have threads, whose locks a fork would
    copy.  The worker is sent a few short values, not the articles: ``multiprocessing`` writes
    them into a pipe whose reading end it holds itself until the write ends, so a child dying
    before reading more than a pipe buffer would leave this process blocked for ever.
    :meth:`start` returns None when no process can be started (the caller renders everything
    itself); :meth:`result` raises when the worker failed.
    """

    def __init__(self, process: BaseProcess, conn: Connection) -> None:
        self._process = process
        self._conn = conn

    @classmethod
    def start(
        cls, library: Path, article_ids: list[str], cut: int, rest: list[Article], job: Job,
        folder: str,
    ) -> Worker | None:
        try:
            context = multiprocessing.get_context("spawn")
            receive, send = context.Pipe(duplex=False)
            process = context.Process(
                target=_worker_main, name="tuireader-export", daemon=True,
                args=(send, os.fspath(library), article_ids, cut, ids_digest(rest), job,
                      folder, os.getpid()))
            process.start()
        except Exception:  # no process (a sandbox, resource limits): render here instead
            return None
        send.close()
        return cls(process, receive)

    def result(self) -> list[tuple[str, str, str | None]]:
        """``(article id, text, staged file or None)`` per rendered article; raises when the
        worker failed (EOFError when it died)."""
        status, value = self._conn.recv()
        if status != "ok":
            raise RuntimeError(value)
        parts: list[tuple[str, str, str | None]] = value
        return parts

    def stop(self, folder: str) -> None:
        """Close the pipe, terminate a worker still running (the export failed here), and
        remove its temporary files still in ``folder`` (those not renamed into place)."""
        self._conn.close()
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(1.0)
        if self._process.pid is not None:
            remove_staged(folder, self._process.pid)


def export_in_parallel(
    store: Store,
    article_ids: list[str],
    articles: list[Article],
    job: Job,
    renderer: Renderer,
    writer: FolderWriter,
) -> FolderReport:
    """Export ``articles`` (ordered, as :func:`ordered_articles` gives them for
    ``article_ids``) into ``writer``'s folder, the second part in a worker process."""
    cut = round(len(articles) * OWN_SHARE)
    worker = Worker.start(store.dir, article_ids, cut, articles[cut:], job, writer.dir)
    if worker is None:
        cut = len(articles)
    try:
        first = job.outputs(store, articles[:cut], renderer)
        if worker is None:
            writer.write(first, durable=len(first) <= DURABLE_MAX_FILES)
            return writer.finish()
        if len(first) > DURABLE_MAX_FILES:  # so more than that in all: no fsync per file;
            writer.write(first, durable=False)  # write while the worker renders
            first = []
        try:
            by_id = {a.id: a for a in articles[cut:]}
            second: list[Output] = []
            staged: dict[str, str] = {}
            for article_id, text, tmp in worker.result():
                output = Output.of(job.recipe.fmt, by_id[article_id], text)
                second.append(output)
                if tmp is not None:
                    staged[output.key] = tmp
        except Exception:  # the worker failed: render its part here
            second = job.outputs(store, articles[cut:], renderer)
            staged = {}
        outputs = first + second
        writer.write(outputs, durable=len(outputs) <= DURABLE_MAX_FILES, staged=staged)
        return writer.finish()
    finally:
        if worker is not None:
            worker.stop(writer.dir)
