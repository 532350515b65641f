"""wallabag's JSON export (1.x and 2.x).

2.x writes a list of entries with ``title``, ``url``, ``content`` (the readable copy, HTML),
``tags`` (a list of labels), ``is_archived``, ``is_starred``, ``created_at``, ``published_at``,
``published_by``, ``language`` and ``annotations`` (``quote``, ``text`` (the note), ``ranges``
(XPath ranges into the content), ``created_at``).  1.x has ``is_read`` / ``is_fav`` and tags as a
comma-separated string (and the same fields again under numeric keys, ignored).  The content is
imported as it is (no main-content extraction: wallabag already made it the article); starred
becomes the tag "starred".
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tuireader.core.bridge import ForeignExport, ForeignHighlight, ForeignWork, Skip
from tuireader.importers.base import ImportFailed
from tuireader.importers.foreign import ForeignFormatError, Progress
from tuireader.importers.foreign._readlater import (
    clean_tags,
    decode,
    head,
    iso_date,
    read_bounded,
    readable_copy,
    truthy,
)

NAME = "wallabag"
LABEL = "wallabag JSON export"

_KEYS = re.compile(rb'"(is_archived|is_starred|is_read|is_fav|reading_time|domain_name)"\s*:')


def sniff(path: Path) -> bool:
    data = head(path).lstrip(b"\xef\xbb\xbf \t\r\n")
    return data[:1] in (b"[", b"{") and b'"url"' in data and _KEYS.search(data) is not None


def read(path: Path, progress: Progress | None = None) -> ForeignExport:
    try:
        parsed = json.loads(decode(read_bounded(path)))
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ForeignFormatError(f"{path}: not valid JSON ({exc})") from exc
    if isinstance(parsed, dict):
        parsed = parsed.get("entries") or parsed.get("items") or [parsed]
    if not isinstance(parsed, list):
        raise ForeignFormatError(f"{path}: not a wallabag export (no list of entries)")
    export = ForeignExport(NAME)
    for index, entry in enumerate(parsed, start=1):
        where = f"{path.name} entry {index}"
        if not isinstance(entry, dict):
            export.skipped.append(Skip("not an entry (not a JSON object)", where))
        else:
            _entry(entry, where, path, export)
        if progress and (index % 50 == 0 or index == len(parsed)):
            progress(index, len(parsed))
    return export


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _tags(value: Any) -> list[str]:
    if isinstance(value, str):
        return clean_tags(value.split(","))
    if isinstance(value, list):
        return clean_tags(t.get("label") or t.get("slug") or "" if isinstance(t, dict) else t
                          for t in value)
    return []


def _authors(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_text(v).strip() for v in value if _text(v).strip())
    return _text(value).strip()


def _entry(entry: dict[str, Any], where: str, path: Path, export: ForeignExport) -> None:
    url = _text(entry.get("url") or entry.get("given_url")).strip()
    title = " ".join(_text(entry.get("title")).split())
    content_html = _text(entry.get("content"))
    if not url and not content_html.strip():
        export.skipped.append(Skip("no URL and no content", where))
        return
    work = ForeignWork(
        title=title or url or "Untitled", url=url, where=where,
        author=_authors(entry.get("published_by")),
        language=_text(entry.get("language")).strip(),
        tags=_tags(entry.get("tags")),
        archived=truthy(entry.get("is_archived", entry.get("is_read"))),
        added=iso_date(entry.get("created_at")),
        published=iso_date(entry.get("published_at")),
    )
    if truthy(entry.get("is_starred", entry.get("is_fav"))) and "starred" not in work.tags:
        work.tags.append("starred")
    if content_html.strip():
        try:
            work.content = readable_copy(content_html, url=url, title=work.title,
                                         source=url or f"{path}#{where}")
        except (ImportFailed, RecursionError, MemoryError) as exc:
            if not url:
                export.skipped.append(Skip(f"its content cannot be imported ({exc}) and it "
                                           "has no URL", where))
                return
            work.missing_reason = f"wallabag's copy could not be imported: {exc}"
    annotations = entry.get("annotations")
    for number, note in enumerate(annotations if isinstance(annotations, list) else [], 1):
        if not isinstance(note, dict):
            export.skipped.append(Skip("an annotation that is not a JSON object",
                                       f"{where} annotation {number}"))
            continue
        quote, text = _text(note.get("quote")).strip(), _text(note.get("text")).strip()
        if not quote:
            if text:
                work.notes.append(text)
            else:
                export.skipped.append(Skip("an empty annotation", f"{where} annotation {number}"))
            continue
        work.highlights.append(ForeignHighlight(
            quote=quote, note=text, tags=_tags(note.get("tags")),
            created=iso_date(note.get("created_at")), location=_ranges(note.get("ranges"))))
    export.works.append(work)


def _ranges(value: Any) -> str:
    """wallabag's ranges (XPath start/end with offsets) in words, kept as the source's place."""
    if not isinstance(value, list) or not value or not isinstance(value[0], dict):
        return ""
    first = value[0]
    return (f"{_text(first.get('start'))}:{_text(first.get('startOffset'))}"
            f"–{_text(first.get('end'))}:{_text(first.get('endOffset'))}")
