"""The vault sync's front door: one note per article, both ways (see ``merge.py``).

:func:`sync_vault` finds the notes (``scan.py``), skips every note whose file and whose article
are both as the last sync left them (a ``stat`` and an index lookup: no read), merges the others
(``merge.py``), applies what the vault changed through the library's write path (``Applier``:
the :class:`~tuireader.library.editing.Annotator`, so each change is durable and undoable), then
writes the note atomically and its base, in that order.  ``dry_run`` does everything but the
writes and says what they would have been.

Notes are only ever created for articles with highlights; a note the user deleted is reported,
not re-created; a note whose article was removed from the library is reported and left alone.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tuireader.core.model import Article, Highlight
from tuireader.export.context import in_text_order
from tuireader.export.filenames import safe_filename
from tuireader.export.outline import Locator
from tuireader.export.vault.blocks import Flavor, Obsidian
from tuireader.export.vault.logseq import Logseq
from tuireader.export.vault.merge import NoteMerge, merge_note, new_note
from tuireader.export.vault.scan import Found, scan
from tuireader.library.durable import StorageError, atomic_write_bytes, fsync_dir
from tuireader.library.editing import Annotator
from tuireader.library.errors import StoreError
from tuireader.library.store import Store
from tuireader.library.vault_base import VaultBases

FLAVORS: dict[str, Callable[[], Flavor]] = {"obsidian": Obsidian, "logseq": Logseq}


class Applier(Protocol):
    """How read-back changes reach the library (the UI passes its own, on its writer)."""

    def update(self, highlight: Highlight, note: str, tags: list[str]) -> None: ...

    def delete(self, highlight: Highlight) -> None: ...


class AnnotatorApplier:
    """Through an :class:`Annotator`: each change saved durably and undoable."""

    def __init__(self, annotator: Annotator) -> None:
        self.annotator = annotator

    def update(self, highlight: Highlight, note: str, tags: list[str]) -> None:
        if note != highlight.note:
            highlight = self.annotator.set_note(highlight, note)
        if tags != highlight.tags:
            self.annotator.set_tags(highlight, tags)

    def delete(self, highlight: Highlight) -> None:
        self.annotator.delete(highlight)


@dataclass
class SyncReport:
    """What a sync did (or, dry, would do)."""

    vault: Path
    flavor: str
    dry_run: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    unchanged: int = 0
    blocks_written: int = 0
    blocks_added: int = 0
    blocks_removed: int = 0
    read_back: int = 0
    deletions_accepted: int = 0
    conflicts: list[str] = field(default_factory=list)
    deleted_in_vault: list[str] = field(default_factory=list)
    notes_deleted_in_vault: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, Any]:
        return {
            "vault": str(self.vault), "flavor": self.flavor, "dry_run": self.dry_run,
            "created": len(self.created), "updated": len(self.updated),
            "moved": len(self.moved), "unchanged": self.unchanged,
            "blocks_written": self.blocks_written, "blocks_added": self.blocks_added,
            "blocks_removed": self.blocks_removed, "read_back": self.read_back,
            "deleted_in_vault": len(self.deleted_in_vault),
            "deletions_accepted": self.deletions_accepted,
            "notes_deleted_in_vault": len(self.notes_deleted_in_vault),
            "orphans": len(self.orphans), "conflicts": len(self.conflicts),
            "duplicates": len(self.duplicates), "skipped": len(self.skipped),
            "failed": len(self.failed),
        }

    def summary(self) -> str:
        c = self.counts()
        verb = "would write" if self.dry_run else "wrote"
        parts = [f"{c['created']} created", f"{c['updated']} updated",
                 f"{c['unchanged']} unchanged", f"{c['read_back']} read back"]
        for key in ("conflicts", "deleted_in_vault", "orphans", "failed"):
            if c[key]:
                parts.append(f"{c[key]} {key.replace('_', ' ')}")
        return f"vault sync ({verb}): " + ", ".join(parts)


def _stat(path: Path) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_ino, st.st_size, st.st_mtime_ns]


def fingerprint(store: Store, article: Article, flavor: str) -> str:
    """What tuireader's side of a note depends on: the article's exported fields and the
    identity of its highlights file (every save renames a new file in)."""
    fields = (article.title, article.author, article.site, article.url, article.source,
              article.published, article.added, article.content_hash, article.char_count,
              list(article.tags), flavor, _stat(store.shards.path(article.id)))
    return hashlib.blake2b(repr(fields).encode("utf-8"), digest_size=12).hexdigest()


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _place(store: Store, article: Article) -> Callable[[Highlight], tuple[str, int]]:
    try:
        locator = Locator(article, markdown=store.read_markdown(article.id))
    except (StoreError, OSError, UnicodeDecodeError):
        locator = Locator(article)
    return locator.place


def _new_path(vault: Path, article: Article, taken: set[str]) -> Path:
    """A name for a new note in the vault's top folder that no file there has (compared
    case-insensitively, as macOS and Windows do); ``taken`` gets it."""
    n = 1
    while True:
        name = safe_filename(article.title, article.id, suffix="" if n == 1 else f" {n}")
        if name.casefold() not in taken:
            taken.add(name.casefold())
            return vault / name
        n += 1


class _Sync:
    def __init__(self, store: Store, vault: Path, flavor: Flavor, *, dry_run: bool,
                 accept_deletions: bool, bases: VaultBases, applier: Applier) -> None:
        self.store, self.vault, self.flavor = store, vault, flavor
        self.dry_run, self.accept_deletions = dry_run, accept_deletions
        self.bases, self.applier = bases, applier
        self.report = SyncReport(vault, flavor.name, dry_run)
        self.index = bases.load_index()
        self.dirty = False
        #: The names in the vault's top folder (read when the first new note is named).
        self.taken: set[str] | None = None
        #: The folders notes were written in (their renames made durable at the end).
        self.folders: set[Path] = set()

    def run(self, progress: Callable[[int, int], None] | None) -> SyncReport:
        synced_as = self.index.get("flavor")
        if synced_as and synced_as != self.flavor.name and self.index["notes"]:
            raise StoreError(f"the vault {self.vault} was synced as {synced_as}, not "
                             f"{self.flavor.name}: use --flavor {synced_as}")
        if synced_as != self.flavor.name:
            self.index["flavor"] = self.flavor.name
            self.dirty = True
        notes: dict[str, Any] = self.index["notes"]
        empty: dict[str, str] = self.index.setdefault("empty", {})
        found = scan(self.vault, notes, self.index["others"], clean_temp=not self.dry_run)
        if found.others != self.index["others"]:
            self.index["others"] = found.others
            self.dirty = True
        self.report.duplicates += found.duplicates
        self.report.skipped += found.skipped
        articles = {a.id: a for a in self.store.list_articles()}
        for aid, file in found.notes.items():
            if aid not in articles:
                self.report.orphans.append(f"{file.rel}: its article {aid} is not in the library")
        todo = list(articles.values())
        try:
            for done, article in enumerate(todo, 1):
                self._article(article, found.notes.get(article.id), notes.get(article.id),
                              empty)
                if progress is not None:
                    progress(done, len(todo))
        finally:  # Ctrl+C keeps what was done: the notes written so far are remembered
            for folder in self.folders:
                fsync_dir(folder)
            if self.dirty and not self.dry_run:
                self.bases.flush()
                self.bases.save_index(self.index)
        return self.report

    def _article(self, article: Article, file: Found | None, record: dict[str, Any] | None,
                 empty: dict[str, str]) -> None:
        fp = fingerprint(self.store, article, self.flavor.name)
        if file is None:
            if record is not None:
                self.report.notes_deleted_in_vault.append(
                    f"{record.get('path')}: note of {article.id} gone from the vault; "
                    "not re-created")
                return
            if empty.get(article.id) == fp:
                return  # no highlights at the last look, and nothing changed since
            highlights = in_text_order(self.store.highlights(article.id))
            if not highlights:
                empty[article.id] = fp
                self.dirty = True
                return
            if self.taken is None:
                self.taken = {p.name.casefold() for p in self.vault.iterdir()}
            path = _new_path(self.vault, article, self.taken)
            merge = new_note(self.flavor, article, highlights, _place(self.store, article))
            if self._finish(article, path, None, merge, fp):
                self.report.created.append(path.name)
            return
        pending = record.get("vault_deleted") if record is not None else None
        settle = bool(pending) and self.accept_deletions
        if record is not None and record.get("path") == file.rel \
                and record.get("stat") == file.stat and record.get("source") == fp \
                and not settle:
            self.report.unchanged += 1
            self.report.deleted_in_vault += [self._deleted_line(file.rel, hid)
                                             for hid in pending or ()]
            return
        try:
            data = file.path.read_bytes()
            text = data.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.report.skipped.append(f"{file.rel}: {getattr(exc, 'strerror', None) or exc}")
            return
        if record is not None and record.get("sha") == _digest(data) \
                and record.get("source") == fp and not settle:
            self._remember(article.id, file, data, fp, moved=record.get("path") != file.rel)
            self.report.unchanged += 1
            return
        highlights = in_text_order(self.store.highlights(article.id))
        base = self.bases.note(article.id) if record is not None else {}
        merge = merge_note(self.flavor, text, article, highlights, _place(self.store, article),
                           base, accept_deletions=self.accept_deletions)
        if record is not None and record.get("path") != file.rel:
            self.report.moved.append(f"{record.get('path')} -> {file.rel}")
        self._finish(article, file.path, file, merge, fp)

    def _deleted_line(self, rel: str, hid: str) -> str:
        return (f"{rel}: the block of highlight {hid} was deleted in the vault"
                + (": deleted in tuireader too" if self.accept_deletions else
                   "; kept in tuireader (--accept-deletions deletes it)"))

    def _remember(self, aid: str, file: Found, data: bytes, fp: str, *, moved: bool) -> None:
        record = self.index["notes"][aid]
        record.update({"path": file.rel, "stat": file.stat, "sha": _digest(data), "source": fp})
        self.dirty = True
        if moved:
            self.report.moved.append(file.rel)

    def _finish(self, article: Article, path: Path, file: Found | None, merge: NoteMerge,
                fp: str) -> bool:
        """Count what the merge did, apply it (unless dry), write the note and its base;
        False when that failed (said in the report: the next sync tries again)."""
        r = self.report
        rel = path.relative_to(self.vault).as_posix()
        r.conflicts += [f"{rel}: {c}" for c in merge.conflicts]
        r.deleted_in_vault += [self._deleted_line(rel, hid) for hid in merge.deleted_in_vault]
        r.blocks_written += merge.written
        r.blocks_added += merge.added
        r.blocks_removed += merge.removed
        r.read_back += merge.read_back
        r.deletions_accepted += len(merge.deletions)
        if file is not None and merge.text is not None:
            r.updated.append(rel)
        elif file is not None:
            r.unchanged += 1
        if self.dry_run:
            return True
        try:
            for h, note, tags in merge.updates:
                self.applier.update(h, note, tags)
            for h in merge.deletions:
                self.applier.delete(h)
            if merge.text is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write_bytes(path, merge.text.encode("utf-8"), sync_dir=False)
                self.folders.add(path.parent)  # synced once, at the end
            self.bases.save_note(article.id, merge.base)
        except (OSError, StorageError, StoreError) as exc:
            r.failed.append(f"{rel}: {getattr(exc, 'strerror', None) or exc}")
            return False
        data = path.read_bytes()
        st = os.stat(path)
        fp = fingerprint(self.store, article, self.flavor.name)  # after the read-back saves
        self.index["notes"][article.id] = {
            "path": rel, "stat": [st.st_size, st.st_mtime_ns, st.st_ino], "sha": _digest(data),
            "source": fp}
        if merge.deleted_in_vault and not self.accept_deletions:
            self.index["notes"][article.id]["vault_deleted"] = merge.deleted_in_vault
        self.index.setdefault("empty", {}).pop(article.id, None)
        self.dirty = True
        return True


def sync_vault(store: Store, vault: Path, *, flavor: str = "obsidian", dry_run: bool = False,
               accept_deletions: bool = False, state_dir: Path | None = None,
               applier: Applier | None = None,
               progress: Callable[[int, int], None] | None = None) -> SyncReport:
    """Sync the library with the notes in ``vault`` (see the module docstring)."""
    if flavor not in FLAVORS:
        raise ValueError(f"unknown vault flavour {flavor!r} (obsidian or logseq)")
    vault = Path(vault).expanduser()
    if not vault.is_dir():
        raise StoreError(f"the vault folder {vault} does not exist")
    bases = VaultBases(store.dir, vault, state_dir)
    if applier is None:
        applier = AnnotatorApplier(Annotator(store))
    job = _Sync(store, vault.resolve(), FLAVORS[flavor](), dry_run=dry_run,
                accept_deletions=accept_deletions, bases=bases, applier=applier)
    return job.run(progress)
