"""The stored bases of a vault sync: the last synced copy of each note, per machine.

A vault's path belongs to one machine (the library folder may be synced between machines, the
vault sync state is not), so the bases live under the platform's *state* folder, keyed by the
library's path and then by the vault's path (:func:`machine_state_dir`: the one place that says
where; pass ``state_dir`` to put them elsewhere).  Inside::

    index.json          one small record per note: where it is, its size/mtime/inode and hash
                        at the last sync, and the fingerprint of tuireader's side then;
                        plus the vault files known not to be notes of ours (not re-read)
    notes/<id>.json     the note's base: each owned region's text, tuireader's and the vault's

A sync where nothing changed reads the index only (no note base, no note file): every file is
written atomically (temporary file, fsync, rename), so a crash leaves each old or new.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
from pathlib import Path
from typing import Any

import orjson

from tuireader.library import durable
from tuireader.library.durable import TMP_MARK, atomic_write_bytes, fsync_dir
from tuireader.library.machine import machine_dir

#: Version of the files' layout (a different one is ignored: the next sync rebuilds).
VERSION = 1
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _key(path: Path) -> str:
    return hashlib.sha256(str(path.expanduser().resolve()).encode("utf-8")).hexdigest()[:16]


def machine_state_dir(library_dir: Path) -> Path:
    """This machine's state for the library at ``library_dir`` (outside the library folder)."""
    return machine_dir(library_dir, create=False).state


class VaultBases:
    """The bases of one vault for one library (see the module docstring)."""

    def __init__(self, library_dir: Path, vault: Path, state_dir: Path | None = None) -> None:
        self.root = (state_dir or machine_state_dir(library_dir)) / "vaults" / _key(vault)
        self._notes = self.root / "notes"

    def load_index(self) -> dict[str, Any]:
        """``{"notes": {article id: record}, "others": {relative path: [size, mtime]}}``."""
        try:
            data = orjson.loads((self.root / "index.json").read_bytes())
        except (OSError, orjson.JSONDecodeError):
            data = None
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return {"version": VERSION, "notes": {}, "others": {}}
        data.setdefault("notes", {})
        data.setdefault("others", {})
        return data

    def save_index(self, index: dict[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.root / "index.json", orjson.dumps(index))

    def _path(self, article_id: str) -> Path:
        if not _SAFE_ID.match(article_id):
            article_id = "h-" + hashlib.sha256(article_id.encode("utf-8")).hexdigest()[:32]
        return self._notes / f"{article_id}.json"

    def note(self, article_id: str) -> dict[str, Any]:
        """The note's base (empty when there is none or it cannot be read)."""
        try:
            data = orjson.loads(self._path(article_id).read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return {}
        return data if isinstance(data, dict) else {}

    def save_note(self, article_id: str, base: dict[str, Any]) -> None:
        """Atomically (a temporary file renamed over the old one), not fsynced: a base lost to
        a power cut is settled by the next merge (the vault's note and the library agree, or
        the vault's side is read back), and :meth:`flush` syncs the folder once per sync."""
        self._notes.mkdir(parents=True, exist_ok=True)
        path = self._path(article_id)
        tmp = path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}-{secrets.token_hex(3)}")
        try:
            tmp.write_bytes(orjson.dumps(base))
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        durable._commit_temp(tmp, path, sync_dir=False)  # where the tests inject faults

    def drop_note(self, article_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._path(article_id))

    def flush(self) -> None:
        """Make the renames of :meth:`save_note` durable."""
        if self._notes.is_dir():
            fsync_dir(self._notes)
