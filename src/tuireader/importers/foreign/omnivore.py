"""Omnivore's export (the zip it mailed before closing in November 2024, unpacked or not).

``metadata_<from>_to_<to>.json`` hold the entries (``id``, ``slug``, ``title``, ``author``,
``url``, ``state`` "Active" / "Archived", ``readingProgress`` 0-100, ``labels``, ``savedAt``,
``publishedAt``); ``content/<slug>.html`` the readable copy Omnivore kept (for many the source
page is gone: it is imported as it is, without main-content extraction); ``highlights/<slug>.md``
the highlights: ``> quote`` blocks, each followed by its ``#labels`` line and its note.  Text
before the first quote (and a note under an empty quote) is a note on the article.  A metadata
JSON alone (no content, no highlights) is read too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath
from typing import Any

from tuireader.core.bridge import ForeignExport, ForeignHighlight, ForeignWork, Skip
from tuireader.importers.base import ImportFailed
from tuireader.importers.foreign import ForeignFormatError, Progress
from tuireader.importers.foreign._readlater import (
    FolderSource,
    SafeZip,
    clean_tags,
    decode,
    head,
    is_zip,
    iso_date,
    open_source,
    read_bounded,
    readable_copy,
    zip_names,
)

NAME = "omnivore"
LABEL = "Omnivore export (zip, folder or metadata JSON)"

_METADATA = re.compile(r"(?:^|/)metadata_\d+_to_\d+\.json$", re.I)
_JSON_KEYS = (b'"slug"', b'"savedAt"')


def sniff(path: Path) -> bool:
    if path.is_dir():
        return any(_METADATA.search(p.name) for p in path.glob("metadata_*.json"))
    if is_zip(path):
        return any(_METADATA.search(name) for name in zip_names(path))
    data = head(path, 8192).lstrip(b"\xef\xbb\xbf \t\r\n")
    return data[:1] == b"[" and all(key in data for key in _JSON_KEYS)


def read(path: Path, progress: Progress | None = None) -> ForeignExport:
    export = ForeignExport(NAME)
    if path.is_dir() or is_zip(path):
        with open_source(path) as source:
            export.skipped.extend(source.refused)
            _read_export(source, export, progress)
        return export
    entries = _entries(read_bounded(path), path.name)
    for index, entry in enumerate(entries, start=1):
        _entry(entry, f"{path.name} entry {index}", None, export, {}, {})
    if progress:
        progress(len(entries), len(entries))
    return export


def _entries(data: bytes, name: str) -> list[Any]:
    try:
        parsed = json.loads(decode(data))
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ForeignFormatError(f"{name}: not valid JSON ({exc})") from exc
    if not isinstance(parsed, list):
        raise ForeignFormatError(f"{name}: not an Omnivore metadata file (not a list)")
    return parsed


def _by_slug(names: list[str], folder: str, suffix: str) -> dict[str, str]:
    """``<folder>/<slug><suffix>`` members (under any top folder) by slug."""
    found: dict[str, str] = {}
    for name in names:
        parts = PurePosixPath(name).parts
        if len(parts) >= 2 and parts[-2] == folder and name.endswith(suffix):
            found[parts[-1][: -len(suffix)]] = name
    return found


def _read_export(source: SafeZip | FolderSource, export: ForeignExport,
                 progress: Progress | None) -> None:
    names = source.names()
    metadata = [n for n in names if _METADATA.search(n)]
    if not metadata:
        raise ForeignFormatError("no metadata_*_to_*.json in the Omnivore export")
    contents = _by_slug(names, "content", ".html")
    highlights = _by_slug(names, "highlights", ".md")
    entries: list[tuple[str, Any]] = []
    for name in sorted(metadata, key=_first_index):
        try:
            data = source.read(name)
            entries.extend((f"{name} entry {i}", e)
                           for i, e in enumerate(_entries(data, name), start=1))
        except (ImportFailed, ForeignFormatError) as exc:
            export.skipped.append(Skip(str(exc), name))
    used: set[str] = set()
    for done, (where, entry) in enumerate(entries, start=1):
        slug = _entry(entry, where, source, export, contents, highlights)
        if slug:
            used.add(slug)
        if progress and (done % 20 == 0 or done == len(entries)):
            progress(done, len(entries))
    for slug, name in sorted(highlights.items()):
        if slug not in used:
            export.skipped.append(Skip("a highlights file with no entry in the metadata", name))


def _first_index(name: str) -> int:
    found = re.search(r"metadata_(\d+)_to_", name)
    return int(found.group(1)) if found else 0


def _entry(entry: Any, where: str, source: SafeZip | FolderSource | None,
           export: ForeignExport, contents: dict[str, str],
           highlights: dict[str, str]) -> str:
    """Add the work of one metadata entry; returns its slug ("" when skipped)."""
    if not isinstance(entry, dict):
        export.skipped.append(Skip("not an entry (not a JSON object)", where))
        return ""
    slug = str(entry.get("slug") or "")
    url = str(entry.get("url") or "").strip()
    state = str(entry.get("state") or "").strip().lower()
    if state == "deleted":
        export.skipped.append(Skip("deleted in Omnivore", where))
        return slug
    work = ForeignWork(
        title=" ".join(str(entry.get("title") or "").split()) or url or slug or "Untitled",
        author=" ".join(str(entry.get("author") or "").split()),
        url=url, where=where, archived=state == "archived",
        tags=clean_tags(label.get("name") if isinstance(label, dict) else label
                        for label in (entry.get("labels") or [])
                        if isinstance(label, dict | str)),
        progress=_progress(entry.get("readingProgress")),
        added=iso_date(entry.get("savedAt")),
        published=iso_date(entry.get("publishedAt")),
    )
    if source is not None and slug in contents:
        try:
            work.content = readable_copy(source.read(contents[slug]), url=url, title=work.title,
                                         source=url or f"omnivore:{slug}")
            work.content.author = work.content.author or work.author
        except (ImportFailed, RecursionError, MemoryError) as exc:
            work.missing_reason = f"Omnivore's copy could not be imported: {exc}"
    if source is not None and slug in highlights:
        try:
            text = decode(source.read(highlights[slug]))
        except ImportFailed as exc:
            export.skipped.append(Skip(f"highlights not read: {exc}", highlights[slug]))
        else:
            quotes, notes = parse_highlights(text)
            work.highlights.extend(quotes)
            work.notes.extend(notes)
    if not url and work.content is None:
        if work.highlights or work.notes:
            export.skipped.append(Skip(f"no URL and no readable copy: {len(work.highlights)} "
                                       f"highlights and {len(work.notes)} notes not imported",
                                       where))
        else:
            export.skipped.append(Skip("no URL and no readable copy", where))
        return slug
    export.works.append(work)
    return slug


def _progress(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return max(0.0, min(1.0, float(value) / 100.0))


_LABELS = re.compile(r"^(?:#[^\s#]+\s*)+$")
_BACKLINK = re.compile(r"\s*\[⤴️?\]\([^)]*\)\s*$")


def parse_highlights(text: str) -> tuple[list[ForeignHighlight], list[str]]:
    """An Omnivore ``highlights/<slug>.md``: (highlights, notes on the article).

    A highlight is a run of ``>`` lines (the quote; Omnivore's ``[⤴️](…)`` link back dropped),
    then, in the blocks until the next quote, a ``#label #label`` line (its tags) and its note.
    Text before the first quote, and a note under an empty quote, is a note on the article.
    """
    found: list[ForeignHighlight] = []
    notes: list[str] = []
    current: ForeignHighlight | None = None
    quote_lines: list[str] | None = None
    note_lines: list[str] = []

    def close_note() -> None:
        nonlocal note_lines
        body = "\n".join(note_lines).strip()
        note_lines = []
        if not body:
            return
        if current is None or not current.quote:
            notes.append(body)
        elif not current.tags and not current.note and _LABELS.match(body):
            current.tags = clean_tags(body.split())
        else:
            current.note = f"{current.note}\n\n{body}" if current.note else body

    def close_quote() -> None:
        nonlocal current, quote_lines
        if quote_lines is None:
            return
        quote = _BACKLINK.sub("", "\n".join(quote_lines)).strip()
        current = ForeignHighlight(quote=quote, location="Omnivore highlight")
        if quote:
            found.append(current)
        quote_lines = None

    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith(">"):
            if quote_lines is None:
                close_note()
                quote_lines = []
            quote_lines.append(line[2:] if line.startswith("> ") else line[1:])
            continue
        close_quote()
        if not line.strip():
            close_note()
        else:
            note_lines.append(line)
    close_quote()
    close_note()
    return found, notes
