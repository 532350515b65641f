"""An article element cut into chunks of serialised HTML, each ending between two blocks.

The converter (:mod:`.markdown`) never hands markdownify a whole page: the article's top-level
children are serialised in order and grouped into chunks of about :data:`CHUNK_CHARS`
characters, so memory grows with a chunk, not with the page.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

from lxml import etree

#: Serialised HTML per markdownify call: large enough that normal articles are one or two calls,
#: small enough that BeautifulSoup's tree (about 20 times the HTML) stays a few MB.
CHUNK_CHARS = 128_000
#: A top-level container with more elements than this is opened and its children chunked too
#: (a whole book inside one ``<div>``).
OPEN_ELEMENTS = 2_000

#: Containers that may be split between their children without changing the Markdown.
_SPLITTABLE = frozenset(
    {
        "div",
        "section",
        "article",
        "main",
        "body",
        "html",
        "span",
        "font",
        "center",
        "header",
        "footer",
        "td",
        "th",
    }
)
#: Tags markdownify does not know that must still start a block of their own (otherwise their
#: text runs into the next paragraph: "2015The Arduino").
EXTRA_BLOCKS = (
    "header",
    "footer",
    "main",
    "aside",
    "nav",
    "figure",
    "details",
    "summary",
    "address",
    "center",
    "hgroup",
    "fieldset",
    "form",
    "menu",
    "dir",
    "search",
    "dialog",
    "body",
    "html",
    "legend",
    "noscript",
    "dt",
    "dd",
    "caption",
)
BLOCK_TAGS = frozenset(
    (
        *EXTRA_BLOCKS,
        "p",
        "div",
        "section",
        "article",
        "blockquote",
        "pre",
        "ul",
        "ol",
        "li",
        "dl",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
        "hr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "figcaption",
        "listing",
        "xmp",
        "plaintext",
    )
)


def _serialise(node: etree._Element) -> str:
    return etree.tostring(node, method="html", encoding="unicode", with_tail=True)


_INLINE, _BLOCK, _CUT = 0, 1, 2


def _inside(node: etree._Element) -> Iterator[Any]:
    """``node``'s text as a piece, then its children (elements, serialised with their tails)."""
    if node.text:
        yield html.escape(node.text, quote=False), _INLINE
    yield from node


def _opened(node: etree._Element) -> Iterator[Any]:
    """A container taken apart: its edges become chunk cuts, its tail a text piece."""
    block = node.tag in BLOCK_TAGS
    if block:
        yield "", _CUT
    yield from _inside(node)
    if block:
        yield "", _CUT
    if node.tail:
        yield html.escape(node.tail, quote=False), _INLINE


def _pieces(element: etree._Element) -> Iterator[tuple[str, int]]:
    """``element``'s content in order as (markup, kind) pieces; kind is inline, block or cut.

    A large plain container (a book inside one ``<div>``) is opened rather than serialised
    whole, with an explicit stack: no recursion, however deep the containers go.
    """
    stack: list[Iterator[Any]] = [_inside(element)]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
        elif isinstance(item, tuple):
            yield item
        elif not isinstance(item.tag, str):
            if item.tail:
                yield html.escape(item.tail, quote=False), _INLINE
        elif item.tag in _SPLITTABLE and len(item) and sum(1 for _ in item.iter()) > OPEN_ELEMENTS:
            stack.append(_opened(item))
        else:
            yield _serialise(item), _BLOCK if item.tag in BLOCK_TAGS else _INLINE


def chunks(element: etree._Element, limit: int = CHUNK_CHARS) -> Iterator[str]:
    """Serialised chunks of ``element``'s content, each cut between two blocks."""
    buffer: list[str] = []
    size = 0
    for markup, kind in _pieces(element):
        if kind != _INLINE and buffer and (size >= limit or kind == _CUT):
            yield "<div>" + "".join(buffer) + "</div>"
            buffer, size = [], 0
        if markup:
            buffer.append(markup)
            size += len(markup)
    if buffer:
        yield "<div>" + "".join(buffer) + "</div>"
