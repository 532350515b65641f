"""Readers of other tools' files: each makes a :class:`~tuireader.core.bridge.ForeignExport`.

A format is registered in :data:`FORMATS` with ``sniff`` (a cheap look: is this file, or folder,
mine?) and ``read`` (parse it, as data: nothing in it is ever run, no path in it is followed
out of the folder given, every size is bounded).  ``tuireader import PATH`` tries the formats
in order when ``--format`` is not given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tuireader.core.bridge import ForeignExport

#: Called as work goes on: (done, total) in whatever units the reader counts (bytes, records).
Progress = Callable[[int, int], None]


class ForeignFormatError(ValueError):
    """The file is not in the format asked for, or cannot be read at all (one line)."""


@dataclass(frozen=True)
class ForeignFormat:
    name: str
    #: What the user sees in ``--help`` and messages ("Kindle My Clippings.txt").
    label: str
    sniff: Callable[[Path], bool]
    read: Callable[[Path, Progress | None], ForeignExport]


# The readers import the names above from this package: they are imported after them.
from tuireader.importers.foreign import kindle as _kindle  # noqa: E402

#: Registered formats, tried in this order by detection.  Each reader module adds its entry here.
FORMATS: tuple[ForeignFormat, ...] = (
    # highlights: kindle
    ForeignFormat("kindle", "Kindle My Clippings.txt", _kindle.sniff, _kindle.read),
)


def by_name(name: str) -> ForeignFormat:
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise ForeignFormatError(f"unknown import format {name!r}; known: "
                             + ", ".join(f.name for f in FORMATS))


def detect(path: Path) -> ForeignFormat:
    """The first registered format that recognises ``path``; ForeignFormatError if none does."""
    for fmt in FORMATS:
        if fmt.sniff(path):
            return fmt
    raise ForeignFormatError(f"{path}: not a file format tuireader can import highlights or a "
                             "library from (try --format)")
