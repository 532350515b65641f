"""Writing one file per article into a notes folder, again and again.

Folder exports are meant to be run again and again into the same folder:

* each article keeps its file: ``.tuireader-export.json`` in the folder (a small manifest)
  records which file holds which article in which format, so a re-export updates that file even
  after the article's title changed (links to it keep working);
* a name already taken by a file that is not ours (not in the manifest and not mentioning the
  article id) is never overwritten: the new file gets a suffix (`` 2``, `` 3`` ...); names are
  compared case-insensitively, as macOS and Windows do;
* a file whose content would only differ in the ``exported`` time is left untouched, so sync
  tools and ``git`` see no change;
* every file is written atomically (temporary file in the same folder, then rename), the
  manifest last.

:class:`FolderWriter` holds the state of one such export (the manifest, the names claimed so
far, the names already in the folder, the report) and takes the rendered files in steps, so
that the parallel export can write its first half while the second is still being rendered.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from tuireader.export.filenames import is_plain_name, safe_filename
from tuireader.export.formats import EXTENSIONS, ExportError
from tuireader.library.durable import TMP_MARK, atomic_write_bytes, fsync_dir

if TYPE_CHECKING:
    from tuireader.core.model import Article

MANIFEST = ".tuireader-export.json"

#: Up to this many files, each is fsynced before its rename; above it (a library-wide export)
#: the renames stay atomic but only the folder is synced at the end: fsyncing 2,000 files costs
#: seconds, and an interrupted export is simply run again from the library.
DURABLE_MAX_FILES = 20

#: The lines that differ between two exports of the same content (the export time).
_VOLATILE = re.compile(r'^(?:exported: .*|  "generated": .*)$', re.MULTILINE)

_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)

#: How the files :func:`stage` writes begin (they end in TMP_MARK and the writer's pid).
STAGED_PREFIX = ".export-"


class Output(NamedTuple):
    """One rendered file to write."""

    #: ``"<format>:<article id>"``: the manifest's key, so one article may have a file per format.
    key: str
    article: Article
    #: The file name's ending (``.md``, ``.json`` ...).
    extension: str
    text: str

    @classmethod
    def of(cls, fmt: str, article: Article, text: str) -> Output:
        return cls(f"{fmt}:{article.id}", article, EXTENSIONS[fmt], text)


@dataclass
class FolderReport:
    """What a folder export did."""

    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    #: One line per article whose file could not be written (the others still were).
    failed: list[str] = field(default_factory=list)
    #: Temporary files of dead exports removed from the folder.
    stale_removed: int = 0

    @property
    def paths(self) -> list[Path]:
        return sorted([*self.written, *self.unchanged])


def load_manifest(folder: Path) -> dict[str, str]:
    """The manifest's key -> file name (only plain names: a hand-edited manifest cannot make
    the export write outside the folder); {} when there is none yet."""
    try:
        data = json.loads((folder / MANIFEST).read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ExportError(f"{folder / MANIFEST}: unreadable ({exc}); move it away and retry"
                          ) from exc
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    return {str(k): str(v) for k, v in files.items() if isinstance(v, str) and is_plain_name(v)}


def _mentions(path: Path, article_id: str) -> bool:
    """Whether an existing file looks like an export of this article (its id is in it)."""
    try:
        with path.open("rb") as handle:
            return article_id.encode() in handle.read(65536)
    except OSError:
        return False


def same_content(path: Path, data: bytes) -> bool:
    """Whether ``path`` already holds ``data``, the export time aside."""
    try:
        old = path.read_bytes()
    except FileNotFoundError:
        return False
    if old == data:
        return True
    new_text = data.decode("utf-8", errors="replace")
    old_text = old.decode("utf-8", errors="replace")
    return _VOLATILE.sub("", old_text, count=1) == _VOLATILE.sub("", new_text, count=1)


def write_new(path: str, data: bytes) -> None:
    """Create or truncate ``path`` and write ``data`` (no fsync)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _quick_write(folder: str, name: str, data: bytes) -> None:
    """Atomic (temporary file, rename) without the fsync (see DURABLE_MAX_FILES)."""
    tmp = os.path.join(folder, f".{name}{TMP_MARK}{os.getpid()}")
    try:
        write_new(tmp, data)
        os.replace(tmp, os.path.join(folder, name))
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class FolderWriter:
    """Writes outputs into a folder in order (naming, unchanged check, atomic write), then the
    manifest (see the module docstring).  Raises :class:`ExportError` with a one-line reason."""

    def __init__(self, folder: Path) -> None:
        folder = Path(folder).expanduser()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ExportError(f"cannot create {folder}: {exc.strerror or exc}") from exc
        if not folder.is_dir():
            raise ExportError(f"{folder} is not a folder")
        stale = remove_stale(os.fspath(folder))
        #: The target folder.
        self.folder = folder
        #: The same as a string (the parallel export's worker process is given it).
        self.dir = os.fspath(folder)
        self.report = FolderReport(stale_removed=stale)
        self._manifest = load_manifest(folder)
        self._claimed = {name.casefold(): key for key, name in self._manifest.items()}
        self._existing = {entry.name.casefold() for entry in os.scandir(folder)}

    def _name(self, key: str, article: Article, ext: str) -> str:
        name = self._manifest.get(key)
        if name is None:
            n = 1
            while True:
                name = safe_filename(article.title, article.id, ext,
                                     suffix="" if n == 1 else f" {n}")
                owner = self._claimed.get(name.casefold())
                if owner == key or (owner is None and (
                        name.casefold() not in self._existing
                        or _mentions(self.folder / name, article.id))):
                    break
                n += 1
        self._claimed[name.casefold()] = key
        self._manifest[key] = name
        return name

    def write(
        self, outputs: list[Output], *, durable: bool, staged: dict[str, str] | None = None
    ) -> None:
        """Write ``outputs`` in order; ``durable``: fsync each file (see DURABLE_MAX_FILES).

        ``staged``: key -> a temporary file in the folder that already holds the output
        (written by the parallel export's worker process): it is renamed into place, or
        removed when the file is unchanged (the caller removes any left over)."""
        for output in outputs:
            tmp = staged.pop(output.key, None) if staged else None
            try:
                self._write_one(output, durable=durable, tmp=tmp)
            except (ExportError, OSError) as exc:  # one article never stops the others
                if tmp is not None:
                    with contextlib.suppress(OSError):
                        os.unlink(os.path.join(self.dir, tmp))
                reason = str(exc) if isinstance(exc, ExportError) else (exc.strerror or exc)
                self.report.failed.append(f"{output.article.id}: {reason}")

    def _write_one(self, output: Output, *, durable: bool, tmp: str | None) -> None:
        key, article, ext, text = output
        folder = self.folder
        name = self._name(key, article, ext)
        if not is_plain_name(name):  # pragma: no cover - load_manifest/safe_filename
            raise ExportError(f"refusing to write outside {folder}: {name!r}")
        path = folder / name
        data = text.encode("utf-8", errors="replace")
        if name.casefold() in self._existing and same_content(path, data):
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(self.dir, tmp))
            self.report.unchanged.append(path)
            return
        try:
            if tmp is not None:
                os.replace(os.path.join(self.dir, tmp), os.path.join(self.dir, name))
            elif durable:
                atomic_write_bytes(path, data, sync_dir=False)
            else:
                _quick_write(self.dir, name, data)
        except OSError as exc:
            raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
        self.report.written.append(path)

    def finish(self) -> FolderReport:
        """Write the manifest and sync the folder."""
        body = json.dumps({"version": 1, "files": dict(sorted(self._manifest.items()))},
                          ensure_ascii=False, indent=1)
        atomic_write_bytes(self.folder / MANIFEST, body.encode("utf-8"), sync_dir=False)
        fsync_dir(self.folder)
        return self.report


def write_folder(
    folder: Path, outputs: list[Output], *, durable: bool | None = None
) -> FolderReport:
    """Write ``outputs`` into ``folder`` in one step (see the module docstring); ``durable``
    None: fsync each file when there are at most :data:`DURABLE_MAX_FILES`."""
    writer = FolderWriter(folder)
    writer.write(outputs, durable=len(outputs) <= DURABLE_MAX_FILES if durable is None
                 else durable)
    return writer.finish()


def stage(folder: str, outputs: list[Output]) -> list[str | None]:
    """Write each output to a new temporary file in ``folder`` (what the parallel export's
    worker does, so that the parent only renames); their names, None for an output whose file
    (named in the manifest) is unchanged.  All None when one cannot be written: the parent then
    writes them itself, and reports the error."""
    try:
        manifest = load_manifest(Path(folder))
    except ExportError:
        manifest = {}
    names: list[str | None] = []
    try:
        for n, (key, _, _, text) in enumerate(outputs):
            data = text.encode("utf-8", errors="replace")
            old = manifest.get(key)
            if old is not None and same_content(Path(folder, old), data):
                names.append(None)  # the parent finds it unchanged too: nothing to write
                continue
            name = f"{STAGED_PREFIX}{n}{TMP_MARK}{os.getpid()}"
            write_new(os.path.join(folder, name), data)
            names.append(name)
    except OSError:
        for written in names:
            if written is not None:
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(folder, written))
        return [None] * len(outputs)
    return names



_STALE = re.compile(rf"^\..*{re.escape(TMP_MARK)}(\d+)(?:-[0-9a-f]+)?$")


def _alive(pid: int) -> bool:
    """Whether process ``pid`` is still running (signal 0 checks without sending anything).

    A zombie has exited and will write nothing more, but signal 0 still finds it until its
    parent reaps it; a killed export's orphaned worker can stay a zombie for a while (the
    init process reaps it when it gets to it), so on Linux its state is read from /proc."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, another user's
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            state = stat.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True  # no /proc (not Linux): signal 0 is all there is
    return state != b"Z"


def remove_stale(folder: str) -> int:
    """Remove the temporary files (``.<name>.tmp-<pid>[-<hex>]``, ``.export-N.tmp-<pid>``)
    that dead processes left in ``folder`` (a killed export); those of live processes (an
    export running now) stay.  Returns how many were removed."""
    removed = 0
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            match = _STALE.match(entry.name)
            if match is None or _alive(int(match.group(1))):
                continue
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)
                    removed += 1
    return removed


def remove_staged(folder: str, pid: int) -> None:
    """Remove the files :func:`stage` wrote in process ``pid`` that are still in ``folder``."""
    mark = f"{TMP_MARK}{pid}"
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith(STAGED_PREFIX) and entry.name.endswith(mark):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
