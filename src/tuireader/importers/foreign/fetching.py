"""The bulk fetcher: the pages of a read-later export that carried no text (Pocket, Instapaper).

:func:`fetch_missing` fills each work's ``content`` by fetching its URL through the one-page
fetcher (:func:`tuireader.importers.fetch.fetch_url`: its deadline, its size cap counted on
decoded bytes, so a gzip bomb or a never-ending response stops there, and its redirect limit)
and importing it through the normal HTML path with main-content extraction; a page that cannot
be had gets ``missing_reason`` instead (the import keeps it as a link-only article).

Threads, not asyncio: the time goes to waiting on servers and to the HTML import, which is
Python code that holds the GIL either way.  The fetching threads share one ``httpx.Client``
(connections kept alive per host) and only fetch; the pages are imported one at a time in the
calling thread, between progress updates.  Measured (``bench/fetch_import.py``): importing in
the eight fetching threads was no faster (the GIL) and its memory grew with every page (each
thread's malloc arena kept the freed trees: 397-456 MB peak for 1,000 pages); imported in one
thread the peak stays flat.  The fetchers wait when :data:`PENDING_PER_WORKER` pages per thread
are waiting to be imported, so memory is bounded whatever the speed of either side.  At most
``concurrency`` pages at once, at most ``per_host`` to one host; 429 and 5xx are retried with
exponential backoff, honouring Retry-After (bounded: a server asking for an hour gets
:data:`MAX_RETRY_AFTER`).

Stopping (``should_stop`` returning True, or Ctrl+C in the calling thread) returns at once with
what was fetched: pages still in flight are abandoned (their threads finish on their own and
touch nothing), and the works not done are marked "not fetched (stopped)"; running the import
again fetches them.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from tuireader.core.bridge import ForeignWork
from tuireader.importers.base import ImportFailed
from tuireader.importers.fetch import (
    FetchedPage,
    HTTPStatusFailed,
    fetch_url,
    import_page,
    make_client,
)

#: The longest a Retry-After is honoured (seconds); longer asks are cut to this.
MAX_RETRY_AFTER = 60.0
#: Backoff before the first retry (doubled each time, with jitter), when no Retry-After.
BACKOFF = 1.0
#: One page's body is never read past this (decoded).
PAGE_BYTES = 10_000_000
#: Statuses worth a retry: rate limited, or the server's own trouble.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
STOPPED = "not fetched (the import was stopped)"
#: Pages fetched but not imported yet, per fetching thread: the fetchers wait beyond this.
PENDING_PER_WORKER = 2


@dataclass
class FetchStats:
    """How the fetching goes: reported to ``progress`` and returned at the end."""

    total: int
    done: int = 0
    failed: int = 0
    #: Retries made (429, 5xx, and with ``retry_transient`` timeouts and connection errors).
    retries: int = 0
    stopped: bool = False

    @property
    def fetched(self) -> int:
        return self.done - self.failed

    @property
    def left(self) -> int:
        return self.total - self.done


@dataclass
class _Job:
    work: ForeignWork
    host: str
    attempt: int = 0
    ready_at: float = 0.0


class _Pool:
    """The queue, the per-host counts and the results, under one condition variable."""

    def __init__(self, jobs: list[_Job], per_host: int) -> None:
        self.cond = threading.Condition()
        self.queue: deque[_Job] = deque(jobs)
        self.busy: dict[str, int] = {}
        #: A host that answered 429 / 503 with Retry-After is left alone until then.
        self.host_ready: dict[str, float] = {}
        self.per_host = per_host
        #: Jobs over: (job, a failure's reason) or (job, the page to import).
        self.finished: deque[tuple[_Job, str | FetchedPage]] = deque()
        self.closed = False

    def take(self) -> _Job | None:
        """The next job whose host has room and whose wait is over (blocks); None when closed
        or nothing is left."""
        with self.cond:
            while not self.closed:
                now, wait = time.monotonic(), 0.5
                for index, job in enumerate(self.queue):
                    ready = max(job.ready_at, self.host_ready.get(job.host, 0.0))
                    if self.busy.get(job.host, 0) >= self.per_host:
                        continue
                    if ready <= now:
                        del self.queue[index]
                        self.busy[job.host] = self.busy.get(job.host, 0) + 1
                        return job
                    wait = min(wait, ready - now)
                if not self.queue and not any(self.busy.values()):
                    return None
                self.cond.wait(max(0.01, wait))
            return None

    def release(self, job: _Job, outcome: str | FetchedPage | None) -> None:
        """``job`` is over (``outcome``: the page, or why it failed) or, with None, back in
        the queue for a retry."""
        with self.cond:
            self.busy[job.host] -= 1
            if outcome is None:
                self.queue.append(job)
            else:
                self.finished.append((job, outcome))
            self.cond.notify_all()


def _host(url: str) -> str:
    """The server a URL names, as the per-host limit counts: host and port (two ports are two
    servers; ``example.org`` and ``www.example.org`` are two hosts, as for browsers)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    default = 443 if parts.scheme == "https" else 80
    return f"{(parts.hostname or '').lower()}:{port or default}"


def _retry_after(header: str) -> float | None:
    """Retry-After in seconds (delta-seconds or an HTTP date), bounded; None if absent."""
    header = header.strip()
    if not header:
        return None
    if header.isdigit():
        return min(float(header), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, min(when.timestamp() - time.time(), MAX_RETRY_AFTER))


def fetch_missing(
    works: list[ForeignWork],
    *,
    concurrency: int = 8,
    per_host: int = 2,
    retries: int = 3,
    retry_transient: bool = False,
    deadline: float = 30.0,
    max_bytes: int = PAGE_BYTES,
    progress: Callable[[FetchStats], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> FetchStats:
    """Fetch the text of every work in ``works`` that has a URL and no ``content``.

    Each one ends with ``content`` set (and ``missing_reason`` cleared) or with
    ``missing_reason`` saying why not.  ``retries``: extra attempts after a 429 / 5xx (and,
    with ``retry_transient``, after a timeout or a failed connection).  ``progress`` is called
    in the calling thread as pages finish (and a few times a second while they wait).
    """
    todo = [w for w in works if w.content is None and w.url]
    stats = FetchStats(total=len(todo))
    if not todo:
        return stats
    pool = _Pool([_Job(w, _host(w.url)) for w in todo], max(1, per_host))
    workers = max(1, min(concurrency, len(todo)))
    client = make_client(max_connections=workers + 2, max_keepalive_connections=workers)
    #: A fetcher takes a place before fetching; the calling thread gives it back once the page
    #: is imported (or at once when there is no page).
    room = threading.Semaphore(workers * PENDING_PER_WORKER)

    def one(job: _Job) -> str | FetchedPage | None:
        """Fetch one page: the page, why it failed, or None to retry."""
        try:
            return fetch_url(job.work.url, deadline=deadline, max_bytes=max_bytes,
                             client=client)
        except HTTPStatusFailed as exc:
            if exc.status in RETRY_STATUSES and job.attempt < retries:
                wait = _retry_after(exc.retry_after)
                if wait is not None:
                    with pool.cond:
                        pool.host_ready[job.host] = max(pool.host_ready.get(job.host, 0.0),
                                                        time.monotonic() + wait)
                _again(job, wait)
                return None
            return str(exc)
        except ImportFailed as exc:
            reason = str(exc)
            transient = reason.startswith(("timed out", "could not connect", "could not fetch"))
            if retry_transient and transient and job.attempt < retries:
                _again(job, None)
                return None
            return reason
        except (httpx.HTTPError, OSError, ValueError) as exc:
            return f"could not fetch: {str(exc).splitlines()[0][:200] if str(exc) else exc!r}"

    def _again(job: _Job, wait: float | None) -> None:
        job.attempt += 1
        delay = wait if wait is not None else BACKOFF * 2 ** (job.attempt - 1)
        job.ready_at = time.monotonic() + delay * (1.0 + 0.25 * random.random())

    def run() -> None:
        while not pool.closed:
            if not room.acquire(timeout=0.5):
                continue
            job = pool.take()
            if job is None:
                room.release()
                return
            try:
                outcome = one(job)
            except BaseException as exc:  # a thread must always give its job back
                outcome = f"could not fetch: {type(exc).__name__}"
            if not isinstance(outcome, FetchedPage):
                room.release()
            if outcome is None:
                with pool.cond:
                    stats.retries += 1
            pool.release(job, outcome)

    threads = [threading.Thread(target=run, name=f"fetch-{i}", daemon=True)
               for i in range(workers)]
    for thread in threads:
        thread.start()
    try:
        _watch(pool, stats, room, progress, should_stop)
    except KeyboardInterrupt:
        stats.stopped = True
    finally:
        with pool.cond:
            pool.closed = True
            pool.cond.notify_all()
            pool.finished.clear()  # pages fetched but not imported: fetched again next time
        if not stats.stopped:
            client.close()
        # Stopped: threads still in flight end on their own (bounded by ``deadline``); the
        # client is left for them and closed by the garbage collector.
    if stats.stopped:
        for work in todo:
            if work.content is None and not work.missing_reason:
                work.missing_reason = STOPPED
    if progress:
        progress(stats)
    return stats


def _import(job: _Job, page: FetchedPage) -> str:
    """Import a fetched page into its work: "" done, or why not."""
    try:
        article = import_page(page)
    except ImportFailed as exc:
        return str(exc)
    except (RecursionError, MemoryError):
        return "the page is too large or nested too deeply to import"
    work = job.work
    if work.title and work.title != work.url:  # the title the user saved it under
        article.title = work.title
    article.url = article.url or work.url
    work.content, work.missing_reason = article, ""
    return ""


def _watch(pool: _Pool, stats: FetchStats, room: threading.Semaphore,
           progress: Callable[[FetchStats], None] | None,
           should_stop: Callable[[], bool] | None) -> None:
    """In the calling thread: import the pages as they come, report progress, watch for stop."""
    last_report = 0.0
    while stats.done < stats.total:
        with pool.cond:
            if not pool.finished:
                pool.cond.wait(0.2)
            item = pool.finished.popleft() if pool.finished else None
        if item is not None:
            job, outcome = item
            if isinstance(outcome, FetchedPage):
                outcome = _import(job, outcome)
                room.release()
            stats.done += 1
            if outcome:
                stats.failed += 1
                job.work.missing_reason = outcome
        now = time.monotonic()
        if progress and (item is not None or now - last_report >= 0.2):
            progress(stats)
            last_report = now
        if should_stop is not None and should_stop():
            stats.stopped = True
            return
