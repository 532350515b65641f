"""Where a library's search index lives: outside the library folder, per machine.

The index is derived data (rebuildable from the library at any time) and holds absolute offsets
into this machine's copy of the texts, so it is never synced with the library: it lives in the
library's per-machine cache folder (the :class:`~tuireader.library.store.Store` takes another
path as a parameter, which tests use).
"""

from __future__ import annotations

from pathlib import Path

from tuireader.library.machine import machine_dir

#: The index's file name; the schema version is inside (see :mod:`.schema`).
NAME = "search.sqlite3"
#: The name an earlier version gave it (an index of an older schema: rebuilt anyway).
_EARLIER = "search.search.sqlite3"


def default_index_path(library_dir: Path) -> Path:
    """``search.sqlite3`` in the library's per-machine cache folder (the one place every
    per-machine thing of a library is decided: :func:`~tuireader.library.machine.machine_dir`);
    an index left under its earlier name is removed (derived data of an older schema)."""
    cache = machine_dir(library_dir, create=False).cache
    for suffix in ("", "-wal", "-shm"):
        try:
            (cache / f"{_EARLIER}{suffix}").unlink(missing_ok=True)
        except OSError:
            pass  # in use or not ours to remove: it only takes room
    return cache / NAME
