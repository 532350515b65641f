"""Where a library's search index lives: outside the library folder, per machine.

The index is derived data (rebuildable from the library at any time) and holds absolute offsets
into this machine's copy of the texts, so it is never synced with the library: it lives in the
user's cache folder, one file per library, named by the library's resolved path.  This is the
one place that decides it (the :class:`~tuireader.library.store.Store` takes another path as a
parameter, which tests and a future common "derived data" location use).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import platformdirs

#: The file name's suffix; the schema version is inside (see :mod:`.schema`).
SUFFIX = ".search.sqlite3"


def default_index_path(library_dir: Path) -> Path:
    """``<user cache dir>/tuireader/search/<name>-<hash of the resolved path>.search.sqlite3``."""
    resolved = Path(library_dir).expanduser().resolve()
    key = hashlib.sha256(str(resolved).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", resolved.name)[:40] or "library"
    return Path(platformdirs.user_cache_dir("tuireader")) / "search" / f"{name}-{key}{SUFFIX}"
