"""A file of records keyed by their own id, written so that it merges: the highlight shards.

TinyDB numbers its documents (``"1"``, ``"2"`` ...): two machines that each add a highlight
both write ``"7"``, and a sync that merges by key keeps one of them.  A :class:`RecordFile`
keys each record by its own id (what TinyDB's documented ``document_id_class`` allows), keeps
a table of tombstones beside the records (a deletion leaves a trace that a merge respects,
see :mod:`~.merge`), stamps every change with its time and device, and writes the file
deterministically: tables and records in sorted order, one record per line, keys sorted.  Two
machines that merge the same inputs write the same bytes, and a line-based tool (git) sees
one changed line per changed highlight.

A file written before (numbered keys) is read as it is and re-keyed on its first write.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import orjson

from tuireader.library.durable import DurableStorage
from tuireader.library.merge import HIGHLIGHT_GROUPS, stamp_changes, tombstone

#: The table of tombstones in a record file.
TOMBSTONES = "tombstones"

_OPTS = orjson.OPT_SORT_KEYS


def dumps_tables(data: dict[str, Any]) -> bytes:
    """The deterministic form of a file of tables (see the module's doc)."""
    out = [b"{"]
    tables = sorted(data)
    for t, name in enumerate(tables):
        docs = data[name] or {}
        out.append(orjson.dumps(name) + b": {" + (b"\n" if docs else b""))
        keys = sorted(docs)
        for i, key in enumerate(keys):
            out.append(orjson.dumps(key) + b": " + orjson.dumps(docs[key], option=_OPTS)
                       + (b",\n" if i < len(keys) - 1 else b"\n"))
        out.append(b"}" + (b",\n" if t < len(tables) - 1 else b""))
    out.append(b"}\n")
    return b"".join(out)


def by_id(docs: dict[str, Any]) -> dict[str, Any]:
    """A table's documents keyed by their ``id`` (a file of numbered keys, re-keyed)."""
    if all(isinstance(doc, dict) and doc.get("id") == key for key, doc in docs.items()):
        return docs
    return {str(doc.get("id")): doc for doc in docs.values()
            if isinstance(doc, dict) and doc.get("id")}


def _shape_problem(data: dict[str, Any]) -> str | None:
    """A record file's documents are keyed by their own string id (or, written before,
    numbered): anything else is not one of ours."""
    for docs in data.values():
        for key, doc in docs.items():
            rid = doc.get("id")
            if not isinstance(rid, str) or not (key == rid or key.isdigit()):
                return "valid JSON, but not a tuireader database (wrong shape)"
    return None


class RecordFile(DurableStorage):
    """A :class:`DurableStorage` whose documents are keyed by their id, with tombstones and
    a deterministic byte form (see the module's doc)."""

    def __init__(self, *args: Any, backup_dir: Path | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("validate", _shape_problem)
        super().__init__(*args, **kwargs)
        #: Where the backups go (the per-machine folder: a backup is this machine's, and must
        #: not travel with a synchronised folder); None: beside the file.
        self.backup_dir = backup_dir

    def backup_path(self, n: int) -> Path:
        if self.backup_dir is None:
            return super().backup_path(n)
        return self.backup_dir / f"{self.path.name}.bak{n}"

    def key_ok(self, key: str) -> bool:
        return bool(key)

    def serialise(self, data: dict[str, Any]) -> bytes:
        return dumps_tables(data)

    def save(self, table: str, records: Sequence[dict[str, Any]], *, when: str,
             device: str) -> None:
        """Insert or replace ``records`` by id, each change stamped ``when`` by ``device``
        (see :func:`~.merge.stamp_changes`), in one write.  A tombstone of the same id is
        lifted (the record was brought back: undo)."""
        if not records:
            return

        def change(tables: dict[str, Any]) -> dict[str, Any]:
            docs = dict(by_id(tables.get(table) or {}))
            for record in records:
                docs[record["id"]] = stamp_changes(docs.get(record["id"]), record, when, device,
                                                   HIGHLIGHT_GROUPS)
            tombs = {k: v for k, v in (tables.get(TOMBSTONES) or {}).items()
                     if k not in docs}
            return {**tables, table: docs, TOMBSTONES: tombs}

        self.change(change)

    def delete(self, table: str, ids: Collection[str], *, when: str, device: str) -> int:
        """Remove the records ``ids``, leaving a tombstone for each, in one write.  Returns
        how many were there."""
        removed = 0

        def change(tables: dict[str, Any]) -> dict[str, Any] | None:
            nonlocal removed
            docs = dict(by_id(tables.get(table) or {}))
            gone = [rid for rid in ids if rid in docs]
            if not gone:
                return None
            tombs = dict(tables.get(TOMBSTONES) or {})
            for rid in gone:
                tombs[rid] = tombstone(rid, when, device, docs.pop(rid))
            removed = len(gone)
            return {**tables, table: docs, TOMBSTONES: tombs}

        self.change(change)
        return removed

    def change(self, change: Any) -> None:
        """Apply ``change`` (current tables -> new tables, or None for no change) and save
        the result in one durable write."""
        with self._cache_lock:
            current = self._read() or {}
            new = change(current)
            if new is not None:
                self._write(new)

    def put_records(self, table: str, records: Sequence[dict[str, Any]]) -> None:
        """Insert or replace ``records`` by id as given (no stamps added): a merge's result."""

        def change(tables: dict[str, Any]) -> dict[str, Any]:
            docs = dict(by_id(tables.get(table) or {}))
            docs.update({r["id"]: r for r in records})
            return {**tables, table: docs}

        if records:
            self.change(change)
