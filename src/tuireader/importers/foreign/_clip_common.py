"""Small pieces the highlight readers (KOReader, Readwise, Hypothesis) share.

Reading a file within a size bound (refusing FIFOs and devices at once), a head to sniff,
time stamps as UTC ISO 8601, another tool's colour names as tuireader's kinds, and the EPUB
spine index in a KOReader xpointer.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import stat
from pathlib import Path

from tuireader.core.isotime import parse_iso
from tuireader.core.model import KINDS


class ReadRefused(ValueError):
    """The file cannot be read as asked (one line: why)."""


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; :class:`ReadRefused` otherwise.

    Opened without blocking and checked with ``fstat`` before reading, so a FIFO, a device or
    a folder is refused at once, and a file larger than the bound is never read into memory."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ReadRefused(str(exc.strerror or exc)) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise ReadRefused(kind)
        if info.st_size > limit:
            raise ReadRefused(f"too large ({info.st_size // (1 << 20)} MB; at most "
                              f"{limit // (1 << 20)} MB)")
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise ReadRefused(str(exc.strerror or exc)) from exc
    finally:
        os.close(fd)
    if len(data) > limit:
        raise ReadRefused(f"too large (more than {limit // (1 << 20)} MB)")
    return data


def head(path: Path, size: int = 4096) -> bytes:
    """The first ``size`` bytes of a regular file (b"" for anything else): enough to sniff."""
    try:
        return _head(path, size)
    except OSError:
        return b""


def _head(path: Path, size: int) -> bytes:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return b""
        return os.read(fd, size)
    finally:
        os.close(fd)


def iso_utc(text: object) -> str:
    """A time stamp as UTC ISO 8601 with seconds ("" when it does not parse).

    Accepts ISO forms with a space or ``T``, fractions, ``Z`` or an offset.  A time with no
    zone (KOReader's ``2023-01-24 04:36:02``, the device's local time) is taken as UTC: the
    file does not say which zone it was, and this keeps the date right to within a day."""
    if not isinstance(text, str) or not text.strip():
        return ""
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        moment = parse_iso(raw)
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    try:
        return moment.astimezone(_dt.timezone.utc).replace(microsecond=0).isoformat()
    except (OverflowError, ValueError):
        return ""


def epoch_utc(value: object) -> str:
    """Seconds since the epoch as UTC ISO 8601 ("" when not a plausible number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return ""
    try:
        moment = _dt.datetime.fromtimestamp(float(value), _dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return ""
    return moment.replace(microsecond=0).isoformat()


_KIND_BY_NAME = {name: kind for kind, (name, _glyph) in KINDS.items()}
#: Other tools' colour names, as the nearest of tuireader's five (``model.KINDS``).
_COLOURS = {
    **_KIND_BY_NAME,
    "orange": 1, "gray": 1, "grey": 1, "white": 1, "gold": 1,  # warm or neutral: the default
    "olive": 2, "lime": 2, "teal": 2,
    "cyan": 3, "light blue": 3, "lightblue": 3, "navy": 3,
    "pink": 4, "magenta": 4, "rose": 4,
    "violet": 5, "lilac": 5, "lavender": 5,
}


def colour_kind(name: object) -> int:
    """tuireader's kind (1-5) for another tool's colour name; 1 (yellow) when unknown."""
    if not isinstance(name, str):
        return 1
    return _COLOURS.get(name.strip().lower(), 1)


_FRAGMENT = re.compile(r"DocFragment\[(\d{1,6})\]")


def spine_index(xpointer: object) -> int | None:
    """The 1-based spine index in a KOReader xpointer (``/body/DocFragment[12]/...`` → 12)."""
    if not isinstance(xpointer, str):
        return None
    match = _FRAGMENT.search(xpointer)
    if not match or int(match.group(1)) < 1:
        return None
    return int(match.group(1))


def clean_text(value: object) -> str:
    """A string field as text: non-strings give "", surrounding whitespace trimmed."""
    return value.strip() if isinstance(value, str) else ""
