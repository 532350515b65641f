"""The per-machine folder of a library: what must never travel with a synchronised folder.

A library folder may be put in Syncthing, Dropbox or a git repository (issue #21).  Whatever
is derived from it or belongs to one machine lives outside it, in one folder per library and
machine, found by :func:`machine_dir`:

    <user_state_dir>/libraries/<library id>-<place>/   the conflicts log, backups
    <user_cache_dir>/libraries/<library id>-<place>/   derived caches (index, sidecar times)

(``<place>``: a short hash of the folder's path on this machine, so that two copies of one
library on one machine never share an index.)

The library id is made once, when a library is first opened writable, and kept in the library
folder itself (``tuireader-library.json``), so every machine that holds a copy of the folder
finds the same id, whatever path the folder has there; two libraries on one machine never
share a per-machine folder.  ``$TUIREADER_MACHINE_DIR`` puts both under one folder (tests, a
portable setup).

This module is the one place that says where per-machine things go: other parts of the
library ask :func:`machine_dir` rather than choosing their own folder.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import orjson
from platformdirs import user_cache_dir, user_state_dir

from tuireader.library.durable import atomic_write_bytes
from tuireader.locations import APP_NAME

#: The file in the library folder that names the library (its id and layout version).
LIBRARY_FILE = "tuireader-library.json"
#: Environment variable: one folder for every per-machine thing (``state/`` and ``cache/``).
MACHINE_ENV = "TUIREADER_MACHINE_DIR"


def base_dirs() -> tuple[Path, Path]:
    """The per-machine state and cache folders of tuireader (not of one library)."""
    env = os.environ.get(MACHINE_ENV)
    if env:
        root = Path(env).expanduser()
        return root / "state", root / "cache"
    return (Path(user_state_dir(APP_NAME, appauthor=False)),
            Path(user_cache_dir(APP_NAME, appauthor=False)))


def read_library_file(library_dir: Path) -> dict[str, object]:
    """The library file's contents ({} when missing or unreadable)."""
    try:
        data = orjson.loads((library_dir / LIBRARY_FILE).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def write_library_file(library_dir: Path, **fields: object) -> None:
    """Add ``fields`` to the library file, durably (sorted keys: the same bytes everywhere)."""
    data = {**read_library_file(library_dir), **fields}
    atomic_write_bytes(library_dir / LIBRARY_FILE,
                       orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2)
                       + b"\n")


def library_id(library_dir: Path, *, create: bool = True) -> str:
    """The library's id, made and written the first time (``create``) when it has none.

    A library that has none and cannot be written (read-only, not created yet) is known by
    a hash of its resolved path until a writable open names it.
    """
    found = read_library_file(library_dir).get("library_id")
    if isinstance(found, str) and found.isalnum():
        return found
    if create and library_dir.is_dir():
        made = secrets.token_hex(8)
        try:
            write_library_file(library_dir, library_id=made)
            return made
        except OSError:
            pass
    return "path-" + hashlib.sha256(str(library_dir.resolve()).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class MachineDir:
    """One library's per-machine folders (made on first use by :meth:`ensure`)."""

    library_id: str
    #: The conflicts log, backups: kept, never shared.
    state: Path
    #: Derived, rebuildable: the index, parse caches, search indexes.
    cache: Path

    def ensure(self) -> MachineDir:
        self.state.mkdir(parents=True, exist_ok=True)
        self.cache.mkdir(parents=True, exist_ok=True)
        return self

    @property
    def conflicts_log(self) -> Path:
        """Where a merge writes what it had to choose between (see :mod:`~.merge`)."""
        return self.state / "conflicts.log"

    @property
    def backups(self) -> Path:
        """Backups of this machine's writes and migrations."""
        return self.state / "backups"


def machine_dir(library_dir: str | Path, *, create: bool = True) -> MachineDir:
    """The per-machine folders of the library at ``library_dir`` (see the module's doc)."""
    folder = Path(library_dir).expanduser()
    ident = library_id(folder, create=create)
    # The id and where this copy is: two copies of one library on one machine (a backup
    # restored beside it, a clone) must not share an index.  A moved folder starts a new
    # per-machine folder, which is rebuilt from the library.
    where = hashlib.sha256(str(folder.resolve()).encode("utf-8", "surrogateescape")).hexdigest()
    key = f"{ident}-{where[:8]}"
    state, cache = base_dirs()
    return MachineDir(ident, state / "libraries" / key, cache / "libraries" / key)
