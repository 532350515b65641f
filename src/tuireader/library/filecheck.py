"""What is wrong with a library file before anything reads it: the checks that need only
``lstat``, shared by the storage (``library.json``, shards) and the reconciler (bodies).

Why a separate look before reading: a read of a directory raises ``IsADirectoryError``, a
dangling symlink reads as "missing" (an empty library, silently), and a symlink leading out of
the library would let a write through it land anywhere.  Each of these is damage: the file is
moved aside (never deleted) and the library carries on from what else is on disk.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import stat
from pathlib import Path


def problem(path: Path, root: Path | None = None) -> str | None:
    """Why ``path`` cannot be used as a regular file of the library under ``root``, or None
    (also None when it does not exist at all: missing is for the caller to judge)."""
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    if stat.S_ISLNK(st.st_mode):
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return "a symlink to nothing"
        if root is not None and not target.is_relative_to(root.resolve()):
            return f"a symlink out of the library (to {target})"
        return problem(target) if not target.is_file() else None
    if stat.S_ISDIR(st.st_mode):
        return "a folder, not a file"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file"
    return None


def exists(path: Path) -> bool:
    """True if anything (even a dangling symlink) is at ``path``."""
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    return True


def _timestamp() -> str:
    return _dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")


def aside_path(path: Path, label: str = "corrupt") -> Path:
    """A fresh ``<name>.<label>-<time>`` beside ``path``: an earlier one is never replaced."""
    stamp = _timestamp()
    aside = path.with_name(f"{path.name}.{label}-{stamp}")
    n = 1
    while exists(aside):
        n += 1
        aside = path.with_name(f"{path.name}.{label}-{stamp}-{n}")
    return aside


def move_aside(path: Path, label: str = "corrupt") -> Path:
    """Rename ``path`` (a file, a folder or a symlink: the link itself) to a fresh aside name
    in the same folder and make that durable; return the new path.  Raises OSError."""
    aside = aside_path(path, label)
    os.replace(path, aside)
    with contextlib.suppress(OSError):
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return aside
