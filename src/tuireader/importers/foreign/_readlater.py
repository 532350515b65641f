"""What the read-later readers share: bounded file and zip reading, dates, tags, readable copies.

Everything here treats the export as data: a zip member named ``../x`` or ``/etc/x`` is refused
(never followed), every member and file is read under a size cap (headers can lie, so the cap
is counted while reading), the number of members is bounded, and HTML is only ever parsed.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import os
import re
import stat
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from tuireader.core.bridge import Skip
from tuireader.core.isotime import parse_iso
from tuireader.core.model import ImportedArticle
from tuireader.importers.base import ImportFailed
from tuireader.importers.foreign import ForeignFormatError, _clip_common

#: One export file (a CSV, a JSON, a metadata file, the zip itself) is never read past this.
MAX_FILE_BYTES = 256 * 1024 * 1024
#: One member of an export zip (a readable copy, a highlights file, a CSV part).
MAX_MEMBER_BYTES = 32 * 1024 * 1024
#: All members of a zip together, decoded: a zip bomb stops here.
MAX_ZIP_TOTAL_BYTES = 1024 * 1024 * 1024
#: Members in one zip (an Omnivore export holds two per article, so 100,000 articles).
MAX_MEMBERS = 200_000
#: Bytes a sniffer reads: sniffing must stay cheap.
SNIFF_BYTES = 64 * 1024


def read_bounded(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of regular file ``path``; ForeignFormatError (one line) when it cannot be
    (the highlight readers' bounded read: a FIFO or device is refused without blocking)."""
    try:
        return _clip_common.read_bounded(path, limit)
    except _clip_common.ReadRefused as exc:
        raise ForeignFormatError(f"{path}: {exc}") from exc


def head(path: Path, size: int = SNIFF_BYTES) -> bytes:
    """The first ``size`` bytes of a regular file (b"" for anything else): for sniffers."""
    return _clip_common.head(path, size)


def decode(data: bytes) -> str:
    """UTF-8 (BOM dropped), else cp1252 as exports from old tools may be; never fails."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


class SafeZip:
    """A zip opened for reading members as data, under the caps above.

    Unsafe members (absolute paths, ``..``, links) are not offered; they are listed in
    :attr:`refused` as :class:`Skip` entries so the caller reports them.
    """

    def __init__(self, path: Path) -> None:
        try:
            self._zip = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile, ValueError) as exc:
            raise ForeignFormatError(f"{path}: not a readable zip file ({exc})") from exc
        infos = self._zip.infolist()
        if len(infos) > MAX_MEMBERS:
            self._zip.close()
            raise ForeignFormatError(f"{path}: the zip holds {len(infos):,} members (the limit "
                                     f"is {MAX_MEMBERS:,})")
        self.refused: list[Skip] = []
        self._members: dict[str, zipfile.ZipInfo] = {}
        self._total = 0
        for info in infos:
            if info.is_dir():
                continue
            name = info.filename
            parts = PurePosixPath(name.replace("\\", "/")).parts
            mode = (info.external_attr >> 16) & 0o170000
            if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
                self.refused.append(Skip("a zip member with an unsafe path (not read)", name))
            elif mode == stat.S_IFLNK:
                self.refused.append(Skip("a symbolic link in the zip (not followed)", name))
            else:
                self._members[name.replace("\\", "/")] = info

    def names(self) -> list[str]:
        return sorted(self._members)

    def read(self, name: str, limit: int = MAX_MEMBER_BYTES) -> bytes:
        """Member ``name``'s bytes; ImportFailed if it is over ``limit`` or the total cap."""
        info = self._members[name]
        if info.file_size > limit:
            raise ImportFailed(f"{name} is too large ({info.file_size:,} bytes; the limit is "
                               f"{limit:,})")
        try:
            with self._zip.open(info) as fh:
                data = fh.read(limit + 1)
        except (OSError, zipfile.BadZipFile, ValueError, EOFError) as exc:
            raise ImportFailed(f"{name}: cannot be read from the zip ({exc})") from exc
        if len(data) > limit:
            raise ImportFailed(f"{name} is too large (over {limit:,} bytes)")
        self._total += len(data)
        if self._total > MAX_ZIP_TOTAL_BYTES:
            raise ForeignFormatError(f"the zip decompresses to more than "
                                     f"{MAX_ZIP_TOTAL_BYTES:,} bytes: not read further")
        return data

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def csv_rows(data: bytes, name: str, skipped: list[Skip], *,
             fold_header: bool = False) -> Iterator[tuple[str, dict[str, str]]]:
    """Each row of a read-later CSV export, with where it is (``name row N``).  A row with more
    fields than the header is skipped with its reason; where the CSV stops being readable, the
    rest is one skip.  ``fold_header``: the header's names stripped and lower-cased."""
    # No NUL: Python 3.10's csv module stops at one (3.11's keeps it in the field).
    reader = csv.DictReader(io.StringIO(decode(data).replace("\x00", ""), newline=""))
    if fold_header:
        reader.fieldnames = [f.strip().lower() for f in (reader.fieldnames or [])]
    row_number = 0
    try:
        for row_number, row in enumerate(reader, start=1):
            where = f"{name} row {row_number}"
            if None in row:  # more fields than the header names
                skipped.append(Skip("a row with more fields than the header", where))
                continue
            yield where, row
    except csv.Error as exc:
        skipped.append(Skip(f"the CSV stops being readable: {exc}",
                            f"{name} after row {row_number}"))


def is_zip(path: Path) -> bool:
    return head(path, 4) == b"PK\x03\x04"


def epoch_iso(value: str | int | float | None) -> str:
    """Unix seconds (as the exports write them) as ISO 8601 UTC; "" for nothing or nonsense."""
    try:
        seconds = float(str(value).strip())
    except (TypeError, ValueError):
        return ""
    if not 0 < seconds < 32_503_680_000:  # year 3000
        return ""
    moment = _dt.datetime.fromtimestamp(int(seconds), _dt.timezone.utc)
    return moment.isoformat()


def iso_date(value: object) -> str:
    """An ISO 8601 date-time as an export wrote it ("2024-10-29T16:30:11.000Z",
    "2016-09-08T11:55:58+0200"), normalised; "" when it does not parse."""
    text = str(value or "").strip()
    if not text:
        return ""
    candidate = text.replace("Z", "+00:00")
    candidate = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", candidate)
    try:
        moment = parse_iso(candidate)
    except ValueError:
        return ""
    return moment.replace(microsecond=0).isoformat()


def truthy(value: object) -> bool:
    """JSON and CSV booleans: true, 1, "1", "true", "True", "yes"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return str(value or "").strip().lower() in {"1", "true", "yes", "on"}


def clean_tags(values: Iterable[object]) -> list[str]:
    """Tags as tuireader keeps them: stripped, no "#", no empties, no duplicates, in order."""
    out: list[str] = []
    for value in values:
        tag = " ".join(str(value or "").split()).lstrip("#").strip()
        if tag and tag not in out:
            out.append(tag[:200])
    return out


def readable_copy(data: bytes | str, *, url: str, title: str, source: str) -> ImportedArticle:
    """A readable copy another tool already made (Omnivore's, wallabag's), imported through the
    markdownify path *without* main-content extraction (it is the content already); the
    export's own title and URL win over what the copy says.  ImportFailed when it has no text."""
    from tuireader.importers.html import import_html

    raw = data.encode("utf-8") if isinstance(data, str) else data
    if not raw.strip():
        raise ImportFailed("the readable copy is empty")
    if b"<" not in raw[:4096]:  # plain text kept as HTML: paragraphs by blank lines
        import html

        text = decode(raw)
        paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
        raw = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs).encode("utf-8")
    base = url if url.startswith(("http://", "https://")) else None
    article = import_html(raw, source=source, base_url=base, extract=False)
    article.title = title or article.title
    article.url = url or article.url
    return article


def headed_links(data: bytes) -> list[tuple[str, dict[str, str], str, int]]:
    """The links of an export page laid out as ``<h1>List</h1><ul|ol><li><a ...>``: Pocket's
    ``ril_export.html`` (Unread / Read Archive) and Instapaper's HTML export (Unread, Archive,
    Starred, folders).  Each is (the heading above it, the link's attributes, its text, the
    line it is on).  Parsed by lxml as data; scripts are never run."""
    import lxml.html
    from lxml import etree

    text = decode(data)
    if not text.strip():
        return []
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ForeignFormatError(f"not a readable HTML export ({exc})") from exc
    heading = ""
    out: list[tuple[str, dict[str, str], str, int]] = []
    for el in root.iter("h1", "h2", "a"):
        if el.tag in ("h1", "h2"):
            heading = " ".join(el.text_content().split())
            continue
        if el.getparent() is None or el.getparent().tag != "li":
            continue
        attrs = {str(k).lower(): str(v) for k, v in el.attrib.items()}
        out.append((heading, attrs, " ".join(el.text_content().split()), el.sourceline or 0))
    return out


class FolderSource:
    """An unpacked export folder read like :class:`SafeZip`: files below it only (symbolic
    links are not followed), each under the member cap, their number bounded."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.refused: list[Skip] = []
        self._members: dict[str, Path] = {}
        for folder, dirs, files in os.walk(root, followlinks=False):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                path = Path(folder) / name
                rel = path.relative_to(root).as_posix()
                if path.is_symlink():
                    self.refused.append(Skip("a symbolic link (not followed)", rel))
                    continue
                self._members[rel] = path
                if len(self._members) > MAX_MEMBERS:
                    raise ForeignFormatError(f"{root}: more than {MAX_MEMBERS:,} files")

    def names(self) -> list[str]:
        return sorted(self._members)

    def read(self, name: str, limit: int = MAX_MEMBER_BYTES) -> bytes:
        try:
            return read_bounded(self._members[name], limit)
        except ForeignFormatError as exc:
            raise ImportFailed(str(exc)) from exc

    def close(self) -> None:
        pass

    def __enter__(self) -> FolderSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_source(path: Path) -> SafeZip | FolderSource:
    """A zip or a folder, as members to read."""
    return FolderSource(path) if path.is_dir() else SafeZip(path)


def zip_names(path: Path) -> list[str]:
    """The member names of a zip (for sniffers: the central directory only); [] if not one."""
    if not is_zip(path):
        return []
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.namelist()[:MAX_MEMBERS]
    except (OSError, zipfile.BadZipFile, ValueError):
        return []
