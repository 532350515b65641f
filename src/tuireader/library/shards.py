"""Highlight shards: one small TinyDB file per article, ``annotations/<id>.json``.

Why shards: TinyDB rewrites a whole file on every change.  With 50,000 highlights in one file
(~23 MB) a single save takes about half a second before any fsync.  One small file per article
keeps a highlight save to a few kilobytes (tens of highlights) whatever the library's size.
Library-wide queries (by tag, by text, counts) read every shard once and then work on the parsed
records kept in memory by each shard's storage; a save updates that copy as it writes, and a
shard changed underneath (another program, or the writer seen from a read-only instance) is
noticed by its size/mtime and re-read.

:class:`ShardSet` holds every shard's storage, its records in text order (:class:`ShardView`)
and its lock; :meth:`ShardSet.save` is where a highlight goes to disk.
"""

from __future__ import annotations

import datetime
import math
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from tuireader.core.model import Highlight, normalise_tag
from tuireader.library.device import stamp, this_device
from tuireader.library.durable import Signature, StorageError
from tuireader.library.errors import NotFound, StoreError, read_only_error
from tuireader.library.merge import Outcome, merge_tables
from tuireader.library.records import TOMBSTONES, RecordFile, by_id
from tuireader.library.search import HighlightIndex, haystack, record_columns

#: Backups kept per highlight shard (``<id>.json.bak1`` ..., in the per-machine folder: see
#: :mod:`~.machine`).
SHARD_BACKUPS = 2

#: Library-wide queries trust a shard's in-memory copy for this long before checking the file
#: again (one ``stat`` per shard per query otherwise).  Only changes made by *another* program
#: can be this late to show; this process's own saves show at once, and every write still checks.
SHARD_RECHECK_SECONDS = 1.0

#: The shard's one table.
TABLE = "highlights"


class ShardView:
    """One shard's highlight records in text order, for the shard version ``signature``.

    The records are the storage's own parsed dicts (never mutated: saves replace them), so a
    view costs a list of references, plus the folded search text once a search asks for it.
    """

    __slots__ = ("_columns", "_haystacks", "_tags", "records", "signature")

    def __init__(self, signature: Signature | None, data: dict[str, Any] | None) -> None:
        self.signature = signature
        self.records: list[dict[str, Any]] = sorted(
            ((data or {}).get(TABLE) or {}).values(), key=_text_order)
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

    def matching(self, tag: str | None, needle: str | None) -> Iterable[int]:
        """Positions of the records carrying ``tag`` (normalised) and whose search text holds
        ``needle`` (folded); None matches everything."""
        if tag is None and needle is None:
            return range(len(self.records))
        picked: Iterable[int] = (self.tag_index().get(tag, ()) if tag is not None
                                 else range(len(self.records)))
        if needle is not None:
            hays = self.haystacks()
            picked = [i for i in picked if needle in hays[i]]
        return picked


class ShardSet:
    """Every article's highlight shard in the folder ``annotations/``.

    Per shard: its :class:`DurableStorage` (which keeps the parsed file, re-read only when the
    file changes), its :class:`ShardView` and its lock.  One lock per shard, not one for the
    library: a save waits only for work on the same article's file, never for a library-wide
    count reading the 2,000 others.

    ``article_ids`` lists the library's articles (the shards library-wide queries read, in
    order); ``exists`` tells whether one is in the library: a save into an article that is not
    (removed meanwhile) raises :class:`NotFound` instead of leaving a shard nobody lists.
    Neither may take a lock a caller may hold while it waits for a shard's lock (the store's
    removal holds the articles' lock, then the shard's).

    Library-wide reads take one shard's lock at a time, so a save waits for one small file at
    most; each article's records are consistent, the library as a whole may show a save made
    during the read in some articles and not yet in others; the next read has it everywhere.
    """

    def __init__(self, folder: Path, *, read_only: bool, article_ids: Callable[[], list[str]],
                 exists: Callable[[str], bool], on_warning: Callable[[str], None],
                 root: Path | None = None,
                 repair: Callable[[Path], bool] | None = None,
                 backups: Path | None = None) -> None:
        self.folder = folder
        #: Where the shards' backups go (None: beside them); see :class:`RecordFile`.
        self.backups = backups
        self.root = root
        self._repair = repair
        self._skipped: set[str] = set()  # shards reported unreadable (said once each)
        self.read_only = read_only
        self._article_ids = article_ids
        self._exists = exists
        self._warn = on_warning
        self._storages: dict[str, RecordFile] = {}
        self._views: dict[str, ShardView] = {}
        self._locks: dict[str, threading.RLock] = {}
        #: Called with an article's id after its shard is written, holding the shard's lock
        #: (the search index's hook: see :mod:`~tuireader.library.fulltext`).
        self.on_change: Callable[[str], None] = lambda article_id: None

    def path(self, article_id: str) -> Path:
        return self.folder / f"{article_id}.json"

    def locked(self, article_id: str) -> threading.RLock:
        """The shard's lock (re-entrant), to hold with ``with``: no save, delete or view of the
        shard meanwhile."""
        lock = self._locks.get(article_id)
        if lock is None:
            # setdefault: two threads asking at once must get the same lock.
            lock = self._locks.setdefault(article_id, threading.RLock())
        return lock

    def _storage(self, article_id: str) -> RecordFile:
        storage = self._storages.get(article_id)
        if storage is None:
            # setdefault, not assignment: the preload calls this without the shard's lock,
            # and both threads must end up with the same instance.
            storage = self._storages.setdefault(article_id, RecordFile(
                self.path(article_id), read_only=self.read_only, on_warning=self._warn,
                backups=SHARD_BACKUPS, root=self.root, on_damage=self._on_damage(article_id),
                backup_dir=self.backups))
        return storage

    def _on_damage(self, article_id: str) -> Callable[[], bool] | None:
        """For a read-only set: ask the store to repair the shard (it may take the lock)."""
        repair = self._repair
        if repair is None:
            return None
        return lambda: repair(self.path(article_id))

    # -- reading ------------------------------------------------------------------------------

    def view(self, article_id: str, *, fresh_within: float = 0.0) -> ShardView:
        """The article's highlight records in text order, rebuilt only when the shard changed.

        ``fresh_within``: trust the copy in memory if its file was looked at less than this
        many seconds ago (see :meth:`DurableStorage.read`).
        """
        with self.locked(article_id):
            storage = self._storage(article_id)
            data = storage.read(fresh_within=fresh_within)
            view = self._views.get(article_id)
            if view is None or view.signature != storage.signature:
                view = self._views[article_id] = ShardView(storage.signature, data)
            return view

    def _view_or_skip(self, article_id: str, fresh_within: float = 0.0) -> ShardView:
        """For library-wide reads: the shard's view, or an empty one (said once) when it
        cannot be read at all: one bad file never stops the others."""
        try:
            return self.view(article_id, fresh_within=fresh_within)
        except StorageError as exc:
            if article_id not in self._skipped:
                self._skipped.add(article_id)
                self._warn(f"skipped the highlights of article {article_id}: {exc}")
            return ShardView(None, None)

    def highlights(self, article_id: str) -> list[Highlight]:
        """The article's highlights in text order (new objects: the caller may change them)."""
        return [Highlight.from_record(r) for r in self.view(article_id).records]

    def recheck(self, article_id: str) -> bool:
        """Look at the shard's file; True if it changed since it was read (by another program:
        this one's saves update the copy in memory)."""
        with self.locked(article_id):
            storage = self._storage(article_id)
            before = storage.signature
            storage.read()
            return storage.signature != before

    def prefetch(self, article_id: str) -> ShardView | None:
        """The shard's view, read ahead of need (by the preload) without taking its lock.

        A thread that took each shard's lock would be starved by a stream of saves, each holding
        one through an fsync; only atomic dict operations are used instead.  The view is kept
        only if the shard is still that version (a query or save that got there first wins).
        None if the file cannot be read now: the query that needs it repairs it or raises.
        """
        storage = self._storage(article_id)
        view = self._views.get(article_id)
        if view is not None and view.signature == storage.signature:
            return view
        cached = storage.prefetch()
        if cached is None:
            return None
        signature, data = cached
        view = ShardView(signature, data)
        if storage.signature == signature:
            view = self._views.setdefault(article_id, view)
        return view

    def cached_view(self, article_id: str) -> ShardView | None:
        """The view last built for the shard, if any (no file access, no lock)."""
        return self._views.get(article_id)

    # -- library-wide reads -------------------------------------------------------------------

    def index(self, *, recheck: bool = True) -> HighlightIndex:
        """Every highlight's record, folded search text and filter columns (see
        :meth:`Store.highlight_index <tuireader.library.store.Store.highlight_index>`)."""
        fresh = SHARD_RECHECK_SECONDS if recheck else math.inf
        index = HighlightIndex([], [], [], [], [], [])
        for aid in self._article_ids():
            view = self._view_or_skip(aid, fresh)
            if view.records:
                index.records += view.records
                index.haystacks += view.haystacks()
                index.runs.append((aid, len(view.records)))
                tag_texts, kinds, anchors = view.filter_columns()
                index.tag_texts += tag_texts
                index.kinds += kinds
                index.anchors += anchors
        return index

    def recheck_all(self) -> bool:
        """:meth:`recheck` every shard; True if any changed."""
        changed = False
        for aid in self._article_ids():
            try:
                changed = self.recheck(aid) or changed
            except StorageError:
                continue  # said by the read that skips it
        return changed

    def counts(self) -> dict[str, int]:
        """How many highlights each article has (every article listed, 0 when none)."""
        return {aid: len(self._view_or_skip(aid, SHARD_RECHECK_SECONDS).records)
                for aid in self._article_ids()}

    def query(self, tag: str | None, article_id: str | None,
              needle: str | None) -> list[Highlight]:
        """Highlights carrying ``tag`` (normalised), of ``article_id``, whose search text holds
        ``needle`` (folded); None matches all.  Only the matches become :class:`Highlight`."""
        ids = [article_id] if article_id else self._article_ids()
        recheck = 0.0 if article_id else SHARD_RECHECK_SECONDS
        result: list[Highlight] = []
        for aid in ids:
            view = self._view_or_skip(aid, recheck) if len(ids) > 1 else self.view(aid)
            result.extend(Highlight.from_record(view.records[i])
                          for i in view.matching(tag, needle))
        return result

    def find(self, highlight_id: str) -> Highlight | None:
        """The highlight with this id, in whichever article it is."""
        for aid in self._article_ids():
            for record in self._view_or_skip(aid).records:
                if record.get("id") == highlight_id:
                    return Highlight.from_record(record)
        return None

    def tags(self) -> set[str]:
        """Every tag used on a highlight."""
        tags: set[str] = set()
        for aid in self._article_ids():
            for record in self._view_or_skip(aid).records:
                tags.update(str(t) for t in record.get("tags") or ())
        return tags

    # -- writing ------------------------------------------------------------------------------

    def save(self, highlights: Sequence[Highlight]) -> None:
        """Insert or update highlights (all of one article), durably, in one write.

        Their tags are normalised (in place) first.  On return the shard is on disk: the
        storage writes a temporary file, fsyncs it, renames it over the shard and fsyncs the
        folder.
        """
        if self.read_only:
            raise read_only_error()
        if not highlights:
            return
        article_id = highlights[0].article_id
        if any(h.article_id != article_id for h in highlights):
            raise StoreError("save_highlights takes highlights of one article at a time")
        with self.locked(article_id):
            if not self._exists(article_id):
                raise NotFound(f"no article with id {article_id!r}")
            for h in highlights:
                h.tags = list(dict.fromkeys(t for t in map(normalise_tag, h.tags) if t))
            self._storage(article_id).save(TABLE, [h.to_record() for h in highlights],
                                           when=stamp(), device=this_device().id)
            self.on_change(article_id)

    def delete(self, highlight: Highlight) -> None:
        """Remove a highlight from its article's shard, durably (nothing to do if absent)."""
        if self.read_only:
            raise read_only_error()
        with self.locked(highlight.article_id):
            self._storage(highlight.article_id).delete(TABLE, {highlight.id}, when=stamp(),
                                                       device=this_device().id)
            self.on_change(highlight.article_id)

    def merge_in(self, article_id: str, other: dict[str, Any]) -> Outcome:
        """Merge another copy of the article's shard (its parsed tables: a sync tool's
        conflict copy, the other side of a git merge) into it, by :mod:`~.merge`'s rule, in
        one durable write.  Returns what the merge did."""
        out = Outcome()

        def change(tables: dict[str, Any]) -> dict[str, Any]:
            records, tombs, found = merge_tables(
                by_id(tables.get(TABLE) or {}), tables.get(TOMBSTONES) or {},
                by_id(other.get(TABLE) or {}), other.get(TOMBSTONES) or {},
                now=datetime.datetime.now(datetime.timezone.utc))
            out.extend(found)
            return {**tables, TABLE: records, TOMBSTONES: tombs}

        with self.locked(article_id):
            self._storage(article_id).change(change)
        self.on_change(article_id)
        return out

    def reanchor(self, article_id: str, new_text: str, old_text: str | None = None) -> int:
        """Move the article's highlights onto its new plain text (after a re-import) and save
        the ones that moved, in one write.  Returns how many moved.

        ``old_text``: the text they were anchored in, when it is known (it helps to place a
        highlight whose quote repeats).
        """
        # Deferred: only a re-import needs the aligner, and the app's start does not.
        from tuireader.core.anchoring import reanchor

        with self.locked(article_id):
            changed = [h for h in self.highlights(article_id) if reanchor(h, new_text, old_text)]
            self.save(changed)
        return len(changed)

    def detach(self, article_id: str) -> list[Path]:
        """Forget the shard of an article being removed; return its files that exist (the live
        file, then its backups) for the caller to move away, holding :meth:`locked`."""
        with self.locked(article_id):
            self._views.pop(article_id, None)
            storage = self._storages.pop(article_id, None) or RecordFile(
                self.path(article_id), read_only=True, backups=SHARD_BACKUPS,
                backup_dir=self.backups)
            storage.close()
            return list(storage.all_files())

    def close(self) -> None:
        """Drop every copy in memory (the files are always up to date)."""
        for storage in list(self._storages.values()):
            storage.close()
        self._storages.clear()
        self._views.clear()


def _as_int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _text_order(record: dict[str, Any]) -> tuple[int, int, str]:
    """Sort key of a raw highlight record: position, then length, then creation time.  Tolerates
    hand-edited records with missing or mistyped fields rather than failing the whole query."""
    return (_as_int(record.get("start")), _as_int(record.get("end")),
            str(record.get("created", "")))
