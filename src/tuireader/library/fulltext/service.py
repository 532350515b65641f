"""The search index as the store holds it: kept up to date, caught up, searched.

:class:`FullText` is told of every change by the store's two write paths (an article's metadata
or text: :meth:`article_changed`; an article's highlights file: :meth:`shard_changed`) and
re-indexes only what changed, comparing what it indexed (:class:`~.index.State`) with the
library.  The same comparison, over the whole library, is :meth:`stale`: after a crash between a
store write and the index update, or a change by another program, the next open finds the
articles whose index is behind and :meth:`catch_up` re-indexes them (the App does it in the
background, the status line saying so; ``tuireader reindex`` in the foreground).

A search never shows a hit that leads nowhere: every hit is checked against the library
(the article is there with the text that was indexed, the highlight is still in it) before it is
returned; one that is not is dropped and its article re-indexed.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tuireader.library.durable import StorageError
from tuireader.library.errors import StoreError
from tuireader.library.fulltext.hits import Hits, Results
from tuireader.library.fulltext.index import IndexFile, State
from tuireader.library.fulltext.match import Matcher
from tuireader.library.fulltext.pieces import (
    Meta,
    Packed,
    Piece,
    meta_hash,
    meta_of,
    shard_pieces,
)
from tuireader.library.fulltext.prepare import (
    PROCESS_FROM,
    TextJob,
    TextReader,
    TextResult,
    processes_here,
    read_text,
)
from tuireader.library.fulltext.query import QueryError, compile_query, parse

if TYPE_CHECKING:
    from tuireader.library.store import Store

#: What a failing index write or read may raise (the store's write has succeeded by then: the
#: index is left stale and said so, never the store's change undone).
FAILURES = (sqlite3.Error, OSError, StoreError, StorageError, UnicodeError, zlib.error)

#: A catch-up commits this often (seconds): a Ctrl+C keeps what was done before (larger
#: transactions build the word index faster).
COMMIT_EVERY = 2.0


@dataclass
class _Change:
    """One article's update of the index (see :meth:`FullText._read`)."""

    article_id: str
    old: State | None
    #: The state after the update; None: the article is gone, forget it.
    state: State | None
    meta: Meta | None = None
    note: str = ""
    #: The new pieces of its text, of its highlights (None: unchanged).
    text: list[Packed] | None = None
    highlights: list[Piece] | None = None
    #: The highlights file's records, stored whole for the highlights view (with ``highlights``).
    records: list[dict[str, Any]] | None = None


def _identity(st: os.stat_result) -> str:
    """A highlights file's identity as the index records it: changes with every write (an
    atomic write makes a new file)."""
    return f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"


def _text_changed(old: State | None, record: dict[str, Any] | None) -> bool:
    """Whether an article's text must be (re-)indexed: it is there, and new or changed."""
    return record is not None and (
        old is None or old.content_hash != str(record.get("content_hash") or ""))


class FullText:
    """A library's search index (see the module's doc).  Thread-safe.

    ``path``: the index file (see :func:`~.location.default_index_path`); opened on first use,
    so a command that never searches or writes never touches it.  ``writable``: False to only
    read it.  A library opened read-only still has its index kept: the index is this machine's
    derived data, not the library, and SQLite serialises two programs writing it.
    """

    def __init__(self, store: Store, path: Path, *, writable: bool,
                 on_warning: Callable[[str], None]) -> None:
        self.store = store
        self.path = path
        self.writable = writable
        self._warn = on_warning
        self._file: IndexFile | None = None
        self._states: dict[str, State] | None = None
        self._open_lock = threading.Lock()
        #: Why the index cannot be used ("" when it can).
        self.error = ""
        self._warned = False
        #: True while :meth:`catch_up` runs (a search may then miss what is not indexed yet).
        self.catching_up = False
        self._hits = Hits(store)
        #: True once the whole index was found up to date with the library (and no write to
        #: it failed since); None: not looked yet.  See :meth:`ready`.
        self._fresh: bool | None = None
        #: :meth:`stale`'s turns: the checks begun, the last one's answer.
        self._check_lock = threading.Lock()
        self._checks_begun = 0
        self._last_stale: list[str] | None = None

    # -- opening ------------------------------------------------------------------------------

    def _index(self) -> IndexFile | None:
        if self._file is not None:
            return self._file
        with self._open_lock:
            if self._file is None and not self.error:
                try:
                    self._file = IndexFile(self.path)
                except (sqlite3.Error, OSError) as exc:
                    self.error = f"the search index {self.path} cannot be opened: {exc}"
                    self._warn(self.error)
        return self._file

    def _states_now(self, index: IndexFile) -> dict[str, State]:
        if self._states is None:
            self._states = index.states()
        return self._states

    def close(self) -> None:
        with self._open_lock:
            index, self._file = self._file, None  # a catch-up stops at its next article
            if index is not None:
                index.close()
            self._states = None

    def ready(self) -> bool:
        """True if the index may answer for the whole library (the highlights view, the
        library filter): it was found up to date (looked once, then kept so by the store's
        hooks) and no write to it failed since.  False: read the library instead."""
        if self._fresh is None and not self.catching_up:
            self.stale()
        return bool(self._fresh) and not self.catching_up and self._file is not None

    def mark_stale(self) -> None:
        """Something read from the index was not what the library holds (changed by another
        program): not :meth:`ready` until it is looked at again (:meth:`stale`)."""
        self._fresh = False

    def reader_index(self) -> tuple[threading.Lock, sqlite3.Connection] | None:
        """The index's reading connection and its lock (None if it cannot be opened)."""
        index = self._index()
        return index.reader() if index is not None else None

    def _failed(self, article_id: str, exc: BaseException, *, rolled_back: bool = True) -> None:
        self._fresh = False
        if rolled_back:
            # The rollback may have undone other articles' uncommitted rows too: read what is
            # really in the file again (the failed article is then stale, caught up later).
            self._states = None
        if not self._warned:
            self._warned = True
            self._warn(f"the search index could not be updated ({exc}); it will be brought "
                       "up to date on the next start or by `tuireader reindex`")

    # -- the store's hooks --------------------------------------------------------------------

    def article_changed(self, article_id: str) -> None:
        """An article's metadata or text was written (or it was removed), or its highlights
        file (then called holding that file's lock): re-index what changed of it."""
        if not self.writable:
            return
        index = self._index()
        if index is None:
            return
        try:
            self._sync(index, article_id, self._record(article_id))
            with index.write_lock:
                index.commit()
        except FAILURES as exc:
            with index.write_lock:
                try:
                    index.rollback()
                except sqlite3.Error:
                    pass  # the connection is gone: said by _failed
            self._failed(article_id, exc)

    def _record(self, article_id: str) -> dict[str, Any] | None:
        return next((r for r in self.store.articles.records() if r.get("id") == article_id),
                    None)

    def shard_state(self, article_id: str) -> str:
        """The highlights file's identity now (inode, size, mtime): changes with every write."""
        try:
            st = self.store.shards.path(article_id).stat()
        except OSError:
            return "-"
        return _identity(st)

    def _sync(self, index: IndexFile, article_id: str, record: dict[str, Any] | None) -> bool:
        """Bring one article's rows in line with the library (no commit); True if it wrote."""
        change = self._read(index, article_id, record)
        return change is not None and self._apply(index, change)

    def _text(self, article_id: str) -> list[Packed]:
        """The article's text as pieces ready to store (read here)."""
        return self._unpacked(read_text(self._text_job(article_id)))

    def _read(self, index: IndexFile, article_id: str, record: dict[str, Any] | None,
              text: Callable[[str], list[Packed]] | None = None) -> _Change | None:
        """What must change in the index for one article (None: nothing), with the text
        (from ``text``, else read here) and highlights it needs read.  Takes no index lock: a
        hook holds a shard's lock and then takes the index's, so the other way round would
        deadlock."""
        old = self._states_now(index).get(article_id)
        if record is None:
            return _Change(article_id, old, None) if old is not None else None
        content = str(record.get("content_hash") or "")
        meta, note, meta_hash = meta_of(record)
        shard = self.shard_state(article_id)
        state = State(content, meta_hash, shard)
        if old == state:
            return None
        change = _Change(article_id, old, state, meta, note)
        if _text_changed(old, record):
            change.text = (text or self._text)(article_id)
        if old is None or old.shard_state != shard:
            with self.store.shards.locked(article_id):
                change.state = State(content, meta_hash, self.shard_state(article_id))
                change.records = self.store.shards.view(article_id).records
                change.highlights = shard_pieces(change.records)
        return change

    def _apply(self, index: IndexFile, change: _Change) -> bool:
        """Write what :meth:`_read` found (no commit)."""
        aid, old, state = change.article_id, change.old, change.state
        states = self._states_now(index)
        with index.write_lock:
            if state is None:
                index.forget(aid)
                states.pop(aid, None)
                return True
            index.ensure_doc(aid)
            if change.text is not None:
                index.forget(aid, "text")
                index.add(aid, change.text)
                index.set_state(aid, content_hash=state.content_hash)
            meta = change.meta
            if meta is not None and (old is None or old.meta_hash != state.meta_hash):
                index.forget(aid, "meta")
                own = [Piece("tag", " ".join(meta.tags), tags=meta.tags)] if meta.tags else []
                own += [Piece("note", change.note)] if change.note.strip() else []
                index.add(aid, own)
                index.set_meta(aid, meta, state.meta_hash)
            if change.highlights is not None:
                index.forget(aid, "shard")
                index.add(aid, change.highlights)
                index.add_highlights(aid, change.records or [])
                index.set_state(aid, shard_state=state.shard_state)
            states[aid] = state
        return True

    # -- catching up --------------------------------------------------------------------------

    def stale(self) -> list[str]:
        """The articles whose index is behind the library (new, changed, removed), cheaply:
        hashes from the library's records and one listing of the highlights folder.  One
        check at a time: a caller arriving during one waits for the next to begin and end."""
        asked = self._checks_begun
        with self._check_lock:
            if self._checks_begun > asked and self._last_stale is not None:
                return list(self._last_stale)  # one begun since it was asked: its answer
            self._checks_begun += 1
            self._last_stale = self._stale()
            return list(self._last_stale)

    def check(self) -> None:
        """The start check (:meth:`stale`), made where nothing waits for it (the store's
        preload thread); an index that cannot be read is said once, as a warning."""
        try:
            self.stale()
        except (sqlite3.Error, OSError) as exc:
            self._failed("", exc, rolled_back=False)

    def _stale(self) -> list[str]:
        index = self._index()
        if index is None:
            return []
        states = self._states_now(index)
        records = self.store.articles.records()
        shards = self._shard_states()
        out: list[str] = []
        for record in records:
            aid = str(record.get("id"))
            old = states.get(aid)
            if (old is None or old.content_hash != str(record.get("content_hash") or "")
                    or old.meta_hash != meta_hash(record)
                    or old.shard_state != shards.get(aid, "-")):
                out.append(aid)
        ids = {str(r.get("id")) for r in records}
        out += [aid for aid in states if aid not in ids]
        if not self.catching_up:
            self._fresh = not out
        return out

    def _shard_states(self) -> dict[str, str]:
        """Each highlights file's identity, as :meth:`shard_state` gives it, from one listing
        of the folder (no path made per article)."""
        out: dict[str, str] = {}
        try:
            with os.scandir(self.store.shards.folder) as entries:
                for entry in entries:
                    if entry.name.endswith(".json"):
                        try:
                            st = entry.stat()
                        except OSError:
                            continue
                        out[entry.name[:-5]] = _identity(st)
        except OSError:
            pass  # no folder: no highlights files ("-" each)
        return out

    def catch_up(self, ids: list[str] | None = None, *,
                 progress: Callable[[int, int], None] | None = None,
                 stop: Callable[[], bool] | None = None,
                 processes: int | None = None) -> int:
        """Re-index ``ids`` (default: :meth:`stale`), committing every two seconds so an
        interruption keeps what was done; returns how many were re-indexed.  An article that
        cannot be read is said once and skipped (it stays stale).  From
        :data:`~.prepare.PROCESS_FROM` texts to read, other processes read them (``processes``
        says how many; 0: none) and the word index takes its large-build settings."""
        index = self._index()
        if index is None or not self.writable:
            return 0
        todo = self.stale() if ids is None else ids
        records = {str(r.get("id")): r for r in self.store.articles.records()}
        states = self._states_now(index)
        jobs = [self._text_job(aid) for aid in todo
                if _text_changed(states.get(aid), records.get(aid))]
        if processes is None:
            processes = processes_here() if len(jobs) >= PROCESS_FROM else 0
        bulk = len(jobs) >= PROCESS_FROM
        reader = TextReader(jobs, processes)
        done = 0
        last = time.monotonic()
        self.catching_up = True
        try:
            if bulk:
                index.bulk(True)
            for n, aid in enumerate(todo, 1):
                if (stop is not None and stop()) or self._file is not index:
                    break  # asked to stop, or the store is closing
                try:
                    change = self._read(index, aid, records.get(aid),
                                        lambda article_id: self._unpacked(reader.get(article_id)))
                except FAILURES as exc:  # nothing written: the others' work stays
                    self._failed(aid, exc, rolled_back=False)
                    change = None
                try:
                    done += change is not None and self._apply(index, change)
                except FAILURES as exc:
                    with index.write_lock:
                        index.rollback()
                    self._failed(aid, exc)
                if time.monotonic() - last > COMMIT_EVERY:
                    with index.write_lock:
                        index.commit()  # whole articles only: between two of them
                    last = time.monotonic()
                if progress is not None:
                    progress(n, len(todo))
        except BaseException:
            # Interrupted (Ctrl+C) maybe inside an article: what was committed stays, the
            # rest is stale and done by the next run.
            with index.write_lock:
                index.rollback()
                self._states = None
            raise
        finally:
            self.catching_up = False
            reader.close()
            if bulk and self._file is index:
                index.bulk(False)
        with index.write_lock:
            index.commit()
        if self._fresh is not True and not (stop is not None and stop()):
            self.stale()  # looked at again, not assumed: an article skipped stays stale
        return done

    def _text_job(self, article_id: str) -> TextJob:
        articles = self.store.articles
        return TextJob(article_id, str(articles.body_path(article_id)),
                       str(articles.parse_cache_path(article_id)), str(articles.dir))

    def _unpacked(self, result: TextResult) -> list[Packed]:
        """An article's text as read (here or in the reading process); what went wrong
        reading it raised here, a body that is not UTF-8 said."""
        article_id = result.article_id
        if result.packed is None:
            raise StoreError(result.error)
        if not result.exact:
            self.store.articles.warn_not_utf8(article_id)
        return result.packed

    def rebuild(self) -> None:
        """Forget the whole index (then :meth:`catch_up` builds it again, resumably)."""
        index = self._index()
        if index is None or not self.writable:
            return
        with index.write_lock:
            index.wipe()
            self._states = {}
            self._fresh = False

    def optimize(self) -> None:
        index = self._index()
        if index is not None and self.writable:
            index.optimize()

    def tidy(self, stop: Callable[[], bool] | None = None) -> None:
        """After a large catch-up in the background: merge the word index's segments a step at
        a time (what :meth:`optimize` does at once, searches waiting meanwhile)."""
        index = self._index()
        if index is None or not self.writable:
            return
        try:
            while not (stop is not None and stop()) and index.merge_step():
                time.sleep(0.01)  # let a search or a save in between
        except sqlite3.Error:
            pass  # merged later (a next catch-up, `tuireader reindex`): only slower till then

    def size(self) -> int:
        index = self._index()
        return index.size() if index is not None else 0

    def interrupt(self) -> None:
        """Stop a search running in another thread (it returns no hits)."""
        if self._file is not None:
            self._file.interrupt()

    # -- searching ----------------------------------------------------------------------------

    def search(self, text: str, limit: int = 50) -> Results:
        """The hits for ``text`` (see :mod:`.query`), best first, each checked against the
        library; a query that cannot be read gives no hits and a message."""
        try:
            query = parse(text)
        except QueryError as exc:
            return Results(text, [], str(exc))
        if query.empty:
            return Results(text, [], "", query)
        index = self._index()
        if index is None:
            return Results(text, [], self.error, query)
        compiled = compile_query(query, limit + 20)
        try:
            rows = index.query(compiled)
        except sqlite3.OperationalError as exc:
            message = "search interrupted" if "interrupt" in str(exc) else f"search failed: {exc}"
            return Results(text, [], message, query)
        hits, dropped = self._hits.make(rows, Matcher(query.terms), limit)
        if dropped and self.writable:
            self.catch_up(sorted(dropped))
        return Results(text, hits, "", query)
