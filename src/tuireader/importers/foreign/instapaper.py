"""Instapaper's exports: the CSV and the HTML page.

The CSV is ``URL,Title,Selection,Folder`` and, since about 2020, ``Timestamp`` (Unix seconds).
``Folder`` is ``Unread``, ``Archive``, ``Starred`` or one of the user's folders: Archive becomes
the archived state, Starred the tag "starred", a user folder a tag of its name.  ``Selection`` is
the text the user had selected on the page when saving it: kept as a highlight (anchored once
the page is fetched), or as a note when it is only a web address.  The HTML export lists the
same links under one ``<h1>`` per folder.  No text is kept: the pages are fetched.
"""

from __future__ import annotations

import re
from pathlib import Path

from tuireader.core.bridge import ForeignExport, ForeignHighlight, ForeignWork, Skip
from tuireader.importers.foreign import ForeignFormatError, Progress
from tuireader.importers.foreign._readlater import (
    clean_tags,
    csv_rows,
    decode,
    epoch_iso,
    head,
    headed_links,
    read_bounded,
)

NAME = "instapaper"
LABEL = "Instapaper export (CSV or HTML)"

_HEADER = re.compile(r"^url,title,selection,folder(?:,timestamp)?(?:,.*)?$", re.I)
_URL_ONLY = re.compile(r"^\S+://\S+$")


def _is_csv(data: bytes) -> bool:
    first = decode(data.split(b"\n", 1)[0]).strip()
    return bool(_HEADER.match(first))


def _is_html(data: bytes) -> bool:
    return b"<title>instapaper: export</title>" in data[:4096].lower()


def sniff(path: Path) -> bool:
    data = head(path, 4096)
    return _is_csv(data) or _is_html(data)


def read(path: Path, progress: Progress | None = None) -> ForeignExport:
    data = read_bounded(path)
    export = ForeignExport(NAME)
    if _is_csv(data[:4096]):
        _read_csv(data, path.name, export)
    elif _is_html(data):
        for heading, attrs, text, line in headed_links(data):
            _add(export, f"{path.name} line {line}", url=attrs.get("href", ""), title=text,
                 folder=heading, selection="", timestamp="")
    else:
        raise ForeignFormatError(f"{path}: not an Instapaper export (CSV header "
                                 "URL,Title,Selection,Folder or the HTML export)")
    if progress:
        progress(len(export.works), len(export.works))
    return export


def _read_csv(data: bytes, name: str, export: ForeignExport) -> None:
    for where, row in csv_rows(data, name, export.skipped, fold_header=True):
        _add(export, where, url=row.get("url") or "", title=row.get("title") or "",
             folder=row.get("folder") or "", selection=row.get("selection") or "",
             timestamp=row.get("timestamp") or "")


def _add(export: ForeignExport, where: str, *, url: str, title: str, folder: str,
         selection: str, timestamp: str) -> None:
    url = url.strip()
    if not url:
        export.skipped.append(Skip("no URL", where))
        return
    if not url.lower().startswith(("http://", "https://")):
        export.skipped.append(Skip(f"not a web address: {url[:80]}", where))
        return
    folder = " ".join(folder.split())
    work = ForeignWork(title=" ".join(title.split()) or url, url=url, added=epoch_iso(timestamp),
                       where=where)
    lowered = folder.lower()
    if lowered == "archive":
        work.archived = True
    elif lowered == "starred":
        work.tags = ["starred"]
    elif lowered and lowered != "unread":
        work.tags = clean_tags([folder])
    selection = selection.strip()
    if selection and _URL_ONLY.match(selection):
        work.notes.append(selection)
    elif selection:
        work.highlights.append(ForeignHighlight(quote=selection, created=work.added,
                                                location="Instapaper selection"))
    export.works.append(work)
