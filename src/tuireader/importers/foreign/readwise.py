"""Readwise's CSV export: one row per highlight, grouped here into works.

The header is ``Highlight,Book Title,Book Author,Amazon Book ID,Note,Color,Tags,Location Type,
Location,Highlighted at,Document tags`` (files before 2023 lack the last column); columns are
found by name, so their order does not matter.  Quirks of real files, all handled:

* a UTF-8 BOM; quoted fields over several lines; LF or CRLF;
* ``Tags`` is a comma-separated list inside the field; the special tags ``favorite`` /
  ``.favorite`` are kept (as the tag "favorite") and ``discard`` / ``.discard`` rows are left out
  (counted as "discarded");
* a note that starts with Readwise's inline tags (``.h1`` …, also listed in ``Tags``) loses
  them, keeping the words after;
* a row with a note and no highlight is a note on the whole document;
* ``Amazon Book ID`` becomes the identifier ``asin:…``; ``Location Type`` + ``Location`` stay
  in ``location`` ("location 1234", "order 2"), and an ``offset`` is also a position hint.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from tuireader.core.bridge import ForeignExport, ForeignHighlight, ForeignWork, Position, Skip
from tuireader.importers.foreign import ForeignFormat, ForeignFormatError, Progress
from tuireader.importers.foreign._clip_common import (
    ReadRefused,
    colour_kind,
    head,
    iso_utc,
    read_bounded,
)

NAME = "readwise"
#: The columns of Readwise's export, in its order (the export writes the same).
COLUMNS = ("Highlight", "Book Title", "Book Author", "Amazon Book ID", "Note", "Color", "Tags",
           "Location Type", "Location", "Highlighted at", "Document tags")
#: The largest file read (a library of 100,000 highlights is about 30 MB).
MAX_CSV_BYTES = 256 << 20
#: A record that breaks the CSV syntax is skipped; after this many the file is not CSV.
MAX_BAD_RECORDS = 100

_HEADER = ",".join(COLUMNS[:4]).lower().encode()
_INLINE_TAG = re.compile(r"\A\s*\.([^\s.,][^\s,]*)")


def sniff(path: Path) -> bool:
    """Readwise's header (its first four columns, quoted or not) on the first line."""
    first = head(path, 512).removeprefix(b"\xef\xbb\xbf").lstrip().split(b"\n", 1)[0]
    return first.replace(b'"', b"").lower().startswith(_HEADER)


def _tags(field: str) -> list[str]:
    found = []
    for raw in field.split(","):
        tag = raw.strip().lstrip(".").strip().lower()
        if tag:
            found.append(tag)
    return list(dict.fromkeys(found))


def _strip_inline_tags(note: str, tags: list[str]) -> str:
    """The note without the leading ``.tag`` words Readwise turned into tags."""
    while True:
        match = _INLINE_TAG.match(note)
        if not match or match.group(1).lower() not in tags:
            return note.strip()
        note = note[match.end():]


def read(path: Path, progress: Progress | None = None) -> ForeignExport:
    """The works and highlights of a Readwise CSV export."""
    try:
        raw = read_bounded(path, MAX_CSV_BYTES)
    except ReadRefused as exc:
        raise ForeignFormatError(f"{path}: {exc}") from exc
    # No NUL: Python 3.10's csv module stops at one (3.11's keeps it in the field).
    text = raw.decode("utf-8-sig", errors="replace").replace("\x00", "")
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(rows)]
    except (StopIteration, csv.Error) as exc:
        raise ForeignFormatError(f"{path}: empty, not a Readwise CSV export") from exc
    column = {name: header.index(name.lower()) for name in COLUMNS if name.lower() in header}
    if "Highlight" not in column or "Book Title" not in column:
        raise ForeignFormatError(f"{path}: not a Readwise CSV export (no Highlight and Book "
                                 "Title columns)")
    result = ForeignExport(format=NAME)
    works: dict[tuple[str, str, str], ForeignWork] = {}
    bad = 0
    number = 1
    lines = text.count("\n") + 1
    while True:
        number += 1
        try:
            record = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            bad += 1
            result.skipped.append(Skip(f"a malformed CSV record ({exc})", f"record {number}"))
            if bad >= MAX_BAD_RECORDS:
                result.skipped.append(Skip("too many malformed records; the rest of the file "
                                           "was not read", f"record {number}"))
                break
            continue
        if not any(field.strip() for field in record):
            continue  # a blank line
        _row({name: record[i] if i < len(record) else "" for name, i in column.items()},
             works, result, f"record {number}")
        if progress is not None and number % 1000 == 0:
            progress(min(rows.line_num, lines), lines)
    result.works = list(works.values())
    if progress is not None:
        progress(1, 1)
    return result


def _row(row: dict[str, str], works: dict[tuple[str, str, str], ForeignWork],
         result: ForeignExport, where: str) -> None:
    quote = row.get("Highlight", "").strip()
    note = row.get("Note", "").strip()
    tags = _tags(row.get("Tags", ""))
    if not quote and not note:
        result.skipped.append(Skip("a row with neither a highlight nor a note", where))
        return
    if "discard" in tags:
        result.ignored["discarded"] = result.ignored.get("discarded", 0) + 1
        return
    title = row.get("Book Title", "").strip()
    author = row.get("Book Author", "").strip()
    asin = re.sub(r"\s", "", row.get("Amazon Book ID", ""))
    key = (title.casefold(), author.casefold(), asin.upper())
    work = works.get(key)
    if work is None:
        work = works[key] = ForeignWork(
            title=title, author=author, where=where,
            identifiers=[f"asin:{asin.upper()}"] if asin else [])
    for tag in _tags(row.get("Document tags", "")):
        if tag not in work.tags:
            work.tags.append(tag)
    note = _strip_inline_tags(note, tags)
    if not quote:
        if note:
            work.notes.append(note)
        return
    kind_of_place = row.get("Location Type", "").strip()
    place = row.get("Location", "").strip()
    position = Position()
    if kind_of_place.lower() == "offset" and place.isdigit():
        position.start = int(place)
    work.highlights.append(ForeignHighlight(
        quote=quote, note=note, tags=tags, kind=colour_kind(row.get("Color")),
        created=iso_utc(row.get("Highlighted at")),
        location=f"{kind_of_place} {place}".strip() if place else "", position=position))


FORMAT: ForeignFormat = ForeignFormat(
    NAME, "Readwise CSV export", sniff, read)
