"""Articles' texts read and packed for the index ahead of their writing, in other processes
when there are many.

Indexing a text is two halves: Python work (read the body and its parsed form, cut the plain
text into pieces, compress them, find their CJK runs: :func:`read_text`) and SQLite's work
(the inserts, which let go of the GIL).  With the Python half in a second *thread*, the writing
thread waited for the GIL at each of its ~20 statements an article: a build of 10,000 articles
took 55 s, against 36 s doing everything in one thread.  In another *process* the two halves
truly overlap (see ``bench/search.py``).  A few articles are read here, as they are asked for:
starting a process costs more than it saves below :data:`PROCESS_FROM` articles.

The other process is started fresh ("spawn": safe beside the App's threads; like any spawned
process it imports the program's main module again, which ``tuireader`` and ``python -m
tuireader`` allow), ignores Ctrl+C (the writer stops, then lets it go), writes nothing to the
terminal, and reads only the library's own files: each job names the body, its parse cache
and the library folder a body must be in.  If it cannot start or dies, the rest is read here.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tuireader.library.articles import read_body
from tuireader.library.errors import StoreError
from tuireader.library.fulltext.pieces import Packed, pack, text_pieces
from tuireader.library.parse_cache import parsed_at

#: From this many texts to read, other processes read them.
PROCESS_FROM = 300

#: Texts a process reads in one go, and how many such batches each has queued ahead.
BATCH = 16
AHEAD = 4

#: The longest wait for one batch (seconds): past it the process is taken for stuck and the
#: rest is read here.
BATCH_WAIT = 120.0


@dataclass(frozen=True)
class TextJob:
    """Where an article's text is: its body, the body's parse cache, the library folder."""

    article_id: str
    #: Paths as strings: a job crosses to the other process, where a Path costs more to send.
    body: str
    cache: str
    root: str


@dataclass(frozen=True)
class TextResult:
    """An article's text as pieces ready to store, or why it could not be read."""

    article_id: str
    packed: list[Packed] | None
    error: str = ""
    #: False: the body is not UTF-8 (read with replacement characters; the store says so).
    exact: bool = True


def read_text(job: TextJob) -> TextResult:
    """Read, parse (from the cache when it is valid) and pack one article's text."""
    try:
        markdown, exact = read_body(Path(job.body), Path(job.root), job.article_id)
        plain = parsed_at(Path(job.cache), markdown).plain_text
    except StoreError as exc:
        return TextResult(job.article_id, None, str(exc))
    except (OSError, UnicodeError, ValueError) as exc:
        return TextResult(job.article_id, None,
                          f"the text of article {job.article_id} cannot be read: {exc}")
    return TextResult(job.article_id, pack(text_pieces(plain)), exact=exact)


def read_texts(jobs: list[TextJob]) -> list[TextResult]:
    return [read_text(job) for job in jobs]


def _start_quietly() -> None:
    """In the reading process: Ctrl+C is for the writer to handle (it then lets this go), and
    nothing may reach the terminal (the App draws on it): a failure here is the writer's to
    see, when it reads the rest itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)


def processes_here() -> int:
    """Reading processes for this machine: one core is the writer's."""
    return max(1, min(3, (os.cpu_count() or 1) - 1))


class TextReader:
    """The texts of ``jobs``, asked for in their order with :meth:`get`: read ahead by
    ``processes`` other processes, or here as each is asked for (0 processes)."""

    def __init__(self, jobs: list[TextJob], processes: int) -> None:
        self._jobs = {job.article_id: job for job in jobs}
        self._batches = [jobs[i:i + BATCH] for i in range(0, len(jobs), BATCH)]
        self._next = 0
        self._queued: deque[tuple[list[TextJob], Future[list[TextResult]]]] = deque()
        self._ready: dict[str, TextResult] = {}
        self._pool: ProcessPoolExecutor | None = None
        self._ahead = processes * AHEAD
        if processes > 0 and jobs:
            try:
                self._pool = ProcessPoolExecutor(processes,
                                                 mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_start_quietly)
                self._fill()
            except (OSError, RuntimeError, ValueError):
                self._give_up()  # no process to be had (limits, no semaphores): read here

    @property
    def in_processes(self) -> bool:
        return self._pool is not None

    def _fill(self) -> None:
        while self._pool is not None and len(self._queued) < self._ahead \
                and self._next < len(self._batches):
            batch = self._batches[self._next]
            self._next += 1
            self._queued.append((batch, self._pool.submit(read_texts, batch)))

    def get(self, article_id: str) -> TextResult:
        """The text of ``article_id`` (one of the jobs, asked for in order)."""
        found = self._ready.pop(article_id, None)
        while found is None and self._queued:
            batch, future = self._queued.popleft()
            results = self._wait(batch, future)
            self._ready.update((r.article_id, r) for r in results)
            self._fill()
            found = self._ready.pop(article_id, None)
        return found if found is not None else read_text(self._jobs[article_id])

    def _wait(self, batch: list[TextJob],
              future: Future[list[TextResult]]) -> list[TextResult]:
        try:
            return future.result(timeout=BATCH_WAIT)
        except Exception:
            # Stuck (a timeout) or died; or what it ran raised: read here, that raises again,
            # as reading here always did.
            self._give_up()
        return read_texts(batch)

    def _give_up(self) -> None:
        """Stop reading in other processes: what is queued is read here, as it is asked for."""
        self.close()
        self._queued.clear()
        self._next = len(self._batches)

    def close(self) -> None:
        """Let the processes go (a batch being read is finished and dropped)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


__all__ = ["PROCESS_FROM", "TextJob", "TextReader", "TextResult", "processes_here",
           "read_text"]
