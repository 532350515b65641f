"""Main-content HTML to clean Markdown: tree preparation, markdownify, a whitespace pass.

The extracted article is cleaned in place (non-content elements, layout tables, depth), then
converted chunk by chunk by :mod:`.markdown` (markdownify), then tidied.
"""

from __future__ import annotations

import re

from lxml import etree

from tuireader.importers._tree import drop_keeping_tail, limit_depth
from tuireader.importers.markdown import to_markdown as convert

#: Deepest nesting handed to markdownify (about five Python frames per level).
MARKDOWN_DEPTH = 100

#: Elements whose content is never article text.
DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "object",
    "embed",
    "svg",
    "canvas",
    "form",
    "button",
    "input",
    "select",
    "textarea",
    "nav",
    "math",
    "audio",
    "video",
    "link",
    "meta",
    "head",
    "dialog",
)
#: Cell content of these kinds makes a table a layout table (rendered as blocks, not a grid).
_LAYOUT_CELL = (
    "p",
    "div",
    "table",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "section",
    "article",
)
_TABLE_PARTS = ("table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption")
#: Inline elements without Markdown meaning: unwrapped (text kept) before conversion, so that
#: BeautifulSoup and markdownify, which cost about the same per element whatever it is, see
#: fewer of them.
UNWRAP_TAGS = (
    "span",
    "font",
    "abbr",
    "cite",
    "small",
    "big",
    "time",
    "u",
    "mark",
    "ins",
    "bdi",
    "bdo",
    "data",
    "dfn",
    "var",
    "label",
    "wbr",
    "nobr",
)

#: Void elements holding text or children: trafilatura can leave a paragraph's text inside the
#: ``<img>`` before it, and HTML serialisation would drop it (a void element has no content).
_FILLED_VOIDS = etree.XPath(".//img[node()] | .//br[node()] | .//hr[node()] | .//wbr[node()]")
_BLANKS = re.compile(r"\n{3,}")
_TRAILING = re.compile(r"[ \t]+$", re.M)
_EMPTY_LINK = re.compile(r"\[(?<!\\\[)\s*\]\([^)]*\)")
_TAG_LEFTOVER = re.compile(
    r"<(?<!\\<)/?(?:div|span|font|section|article|script|style)\b[^>]*>", re.I
)
_INNER_SPACES = re.compile(r"(?<=[^\s`]) {2,}(?=[^\s`])")
#: A hard break with nothing after it in its block shows as a literal backslash.
_DANGLING_BREAK = re.compile(r"(?<!\\)\\\n(?=[ \t>]*(?:\n|$))")
#: A line holding only a block marker, or only the invisible characters pages put in "empty"
#: paragraphs (U+200B and kin).
_JUNK_LINE = re.compile(r"^[ \t]*(?:[-*#\\!]|[\u200b\u200c\u200d\u2060\ufeff]+)[ \t]*$", re.M)
_HEADING = re.compile(r"(#{1,6}) ")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def prepare(element: etree._Element) -> None:
    """Remove non-content elements from ``element`` in place and unwrap layout tables."""
    doomed = [node for node in element.iter(*DROP_TAGS) if node is not element]
    doomed += [node for node in element.iter() if not isinstance(node.tag, str)]
    for node in doomed:
        drop_keeping_tail(node)
    etree.strip_tags(element, *UNWRAP_TAGS)
    for void in _FILLED_VOIDS(element):
        content = "".join(void.itertext())
        for child in list(void):
            void.remove(child)
        void.text = None
        void.tail = content + (void.tail or "")
    for pre in list(element.iter("pre")):
        if _runs_in_text(pre):
            etree.strip_tags(pre, "*")
            pre.tag = "code"
    layout = [table for table in element.iter("table") if _is_layout(table)]
    drop_link_lists(element)
    _drop_layout_whitespace(element)
    parts = [
        part
        for table in layout
        for part in table.iter(*_TABLE_PARTS)
        if part is table or _owner_table(part) is table
    ]
    for part in parts:
        part.tag = "div"


#: A list is a link list (related articles, navigation, a ranking box) when at least this share
#: of its items, and at least three, are nothing but links...
LINK_LIST_SHARE = 0.8
#: ...unless it is most of the article (a post that is a list of links is the content).
LINK_LIST_MAX_SHARE = 0.5


#: Blocks whose inner and outer whitespace markdownify drops anyway (should_remove_whitespace_*).
_WHITESPACE_BLOCKS = (
    "p",
    "div",
    "section",
    "article",
    "blockquote",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "td",
    "th",
    "pre",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
)


def _drop_layout_whitespace(element: etree._Element) -> None:
    """Clear the whitespace-only text between blocks (source indentation, newlines).

    markdownify would drop it too, but only after BeautifulSoup made an object of each run and
    markdownify tested it: on a page of short paragraphs that was a third of the objects.
    """
    for block in element.iter(*_WHITESPACE_BLOCKS):
        if block.tail is not None and not block.tail.strip():
            block.tail = None
        if block.text is not None and len(block) and not block.text.strip() and block.tag != "pre":
            block.text = None


def drop_link_lists(element: etree._Element) -> None:
    """Remove lists whose items are only links, the related-article and menu lists extractors
    keep at an article's edges; an item counts as a link when links hold 90 % of its text."""
    total = 0  # the article's text length, measured only when a list qualifies
    doomed = []
    for lst in element.iter("ul", "ol"):
        items = [li for li in lst if li.tag == "li"]
        if len(items) < 3 or lst is element:
            continue
        if sum(map(_only_links, items)) >= LINK_LIST_SHARE * len(items):
            total = total or int(element.xpath("string-length(normalize-space())"))
            if _text_length(lst) <= LINK_LIST_MAX_SHARE * total:
                doomed.append(lst)
    for lst in doomed:
        if lst.getparent() is not None:
            drop_keeping_tail(lst)


def _text_length(element: etree._Element) -> int:
    return int(element.xpath("string-length(normalize-space())"))


def _only_links(item: etree._Element) -> bool:
    text = _text_length(item)
    return not text or sum(_text_length(a) for a in item.iter("a")) >= 0.9 * text


def _runs_in_text(pre: etree._Element) -> bool:
    """A one-line ``<pre>`` inside a paragraph or between runs of text is inline code.

    trafilatura writes inline ``<code>`` as ``<pre>``; an HTML parser would close the paragraph
    before it (BeautifulSoup reparses what is serialised), splitting the sentence in two.
    """
    text = "".join(pre.itertext())
    if "\n" in text.strip("\n") or len(text) > 200:
        return False
    parent = pre.getparent()
    if parent is None:
        return False
    if parent.tag == "p":
        return True
    previous = pre.getprevious()
    before = previous.tail if previous is not None else parent.text
    return bool((before or "").strip() or (pre.tail or "").strip())


def _owner_table(part: etree._Element) -> etree._Element | None:
    return next(part.iterancestors("table"), None)


def _is_layout(table: etree._Element) -> bool:
    """A table used for layout: one column or row, or cells holding blocks or tables."""
    rows = [tr for tr in table.iter("tr") if _owner_table(tr) is table]
    cells = [[c for c in tr if c.tag in ("td", "th")] for tr in rows]
    cells = [row for row in cells if row]
    width = max((len(row) for row in cells), default=0)
    flat = [c for row in cells for c in row]
    with_blocks = sum(next(c.iter(*_LAYOUT_CELL), None) is not None for c in flat)
    return (
        width <= 1
        or len(cells) <= 1
        or 2 * with_blocks > len(flat)
        or any(next(c.iter("table"), None) is not None for c in flat)
    )


def to_markdown(element: etree._Element) -> str:
    """Convert the article ``element`` to tidy Markdown."""
    prepare(element)
    limit_depth(element, MARKDOWN_DEPTH)
    return tidy(convert(element))


def tidy(markdown: str) -> str:
    """Normalise whitespace and drop leftovers (empty links, stray tags, marker-only lines).

    markdownify writes no empty emphasis, so none is looked for: the old rule for it took the
    closing ``**`` of "**bold.**" at a line end for an empty pair and left the opener literal.
    Each rule runs only when its text can occur (an 8 MB page has about 8 MB to scan per rule).
    """
    text = markdown.replace("\r\n", "\n").replace("\xa0", " ")
    if "[" in text:
        text = _EMPTY_LINK.sub("", text)
    if "<" in text:
        text = _TAG_LEFTOVER.sub("", text)
    if " \n" in text or "\t\n" in text or text.endswith((" ", "\t")):
        text = _TRAILING.sub("", text)
    if "\\\n" in text:
        text = _DANGLING_BREAK.sub("\n", text)
    if "```" in text or "~~~" in text:
        text = "\n".join(_tidy_lines(text.split("\n")))
    else:
        text = _JUNK_LINE.sub("", text)
        if "  " in text:
            text = _INNER_SPACES.sub(" ", text)
    if "\n\n\n" in text:
        text = _BLANKS.sub("\n\n", text)
    if "#" in text:
        text = _drop_empty_headings(text.strip())
    return text.strip() + "\n" if text.strip() else ""


def _drop_empty_headings(text: str) -> str:
    """Headings with nothing under them ("Related Videos", "Comments", "Most Read" left behind
    when their widgets went): followed by a heading of the same or a higher level, or by the
    end of the article."""
    blocks = text.split("\n\n")
    kept: list[str] = []
    fence = ""
    for index, block in enumerate(blocks):
        heading = _HEADING.match(block) if not fence and block[:1] == "#" else None
        if fence or "``" in block or "~~" in block:
            for line in block.split("\n"):
                opener = _FENCE.match(line)
                if opener and (not fence or opener.group(1).startswith(fence)):
                    fence = "" if fence else opener.group(1)
        if heading and "\n" not in block:
            after = blocks[index + 1] if index + 1 < len(blocks) else ""
            next_heading = _HEADING.match(after)
            if not after or (next_heading and len(next_heading.group(1)) <= len(heading.group(1))):
                continue
        kept.append(block)
    return "\n\n".join(kept)


def _tidy_lines(lines: list[str]) -> list[str]:
    """Marker-only lines dropped and runs of spaces collapsed, outside fenced code."""
    kept: list[str] = []
    fence = ""
    for line in lines:
        opener = _FENCE.match(line)
        if fence:
            if opener and opener.group(1).startswith(fence):
                fence = ""
        elif opener:
            fence = opener.group(1)
        elif _JUNK_LINE.fullmatch(line):
            continue
        elif "  " in line:
            line = _INNER_SPACES.sub(" ", line)
        kept.append(line)
    return kept
