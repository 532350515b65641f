"""The schema version of ``library.json``, and the steps that bring an older file up to date.

The version lives in the ``_meta`` table (document 1).  A file without it was written before the
version was recorded (schema 0), unless it holds no article (a new library: it gets the current
version).  A newer file is left alone, to the newer program that wrote it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import Any

from tuireader.library.durable import DurableStorage

#: 2: each article has a sidecar ``articles/<id>.json`` (its metadata and the hash of its
#: plain text), so the index can be rebuilt from the folder.  The sidecars are written by the
#: store's reconciler right after the migration (they need the bodies, not just this file).
SCHEMA_VERSION = 2

#: The table of library-wide settings, and its one document.
META_TABLE = "_meta"
META_KEY = 1

#: Migrations: ``MIGRATIONS[n]`` turns a schema-``n`` database (the raw dict of tables) into
#: schema ``n + 1``.  Version 0 is a file written before the version was recorded.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    0: lambda tables: tables,
    1: lambda tables: tables,  # the sidecars: see SCHEMA_VERSION
}


def meta_record(tables: dict[str, Any] | None) -> dict[str, Any] | None:
    """The ``_meta`` document of a database's raw contents, if it has one."""
    record = ((tables or {}).get(META_TABLE) or {}).get(str(META_KEY))
    return record if isinstance(record, dict) else None


def check_schema(storage: DurableStorage, *, read_only: bool,
                 warn: Callable[[str], None]) -> str | None:
    """Bring ``library.json`` to :data:`SCHEMA_VERSION`, or say why it must be left alone.

    Writable: a new library gets the version; an older one is migrated, after a copy of the old
    file is kept (``library.json.v<n>-backup``).  Read-only: an older one is only reported.
    Returns None, or (for a file written by a newer program, opened writable) the reason the
    caller must open it read-only and let the lock go: the newer program may start meanwhile.
    """
    tables = storage.read()
    record = meta_record(tables)
    if record is None:
        version = 0 if ((tables or {}).get("articles")) else None
    else:
        version = int(record.get("schema_version", 0))
    if version is None:
        if not read_only:
            storage.set_document(META_TABLE, META_KEY, {"schema_version": SCHEMA_VERSION})
        return None
    if version > SCHEMA_VERSION:
        if read_only:
            return None
        return (f"the library was written by a newer tuireader (schema {version}, "
                f"this one knows {SCHEMA_VERSION})")
    if version < SCHEMA_VERSION:
        if read_only:
            warn(f"the library has an older schema ({version}); open it writable to migrate")
            return None
        keep = storage.path.with_name(f"library.json.v{version}-backup")
        shutil.copy2(storage.path, keep)
        migrated = dict(tables or {})
        for step in range(version, SCHEMA_VERSION):
            migrated = MIGRATIONS[step](migrated)
        meta = dict(migrated.get(META_TABLE) or {})
        meta[str(META_KEY)] = {"schema_version": SCHEMA_VERSION}
        storage.write({**migrated, META_TABLE: meta})
        warn(f"migrated the library from schema {version} to {SCHEMA_VERSION}; "
             f"the old file is kept as {keep.name}")
    return None
