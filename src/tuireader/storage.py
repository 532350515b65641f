"""A crash-safe TinyDB storage.

TinyDB's stock ``JSONStorage`` truncates and rewrites its file in place: a process killed in the
middle of a write leaves a half-written, unreadable file.  :class:`DurableStorage` never touches the
live file's bytes.  A save is:

1. serialise the whole database to a temporary file in the same folder, ``fsync`` it;
2. rotate the backups (``name.bak1`` is the file as it was before this save, ``bak2`` the one
   before that, ...) using hard links and renames, which cost no copying;
3. ``os.replace`` the temporary file over the live one (atomic on POSIX);
4. ``fsync`` the folder so the rename itself is durable.

When ``write`` returns, the data is on disk.  A kill at any point leaves either the old file or the
new one, plus possibly a stray temporary file, which the next open removes.

On read, a file that does not parse as a JSON object is *moved aside* (``name.corrupt-<time>``,
never overwritten or deleted) and the newest backup that does parse is used instead; the
``on_warning`` callback receives a message naming both files.

The storage also notices when the file is replaced from outside (a sync tool, another program):
every read compares the file's identity (inode, size, mtime) with what it last read or wrote, and
reloads when they differ, so a write always applies to the current contents.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

BACKUPS = 3
TMP_MARK = ".tmp-"


class StorageError(Exception):
    """A storage operation failed; ``str(exc)`` is a one-line message for the user."""


class ReadOnlyError(StorageError):
    """A write was attempted on a storage opened read-only."""


Signature = tuple[int, int, int]


def _signature(path: Path) -> Signature | None:
    try:
        st = path.stat()
    except FileNotFoundError:
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


def atomic_write_bytes(path: Path, data: bytes, *, sync_dir: bool = True) -> None:
    """Write ``data`` to ``path`` atomically and durably (temp file, fsync, rename, fsync dir)."""
    tmp = path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}-{secrets.token_hex(3)}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if sync_dir:
        fsync_dir(path.parent)


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


def _timestamp() -> str:
    return _dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")


class DurableStorage(Storage):
    """TinyDB storage: atomic, durable writes, rotating backups, quarantine of corrupt files.

    Args:
        path: the JSON file.
        read_only: refuse writes (:class:`ReadOnlyError`).
        backups: how many previous versions to keep as ``<name>.bak1`` ... ``<name>.bakN``.
        on_warning: called with a one-line message when something was repaired (a corrupt file
            moved aside, a backup used) or changed from outside.
        validate: extra check of a parsed file; return an error string to treat it as corrupt.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        read_only: bool = False,
        backups: int = BACKUPS,
        on_warning: Callable[[str], None] | None = None,
        validate: Callable[[dict[str, Any]], str | None] | None = None,
    ) -> None:
        super().__init__()
        self.path = Path(path)
        self.read_only = read_only
        self.backups = backups
        self._warn = on_warning or (lambda message: None)
        self._validate = validate
        self._cache: dict[str, Any] | None = None
        self._signature: Signature | None = None
        self._loaded = False

    # -- helpers ---------------------------------------------------------------------------

    def backup_path(self, n: int) -> Path:
        return self.path.with_name(f"{self.path.name}.bak{n}")

    def _parse(self, path: Path) -> dict[str, Any]:
        """Parse ``path``; raise ValueError with a reason if it is not a valid database file."""
        raw = path.read_bytes()
        if not raw.strip():
            raise ValueError("the file is empty")
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise ValueError(f"not UTF-8 text ({exc.reason})") from exc
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON ({exc.msg} at byte {exc.pos})") from exc
        if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
            raise ValueError("valid JSON, but not a tuireader database (wrong shape)")
        if self._validate is not None:
            problem = self._validate(data)
            if problem:
                raise ValueError(problem)
        return data

    def _recover(self, reason: str) -> dict[str, Any] | None:
        """The live file is unreadable: move it aside and fall back to the newest good backup."""
        aside = self.path.with_name(f"{self.path.name}.corrupt-{_timestamp()}")
        if self.read_only:
            aside_note = "left in place (read-only)"
        else:
            os.replace(self.path, aside)
            fsync_dir(self.path.parent)
            aside_note = f"moved aside to {aside.name}"
        for n in range(1, self.backups + 1):
            candidate = self.backup_path(n)
            if not candidate.exists():
                continue
            try:
                data = self._parse(candidate)
            except (OSError, ValueError):
                continue
            self._warn(
                f"{self.path} was unreadable ({reason}); {aside_note}; "
                f"using the backup {candidate.name}"
            )
            if not self.read_only:
                atomic_write_bytes(self.path, candidate.read_bytes())
            return data
        self._warn(
            f"{self.path} was unreadable ({reason}); {aside_note}; no readable backup, "
            "starting this file empty (the unreadable copy is kept)"
        )
        return None

    # -- Storage API ----------------------------------------------------------------------

    def read(self) -> dict[str, Any] | None:
        sig = _signature(self.path)
        if self._loaded and sig == self._signature:
            return self._cache
        if self._loaded and sig != self._signature:
            self._warn(f"{self.path.name} was changed by another program; reloaded it")
        data: dict[str, Any] | None
        if sig is None:
            data = None
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
        if self.read_only:
            self._cache = None
            self._loaded = False
            raise ReadOnlyError(f"{self.path.name} is open read-only; the change was not saved")
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        try:
            self._rotate_backups()
            atomic_write_bytes(self.path, payload)
        except OSError as exc:
            # TinyDB already changed the cached dict in place: forget it, so the next read
            # reflects what is really on disk.
            self._cache = None
            self._loaded = False
            raise StorageError(
                f"could not save {self.path}: {exc.strerror or exc}; the file on disk is unchanged"
            ) from exc
        self._cache = data
        self._signature = _signature(self.path)
        self._loaded = True

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

    def close(self) -> None:
        self._cache = None
        self._loaded = False

    def all_files(self) -> Iterator[Path]:
        """The live file and its backups that exist."""
        if self.path.exists():
            yield self.path
        for n in range(1, self.backups + 1):
            if self.backup_path(n).exists():
                yield self.backup_path(n)
