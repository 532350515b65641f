"""Kindle's ``My Clippings.txt``: every highlight, note and bookmark the device kept.

The file is appended to, never rewritten: records separated by a line of ten ``=``; each record
is a title line (the author in the *last* parenthesised group: titles hold parentheses too), a
metadata line in the device's language at the time (see :mod:`._kindle_lang`), a blank line and
the text.  Real files carry a BOM on the first line and often on every title line, CRLF line
ends with stray LFs, and these quirks, all handled here:

- a note is its own record, at the end location of the highlight it belongs to: it is attached
  to that highlight (a note with no highlight there becomes a note on the work);
- a bookmark has no text: counted in ``ignored``, not imported;
- an edited highlight is appended as a new record, the old one staying: within a book, a
  highlight overlapping a later one (location ranges meet and the texts share words) is
  replaced by the later; two distinct highlights on one page are both kept;
- the publisher's clipping limit leaves a placeholder ("<You have reached the clipping limit
  for this item>") instead of the text: kept as an orphan with a warning;
- a date that cannot be read leaves the record without a date, never drops it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from tuireader.core.bridge import ForeignExport, ForeignHighlight, ForeignWork, Position, Skip
from tuireader.importers.foreign import ForeignFormatError, Progress
from tuireader.importers.foreign import _kindle_lang as lang
from tuireader.importers.foreign._clip_common import ReadRefused, head, read_bounded

SEPARATOR = "=========="
#: A clippings file larger than this is refused (the largest real ones are a few MB).
MAX_BYTES = 64 * 1024 * 1024
#: Works and records beyond these are skipped (counted): bounded memory on hostile input.
MAX_RECORDS = 500_000

_BOM = "\ufeff"
_WORDS = re.compile(r"\w+", re.UNICODE)
_SPLIT = re.compile(r"^=========={0,4}[ \t]*$\n?", re.MULTILINE)


def sniff(path: Path) -> bool:
    """A text file whose first records look like Kindle's (a separator line and a metadata
    line starting with "- ")."""
    text = head(path, 8192).decode("utf-8", errors="replace").lstrip(_BOM)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return (SEPARATOR in lines and len(lines) > 2
            and lines[1].lstrip(_BOM).startswith("- ")) if lines else False


@dataclass
class _Record:
    title: str
    author: str
    kind: str
    page: tuple[int, int] | None
    location: tuple[int, int] | None
    created: str
    text: str
    where: str
    note: str = ""
    #: Set on an edited highlight superseded by a later record.
    dropped: bool = False
    highlight: ForeignHighlight | None = field(default=None, repr=False)


def split_title(line: str) -> tuple[str, str]:
    """``(title, author)`` from a title line: the author is the last parenthesised group at
    the end of the line ("Moby-Dick; or, The Whale (Melville, Herman)")."""
    line = line.replace(_BOM, "").strip()
    if not line.endswith(")"):
        return line, ""
    depth = 0
    for i in range(len(line) - 1, -1, -1):
        ch = line[i]
        if ch == ")":
            depth += 1
        elif ch == "(":
            depth -= 1
            if depth == 0:
                title, author = line[:i].strip(), line[i + 1 : -1].strip()
                return (title, author) if title else (line, "")
    return line, ""


def _location_words(r: _Record) -> str:
    parts = []
    if r.page is not None:
        a, b = r.page
        parts.append(f"page {a}" if a == b else f"page {a}-{b}")
    if r.location is not None:
        a, b = r.location
        parts.append(f"Loc. {a}" if a == b else f"Loc. {a}-{b}")
    return " | ".join(parts)


def parse_records(text: str, export: ForeignExport) -> list[_Record]:
    """The file's records in order (bad ones counted in ``export.skipped``)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace(_BOM, "")
    records: list[_Record] = []
    line_no = 1
    for n, chunk in enumerate(_SPLIT.split(text), start=1):
        where = f"record {n} (line {line_no})"
        line_no += chunk.count("\n") + 1
        body = chunk.strip("\n")
        if not body.strip():
            continue
        if n > MAX_RECORDS:
            export.skipped.append(Skip("too many records in one file", where))
            continue
        lines = body.split("\n")
        if len(lines) < 2 or not lines[1].startswith("-"):
            export.skipped.append(Skip("not a clipping (no metadata line)", where))
            continue
        title, author = split_title(lines[0])
        meta, date_text = lang.split_date(lines[1])
        kind = lang.kind_of(meta)
        page, location = lang.page_and_location(meta)
        content = "\n".join(lines[2:]).strip()
        if not kind:
            export.skipped.append(Skip("unknown kind of clipping: " + lines[1][:60], where))
            continue
        records.append(_Record(title or "Untitled", author, kind, page, location,
                               lang.parse_date(date_text), content, where))
    return records


def _same_passage(old: str, new: str) -> bool:
    """Whether a later highlight is an edit of an earlier one: one holds the other, or they
    share a long run of text (half the shorter one, or 40 characters): two sentences next to
    each other share words, never such a run."""
    if not old or not new:
        return False
    if old in new or new in old:
        return True
    a, b = old.casefold(), new.casefold()
    run = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return run.size >= min(40, min(len(a), len(b)) // 2)


#: Location ranges longer than this are looked up by their ends only (bounded work).
_SPAN = 64


def _resolve_edits(highlights: list[_Record], export: ForeignExport) -> None:
    """Mark highlights superseded by a later edit of the same passage (``dropped``).

    Each highlight is compared only with the earlier ones at the same locations (or on the
    same page when it has no location): an index by location keeps this linear.
    """
    by_location: dict[int, list[int]] = {}
    by_page: dict[int, list[int]] = {}
    for i, later in enumerate(highlights):
        if lang.is_limit_placeholder(later.text):
            continue
        if later.location is not None:
            a, b = later.location
            spots = range(a, b + 1) if b - a <= _SPAN else (a, b)
            index = by_location
        elif later.page is not None:
            spots, index = range(later.page[0], later.page[0] + 1), by_page
        else:
            continue
        earlier_ids = sorted({j for spot in spots for j in index.get(spot, ())})
        for j in earlier_ids:
            earlier = highlights[j]
            if earlier.dropped:
                continue
            if later.location is not None:
                edit = _same_passage(earlier.text, later.text)
            else:
                # Page only: one text holding the other (two highlights on one page are
                # otherwise distinct).
                edit = earlier.text in later.text or later.text in earlier.text
            if edit:
                earlier.dropped = True
                if earlier.note and not later.note:
                    later.note = earlier.note
                key = ("duplicates" if earlier.text in later.text
                       else "edited highlights (kept the latest)")
                export.ignored[key] = export.ignored.get(key, 0) + 1
        for spot in spots:
            index.setdefault(spot, []).append(i)


def _attach_note(note: _Record, highlights: list[_Record]) -> bool:
    """Put a note on the highlight of its book that ends at its location (the latest such),
    else one containing its location; False if none does."""
    def ends_at(r: _Record) -> bool:
        if note.location is not None and r.location is not None:
            return r.location[1] == note.location[0]
        return note.page is not None and r.page is not None and r.page[1] == note.page[0]

    def contains(r: _Record) -> bool:
        if note.location is not None and r.location is not None:
            return r.location[0] <= note.location[0] <= r.location[1]
        return False

    for test in (ends_at, contains):
        for r in reversed(highlights):
            if not r.dropped and test(r):
                r.note = (r.note + "\n\n" + note.text) if r.note else note.text
                return True
    return False


def build(records: list[_Record], export: ForeignExport) -> None:
    """Group the records into works with their highlights (``export.works``)."""
    books: dict[tuple[str, str], list[_Record]] = {}
    for r in records:
        books.setdefault((r.title, r.author), []).append(r)
    for (title, author), recs in books.items():
        work = ForeignWork(title=title, author=author, where=recs[0].where)
        highlights = [r for r in recs if r.kind == "highlight"]
        _resolve_edits(highlights, export)
        for r in recs:
            if r.kind == "bookmark":
                export.ignored["bookmarks"] = export.ignored.get("bookmarks", 0) + 1
            elif r.kind == "clip":
                export.skipped.append(Skip("a clipped article (no highlight)", r.where))
            elif r.kind == "note":
                if not r.text:
                    export.skipped.append(Skip("an empty note", r.where))
                elif not _attach_note(r, highlights):
                    where = _location_words(r)
                    work.notes.append(f"{where}: {r.text}" if where else r.text)
        last = max((r.location[1] for r in highlights if r.location), default=0)
        last_page = max((r.page[1] for r in highlights if r.page), default=0)
        for r in highlights:
            if r.dropped:
                continue
            if not r.text:
                export.skipped.append(Skip("a highlight with no text", r.where))
                continue
            position = Position()
            if r.location is not None and last:
                position.fraction = min(1.0, r.location[0] / last)
            elif r.page is not None and last_page:
                position.fraction = min(1.0, r.page[0] / last_page)
            warning = ""
            if lang.is_limit_placeholder(r.text):
                warning = ("Kindle kept no text for this highlight (the publisher's clipping "
                           "limit was reached)")
            work.highlights.append(ForeignHighlight(
                quote=r.text, note=r.note, created=r.created, location=_location_words(r),
                position=position, warning=warning))
        if work.highlights or work.notes:
            export.works.append(work)


def read(path: Path, progress: Progress | None = None) -> ForeignExport:
    """Read a ``My Clippings.txt`` (ForeignFormatError if it cannot be read at all)."""
    try:
        raw = read_bounded(path, MAX_BYTES)  # a FIFO or device refused without blocking
    except ReadRefused as exc:
        raise ForeignFormatError(f"{path}: cannot read: {exc}") from exc
    size = len(raw)
    text = raw.decode("utf-8", errors="replace")
    export = ForeignExport(format="kindle")
    records = parse_records(text, export)
    if not records and SEPARATOR not in text:
        raise ForeignFormatError(f"{path}: not a Kindle My Clippings.txt (no records)")
    build(records, export)
    if progress is not None:
        progress(size, size)
    return export
