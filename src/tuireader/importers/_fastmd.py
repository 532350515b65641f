"""HTML → Markdown straight from the lxml tree: a structured converter and a flat linear pass.

:func:`tree_markdown` converts an extracted article: headings, paragraphs, nested lists, block
quotes, code spans and blocks, tables (layout tables become plain blocks), emphasis, images and
links (unsafe targets dropped, link-less or empty links reduced to their text).  It recurses once
or twice per level, so callers bound the depth first (:func:`._tree.limit_depth`).

:func:`fast_markdown` is for pages too large for the extractors (an 8 MB page took them
minutes): the importer keeps the whole main container and converts it with one walk with an
explicit stack, no recursion: headings, paragraphs, list items, quotes, code blocks and links
survive; everything else becomes plain paragraphs.
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
        return _url(href)
    return ""


_BALANCED_URL = re.compile(r"(?:[^()\s]|\([^()\s]*\))*")


def _url(url: str) -> str:
    """``url`` as a Markdown link destination: no spaces, and only balanced parentheses."""
    url = url.replace(" ", "%20")
    if ("(" in url or ")" in url) and not _BALANCED_URL.fullmatch(url):
        url = url.replace("(", "%28").replace(")", "%29")
    return url


# --------------------------------------------------------------------------- structured converter

#: Elements that start their own block (paragraph, heading, list, quote, code, table, rule).
_BLOCK_TAGS = frozenset(_BLOCKS | {
    "html", "body", "nav", "form", "fieldset", "legend", "center", "dir", "menu", "hgroup",
    "caption", "thead", "tbody", "tfoot", "listing", "plaintext", "xmp", "article", "main",
    "noscript", "dialog", "search",
}) - {"br"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_EMPHASIS = {"em": "*", "i": "*", "strong": "**", "b": "**", "del": "~~", "s": "~~",
             "strike": "~~"}
_CODE_TAGS = frozenset({"code", "kbd", "samp", "tt"})
_PRE_TAGS = frozenset({"pre", "listing", "plaintext", "xmp"})
#: Cell content of these kinds makes a table a layout table (rendered as blocks, not a grid).
_LAYOUT_CELL = ("p", "div", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
                "blockquote", "pre", "section", "article")
#: Marks a hard line break inside inline text until whitespace has been normalised.
_BR = "\x00"
_INLINE_SPACE = re.compile(r"[ \t\n\r\f\v]+")
_AROUND_BR = re.compile(r" ?\x00 ?")
#: What may surround inline content: whitespace and hard breaks.
_EDGE = " \t\n\r\f\v" + _BR


def _tag(el: etree._Element) -> str:
    tag = el.tag
    return tag.lower() if isinstance(tag, str) else ""


def _escape(text: str) -> str:
    return text.replace("*", "\\*") if "*" in text else text


def _flatten(text: str, *, breaks: bool = True) -> str:
    """Collapse inline whitespace; a hard break becomes Markdown's backslash line break."""
    text = _INLINE_SPACE.sub(" ", text)
    if _BR in text:
        text = _AROUND_BR.sub(_BR, text).strip(" " + _BR)
        return text.replace(_BR, "\\\n" if breaks else " ")
    return text.strip()


def _wrap(inner: str, marker: str) -> str:
    """``inner`` wrapped in ``marker`` with its outer whitespace kept outside the markers."""
    core = inner.strip(_EDGE)
    if not core:
        return " " if inner else ""
    lead, trail = _edges(inner)
    if core.startswith(marker) and core.endswith(marker) and len(core) > 2 * len(marker):
        return f"{lead}{core}{trail}"  # <b><b>x</b></b>: once is enough
    return f"{lead}{marker}{core}{marker}{trail}"


def _edges(inner: str) -> tuple[str, str]:
    """The whitespace and hard breaks around ``inner``, to be kept outside its markup."""
    core = inner.strip(_EDGE)
    start = inner.find(core) if core else len(inner)
    return inner[:start], inner[start + len(core):]


class _Converter:
    """Recursive lxml → Markdown conversion (input depth is bounded by the caller)."""

    def __init__(self) -> None:
        self.link_depth = 0

    # ---- inline

    def inline(self, el: etree._Element, flat: bool) -> str:
        """Inline Markdown for ``el`` (without its tail); ``flat`` means heading/cell context."""
        tag = _tag(el)
        if tag == "br":
            return " " if flat else _BR
        if tag == "img":
            return self.image(el, flat) + self.children(el, flat)
        if tag in _CODE_TAGS:
            return self.inline_code("".join(el.itertext()))
        inner = self.children(el, flat)
        if tag == "a":
            href = _target(el)
            if not inner.strip(_EDGE) or not href or self.link_depth:
                return inner if inner.strip(_EDGE) else (" " if inner else "")
            text = _INLINE_SPACE.sub(" ", inner.replace(_BR, " ")).strip()
            lead, trail = _edges(inner)
            if text == href and href.startswith(("http://", "https://", "mailto:")):
                return f"{lead}<{href}>{trail}"  # an autolink says the same in less space
            if text.count("[") != text.count("]"):
                text = text.replace("[", "").replace("]", "")
            return f"{lead}[{text}]({href}){trail}"
        marker = _EMPHASIS.get(tag)
        if marker:
            return _wrap(inner, marker)
        return inner

    @staticmethod
    def inline_code(code: str) -> str:
        code = _INLINE_SPACE.sub(" ", code)
        if not code.strip():
            return " " if code else ""
        fence = "``" if "`" in code else "`"
        return f"{fence}{code.strip()}{fence}"

    def children(self, el: etree._Element, flat: bool) -> str:
        parts = [_escape(el.text)] if el.text else []
        is_link = _tag(el) == "a"
        self.link_depth += is_link
        for child in el:
            if isinstance(child.tag, str):
                parts.append(self.inline(child, flat))
            if child.tail:
                parts.append(_escape(child.tail))
        self.link_depth -= is_link
        return "".join(parts)

    def image(self, el: etree._Element, flat: bool) -> str:
        src = (el.get("src") or "").strip()
        if not src or not is_safe_url(src):
            return ""
        alt = " ".join((el.get("alt") or "").split())
        if flat or self.link_depth:
            return f" {alt} " if alt else ""
        return f"![{alt.replace(']', '')}]({_url(src)})"

    # ---- blocks

    def blocks(self, el: etree._Element) -> list[tuple[str, str]]:
        """The Markdown blocks inside ``el``: (kind, text) pairs, kind being a tag name."""
        out: list[tuple[str, str]] = []
        pending: list[str] = [_escape(el.text)] if el.text else []

        def flush() -> None:
            text = _flatten("".join(pending))
            pending.clear()
            if text:
                out.append(("p", text))

        in_paragraph = _tag(el) == "p"
        for child in el:
            tag = _tag(child)
            if tag == "pre" and in_paragraph and "\n" not in _pre_text(child):
                # trafilatura writes inline code as <pre> inside a paragraph
                pending.append(self.inline_code(_pre_text(child)))
            elif tag and (tag in _BLOCK_TAGS or (tag not in _CODE_TAGS and tag != "img"
                                                  and len(child) and _has_block(child))):
                flush()
                out.extend(self.block(child, tag))
            elif tag:
                pending.append(self.inline(child, False))
            if child.tail:
                pending.append(_escape(child.tail))
        flush()
        return out

    def block(self, el: etree._Element, tag: str) -> list[tuple[str, str]]:
        level = _HEADINGS.get(tag)
        if level:
            text = _flatten(self.children(el, True), breaks=False)
            return [(tag, "#" * level + " " + text)] if text else []
        if tag in ("ul", "ol", "menu", "dir"):
            return self.list_(el, tag == "ol")
        if tag == "blockquote":
            inner = _join(self.blocks(el))
            if not inner:
                return []
            quoted = "\n".join("> " + line if line else ">" for line in inner.split("\n"))
            return [("blockquote", quoted)]
        if tag in _PRE_TAGS:
            code = _pre_text(el).strip("\n")
            if not code.strip():
                return []
            fence = "````" if "```" in code else "```"
            return [("pre", f"{fence}\n{code}\n{fence}")]
        if tag == "table":
            return self.table(el)
        if tag == "hr":
            return [("hr", "---")]
        return self.blocks(el)

    def list_(self, el: etree._Element, ordered: bool) -> list[tuple[str, str]]:
        try:
            number = int(el.get("start") or 1) if ordered else 1
        except ValueError:
            number = 1
        items: list[str] = []
        for child in el:
            tag = _tag(child)
            if tag == "li":
                content = _join(self.blocks(child), tight=True)
                if not content:
                    continue
                marker = f"{number}. " if ordered else "- "
                number += 1
                pad = " " * len(marker)
                lines = content.split("\n")
                items.append(marker + lines[0] + "".join(
                    "\n" + (pad + line if line else "") for line in lines[1:]))
            elif tag in _BLOCK_TAGS:
                content = _join(self.block(child, tag))
                if content:
                    items.append(content)
            elif tag:
                text = _flatten(self.inline(child, False))
                if text:
                    items.append(text)
            elif child.tail and child.tail.strip():
                items.append(_flatten(_escape(child.tail)))
        return [("ul", "\n".join(items))] if items else []

    def table(self, el: etree._Element) -> list[tuple[str, str]]:
        rows = [tr for tr in el.iter("tr") if _owner_table(tr) is el]
        cells = [[c for c in tr if _tag(c) in ("td", "th")] for tr in rows]
        cells = [row for row in cells if row]
        width = max((len(row) for row in cells), default=0)
        flat_cells = [c for row in cells for c in row]
        with_blocks = sum(next(c.iter(*_LAYOUT_CELL), None) is not None for c in flat_cells)
        layout = (width <= 1 or len(cells) <= 1 or 2 * with_blocks > len(flat_cells)
                  or any(next(c.iter("table"), None) is not None for c in flat_cells))
        if layout:
            return self.blocks(el)
        lines: list[str] = []
        caption = el.find("caption")
        out: list[tuple[str, str]] = []
        if caption is not None:
            text = _flatten(self.children(caption, True), breaks=False)
            if text:
                out.append(("p", text))
        for index, row in enumerate(cells):
            texts = [_flatten(self.children(c, True), breaks=False).replace("|", "\\|")
                     for c in row]
            texts += [""] * (width - len(texts))
            lines.append("| " + " | ".join(texts) + " |")
            if index == 0:
                lines.append("|" + " --- |" * width)
        if any(line.strip("| -") for line in lines):
            out.append(("table", "\n".join(lines)))
        return out


def _pre_text(el: etree._Element) -> str:
    """The text of a ``<pre>`` as shown: ``<br>`` is a line break there too."""
    if next(el.iter("br"), None) is None:
        return "".join(el.itertext())
    parts: list[str] = []
    for event, node in etree.iterwalk(el, events=("start", "end")):
        if event == "start":
            parts.append("\n" if _tag(node) == "br" else node.text or "")
        elif node is not el and node.tail:
            parts.append(node.tail)
    return "".join(parts)


def _owner_table(tr: etree._Element) -> etree._Element | None:
    for ancestor in tr.iterancestors("table"):
        return ancestor
    return None


def _has_block(el: etree._Element) -> bool:
    """True when an inline element wraps block content (a link around a whole teaser, say)."""
    for _ in el.iter(*_BLOCK_TAGS):
        return True
    return False


def _join(blocks: list[tuple[str, str]], *, tight: bool = False) -> str:
    """Blocks separated by blank lines; inside a list item, a nested list follows directly."""
    parts: list[str] = []
    for index, (kind, text) in enumerate(blocks):
        if index:
            parts.append("\n" if tight and kind == "ul" else "\n\n")
        parts.append(text)
    return "".join(parts)


def tree_markdown(element: etree._Element) -> str:
    """Convert the article ``element`` to structured Markdown (headings, lists, quotes, code,
    tables, links, emphasis, images); nesting depth must already be bounded."""
    return _join(_Converter().blocks(element))
