"""A crash-safe TinyDB storage.

TinyDB's stock ``JSONStorage`` truncates and rewrites its file in place: a process killed in the
middle of a write leaves a half-written, unreadable file.  :class:`DurableStorage` never touches the
live file's bytes.  A save is:

1. serialise the whole database to a temporary file in the same folder, ``fsync`` it (if this
   fails, e.g. disk full, nothing else has been touched);
2. rotate the backups (``name.bak1`` is the file as it was before this save, ``bak2`` the one
   before that, ...) using hard links and renames, which cost no copying;
3. ``os.replace`` the temporary file over the live one (atomic on POSIX);
4. ``fsync`` the folder so the rename itself is durable.

When ``write`` returns, the data is on disk.  A kill at any point leaves either the old file or the
new one, plus possibly a stray temporary file, which the next open removes (the Store does this
while holding the library lock, so it never removes a file another writer is still filling).

On read, a file that does not parse as a JSON object is *moved aside* (``name.corrupt-<time>``,
never overwritten or deleted) and the newest backup that does parse is used instead; the
``on_warning`` callback receives a message naming both files.

The storage also notices when the file is replaced from outside (a sync tool, another program):
every read compares the file's identity (inode, size, mtime) with what it last read or wrote, and
reloads when they differ, so a write always applies to the current contents.

The library changes its files through :meth:`DurableStorage.put_records`,
:meth:`~DurableStorage.remove_records` and :meth:`~DurableStorage.set_document`, not through
TinyDB's ``Table``: a save of many records (a re-import re-anchoring every highlight of an
article) is then one write, whole or not at all, where ``Table.upsert`` writes once per document;
and the table is changed on a copy, so a thread reading the parsed contents without a lock (the
library-wide queries, the preload) sees it before or after a save, never half-way.  The file stays
a TinyDB database (TinyDB opens it through this same class, see ``tests/test_storage.py``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage

from tuireader.library import filecheck

BACKUPS = 3
_MISSING = "missing"
TMP_MARK = ".tmp-"


class StorageError(Exception):
    """A storage operation failed; ``str(exc)`` is a one-line message for the user."""


class ReadOnlyError(StorageError):
    """A write was attempted on a storage opened read-only."""


Signature = tuple[int, int, int]


def _signature(path: Path) -> Signature | None:
    """``(inode, size, mtime)`` of ``path``, or None if it does not exist (including when a
    folder on the way is missing or is a file: there is nothing to read either way)."""
    try:
        st = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def fsync_dir(folder: Path) -> None:
    """Make a rename or unlink in ``folder`` durable."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some filesystems refuse fsync on directories
        pass
    finally:
        os.close(fd)


def _temp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}-{secrets.token_hex(3)}")


def _write_temp(path: Path, data: bytes) -> Path:
    """Write ``data`` to a new temporary file next to ``path`` and fsync it; return its path.

    On failure the temporary file is removed and the error re-raised: ``path`` is untouched.
    """
    tmp = _temp_path(path)
    try:
        with open(tmp, "xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return tmp


def _commit_temp(tmp: Path, path: Path, *, sync_dir: bool = True) -> None:
    """Atomically put the fsynced temporary file ``tmp`` in place of ``path``."""
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if sync_dir:
        fsync_dir(path.parent)


def atomic_write_bytes(path: Path, data: bytes, *, sync_dir: bool = True) -> None:
    """Write ``data`` to ``path`` atomically and durably (temp file, fsync, rename, fsync dir).

    Raises OSError on failure, with ``path`` left as it was and no temporary file behind.
    """
    _commit_temp(_write_temp(path, data), path, sync_dir=sync_dir)


def remove_stale_temp_files(folder: Path) -> int:
    """Remove temporary files left by a crashed save.  Returns how many were removed."""
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if entry.name.startswith(".") and TMP_MARK in entry.name and entry.is_file():
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed += 1
    return removed


class DurableStorage(Storage):
    """TinyDB storage: atomic, durable writes, rotating backups, quarantine of corrupt files.

    Args:
        path: the JSON file.
        read_only: refuse writes (:class:`ReadOnlyError`).
        backups: how many previous versions to keep as ``<name>.bak1`` ... ``<name>.bakN``.
        on_warning: called with a one-line message when something was repaired (a corrupt file
            moved aside, a backup used) or changed from outside.
        validate: extra check of a parsed file; return an error string to treat it as corrupt.
        root: the library folder: a symlink in place of the file that leads out of it is
            damage (moved aside, like a folder or a dangling symlink there).
        on_damage: see ``_on_damage``.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        read_only: bool = False,
        backups: int = BACKUPS,
        on_warning: Callable[[str], None] | None = None,
        validate: Callable[[dict[str, Any]], str | None] | None = None,
        root: Path | None = None,
        on_damage: Callable[[], bool] | None = None,
    ) -> None:
        super().__init__()
        self.path = Path(path)
        self.read_only = read_only
        self.backups = backups
        self._warn = on_warning or (lambda message: None)
        self._validate = validate
        self.root = root
        #: Called (opened read-only) when the file is damaged: True if it was repaired
        #: meanwhile (by a writable storage of the same file), which is then read instead.
        self._on_damage = on_damage
        #: True once the file was found damaged and a backup (or nothing) used instead: the
        #: caller may know newer copies of its records (the store: the articles' sidecars).
        self.recovered = False
        self._cache: dict[str, Any] | None = None
        self._signature: Signature | None = None
        self._loaded = False
        self._checked_at = 0.0  # time.monotonic() of the last look at the file
        # Guards the cache: prefetch() runs in a background thread, and the store's shards and
        # articles are read and written from several threads (each write holds it throughout).
        self._cache_lock = threading.RLock()

    # -- helpers ---------------------------------------------------------------------------

    def backup_path(self, n: int) -> Path:
        return self.path.with_name(f"{self.path.name}.bak{n}")

    def _parse(self, path: Path) -> dict[str, Any]:
        """Parse ``path``; raise ValueError with a reason if it is not a valid database file.

        Valid means what TinyDB needs to work on it: a JSON object of tables, each an object of
        documents keyed by an integer id.  Anything else would only fail later, deep inside a
        query, so it is treated as corrupt here, where a backup can still be used.
        """
        raw = path.read_bytes()
        if not raw.strip():
            raise ValueError("the file is empty")
        # A byte-order mark added by an editor is harmless, not corruption.
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            # orjson: parsing 50,000 highlights is several times faster than with json; it
            # also refuses invalid UTF-8 and nesting past 1,024 levels, as corrupt files.
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            reason = "not UTF-8 text" if "UTF-8" in exc.msg else "not valid JSON"
            raise ValueError(f"{reason} ({exc.msg})") from exc
        except RecursionError as exc:
            raise ValueError("not a tuireader database (nested too deeply)") from exc
        if not isinstance(data, dict) or not all(
            isinstance(table, dict)
            and all(isinstance(doc, dict) and self.key_ok(key) for key, doc in table.items())
            for table in data.values()
        ):
            raise ValueError("valid JSON, but not a tuireader database (wrong shape)")
        if self._validate is not None:
            problem = self._validate(data)
            if problem:
                raise ValueError(problem)
        return data

    def key_ok(self, key: str) -> bool:
        """Whether ``key`` is a document key this file may hold (TinyDB's: a number)."""
        return key.isdigit()

    def serialise(self, data: dict[str, Any]) -> bytes:
        """The bytes written for ``data`` (TypeError if it cannot be)."""
        return orjson.dumps(data)

    def _recover(self, reason: str) -> dict[str, Any] | None:
        """The live file is unreadable: move it aside and fall back to the newest good backup."""
        if self.read_only and self._on_damage is not None and self._on_damage():
            with contextlib.suppress(OSError, ValueError):
                return self._parse(self.path)
        self.recovered = True
        what = "was missing" if reason == _MISSING else f"was unreadable ({reason})"
        if not filecheck.exists(self.path):
            aside_note = "the backups are kept"
        elif self.read_only:
            aside_note = "left in place (opened read-only)"
        else:
            try:
                aside = filecheck.move_aside(self.path)
            except OSError as exc:
                raise StorageError(
                    f"{self.path} is unreadable ({reason}) and could not be moved aside: "
                    f"{exc.strerror or exc}"
                ) from exc
            aside_note = f"moved aside to {aside}"
        for n in range(1, self.backups + 1):
            candidate = self.backup_path(n)
            if not candidate.exists():
                continue
            try:
                data = self._parse(candidate)
            except (OSError, ValueError):
                continue
            if not self.read_only:
                try:
                    atomic_write_bytes(self.path, candidate.read_bytes())
                except OSError as exc:
                    raise StorageError(
                        f"{self.path} is unreadable ({reason}); it was {aside_note}, but the "
                        f"backup {candidate} could not be restored: {exc.strerror or exc}"
                    ) from exc
            self._warn(f"{self.path} {what}; {aside_note}; using the backup {candidate}")
            return data
        self._warn(f"{self.path} {what}; {aside_note}; no readable backup, "
                   "starting this file empty (the unreadable copy is kept)")
        return None

    # -- Storage API ----------------------------------------------------------------------

    @property
    def signature(self) -> Signature | None:
        """Identity (inode, size, mtime) of the file the cached data came from; it changes on
        every write, so callers can key their own derived caches on it."""
        return self._signature

    def prefetch(self) -> tuple[Signature, dict[str, Any]] | None:
        """Parse the file ahead of need, typically from a background thread.

        The parsing runs without holding the cache lock, so a concurrent read or write is never
        held up by it; the result is kept only if nothing was loaded meanwhile and the file is
        unchanged.  An unreadable file is left for :meth:`read`, which repairs it and warns.

        Returns the cached ``(signature, data)`` pair (taken together, so they belong to the
        same version), or None if nothing is cached (no file, or an unreadable one).
        """
        if not self._loaded:
            sig = _signature(self.path)
            if sig is None:
                return None
            try:
                data = self._parse(self.path)
            except (OSError, ValueError):
                return None
            with self._cache_lock:
                if not self._loaded and _signature(self.path) == sig:
                    self._cache, self._signature, self._loaded = data, sig, True
                    self._checked_at = time.monotonic()
        with self._cache_lock:
            if self._loaded and self._signature is not None and self._cache is not None:
                return self._signature, self._cache
        return None

    def read(self, *, fresh_within: float = 0.0) -> dict[str, Any] | None:
        """The database contents, re-read if the file changed since it was last looked at.

        ``fresh_within``: trust the cached copy without looking at the file (a ``stat``) if it
        was checked less than this many seconds ago.  Library-wide queries read thousands of
        shards and can accept a second of staleness about changes made by *another* program;
        TinyDB's own reads (including the read before every write) always look.
        """
        with self._cache_lock:
            if fresh_within > 0 and self._loaded and (
                time.monotonic() - self._checked_at < fresh_within
            ):
                return self._cache
            return self._read()

    def _read(self) -> dict[str, Any] | None:
        sig = _signature(self.path)
        self._checked_at = time.monotonic()
        if self._loaded and sig == self._signature:
            return self._cache
        if self._loaded and not self.read_only:
            # A read-only instance expects the writer to change the file; a writer does not.
            what = "deleted" if sig is None else "changed"
            self._warn(f"{self.path} was {what} by another program; reloaded it")
        data: dict[str, Any] | None
        damage = filecheck.problem(self.path, self.root)
        if damage is not None:
            data = self._recover(f"it is {damage}")
        elif sig is None:
            # Missing while a backup exists is damage too (deleted by hand, lost by a sync
            # tool): starting empty would hide the backup's contents and later saves would
            # rotate it away.
            has_backup = any(self.backup_path(n).exists() for n in range(1, self.backups + 1))
            data = self._recover(_MISSING) if has_backup else None
        else:
            try:
                data = self._parse(self.path)
            except ValueError as exc:
                data = self._recover(str(exc))
            except OSError as exc:
                raise StorageError(f"cannot read {self.path}: {exc.strerror or exc}") from exc
        self._cache = data
        self._signature = _signature(self.path)
        self._loaded = True
        return data

    def write(self, data: dict[str, Any]) -> None:
        """Save ``data``; when this returns it is on disk.  Raises StorageError on failure.

        The new contents go to an fsynced temporary file *before* the backups rotate, so a
        failed write (disk full, file too large, I/O error) leaves the live file and the
        backups exactly as they were.
        """
        with self._cache_lock:
            self._write(data)

    def _write(self, data: dict[str, Any]) -> None:
        if self.read_only:
            self._forget()
            raise ReadOnlyError(f"{self.path.name} is open read-only; the change was not saved")
        try:
            payload = self.serialise(data)
        except TypeError as exc:  # orjson's error for unserialisable data (or lone surrogates)
            self._cache = None
            self._loaded = False
            raise StorageError(f"could not save {self.path}: {exc}; the file on disk is "
                               "unchanged") from exc
        try:
            tmp = _write_temp(self.path, payload)
            try:
                self._rotate_backups()
            except BaseException:
                with contextlib.suppress(OSError):
                    tmp.unlink()
                raise
            _commit_temp(tmp, self.path)
        except OSError as exc:
            self._forget()
            raise StorageError(
                f"could not save {self.path}: {exc.strerror or exc}; the file on disk is unchanged"
            ) from exc
        self._cache = data
        self._signature = _signature(self.path)
        self._loaded = True
        self._checked_at = time.monotonic()

    def _forget(self) -> None:
        """Drop the cache after a write that did not happen (TinyDB's own ``Table`` changes the
        cached dict in place before it writes), so the next read comes from disk."""
        self._cache = None
        self._loaded = False
        self._signature = None

    def _rotate_backups(self) -> None:
        """``bakN-1`` -> ``bakN`` ... current -> ``bak1``, by rename and hard link (no copying)."""
        if self.backups <= 0 or not self.path.exists():
            return
        for n in range(self.backups, 1, -1):
            older = self.backup_path(n - 1)
            if older.exists():
                os.replace(older, self.backup_path(n))
        bak1 = self.backup_path(1)
        try:
            os.link(self.path, bak1)
        except FileExistsError:
            os.unlink(bak1)
            os.link(self.path, bak1)
        except OSError:
            # Filesystems without hard links: copy instead.
            atomic_write_bytes(bak1, self.path.read_bytes(), sync_dir=False)

    # -- tables of records -----------------------------------------------------------------

    def _change_table(self, name: str, change: Callable[[dict[str, Any]], bool]) -> None:
        """Apply ``change`` to a copy of table ``name`` of the current contents and save the
        result, if ``change`` says it changed something.  One durable write."""
        with self._cache_lock:
            tables = self._read() or {}
            docs = dict(tables.get(name) or {})
            if change(docs):
                self._write({**tables, name: docs})

    def put_records(self, table: str, records: Sequence[dict[str, Any]]) -> None:
        """Insert or replace ``records`` in ``table`` by their ``id`` field, in one write.

        A record whose id is in the table takes that document's place (and key); a new one gets
        the next free key, as TinyDB numbers documents.  The records are stored as given: the
        caller must not change them afterwards (readers share them).
        """

        def put(docs: dict[str, Any]) -> bool:
            keys = {doc.get("id"): key for key, doc in docs.items()}
            free = max(map(int, docs), default=0) + 1
            for record in records:
                key = keys.get(record["id"])
                if key is None:
                    key = keys[record["id"]] = str(free)
                    free += 1
                docs[key] = record
            return bool(records)

        self._change_table(table, put)

    def remove_records(self, table: str, ids: Collection[str]) -> int:
        """Remove the records of ``table`` whose ``id`` is in ``ids``, in one write (none if
        nothing matches).  Returns how many were removed."""
        removed: list[str] = []

        def drop(docs: dict[str, Any]) -> bool:
            removed.extend(key for key, doc in docs.items() if doc.get("id") in ids)
            for key in removed:
                del docs[key]
            return bool(removed)

        self._change_table(table, drop)
        return len(removed)

    def set_document(self, table: str, key: int, document: dict[str, Any]) -> None:
        """Put ``document`` under the document id ``key`` of ``table`` (for the library's
        ``_meta`` record), in one write."""

        def put(docs: dict[str, Any]) -> bool:
            docs[str(key)] = document
            return True

        self._change_table(table, put)

    def close(self) -> None:
        self._forget()

    def all_files(self) -> Iterator[Path]:
        """The live file and its backups that exist."""
        if self.path.exists():
            yield self.path
        for n in range(1, self.backups + 1):
            if self.backup_path(n).exists():
                yield self.backup_path(n)
