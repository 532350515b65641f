"""Article HTML to CommonMark with markdownify, block by block.

:class:`ArticleConverter` is markdownify's ``MarkdownConverter`` with the defaults the reader
needs: ATX headings, ``-`` bullets, backslash hard breaks, fenced code with the language from
``class="language-x"``, pipe tables, images only when they have alt text, links only when they
have text and a safe target, and escapes only where CommonMark would otherwise read syntax.

:func:`to_markdown` converts the extracted article element.  It never hands markdownify the
whole page at once: the article's top-level children are serialised in order, grouped into
chunks of about :data:`CHUNK_CHARS` characters (cut only between blocks), and each chunk is
parsed by BeautifulSoup (lxml parser) and converted on its own.  Memory therefore grows with a
chunk, not with the page, and recursion with the nesting depth, which
:func:`._tree.limit_depth` bounds first.  Normal and huge pages take the same path.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import markdownify
from bs4 import BeautifulSoup, NavigableString, Tag
from lxml import etree
from markdownify import ATX, BACKSLASH

from tuireader.importers._chunks import BLOCK_TAGS as _BLOCK_TAGS
from tuireader.importers._chunks import EXTRA_BLOCKS as _EXTRA_BLOCKS
from tuireader.importers._chunks import chunks
from tuireader.importers._tree import is_safe_url

_LANGUAGE = re.compile(r"(?:^|\s)(?:language|lang|highlight-source|highlight)-([\w+#.-]+)")
#: Link text that only marks a permalink (Sphinx's "¶", GitHub's "#", "§", "🔗").
_PERMALINK_TEXT = frozenset({"¶", "#", "§", "🔗", "⚓", "⚓︎", "🔗︎"})
_BALANCED_URL = re.compile(r"(?:[^()\s]|\([^()\s]*\))*")
_SPACES = re.compile(r"[ \t\r\n\f\v]+")

# Escapes: only what CommonMark (with tables and strikethrough) would otherwise read as syntax.
_ESCAPE_ALWAYS = re.compile(r"([*`])")
#: "_" opens or closes emphasis only next to a non-word character; inside snake_case it is text.
_UNDERSCORE = re.compile(r"(?<!\w)_|_(?!\w)")
_ANGLE = re.compile(r"<(?=[A-Za-z/!?])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
_TILDES = re.compile(r"~(?=~)")
_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~]|$)")
_LINK_OPENER = re.compile(r"(\])(?=\()|(!?\[)(?=[^\]]*\]\()")
#: Line starts that would become a heading, quote, list item, thematic break or setext line.
_LINE_START = re.compile(r"^(\s*)(?:([#>+=-]|[*_](?=\s))|(\d{1,9})([.)]))(?=\s|$)")


def _escape_line_start(text: str) -> str:
    return _LINE_START.sub(_escape_marker, text, count=1)


def _escape_marker(m: re.Match[str]) -> str:
    indent, marker, number, delimiter = m.groups()
    return indent + ("\\" + marker if marker else number + "\\" + delimiter)


def url_destination(url: str) -> str:
    """``url`` as a Markdown link destination: no spaces, and only balanced parentheses."""
    url = url.strip().replace(" ", "%20")
    if ("(" in url or ")" in url) and not _BALANCED_URL.fullmatch(url):
        url = url.replace("(", "%28").replace(")", "%29")
    return url


def _code_language(el: Tag) -> str:
    """The language of a ``<pre>``: ``class="language-x"`` (or ``lang-x``) on it or its code."""
    for node in (el, el.find("code"), el.parent):
        if isinstance(node, Tag):
            classes: Any = node.get("class") or []
            match = _LANGUAGE.search(" ".join(classes if isinstance(classes, list) else [classes]))
            if match:
                return match.group(1).lower()
    return ""


def _previous_content(node: Any) -> Any:
    """The sibling before ``node``, skipping whitespace-only text."""
    node = node.previous_sibling
    while isinstance(node, NavigableString) and not isinstance(node, Tag) and not node.strip():
        node = node.previous_sibling
    return node


def _next_content(node: Any) -> Any:
    node = node.next_sibling
    while isinstance(node, NavigableString) and not isinstance(node, Tag) and not node.strip():
        node = node.next_sibling
    return node


def _is_br(node: Any) -> bool:
    return isinstance(node, Tag) and node.name == "br"


#: markdownify's stub types only its public surface; the converter subclass uses the documented
#: ``convert_*`` hooks and ``process_text``, which the stub does not list.
_md: Any = markdownify
_MarkdownConverter: Any = markdownify.MarkdownConverter
re_newline_whitespace: re.Pattern[str] = _md.re_newline_whitespace
re_whitespace: re.Pattern[str] = _md.re_whitespace
should_remove_whitespace_inside: Any = _md.should_remove_whitespace_inside
should_remove_whitespace_outside: Any = _md.should_remove_whitespace_outside


class _Tag(Tag):
    """BeautifulSoup's Tag with a direct ``find_parent(name)``.

    markdownify asks every element ``find_parent("pre")``; bs4 answers through its general
    filter machinery, which was a fifth of the whole conversion.  A walk up ``.parent`` gives
    the same answer.
    """

    def find_parent(
        self,
        name: Any = None,
        attrs: Any = {},  # noqa: B006 (bs4's own signature; never mutated)
        string: Any = None,
        **kwargs: Any,
    ) -> Any:
        if isinstance(name, str) and not attrs and string is None and not kwargs:
            node = self.parent
            while node is not None:
                if node.name == name:
                    return node
                node = node.parent
            return None
        return super().find_parent(name, attrs, string, **kwargs)  # type: ignore[call-arg]


class ArticleConverter(_MarkdownConverter):
    """markdownify tuned for the reader (see the module docstring for the choices)."""

    class Options(_MarkdownConverter.DefaultOptions):
        heading_style = ATX
        bullets = "-"
        newline_style = BACKSLASH
        autolinks = True
        escape_asterisks = False  # escape() below escapes only what needs it
        escape_underscores = False
        escape_misc = False
        bs4_options = {"features": "lxml", "element_classes": {Tag: _Tag}}
        table_infer_header = True
        code_language_callback = _code_language

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        #: Items seen so far per ``<ol>``: markdownify counts earlier siblings for every item,
        #: quadratic in a long list.
        self._ol_items: dict[int, int] = {}

    def convert_chunk(self, markup: str) -> str:
        """Convert one chunk of serialised HTML, then take its soup apart.

        A BeautifulSoup tree is full of reference cycles (parent and sibling links); taken apart
        with ``decompose`` it is freed at once, so the cyclic collector has nothing to find in
        it, and it is paused while a chunk is built: its passes over the thousands of objects a
        chunk allocates were a quarter of the conversion time (bounded: one chunk at a time).
        """
        self._ol_items.clear()
        with _collector_paused():
            soup = BeautifulSoup(markup, **self.options["bs4_options"])
            try:
                return str(self.convert_soup(soup))
            finally:
                soup.decompose()

    # ---- text

    def escape(self, text: str, parent_tags: set[str]) -> str:
        if not text:
            return ""
        if "\\" in text:
            text = _BACKSLASH.sub(r"\\\\", text)
        if "*" in text or "`" in text:
            text = _ESCAPE_ALWAYS.sub(r"\\\1", text)
        if "_" in text:
            text = _UNDERSCORE.sub(r"\\_", text)
        if "<" in text:
            text = _ANGLE.sub(r"\\<", text)
        if "&" in text:
            text = _ENTITY.sub(r"\\&", text)
        if "~" in text:
            text = _TILDES.sub(r"\\~", text)
        if "[" in text or "]" in text:
            text = _LINK_OPENER.sub(lambda m: "\\" + m.group(0), text)
        if "|" in text and ("td" in parent_tags or "th" in parent_tags):
            text = text.replace("|", "\\|")
        return text

    def process_text(self, el: Any, parent_tags: set[str] | None = None) -> str:
        """markdownify's text step, with its whitespace regexes run only when they can match.

        Its two substitutions replace every single space by a space: over a long text that was
        a quarter of the conversion of an 8 MB page.  Same rules otherwise (whitespace
        collapsed outside ``<pre>``, escaped outside code, trimmed next to blocks), plus the
        escape of block markers at the start of a line.
        """
        parents = parent_tags or set()
        text = str(el)
        if "pre" not in parents:
            if "\n" in text or "\r" in text:
                text = re_newline_whitespace.sub("\n", text)
            if "\t" in text or "  " in text:
                text = re_whitespace.sub(" ", text)
        if "_noformat" not in parents:
            text = self.escape(text, parents)
        before = el.previous_sibling
        if should_remove_whitespace_outside(before) or (
            should_remove_whitespace_inside(el.parent) and not before
        ):
            text = text.lstrip(" \t\r\n")
        if should_remove_whitespace_outside(el.next_sibling) or (
            should_remove_whitespace_inside(el.parent) and not el.next_sibling
        ):
            text = text.rstrip()
        if (
            not text
            or "_noformat" in parents
            or "_inline" in parents
            or not _LINE_START.match(text)
        ):
            return text
        before = _previous_content(el)
        at_line_start = (
            (before is None and el.parent is not None and el.parent.name in _BLOCK_TAGS)
            or _is_br(before)
            or (isinstance(before, Tag) and before.name in _BLOCK_TAGS)
        )
        return _escape_line_start(text) if at_line_start else text

    # ---- inline

    def convert_a(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        if "_noformat" in parent_tags:
            return text
        lead = " " if text[:1].isspace() else ""
        trail = " " if text[-1:].isspace() else ""
        if "\n" in text or "  " in text or "\t" in text:
            text = _SPACES.sub(" ", text.replace("\\\n", " "))
        text = text.strip()
        if not text or text.casefold() in _PERMALINK_TEXT:
            return lead or trail
        href = str(el.get("href") or "").strip()
        if not href or not is_safe_url(href) or href.startswith("#") or "a" in parent_tags:
            return f"{lead}{text}{trail}"
        href = url_destination(href)
        if text == href and href.startswith(("http://", "https://", "mailto:")):
            return f"{lead}<{href}>{trail}"
        if text.count("[") != text.count("]"):
            text = text.replace("[", "\\[").replace("]", "\\]")
        return f"{lead}[{text}]({href}){trail}"

    def convert_img(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        alt = " ".join(str(el.get("alt") or el.get("title") or "").split())
        src = str(el.get("src") or "").strip()
        if "_inline" in parent_tags or "a" in parent_tags:
            return alt
        if not alt or not src or not is_safe_url(src):
            return ""  # nothing to show, and no lone "!" line
        alt = alt.replace("[", "").replace("]", "")
        return f"![{alt}]({url_destination(src)})"

    def convert_br(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        if "pre" in parent_tags:
            return "\n"
        if "_inline" in parent_tags:
            return " "
        after = _next_content(el)
        if _is_br(after):
            return ""  # a run of breaks is a paragraph break, written by its last <br>
        if after is None or (isinstance(after, Tag) and after.name in _BLOCK_TAGS):
            return ""  # a break at the end of a block would show as a literal "\"
        if _is_br(_previous_content(el)):
            return "\n\n"
        return "\\\n"

    # ---- blocks

    def convert_hN(self, n: int, el: Tag, text: str, parent_tags: set[str]) -> str:
        if not text.strip():
            return ""
        return str(super().convert_hN(n, el, text, parent_tags))

    def convert_pre(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        if "pre" in parent_tags:
            return text  # a <pre> inside a <pre>: one block
        if not text.strip():
            return ""
        code = text.strip("\n")
        longest = max((len(run) for run in re.findall(r"`{3,}", code)), default=2)
        fence = "`" * (longest + 1)
        language = self.options["code_language_callback"](el) or ""
        return f"\n\n{fence}{language}\n{code}\n{fence}\n\n"

    def convert_li(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        parent = el.parent
        if parent is not None and parent.name == "ol" and text.strip():
            seen = self._ol_items.get(id(parent), 0)
            self._ol_items[id(parent)] = seen + 1
            start = str(parent.get("start") or "1")
            number = (int(start) if start.isdigit() else 1) + seen
            bullet = f"{number}. "
            pad = " " * len(bullet)
            lines = text.strip().split("\n")
            return (
                bullet
                + lines[0]
                + "".join("\n" + (pad + line if line else "") for line in lines[1:])
                + "\n"
            )
        return str(super().convert_li(el, text, parent_tags))

    def convert_td(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return str(super().convert_td(el, _SPACES.sub(" ", text.replace("\\\n", " ")), parent_tags))

    convert_th = convert_td

    def convert_block(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        """Tags markdownify leaves inline that are blocks in a browser: like ``<div>``."""
        return str(self.convert_div(el, text, parent_tags))


for _name in _EXTRA_BLOCKS:
    setattr(ArticleConverter, f"convert_{_name}", ArticleConverter.convert_block)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector (if on) for the duration of one chunk."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def to_markdown(element: etree._Element) -> str:
    """Convert an (already cleaned and depth-limited) article element, chunk by chunk."""
    converter = ArticleConverter()
    parts = (converter.convert_chunk(chunk) for chunk in chunks(element))
    return "\n\n".join(part for part in parts if part.strip())


def html_to_markdown(markup: str) -> str:
    """Convert a small HTML fragment in one call (tests, short snippets)."""
    return ArticleConverter().convert_chunk(markup)


__all__ = ["ArticleConverter", "chunks", "html_to_markdown", "to_markdown", "url_destination"]
