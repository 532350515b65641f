"""HTML import: bytes of a web page in, a clean Markdown article with its metadata out.

The pipeline is bounded at every step so that hostile input fails fast with a one-line reason:
size cap → binary sniff → charset (BOM, HTTP header, ``<meta>``, detection) → one lxml parse with
nesting flattened → metadata → link hygiene → main-content extraction (trafilatura, checked by
readability-lxml when it looks short, see :mod:`._extract`) → Markdown by markdownify, chunk by
chunk (:mod:`._markdown`, :mod:`.markdown`).  No step keeps state between calls, so imports can
run in worker threads.
"""

from __future__ import annotations

import re

from lxml import etree

from tuireader.importers import _extract, _furniture, _metadata, _tree
from tuireader.importers._markdown import to_markdown
from tuireader.importers.base import ImportedArticle, ImportFailed, clean_metadata
from tuireader.importers.encoding import bom_encoding, decode_text, inert_controls, sniff_binary

#: Pages above this size are refused outright (no real article page is this big).
MAX_HTML_BYTES = 50_000_000
#: Above these sizes (elements / characters of text, after junk removal) the extractors are
#: skipped: their cost grows faster than linearly (minutes for an 8 MB page), and the biggest
#: ``<article>``/``<main>`` (or the body) is kept whole.  The largest page in the test corpus has
#: ~9,500 elements and ~0.5 MB of text.
MAX_EXTRACT_ELEMENTS = 25_000
MAX_EXTRACT_CHARS = 1_500_000

_WORD = re.compile(r"\w+")


def decode_html(data: bytes, charset: str | None = None) -> str:
    """Decode an HTML page: BOM, then the HTTP charset, then ``<meta charset>``, then detection."""
    if bom_encoding(data):
        return inert_controls(decode_text(data))
    return inert_controls(decode_text(data, charset or _tree.meta_charset(data)))


def import_html(
    data: bytes, *, source: str = "", base_url: str | None = None, charset: str | None = None,
    extract: bool = True,
) -> ImportedArticle:
    """Turn the bytes of an HTML page into an :class:`ImportedArticle`.

    ``base_url`` is the page's own URL (for resolving relative links); ``charset`` is the charset
    an HTTP header declared.  ``extract=False`` keeps the whole body (a readable copy another
    tool already extracted: Omnivore's, wallabag's).  Raises :class:`ImportFailed` with a
    one-line reason when the input cannot give an article (empty, binary, too large, no
    article text).
    """
    if not data or not data.strip():
        raise ImportFailed("the file is empty")
    if len(data) > MAX_HTML_BYTES:
        raise ImportFailed(
            f"the page is too large ({len(data) / 1e6:.0f} MB; the limit is "
            f"{MAX_HTML_BYTES / 1e6:.0f} MB)"
        )
    kind = sniff_binary(data)
    if kind:
        raise ImportFailed(f"not an HTML page: it looks like {kind}")
    text = decode_html(data, charset)
    if text.count("<") > MAX_EXTRACT_ELEMENTS * 3:
        # Far too many tags for the extractors: skip lxml.html's per-element Python classes.
        root = _tree.parse_html(text, plain=True)
        large = True
    else:
        root = _tree.parse_html(text)
        large = False
    base = _tree.base_url_of(root, base_url)
    meta = _metadata.extract(root, base)
    _furniture.keep_math(root)
    _furniture.remove(root)
    _tree.strip_junk(root)
    _tree.fix_links(root, base)
    large = large or not _within(_size(root), (MAX_EXTRACT_ELEMENTS, MAX_EXTRACT_CHARS))
    if not extract:
        body = root.find("body")
        article = body if body is not None else root
    elif large:
        article = _extract.main_container(root)
    else:
        chosen = _extract.extract(root)
        if chosen is None or chosen.element is None:
            raise ImportFailed("no article text found in the page")
        article = chosen.element
    markdown = to_markdown(article)
    markdown = _drop_leading_title(markdown, meta.title)
    if not _WORD.search(markdown):
        raise ImportFailed("no article text found in the page")
    return clean_metadata(ImportedArticle(
        title=meta.title or _first_words(markdown),
        markdown=markdown,
        author=meta.author,
        site=meta.site,
        published=meta.published,
        language=meta.language,
        url=meta.url,
        source=source,
        excerpt=meta.excerpt,
    ))


def _size(element: etree._Element) -> tuple[int, int]:
    """(elements, characters of text) in ``element``; both bound the cost of extraction."""
    return int(element.xpath("count(.//*)")), int(element.xpath("string-length(string())"))


def _within(size: tuple[int, int], limits: tuple[int, int]) -> bool:
    return size[0] <= limits[0] and size[1] <= limits[1]


def _drop_leading_title(markdown: str, title: str) -> str:
    """The reader shows the title from metadata, so a first heading that repeats it goes."""
    first, _, rest = markdown.partition("\n")
    if first.startswith("#") and title:
        heading = " ".join(first.lstrip("#").split()).casefold()
        wanted = " ".join(title.split()).casefold()
        close = heading in wanted and len(heading) * 3 >= len(wanted) * 2
        if heading and (heading == wanted or close):
            return rest.lstrip("\n")
    return markdown


_MARKUP = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|[*_`#>|\\]+|^\s*(?:[-+]|\d+[.)])\s+", re.M)


def _first_words(markdown: str, limit: int = 8) -> str:
    """A title from the text itself: the first words of the first line, as written.

    Words are split on whitespace only, so "hasn't" and "U.S." keep their punctuation.
    """
    for line in markdown.split("\n"):
        words = _MARKUP.sub(r"\1", line).replace("¶", " ").split()
        if any(_WORD.search(word) for word in words):
            title = " ".join(words[:limit])
            return title.rstrip(",;:") if len(words) > limit else title
    return "Untitled"
