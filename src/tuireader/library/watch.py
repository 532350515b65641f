"""Which article sidecars changed since this machine last looked (a sync tool's work).

The index (``library.json``) is this machine's view of the sidecars ``articles/<id>.json``.
When a sync tool brings another machine's version of a sidecar, the index must learn it
before anything is written from its stale copy (which would undo the other machine's edit).
Reading every sidecar at each start would cost a read per article; instead this machine keeps,
in its per-machine folder (see :mod:`~.machine`), the modification time of each sidecar as it
last saw it, and only the sidecars whose time differs are read and compared: one ``stat`` per
article, which a start already pays in its folder listing's order of magnitude.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import orjson

from tuireader.library.conflicts import is_copy
from tuireader.library.durable import atomic_write_bytes

#: The keys under which the index file's own time and the folder's are kept (not article
#: ids: they have a dot).  A sync tool writes a file by renaming it into the folder (as this
#: program does), which changes the folder's time: an unchanged folder needs no ``stat`` of
#: each sidecar.
INDEX_KEY = "library.json"
FOLDER_KEY = "articles/."


class SidecarWatch:
    """The sidecars' modification times as last seen, kept in ``file``."""

    def __init__(self, articles_dir: Path, file: Path, index: Path | None = None) -> None:
        self.articles_dir = articles_dir
        self.file = file
        #: The index file: replaced by someone else (a sync tool carrying another machine's
        #: copy), it says nothing about this machine's view, and every sidecar is compared.
        self.index = index
        self._lock = threading.Lock()
        self._seen: dict[str, int] | None = None
        self._dirty = False
        try:
            data = orjson.loads(file.read_bytes())
            if isinstance(data, dict):
                self._seen = {str(k): int(v) for k, v in data.items()}
        except (OSError, orjson.JSONDecodeError, TypeError, ValueError):
            self._seen = None

    def current(self) -> dict[str, int]:
        """Every sidecar's modification time now."""
        times: dict[str, int] = {}
        try:
            entries = list(os.scandir(self.articles_dir))
        except OSError:
            return times
        for entry in entries:
            name = entry.name
            if name.endswith(".json") and not name.startswith(".") and "." not in name[:-5] \
                    and not is_copy(name):
                try:
                    times[name[:-5]] = entry.stat(follow_symlinks=False).st_mtime_ns
                except OSError:
                    continue
        return times

    def changed(self, *, trust: bool = False) -> set[str] | None:
        """The ids whose sidecar changed (or appeared) since last seen; None when this
        machine never looked (every sidecar must then be compared once), unless ``trust``
        (a library opened for the first time since it could be synchronised: its index and
        sidecars were written together by this program)."""
        with self._lock:
            seen = self._seen
        if seen is not None and seen.get(INDEX_KEY) == self._index_time() and \
                seen.get(FOLDER_KEY) == self._folder_time():
            self._pending = None
            return set()  # nothing was added, removed or renamed into the folder
        now = self.current()
        with self._lock:
            self._pending = now
        if seen is None and trust:
            return set()
        if seen is None or seen.get(INDEX_KEY) != self._index_time():
            return None
        return {aid for aid, mtime in now.items() if seen.get(aid) != mtime}

    def accept(self) -> None:
        """What :meth:`changed` saw is now known (the index was brought in line)."""
        with self._lock:
            pending = getattr(self, "_pending", None)
            if pending is not None:
                pending = {**pending, INDEX_KEY: self._index_time(),
                           FOLDER_KEY: self._folder_time()}
                if pending != self._seen:
                    self._seen = pending
                    self._dirty = True

    def note(self, article_id: str) -> None:
        """This process wrote the sidecar: its new time is known."""
        try:
            mtime = (self.articles_dir / f"{article_id}.json").stat().st_mtime_ns
        except OSError:
            return
        with self._lock:
            if self._seen is None:
                self._seen = {}
            if self._seen.get(article_id) != mtime:
                self._seen[article_id] = mtime
                self._dirty = True
            if self._seen.get(FOLDER_KEY) is not None:
                # This write renamed a file into the folder: the folder's new time is ours.
                self._seen[FOLDER_KEY] = self._folder_time()

    def _folder_time(self) -> int:
        try:
            return self.articles_dir.stat().st_mtime_ns
        except OSError:
            return 0

    def _index_time(self) -> int:
        try:
            return self.index.stat().st_mtime_ns if self.index is not None else 0
        except OSError:
            return 0

    def save(self) -> None:
        """Keep the times for the next start (nothing is written when nothing changed)."""
        with self._lock:
            if self._seen is not None and self._seen.get(INDEX_KEY) != self._index_time():
                self._seen[INDEX_KEY] = self._index_time()  # this process's own writes
                self._dirty = True
            if not self._dirty or self._seen is None:
                return
            data = orjson.dumps(self._seen, option=orjson.OPT_SORT_KEYS)
            self._dirty = False
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(self.file, data, sync_dir=False)
        except OSError:
            pass  # a derived file: the next start compares every sidecar instead
