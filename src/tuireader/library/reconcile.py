"""Reconciling the index (``library.json``) with what is on disk, like ``git fsck``.

``library.json`` is an index: every article is also its body ``articles/<id>.md``, its sidecar
``articles/<id>.json`` (the metadata) and, once highlighted, its shard ``annotations/<id>.json``,
all found by the article's id.  When the index lost articles (deleted, damaged and restored
from an older backup, a crash between the sidecar and the index) they are found again here,
their record taken from the sidecar, else from the newest backup of the index holding it, else
made from the body itself; nothing on disk is ever dropped, and what was found and done is said
once, in one line per kind.

:meth:`Reconciler.scan` only looks (a ``scandir`` of two folders and the index: cheap enough
for every start); :meth:`Reconciler.repair` writes; :meth:`Reconciler.show` puts the found
articles in the store's view in memory when it cannot write (opened read-only).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tuireader.core.document import parse_markdown
from tuireader.library import conflicts, filecheck
from tuireader.library.articles import TABLE, Articles
from tuireader.library.durable import StorageError
from tuireader.library.errors import StoreError
from tuireader.library.records import RecordFile
from tuireader.library.shards import SHARD_BACKUPS, ShardSet
from tuireader.library.tombstones import Tombstones


def text_hash(plain_text: str) -> str:
    """The hash of an article's plain text: the same text from two sources (links resolved
    against different base URLs) is the same article."""
    return hashlib.sha256(plain_text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class Finding:
    """One problem: ``kind`` (see :data:`KINDS`), the article it concerns, a detail."""

    kind: str
    article_id: str
    detail: str = ""


#: What each kind of finding means, and what a repair does about it.
KINDS: dict[str, tuple[str, str]] = {
    "unindexed": ("on disk but missing from library.json", "put back in the index"),
    "no-sidecar": ("without a metadata file (articles/<id>.json)", "metadata file written"),
    "body-damaged": ("with a text file that is not a file", "moved aside"),
    "no-body": ("in the index without their text", "kept in the index (text lost)"),
    "orphan-shard": ("highlights of an article that is nowhere else", "kept as they are"),
    "shard-damaged": ("with an unreadable highlight file", "repaired from its backups"),
    "body-not-utf8": ("with text that is not UTF-8", "shown with replacement characters"),
    "leftover": ("left over from an interrupted removal", "moved to the trash"),
    "stale": ("older in the restored library.json than in their metadata file",
              "updated from it"),
    "synced": ("changed by a sync since this machine last looked", "index updated"),
    "deleted-elsewhere": ("removed on another machine", "moved to the trash here too"),
    "edited-after-delete": ("edited on one machine after another removed them",
                            "kept (text and highlights restored from the trash)"),
}

#: Kinds repaired without a word (a sync tool's ordinary work).
QUIET = ("synced",)


#: The kinds a start repairs by itself (the others only ``tuireader check`` reports: nothing
#: can be done about them but saying so, and saying it on every start would be noise).
AT_OPEN = ("unindexed", "no-sidecar", "body-damaged", "leftover", "shard-damaged", "stale",
           "synced", "deleted-elsewhere", "edited-after-delete")


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    done: list[str] = field(default_factory=list)

    def summary(self, *, repaired: bool, action: str | None = None) -> list[str]:
        """One line per kind of finding: how many, which, and what was (or will be) done
        (``action``: say this instead)."""
        lines = []
        for kind, (what, fix) in KINDS.items():
            ids = [f.article_id for f in self.findings if f.kind == kind and kind not in QUIET]
            if not ids:
                continue
            shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
            said = action or (fix if repaired else "run `tuireader check --repair` to fix")
            lines.append(f"library check: {len(ids)} article(s) {what} ({shown}): {said}")
        return lines


class Reconciler:
    """Finds and repairs the differences between the index and the files of one library."""

    def __init__(self, articles: Articles, shard_dir: Path,
                 warn: Callable[[str], None]) -> None:
        self.articles = articles
        self.shard_dir = shard_dir
        self.trash_dir = articles.dir / "trash"
        self._warn = warn
        #: Ids whose sidecar changed since this machine last looked (None: unknown, compare
        #: every one); set by the store from its :class:`~.watch.SidecarWatch`.
        self.changed: set[str] | None = set()
        self.tombs = Tombstones(articles, shard_dir, self.trash_dir)
        #: Where the shards' backups are (per machine; None: beside them).
        self.shard_backups: Path | None = None

    # -- looking ------------------------------------------------------------------------------

    def _names(self, folder: Path, odd: set[str] | None = None) -> list[str]:
        """The names in ``folder``; those that are not regular files are added to ``odd`` (the
        type comes with the listing: no ``stat`` per file, which a start could not afford)."""
        try:
            # A sync tool's conflict copy is not an article (see :mod:`~.conflicts`).
            entries = [e for e in os.scandir(folder) if not conflicts.is_copy(e.name)]
            if odd is not None:
                odd.update(e.name for e in entries if not e.is_file(follow_symlinks=False))
            return [e.name for e in entries]
        except OSError:
            return []

    def scan(self) -> list[Finding]:
        """What differs between the index and the folders (no file is read but the index)."""
        odd: set[str] = set()
        names = self._names(self.articles.dir / "articles", odd)
        bodies = {n[:-3] for n in names if n.endswith(".md") and not n.startswith(".")}
        # "<id>.json" only: "<id>.spine.json" (a book's spine map) belongs to its article.
        sidecars = {n[:-5] for n in names
                    if n.endswith(".json") and not n.startswith(".") and "." not in n[:-5]}
        shard_names = set(self._names(self.shard_dir, odd))
        shards = {n.split(".json", 1)[0] for n in shard_names
                  if ".json" in n and not n.startswith(".") and ".corrupt-" not in n}
        indexed = {str(r.get("id")) for r in self.articles.records()}
        trashed = {n.rsplit("-", 1)[-1]: n for n in sorted(self._names(self.trash_dir))}
        pairs, gone = self.tombs.scan(names, sidecars, indexed)
        found = [Finding(kind, aid) for kind, aid in pairs]
        for aid in sorted((bodies | sidecars | shards) - indexed - gone):
            if aid in trashed:
                found.append(Finding("leftover", aid, trashed[aid]))
            elif aid in bodies or aid in sidecars:
                found.append(Finding("unindexed", aid))
            else:
                found.append(Finding("orphan-shard", aid))
        recovered = self.articles.storage.recovered
        if recovered or self.changed is None or self.changed:
            # The index came from a backup, or a sync tool brought sidecars: each sidecar is
            # as new as its article's last save, on whichever machine.
            records = {str(r.get("id")): r for r in self.articles.records()}
            look = indexed & sidecars - gone
            if not recovered and self.changed is not None:
                look &= self.changed
            for aid in sorted(look):
                side = self._sidecar_record(aid)
                if side is not None and side != records[aid]:
                    found.append(Finding("stale" if recovered else "synced", aid))
        for aid in sorted(indexed - gone):
            if aid not in bodies:
                found.append(Finding("no-body", aid))
            elif aid not in sidecars:
                found.append(Finding("no-sidecar", aid))
        for aid in sorted(b for b in bodies if f"{b}.md" in odd):
            damage = filecheck.problem(self.articles.body_path(aid), self.articles.dir)
            if damage is not None:
                found.append(Finding("body-damaged", aid, damage))
        for aid in sorted(shards - trashed.keys()):
            if f"{aid}.json" not in shard_names:
                found.append(Finding("shard-damaged", aid, "missing, backups present"))
            elif f"{aid}.json" in odd:
                damage = filecheck.problem(self.shard_dir / f"{aid}.json", self.articles.dir)
                if damage is not None:
                    found.append(Finding("shard-damaged", aid, damage))
        return found

    def deep(self, shards: ShardSet) -> list[Finding]:
        """What only reading every file finds (``tuireader check``): shards that do not parse,
        bodies that are not UTF-8.  Reading a shard repairs it when the store is writable."""
        found: list[Finding] = []
        names = self._names(self.shard_dir)
        ids = sorted({n.split(".json", 1)[0] for n in names
                      if ".json" in n and not n.startswith(".") and ".corrupt-" not in n})
        warnings: list[str] = []
        for aid in ids:
            storage = RecordFile(shards.path(aid), read_only=shards.read_only,
                                 backup_dir=self.shard_backups, backups=SHARD_BACKUPS,
                                 root=self.articles.dir, on_warning=warnings.append)
            try:
                storage.read()
            except StorageError as exc:
                warnings.append(str(exc))
            if warnings:
                found.append(Finding("shard-damaged", aid, warnings[0]))
                warnings.clear()
        for aid in self.articles.ids():
            try:
                self.articles.body_path(aid).read_bytes().decode("utf-8")
            except UnicodeDecodeError:
                found.append(Finding("body-not-utf8", aid))
            except OSError:
                continue  # missing or damaged: found by scan()
        return found

    def _backup_records(self) -> dict[str, dict[str, Any]]:
        """Article records of the index's backups, the newest copy of each."""
        storage = self.articles.storage
        records: dict[str, dict[str, Any]] = {}
        for n in range(storage.backups, 0, -1):  # oldest first: newer ones overwrite
            path = storage.backup_path(n)
            try:
                data = orjson.loads(path.read_bytes())
                table = data.get(TABLE) or {}
                records.update({str(r["id"]): r for r in table.values()
                                if isinstance(r, dict) and r.get("id")})
            except (OSError, orjson.JSONDecodeError, AttributeError, TypeError, KeyError):
                continue
        return records

    def _sidecar_record(self, aid: str) -> dict[str, Any] | None:
        """The article record a sidecar holds (as the index would hold it), or None."""
        from tuireader.core.model import Article

        side = self.articles.read_sidecar(aid)
        if side is None:
            return None
        return Article.from_record({k: v for k, v in side.items() if k != "text_hash"}).to_record()

    def _record_for(self, aid: str, backups: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """The best record of an article missing from the index: its sidecar, its newest
        backup, or one made from its body (title from the first line)."""
        side = self.articles.read_sidecar(aid)
        if side is not None:
            return {k: v for k, v in side.items() if k != "text_hash"}
        if aid in backups:
            return dict(backups[aid])
        try:
            markdown = self.articles.read_markdown(aid)
        except StoreError:
            markdown = ""
        first = next((line.strip().lstrip("#").strip() for line in markdown.splitlines()
                      if line.strip()), "")
        plain = parse_markdown(markdown).plain_text
        return {"id": aid, "title": first[:120] or f"Recovered article {aid}",
                "content_hash": hashlib.sha256(markdown.encode("utf-8")).hexdigest(),
                "word_count": len(plain.split()), "char_count": len(plain)}

    def _text_hash_of(self, aid: str) -> str:
        # Deferred: parse_cache imports the layout, which only a repair needs here.
        from tuireader.library.parse_cache import parsed

        try:
            markdown = self.articles.read_markdown(aid)
        except StoreError:
            return ""
        return text_hash(parsed(self.articles.body_path(aid), markdown).plain_text)

    def _finish_removal(self, aid: str, folder: Path) -> None:
        """Move what a removal killed half-way left behind into its trash folder."""
        shard = self.shard_dir / f"{aid}.json"
        moves = [(self.articles.body_path(aid), "article.md"),
                 (self.articles.sidecar_path(aid), "article.meta.json"),
                 (self.articles.spine_path(aid), "article.spine.json")]
        moves += [(p, "annotations.json" + p.name.removeprefix(shard.name))
                  for p in self.shard_dir.glob(f"{aid}.json*")]
        for source, name in moves:
            if filecheck.exists(source) and not filecheck.exists(folder / name):
                try:
                    os.replace(source, folder / name)
                except OSError as exc:
                    raise StoreError(f"cannot finish removing article {aid}: "
                                     f"{exc.strerror or exc}") from exc
        self.articles.parse_cache_path(aid).unlink(missing_ok=True)

    # -- acting -------------------------------------------------------------------------------

    def show(self, findings: list[Finding]) -> None:
        """Put the articles found on disk in the view in memory (nothing is written)."""
        from tuireader.core.model import Article

        backups = self._backup_records()
        for f in findings:
            if f.kind == "unindexed":
                record = Article.from_record(self._record_for(f.article_id, backups))
                self.articles.extra[f.article_id] = record.to_record()
            elif f.kind == "stale":
                side = self._sidecar_record(f.article_id)
                if side is not None:
                    self.articles.extra[f.article_id] = side

    def repair(self, findings: list[Finding]) -> list[Finding]:
        """Fix what can be fixed; a finding that cannot be fixed now (a file that cannot be
        moved) is said and left, the others are still fixed.  Returns the ones fixed."""
        from tuireader.core.model import Article

        backups = self._backup_records() if any(f.kind == "unindexed" for f in findings) else {}
        restored: list[dict[str, Any]] = []
        fixed: list[Finding] = []
        for f in findings:
            try:
                if f.kind == "unindexed":
                    record = Article.from_record(self._record_for(f.article_id, backups))
                    self.articles.write_sidecar(record.to_record(),
                                                self._text_hash_of(f.article_id))
                    restored.append(record.to_record())
                elif f.kind in ("stale", "synced"):
                    side = self._sidecar_record(f.article_id)
                    if side is not None:
                        restored.append(side)
                elif f.kind == "deleted-elsewhere":
                    self.tombs.bury(f.article_id)
                    self.articles.storage.remove_records(TABLE, {f.article_id})
                elif f.kind == "edited-after-delete":
                    self.tombs.revive(f.article_id)
                    side = self._sidecar_record(f.article_id)
                    if side is not None:
                        restored.append(side)
                else:
                    self._repair_one(f)
                fixed.append(f)
            except StorageError as exc:
                self._warn(f"library check: could not repair article {f.article_id}: {exc}")
        if restored:
            self.articles.storage.put_records(TABLE, restored)
        self.articles.extra.clear()
        return fixed

    def repair_and_say(self, findings: list[Finding]) -> None:
        """:meth:`repair`, then one line per kind of what was done (the store's start)."""
        try:
            findings = self.repair(findings)
        except StorageError as exc:  # the index itself cannot be written
            self._warn(f"library check: could not finish the repair: {exc}")
            return
        for line in Report(findings).summary(repaired=True):
            self._warn(line)

    def repair_shard(self, path: Path) -> bool:
        """Repair one shard (moved aside, its backup restored); True if that worked."""
        try:
            RecordFile(path, backups=SHARD_BACKUPS, root=self.articles.dir,
                       backup_dir=self.shard_backups, on_warning=self._warn).read()
        except StorageError:
            return False
        return True

    def _repair_one(self, f: Finding) -> None:
        if f.kind == "body-damaged":
            try:
                filecheck.move_aside(self.articles.body_path(f.article_id), "damaged")
            except OSError as exc:
                raise StoreError(f"cannot move its damaged text aside: "
                                 f"{exc.strerror or exc}") from exc
        elif f.kind == "shard-damaged":
            # Reading it writable moves a damaged file aside and restores its backup.
            RecordFile(self.shard_dir / f"{f.article_id}.json", backups=SHARD_BACKUPS,
                       backup_dir=self.shard_backups, root=self.articles.dir,
                       on_warning=self._warn).read()
        elif f.kind == "leftover":
            self._finish_removal(f.article_id, self.trash_dir / f.detail)
        elif f.kind == "no-sidecar":
            article = self.articles.get(f.article_id)
            if article is not None:
                self.articles.write_sidecar(article.to_record(), self._text_hash_of(f.article_id))
