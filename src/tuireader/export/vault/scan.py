"""Finding tuireader's notes in a vault, wherever the user moved or renamed them.

A note is ours when its front matter says ``tuireader-id: <article id>``; its name and folder are
the user's business.  The walk is bounded (:data:`MAX_FILES`, :data:`MAX_DEPTH`, notes over
:data:`MAX_NOTE_BYTES` are skipped and reported), skips hidden folders and files (``.obsidian``,
``.trash``, ``.git``; temporary files of an interrupted sync are removed on the way) and never
follows a symbolic link (a link could lead out of the vault, or in a circle).

Reading is what costs, so a file is read only when its size, mtime or inode differ from what the
last sync recorded (``known``: the notes of ours; ``others``: files already read and found not
to be ours).
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuireader.export.vault.blocks import article_id_of, split_lines

MAX_FILES = 200_000
MAX_DEPTH = 32
MAX_NOTE_BYTES = 16 * 1024 * 1024
#: How much of an unknown file is read to find its front matter.
HEAD_BYTES = 64 * 1024
_OUR_TEMP = re.compile(r"^\..+\.md\.tmp-\d+-[0-9a-f]+$")


@dataclass
class Found:
    """A Markdown file of the vault."""

    rel: str
    path: Path
    size: int
    mtime: int
    ino: int

    @property
    def stat(self) -> list[int]:
        return [self.size, self.mtime, self.ino]


@dataclass
class Scan:
    """The vault's notes of ours, by article id."""

    notes: dict[str, Found] = field(default_factory=dict)
    #: Files read and found not to be ours: relative path -> [size, mtime].
    others: dict[str, list[int]] = field(default_factory=dict)
    #: Paths (relative) of the files the notes' ids were read from in this scan.
    read: int = 0
    duplicates: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    files: int = 0


def walk(vault: Path, *, clean_temp: bool = True) -> tuple[list[Found], list[str]]:
    """Every ``.md`` file under ``vault`` (see the module docstring) and what was skipped."""
    found: list[Found] = []
    skipped: list[str] = []
    stack: list[tuple[str, str, int]] = [(str(vault), "", 0)]
    while stack:
        folder, prefix, depth = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            skipped.append(f"{prefix or '.'}: {exc.strerror or exc}")
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                if clean_temp and _OUR_TEMP.match(name):
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
                continue
            if entry.is_symlink():
                continue
            rel = prefix + name
            if entry.is_dir(follow_symlinks=False):
                if depth + 1 >= MAX_DEPTH:
                    skipped.append(f"{rel}: deeper than {MAX_DEPTH} folders")
                else:
                    stack.append((entry.path, rel + "/", depth + 1))
            elif name.lower().endswith(".md") and entry.is_file(follow_symlinks=False):
                if len(found) >= MAX_FILES:
                    skipped.append(f"more than {MAX_FILES} notes: the rest not looked at")
                    return found, skipped
                st = entry.stat(follow_symlinks=False)
                found.append(Found(rel, Path(entry.path), st.st_size, st.st_mtime_ns, st.st_ino))
    return found, skipped


def _identify(file: Found) -> str | Exception | None:
    try:
        with open(file.path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        return exc
    if not head.startswith(b"---"):
        return None
    text = head.decode("utf-8", errors="replace")
    return article_id_of(split_lines(text))


def scan(vault: Path, known: dict[str, dict[str, Any]], others: dict[str, list[int]],
         *, clean_temp: bool = True) -> Scan:
    """Find the notes of ours: ``known`` maps article id -> its index record (``path``,
    ``stat``); ``others`` the files already known not to be ours."""
    files, skipped = walk(vault, clean_temp=clean_temp)
    result = Scan(skipped=skipped, files=len(files))
    by_path = {rec.get("path"): (aid, rec.get("stat")) for aid, rec in known.items()}
    claims: dict[str, list[Found]] = {}
    for file in files:
        hit = by_path.get(file.rel)
        if hit is not None and hit[1] == file.stat:
            claims.setdefault(hit[0], []).append(file)
            continue
        if others.get(file.rel) == [file.size, file.mtime]:
            result.others[file.rel] = [file.size, file.mtime]
            continue
        if file.size > MAX_NOTE_BYTES:
            result.skipped.append(f"{file.rel}: larger than {MAX_NOTE_BYTES // 2**20} MB")
            continue
        result.read += 1
        aid = _identify(file)
        if isinstance(aid, Exception):
            result.skipped.append(f"{file.rel}: {getattr(aid, 'strerror', None) or aid}")
        elif aid is None:
            result.others[file.rel] = [file.size, file.mtime]
        else:
            claims.setdefault(aid, []).append(file)
    for aid, candidates in claims.items():
        if len(candidates) > 1:
            recorded = known.get(aid, {}).get("path")
            candidates.sort(key=lambda f: (f.rel != recorded, f.rel))
            result.duplicates += [f"{f.rel}: also has tuireader-id {aid} (the note synced is "
                                  f"{candidates[0].rel})" for f in candidates[1:]]
        result.notes[aid] = candidates[0]
    return result
