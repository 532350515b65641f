"""Parsing HTML into a bounded lxml tree: depth limits, charset prescan, link hygiene.

libxml2 silently drops everything below 256 levels of nesting (and everything after it), and the
Markdown converter recurses once per level, so hostile nesting is flattened *before* parsing with a
streaming pass that cannot recurse.  Everything else here works on the parsed tree in place.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser as _StreamParser
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from tuireader.importers.base import ImportFailed

#: Deepest nesting kept; deeper tags are dropped (their text stays).  Real pages stay below ~60.
MAX_DEPTH = 150

_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
        "keygen",
    ]
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.IGNORECASE
)
_BAD_SCHEMES = ("javascript", "data", "file", "vbscript", "about", "blob", "chrome", "resource")


def meta_charset(data: bytes) -> str | None:
    """The charset a page declares in a ``<meta>`` tag within its first 4 KiB (as browsers look)."""
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


class _Flattener(_StreamParser):
    """Re-serialise HTML, dropping start/end tags nested deeper than :data:`MAX_DEPTH`."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.stack: list[str] = []
        self.dropped = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            self.out.append(self.get_starttag_text() or "")
            return
        if len(self.stack) >= MAX_DEPTH:
            self.dropped += 1
            return
        self.stack.append(tag)
        self.out.append(self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.stack:
            return
        while self.stack:
            top = self.stack.pop()
            self.out.append(f"</{top}>")
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        """Comments carry no article text."""

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")


def flatten_deep(text: str) -> str:
    """Rewrite ``text`` so no element nests deeper than :data:`MAX_DEPTH` (linear, no recursion)."""
    flattener = _Flattener()
    flattener.feed(text)
    flattener.close()
    flattener.out.extend(f"</{tag}>" for tag in reversed(flattener.stack))
    return "".join(flattener.out)


#: Every element an ``HtmlElement`` (what the extractors expect), chosen in C.  lxml.html's own
#: lookup calls back into Python for each element proxy to pick form/input/label subclasses the
#: importer never uses; over a page's life that was a tenth of the import time.
_HTML_CLASSES = etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement,
    comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)


def _parse_once(text: str, plain: bool) -> tuple[lxml.html.HtmlElement, bool]:
    parser = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
    if not plain:
        parser.set_element_class_lookup(_HTML_CLASSES)
    try:
        root = etree.fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ImportFailed(f"not readable as HTML: {exc}") from exc
    if root is None:
        raise ImportFailed("no HTML content in the page")
    too_deep = any("Excessive depth" in entry.message for entry in parser.error_log)
    return root, too_deep


def parse_html(text: str, *, plain: bool = False) -> lxml.html.HtmlElement:
    """Parse ``text`` into an lxml document, flattening hostile nesting first when libxml2 balks.

    ``plain`` gives plain ``etree`` elements, much cheaper per element on huge pages.
    """
    # XML declarations with an encoding make lxml refuse str input.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)
    if not text.strip():
        raise ImportFailed("the page is empty")
    root, too_deep = _parse_once(text, plain)
    if too_deep:
        root, too_deep = _parse_once(flatten_deep(text), plain)
        if too_deep:
            raise ImportFailed("the page is nested too deeply to read")
    return root


def limit_depth(root: lxml.html.HtmlElement, limit: int = MAX_DEPTH) -> None:
    """Replace every element nested ``limit`` levels below ``root`` by its plain text.

    The Markdown converter recurses once per level; this bounds its depth whatever the input.
    A tree that is not that deep (one XPath step per level, evaluated in C) is left alone
    without a walk in Python.
    """
    if not root.xpath("boolean(" + "*/" * (limit - 1) + "*)"):
        return
    depth = 0
    too_deep: list[lxml.html.HtmlElement] = []
    for event, el in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            depth += 1
            if depth == limit:
                too_deep.append(el)
        else:
            depth -= 1
    for el in too_deep:
        text = "".join(el.itertext())
        tail = el.tail
        el.clear()
        el.text, el.tail = text, tail


def base_url_of(root: lxml.html.HtmlElement, fallback: str | None) -> str | None:
    """The URL relative links resolve against: ``<base href>`` resolved against the page URL."""
    for base in root.iter("base"):
        href = (base.get("href") or "").strip()
        if href:
            resolved = urljoin(fallback or "", href)
            if urlsplit(resolved).scheme in ("http", "https"):
                return resolved
            if fallback is None and not urlsplit(href).scheme:
                return None
    return fallback


_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.\-]*(?=:)")
#: What browsers (and ``urlsplit``) ignore in a URL: C0 controls and spaces around it, and tabs
#: and line breaks anywhere ("java\nscript:" is still a script).
_URL_EDGES = "".join(map(chr, range(33)))
_URL_NOISE = str.maketrans("", "", "\t\r\n")


def is_safe_url(url: str) -> bool:
    """False for schemes that must never become a link in the reader (script, data, local files)."""
    if ":" not in url:
        return True
    match = _SCHEME.match(url.translate(_URL_NOISE).strip(_URL_EDGES))
    return not match or match.group(0).lower() not in _BAD_SCHEMES


#: Link targets, read as attribute values (no element proxies for links left as they are).
_LINK_TARGETS = etree.XPath("//a/@href | //area/@href")
_ABSOLUTE = ("http://", "https://")


def fix_links(root: lxml.html.HtmlElement, base: str | None) -> None:
    """Resolve link and image URLs against ``base`` and drop dangerous or empty targets."""
    for value in _LINK_TARGETS(root):
        if value.startswith(_ABSOLUTE) and not value[-1:].isspace():
            continue  # already absolute, safe and trimmed: the common case
        target = value.strip()
        if not base and target == value and _kept_as_is(target):
            continue  # nothing to resolve against, nothing to drop
        _fix_url(value.getparent(), "href", target, base)
    for img in root.iter("img"):
        value = (img.get("src") or "").strip()
        _fix_url(img, "src", value or _lazy_src(img), base)


def _kept_as_is(url: str) -> bool:
    return bool(url) and not url.startswith("#") and is_safe_url(url)


def _fix_url(el: lxml.html.HtmlElement, attr: str, value: str, base: str | None) -> None:
    if not _kept_as_is(value):
        if attr in el.attrib:
            del el.attrib[attr]
        return
    if base:
        try:
            value = urljoin(base, value)
        except ValueError:
            del el.attrib[attr]
            return
    el.set(attr, value)


def _lazy_src(img: lxml.html.HtmlElement) -> str:
    """The real image URL of a lazy-loaded ``<img>`` (``data-src`` and friends)."""
    for name in ("data-src", "data-original", "data-lazy-src", "data-url"):
        value = (img.get(name) or "").strip()
        if value:
            return value
    srcset = (img.get("srcset") or img.get("data-srcset") or "").strip()
    return srcset.split(",")[0].split()[0] if srcset else ""


#: Never article text, and costly for both extractors to walk (scripts can be most of a page).
_JUNK_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "math",
    "iframe",
    "object",
    "embed",
    "canvas",
    "link",
    "meta",
    "base",
    "select",
    "textarea",
    "button",
    "input",
)
#: Attributes that can hide an element, read as values: ``//@style`` is far cheaper for libxml2
#: than testing every element's style in an XPath predicate.
_HIDING_ATTRS = etree.XPath("//@hidden | //@aria-hidden | //@style")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def _hidden_elements(root: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    hidden = []
    for value in _HIDING_ATTRS(root):
        name = value.attrname
        if name == "hidden" or (
            _HIDDEN_STYLE.search(value) if name == "style" else value == "true"
        ):
            el = value.getparent()
            if name != "aria-hidden" or el.tag != "img":
                hidden.append(el)
    return hidden


def strip_junk(root: lxml.html.HtmlElement) -> None:
    """Remove non-content and hidden elements in place (after metadata has been read).

    Hidden means what a browser would not show: the ``hidden`` attribute, ``aria-hidden``, or an
    inline ``display:none``/``visibility:hidden`` style; Readability.js drops the same nodes.
    """
    etree.strip_elements(root, *_JUNK_TAGS, with_tail=False)
    for el in _hidden_elements(root):
        drop_keeping_tail(el)


_SPACES = re.compile(r"[ \t\r\n\f\v]{2,}|[\t\r\n\f\v]")
_PRE_TAGS = frozenset({"pre", "textarea", "code", "listing", "plaintext", "xmp"})


def collapse_whitespace(root: lxml.html.HtmlElement) -> None:
    """Collapse runs of whitespace in text nodes outside ``<pre>``, as a browser renders them.

    Besides being what the reader should see, this keeps readability-lxml fast: its text
    cleaning regexes backtrack badly over long whitespace runs (template-indented pages).
    """
    inside_pre = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        is_pre = el.tag in _PRE_TAGS
        if event == "start":
            inside_pre += is_pre
            if not inside_pre and el.text and _SPACES.search(el.text):
                el.text = _SPACES.sub(_space_for, el.text)
        else:
            inside_pre -= is_pre
            if not inside_pre and el.tail and _SPACES.search(el.tail):
                el.tail = _SPACES.sub(_space_for, el.tail)


def _space_for(match: re.Match[str]) -> str:
    return "\n" if "\n" in match.group(0) else " "


def drop_keeping_tail(node: etree._Element) -> None:
    """Remove ``node`` and its content, keeping the text after it (plain lxml elements too)."""
    parent = node.getparent()
    if parent is None:
        return
    if node.tail:
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)
