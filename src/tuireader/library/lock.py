"""The library's lock file, ``.lock``: held by the one process allowed to write."""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock, Timeout


class LibraryLock:
    """The lock of one library folder; ``held`` while this process may write."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / ".lock"
        self._lock: FileLock | None = None

    @property
    def held(self) -> bool:
        return self._lock is not None

    def acquire(self) -> str | None:
        """Take the lock at once; None, or why it could not be had."""
        lock = FileLock(self.path)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            return "another tuireader is using this library"
        except OSError as exc:
            return f"cannot lock the library ({exc.strerror or exc})"
        self._lock = lock
        return None

    def release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None
