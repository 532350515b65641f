"""Reading every highlight shard ahead of need, in a background thread.

The first library-wide query (tag, search, counts, the highlights view) must otherwise parse
every shard itself: about 0.5 s for 50,000 highlights.  The App starts the preload when it opens
the library; a one-shot command line does not.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable

from tuireader.library.shards import ShardSet

#: Articles read between two moments the GIL is let go (see :meth:`Preload._read`).
YIELD_EVERY = 8


class Preload:
    """The background read of a :class:`ShardSet`: its thread and whether it must stop.

    The thread takes no shard lock (see :meth:`ShardSet.prefetch`), so saves are never held up
    by it; a query that arrives before it finishes simply reads the remaining shards itself.
    ``article_ids`` lists the shards to read (the library's articles, read when it starts).
    """

    def __init__(self, shards: ShardSet, article_ids: Callable[[], list[str]]) -> None:
        self._shards = shards
        self._article_ids = article_ids
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._lock = threading.Lock()
        self._first: Callable[[], object] | None = None

    def start(self, first: Callable[[], object] | None = None) -> None:
        """Start reading (once; never after :meth:`stop`), after ``first`` (run in the same
        thread: the search index's start check, which would otherwise wait on the GIL at each
        of its ``stat`` calls while this thread reads)."""
        with self._lock:
            if self._thread is not None or self._stopped:
                return
            self._first = first
            self._thread = threading.Thread(target=self._run, name="tuireader-preload",
                                            daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        """True while the thread is still reading shards."""
        return self._thread is not None and self._thread.is_alive()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to finish; True if it has (or never started)."""
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        return not self.running

    def stop(self) -> None:
        """Stop reading (at the next shard) and wait for the thread to end."""
        with self._lock:
            self._stopped = True
        self.join()

    def _run(self) -> None:
        if self._first is not None:
            self._first()
        # The collector is off while the records are read: each full collection walks every
        # object made so far again, and they are millions (~20 a highlight) -- at 500,000
        # highlights its pauses grew to 0.7 s (3.9 s in all), every thread stopped meanwhile,
        # the App's included.  These records hold no cycles; the collector is back after.
        enabled = gc.isenabled()
        gc.disable()
        try:
            self._read(self._article_ids())
        finally:
            # The records read are long-lived: moved out of the collector's reach, like the
            # reader's loaded document (each full collection would walk them all again).
            gc.freeze()
            if enabled:
                gc.enable()

    def _read(self, ids: list[str]) -> None:
        # time.sleep(0) every few articles lets go of the GIL: a thread that gave it up for a
        # moment (a query's SQLite step, a stat) gets it back soon, not after this one's next
        # 5 ms turn (a highlights view page, 60 such moments, took 90 ms meanwhile).
        for n, article_id in enumerate(ids):
            if self._stopped:
                return
            if n % YIELD_EVERY == 0:
                time.sleep(0)
            view = self._shards.prefetch(article_id)
            if view is not None:
                # What the first queries need: tag index and folded text (also for a view a
                # query made before the preload got to it, e.g. the library list's counts).
                view.tag_index()
                view.haystacks()
        # Then, less urgent, the highlights view's filter columns.
        for n, article_id in enumerate(ids):
            if self._stopped:
                return
            if n % YIELD_EVERY == 0:
                time.sleep(0)
            cached = self._shards.cached_view(article_id)
            if cached is not None:
                cached.filter_columns()
