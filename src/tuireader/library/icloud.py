"""iCloud Drive's download-on-demand placeholders ("dataless" files): told, never read blind.

With "Optimise Mac Storage" iCloud Drive replaces files it thinks unused by placeholders whose
bytes are fetched when read: a read may block, fail, or (offline) return nothing.  A library
there can lose its highlights to a placeholder read as empty.  macOS marks such a file with
the ``SF_DATALESS`` flag in ``st_flags``; elsewhere there is no such file and nothing to do.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: ``SF_DATALESS`` from macOS's ``<sys/stat.h>``.
SF_DATALESS = 0x40000000


def in_icloud(folder: Path) -> bool:
    """True if ``folder`` is inside iCloud Drive (``~/Library/Mobile Documents``)."""
    return "Mobile Documents" in folder.resolve().parts


def dataless(folder: Path) -> list[Path]:
    """The library's files that are iCloud placeholders (not downloaded); [] off macOS."""
    if sys.platform != "darwin":
        return []
    found: list[Path] = []
    for sub in ("articles", "annotations", "review"):
        try:
            entries = list(os.scandir(folder / sub))
        except OSError:
            continue
        for entry in entries:
            try:
                flags = getattr(entry.stat(follow_symlinks=False), "st_flags", 0)
            except OSError:
                continue
            if flags & SF_DATALESS:
                found.append(Path(entry.path))
    return sorted(found)


def warning(folder: Path) -> str | None:
    """One line for the user when the library has placeholders, else None."""
    files = dataless(folder)
    if not files:
        return None
    return (f"{len(files)} file(s) of the library are iCloud placeholders, not downloaded "
            f"(e.g. {files[0].name}): turn off \"Optimise Mac Storage\" or keep the library "
            "out of iCloud Drive (see the README, Two machines)")
