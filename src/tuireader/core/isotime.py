"""ISO 8601 time stamps read the same on every Python tuireader supports.

Python 3.11's ``datetime.fromisoformat`` reads most of ISO 8601: ``Z``, the basic forms
(``20240508T123015``), any number of second digits (``12:30:15.5``), ``+0200`` and ``+02``
offsets, week dates (``2024-W19-3``).  Python 3.10's reads only what ``isoformat()`` writes, so
there a foreign file's dates were silently dropped and ``--since 2024-05-08T12:30:15.5Z`` was
refused.  :func:`parse_iso` is 3.11's reading on 3.10 too: 3.10 first tries its own
``fromisoformat`` (everything it reads, 3.11 reads alike), then the forms below.
"""

from __future__ import annotations

import datetime as _dt
import re
import sys

_TIME = r"(?P<H>\d\d)(?:(?P<tc>:?)(?P<M>\d\d)(?:(?P=tc)(?P<S>\d\d)(?:[.,](?P<F>\d+))?)?)?"
_ZONE = (r"Z|(?P<sign>[+-])(?P<zH>\d\d)"
         r"(?:(?P<zc>:?)(?P<zM>\d\d)(?:(?P=zc)(?P<zS>\d\d)(?:\.(?P<zF>\d+))?)?)?")
#: The forms 3.11 reads: extended or basic calendar and week dates, then any one character and
#: a time (extended or basic, each consistently), then a zone.  No ordinal or reduced dates.
_ISO = re.compile(
    r"(?P<y>\d{4})"
    r"(?:(?P<dc>-?)(?P<m>\d\d)(?P=dc)(?P<d>\d\d)|(?P<wc>-?)W(?P<w>\d\d)(?:(?P=wc)(?P<wd>\d))?)"
    rf"(?:.(?:{_TIME})(?P<zone>{_ZONE})?)?",
    re.ASCII | re.DOTALL,
)


def _micro(digits: str | None) -> int:
    """Fraction digits as microseconds, past the sixth truncated (as 3.11 does)."""
    return int(digits[:6].ljust(6, "0")) if digits else 0


def _fallback(text: str) -> _dt.datetime:
    found = _ISO.fullmatch(text)
    if found is None:
        raise ValueError(f"Invalid isoformat string: {text!r}")
    g = found.groupdict()
    year = int(g["y"])
    if g["w"] is not None:
        day = _dt.date.fromisocalendar(year, int(g["w"]), int(g["wd"] or 1))
    else:
        day = _dt.date(year, int(g["m"]), int(g["d"]))
    zone: _dt.tzinfo | None = None
    if g["zone"] == "Z":
        zone = _dt.timezone.utc
    elif g["zone"]:
        offset = _dt.timedelta(hours=int(g["zH"]), minutes=int(g["zM"] or 0),
                               seconds=int(g["zS"] or 0), microseconds=_micro(g["zF"]))
        zone = _dt.timezone(-offset if g["sign"] == "-" else offset)
    return _dt.datetime(day.year, day.month, day.day, int(g["H"] or 0), int(g["M"] or 0),
                        int(g["S"] or 0), _micro(g["F"]), tzinfo=zone)


def parse_iso(text: str) -> _dt.datetime:
    """``text`` read as 3.11's ``datetime.fromisoformat`` reads it; ValueError when invalid."""
    try:
        return _dt.datetime.fromisoformat(text)
    except ValueError:
        if sys.version_info >= (3, 11):
            raise
    return _fallback(text)
