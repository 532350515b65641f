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
keeps megabytes of article text out of the database entirely.  Library-wide queries read every
shard once and keep them in memory (the process holding the lock is the only writer, and each
shard's storage reloads itself if the file changes underneath).

Every write goes through :class:`~tuireader.storage.DurableStorage` (temp file, fsync, atomic
rename, fsync of the folder): when a method returns, the change is on disk.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from tinydb import TinyDB
from tinydb.table import Table
from tinydb.table import Document as TinyDocument

from tuireader.document import parse_markdown
from tuireader.importers.base import ImportedArticle
from tuireader.model import Article, Highlight, new_id, normalise_tag, now_iso
from tuireader.storage import (
    DurableStorage,
    ReadOnlyError,
    StorageError,
    atomic_write_bytes,
    fsync_dir,
    remove_stale_temp_files,
)

SCHEMA_VERSION = 1

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
    """

    def __init__(self, library_dir: str | Path, *, read_only: bool = False) -> None:
        self.dir = Path(library_dir).expanduser()
        self.warnings: list[str] = []
        self._lock = threading.RLock()
        self._file_lock: FileLock | None = None
        self._shards: dict[str, TinyDB] = {}
        self._all_loaded = False
        if self.dir.exists() and not self.dir.is_dir():
            raise StoreError(f"library path {self.dir} exists and is not a folder")
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
        if not self.read_only:
            for sub in (self.dir, self.dir / "articles", self.dir / "annotations"):
                remove_stale_temp_files(sub)
        self._storage = DurableStorage(
            self.dir / "library.json", read_only=self.read_only, on_warning=self._warn
        )
        self._db = _tinydb(self._storage)
        self._articles = self._db.table("articles")
        self._check_schema()

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
            return
        if version < SCHEMA_VERSION:
            if self.read_only:
                self._warn(f"the library has an older schema ({version}); open it writable to migrate")
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

    def close(self) -> None:
        with self._lock:
            for shard in self._shards.values():
                shard.close()
            self._shards.clear()
            self._db.close()
            if self._file_lock is not None:
                self._file_lock.release()
                self._file_lock = None

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

    def body_path(self, article_id: str) -> Path:
        return self.dir / "articles" / f"{article_id}.md"

    def list_articles(self) -> list[Article]:
        with self._lock:
            return [Article.from_record(doc) for doc in self._articles.all()]

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
            raise StoreError(f"the text of article {article_id} is missing from the library") from exc

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
        plain = parse_markdown(markdown).plain_text
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
            if previous is not None:
                old_text = parse_markdown(self.read_markdown(previous.id)).plain_text
                self._reanchor_after_update(previous.id, old_text, plain)
                article.position = min(article.position, len(plain))
            atomic_write_bytes(self.body_path(article.id), markdown.encode("utf-8"))
            _upsert_by_id(self._articles, [article.to_record()])
            return AddResult(article, "updated" if previous else "added")

    def _reanchor_after_update(self, article_id: str, old_text: str, new_text: str) -> None:
        from tuireader.anchoring import reanchor

        highlights = self.highlights(article_id)
        if not highlights:
            return
        changed = []
        for highlight in highlights:
            if reanchor(highlight, new_text):
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
            shard = self._shards.pop(article_id, None)
            if shard is not None:
                shard.close()
            for src, name in ((self.body_path(article_id), "article.md"),
                              (self._shard_path(article_id), "annotations.json")):
                if src.exists():
                    os.replace(src, trash / name)
            fsync_dir(trash)
            self._articles.remove(_by_id(article_id))
            return trash

    # -- highlights ---------------------------------------------------------------------------

    def _shard_path(self, article_id: str) -> Path:
        return self.dir / "annotations" / f"{article_id}.json"

    def _shard(self, article_id: str) -> TinyDB:
        shard = self._shards.get(article_id)
        if shard is None:
            storage = DurableStorage(self._shard_path(article_id), read_only=self.read_only,
                                     on_warning=self._warn, backups=2)
            shard = _tinydb(storage)
            self._shards[article_id] = shard
        return shard

    def highlights(self, article_id: str) -> list[Highlight]:
        """The article's highlights in text order."""
        with self._lock:
            docs = self._shard(article_id).table("highlights").all()
        items = [Highlight.from_record(d) for d in docs]
        items.sort(key=lambda h: (h.start, h.end, h.created))
        return items

    def all_highlights(self) -> list[Highlight]:
        """Every highlight in the library (orphans included)."""
        with self._lock:
            ids = [a.id for a in self.list_articles()]
            result: list[Highlight] = []
            for article_id in ids:
                if article_id not in self._shards and not self._shard_path(article_id).exists():
                    continue
                result.extend(self.highlights(article_id))
            return result

    def highlight_counts(self) -> dict[str, int]:
        with self._lock:
            counts: dict[str, int] = {}
            for article in self.list_articles():
                if article.id in self._shards or self._shard_path(article.id).exists():
                    counts[article.id] = len(self._shard(article.id).table("highlights"))
            return counts

    def query_highlights(
        self,
        *,
        tag: str | None = None,
        article_id: str | None = None,
        search: str | None = None,
    ) -> list[Highlight]:
        """Highlights filtered by tag, article and text (quote, note or tags, case-insensitive)."""
        items = self.highlights(article_id) if article_id else self.all_highlights()
        if tag:
            wanted = normalise_tag(tag)
            items = [h for h in items if wanted in h.tags]
        if search:
            needle = search.casefold()
            items = [h for h in items
                     if needle in h.exact.casefold() or needle in h.note.casefold()
                     or any(needle in t for t in h.tags)]
        return items

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
            for h in self.all_highlights():
                if h.id == highlight_id:
                    return h
        return None

    def all_tags(self) -> list[str]:
        """Every tag used on an article or a highlight, sorted."""
        tags: set[str] = set()
        for article in self.list_articles():
            tags.update(article.tags)
        for h in self.all_highlights():
            tags.update(h.tags)
        return sorted(tags)


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
