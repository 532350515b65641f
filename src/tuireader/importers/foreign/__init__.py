"""Readers of other tools' files: each makes a :class:`~tuireader.core.bridge.ForeignExport`.

A format is registered in :data:`FORMATS` with ``sniff`` (a cheap look: is this file, or folder,
mine?) and ``read`` (parse it, as data: nothing in it is ever run, no path in it is followed
out of the folder given, every size is bounded).  ``tuireader import PATH`` tries the formats
in order when ``--format`` is not given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

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


def _lazy(module: str, name: str) -> Callable[..., Any]:
    """``module.name``, imported on first call: ``--help`` does not load every reader (and a
    reader module may import this package without a cycle at import time)."""

    def call(*args: Any) -> Any:
        return getattr(import_module(f"tuireader.importers.foreign.{module}"), name)(*args)

    call.__name__ = f"{module}.{name}"
    return call


def _entry(module: str, label: str) -> ForeignFormat:
    return ForeignFormat(module, label, _lazy(module, "sniff"), _lazy(module, "read"))


# The readers import ForeignFormat and ForeignFormatError from here: imported once they exist.
from tuireader.importers.foreign import hypothesis, koreader, readwise  # noqa: E402
from tuireader.importers.foreign import kindle as _kindle  # noqa: E402

#: Registered formats, tried in this order by detection.  Each reader module adds its entry here.
FORMATS: tuple[ForeignFormat, ...] = (
    # highlights: kindle
    ForeignFormat("kindle", "Kindle My Clippings.txt", _kindle.sniff, _kindle.read),
    # highlights: koreader, readwise, hypothesis
    koreader.FORMAT,
    readwise.FORMAT,
    hypothesis.FORMAT,
    # libraries: omnivore, pocket, instapaper, wallabag
    _entry("omnivore", "Omnivore export (zip, folder or metadata JSON)"),
    _entry("pocket", "Pocket export (CSV, part_*.csv folder or zip, or ril_export.html)"),
    _entry("instapaper", "Instapaper export (CSV or HTML)"),
    _entry("wallabag", "wallabag JSON export"),
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
