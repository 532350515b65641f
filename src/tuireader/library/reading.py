"""Reading state (position, progress, last opened), one file per device: ``reading/<device>.json``.

A reading position is saved every time the reader rests, many times an hour.  Kept in the
article's metadata file (``articles/<id>.json``) it made that file, shared by every machine,
the most written file of the library, and two machines that read the same article both
changed it.  Here each device writes only its own file (issue #21): one writer per file, so a
sync tool never meets two versions of one, and "continue where I stopped on the laptop" is
the newest record of the article across the device files.

A file holds one record per article this device read, ``{"id", "position", "progress",
"last_opened", "updated"}`` (``updated``: the time of the save, see
:func:`~.device.stamp`), written deterministically (records sorted by id, one per line, keys
sorted: see :func:`~.records.dumps_tables`), atomically and durably.  Its size is bounded by
the number of articles read on that device (about 150 bytes each); a file over
:data:`MAX_FILE_BYTES`, or past the first :data:`MAX_FILES` devices, is not read (said once).

:class:`ReadingState` keeps the merged view in memory and looks at the folder again (one
listing, one ``stat`` per device file) when a read comes more than :data:`RECHECK_SECONDS`
after the last look: a file whose time or size changed (a sync tool brought another
machine's saves) is read again.  Two copies of one device file (a cloned machine, a git merge)
merge by the same rule, newest record per article (:func:`merge`).
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import orjson

from tuireader.core.model import Article
from tuireader.library import filecheck
from tuireader.library.conflicts import is_copy
from tuireader.library.durable import atomic_write_bytes
from tuireader.library.merge import Outcome
from tuireader.library.records import dumps_tables

#: The folder of the device files, in the library folder.
FOLDER = "reading"
#: The one table of a device file.
TABLE = "reading"
#: The article fields the reading state holds.
FIELDS = ("position", "progress", "last_opened")
#: A device file larger than this is not read (a damaged or hostile file).
MAX_FILE_BYTES = 64 << 20
#: At most this many device files are read (sorted by name).
MAX_FILES = 256
#: A read looks at the folder again when the last look is older than this.
RECHECK_SECONDS = 1.0

Record = dict[str, Any]


def make_record(article_id: str, position: int, progress: float, last_opened: str,
                when: str) -> Record:
    """One article's reading state as a device file holds it."""
    return {"id": article_id, "position": max(0, int(position)),
            "progress": min(1.0, max(0.0, float(progress))), "last_opened": last_opened,
            "updated": when}


def clean(raw: object) -> Record | None:
    """A record as read from a file, checked (None: not a record of ours)."""
    if not isinstance(raw, dict):
        return None
    rid, pos, prog = raw.get("id"), raw.get("position", 0), raw.get("progress", 0.0)
    opened, when = raw.get("last_opened", ""), raw.get("updated", "")
    if len(raw) == 5 and type(rid) is str and type(pos) is int and type(prog) is float \
            and type(opened) is str and type(when) is str and 0 < len(rid) <= 64 \
            and pos >= 0 and 0.0 <= prog <= 1.0 and len(opened) <= 64 and len(when) <= 64:
        return raw  # as this program writes it (every record, read at each start): as it is
    if not isinstance(rid, str) or not rid or len(rid) > 64 \
            or not isinstance(pos, int) or isinstance(pos, bool) \
            or not isinstance(prog, (int, float)) or isinstance(prog, bool) \
            or not math.isfinite(prog) \
            or not isinstance(opened, str) or not isinstance(when, str) \
            or len(opened) > 64 or len(when) > 64:
        return None
    return make_record(rid, pos, prog, opened, when)


def parse(data: bytes) -> dict[str, Record]:
    """The records of a device file's bytes (ValueError when it is not one)."""
    loaded = orjson.loads(data) if data.strip() else {}
    if not isinstance(loaded, dict) or not isinstance(loaded.get(TABLE, {}), dict):
        raise ValueError("not a reading-state file")
    records: dict[str, Record] = {}
    for raw in loaded.get(TABLE, {}).values():
        record = clean(raw)
        if record is not None:
            records[record["id"]] = record
    return records


def dumps(records: dict[str, Record]) -> bytes:
    """The deterministic bytes of a device file."""
    return dumps_tables({TABLE: records})


def _rank(record: Record, device: str = "") -> tuple[str, str, bytes]:
    return (str(record.get("updated", "")), device,
            orjson.dumps(record, option=orjson.OPT_SORT_KEYS))


def merge(a: dict[str, Record], b: dict[str, Record], out: Outcome | None = None,
          ) -> dict[str, Record]:
    """Two copies of one device file: union by article, the newer record of each (ties by
    the bytes: the result depends only on the inputs).  ``out`` counts what came from ``b``."""
    merged = dict(a)
    for rid, record in b.items():
        mine = merged.get(rid)
        if mine is None or _rank(record) > _rank(mine):
            merged[rid] = record
            if out is not None:
                if mine is None:
                    out.added += 1
                else:
                    out.changed += 1
    return dict(sorted(merged.items()))


class ReadingState:
    """The device files of one library: this device's saves and the newest view of all.

    Thread-safe: saves come from the app's writer thread, reads from anywhere.  The view is
    replaced, never changed in place, so a reader holding it sees one version.
    """

    def __init__(self, library_dir: Path, device_id: str,
                 on_warning: Callable[[str], None] = lambda message: None) -> None:
        self.root = library_dir
        self.dir = library_dir / FOLDER
        #: This device's file: the only one this process writes.
        self.path = self.dir / f"{device_id}.json"
        self._warn = on_warning
        self._lock = threading.RLock()
        self._own: dict[str, Record] = {}
        #: file name -> (signature, records), as last read.
        self._files: dict[str, tuple[tuple[int, int, int], dict[str, Record]]] = {}
        self._view: dict[str, Record] = {}
        self._checked = -math.inf
        self._said: set[str] = set()
        self.refresh()

    # -- reading ------------------------------------------------------------------------------

    def view(self) -> dict[str, Record]:
        """Article id -> its newest reading record across the device files (read-only)."""
        if time.monotonic() - self._checked >= RECHECK_SECONDS:
            self.refresh()
        return self._view

    def get(self, article_id: str) -> Record | None:
        return self.view().get(article_id)

    def apply(self, article: Article, view: dict[str, Record] | None = None) -> Article:
        """``article`` with its reading fields from the newest record, if any (in place)."""
        record = (self.view() if view is None else view).get(article.id)
        if record is not None:
            article.position = record["position"]
            article.progress = record["progress"]
            article.last_opened = record["last_opened"]
        return article

    def differs(self, article: Article) -> bool:
        """True if ``article``'s reading fields are not what the view holds."""
        record = self.get(article.id)
        now = (record["position"], record["progress"], record["last_opened"]) if record \
            else (0, 0.0, "")
        return (article.position, article.progress, article.last_opened) != now

    def most_recent(self, ids: Collection[str]) -> str | None:
        """Of ``ids``, the one opened last (by any device), if any was opened."""
        view = self.view()
        best = max(((r["last_opened"], r["id"]) for r in view.values()
                    if r["last_opened"] and r["id"] in ids), default=None)
        return best[1] if best else None

    def refresh(self) -> bool:
        """Look at the device files; read again those that changed.  True if the view did."""
        with self._lock:
            self._checked = time.monotonic()
            try:
                entries = sorted((e for e in os.scandir(self.dir)
                                  if e.name.endswith(".json") and not e.name.startswith(".")
                                  and not is_copy(e.name)), key=lambda e: e.name)
            except OSError:
                entries = []
            if len(entries) > MAX_FILES:
                self._say("files", f"more than {MAX_FILES} device files in {self.dir}: "
                          "only the first are read")
                entries = entries[:MAX_FILES]
            changed = False
            seen: dict[str, tuple[tuple[int, int, int], dict[str, Record]]] = {}
            for entry in entries:
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                sig = (st.st_mtime_ns, st.st_size, st.st_ino)
                known = self._files.get(entry.name)
                if known is not None and known[0] == sig:
                    seen[entry.name] = known
                    continue
                records = self._read(Path(entry.path), st.st_size)
                if records is None:
                    continue
                changed = True
                if entry.name == self.path.name:
                    # Our own file, changed by someone else (a git merge, a restored copy):
                    # what it holds joins what this device saved.
                    self._own = merge(self._own, records)
                    records = self._own
                seen[entry.name] = (sig, records)
            if set(seen) != set(self._files):
                changed = True
            self._files = seen
            if changed:
                self._rebuild()
            return changed

    def _read(self, path: Path, size: int) -> dict[str, Record] | None:
        damage = filecheck.problem(path, self.root)
        if damage is not None:
            self._say(path.name, f"the reading state {path} is {damage}; not read")
            return None
        if size > MAX_FILE_BYTES:
            self._say(path.name, f"the reading state {path} is larger than "
                      f"{MAX_FILE_BYTES >> 20} MB; not read")
            return None
        try:
            return parse(path.read_bytes())
        except OSError:
            return None
        except (ValueError, orjson.JSONDecodeError):
            self._say(path.name, f"the reading state {path} is unreadable; not read")
            return None

    def _say(self, key: str, message: str) -> None:
        if key not in self._said:
            self._said.add(key)
            self._warn(message)

    def _rebuild(self) -> None:
        view: dict[str, Record] = {}
        ranks: dict[str, tuple[str, str, bytes]] = {}
        files = {**self._files, self.path.name: ((0, 0, 0), self._own)}  # ours, even if gone
        for name, (_, records) in files.items():
            device = name[:-5]
            for rid, record in records.items():
                rank = _rank(record, device)
                if rid not in ranks or rank > ranks[rid]:
                    view[rid], ranks[rid] = record, rank
        self._view = view

    # -- writing ------------------------------------------------------------------------------

    def save(self, article_id: str, position: int, progress: float, last_opened: str,
             when: str) -> None:
        """This device read ``article_id``: its file rewritten, durably (OSError on failure:
        the file is as it was)."""
        record = make_record(article_id, position, progress, last_opened, when)
        with self._lock:
            own = {**self._own, article_id: record}
            self._write(own)
            view = {**self._view}
            if article_id not in view or _rank(record, self.path.stem) >= \
                    _rank(view[article_id], self.path.stem):
                view[article_id] = record
            self._view = view

    def own_ids(self) -> list[str]:
        """The articles this device's file holds a record of."""
        return list(self._own)

    def forget(self, article_ids: Collection[str]) -> None:
        """The articles left the library: their records leave this device's file."""
        with self._lock:
            gone = [rid for rid in article_ids if rid in self._own]
            if gone:
                self._write({k: v for k, v in self._own.items() if k not in gone})
                self._view = {k: v for k, v in self._view.items() if k not in gone}

    def _write(self, own: dict[str, Record]) -> None:
        own = dict(sorted(own.items()))
        self.dir.mkdir(exist_ok=True)
        atomic_write_bytes(self.path, dumps(own))
        self._own = own
        st = self.path.stat()
        self._files[self.path.name] = ((st.st_mtime_ns, st.st_size, st.st_ino), own)

    def merge_in(self, original: Path, other: bytes) -> Outcome:
        """Another copy of a device file (a sync tool's conflict copy) merged into
        ``original``, durably; the view follows."""
        out = Outcome()
        theirs = parse(other)
        with self._lock:
            try:
                mine = parse(original.read_bytes())
            except FileNotFoundError:
                mine = {}
            merged = merge(mine, theirs, out)
            if original == self.path:
                merged = merge(self._own, merged)
                self._write(merged)
            else:
                atomic_write_bytes(original, dumps(merged))
            self._rebuild()
            self._checked = -math.inf
        self.refresh()
        return out
