"""Readwise's CSV, as an export format: one row per highlight, so nobody is locked in.

The header is the one Readwise's own export writes (``Highlight,Book Title,Book Author,Amazon
Book ID,Note,Color,Tags,Location Type,Location,Highlighted at,Document tags``), so the file
goes into Readwise, into the tools that read Readwise's export, and back into tuireader
(``tuireader import FILE`` reads it with ``importers/foreign/readwise.py``: the round trip is
tested).  Each row: the quote, the article's title and author, its ASIN when it has one, the
note, the colour's name, the tags, the highlight's character offset in the text (``Location
Type`` "offset"), when it was made (``2021-03-04 05:06:07+00:00``, Readwise's form) and the
article's tags.  An article's own note is a row with no highlight, as Readwise writes a
document note.  Pure functions of their inputs.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tuireader.core.isotime import parse_iso
from tuireader.core.model import KINDS
from tuireader.core.safety import inert_output

if TYPE_CHECKING:
    from tuireader.core.model import Article, Highlight

#: Readwise's columns, in its order (the reader in ``importers/foreign/readwise.py`` finds them
#: by these names; the export may not import the importers, so they are spelt here too).
COLUMNS = ("Highlight", "Book Title", "Book Author", "Amazon Book ID", "Note", "Color", "Tags",
           "Location Type", "Location", "Highlighted at", "Document tags")


def _readwise_time(stamp: str) -> str:
    """``2021-03-04T05:06:07+00:00`` as Readwise writes it (``2021-03-04 05:06:07+00:00``)."""
    try:
        moment = parse_iso(stamp.strip().replace("Z", "+00:00"))
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    return moment.astimezone(_dt.timezone.utc).replace(microsecond=0).isoformat(sep=" ")


def _field(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _asin(article: Article) -> str:
    return next((i.split(":", 1)[1] for i in article.identifiers
                 if i.lower().startswith("asin:")), "")


def rows(article: Article, highlights: Sequence[Highlight]) -> list[list[str]]:
    """The article's rows (its note first, then its highlights in text order), no header."""
    title, author = _field(article.title), _field(article.author)
    asin, doc_tags = _asin(article), ",".join(article.tags)
    found: list[list[str]] = []
    if article.note.strip():
        found.append(["", title, author, asin, _field(article.note), "", "", "", "",
                      _readwise_time(article.added), doc_tags])
    for h in sorted(highlights, key=lambda h: (h.start, h.end, h.created)):
        found.append([_field(h.exact), title, author, asin, _field(h.note),
                      KINDS.get(h.kind, KINDS[1])[0], ", ".join(h.tags), "offset",
                      str(h.start), _readwise_time(h.created), doc_tags])
    return found


def _csv(all_rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    # Controls made visible before the csv module sees them (as the whole export is anyway):
    # Python 3.10's refuses a NUL, and 3.13's quotes a carriage return that 3.12's does not.
    writer.writerows([[inert_output(cell) for cell in row] for row in all_rows])
    return out.getvalue()


def export_readwise_csv(article: Article, highlights: Sequence[Highlight]) -> str:
    """One article as a Readwise CSV file (with the header)."""
    return _csv(rows(article, highlights))


def combined_readwise_csv(chosen: Sequence[tuple[Article, Sequence[Highlight]]]) -> str:
    """Every chosen article in one Readwise CSV file: one header, then each article's rows."""
    return _csv([row for article, highlights in chosen for row in rows(article, highlights)])
