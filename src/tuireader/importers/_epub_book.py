"""The package of an EPUB (OPF metadata, manifest, spine, table of contents) read with ebooklib.

ebooklib reads EPUB 2 and 3 well but is strict where readers are lenient: a missing optional
file (an image, a stylesheet, the NCX) or a table of contents it cannot parse stops it.  Here
it reads through a :class:`~._epub_zip.BookZip` (bounded, checked), a missing file other than
the container and the OPF is noted instead of fatal, images and fonts are not read at all (the
text needs only their names), and a table of contents that fails is replaced by the other kind
(nav by NCX, NCX by nav), or by none.  What must be refused (no OPF, a spine pointing at files
that are not there) is refused with one line.
"""

from __future__ import annotations

import posixpath
import warnings
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from lxml import etree

from tuireader.importers._epub_zip import BookZip
from tuireader.importers.base import ImportFailed

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from ebooklib import epub

#: Media types whose bytes the text never needs (only their names are kept).
_SKIPPED_MEDIA = ("image/", "font/", "audio/", "video/", "application/font", "application/x-font",
                  "application/vnd.ms-opentype", "text/css")
_SKIPPED_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".svg", ".webp", ".bmp", ".tif", ".tiff",
                     ".otf", ".ttf", ".woff", ".woff2", ".css", ".mp3", ".mp4", ".m4a", ".ogg")
_CONTAINER = "META-INF/container.xml"
#: Nested TOC entries deeper than this are flattened to it (a hostile NCX can nest thousands).
MAX_TOC_DEPTH = 8


@dataclass(frozen=True)
class TocEntry:
    """One table-of-contents entry: its depth (0 = top), title and target in the book."""

    depth: int
    title: str
    file: str
    fragment: str


@dataclass
class SpineDoc:
    """One spine item: its href (as the OPF gives it, relative to the OPF) and content."""

    href: str
    media_type: str
    content: bytes


@dataclass
class BookPackage:
    """What the OPF says: metadata, the spine's documents in order, the table of contents."""

    title: str = ""
    authors: list[str] = field(default_factory=list)
    language: str = ""
    publisher: str = ""
    date: str = ""
    identifiers: list[str] = field(default_factory=list)
    series: str = ""
    cover: str = ""
    spine: list[SpineDoc] = field(default_factory=list)
    toc: list[TocEntry] = field(default_factory=list)
    #: Manifest files the zip does not hold (only optional ones: a missing spine file refuses).
    missing: list[str] = field(default_factory=list)


class _Reader(epub.EpubReader):
    """ebooklib's reader over a :class:`BookZip`, lenient about optional files."""

    def __init__(self, book_zip: BookZip) -> None:
        super().__init__("", {"ignore_ncx": True})
        self.book_zip = book_zip
        self.missing: list[str] = []
        self.opf_file: str = ""
        self.opf_dir: str = ""

    def _load(self) -> None:
        self.zf = self.book_zip
        self._load_container()
        self.opf_file = (self.book_zip.find(self.opf_file) or "") if self.opf_file else ""
        if not self.opf_file:  # none named, or not there: any OPF will do
            self.opf_file = next((n for n in self.book_zip.names() if n.lower().endswith(".opf")),
                                 "")
        self.opf_dir = posixpath.dirname(self.opf_file)
        if not self.opf_file:
            raise ImportFailed("not an EPUB: no OPF package file (the book's table of files)")
        self._load_opf_file()

    def read_file(self, name: str) -> bytes:
        name = posixpath.normpath(name)
        if name == _CONTAINER:
            return self.book_zip.read_optional(name) or b"<container/>"
        if name.lower().endswith(_SKIPPED_SUFFIXES):
            return b""
        try:
            return self.book_zip.read(name)
        except KeyError:
            if name == self.opf_file:
                raise
            self.missing.append(name)
            return b""

    def _load_spine(self) -> None:
        try:
            super()._load_spine()
        except (epub.EpubException, etree.LxmlError, AttributeError, IndexError, TypeError,
                KeyError, ValueError, RecursionError):
            self.book.toc = []  # an unreadable NCX: the nav, or no table of contents

    def _parse_nav(self, data: bytes, base_path: str, navtype: str = "toc") -> None:
        try:
            super()._parse_nav(data, base_path, navtype)
        except (etree.LxmlError, AttributeError, IndexError, TypeError, KeyError, ValueError,
                RecursionError):
            if navtype == "toc":
                self.book.toc = []

    def _parse_ncx(self, data: bytes) -> None:
        try:
            super()._parse_ncx(data)
        except (etree.LxmlError, AttributeError, IndexError, TypeError, KeyError, ValueError,
                RecursionError):
            self.book.toc = []


def read_package(book_zip: BookZip) -> BookPackage:
    """Read the OPF and what it names (see the module docstring)."""
    reader = _Reader(book_zip)
    try:
        book = reader.load()
    except ImportFailed:
        raise
    except KeyError as exc:
        raise ImportFailed("not an EPUB: no OPF package file (the book's table of files)") from exc
    except (epub.EpubException, etree.LxmlError, AttributeError, IndexError, TypeError,
            ValueError) as exc:
        raise ImportFailed(f"not a readable EPUB: its package file is broken ({exc})") from exc
    package = _metadata(book)
    package.missing = reader.missing
    opf_dir = reader.opf_dir
    package.spine = _spine(book, book_zip, opf_dir, set(reader.missing))
    has_nav = any(isinstance(i, epub.EpubNav) for i in book.get_items())
    if has_nav:
        package.toc = _toc(book.toc) or _ncx_toc(book, book_zip)
    else:  # ebooklib read the NCX, whose targets are relative to the NCX itself
        package.toc = _rebase(_toc(book.toc), book)
    return package


def _texts(book: Any, namespace: str, name: str) -> list[str]:
    try:
        values = book.get_metadata(namespace, name)
    except KeyError:
        return []
    return [" ".join(str(value).split()) for value, _ in values if value and str(value).strip()]


def _metadata(book: Any) -> BookPackage:
    package = BookPackage()
    package.title = next(iter(_texts(book, "DC", "title")), "")
    package.authors = list(dict.fromkeys(_texts(book, "DC", "creator")))
    package.language = next(iter(_texts(book, "DC", "language")), "")
    package.publisher = next(iter(_texts(book, "DC", "publisher")), "")
    package.date = next(iter(_texts(book, "DC", "date")), "")
    package.identifiers = [_identifier(v) for v in _texts(book, "DC", "identifier")]
    package.identifiers = [i for i in dict.fromkeys(package.identifiers) if i]
    opf = epub.NAMESPACES["OPF"]
    # <meta> elements, wherever this ebooklib files them (by name, or all under "meta").
    metas = [(value, attrs) for values in book.metadata.get(opf, {}).values()
             for value, attrs in values if isinstance(attrs, dict)]
    metas += [(value, attrs) for values in book.metadata.get("calibre", {}).values()
              for value, attrs in values if isinstance(attrs, dict)]
    for value, attrs in metas:
        if package.series:
            break
        if attrs.get("property") == "belongs-to-collection" and value:
            package.series = " ".join(str(value).split())
        elif attrs.get("name") == "calibre:series" and attrs.get("content"):
            package.series = " ".join(str(attrs["content"]).split())
    cover_id = next((str(a.get("content", "")) for _, a in metas if a.get("name") == "cover"), "")
    cover = book.get_item_with_id(cover_id) if cover_id else None
    if cover is None:
        cover = next((i for i in book.get_items() if isinstance(i, epub.EpubCover)), None)
    package.cover = str(getattr(cover, "file_name", "") or "")
    return package


def _identifier(value: str) -> str:
    """"scheme:value" for an OPF identifier: ISBNs and UUIDs recognised, others kept as given."""
    text = value.strip()
    low = text.lower()
    for prefix in ("urn:isbn:", "isbn:"):
        if low.startswith(prefix):
            return "isbn:" + text[len(prefix):].replace("-", "").replace(" ", "")
    for prefix in ("urn:uuid:", "uuid:"):
        if low.startswith(prefix):
            return "uuid:" + text[len(prefix):].lower()
    digits = text.replace("-", "").replace(" ", "")
    if len(digits) in (10, 13) and digits[:-1].isdigit() and (digits[-1].isdigit()
                                                              or digits[-1] in "xX"):
        return "isbn:" + digits
    if len(text) == 36 and text.count("-") == 4:
        return "uuid:" + low
    return text if ":" in text else f"id:{text}"


def _spine(book: Any, book_zip: BookZip, opf_dir: str, missing: set[str]) -> list[SpineDoc]:
    docs: list[SpineDoc] = []
    absent: list[str] = []
    for idref, _linear in book.spine:
        item = book.get_item_with_id(idref)
        if item is None:
            absent.append(str(idref))
            continue
        href = str(item.file_name or "")
        full = posixpath.normpath(posixpath.join(opf_dir, href))
        if full in missing or book_zip.find(full) is None:
            absent.append(href)
            continue
        content = item.content if isinstance(item.content, bytes) else b""
        docs.append(SpineDoc(href, str(getattr(item, "media_type", "") or ""), content))
    if absent:
        shown = ", ".join(repr(a) for a in absent[:3]) + (" ..." if len(absent) > 3 else "")
        raise ImportFailed(f"the EPUB's reading order names files it does not hold: {shown}")
    if not docs:
        raise ImportFailed("the EPUB's reading order (spine) is empty")
    return docs


def _split(href: str) -> tuple[str, str]:
    """A TOC target as (file, fragment)."""
    path, _, fragment = href.partition("#")
    path = unquote(path)
    return posixpath.normpath(path) if path else "", unquote(fragment)


def _toc(nodes: Any, depth: int = 0) -> list[TocEntry]:
    """ebooklib's nested TOC (Links, Sections, (Section, children) tuples) flattened in order.

    ebooklib gives nav hrefs joined with the nav's folder (relative to the OPF) and NCX hrefs
    as written (relative to the NCX, which sits by the OPF in practice).
    """
    entries: list[TocEntry] = []
    stack: list[tuple[Any, int]] = [(node, depth) for node in reversed(list(nodes or []))]
    while stack:
        node, level = stack.pop()
        children: list[Any] = []
        if isinstance(node, tuple) and len(node) == 2:
            node, children = node[0], list(node[1] or [])
        title = " ".join(str(getattr(node, "title", "") or "").split())
        href = str(getattr(node, "href", "") or "")
        if title:
            file, fragment = _split(href) if href else ("", "")
            entries.append(TocEntry(min(level, MAX_TOC_DEPTH), title, file, fragment))
        stack.extend((child, level + 1) for child in reversed(children))
    return entries


def _rebase(entries: list[TocEntry], book: Any) -> list[TocEntry]:
    """NCX targets (relative to the NCX) made relative to the OPF, as the manifest's hrefs."""
    ncx = next((i for i in book.get_items() if isinstance(i, epub.EpubNcx)), None)
    ncx_dir = posixpath.dirname(str(getattr(ncx, "file_name", "") or ""))
    if not ncx_dir:
        return entries
    return [TocEntry(e.depth, e.title, posixpath.normpath(posixpath.join(ncx_dir, e.file))
                     if e.file else "", e.fragment) for e in entries]


def _ncx_toc(book: Any, book_zip: BookZip) -> list[TocEntry]:
    """The NCX's entries when the nav gave none (ebooklib reads the NCX only without a nav)."""
    ncx = next((i for i in book.get_items() if isinstance(i, epub.EpubNcx)), None)
    if ncx is None or not ncx.content:
        return []
    reader = _Reader(book_zip)
    reader._parse_ncx(ncx.content)  # lenient: a broken NCX leaves no entries
    return _rebase(_toc(reader.book.toc), book)
