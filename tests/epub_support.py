"""EPUBs made in the tests: with ebooklib (EPUB 3 with nav, NCX-only, nested TOCs), or zipped by
hand when the point is a broken or hostile zip (ebooklib cannot write those)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ebooklib import epub


def chapter(file_name: str, title: str, body: str) -> epub.EpubHtml:
    item = epub.EpubHtml(title=title, file_name=file_name, lang="en")
    item.content = f"<html><head><title>{title}</title></head><body>{body}</body></html>"
    return item


def make_book(path: Path, chapters: list[epub.EpubHtml], *, toc: object = None,
              nav: bool = True, ncx: bool = True, identifier: str = "urn:isbn:9780000000002",
              title: str = "A Made Book", series: str = "") -> Path:
    """Write an EPUB with ``chapters`` in the spine; ``toc`` defaults to one link each."""
    book = epub.EpubBook()
    book.set_identifier(identifier)
    book.set_title(title)
    book.set_language("en")
    book.add_author("Ada Author")
    book.add_metadata("DC", "publisher", "Test Press")
    book.add_metadata("DC", "date", "2001-02-03")
    if series:
        book.add_metadata(None, "meta", "", {"name": "calibre:series", "content": series})
    for item in chapters:
        book.add_item(item)
    book.toc = toc if toc is not None else [epub.Link(c.file_name, c.title, c.file_name)
                                            for c in chapters]
    if ncx:
        book.add_item(epub.EpubNcx())
    if nav:
        book.add_item(epub.EpubNav())
    book.spine = list(chapters)
    epub.write_epub(str(path), book, {})
    return path


CONTAINER = (b'<?xml version="1.0"?><container version="1.0" '
             b'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
             b'<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
             b'</rootfiles></container>')


def opf(items: list[tuple[str, str, str]], spine: list[str], *, version: str = "2.0",
        ncx: str = "") -> bytes:
    """An OPF naming ``items`` (id, href, media type), ``spine`` (ids) and an optional NCX id."""
    manifest = "".join(f'<item id="{i}" href="{h}" media-type="{m}"/>' for i, h, m in items)
    refs = "".join(f'<itemref idref="{i}"/>' for i in spine)
    toc = f' toc="{ncx}"' if ncx else ""
    return (f'<?xml version="1.0" encoding="utf-8"?><package xmlns="http://www.idpf.org/2007/opf" '
            f'version="{version}" unique-identifier="uid"><metadata '
            f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Hand Made</dc:title>'
            f'<dc:creator>Hand Author</dc:creator><dc:language>en</dc:language>'
            f'<dc:identifier id="uid">urn:uuid:12345678-1234-1234-1234-1234567890ab</dc:identifier>'
            f'</metadata><manifest>{manifest}</manifest><spine{toc}>{refs}</spine></package>'
            ).encode()


def xhtml(body: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml" '
            f'xmlns:epub="http://www.idpf.org/2007/ops"><head><title>t</title></head>'
            f'<body>{body}</body></html>').encode()


def raw_book(path: Path, files: dict[str, bytes], *, container: bool = True) -> Path:
    """Zip ``files`` (name -> bytes) as an EPUB: mimetype first and stored, then the rest."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        if container:
            zf.writestr("META-INF/container.xml", CONTAINER)
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def simple_files(**extra: bytes) -> dict[str, bytes]:
    """A minimal valid hand-made book: two chapters, no TOC."""
    files = {
        "OEBPS/content.opf": opf([("c1", "c1.xhtml", "application/xhtml+xml"),
                                  ("c2", "c2.xhtml", "application/xhtml+xml")], ["c1", "c2"]),
        "OEBPS/c1.xhtml": xhtml("<h1>One</h1><p>First chapter text.</p>"),
        "OEBPS/c2.xhtml": xhtml("<h1>Two</h1><p>Second chapter text.</p>"),
    }
    files.update(extra)
    return files
