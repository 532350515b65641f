"""The library: articles, their Markdown bodies, and their highlights, in one folder.

Layout of a library folder::

    library.json            TinyDB: article metadata (table "articles") and "_meta" (schema version)
    library.json.bak1..3    the previous versions of library.json (rotating backups)
    articles/<id>.md        each article's Markdown body, written once, atomically
    annotations/<id>.json   TinyDB shard per article: its highlights, notes and tags
    trash/<time>-<id>/      removed articles: metadata, body and highlights, never silently dropped
    .lock                   held by the one process allowed to write

Why shards: TinyDB rewrites a whole file on every change.  With 50,000 highlights in one file
(~23 MB) a single save takes about half a second before any fsync.  One small file per article
keeps a highlight save to a few kilobytes (tens of highlights) whatever the library's size, and
keeps megabytes of article text out of the database entirely.  Library-wide queries (by tag, by
text, counts) read every shard once and then work on the parsed records kept in memory by each
shard's storage; a save updates that copy as it writes, and a shard changed underneath (another
program, or the writer seen from a read-only instance) is noticed by its size/mtime and re-read.
Parsing 50,000 highlights costs about half a second, so :meth:`Store.start_preload` does it in a
background thread when the App opens the library.

Every write goes through :class:`~tuireader.library.durable.DurableStorage` (temp file, fsync,
atomic rename, fsync of the folder): when a method returns, the change is on disk.
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
import os
import shutil
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from tinydb import TinyDB
from tinydb.table import Document as TinyDocument
from tinydb.table import Table

from tuireader.core.document import parse_markdown
from tuireader.core.model import Article, Highlight, new_id, normalise_tag, now_iso
from tuireader.importers.base import ImportedArticle
from tuireader.library.durable import (
    DurableStorage,
    ReadOnlyError,
    Signature,
    StorageError,
    atomic_write_bytes,
    fsync_dir,
    remove_stale_temp_files,
)
from tuireader.library.parse_cache import cache_path_for, parsed, save_parsed
from tuireader.library.search import haystack, record_columns

SCHEMA_VERSION = 1

#: Backups kept per highlight shard (``annotations/<id>.json.bak1`` ...).
SHARD_BACKUPS = 2

#: Library-wide queries trust a shard's in-memory copy for this long before checking the file
#: again (one ``stat`` per shard per query otherwise).  Only changes made by *another* program
#: can be this late to show; this process's own saves show at once, and every write still checks.
SHARD_RECHECK_SECONDS = 1.0

#: Migrations: ``MIGRATIONS[n]`` turns a schema-``n`` database (the raw dict of tables) into
#: schema ``n + 1``.  Version 0 is a file written before the version was recorded.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    0: lambda tables: tables,
}


class StoreError(StorageError):
    """A library operation failed; ``str(exc)`` is a one-line message for the user."""


class NotFound(StoreError, LookupError):
    """No article (or highlight) matches the given id."""


__all__ = [
    "AddResult",
    "NotFound",
    "ReadOnlyError",
    "Store",
    "StoreError",
]


@dataclass(slots=True)
class Opening:
    """Everything the reader needs to show one article: read together, off the event loop."""

    article: Article
    markdown: str
    highlights: list[Highlight]


@dataclass(slots=True)
class HighlightIndex:
    """Every highlight of a library as parallel lists (see :meth:`Store.highlight_index`)."""

    #: The store's raw highlight records (read-only).
    records: list[dict[str, Any]]
    #: Per record: quote, note and tags, case-folded, NUL-separated.
    haystacks: list[str]
    #: (article id, how many consecutive records are that article's), in order.
    runs: list[tuple[str, int]]
    #: Per record, for filters: folded tags (see :func:`~tuireader.library.search.tags_text`),
    #: colour and anchor state.
    tag_texts: list[str]
    kinds: list[int]
    anchors: list[str]


@dataclass
class AddResult:
    """What :meth:`Store.add_article` did: ``status`` is "added", "exists" or "updated"."""

    article: Article
    status: str


def content_hash(markdown: str) -> str:
    return hashlib.sha256(markdown.encode("utf-8")).hexdigest()


def _tinydb(storage: DurableStorage) -> TinyDB:
    """A TinyDB on an already-built storage instance (TinyDB calls ``storage()`` itself)."""
    return TinyDB(storage=lambda: storage)


class Store:
    """A library folder, opened for reading and (if the lock can be had) writing.

    Thread-safe: the App calls it from thread workers.  Open with ``Store(path)``; ``warnings``
    then lists anything the user must be told (read-only because another instance holds the lock,
    a corrupt file recovered from backup, a newer schema).  Close with :meth:`close`.

    ``preload=True`` starts :meth:`start_preload` (reading every highlight shard in the
    background); the App wants it, a one-shot command line does not.  Warnings found later (a
    shard recovered from its backup during a query) are appended to ``warnings`` too.
    """

    def __init__(
        self, library_dir: str | Path, *, read_only: bool = False, preload: bool = False
    ) -> None:
        self.dir = Path(library_dir).expanduser()
        self.warnings: list[str] = []
        self._lock = threading.RLock()
        self._file_lock: FileLock | None = None
        self._shards: dict[str, TinyDB] = {}
        self._shard_storages: dict[str, DurableStorage] = {}
        self._views: dict[str, _ShardView] = {}
        self._preload_thread: threading.Thread | None = None
        self._closed = False
        if self.dir.exists() and not self.dir.is_dir():
            raise StoreError(f"library path {self.dir} exists and is not a folder")
        for parent in self.dir.parents:
            # A file on the way would otherwise read as an empty library.
            if parent.exists():
                if not parent.is_dir():
                    raise StoreError(f"library path {self.dir}: {parent} is not a folder")
                break
        self.read_only = read_only
        if not read_only:
            try:
                (self.dir / "articles").mkdir(parents=True, exist_ok=True)
                (self.dir / "annotations").mkdir(exist_ok=True)
            except OSError as exc:
                if not self.dir.is_dir():
                    raise StoreError(
                        f"cannot create the library folder {self.dir}: {exc.strerror or exc}"
                    ) from exc
                self._go_read_only(f"the library folder {self.dir} is not writable")
        if not self.read_only:
            self._acquire_lock()
        try:
            if not self.read_only:
                for sub in (self.dir, self.dir / "articles", self.dir / "annotations"):
                    remove_stale_temp_files(sub)
                self._clean_trash()
            self._storage = DurableStorage(
                self.dir / "library.json", read_only=self.read_only, on_warning=self._warn
            )
            self._db = _tinydb(self._storage)
            self._articles = self._db.table("articles")
            self._check_schema()
        except BaseException:
            self._release_lock()
            raise
        if preload:
            self.start_preload()

    # -- opening ------------------------------------------------------------------------------

    def _warn(self, message: str) -> None:
        self.warnings.append(message)

    def _go_read_only(self, why: str) -> None:
        self.read_only = True
        self._warn(f"{why}: opened read-only, changes will not be saved")

    def _acquire_lock(self) -> None:
        lock = FileLock(self.dir / ".lock")
        try:
            lock.acquire(timeout=0)
        except Timeout:
            self._go_read_only("another tuireader is using this library")
            return
        except OSError as exc:
            self._go_read_only(f"cannot lock the library ({exc.strerror or exc})")
            return
        self._file_lock = lock

    def _release_lock(self) -> None:
        if self._file_lock is not None:
            self._file_lock.release()
            self._file_lock = None

    def _check_schema(self) -> None:
        meta = self._db.table("_meta")
        record = meta.get(doc_id=1)
        has_data = bool(self._articles.all()) if record is None else True
        version = int(record.get("schema_version", 0)) if record else (0 if has_data else None)
        if version is None:
            if not self.read_only:
                meta.upsert(TinyDocument({"schema_version": SCHEMA_VERSION}, doc_id=1))
            return
        if version > SCHEMA_VERSION:
            if not self.read_only:
                self._go_read_only(
                    f"the library was written by a newer tuireader (schema {version}, "
                    f"this one knows {SCHEMA_VERSION})"
                )
                self._storage.read_only = True
                # Leave the library to the newer program: it may be started while this one runs.
                self._release_lock()
            return
        if version < SCHEMA_VERSION:
            if self.read_only:
                self._warn(f"the library has an older schema ({version}); "
                           "open it writable to migrate")
                return
            keep = self._storage.path.with_name(f"library.json.v{version}-backup")
            shutil.copy2(self._storage.path, keep)
            tables = self._storage.read() or {}
            for step in range(version, SCHEMA_VERSION):
                tables = MIGRATIONS[step](tables)
            tables.setdefault("_meta", {})["1"] = {"schema_version": SCHEMA_VERSION}
            self._storage.write(tables)
            self._db.clear_cache()
            self._warn(f"migrated the library from schema {version} to {SCHEMA_VERSION}; "
                       f"the old file is kept as {keep.name}")

    def _clean_trash(self) -> None:
        """Remove what a removal killed half-way left in ``trash/``: the temporary file of its
        record and, when the record was never written, the empty folder."""
        try:
            folders = [e.path for e in os.scandir(self.dir / "trash") if e.is_dir()]
        except OSError:
            return
        for folder in folders:
            if remove_stale_temp_files(Path(folder)):
                try:
                    os.rmdir(folder)  # only succeeds when nothing else is in it
                except OSError:
                    continue

    def close(self) -> None:
        """Release the lock and the in-memory copies.  Waits for a running preload to stop."""
        with self._lock:
            self._closed = True
        thread = self._preload_thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        with self._lock:
            for shard in self._shards.values():
                shard.close()
            self._shards.clear()
            self._shard_storages.clear()
            self._views.clear()
            self._db.close()
            self._release_lock()

    def start_preload(self) -> None:
        """Read every highlight shard in a background thread.

        The first library-wide query (tag, search, counts) must otherwise parse every shard
        itself (about 0.5 s for 50,000 highlights).  The thread takes the store lock one shard at
        a time, so saves are never held up by more than one small file; a query that arrives
        before it finishes simply reads the remaining shards itself.
        """
        with self._lock:
            if self._preload_thread is not None or self._closed:
                return
            self._preload_thread = threading.Thread(
                target=self._preload, name="tuireader-preload", daemon=True
            )
        self._preload_thread.start()

    def _preload(self) -> None:
        # No store lock here (only atomic dict operations): a thread that took it once per
        # shard would be starved by a stream of saves, each holding it through an fsync.
        for article_id in self._article_ids():
            if self._closed:
                return
            storage = self._shard_storage(article_id)
            view = self._views.get(article_id)
            if view is None or view.signature != storage.signature:
                # A shard that cannot be read is left for the query that needs it, which
                # repairs it or raises.
                cached = storage.prefetch()
                if cached is None:
                    continue
                signature, data = cached
                view = _ShardView(signature,
                                  sorted(data.get("highlights", {}).values(), key=_text_order))
                # The view is kept only if the shard is still that version; a query or a save
                # that got there first wins (and gets the caches below), and a stale view is
                # rebuilt by _view.
                if storage.signature == signature:
                    view = self._views.setdefault(article_id, view)
            # Build what the first queries need too: tag index and folded text (also for a
            # view a query made before the preload got to it, e.g. the counts of the library
            # list at start).
            view.tag_index()
            view.haystacks()
        # Then, less urgent, the highlights view's filter columns.
        for article_id in self._article_ids():
            if self._closed:
                return
            view = self._views.get(article_id)
            if view is not None:
                view.filter_columns()
        # The records read are long-lived (~20 objects per highlight, a million for 50,000):
        # left to the collector, each full collection walks them all again (0.1-0.2 s, a
        # visible pause wherever it falls, e.g. while the highlights view opens).  Moved out of
        # its reach, like the reader's loaded document.
        gc.freeze()

    @property
    def preloading(self) -> bool:
        """True while :meth:`start_preload`'s thread is still reading shards."""
        return self._preload_thread is not None and self._preload_thread.is_alive()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _require_writable(self) -> None:
        if self.read_only:
            raise ReadOnlyError("the library is open read-only; the change was not saved")

    @property
    def seeded(self) -> bool:
        """True once the bundled samples were offered to this library (so they never come back)."""
        record = self._db.table("_meta").get(doc_id=1)
        return bool(record and record.get("seeded"))

    def mark_seeded(self) -> None:
        self._require_writable()
        with self._lock:
            self._db.table("_meta").update({"seeded": True}, doc_ids=[1])

    # -- articles ---------------------------------------------------------------------------

    def parse_cache_path(self, article_id: str) -> Path:
        """Where the reader keeps the parsed form of an article's body (derived, rebuildable)."""
        return cache_path_for(self.body_path(article_id))

    def body_path(self, article_id: str) -> Path:
        return self.dir / "articles" / f"{article_id}.md"

    def _article_records(self) -> list[dict[str, Any]]:
        """The raw article records, straight from the storage's parsed copy (no TinyDB
        Document copies: this runs on every list and every library-wide query)."""
        data = self._storage.read() or {}
        return list(data.get("articles", {}).values())

    def _article_ids(self) -> list[str]:
        with self._lock:
            return [str(r.get("id")) for r in self._article_records()]

    def list_articles(self) -> list[Article]:
        with self._lock:
            return [Article.from_record(r) for r in self._article_records()]

    def get_article(self, article_id: str) -> Article | None:
        with self._lock:
            doc = self._articles.get(_by_id(article_id))
            return Article.from_record(doc) if doc else None

    def resolve(self, ref: str) -> Article:
        """The article whose id is ``ref`` or starts with it (like git); NotFound otherwise."""
        ref = ref.strip()
        with self._lock:
            exact = self.get_article(ref)
            if exact:
                return exact
            matches = [a for a in self.list_articles() if ref and a.id.startswith(ref)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise NotFound(f"no article with id {ref!r}")
        raise NotFound(f"article id {ref!r} is ambiguous ({len(matches)} articles match)")

    def find_by_hash(self, digest: str) -> Article | None:
        with self._lock:
            doc = self._articles.get(_field_eq("content_hash", digest))
            return Article.from_record(doc) if doc else None

    def find_by_source(self, source: str) -> Article | None:
        if not source or source == "-":
            return None
        with self._lock:
            doc = self._articles.get(_field_eq("source", source))
            return Article.from_record(doc) if doc else None

    def read_markdown(self, article_id: str) -> str:
        try:
            return self.body_path(article_id).read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise StoreError(
                f"the text of article {article_id} is missing from the library"
            ) from exc

    def read_opening(self, article_id: str) -> Opening:
        """The article, its text and its highlights (NotFound, StoreError or OSError)."""
        article = self.get_article(article_id)
        if article is None:
            raise NotFound(f"no article with id {article_id}")
        return Opening(article, self.read_markdown(article_id), self.highlights(article_id))

    def most_recent(self) -> str | None:
        """The id of the article opened last, if any has been opened."""
        with self._lock:
            opened = [(str(r.get("last_opened") or ""), str(r.get("id")))
                      for r in self._article_records()]
        when, article_id = max(opened, default=("", ""))
        return article_id if when else None

    def add_article(self, imported: ImportedArticle, tags: Iterable[str] = ()) -> AddResult:
        """Store an imported article.

        The same content (by hash) is reported as "exists".  New content from a source already in
        the library (same URL or path) replaces that article's text and keeps its id, tags,
        highlights and reading state: "updated".
        """
        self._require_writable()
        markdown = imported.markdown
        digest = content_hash(markdown)
        clean_tags = _merge_tags([], tags)
        document = parse_markdown(markdown)
        plain = document.plain_text
        with self._lock:
            existing = self.find_by_hash(digest)
            if existing:
                if clean_tags and set(clean_tags) - set(existing.tags):
                    existing.tags = _merge_tags(existing.tags, clean_tags)
                    self.update_article(existing)
                return AddResult(existing, "exists")
            previous = self.find_by_source(imported.source)
            article = previous or Article(id=self._fresh_id(), title=imported.title)
            article.title = imported.title or article.title or "Untitled"
            article.author = imported.author
            article.source = imported.source
            article.url = imported.url
            article.site = imported.site
            article.published = imported.published
            article.language = imported.language
            article.content_hash = digest
            article.word_count = len(plain.split())
            article.char_count = len(plain)
            article.tags = _merge_tags(article.tags, clean_tags)
            # Order matters for a crash between steps: the body first, then the highlights
            # re-anchored to it, the metadata (with the new hash) last.  Until the metadata is
            # written the import is not acknowledged, and running it again redoes every step
            # (re-anchoring works from each highlight's quote, so it is idempotent).
            old_text = self._old_plain_text(previous.id) if previous is not None else None
            atomic_write_bytes(self.body_path(article.id), markdown.encode("utf-8"))
            try:
                # The import parsed the article anyway: keep the parse, so the first open in
                # the reader shows the saved place at once, whatever the article's size.
                save_parsed(self.body_path(article.id), markdown, document)
            except OSError as exc:
                self._warn(f"cannot cache the parsed article {article.id}: {exc}")
            if previous is not None:
                self._reanchor_after_update(previous.id, plain, old_text)
                article.position = min(article.position, len(plain))
            _upsert_by_id(self._articles, [article.to_record()])
            return AddResult(article, "updated" if previous else "added")

    def _old_plain_text(self, article_id: str) -> str | None:
        """The plain text an article's highlights are anchored in (before a re-import), or
        None if its body cannot be read (re-anchoring then works from the quotes alone)."""
        if not self._view(article_id).records:
            return None
        try:
            body = self.body_path(article_id)
            return parsed(body, self.read_markdown(article_id)).plain_text
        except (OSError, StoreError):
            return None

    def _reanchor_after_update(self, article_id: str, new_text: str,
                               old_text: str | None = None) -> None:
        from tuireader.core.anchoring import reanchor

        highlights = self.highlights(article_id)
        if not highlights:
            return
        changed = []
        for highlight in highlights:
            if reanchor(highlight, new_text, old_text):
                changed.append(highlight)
        if changed:
            self.save_highlights(changed)

    def _fresh_id(self) -> str:
        while True:
            candidate = new_id()
            if self.get_article(candidate) is None and not self.body_path(candidate).exists():
                return candidate

    def update_article(self, article: Article) -> None:
        """Save an article's metadata (title, tags, reading position ...)."""
        self._require_writable()
        with self._lock:
            if self._articles.get(_by_id(article.id)) is None:
                raise NotFound(f"no article with id {article.id!r}")
            _upsert_by_id(self._articles, [article.to_record()])

    def remove_article(self, article_id: str) -> Path:
        """Move an article, its text and its highlights to ``trash/``; return that folder."""
        self._require_writable()
        with self._lock:
            article = self.get_article(article_id)
            if article is None:
                raise NotFound(f"no article with id {article_id!r}")
            trash = self.dir / "trash" / f"{now_iso().replace(':', '')}-{article_id}"
            trash.mkdir(parents=True, exist_ok=True)
            record = {"article": article.to_record(),
                      "highlights": [h.to_record() for h in self.highlights(article_id)]}
            atomic_write_bytes(trash / "article.json",
                               json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8"))
            # The trash record (metadata and every highlight) is durable before anything is
            # removed; the article leaves library.json next, and only then are its files moved,
            # so a crash in between leaves at worst an unreferenced file, never a listed article
            # without its text.
            self._articles.remove(_by_id(article_id))
            shard = self._shards.pop(article_id, None)
            if shard is not None:
                shard.close()
            self._shard_storages.pop(article_id, None)
            self._views.pop(article_id, None)
            shard_path = self._shard_path(article_id)
            self.parse_cache_path(article_id).unlink(missing_ok=True)
            moves = [(self.body_path(article_id), "article.md"), (shard_path, "annotations.json")]
            moves += [
                (shard_path.with_name(f"{shard_path.name}.bak{n}"), f"annotations.json.bak{n}")
                for n in range(1, SHARD_BACKUPS + 1)
            ]
            for src, name in moves:
                if src.exists():
                    os.replace(src, trash / name)
            fsync_dir(trash)
            fsync_dir(self.dir / "articles")
            fsync_dir(self.dir / "annotations")
            return trash

    # -- highlights ---------------------------------------------------------------------------

    def _shard_path(self, article_id: str) -> Path:
        return self.dir / "annotations" / f"{article_id}.json"

    def _shard_storage(self, article_id: str) -> DurableStorage:
        """The shard's storage; it keeps the parsed file, re-read only when the file changes."""
        storage = self._shard_storages.get(article_id)
        if storage is None:
            # setdefault, not assignment: the preload thread calls this without the store lock,
            # and both threads must end up with the same instance.
            storage = self._shard_storages.setdefault(article_id, DurableStorage(
                self._shard_path(article_id), read_only=self.read_only, on_warning=self._warn,
                backups=SHARD_BACKUPS))
        return storage

    def _shard(self, article_id: str) -> TinyDB:
        shard = self._shards.get(article_id)
        if shard is None:
            shard = _tinydb(self._shard_storage(article_id))
            self._shards[article_id] = shard
        return shard

    def _view(self, article_id: str, *, fresh_within: float = 0.0) -> _ShardView:
        """The article's highlight records in text order, rebuilt only when the shard changed."""
        storage = self._shard_storage(article_id)
        data = storage.read(fresh_within=fresh_within) or {}
        view = self._views.get(article_id)
        if view is None or view.signature != storage.signature:
            records = sorted(data.get("highlights", {}).values(), key=_text_order)
            view = _ShardView(storage.signature, records)
            self._views[article_id] = view
        return view

    def highlights(self, article_id: str) -> list[Highlight]:
        """The article's highlights in text order (new objects: the caller may change them)."""
        with self._lock:
            return [Highlight.from_record(r) for r in self._view(article_id).records]

    def all_highlights(self) -> list[Highlight]:
        """Every highlight in the library (orphans included), article by article in text order."""
        return self.query_highlights()

    def highlight_index(self, *, recheck: bool = True) -> HighlightIndex:
        """Every highlight's record and folded search text, article by article in text order.

        For library-wide views of many highlights: no :class:`Highlight` objects are made.  The
        records are the store's own parsed dicts: callers must treat them as read-only (make a
        ``Highlight.from_record`` to change one).

        ``recheck=False``: use the shards as last read, without looking at their files (one
        ``stat`` each, 2,000 of them for a big library, which a thread sharing the GIL with a
        busy UI pays for in waits).  The caller then runs :meth:`recheck_shards` and builds the
        index again if it says something changed: correct a moment later, never slow to show.
        """
        fresh = SHARD_RECHECK_SECONDS if recheck else math.inf
        with self._lock:
            index = HighlightIndex([], [], [], [], [], [])
            for aid in self._article_ids():
                view = self._view(aid, fresh_within=fresh)
                if view.records:
                    index.records += view.records
                    index.haystacks += view.haystacks()
                    index.runs.append((aid, len(view.records)))
                    tag_texts, kinds, anchors = view.filter_columns()
                    index.tag_texts += tag_texts
                    index.kinds += kinds
                    index.anchors += anchors
            return index

    def recheck_shards(self) -> bool:
        """Look at every highlight shard's file; True if any changed since it was read (by
        another program: this one's saves update the copies in memory)."""
        changed = False
        for aid in self._article_ids():
            with self._lock:  # per shard, so a save waits for one stat at most
                storage = self._shard_storage(aid)
                before = storage.signature
                storage.read()
                changed = changed or storage.signature != before
        return changed

    def titles(self) -> dict[str, str]:
        """Article id -> title, for every article (no :class:`Article` objects made)."""
        with self._lock:
            return {str(r.get("id")): str(r.get("title") or "") for r in self._article_records()}

    def highlight_counts(self) -> dict[str, int]:
        """How many highlights each article has (every article listed, 0 when none)."""
        counts = {}
        for aid in self._article_ids():
            # The lock per shard: before the preload has read them, this reads every shard
            # (0.5 s for 50,000 highlights), and a save must not wait for all of that.
            with self._lock:
                counts[aid] = len(self._view(aid, fresh_within=SHARD_RECHECK_SECONDS).records)
        return counts

    def query_highlights(
        self,
        *,
        tag: str | None = None,
        article_id: str | None = None,
        search: str | None = None,
    ) -> list[Highlight]:
        """Highlights filtered by tag, article and text (quote, note or tags, case-insensitive).

        The filters run on the raw records (pre-sorted, with their search text folded once per
        shard version) and only the matches become :class:`Highlight` objects: that keeps a
        query over 50,000 highlights well under 100 ms.
        """
        wanted = normalise_tag(tag) if tag else None
        needle = search.casefold() if search else None
        with self._lock:
            ids = [article_id] if article_id else self._article_ids()
            result: list[Highlight] = []
            recheck = 0.0 if article_id else SHARD_RECHECK_SECONDS
            for aid in ids:
                view = self._view(aid, fresh_within=recheck)
                if wanted is None and needle is None:
                    picked: Iterable[int] = range(len(view.records))
                elif wanted is not None:
                    picked = view.tag_index().get(wanted, ())
                    if needle is not None:
                        hays = view.haystacks()
                        picked = [i for i in picked if needle in hays[i]]
                else:
                    picked = [i for i, hay in enumerate(view.haystacks()) if needle in hay]
                result.extend(Highlight.from_record(view.records[i]) for i in picked)
            return result

    def add_highlight(self, highlight: Highlight) -> Highlight:
        self.save_highlights([highlight])
        return highlight

    def save_highlights(self, highlights: list[Highlight]) -> None:
        """Insert or update highlights (all of one article), durably, in one write."""
        self._require_writable()
        if not highlights:
            return
        article_id = highlights[0].article_id
        if any(h.article_id != article_id for h in highlights):
            raise StoreError("save_highlights takes highlights of one article at a time")
        with self._lock:
            if self.get_article(article_id) is None:
                raise NotFound(f"no article with id {article_id!r}")
            for h in highlights:
                h.tags = _merge_tags([], h.tags)
            _upsert_by_id(self._shard(article_id).table("highlights"),
                          [h.to_record() for h in highlights])

    def delete_highlight(self, highlight: Highlight) -> None:
        self._require_writable()
        with self._lock:
            self._shard(highlight.article_id).table("highlights").remove(_by_id(highlight.id))

    def get_highlight(self, highlight_id: str) -> Highlight | None:
        with self._lock:
            for aid in self._article_ids():
                for record in self._view(aid).records:
                    if record.get("id") == highlight_id:
                        return Highlight.from_record(record)
        return None

    def all_tags(self) -> list[str]:
        """Every tag used on an article or a highlight, sorted."""
        tags: set[str] = set()
        with self._lock:
            for record in self._article_records():
                tags.update(str(t) for t in record.get("tags") or ())
            for aid in self._article_ids():
                for record in self._view(aid).records:
                    tags.update(str(t) for t in record.get("tags") or ())
        return sorted(tags)


# -- in-memory views of the shards ------------------------------------------------------------

class _ShardView:
    """One shard's highlight records in text order, for the shard version ``signature``.

    The records are the storage's own parsed dicts (never mutated: saves replace them), so a
    view costs a list of references, plus the folded search text once a search asks for it.
    """

    __slots__ = ("_columns", "_haystacks", "_tags", "records", "signature")

    def __init__(self, signature: Signature | None, records: list[dict[str, Any]]) -> None:
        self.signature = signature
        self.records = records
        self._haystacks: list[str] | None = None
        self._tags: dict[str, list[int]] | None = None
        self._columns: tuple[list[str], list[int], list[str]] | None = None

    def filter_columns(self) -> tuple[list[str], list[int], list[str]]:
        """Per record: folded tags, colour and anchor state (the highlights view's filters)."""
        if self._columns is None:
            self._columns = record_columns(self.records)
        return self._columns

    def tag_index(self) -> dict[str, list[int]]:
        """Tag -> positions in :attr:`records` (in text order) of the highlights carrying it."""
        if self._tags is None:
            index: dict[str, list[int]] = {}
            for i, record in enumerate(self.records):
                for tag in record.get("tags") or ():
                    index.setdefault(str(tag), []).append(i)
            self._tags = index
        return self._tags

    def haystacks(self) -> list[str]:
        """Per record: quote, note and tags, case-folded, NUL-separated (a search never
        matches across two fields)."""
        if self._haystacks is None:
            self._haystacks = [haystack(r) for r in self.records]
        return self._haystacks


def _as_int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _text_order(record: dict[str, Any]) -> tuple[int, int, str]:
    """Sort key of a raw highlight record: position, then length, then creation time.  Tolerates
    hand-edited records with missing or mistyped fields rather than failing the whole query."""
    return (_as_int(record.get("start")), _as_int(record.get("end")),
            str(record.get("created", "")))


# -- small TinyDB helpers ---------------------------------------------------------------------

def _by_id(value: str) -> Callable[[dict[str, Any]], bool]:
    return _field_eq("id", value)


def _field_eq(name: str, value: object) -> Any:
    from tinydb import where

    return where(name) == value


def _upsert_by_id(table: Table, records: list[dict[str, Any]]) -> None:
    """Insert-or-replace records keyed on their ``id`` field, in ONE storage write.

    Done inside TinyDB's read-modify-write step so that the document keys are computed from the
    contents just read (which the storage reloads if another program replaced the file).
    """

    def updater(docs: dict[int, Any]) -> None:
        index = {doc.get("id"): key for key, doc in docs.items()}
        next_key = max(docs, default=0) + 1
        for record in records:
            key = index.get(record["id"])
            if key is None:
                key = next_key
                next_key += 1
                index[record["id"]] = key
            docs[key] = record

    table._update_table(updater)
    table._next_id = None  # TinyDB recomputes it from the table on the next insert


def _merge_tags(current: Iterable[str], extra: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for tag in [*current, *extra]:
        clean = normalise_tag(tag)
        if clean and clean not in seen:
            seen.append(clean)
    return seen
