"""EPUB import: a book becomes one article, its spine documents in reading order.

The zip is checked before anything is parsed (:mod:`._epub_zip`: DRM, zip bombs, unsafe
paths), the package read with ebooklib (:mod:`._epub_book`: metadata, spine, table of
contents), and each spine document converted by the HTML import's markdownify path without
main-content extraction (a book has no boilerplate).  Per document, before conversion:

* the lenient HTML parser reads it, as readers do with XHTML that is not well-formed;
* links inside the book become their text (a target would be broken outside it); web links
  stay;
* a note reference shows as ``[1]``, the note keeps its text and its way back (``↩``); a
  pop-up footnote (``<aside>``) moves to just after the paragraph that calls it;
* an image becomes ``[image: its alt text]`` or ``[image]``: never a broken link;
* each table-of-contents entry gets a heading where the book has none: a short first line
  that is the entry's title becomes that heading, otherwise the title is inserted.

Every spine document's place in the article's plain text is kept as a
:class:`~tuireader.core.model.SpineItem` (1-based index, start, end), so positions from other
tools (KOReader's ``DocFragment[N]``, EPUB CFIs) can be mapped onto the article.
"""

from __future__ import annotations

import hashlib
import re
from itertools import pairwise
from pathlib import Path

from lxml import etree

from tuireader.core.document import Document, parse_parts, sanitize, split_chunks
from tuireader.core.model import SpineItem
from tuireader.importers import _markdown, _tree
from tuireader.importers._epub_book import BookPackage, SpineDoc, TocEntry, read_package
from tuireader.importers._epub_zip import BookZip
from tuireader.importers.base import ImportedArticle, ImportFailed, clean_metadata
from tuireader.importers.encoding import bom_encoding, decode_text, inert_controls

__all__ = ["import_epub"]

_HTML_TYPES = ("application/xhtml+xml", "text/html", "application/html")
_HTML_SUFFIXES = (".xhtml", ".html", ".htm", ".xml")
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_WEB = ("http://", "https://", "mailto:")
_NOTEREF = re.compile(r"\bnoteref\b")
#: The blocks a footnote is placed after (the one around its reference).
_NOTE_HOSTS = frozenset({"p", "div", "blockquote", "pre", "ul", "ol", "dl", "table", "h1", "h2",
                         "h3", "h4", "h5", "h6", "section", "figure"})
#: A first line longer than this is text, not a chapter title.
_TITLE_CHARS = 160
_WORD = re.compile(r"\w+")


def import_epub(path: Path) -> ImportedArticle:
    """Read the EPUB at ``path`` into one article (a "book"); ImportFailed with one line when
    it cannot be read safely or holds no text."""
    data_hash = _file_md5(path)
    with BookZip(path) as book_zip:
        package = read_package(book_zip)
    markdown, spine, document = convert_spine(package)
    if not _WORD.search(markdown):
        raise ImportFailed("the EPUB holds no text (images only, or empty chapters)")
    identifiers = [*package.identifiers, f"md5:{data_hash}"]
    article = ImportedArticle(
        title=package.title or path.stem,
        markdown=markdown,
        author=", ".join(package.authors),
        published=package.date,
        language=package.language,
        source=str(path.resolve()),
        kind="book",
        identifiers=identifiers,
        publisher=package.publisher,
        series=package.series,
        spine=spine,
    )
    if document is not None:
        article.keep_parse(document)  # the store's parse, made once (see convert_spine)
    return clean_metadata(article)


def _file_md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise ImportFailed(exc.strerror or str(exc)) from exc
    return digest.hexdigest()


def convert_spine(package: BookPackage) -> tuple[str, list[SpineItem], Document | None]:
    """The book's Markdown (spine documents joined by blank lines), its spine map and, when
    it is that Markdown's parse, the Document the parts' blocks make.

    Each document is converted, then parsed on its own (one parser for all:
    :func:`~tuireader.core.document.parse_parts`), its blocks' offsets continuing as in the
    whole book's plain text, where blocks are joined by
    :data:`~tuireader.core.document.BLOCK_SEP`: so each document's text is found exactly.
    Those blocks are kept as the book's Document (the store's parse, not made twice) only when
    :func:`parses_as_joined` says they are what ``parse_markdown`` of the whole would give.
    """
    by_file: dict[str, list[TocEntry]] = {}
    for entry in package.toc:
        by_file.setdefault(entry.file, []).append(entry)
    markdowns = [convert_document(doc, by_file.get(doc.href, [])) for doc in package.spine]
    spine: list[SpineItem] = []
    kept: list[str] = []  # the documents with blocks (even one without text: a rule)
    document = Document()
    offset = 0
    for index, (doc, markdown, blocks) in enumerate(
            zip(package.spine, markdowns, parse_parts(markdowns), strict=True), start=1):
        start, end = (blocks[0].start, blocks[-1].end) if blocks else (offset, offset)
        offset = end
        if blocks:
            kept.append(markdown.rstrip("\n"))
            document.extend(blocks)
        entries = by_file.get(doc.href, [])
        title = entries[0].title if entries else next(
            (b.text for b in blocks if b.kind == "heading"), "")
        spine.append(SpineItem(index, doc.href, start, end, title))
    whole = ("\n\n".join(kept) + "\n") if kept else ""
    return whole, spine, document if parses_as_joined(kept, whole) else None


#: What can carry meaning across a blank line in CommonMark, which the whole book's parse
#: (cut only at ``split_chunks``'s cuts) and the parts' parse (cut at every part too) may read
#: differently: a link reference definition (``[label]: url``, used anywhere after it) and an
#: HTML block of the kinds that run past blank lines (``<pre>``, ``<!--`` ...), whose start is
#: a line's first ``<``, after any list or quote markers.  Found anywhere, the parts' parse is
#: not used (the store parses the whole: correct, one parse slower).
_HTML_BLOCK_START = re.compile(r"^[ \t>*+\-\d.)]*<", re.MULTILINE)
_FENCE_LINE = re.compile(r"^[ \t>*+\-\d.)]*(?:```|~~~)", re.MULTILINE)


def _crosses_blank_lines(whole: str) -> bool:
    """A reference definition's ``]:`` or an HTML block's start anywhere (the substring
    searches first: most books have neither, and those take a millisecond)."""
    return "]:" in whole or ("<" in whole and _HTML_BLOCK_START.search(whole) is not None)


def parses_as_joined(parts: list[str], whole: str) -> bool:
    """Whether the blocks of ``parts`` parsed one by one (:func:`parse_parts`) are the blocks
    of ``whole`` (the parts joined by blank lines) as ``parse_markdown`` parses it.

    ``parse_markdown`` itself parses in chunks, cut where
    :func:`~tuireader.core.document.split_chunks` finds a blank line that parses the same
    alone as together (outside a code fence, followed by an unindented line).  So the parts'
    parse is the same when every join between two parts is such a cut, and nothing in the
    text carries across a blank line (:func:`_crosses_blank_lines`).  Cheap next to a parse: two
    regular-expression scans, and the cuts only when the book has a code fence.
    """
    if sanitize(whole) is not whole or _crosses_blank_lines(whole):
        return False  # sanitising would move offsets; see _crosses_blank_lines
    joins: list[int] = []
    offset = 0
    for previous, part in pairwise(parts):
        offset += len(previous) + 2
        start = offset + len(part) - len(part.lstrip("\n"))
        if start >= len(whole) or whole[start] in " \t":
            return False  # an indented start continues the part before it
        joins.append(start)
    if not joins or ("```" not in whole and "~~~" not in whole) or \
            _FENCE_LINE.search(whole) is None:
        return True
    cuts: set[int] = set()
    position = 0
    for chunk in split_chunks(whole, 1):  # every cut it would make
        position += len(chunk)
        cuts.add(position)
    return all(join in cuts for join in joins)


def convert_document(doc: SpineDoc, entries: list[TocEntry]) -> str:
    """One spine document as Markdown ("" for a document that is not HTML or has no text)."""
    if doc.media_type not in _HTML_TYPES and not doc.href.lower().endswith(_HTML_SUFFIXES):
        return ""
    if not doc.content.strip():
        return ""
    try:
        root = _tree.parse_html(_decode(doc.content))
    except ImportFailed:
        return ""  # a document with nothing in it
    body = root.find("body")
    if body is None:
        body = root
    _tree.strip_junk(body)
    _prepare(body)
    _add_headings(body, entries)
    return _markdown.to_markdown(body)


def _decode(data: bytes) -> str:
    """As the HTML import decodes a page (BOM, then ``<meta charset>`` or the XML declaration,
    then detection), without loading its extractors."""
    if bom_encoding(data):
        return inert_controls(decode_text(data))
    return inert_controls(decode_text(data, _tree.meta_charset(data)))


def _prepare(body: etree._Element) -> None:
    """Links, note references and images, before conversion (see the module docstring)."""
    for nav in body.iter("nav"):
        nav.tag = "div"  # a table-of-contents page in the spine is part of the book
    notes: list[tuple[etree._Element, str]] = []
    for link in body.iter("a"):
        href = (link.get("href") or "").strip()
        kind = f"{link.get('epub:type') or ''} {link.get('role') or ''}"
        if _NOTEREF.search(kind) or kind.strip() == "doc-noteref":
            _bracket(link)
            if href.startswith("#"):
                notes.append((link, href[1:]))
        if not href.lower().startswith(_WEB):
            # Text only: a target inside the book would be broken outside it.  As a <span>
            # (unwrapped before conversion), a contents page is not taken for a link list.
            link.tag = "span"
            link.attrib.pop("href", None)
    if notes:
        _footnotes_by_their_references(body, notes)
    for img in list(body.iter("img", "image")):
        alt = " ".join(str(img.get("alt") or img.get("title") or "").split())
        text = f"[image: {alt}]" if alt else "[image]"
        marker = etree.Element("span")
        marker.text = text
        marker.tail = img.tail
        parent = img.getparent()
        if parent is not None:
            parent.replace(img, marker)


def _footnotes_by_their_references(body: etree._Element,
                                   notes: list[tuple[etree._Element, str]]) -> None:
    """A pop-up footnote (an ``<aside>`` in the same document, which readers show when its
    reference is tapped) moved to just after the block holding its first reference: the note
    reads where it is called, its text kept once."""
    asides = {str(a.get("id")): a for a in body.iter("aside") if a.get("id")}
    moved: set[str] = set()
    for link, fragment in notes:
        aside = asides.get(fragment)
        if aside is None or fragment in moved or any(a is aside for a in link.iterancestors()):
            continue
        block = next((a for a in link.iterancestors() if a.tag in _NOTE_HOSTS), None)
        if block is None or block is body or any(a is aside for a in block.iterancestors()):
            continue
        moved.add(fragment)
        if aside.tail and aside.tail.strip():
            previous = aside.getprevious()
            parent = aside.getparent()
            if previous is not None:
                previous.tail = (previous.tail or "") + aside.tail
            elif parent is not None:
                parent.text = (parent.text or "") + aside.tail
        aside.tail = None
        block.addnext(aside)


def _bracket(link: etree._Element) -> None:
    """A note reference's text in brackets ("[12]"), so it reads as one and finds its note."""
    text = "".join(link.itertext()).strip()
    if not text or text.startswith("["):
        return
    for child in list(link):
        link.remove(child)
    link.text = f"[{text}]"


def _add_headings(body: etree._Element, entries: list[TocEntry]) -> None:
    """Give each table-of-contents entry that targets this document a heading."""
    done: set[int] = set()
    ids: dict[str, etree._Element] | None = None
    for entry in entries:
        if entry.fragment and ids is None:  # one walk, however many entries
            ids = {}
            for el in body.iter():
                ids.setdefault(str(el.get("id") or ""), el)
        target = ids.get(entry.fragment) if entry.fragment and ids is not None else body
        if target is None or id(target) in done:
            continue
        done.add(id(target))
        first = _first_text_element(target)
        if first is not None and first.tag in _HEADINGS:
            continue
        level = f"h{min(entry.depth + 1, 6)}"
        if first is not None and len(first) <= 3 and _same_title(
                " ".join("".join(first.itertext()).split())[:_TITLE_CHARS + 1], entry.title):
            first.tag = level  # the book's own title line, made a heading
            continue
        heading = etree.Element(level)
        heading.text = entry.title
        if target is body:
            body.insert(0, heading)
            heading.tail, body.text = body.text, None
        else:
            target.addprevious(heading)


def _first_text_element(target: etree._Element) -> etree._Element | None:
    """The element that holds the first visible text at or after ``target`` (a heading is
    returned as itself)."""
    for el in target.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in _HEADINGS:
            return el
        if (el.text or "").strip():
            return el
        for child in el:
            if (child.tail or "").strip():
                return el
    following = target.getnext()
    if target.tag in ("a", "span") and following is not None and following.tag in _HEADINGS:
        return following  # an empty anchor just before a heading
    return None


def _same_title(text: str, title: str) -> bool:
    a = " ".join(_WORD.findall(text.casefold()))
    b = " ".join(_WORD.findall(title.casefold()))
    return bool(a) and a == b
