"""The one merge rule: two copies of a library file become one, losing nothing.

Used everywhere two versions of a file meet: a Syncthing or Dropbox conflict copy (see
:mod:`~.conflicts`), git's merge driver (``tuireader merge-file %O %A %B``) and
``tuireader sync``.

Records (highlights, article metadata) are matched by their own id, never by position:

* **union by id**: a record on one side only is kept;
* **field by field**: every record carries ``stamps``, the time each part of it last changed
  (its note, its colour, its anchor, each tag by itself: ``"#<tag>"``), written by the store as
  it saves.  Each part is taken from the side that changed it last, so a note edited on one
  machine and a tag added on the other both survive.  When a merge base is known (git's
  ``%O``) a part that one side left as the base had it is taken from the other side, whatever
  the stamps say; parts without stamps (records written before this layout) fall back to the
  newer ``updated`` of the record;
* **deletions are tombstones** (``{"id", "deleted": <time>, "device", "record"}``, the record
  as it was deleted): a deletion wins over
  every edit older than it, and loses to an edit made after it (the record is kept and the
  merge reports it as "edited after it was deleted");
* **a note edited on both sides** keeps the newer text; the older one goes to the conflicts
  log (:class:`Outcome` ``conflicts``), which the app shows once.  Both sides edited when
  neither note descends from the other (``stamps["note^"]``: the stamp of the note it
  replaced).

The result depends only on the two inputs (ties are broken by the device id, then by the
value), so two machines that merge the same copies write the same bytes, and merging is
commutative and idempotent: whatever order the copies arrive in, the replicas converge.

Tombstones are kept for :data:`TOMBSTONE_DAYS` days, then purged: a machine that comes back
after longer than that with a copy of a deleted record brings the record back.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

#: Days a deletion's tombstone is kept (a machine offline longer brings deleted records back).
TOMBSTONE_DAYS = 400

#: Fields changed together, stamped as one part.  A field not listed is its own part.
HIGHLIGHT_GROUPS: dict[str, str] = {
    "start": "anchor", "end": "anchor", "exact": "anchor", "prefix": "anchor",
    "suffix": "anchor", "anchor": "anchor",
}
ARTICLE_GROUPS: dict[str, str] = {
    "content_hash": "content", "word_count": "content", "char_count": "content",
    "text_hash": "content", "position": "reading", "progress": "reading",
    "last_opened": "reading",
}
#: Fields that are not merged as values: bookkeeping, or sets merged element by element.
_NOT_PARTS = frozenset({"id", "stamps", "updated", "device", "tags", "identifiers",
                        "created", "added", "article_id"})

Record = dict[str, Any]


@dataclass
class Outcome:
    """What a merge of two files found: the merged file's tables and what to tell."""

    #: Ids of records only one side had (union).
    added: int = 0
    #: Records changed on the other side and taken from there.
    changed: int = 0
    #: Deletions applied (a tombstone winning over an older copy).
    deleted: int = 0
    #: Human lines: notes edited on both sides (the older text), deletions against edits.
    conflicts: list[str] = field(default_factory=list)

    def extend(self, other: Outcome) -> None:
        self.added += other.added
        self.changed += other.changed
        self.deleted += other.deleted
        self.conflicts += other.conflicts


def _when(value: object) -> str:
    return value if isinstance(value, str) else ""


def latest(record: Record) -> str:
    """The newest stamp of a record: its ``updated`` or any part's stamp."""
    stamps = record.get("stamps")
    newest = _when(record.get("updated"))
    if isinstance(stamps, dict):
        for value in stamps.values():
            if isinstance(value, str) and value > newest:
                newest = value
    return newest


def stamps_of(record: Record) -> dict[str, Any]:
    stamps = record.get("stamps")
    return stamps if isinstance(stamps, dict) else {}


def _key(record: Record, part: str) -> tuple[str, str, str]:
    stamps = stamps_of(record)
    return (_when(stamps.get(part)), _when(record.get("updated")), str(record.get("device", "")))


def _part_fields(a: Record, b: Record, groups: dict[str, str]) -> dict[str, list[str]]:
    parts: dict[str, list[str]] = {}
    for name in sorted(set(a) | set(b)):
        if name not in _NOT_PARTS:
            parts.setdefault(groups.get(name, name), []).append(name)
    return parts


def _repr(value: object) -> str:
    return repr(value)


def merge_record(a: Record, b: Record, base: Record | None, groups: dict[str, str],
                 what: str, out: Outcome) -> Record:
    """Merge two live copies of one record (see the module's doc)."""
    if a == b:
        return a
    sa, sb = stamps_of(a), stamps_of(b)
    merged: Record = {}
    stamps: dict[str, str] = {}
    for part, names in _part_fields(a, b, groups).items():
        va = [a.get(n) for n in names]
        vb = [b.get(n) for n in names]
        if va == vb:
            pick = a if _key(a, part) >= _key(b, part) else b
        elif base is not None and [base.get(n) for n in names] == va:
            pick = b
        elif base is not None and [base.get(n) for n in names] == vb:
            pick = a
        else:
            ka, kb = _key(a, part), _key(b, part)
            pick = a if (ka, _repr(va)) >= (kb, _repr(vb)) else b
            if part == "note":
                _note_conflict(a, b, pick, base, what, out)
        for n in names:
            if n in pick:
                merged[n] = pick[n]
        ps = sa if pick is a else sb
        if part in ps:
            stamps[part] = str(ps[part])
        if part == "note":
            prev = ps.get("note^")
            if prev:
                stamps["note^"] = str(prev)
    firsts = [x for x in (_when(sa.get("+")), _when(sb.get("+"))) if x]
    if firsts:
        stamps["+"] = min(firsts)
    for name in ("tags",):
        if name in a or name in b:
            merged[name] = _merge_set(name, a, b, base, sa, sb, stamps)
    if "identifiers" in a or "identifiers" in b:
        merged["identifiers"] = sorted(set(a.get("identifiers") or ())
                                       | set(b.get("identifiers") or ()))
    newer = a if (latest(a), str(a.get("device", ""))) >= (latest(b), str(b.get("device", ""))) \
        else b
    for name in ("id", "article_id"):
        if name in a or name in b:
            merged[name] = a.get(name, b.get(name))
    for name in ("created", "added"):
        if name in a or name in b:
            merged[name] = min(x for x in (_when(a.get(name)), _when(b.get(name))) if x) \
                if a.get(name) or b.get(name) else a.get(name, b.get(name))
    merged["updated"] = max(_when(a.get("updated")), _when(b.get("updated")))
    if "device" in a or "device" in b:
        merged["device"] = newer.get("device", "")
    if "stamps" in a or "stamps" in b or stamps:
        merged["stamps"] = dict(sorted(stamps.items()))
    return merged


def _merge_set(name: str, a: Record, b: Record, base: Record | None,
               sa: dict[str, Any], sb: dict[str, Any], stamps: dict[str, str]) -> list[str]:
    """Tags, element by element: each tag's presence from the side that touched it last;
    with a base, an element one side left as it was follows the other side."""
    ta, tb = set(a.get(name) or ()), set(b.get(name) or ())
    tbase = set(base.get(name) or ()) if base is not None else None
    result: list[str] = []
    for tag in sorted(ta | tb | {k[1:] for k in (*sa, *sb) if k.startswith("#")}):
        key = "#" + tag
        in_a, in_b = tag in ta, tag in tb
        stamp_a, stamp_b = _when(sa.get(key)), _when(sb.get(key))
        if in_a == in_b:
            keep = in_a
        elif tbase is not None and (tag in tbase) == in_a:
            keep = in_b
        elif tbase is not None and (tag in tbase) == in_b:
            keep = in_a
        elif stamp_a != stamp_b:
            keep = in_a if stamp_a > stamp_b else in_b
        else:
            keep = True  # no stamps, no base: a tag is never dropped on a guess
        best = max(stamp_a, stamp_b)
        if best:
            stamps[key] = best
        if keep:
            result.append(tag)
    # The order a person gave stays where both agree: the newer side's order, then the rest.
    order = list(a.get(name) or ()) + list(b.get(name) or ())
    return sorted(result, key=lambda t: (order.index(t) if t in order else len(order), t))


def _note_conflict(a: Record, b: Record, pick: Record, base: Record | None, what: str,
                   out: Outcome) -> None:
    lost = b if pick is a else a
    old = str(lost.get("note") or "")
    if not old or (base is not None and old == str(base.get("note") or "")):
        return
    sa, sl = stamps_of(pick), stamps_of(lost)
    if base is None and sa.get("note^") and sa.get("note^") == sl.get("note"):
        return  # the kept note was written over the other one: not edited on both sides
    out.conflicts.append(f"{what} {pick.get('id')}: note edited on two machines; kept the "
                         f"newer, the other was: {old}")


def _purge(tombstones: dict[str, Record], now: _dt.datetime | None) -> dict[str, Record]:
    if now is None:
        return tombstones
    horizon = (now - _dt.timedelta(days=TOMBSTONE_DAYS)).isoformat()
    return {k: t for k, t in tombstones.items() if _when(t.get("deleted")) >= horizon}


def merge_tables(a: dict[str, Record], ta: dict[str, Record], b: dict[str, Record],
                 tb: dict[str, Record], *, base: dict[str, Record] | None = None,
                 groups: dict[str, str] = HIGHLIGHT_GROUPS, what: str = "highlight",
                 now: _dt.datetime | None = None,
                 ) -> tuple[dict[str, Record], dict[str, Record], Outcome]:
    """Merge two copies of a table of records (``a``/``b``: id -> record) with their
    tombstones (``ta``/``tb``: id -> tombstone).  Returns the records, the tombstones and
    the outcome, as counted from side ``a`` (what came from ``b``).

    ``now``: purge tombstones older than :data:`TOMBSTONE_DAYS` before it (None: keep all).
    """
    out = Outcome()
    records: dict[str, Record] = {}
    tombs: dict[str, Record] = {}
    for rid in sorted(set(ta) | set(tb)):
        tx, ty = ta.get(rid), tb.get(rid)
        if tx is None or (ty is not None and _tomb_key(ty) > _tomb_key(tx)):
            tx = ty
        if tx is not None:
            tombs[rid] = tx
    for rid in sorted(set(a) | set(b)):
        x, y = a.get(rid), b.get(rid)
        if x is not None and y is not None:
            rec = merge_record(x, y, (base or {}).get(rid), groups, what, out)
            if rec != x:
                out.changed += 1
        elif x is not None:
            rec = x
        else:
            rec = y if y is not None else {}
            if rid not in tombs:
                out.added += 1
        tomb = tombs.get(rid)
        if tomb is not None:
            if _when(tomb.get("deleted")) >= latest(rec):
                if x is not None:
                    out.deleted += 1
                continue
            out.conflicts.append(
                f"{what} {rid}: edited after it was deleted on {tomb.get('device') or 'another'}"
                " machine; kept")
            last = tomb.get("record")
            if isinstance(last, dict) and last.get("id") == rid:
                rec = merge_record(rec, last, None, groups, what, Outcome())
            del tombs[rid]
        records[rid] = rec
    return records, _purge(tombs, now), out


def _tomb_key(tomb: Record) -> tuple[str, str]:
    return (_when(tomb.get("deleted")), str(tomb.get("device", "")))


def stamp_changes(old: Record | None, new: Record, when: str, device: str,
                  groups: dict[str, str] = HIGHLIGHT_GROUPS) -> Record:
    """``new`` as it is saved over ``old``: the parts that changed stamped ``when``, its
    ``device`` set (its ``updated`` is the caller's: an import keeps the source's time; the
    stamps carry this machine's).  Returns a new record (``new`` is not changed)."""
    stamps = dict(stamps_of(old)) if old is not None else {}
    stamps.update({k: v for k, v in stamps_of(new).items()
                   if k not in stamps or v > stamps[k]})
    if old is not None:
        seen: set[str] = set()
        for name in new:
            if name in _NOT_PARTS:
                continue
            part = groups.get(name, name)
            if part in seen or old.get(name) == new.get(name):
                continue
            seen.add(part)
            if part == "note":
                stamps["note^"] = stamps.get("note", "") or _when(old.get("updated"))
            stamps[part] = when
        before, after = set(old.get("tags") or ()), set(new.get("tags") or ())
        for tag in before ^ after:
            stamps["#" + tag] = when
        if old == {**new, "stamps": old.get("stamps"), "updated": old.get("updated"),
                   "device": old.get("device")}:
            return {**old}  # nothing changed: keep its stamps and time
    else:
        stamps["+"] = when  # when it was first saved (its ``updated`` is the caller's)
    return {**new, "stamps": dict(sorted(stamps.items())),
            "updated": _when(new.get("updated")) or when, "device": device}


def tombstone(record_id: str, when: str, device: str, record: Record | None = None) -> Record:
    """The trace a deletion leaves (see the module's doc), with the record as it was: an
    edit made elsewhere after the deletion brings the record back whole, every part at its
    latest (a tag added before the deletion on this machine included)."""
    tomb: Record = {"id": record_id, "deleted": when, "device": device}
    if record is not None:
        tomb["record"] = record
    return tomb


def describe(out: Outcome) -> Iterable[str]:
    """One line of what a merge did (nothing when it did nothing)."""
    parts = [f"{n} {w}" for n, w in ((out.added, "added"), (out.changed, "changed"),
                                     (out.deleted, "deleted")) if n]
    if parts:
        yield ", ".join(parts)
