"""What a store knows about the library's other copies: its per-machine folder, the sidecars
a sync tool changed, the conflict copies it left (see :mod:`~.conflicts`).

Held by the :class:`~.store.Store` as ``store.sync``; the store calls :meth:`opened` once its
index is in line with the folder (conflict copies are merged then), and :meth:`close` when it
closes.  The app calls :meth:`merge_conflicts` on its periodic re-check, ``tuireader sync``
calls it too.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from tuireader.core.model import Article
from tuireader.library import conflicts
from tuireader.library.articles import TABLE
from tuireader.library.device import this_device
from tuireader.library.durable import atomic_write_bytes
from tuireader.library.icloud import in_icloud
from tuireader.library.icloud import warning as icloud_warning
from tuireader.library.machine import (
    LIBRARY_FILE,
    MachineDir,
    machine_dir,
    read_library_file,
    write_library_file,
)
from tuireader.library.merge import ARTICLE_GROUPS, Outcome, latest, merge_record
from tuireader.library.merge_files import merge_file, merge_review
from tuireader.library.parse_cache import place_caches
from tuireader.library.watch import SidecarWatch

if TYPE_CHECKING:
    from tuireader.library.store import Store

#: Files derived on each machine: a conflict copy of one is set aside, never merged.
DERIVED_MARKS = (".bak", ".doc", ".corrupt-", "library.json", ".lock")


@dataclass
class SyncReport:
    """What merging the conflict copies did."""

    #: (original file, what was merged, from whom) per copy merged.
    merged: list[tuple[Path, str, str]] = field(default_factory=list)
    #: Copies of derived files set aside (nothing to merge).
    set_aside: list[Path] = field(default_factory=list)
    #: Files left for a person to look at, with why.
    needs_look: list[tuple[Path, str]] = field(default_factory=list)
    #: Conflicts written to the log (notes edited on both sides, edits after a deletion).
    conflicts: list[str] = field(default_factory=list)

    @property
    def devices(self) -> list[str]:
        return sorted({who for _, _, who in self.merged if who})

    def summary(self) -> str:
        """One line for a notification: from whom, how many files, what needs a look."""
        who = ", ".join(self.devices) or "another machine"
        text = f"merged changes from {who}: {len(self.merged)} file(s)" if self.merged else ""
        if self.conflicts:
            text += f"; {len(self.conflicts)} conflict(s) kept in the conflicts log"
        if self.needs_look:
            text += ("; " if text else "") + f"{len(self.needs_look)} file(s) need a look " \
                "(tuireader sync)"
        return text

    def lines(self) -> Iterable[str]:
        for path, what, who in self.merged:
            yield f"merged {path.name}" + (f" ({what})" if what else "") + \
                (f" from {who}" if who else "")
        for path in self.set_aside:
            yield f"set aside {path.name} (derived on each machine, rebuilt here)"
        for path, why in self.needs_look:
            yield f"needs a look: {path}: {why}"
        yield from self.conflicts


class SyncState:
    """One store's view of synchronisation."""

    def __init__(self, store: Store, *, first: bool = False) -> None:
        """``first``: the library was never opened by a program that knows about
        synchronisation: its index and sidecars agree (see SidecarWatch.changed)."""
        self.store = store
        #: This library's per-machine folders.
        self.machine: MachineDir = machine_dir(store.dir, create=not store.read_only)
        #: Where the highlight shards' backups go (None: beside them, as before).
        self.shard_backups: Path | None = self.machine.state / "backups" / "annotations"
        try:
            place_caches(store.dir / "articles", self.machine.cache / "parsed")
            self.shard_backups.mkdir(parents=True, exist_ok=True)
        except OSError:
            self.shard_backups = None  # no per-machine folder: everything stays beside
        store.reconciler.shard_backups = self.shard_backups
        self.watch = SidecarWatch(store.dir / "articles", self.machine.cache / "sidecars.json",
                                  store.articles.storage.path)
        store.reconciler.changed = self.watch.changed(trust=first)
        store.articles.on_sidecar = self.watch.note
        #: What the last :meth:`merge_conflicts` did (for the app's notification).
        self.last = SyncReport()

    def opened(self) -> None:
        """The index now holds what the sidecars say: remember their times, name this
        device in the library file, merge any conflict copy."""
        if self.store.read_only:
            return
        self.watch.accept()
        self.watch.save()
        self._forget_removed()
        device = this_device()
        devices = read_library_file(self.store.dir).get("devices")
        if not isinstance(devices, dict) or devices.get(device.id) != device.name:
            try:
                write_library_file(self.store.dir, devices={
                    **(devices if isinstance(devices, dict) else {}), device.id: device.name})
            except OSError:
                pass
        self.last = self.merge_conflicts()
        if (self.store.dir / ".git" / "MERGE_HEAD").exists():
            self.resolve_markers(self.last)  # a git merge stopped on our files
            if self.last.conflicts:
                self.log_conflicts(self.last.conflicts)
        if self.last.merged or self.last.needs_look:
            self.store.warnings.append(self.last.summary())
        if in_icloud(self.store.dir):
            said = icloud_warning(self.store.dir)
            if said:
                self.store.warnings.append(said)

    def close(self) -> None:
        if not self.store.read_only:
            self.watch.save()

    def _forget_removed(self) -> None:
        """This device's reading records of articles removed (on any machine) leave its
        reading file: it holds only articles of the library (see :mod:`~.reading`)."""
        articles = self.store.articles
        known = set(articles.ids())
        gone = [aid for aid in articles.reading.own_ids()
                if aid not in known and articles.tombstone_path(aid).exists()]
        if gone:
            try:
                articles.reading.forget(gone)
            except OSError:
                pass  # kept until the next open: a record of a removed article is never shown

    # -- names --------------------------------------------------------------------------------

    def device_name(self, device_id: str) -> str:
        names = read_library_file(self.store.dir).get("devices")
        if isinstance(names, dict) and isinstance(names.get(device_id), str):
            return str(names[device_id])
        return device_id

    # -- merging ------------------------------------------------------------------------------

    def pending(self) -> bool:
        """True if a sync tool left a conflict copy (one folder listing each: cheap)."""
        return bool(conflicts.find(self.store.dir))

    def merge_conflicts(self, *, dry_run: bool = False) -> SyncReport:
        """Merge every conflict copy in the library into its original and move the copy to
        the trash (``trash/conflicts/<time>/``); with ``dry_run`` only say what would be done."""
        report = SyncReport()
        copies = conflicts.find(self.store.dir)
        if not copies:
            return report
        when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        aside = self.store.dir / "trash" / "conflicts" / when
        for copy in copies:
            name = copy.original.name
            if any(mark in copy.path.name or mark in name for mark in DERIVED_MARKS) \
                    or name == LIBRARY_FILE:
                report.set_aside.append(copy.path)
            else:
                try:
                    other = copy.path.read_bytes()
                except OSError as exc:
                    report.needs_look.append((copy.path, f"unreadable ({exc.strerror})"))
                    continue
                if dry_run:
                    report.merged.append((copy.original, "would merge", copy.who))
                    continue
                try:
                    result = self.merge_bytes(copy.original, other)
                except (ValueError, orjson.JSONDecodeError) as exc:
                    report.needs_look.append((copy.path, str(exc)))
                    continue
                if result is None:
                    report.needs_look.append((copy.path, "not a file tuireader merges"))
                    continue
                what, who, out = result
                report.merged.append((copy.original, what, copy.who or who))
                report.conflicts += out.conflicts
            if not dry_run:
                aside.mkdir(parents=True, exist_ok=True)
                os.replace(copy.path, aside / copy.path.name)
        if report.conflicts and not dry_run:
            self.log_conflicts(report.conflicts)
        if not dry_run and report.merged:
            self.store._reconcile(len(self.store.warnings))
        return report

    def merge_bytes(self, original: Path, other: bytes) -> tuple[str, str, Outcome] | None:
        """Merge ``other`` (another version of ``original``) into ``original``, in place and
        durably.  Returns (what was merged, the other side's device, the outcome), or None
        for a file this does not merge."""
        folder, name = original.parent.name, original.name
        if folder == "annotations" and name.endswith(".json") and "." not in name[:-5]:
            data = orjson.loads(other)
            if not isinstance(data, dict):
                raise ValueError("not a highlights file")
            out = self.store.shards.merge_in(name[:-5], data)
            return _said(out, "highlights"), self._who(data.get("highlights")), out
        if folder == "articles" and name.endswith(".deleted.json"):
            mine, theirs = _load(original), orjson.loads(other)
            if str(theirs.get("deleted", "")) > str(mine.get("deleted", "")):
                atomic_write_bytes(original, other)
            return "removal", self._who({"x": theirs}), Outcome()
        if folder == "articles" and name.endswith(".json") and "." not in name[:-5]:
            return self._merge_sidecar(original, name[:-5], orjson.loads(other))
        if folder == "articles" and (name.endswith(".md") or name.endswith(".spine.json")):
            return self._merge_body(original, other)
        if folder == "review" and name.endswith(".json"):
            return self._merge_review(original, orjson.loads(other))
        if folder == "reading" and name.endswith(".json") and "." not in name[:-5]:
            out = self.store.articles.reading.merge_in(original, other)
            return _said(out, "reading positions"), self.device_name(name[:-5]), out
        return None

    def _who(self, records: object) -> str:
        """The newest other device among ``records`` (id -> record), by its name."""
        mine = this_device().id
        newest = ("", "")
        for record in (records.values() if isinstance(records, dict) else ()):
            if isinstance(record, dict) and record.get("device") and record["device"] != mine:
                newest = max(newest, (latest(record), str(record["device"])))
        return self.device_name(newest[1]) if newest[1] else ""

    def _merge_sidecar(self, original: Path, article_id: str,
                       theirs: dict[str, Any]) -> tuple[str, str, Outcome]:
        out = Outcome()
        mine = self.store.articles.read_sidecar(article_id)
        merged = theirs if mine is None else merge_record(mine, theirs, None, ARTICLE_GROUPS,
                                                          "article", out)
        atomic_write_bytes(original, orjson.dumps(
            merged, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
        self.watch.note(article_id)
        record = Article.from_record(merged).to_record()
        self.store.articles.storage.put_records(TABLE, [record])
        self.store.articles.on_change(article_id)  # the search index follows
        return "article", self._who({"x": theirs}), out

    def _merge_body(self, original: Path, other: bytes) -> tuple[str, str, Outcome]:
        """Two versions of a body (a re-import on each side): the one the merged metadata's
        hash names stays; the other is kept in the trash with the copy."""
        import hashlib

        article_id = original.name.split(".", 1)[0]
        side = self.store.articles.read_sidecar(article_id) or {}
        if original.name.endswith(".md") and \
                hashlib.sha256(other).hexdigest() == side.get("content_hash"):
            atomic_write_bytes(original, other)
            self.store.parse_cache_path(article_id).unlink(missing_ok=True)
            self.store.articles.on_change(article_id)
        return "text", "", Outcome()

    def _merge_review(self, original: Path, theirs: dict[str, Any]) -> tuple[str, str, Outcome]:
        atomic_write_bytes(original, orjson.dumps(merge_review(_load(original), theirs)))
        return "review", "", Outcome()

    def resolve_markers(self, report: SyncReport) -> None:
        """Files a git merge without the driver left with conflict markers: each side taken
        from the markers and merged (see :mod:`~.merge_files`), in place."""
        for path in conflicts.with_markers(self.store.dir):
            ours, theirs = conflicts.split_markers(path.read_text("utf-8", "replace"))
            rel = str(path.relative_to(self.store.dir))
            try:
                result = merge_file(rel, b"", ours.encode(), theirs.encode())
            except (ValueError, orjson.JSONDecodeError) as exc:
                report.needs_look.append((path, f"conflict markers, sides unreadable: {exc}"))
                continue
            if result is None:
                report.needs_look.append((path, "conflict markers in a file tuireader "
                                                "does not merge"))
                continue
            data, out = result
            atomic_write_bytes(path, data)
            report.merged.append((path, "git conflict markers", ""))
            report.conflicts += out.conflicts

    # -- the conflicts log --------------------------------------------------------------------

    def log_conflicts(self, lines: list[str]) -> None:
        """Append to this machine's conflicts log (the older of two notes, kept there)."""
        write_log(self.machine.conflicts_log, lines)

    def unseen_conflicts(self) -> list[str]:
        """Lines of the conflicts log not shown yet; they count as shown from now on."""
        log = self.machine.conflicts_log
        seen_file = self.machine.state / "conflicts.seen"
        try:
            data = log.read_bytes()
        except OSError:
            return []
        try:
            seen = int(seen_file.read_text())
        except (OSError, ValueError):
            seen = 0
        if seen >= len(data):
            return []
        try:
            atomic_write_bytes(seen_file, str(len(data)).encode(), sync_dir=False)
        except OSError:
            pass
        return data[seen:].decode("utf-8", "replace").splitlines()


def write_log(log: Path, lines: list[str]) -> None:
    """Append ``lines`` to a conflicts log, each with the time."""
    log.parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    with open(log, "a", encoding="utf-8") as fh:
        for line in lines:
            fh.write(f"{stamp} {line}\n")


def _load(path: Path) -> dict[str, Any]:
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _said(out: Outcome, what: str) -> str:
    parts = [f"{n} {w}" for n, w in ((out.added, "added"), (out.changed, "changed"),
                                     (out.deleted, "deleted")) if n]
    return what + (": " + ", ".join(parts) if parts else "")
