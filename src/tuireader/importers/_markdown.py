"""Main-content HTML to clean Markdown: a direct lxml-tree converter plus a whitespace pass.

:func:`._fastmd.tree_markdown` does the structural work (headings, lists, quotes, emphasis, code,
tables, links, images) straight from the lxml tree the extractors return.  It replaced markdownify
here, which needed the tree serialised and parsed again by BeautifulSoup and took about as long
as both extractors together; its output scored the same or lower on the benchmark.  Input is the
already-extracted article, depth-limited before conversion so the recursion stays bounded.
"""

from __future__ import annotations

import re

import lxml.html

from tuireader.importers._fastmd import tree_markdown
from tuireader.importers._tree import drop_keeping_tail, limit_depth

#: Deepest nesting handed to the converter (two or three Python frames per level).
MARKDOWN_DEPTH = 120

#: Elements whose content is never article text.
DROP_TAGS = (
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas",
    "form", "button", "input", "select", "textarea", "nav", "math", "audio", "video", "link",
    "meta", "head", "dialog",
)

_BLANKS = re.compile(r"\n{3,}")
_TRAILING = re.compile(r"[ \t]+$", re.M)
_EMPTY_LINK = re.compile(r"\[\s*\]\([^)]*\)")
_EMPTY_EMPHASIS = re.compile(r"(?<![*\w])(\*\*|\*)\s*\1(?![*\w])")
_MAYBE_EMPTY_EMPHASIS = re.compile(r"\*\s*\*")
_TAG_LEFTOVER = re.compile(r"</?(?:div|span|font|section|article|script|style)\b[^>]*>", re.I)


def prepare(element: lxml.html.HtmlElement) -> None:
    """Remove non-content elements from ``element`` in place (before conversion)."""
    doomed = [node for node in element.iter(*DROP_TAGS) if node is not element]
    doomed += [node for node in element.iter() if not isinstance(node.tag, str)]
    for node in doomed:
        drop_keeping_tail(node)


def to_markdown(element: lxml.html.HtmlElement) -> str:
    """Convert the article ``element`` to tidy Markdown."""
    prepare(element)
    limit_depth(element, MARKDOWN_DEPTH)
    return tidy(tree_markdown(element))


def tidy(markdown: str) -> str:
    """Normalise whitespace and drop leftovers (empty links and emphasis, stray tags)."""
    text = markdown.replace("\r\n", "\n").replace("\xa0", " ")
    text = _EMPTY_LINK.sub("", text)
    text = _TAG_LEFTOVER.sub("", text)
    if _MAYBE_EMPTY_EMPHASIS.search(text):  # the full pattern is slow to scan for
        text = _EMPTY_EMPHASIS.sub("", text)
    if " \n" in text or "\t\n" in text or text.endswith((" ", "\t")):
        text = _TRAILING.sub("", text)
    lines = [line for line in text.split("\n") if line.strip() not in ("-", "*", "#", "\\")]
    text = "\n".join(lines)
    text = _BLANKS.sub("\n\n", text)
    return text.strip() + "\n" if text.strip() else ""
