"""``trash/``: where a removed article goes, whole (metadata, text, highlights, their backups).

A removal never drops anything silently: the user can bring an article back by hand from its
folder ``trash/<time>-<id>/``, which holds ``article.json`` (the metadata and every highlight,
readable on its own), ``article.md``, the highlight shard with its backups
(``annotations.json``) and the daily review's state of its highlights with its backups
(``review.json``, from ``review/<id>.json``: copied back there, the review knows them again).
Deleting the folder (emptying the trash) takes all of it.  The program itself brings a folder
back only when another machine edited the article after this one removed it
(:meth:`~.tombstones.Tombstones.revive`): the text, the highlights and the review state.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tuireader.core.model import now_iso
from tuireader.library.durable import atomic_write_bytes, fsync_dir, remove_stale_temp_files


class Trash:
    """The trash folder of one library."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def clean(self) -> None:
        """Remove what a removal killed half-way left: the temporary file of its record and,
        when the record was never written, the empty folder.  Call holding the library lock."""
        try:
            folders = [e.path for e in os.scandir(self.folder) if e.is_dir()]
        except OSError:
            return
        for folder in folders:
            if remove_stale_temp_files(Path(folder)):
                try:
                    os.rmdir(folder)  # only succeeds when nothing else is in it
                except OSError:
                    continue

    def keep_record(self, article_id: str, record: dict[str, Any]) -> Path:
        """Make the article's folder and write ``article.json`` durably; return the folder.

        Written before anything is removed, so a crash at any later step leaves at worst an
        unreferenced file, never a lost highlight.
        """
        folder = self.folder / f"{now_iso().replace(':', '')}-{article_id}"
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(folder / "article.json",
                           json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8"))
        return folder

    def move_in(self, folder: Path, moves: list[tuple[Path, str]]) -> None:
        """Move each existing ``(file, name)`` into ``folder`` under ``name``, durably (the
        folder and every folder a file left are fsynced)."""
        left: set[Path] = set()
        for source, name in moves:
            if source.exists():
                os.replace(source, folder / name)
                left.add(source.parent)
        fsync_dir(folder)
        for parent in sorted(left):
            fsync_dir(parent)
