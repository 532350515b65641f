"""Main-content HTML to clean Markdown: a tuned markdownify converter plus a whitespace pass.

markdownify does the structural work (headings, lists, emphasis, code, tables); this subclass only
changes what it would otherwise let through: links with no text or an unsafe target, images with
no source, leftover raw HTML, and non-content elements.  Input is the already-extracted article as
an lxml element, already depth-limited, so markdownify's recursion stays bounded.
"""

from __future__ import annotations

import re

import lxml.html
from bs4 import BeautifulSoup
from markdownify import MarkdownConverter

from tuireader.importers._tree import is_safe_url, limit_depth

#: Deepest nesting handed to markdownify (about three Python frames per level).
MARKDOWN_DEPTH = 120

#: Elements whose content is never article text.
DROP_TAGS = (
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas",
    "form", "button", "input", "select", "textarea", "nav", "math", "audio", "video", "link",
    "meta", "head", "dialog",
)


class _Converter(MarkdownConverter):
    """markdownify with reader-friendly defaults and no empty or dangerous links."""

    def convert_a(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        href = (el.get("href") or "").strip()
        if not text.strip():
            return ""
        if not href or not is_safe_url(href):
            return text
        return super().convert_a(el, text, parent_tags)

    def convert_img(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        src = (el.get("src") or "").strip()
        if not src or not is_safe_url(src):
            return ""
        alt = " ".join((el.get("alt") or "").split())
        if "_inline" in parent_tags:
            return alt
        return f"![{alt.replace(']', '')}]({src.replace(' ', '%20')})"


_OPTIONS = {
    "heading_style": "ATX",
    "bullets": "-",
    "strong_em_symbol": "*",
    "escape_underscores": False,
    "escape_asterisks": True,
    "escape_misc": False,
    "strip": ["span", "font", "div", "section", "article", "main", "header", "footer", "aside",
              "figure", "center", "body", "html", "u", "ins", "small", "big", "abbr", "time",
              "mark", "cite", "label", "picture", "source", "wbr"],
    "newline_style": "backslash",
    "code_language": "",
}

_BLANKS = re.compile(r"\n{3,}")
_TRAILING = re.compile(r"[ \t]+$", re.M)
_EMPTY_LINK = re.compile(r"\[\s*\]\([^)]*\)")
_EMPTY_EMPHASIS = re.compile(r"(?<![*\w])(\*\*|\*)\s*\1(?![*\w])")
_TAG_LEFTOVER = re.compile(r"</?(?:div|span|font|section|article|script|style)\b[^>]*>", re.I)


def prepare(element: lxml.html.HtmlElement) -> None:
    """Remove non-content elements from ``element`` in place (before conversion)."""
    for tag in DROP_TAGS:
        for node in list(element.iter(tag)):
            node.drop_tree()
    for node in list(element.iter()):
        if not isinstance(node.tag, str):
            node.drop_tree()


def to_markdown(element: lxml.html.HtmlElement) -> str:
    """Convert the article ``element`` to tidy Markdown."""
    prepare(element)
    limit_depth(element, MARKDOWN_DEPTH)
    html = lxml.html.tostring(element, encoding="unicode", method="html")
    soup = BeautifulSoup(html, "lxml")
    markdown = _Converter(**_OPTIONS).convert_soup(soup)
    return tidy(markdown)


def tidy(markdown: str) -> str:
    """Normalise whitespace and drop leftovers markdownify cannot know about."""
    text = markdown.replace("\r\n", "\n").replace("\xa0", " ")
    text = _EMPTY_LINK.sub("", text)
    text = _TAG_LEFTOVER.sub("", text)
    text = _EMPTY_EMPHASIS.sub("", text)
    text = _TRAILING.sub("", text)
    lines = [line for line in text.split("\n") if line.strip() not in ("-", "*", "#", ">", "\\")]
    text = "\n".join(lines)
    text = _BLANKS.sub("\n\n", text)
    return text.strip() + "\n" if text.strip() else ""
