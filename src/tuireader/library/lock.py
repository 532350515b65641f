"""The library's lock: held by the one process on this machine allowed to write the library.

The lock keeps two tuireader processes of *one machine* from writing the same library at once;
two machines never shared it (a file lock does not travel with Syncthing, Dropbox or git).  So
it lives outside the library folder (issue #21), in this machine's state folder (see
:mod:`~.machine`), named after the library folder's resolved path:

    <user_state_dir>/locks/<hash of the folder's resolved path>.lock

Keyed by the path, not by the library id: the id is written into the library folder the first
time it is opened, which must already happen under the lock; and every name of one folder (a
symlink, ``~``, a relative path) resolves to the same lock.

An older tuireader locked ``.lock`` inside the folder.  While one of those still holds it, this
program does not write either (it says so); once it is free it is stale and is removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

from filelock import FileLock, Timeout

from tuireader.library.machine import base_dirs

#: The lock file older versions kept in the library folder.
LEGACY = ".lock"


def lock_path(folder: Path) -> Path:
    """Where this machine locks the library at ``folder``."""
    where = str(Path(folder).expanduser().resolve())
    key = hashlib.sha256(where.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return base_dirs()[0] / "locks" / f"{key}.lock"


class LibraryLock:
    """The lock of one library folder; ``held`` while this process may write."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = lock_path(folder)
        self._lock: FileLock | None = None

    @property
    def held(self) -> bool:
        return self._lock is not None

    def acquire(self) -> str | None:
        """Take the lock at once; None, or why it could not be had."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return f"cannot lock the library ({exc.strerror or exc})"
        lock = FileLock(self.path)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            return "another tuireader is using this library"
        except OSError as exc:
            return f"cannot lock the library ({exc.strerror or exc})"
        why = self._legacy()
        if why is not None:
            lock.release()
            return why
        self._lock = lock
        return None

    def _legacy(self) -> str | None:
        """An older tuireader's ``.lock`` in the folder: held, that program is writing (why
        this one may not); free, it is stale and removed (held here meanwhile, so that no
        older program takes it in between)."""
        old = self.folder / LEGACY
        if not os.path.lexists(old):
            return None
        legacy = FileLock(old)
        try:
            legacy.acquire(timeout=0)
        except Timeout:
            return "an older tuireader is using this library"
        except OSError:
            return None  # cannot even be opened (a read-only folder): nobody writes through it
        try:
            with contextlib.suppress(OSError):
                old.unlink()
        finally:
            legacy.release()
        return None

    def release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None
