"""Where the daily review keeps what it knows: one small file per article, one for tags.

Layout (inside the library folder)::

    review/<article_id>.json   TinyDB: table "highlights" (one record per reviewed highlight,
                               keyed by the highlight's id) and table "article" (its frequency)
    review/tags.json           TinyDB: table "tags" (one record per tag whose frequency was set)
                               and table "days" (the review days of removed articles' records,
                               one record per day, so a removal does not break the streak)

Why per article, next to ``annotations/<article_id>.json``: a rating rewrites one small file,
never a library-wide one, and when the library folder is synchronised between machines
(issue #21) two machines reviewing different articles touch different files; every record
carries its own id (the highlight's, the tag itself), so a merge can go record by record.

Every write goes through :class:`~tuireader.library.durable.DurableStorage` (temp file, fsync,
rename, fsync of the folder): when a method returns, the change is on disk, and a kill -9 after
that loses nothing.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuireader.library.durable import DurableStorage, remove_stale_temp_files

#: Frequencies, as the review screen and the article list offer them, and their weights.
FREQUENCIES: dict[str, float] = {"never": 0.0, "less": 0.4, "normal": 1.0, "more": 2.5}
#: Backups kept per review file (a rating is small; one previous version is enough to repair).
REVIEW_BACKUPS = 1
#: How many distinct review days a record remembers (for the streak).
DAYS_KEPT = 60
#: Library-wide reads trust a file looked at less than this many seconds ago (as the
#: highlight shards do): another program's change shows a moment later, never slowly.
LIBRARY_WIDE_FRESH = 1.0


@dataclass
class ReviewRecord:
    """What the review knows about one highlight.  Plain JSON when stored."""

    id: str
    article_id: str
    #: ISO time it was last shown ("" never).
    last_shown: str = ""
    times_shown: int = 0
    #: The ISO dates (YYYY-MM-DD, UTC) it was reviewed on, newest last, at most DAYS_KEPT.
    days: list[str] = field(default_factory=list)
    #: Discarded: never in a review again (undoable).
    discarded: bool = False
    #: The FSRS card (``fsrs.Card.to_dict()``) once mastered, else None.
    card: dict[str, Any] | None = None
    #: How many times it was rated as a card.
    ratings: int = 0

    def to_record(self) -> dict[str, Any]:
        return {"id": self.id, "article_id": self.article_id, "last_shown": self.last_shown,
                "times_shown": self.times_shown, "days": list(self.days),
                "discarded": self.discarded, "card": dict(self.card) if self.card else None,
                "ratings": self.ratings}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> ReviewRecord:
        """Tolerant: a field of the wrong type takes its default (a hand-edited file must not
        stop the review)."""
        def get(name: str, kind: type, default: Any) -> Any:
            value = record.get(name, default)
            return value if isinstance(value, kind) and not (
                kind is int and isinstance(value, bool)) else default

        card = record.get("card")
        return cls(id=str(record.get("id", "")), article_id=str(record.get("article_id", "")),
                   last_shown=get("last_shown", str, ""),
                   times_shown=max(0, get("times_shown", int, 0)),
                   days=[str(d) for d in get("days", list, [])][-DAYS_KEPT:],
                   discarded=get("discarded", bool, False),
                   card=card if isinstance(card, dict) else None,
                   ratings=max(0, get("ratings", int, 0)))


class ReviewFiles:
    """The ``review/`` folder: per-article record files and the tags file, each a
    :class:`DurableStorage` kept open (its parsed copy is re-read only when the file changes)."""

    def __init__(self, folder: Path, *, read_only: bool,
                 on_warning: Callable[[str], None]) -> None:
        self.folder = folder
        self.read_only = read_only
        self._warn = on_warning
        self._storages: dict[str, DurableStorage] = {}
        #: Per article: the file's signature and its records as last parsed (a draw reads
        #: a thousand files; each is parsed again only when it changed).
        self._parsed: dict[str, tuple[object, str, dict[str, ReviewRecord]]] = {}
        #: The folder's modification time and the article ids with a file, as last listed.
        self._names: tuple[int, list[str]] | None = None
        self._lock = threading.RLock()
        if not read_only and folder.is_dir():
            remove_stale_temp_files(folder)

    def _storage(self, name: str) -> DurableStorage:
        with self._lock:
            storage = self._storages.get(name)
            if storage is None:
                storage = self._storages[name] = DurableStorage(
                    self.folder / f"{name}.json", read_only=self.read_only,
                    on_warning=self._warn, backups=REVIEW_BACKUPS)
            return storage

    def _table(self, name: str, table: str, fresh_within: float = 0.0) -> dict[str, Any]:
        with self._lock:
            data = self._storage(name).read(fresh_within=fresh_within) or {}
        docs = data.get(table) or {}
        return docs if isinstance(docs, dict) else {}

    def _put(self, name: str, table: str, records: list[dict[str, Any]]) -> None:
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._storage(name).put_records(table, records)

    def _remove(self, name: str, table: str, ids: list[str]) -> None:
        with self._lock:
            if (self.folder / f"{name}.json").exists():
                self._storage(name).remove_records(table, ids)

    # -- highlights ---------------------------------------------------------------------------

    def article_names(self) -> list[str]:
        """The article ids that have a review file (the folder is listed again only when
        its modification time changed: a draw asks for them on every session)."""
        try:
            key = self.folder.stat().st_mtime_ns
        except OSError:
            return []
        with self._lock:
            if self._names is None or self._names[0] != key:
                names = sorted(p.stem for p in self.folder.glob("*.json") if p.stem != "tags")
                self._names = (key, names)
            return self._names[1]

    def state(self, article_id: str, *, fresh_within: float = 0.0
              ) -> tuple[str, dict[str, ReviewRecord]]:
        """(the article's frequency, highlight id -> its record), parsed once per version of
        the file (shared objects: copy a record to change it).

        ``fresh_within``: trust the copy in memory if the file was looked at less than this
        many seconds ago (library-wide reads; this program's own writes are always seen)."""
        with self._lock:
            storage = self._storage(article_id)
            data = storage.read(fresh_within=fresh_within) or {}
            signature = storage.signature
            cached = self._parsed.get(article_id)
            if cached is not None and signature is not None and cached[0] == signature:
                return cached[1], cached[2]
            docs = data.get("highlights")
            records = {str(doc.get("id")): ReviewRecord.from_record(doc)
                       for doc in (docs.values() if isinstance(docs, dict) else ())
                       if isinstance(doc, dict) and doc.get("id")}
            frequency = "normal"
            table = data.get("article")
            for doc in (table.values() if isinstance(table, dict) else ()):
                if isinstance(doc, dict) and doc.get("frequency") in FREQUENCIES:
                    frequency = str(doc["frequency"])
            self._parsed[article_id] = (signature, frequency, records)
            return frequency, records

    def records(self, article_id: str, *, fresh_within: float = 0.0) -> dict[str, ReviewRecord]:
        """Highlight id -> its record, for one article (see :meth:`state`)."""
        return self.state(article_id, fresh_within=fresh_within)[1]

    def all_records(self, *, fresh_within: float = LIBRARY_WIDE_FRESH) -> Iterator[ReviewRecord]:
        for article_id in self.article_names():
            yield from self.records(article_id, fresh_within=fresh_within).values()

    def get(self, article_id: str, highlight_id: str) -> ReviewRecord | None:
        record = self.records(article_id).get(highlight_id)
        return copy.deepcopy(record) if record is not None else None

    def put(self, record: ReviewRecord) -> None:
        """Save one record (durable when this returns)."""
        self._put(record.article_id, "highlights", [record.to_record()])

    def remove(self, article_id: str, highlight_id: str) -> None:
        self._remove(article_id, "highlights", [highlight_id])

    def detach(self, article_id: str) -> list[tuple[Path, str]]:
        """Let go of a removed article's review file (closed, its copies in memory dropped)
        and say where it goes in the article's trash folder: ``(file, name)`` for the file
        and its backups (``review.json``, ``review.json.bak1`` ...), for the store to move."""
        with self._lock:
            days = sorted({day for r in self.records(article_id).values() for day in r.days})
            if days:  # the streak counts them still
                self._put("tags", "days", [{"id": day} for day in days])
            storage = self._storages.pop(article_id, None)
            if storage is not None:
                storage.close()
            self._parsed.pop(article_id, None)
            self._names = None
            name = f"{article_id}.json"
            return [(path, "review.json" + path.name.removeprefix(name))
                    for path in sorted(self.folder.glob(f"{name}*"))
                    if path.name == name or path.name.startswith(f"{name}.bak")]

    def removed_days(self) -> list[str]:
        """The days removed articles' records were reviewed on (see :meth:`detach`)."""
        return [str(doc.get("id")) for doc in self._table("tags", "days").values()
                if isinstance(doc, dict) and doc.get("id")]

    # -- frequencies --------------------------------------------------------------------------

    def article_frequency(self, article_id: str, *, fresh_within: float = 0.0) -> str:
        return self.state(article_id, fresh_within=fresh_within)[0]

    def set_article_frequency(self, article_id: str, frequency: str) -> None:
        _check(frequency)
        self._put(article_id, "article", [{"id": article_id, "frequency": frequency}])

    def tag_frequencies(self) -> dict[str, str]:
        """Tag -> frequency, for the tags set to something other than normal."""
        out: dict[str, str] = {}
        for doc in self._table("tags", "tags").values():
            if isinstance(doc, dict) and doc.get("frequency") in FREQUENCIES:
                out[str(doc.get("id"))] = str(doc["frequency"])
        return {tag: f for tag, f in out.items() if f != "normal"}

    def set_tag_frequency(self, tag: str, frequency: str) -> None:
        _check(frequency)
        self._put("tags", "tags", [{"id": tag, "frequency": frequency}])

    def close(self) -> None:
        with self._lock:
            for storage in self._storages.values():
                storage.close()
            self._storages.clear()
            self._parsed.clear()


def _check(frequency: str) -> None:
    if frequency not in FREQUENCIES:
        raise ValueError(f"unknown frequency {frequency!r} (never, less, normal or more)")
