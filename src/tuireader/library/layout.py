"""The library's layout version, and the move to the layout that synchronises (layouts 3, 4).

Layout 3 (issue #21) keeps in the library folder only what every machine shares, each file
written so that it merges (see :mod:`~.records` and :mod:`~.merge`); the index
``library.json`` becomes a per-machine derived cache (see :mod:`~.machine`), rebuilt from the
sidecars when missing.  An older library moves on its first writable open:

1. a backup of what changes (``library.json`` and its backups, every highlight shard, every
   sidecar) is copied to the per-machine folder, ``backups/layout-3-<time>/``;
2. every highlight shard is rewritten keyed by its records' own ids, in the deterministic
   form (the records themselves are unchanged; stamps come with their next change);
3. ``library.json`` (and its backups) moves to the per-machine folder;
4. the layout is written in ``tuireader-library.json``.

Each step can be redone: a kill in the middle leaves shards in either form (both are read)
and the index in one of the two places (the old one is still used until it moved).

Layout 4 takes the reading state (position, progress, last opened) out of the sidecars into
this device's reading file, ``reading/<device>.json`` (see :mod:`~.reading`): the sidecars
that held it are copied to ``backups/layout-4-<time>/``, the reading file is written (durably)
before any sidecar loses its fields, then each such sidecar is rewritten without them.  A kill
in between is redone at the next open (a sidecar already rewritten gives its state from the
index, which still holds it).
"""

from __future__ import annotations

import datetime
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

from tuireader.library import reading
from tuireader.library.conflicts import is_copy
from tuireader.library.device import this_device
from tuireader.library.durable import atomic_write_bytes, fsync_dir
from tuireader.library.machine import (
    LIBRARY_FILE,
    machine_dir,
    read_library_file,
    write_library_file,
)
from tuireader.library.records import by_id, dumps_tables

#: The layout this program writes.
LAYOUT = 4
INDEX = "library.json"


@dataclass(frozen=True)
class IndexPlace:
    """Where the index is, and whether the library was just opened for the first time by a
    program that knows about synchronisation (its index and sidecars then agree)."""

    path: Path
    first: bool


def _layout(library_dir: Path) -> int:
    value = read_library_file(library_dir).get("layout", 0)
    return value if isinstance(value, int) else 0


def open_index(library_dir: Path, *, read_only: bool,
               warn: Callable[[str], None]) -> IndexPlace:
    """The index's place for this machine, after moving an older library to layout 3 (when
    writable; read-only, an older library's index is used where it is)."""
    first = not (library_dir / LIBRARY_FILE).exists()
    machine = machine_dir(library_dir, create=not read_only)
    new = machine.cache / INDEX
    old = library_dir / INDEX
    layout = _layout(library_dir)
    if read_only:
        return IndexPlace(old if not new.exists() and old.exists() else new, first)
    machine.ensure()
    if layout < LAYOUT:
        if layout < 3:
            _migrate(library_dir, machine.backups, new, warn)
        _move_reading(library_dir, machine.backups, new, warn)
        write_library_file(library_dir, layout=LAYOUT)
    return IndexPlace(new, first)


def _migrate(library_dir: Path, backups: Path, new_index: Path,
             warn: Callable[[str], None]) -> None:
    old = library_dir / INDEX
    shard_dir = library_dir / "annotations"
    shards = sorted(p for p in shard_dir.glob("*.json") if "." not in p.name[:-5]) \
        if shard_dir.is_dir() else []
    sidecars = sorted(p for p in (library_dir / "articles").glob("*.json")
                      if "." not in p.name[:-5])
    index_files = sorted(library_dir.glob(INDEX + "*"))
    if not index_files and not shards:
        return  # a new library: nothing to move
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S")
    backup = backups / f"layout-3-{when}"
    for sub, files in (("", index_files), ("annotations", shards), ("articles", sidecars)):
        (backup / sub).mkdir(parents=True, exist_ok=True)
        for path in files:
            if path.is_file():
                shutil.copy2(path, backup / sub / path.name)
    rewritten = 0
    for path in shards:
        try:
            data = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            continue  # damaged: the store repairs it from its backups as before
        if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
            continue
        keyed = {name: by_id(table) for name, table in data.items()}
        payload = dumps_tables(keyed)
        tmp = path.with_name(f".{path.name}.tmp-migrate")
        tmp.write_bytes(payload)
        os.replace(tmp, path)
        rewritten += 1
    if rewritten:
        os.sync()  # one flush for them all; the backup holds every shard meanwhile
    if old.is_file() and not new_index.exists():
        shutil.copy2(old, new_index)
        fsync_dir(new_index.parent)
    for path in index_files:  # the index's backups went to the backup folder
        path.unlink(missing_ok=True)
    for path in (library_dir / "articles").glob("*.doc"):  # parse caches: now per machine
        path.unlink(missing_ok=True)
    shard_backups = backups / "annotations"  # the shards' backups: now per machine
    for path in sorted(shard_dir.glob("*.json.bak*")) if shard_dir.is_dir() else []:
        shard_backups.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), shard_backups / path.name)
    fsync_dir(library_dir)
    warn(f"the library moved to the layout that synchronises between machines: its index is "
         f"now kept on this machine ({new_index}); {rewritten} highlight file(s) rewritten; "
         f"the old files are kept in {backup}")


def _indexed(index: Path) -> dict[str, dict[str, object]]:
    try:
        data = orjson.loads(index.read_bytes())
        table = data.get("articles") or {}
        return {str(r.get("id")): r for r in table.values() if isinstance(r, dict)}
    except (OSError, orjson.JSONDecodeError, AttributeError):
        return {}


def _move_reading(library_dir: Path, backups: Path, index: Path,
                  warn: Callable[[str], None]) -> None:
    """Layout 4: the reading state leaves the sidecars for this device's reading file (see
    the module's doc)."""
    sidecars = sorted(p for p in (library_dir / "articles").glob("*.json")
                      if "." not in p.name[:-5] and not is_copy(p.name))
    indexed = _indexed(index)
    found: dict[str, reading.Record] = {}
    rewrite: list[tuple[Path, bytes]] = []
    for path in sidecars:
        try:
            side = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            continue  # damaged: the store repairs it from the index as before
        if not isinstance(side, dict) or not isinstance(side.get("id"), str):
            continue
        raw = side.get("stamps")
        stamps: dict[str, object] = raw if isinstance(raw, dict) else {}
        held = any(name in side for name in reading.FIELDS)
        source = side if held else indexed.get(side["id"], {})
        when = str(stamps.get("reading") or side.get("updated") or "")
        record = reading.clean({"id": side["id"], "updated": when,
                                **{n: source[n] for n in reading.FIELDS if n in source}})
        if record is not None and (record["position"] or record["progress"]
                                   or record["last_opened"]):
            found[side["id"]] = record
        if held or "reading" in stamps:
            kept = {k: v for k, v in side.items() if k not in reading.FIELDS}
            if isinstance(raw, dict):
                kept["stamps"] = {k: v for k, v in stamps.items() if k != "reading"}
            rewrite.append((path, orjson.dumps(
                kept, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)))
    if not found and not rewrite:
        return
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S")
    backup = backups / f"layout-4-{when}" / "articles"
    backup.mkdir(parents=True, exist_ok=True)
    for path, _ in rewrite:
        shutil.copy2(path, backup / path.name)
    own = library_dir / reading.FOLDER / f"{this_device().id}.json"
    if found:
        try:
            mine = reading.parse(own.read_bytes())
        except (OSError, ValueError, orjson.JSONDecodeError):
            mine = {}
        own.parent.mkdir(exist_ok=True)
        atomic_write_bytes(own, reading.dumps(reading.merge(found, mine)))
    for path, payload in rewrite:
        tmp = path.with_name(f".{path.name}.tmp-migrate")
        tmp.write_bytes(payload)
        os.replace(tmp, path)
    if rewrite:
        os.sync()  # one flush for them all; the backup holds every sidecar meanwhile
        fsync_dir(library_dir / "articles")
    warn(f"the reading positions moved to one file per machine ({own.relative_to(library_dir)}"
         f", {len(found)} article(s)): the articles' metadata files are no longer written by "
         f"reading; the old files are kept in {backup.parent}")
