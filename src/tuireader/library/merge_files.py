"""Merging whole library files by kind (no store needed): git's merge driver and the sides of
a file with git conflict markers.

Each kind of file is merged by :mod:`~.merge`'s rule: highlight shards record by record with
their tombstones, article sidecars field by field, removal tombstones (the newer), review
files record by record, device reading files the newest record per article.  The output is
deterministic (see :mod:`~.records`).
"""

from __future__ import annotations

import datetime
from pathlib import PurePath
from typing import Any

import orjson

from tuireader.library import reading
from tuireader.library.merge import (
    ARTICLE_GROUPS,
    HIGHLIGHT_GROUPS,
    Outcome,
    merge_record,
    merge_tables,
)
from tuireader.library.records import TOMBSTONES, by_id, dumps_tables

#: The shard's table of highlights.
HIGHLIGHTS = "highlights"


def kind_of(path: str, data: object) -> str:
    """What a library file is, from its path inside the library (``%P``) or, without one,
    its contents: "shard", "sidecar", "tombstone", "review", "reading", or "" (not merged
    here)."""
    p = PurePath(path) if path else None
    if p is not None and p.name == "tuireader-library.json":
        return "library"
    if p is not None and p.suffix == ".json" and p.parent.name in ("annotations", "articles",
                                                                   "review", "reading"):
        if p.parent.name == "annotations":
            return "shard"
        if p.parent.name == "reading":
            return "reading"
        if p.parent.name == "review":
            return "review"
        if p.name.endswith(".deleted.json"):
            return "tombstone"
        if "." not in p.name[:-5]:
            return "sidecar"
        return ""
    if not isinstance(data, dict):
        return ""
    if HIGHLIGHTS in data or TOMBSTONES in data:
        return "shard"
    if reading.TABLE in data:
        return "reading"
    if "deleted" in data and "id" in data:
        return "tombstone"
    if "id" in data and "title" in data:
        return "sidecar"
    return ""


def _load(raw: bytes) -> Any:
    return orjson.loads(raw) if raw.strip() else {}


def merge_file(path: str, base: bytes, ours: bytes, theirs: bytes) -> tuple[bytes, Outcome] | None:
    """The merged bytes of three versions of one library file (``base`` may be empty: no
    common ancestor), and what the merge found; None for a file of no kind merged here.
    Raises ValueError (or orjson's JSONDecodeError) for a file that does not parse."""
    o, a, b = _load(base), _load(ours), _load(theirs)
    kind = kind_of(path, a or b)
    out = Outcome()
    if kind == "shard":
        records, tombs, out = merge_tables(
            by_id(a.get(HIGHLIGHTS) or {}), a.get(TOMBSTONES) or {},
            by_id(b.get(HIGHLIGHTS) or {}), b.get(TOMBSTONES) or {},
            base=by_id(o.get(HIGHLIGHTS) or {}) if o else None, groups=HIGHLIGHT_GROUPS,
            now=datetime.datetime.now(datetime.timezone.utc))
        return dumps_tables({HIGHLIGHTS: records, TOMBSTONES: tombs}), out
    if kind == "sidecar":
        if not a or not b:
            merged = a or b
        else:
            merged = merge_record(a, b, o or None, ARTICLE_GROUPS, "article", out)
        return orjson.dumps(merged, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS), out
    if kind == "tombstone":
        newer = a if str(a.get("deleted", "")) >= str(b.get("deleted", "")) else b
        return orjson.dumps(newer, option=orjson.OPT_SORT_KEYS), out
    if kind == "library":
        devices = {**(b.get("devices") or {}), **(a.get("devices") or {})}
        ids = sorted(x for x in (a.get("library_id"), b.get("library_id")) if x)
        merged = {**b, **a, "devices": dict(sorted(devices.items()))}
        if ids:
            merged["library_id"] = ids[0]
        return orjson.dumps(merged, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2) + b"\n", out
    if kind == "review":
        return orjson.dumps(merge_review(a, b)), out
    if kind == "reading":
        return reading.dumps(reading.merge(reading.parse(ours), reading.parse(theirs), out)), out
    return None


def merge_review(mine: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """Review files (TinyDB tables): per table, union by id; of two copies of a record the one
    shown more often (then later) stays."""
    merged: dict[str, Any] = {}
    for table in sorted(set(mine) | set(theirs)):
        rows: dict[str, Any] = {}
        for docs in (mine.get(table) or {}, theirs.get(table) or {}):
            for doc in docs.values() if isinstance(docs, dict) else ():
                if not isinstance(doc, dict):
                    continue
                key = str(doc.get("id", doc.get("tag", "")))
                old = rows.get(key)
                rank = (doc.get("times_shown", 0), str(doc.get("last_shown", "")),
                        orjson.dumps(doc, option=orjson.OPT_SORT_KEYS))
                if old is None or rank > (old.get("times_shown", 0),
                                          str(old.get("last_shown", "")),
                                          orjson.dumps(old, option=orjson.OPT_SORT_KEYS)):
                    rows[key] = doc
        merged[table] = {str(i + 1): rows[k] for i, k in enumerate(sorted(rows))}
    return merged
