"""Pocket's exports: the CSV and the older HTML page.

The CSV (``title,url,time_added,cursor,tags,status``; older files have no ``cursor``) comes as
one file or split across ``part_000000.csv``, ``part_000001.csv``, … in a folder or in the zip
Pocket mailed; tags are ``|``-separated, ``status`` is ``unread`` or ``archive``.  The HTML
export (``ril_export.html``) lists links under "Unread" and "Read Archive", each ``<a>`` with
``time_added`` and comma-separated ``tags``.  Pocket kept no text: every work has a URL only, and
the import fetches the pages (or makes link-only articles).
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from tuireader.core.bridge import ForeignExport, ForeignWork, Skip
from tuireader.importers.base import ImportFailed
from tuireader.importers.foreign import ForeignFormatError, Progress
from tuireader.importers.foreign._readlater import (
    clean_tags,
    csv_rows,
    epoch_iso,
    head,
    headed_links,
    is_zip,
    open_source,
    read_bounded,
    zip_names,
)

NAME = "pocket"
LABEL = "Pocket export (CSV, part_*.csv folder or zip, or ril_export.html)"

_HEADER = re.compile(rb"^(?:\xef\xbb\xbf)?\s*title,url,time_added,(?:cursor,)?tags,status\s*$",
                     re.I | re.M)
_PART = re.compile(r"(?:^|/)part_\d+\.csv$", re.I)


def _is_pocket_csv(data: bytes) -> bool:
    first = data.split(b"\n", 1)[0].strip()
    return bool(_HEADER.match(first))


def _is_pocket_html(data: bytes) -> bool:
    low = data[:4096].lower()
    return b"<title>pocket export</title>" in low or (
        b"time_added=" in data[:65536].lower() and b"read archive" in data.lower())


def sniff(path: Path) -> bool:
    if path.is_dir():
        parts = sorted(p for p in path.glob("*.csv") if p.is_file())
        return bool(parts) and _is_pocket_csv(head(parts[0], 4096))
    if is_zip(path):
        return any(_PART.search(name) for name in zip_names(path))
    data = head(path, 4096)
    return _is_pocket_csv(data) or _is_pocket_html(data)


def read(path: Path, progress: Progress | None = None) -> ForeignExport:
    export = ForeignExport(NAME)
    if path.is_dir() or is_zip(path):
        with open_source(path) as source:
            export.skipped.extend(source.refused)
            parts = [n for n in source.names() if n.lower().endswith(".csv")
                     and (_PART.search(n) or path.is_dir())]
            if not parts:
                raise ForeignFormatError(f"{path}: no Pocket CSV files (part_000000.csv, …) in it")
            for name in parts:
                try:
                    data = source.read(name)
                except ImportFailed as exc:
                    export.skipped.append(Skip(str(exc), name))
                    continue
                if not _is_pocket_csv(data[:4096]):
                    export.skipped.append(Skip("not a Pocket CSV file (unexpected header)", name))
                    continue
                _read_csv(data, PurePosixPath(name).name, export)
                if progress:
                    progress(len(export.works), len(export.works))
        return export
    data = read_bounded(path)
    if _is_pocket_csv(data[:4096]):
        _read_csv(data, path.name, export)
    elif _is_pocket_html(data):
        _read_html(data, path.name, export)
    else:
        raise ForeignFormatError(f"{path}: not a Pocket export (CSV header "
                                 "title,url,time_added,tags,status or ril_export.html)")
    if progress:
        progress(len(export.works), len(export.works))
    return export


def _read_csv(data: bytes, name: str, export: ForeignExport) -> None:
    for where, row in csv_rows(data, name, export.skipped):
        tags = clean_tags((row.get("tags") or "").split("|"))
        _add(export, where, url=row.get("url") or "", title=row.get("title") or "",
             added=row.get("time_added") or "", tags=tags,
             archived=(row.get("status") or "").strip().lower() in {"archive", "archived",
                                                                   "read"})


def _read_html(data: bytes, name: str, export: ForeignExport) -> None:
    for heading, attrs, text, line in headed_links(data):
        tags = clean_tags((attrs.get("tags") or "").split(","))
        _add(export, f"{name} line {line}", url=attrs.get("href", ""), title=text,
             added=attrs.get("time_added", ""), tags=tags,
             archived="archive" in heading.lower())


def _add(export: ForeignExport, where: str, *, url: str, title: str, added: str,
         tags: list[str], archived: bool) -> None:
    url = url.strip()
    if not url:
        export.skipped.append(Skip("no URL", where))
        return
    if not url.lower().startswith(("http://", "https://")):
        export.skipped.append(Skip(f"not a web address: {url[:80]}", where))
        return
    title = " ".join(title.split())
    export.works.append(ForeignWork(
        title=title or url, url=url, tags=tags, archived=archived,
        added=epoch_iso(added), where=where))
