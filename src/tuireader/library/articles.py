"""The articles of a library: their metadata in ``library.json`` and their Markdown bodies.

Reads take no lock: they work on the storage's parsed copy, which a save replaces rather than
changes (see :mod:`tuireader.library.durable`), so a reader sees the table before or after it.
A change that must look before it writes (is the article there? is the content new?) holds
:attr:`Articles.lock` from the look to the write.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from tuireader.core.model import Article
from tuireader.library.durable import DurableStorage
from tuireader.library.errors import NotFound, StoreError
from tuireader.library.migrations import META_KEY, META_TABLE, meta_record
from tuireader.library.parse_cache import cache_path_for

#: The table of article metadata in ``library.json``.
TABLE = "articles"


class Articles:
    """``library.json`` (table "articles", and the library's ``_meta`` record) plus
    ``articles/<id>.md``, each article's body, written once, atomically."""

    def __init__(self, library_dir: Path, storage: DurableStorage) -> None:
        self.dir = library_dir
        self.storage = storage
        #: Held by a change from its check to its write (re-entrant).
        self.lock = threading.RLock()

    # -- reading ------------------------------------------------------------------------------

    def records(self) -> list[dict[str, Any]]:
        """The raw article records, straight from the storage's parsed copy (read-only; no
        copies made: this runs on every list and every library-wide query)."""
        return list(((self.storage.read() or {}).get(TABLE) or {}).values())

    def ids(self) -> list[str]:
        return [str(r.get("id")) for r in self.records()]

    def all(self) -> list[Article]:
        return [Article.from_record(r) for r in self.records()]

    def find(self, field: str, value: object) -> Article | None:
        """The first article whose ``field`` equals ``value``."""
        record = next((r for r in self.records() if r.get(field) == value), None)
        return Article.from_record(record) if record is not None else None

    def get(self, article_id: str) -> Article | None:
        return self.find("id", article_id)

    def exists(self, article_id: str) -> bool:
        return any(r.get("id") == article_id for r in self.records())

    def titles(self) -> dict[str, str]:
        """Article id -> title, for every article (no :class:`Article` objects made)."""
        return {str(r.get("id")): str(r.get("title") or "") for r in self.records()}

    def most_recent(self) -> str | None:
        """The id of the article opened last, if any has been opened."""
        opened = [(str(r.get("last_opened") or ""), str(r.get("id"))) for r in self.records()]
        when, article_id = max(opened, default=("", ""))
        return article_id if when else None

    def resolve(self, ref: str) -> Article:
        """The article whose id is ``ref`` or starts with it (like git); NotFound otherwise."""
        ref = ref.strip()
        exact = self.get(ref)
        if exact:
            return exact
        matches = [r for r in self.records() if ref and str(r.get("id")).startswith(ref)]
        if len(matches) == 1:
            return Article.from_record(matches[0])
        if not matches:
            raise NotFound(f"no article with id {ref!r}")
        raise NotFound(f"article id {ref!r} is ambiguous ({len(matches)} articles match)")

    def meta(self) -> dict[str, Any]:
        """The library's ``_meta`` record (schema version, whether samples were offered)."""
        return meta_record(self.storage.read()) or {}

    # -- bodies -------------------------------------------------------------------------------

    def body_path(self, article_id: str) -> Path:
        return self.dir / "articles" / f"{article_id}.md"

    def parse_cache_path(self, article_id: str) -> Path:
        """Where the reader keeps the parsed form of an article's body (derived, rebuildable)."""
        return cache_path_for(self.body_path(article_id))

    def read_markdown(self, article_id: str) -> str:
        try:
            return self.body_path(article_id).read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise StoreError(
                f"the text of article {article_id} is missing from the library"
            ) from exc

    # -- writing ------------------------------------------------------------------------------

    def put(self, article: Article) -> None:
        """Insert or replace an article's metadata, durably."""
        self.storage.put_records(TABLE, [article.to_record()])

    def update(self, article: Article) -> None:
        """Replace the metadata of an article in the library (NotFound if it is not)."""
        with self.lock:
            if not self.exists(article.id):
                raise NotFound(f"no article with id {article.id!r}")
            self.put(article)

    def remove(self, article_id: str) -> None:
        """Remove an article's metadata, durably (its files are the caller's)."""
        self.storage.remove_records(TABLE, {article_id})

    def set_meta(self, **fields: object) -> None:
        """Add ``fields`` to the library's ``_meta`` record, durably."""
        with self.lock:
            self.storage.set_document(META_TABLE, META_KEY, {**self.meta(), **fields})

    def close(self) -> None:
        self.storage.close()
