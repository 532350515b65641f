"""A linear-time HTML → Markdown pass for pages too large for the extractors and markdownify.

Both extractors and markdownify cost far more than linear time on big trees (an 8 MB page took
minutes), so above a size limit the importer keeps the whole main container and converts it with
this single walk: headings, paragraphs, list items, quotes, code blocks and links survive;
everything else becomes plain paragraphs.  One pass with an explicit stack: no recursion.
"""

from __future__ import annotations

import re

from lxml import etree

from tuireader.importers._tree import is_safe_url

_BLOCKS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "main",
        "header",
        "footer",
        "aside",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "blockquote",
        "pre",
        "table",
        "tr",
        "td",
        "th",
        "figure",
        "figcaption",
        "hr",
        "br",
        "address",
        "details",
        "summary",
    ]
)
_SPACE = re.compile(r"\s+")


def main_container(root: etree._Element) -> etree._Element:
    """The element likely to hold the article: the biggest ``<article>``/``<main>``, or body."""
    candidates = root.xpath("//article | //main | //*[@role='main']")
    best = max(candidates, key=_text_length, default=None)
    if best is not None and _text_length(best) > 200:
        return best
    body = root.find("body")
    return body if body is not None else root


def _text_length(element: etree._Element) -> int:
    return int(element.xpath("string-length(string())"))


class _Writer:
    """Collects inline text into the current block and emits finished blocks."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.inline: list[str] = []
        self.prefix = ""
        #: Index in ``inline`` of an open link's "[", or None.
        self.link_at: int | None = None
        self.link_broken = False

    def open_link(self) -> None:
        self.link_at = len(self.inline)
        self.link_broken = False
        self.inline.append("[")

    def close_link(self, target: str) -> None:
        if self.link_at is not None and not self.link_broken:
            self.inline.append(f"]({target})")
        self.link_at = None

    def text(self, value: str | None) -> None:
        if value:
            self.inline.append(value)

    def flush(self) -> None:
        if self.link_at is not None:
            # A block inside a link: Markdown cannot express it, keep the text only.
            self.inline[self.link_at] = ""
            self.link_at = None
            self.link_broken = True
        words = _SPACE.sub(" ", "".join(self.inline)).strip()
        if words:
            self.blocks.append(self.prefix + words)
        self.inline = []
        self.prefix = ""


def fast_markdown(element: etree._Element) -> str:
    """Convert ``element`` to simple Markdown in one linear walk."""
    out = _Writer()
    pre_depth = 0
    for event, el in etree.iterwalk(element, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _BLOCKS:
                out.flush()
                if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
                    out.prefix = "#" * int(tag[1]) + " "
                elif tag == "li":
                    out.prefix = "- "
                elif tag == "blockquote":
                    out.prefix = "> "
            if tag == "pre":
                pre_depth += 1
                out.blocks.append("```\n" + "".join(el.itertext()).rstrip("\n") + "\n```")
            elif tag == "a" and not pre_depth and _target(el):
                out.open_link()
            if not pre_depth:
                out.text(el.text)
        else:
            if tag == "pre":
                pre_depth -= 1
            elif tag == "a" and not pre_depth and _target(el):
                out.close_link(_target(el))
            if tag in _BLOCKS:
                out.flush()
            if not pre_depth and el is not element:
                out.text(el.tail)
    out.flush()
    return "\n\n".join(out.blocks) + "\n" if out.blocks else ""


def _target(a: etree._Element) -> str:
    """The Markdown link target of ``a``, or "" when it should be plain text."""
    href = (a.get("href") or "").strip()
    if href and is_safe_url(href):
        return href.replace(" ", "%20").replace(")", "%29")
    return ""
