"""The articles of a library: their metadata in ``library.json`` and their Markdown bodies.

Each article also has a sidecar, ``articles/<id>.json``: its metadata record (plus the hash of
its plain text), written before ``library.json`` on every change.  ``library.json`` is then an
index that can always be rebuilt from the folder (see :mod:`~tuireader.library.reconcile`), and
a sync tool (issue #21) finds one small file per article.  A sidecar rather than front matter
in the body: the body is written once and hashed as it is (the "exists" check), while the
metadata changes; the body stays the article's plain Markdown.

The reading state (position, progress, last opened) is in neither: it is in one file per
device (see :mod:`~.reading`), and every :class:`Article` made here carries the newest of it.
A reading-position save (:meth:`Articles.save_reading`) writes only this device's file.

Reads take no lock: they work on the storage's parsed copy, which a save replaces rather than
changes (see :mod:`tuireader.library.durable`), so a reader sees the table before or after it.
A change that must look before it writes (is the article there? is the content new?) holds
:attr:`Articles.lock` from the look to the write.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tuireader.core.model import Article, Highlight, ImportedArticle, SpineItem
from tuireader.library import filecheck
from tuireader.library.device import stamp, this_device
from tuireader.library.durable import DurableStorage, atomic_write_bytes
from tuireader.library.errors import NotFound, StoreError
from tuireader.library.merge import ARTICLE_GROUPS, stamp_changes, tombstone
from tuireader.library.migrations import META_KEY, META_TABLE, meta_record
from tuireader.library.parse_cache import cache_path_for
from tuireader.library.reading import FIELDS as READING_FIELDS
from tuireader.library.reading import ReadingState

#: What an index record holds in place of the reading state (kept out of it, see above).
_NO_READING = {"position": 0, "progress": 0.0, "last_opened": ""}

#: The table of article metadata in ``library.json``.
TABLE = "articles"



def read_body(path: Path, root: Path, article_id: str) -> tuple[str, bool]:
    """An article body's text read leniently, and False when bytes that are not UTF-8 became
    U+FFFD (a stray byte-order mark, an editor's other encoding).  StoreError when the body is
    missing, not a regular file of the library under ``root``, or unreadable."""
    damage = filecheck.problem(path, root)
    if damage is not None:
        raise StoreError(f"the text of article {article_id} cannot be read: {path} is {damage}")
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise StoreError(f"the text of article {article_id} is missing from the library") from exc
    except OSError as exc:
        raise StoreError(f"the text of article {article_id} cannot be read: "
                         f"{exc.strerror or exc}") from exc
    try:
        return raw.decode("utf-8"), True
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace"), False

class Articles:
    """``library.json`` (table "articles", and the library's ``_meta`` record) plus
    ``articles/<id>.md``, each article's body, written once, atomically."""

    def __init__(self, library_dir: Path, storage: DurableStorage,
                 on_warning: Callable[[str], None] = lambda message: None) -> None:
        self.dir = library_dir
        self.storage = storage
        self._warn = on_warning
        self._lenient: set[str] = set()  # bodies already reported as not UTF-8
        #: Records found on disk but not in the index, shown while the library is read-only
        #: and cannot be repaired now (see :mod:`~tuireader.library.reconcile`).
        self.extra: dict[str, dict[str, Any]] = {}
        self._text_hashes: dict[str, str] | None = None  # id -> plain-text hash, from sidecars
        #: Held by a change from its check to its write (re-entrant).
        self.lock = threading.RLock()
        #: Called with an article's id after its metadata is written or removed (the search
        #: index's hook: see :mod:`~tuireader.library.fulltext`).
        self.on_change: Callable[[str], None] = lambda article_id: None
        #: Called with an article's id after its sidecar was written (the store's watch).
        self.on_sidecar: Callable[[str], None] = lambda article_id: None
        #: The reading state of every device (``reading/``), this device's file written.
        self.reading = ReadingState(library_dir, this_device().id, on_warning)

    # -- reading ------------------------------------------------------------------------------

    def records(self) -> list[dict[str, Any]]:
        """The raw article records, straight from the storage's parsed copy (read-only; no
        copies made: this runs on every list and every library-wide query)."""
        records = list(((self.storage.read() or {}).get(TABLE) or {}).values())
        if self.extra:
            known = {r.get("id") for r in records}
            records = [self.extra.get(str(r.get("id")), r) for r in records]
            records += [r for aid, r in self.extra.items() if aid not in known]
        return records

    def find_text(self, text_hash: str) -> Article | None:
        """The article whose plain text has this hash (the same text from another source,
        its links resolved differently), from the sidecars (read once, then kept)."""
        if self._text_hashes is None:
            hashes = {}
            for aid in self.ids():
                side = self.read_sidecar(aid)
                if side and side.get("text_hash"):
                    hashes[aid] = str(side["text_hash"])
            self._text_hashes = hashes
        match = next((aid for aid, h in self._text_hashes.items() if h == text_hash), None)
        return self.get(match) if match is not None else None

    def ids(self) -> list[str]:
        return [str(r.get("id")) for r in self.records()]

    def all(self) -> list[Article]:
        view = self.reading.view()
        return [self.reading.apply(Article.from_record(r), view) for r in self.records()]

    def find(self, field: str, value: object) -> Article | None:
        """The first article whose ``field`` equals ``value``."""
        record = next((r for r in self.records() if r.get(field) == value), None)
        return self.reading.apply(Article.from_record(record)) if record is not None else None

    def get(self, article_id: str) -> Article | None:
        return self.find("id", article_id)

    def exists(self, article_id: str) -> bool:
        return any(r.get("id") == article_id for r in self.records())

    def titles(self) -> dict[str, str]:
        """Article id -> title, for every article (no :class:`Article` objects made)."""
        return {str(r.get("id")): str(r.get("title") or "") for r in self.records()}

    def most_recent(self) -> str | None:
        """The id of the article opened last, if any has been opened."""
        view = self.reading.view()  # an index record of before holds it too (read-only)
        opened = [(str((view.get(str(r.get("id"))) or r).get("last_opened") or ""),
                   str(r.get("id"))) for r in self.records()]
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
            return self.reading.apply(Article.from_record(matches[0]))
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

    def sidecar_path(self, article_id: str) -> Path:
        """``articles/<id>.json``: the article's metadata, enough to re-index it."""
        return self.dir / "articles" / f"{article_id}.json"

    def read_sidecar(self, article_id: str) -> dict[str, Any] | None:
        """The sidecar's record, or None when it is missing or unusable."""
        path = self.sidecar_path(article_id)
        if filecheck.problem(path, self.dir) is not None:
            return None
        try:
            data = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return None
        if not isinstance(data, dict) or data.get("id") != article_id:
            return None
        return data

    def spine_path(self, article_id: str) -> Path:
        """``articles/<id>.spine.json``: a book's spine map, written with its body (once per
        import), so it is never part of the metadata writes a reading position makes."""
        return self.dir / "articles" / f"{article_id}.spine.json"

    def trash_moves(self, article_id: str) -> list[tuple[Path, str]]:
        """An article's files and their names in its trash folder (see :mod:`~.trash`)."""
        return [(self.body_path(article_id), "article.md"),
                (self.sidecar_path(article_id), "article.meta.json"),
                (self.spine_path(article_id), "article.spine.json")]

    def read_spine(self, article_id: str) -> list[SpineItem]:
        """The book's spine map ([] for an article that is not a book, or an unreadable map:
        it only sharpens where imported positions land, nothing depends on it)."""
        path = self.spine_path(article_id)
        if not path.exists() or filecheck.problem(path, self.dir) is not None:
            return []
        try:
            data = orjson.loads(path.read_bytes())
            return [SpineItem.from_record(item) for item in data]
        except (OSError, orjson.JSONDecodeError, TypeError, KeyError, ValueError):
            self._warn(f"the spine map of article {article_id} is unreadable ({path}); ignored")
            return []

    def write_spine(self, article_id: str, spine: list[SpineItem]) -> None:
        """Write (or, for an empty spine, remove) the book's spine map, durably."""
        path = self.spine_path(article_id)
        if not spine:
            path.unlink(missing_ok=True)
            return
        atomic_write_bytes(path, orjson.dumps([item.to_record() for item in spine]))

    def read_markdown(self, article_id: str) -> str:
        """The article's body.  Read leniently: bytes that are not UTF-8 (a stray byte-order
        mark, an editor's other encoding) become U+FFFD, with one warning, so the article
        still opens and exports; only a body that is missing or not a file is an error."""
        path = self.body_path(article_id)
        text, exact = read_body(path, self.dir, article_id)
        if not exact:
            self.warn_not_utf8(article_id)
        return text

    def warn_not_utf8(self, article_id: str) -> None:
        """Say (once per article) that its body was read with replacement characters."""
        if article_id not in self._lenient:
            self._lenient.add(article_id)
            self._warn(f"the text of article {article_id} is not valid UTF-8 "
                       f"({self.body_path(article_id)}); those bytes are shown as replacement "
                       "characters")

    # -- writing ------------------------------------------------------------------------------

    def put(self, article: Article, *, text_hash: str | None = None) -> None:
        """Insert or replace an article's metadata, durably: its sidecar first, then the index
        (a crash between leaves the sidecar newer, which is what a rebuild trusts).

        ``text_hash``: the hash of its plain text, kept in the sidecar (None: keep the one the
        sidecar has).
        """
        record = {**article.to_record(), **_NO_READING}
        if self.write_sidecar(record, text_hash) or self._indexed(article.id) != record:
            self.storage.put_records(TABLE, [record])
            self.on_change(article.id)
        if self.reading.differs(article):  # a reading state given with the metadata
            self._save_reading(article)

    def _indexed(self, article_id: str) -> dict[str, Any] | None:
        return next((r for r in self.records() if r.get("id") == article_id), None)

    def save_reading(self, article: Article) -> None:
        """Save ``article``'s reading state (position, progress, last opened) in this
        device's reading file, durably; nothing else is written: no sidecar, no index
        (NotFound if the article is not in the library, StoreError on failure)."""
        with self.lock:
            if not self.exists(article.id):
                raise NotFound(f"no article with id {article.id!r}")
            self._save_reading(article)

    def _save_reading(self, article: Article) -> None:
        try:
            self.reading.save(article.id, article.position, article.progress,
                              article.last_opened, stamp())
        except OSError as exc:
            raise StoreError(f"could not save the reading position of article {article.id}: "
                             f"{exc.strerror or exc}; nothing was changed") from exc

    def write_sidecar(self, record: dict[str, Any], text_hash: str | None = None) -> bool:
        """Write an article's sidecar durably (StoreError on failure: nothing changed); False
        when it already held this (nothing written: a file rewritten the same still looks
        changed to a sync tool).

        Each part that changed is stamped with the time and this device (see
        :func:`~.merge.stamp_changes`), and the file is written deterministically (sorted
        keys), so two machines' copies merge field by field.
        """
        article_id = str(record["id"])
        old = self.read_sidecar(article_id)
        if text_hash is None:
            text_hash = str((old or {}).get("text_hash") or "")
        record = {k: v for k, v in record.items() if k not in READING_FIELDS}
        try:
            stamped = stamp_changes(old, {**record, "text_hash": text_hash}, stamp(),
                                    this_device().id, ARTICLE_GROUPS)
            if isinstance(stamped.get("stamps"), dict) and "reading" in stamped["stamps"]:
                stamped["stamps"] = {k: v for k, v in stamped["stamps"].items()
                                     if k != "reading"}  # the reading state: see above
            if stamped == old:
                return False
            payload = orjson.dumps(stamped, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
            atomic_write_bytes(self.sidecar_path(article_id), payload)
            self.on_sidecar(article_id)
            if self._text_hashes is not None and text_hash:
                self._text_hashes[article_id] = text_hash
            return True
        except (OSError, TypeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise StoreError(f"could not save the metadata of article {article_id}: "
                             f"{reason}; nothing was changed") from exc

    def update(self, article: Article) -> None:
        """Replace the metadata of an article in the library (NotFound if it is not)."""
        with self.lock:
            if not self.exists(article.id):
                raise NotFound(f"no article with id {article.id!r}")
            self.put(article)

    def tombstone_path(self, article_id: str) -> Path:
        """``articles/<id>.deleted.json``: the trace of a removal, so that a synchronised
        copy of the library does not bring the article back (see :mod:`~.merge`)."""
        return self.dir / "articles" / f"{article_id}.deleted.json"

    def remove(self, article_id: str) -> None:
        """Remove an article's metadata, durably (its files are the caller's), leaving its
        tombstone."""
        atomic_write_bytes(self.tombstone_path(article_id), orjson.dumps(
            tombstone(article_id, stamp(), this_device().id), option=orjson.OPT_SORT_KEYS))
        self.storage.remove_records(TABLE, {article_id})
        self.extra.pop(article_id, None)
        try:
            self.reading.forget([article_id])
        except OSError as exc:  # the removal is done: a stale reading record is harmless
            self._warn(f"could not drop the reading position of article {article_id}: {exc}")
        if self._text_hashes is not None:
            self._text_hashes.pop(article_id, None)
        self.on_change(article_id)

    def set_meta(self, **fields: object) -> None:
        """Add ``fields`` to the library's ``_meta`` record, durably."""
        with self.lock:
            self.storage.set_document(META_TABLE, META_KEY, {**self.meta(), **fields})

    def close(self) -> None:
        self.storage.close()


def refuse_surrogates(imported: ImportedArticle, tags: Iterable[str]) -> None:
    """A lone surrogate (from a bad escape in front matter) cannot be written as UTF-8:
    refuse the article before anything is written, in one line."""
    fields = {"title": imported.title, "author": imported.author, "source": imported.source,
              "url": imported.url, "site": imported.site, "published": imported.published,
              "language": imported.language, "text": imported.markdown, "tags": " ".join(tags)}
    for name, value in fields.items():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise StoreError(f"the article's {name} holds an invalid character "
                             f"(a lone surrogate at {exc.start}); nothing was added") from exc


@dataclass(slots=True)
class Opening:
    """Everything the reader needs to show one article: read together, off the event loop."""

    article: Article
    markdown: str
    highlights: list[Highlight]


@dataclass
class AddResult:
    """What :meth:`Store.add_article` did: ``status`` is "added", "exists" or "updated"."""

    article: Article
    status: str


def content_hash(markdown: str) -> str:
    return hashlib.sha256(markdown.encode("utf-8")).hexdigest()
