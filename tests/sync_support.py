"""Two machines on one process, and the ways sync engines merge their library folders.

A *machine* is a per-machine folder (``$TUIREADER_MACHINE_DIR``: its device id, its caches)
and a copy of the library folder.  The engines are simulated from their documented rules:

* Syncthing: a file changed on one side only travels; a file changed on both keeps the newer
  one (by modification time) under its name and the other as ``.sync-conflict-…``; a deletion
  travels unless the other side modified the file (then the modified file comes back);
* Dropbox: the same, the loser named ``name (<machine>'s conflicted copy <date>).ext``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tuireader.library.store import Store


class Machine:
    def __init__(self, name: str, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.name = name
        self.state = root / f"machine-{name}"
        self.library = root / f"library-{name}"
        self._mp = monkeypatch

    @contextmanager
    def on(self) -> Iterator[None]:
        """Run as this machine (its device id, its per-machine folder)."""
        self._mp.setenv("TUIREADER_MACHINE_DIR", str(self.state))
        yield

    @contextmanager
    def store(self) -> Iterator[Store]:
        with self.on(), Store(self.library) as store:
            yield store


def files(folder: Path) -> dict[str, bytes]:
    """Every file of a library folder that a sync tool carries (not the lock)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != ".lock":
            out[str(path.relative_to(folder))] = path.read_bytes()
    return out


def _mtime(folder: Path, rel: str) -> int:
    return (folder / rel).stat().st_mtime_ns


def engine_sync(a: Path, b: Path, base: dict[str, bytes], *, naming: str,
                newer: str | None = None) -> list[str]:
    """Make folders ``a`` and ``b`` equal the way Syncthing ("syncthing") or Dropbox
    ("dropbox") does, from the common state ``base``.  ``newer`` ("a" or "b") forces which
    side's version counts as newer (else the modification times say).  Returns the names of
    the conflict copies made."""
    fa, fb = files(a), files(b)
    made: list[str] = []
    for rel in sorted(set(fa) | set(fb) | set(base)):
        va, vb, vo = fa.get(rel), fb.get(rel), base.get(rel)
        if va == vb:
            continue
        if va is None or vb is None:
            present, side = (va, a) if va is not None else (vb, b)
            other = b if side is a else a
            if vo is not None and present == vo:
                (side / rel).unlink()  # deleted on the other side, unchanged here: delete
            else:
                # new on one side, or modified here while deleted there: modified wins
                (other / rel).parent.mkdir(parents=True, exist_ok=True)
                (other / rel).write_bytes(present)
            continue
        if vo == va:
            (a / rel).write_bytes(vb)
            continue
        if vo == vb:
            (b / rel).write_bytes(va)
            continue
        a_wins = (newer == "a") if newer else _mtime(a, rel) >= _mtime(b, rel)
        win, lose = (va, vb) if a_wins else (vb, va)
        path = Path(rel)
        stem, ext = path.name, ""
        if "." in path.name:
            stem, ext = path.name.rsplit(".", 1)
            ext = "." + ext
        if naming == "syncthing":
            copy = f"{stem}.sync-conflict-20261204-101500-ABCDEF{'G' if a_wins else 'H'}{ext}"
        else:
            copy = f"{stem} ({'B' if a_wins else 'A'}'s conflicted copy 2026-12-04){ext}"
        rel_copy = str(path.with_name(copy))
        for side in (a, b):
            (side / rel).write_bytes(win)
            (side / rel_copy).write_bytes(lose)
        made.append(rel_copy)
    return made


def clone(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".lock"))
    os.sync()


def index_file(library: Path) -> Path:
    """Where this machine keeps the library's index (``library.json``): the per-machine
    folder, since the layout that synchronises (see ``library/layout.py``)."""
    from tuireader.library.machine import machine_dir

    return machine_dir(library, create=False).cache / "library.json"


def machine_state(library: Path) -> Path:
    """This machine's state folder for the library (backups, the conflicts log)."""
    from tuireader.library.machine import machine_dir

    return machine_dir(library, create=False).state
