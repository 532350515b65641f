"""Conflict copies left by sync tools: found, merged into their original, moved to the trash.

A sync tool that meets two versions of one file keeps one under the original name and the
other beside it, named its own way:

* Syncthing: ``name.sync-conflict-YYYYMMDD-HHMMSS-XXXXXXX.ext``;
* Dropbox and Nextcloud: ``name (… conflicted copy …).ext``;
* OneDrive: ``name-<host>.ext`` (recognised only for the library's own ``<id>`` files);
* git, without the merge driver: the original with conflict markers (``<<<<<<<``).

:func:`find` lists them; :func:`is_copy` tells a folder walk to skip them (a copy of a body is
not an article).  The merging itself (by :mod:`~.merge`'s rule) is done by the store's
:class:`~.sync_state.SyncState`, which knows where each kind of file goes.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

_SYNCTHING = re.compile(r"^(?P<stem>.+)\.sync-conflict-\d{8}-\d{6}-[A-Z0-9]{7}(?P<ext>\.[^.]*)?$")
_DROPBOX = re.compile(r"^(?P<stem>.+?) \((?P<who>[^()]*?)(?:'s)? ?conflicted copy[^()]*\)"
                      r"(?P<ext>\..*)?$")
_ONEDRIVE = re.compile(r"^(?P<stem>[0-9a-f]{8})-(?P<who>[A-Za-z0-9_]+)(?P<ext>\..+)$")

#: The folders of a library where copies are looked for (relative to its root).
FOLDERS = ("", "articles", "annotations", "review", "reading")


@dataclass(frozen=True)
class Copy:
    """A conflict copy: its path, the original it belongs to, and who made it if the name
    says (a Dropbox machine, a OneDrive host)."""

    path: Path
    original: Path
    who: str = ""


def original_name(name: str) -> tuple[str, str] | None:
    """``(original name, who)`` if ``name`` is a conflict copy's name, else None."""
    for pattern in (_SYNCTHING, _DROPBOX, _ONEDRIVE):
        match = pattern.match(name)
        if match:
            groups = match.groupdict()
            return match["stem"] + (match["ext"] or ""), (groups.get("who") or "").strip()
    return None


def _maybe(name: str) -> bool:
    """A cheap first look: every copy's name has a "-" or "conflicted copy" (the library's
    own names have neither), so most names never reach the patterns."""
    return "-" in name or "conflicted copy" in name


def is_copy(name: str) -> bool:
    """True for a conflict copy's name (a folder walk skips it)."""
    return _maybe(name) and original_name(name) is not None


def has_markers(data: bytes) -> bool:
    """True if ``data`` holds git conflict markers."""
    return b"\n<<<<<<< " in b"\n" + data and b"\n>>>>>>> " in data


def split_markers(text: str) -> tuple[str, str]:
    """The two sides of a file with git conflict markers (ours, theirs)."""
    ours: list[str] = []
    theirs: list[str] = []
    state = "both"
    for line in text.splitlines(keepends=True):
        if line.startswith("<<<<<<< "):
            state = "ours"
        elif line.startswith("||||||| ") and state == "ours":
            state = "base"
        elif line.startswith("=======") and state in ("ours", "base"):
            state = "theirs"
        elif line.startswith(">>>>>>> ") and state == "theirs":
            state = "both"
        else:
            if state in ("both", "ours"):
                ours.append(line)
            if state in ("both", "theirs"):
                theirs.append(line)
    return "".join(ours), "".join(theirs)


def find(root: Path) -> list[Copy]:
    """Every conflict copy in the library at ``root`` whose original name is known, in a
    stable order.  A OneDrive-style name counts only when its original exists."""
    found: list[Copy] = []
    for sub in FOLDERS:
        folder = root / sub if sub else root
        try:
            names = [e.name for e in os.scandir(folder)]
        except OSError:
            continue
        hits = sorted(n for n in names if _maybe(n) and not n.startswith("."))
        if not hits:
            continue
        present = set(names)
        for name in hits:
            if not (folder / name).is_file():
                continue
            known = original_name(name)
            if known is None:
                continue
            original, who = known
            if _ONEDRIVE.match(name) and original not in present:
                continue
            found.append(Copy(folder / name, folder / original, who))
    return found


def with_markers(root: Path) -> list[Path]:
    """The library's files that hold git conflict markers (a merge without the driver)."""
    hits: list[Path] = []
    for sub in ("articles", "annotations", "review", "reading"):
        try:
            entries = sorted(os.scandir(root / sub), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.endswith(".json") and entry.is_file(follow_symlinks=False):
                try:
                    with open(entry.path, "rb") as fh:
                        head = fh.read(1 << 20)
                except OSError:
                    continue
                if has_markers(head):
                    hits.append(Path(entry.path))
    return hits
