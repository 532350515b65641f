"""Where a highlight is: the section heading it falls under and how far through the article.

The location needs the article's headings as offsets into the *plain text*, which normally
means parsing the whole Markdown (about 3 ms for a 20 KB article with markdown-it: 6 s for
2,000 articles, twice the export budget).  So :func:`locator` first tries a cheap, exact-when-it-
answers path on the Markdown source:

* the source is scanned for ATX headings (``## Title``) outside code fences; anything that could
  make the scan disagree with the real parse (a setext underline, an HTML block, a heading inside
  a list or quote, indented headings) sends the article to the full parse instead;
* each highlight's quote (first line, with the tail of its prefix when that is needed to make it
  unique) is looked up in the source: found exactly once, at about the right place, the section
  is the last heading before it; otherwise the article is parsed after all;
* the percentage is ``start / Article.char_count`` (the store records the plain-text length).

Parsed outlines are cached by the Markdown's identity (an LRU of 64), so the App exporting the
same article again does not parse it twice.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from tuireader.core.document import Document, parse_markdown

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

    from tuireader.core.model import Article, Highlight


@dataclass(frozen=True)
class Location:
    """A highlight's place: its section heading ("" before the first heading) and percentage."""

    section: str
    percent: int

    def label(self) -> str:
        """``"Section · 42%"``, or ``"42%"`` outside any section."""
        return f"{self.section} · {self.percent}%" if self.section else f"{self.percent}%"


@dataclass(frozen=True)
class Outline:
    """The headings of an article as (plain-text offset, title), and the plain text's length."""

    offsets: tuple[int, ...]
    titles: tuple[str, ...]
    length: int

    def locate(self, offset: int) -> Location:
        return Location(*self.place(offset))

    def place(self, offset: int) -> tuple[str, int]:
        """``(section, percent)`` of :meth:`locate`."""
        index = bisect_right(self.offsets, offset) - 1
        return (self.titles[index] if index >= 0 else ""), _percent(offset, self.length)


def _percent(offset: int, length: int) -> int:
    if length <= 0:
        return 0
    return max(0, min(100, offset * 100 // length))


def outline_of(document: Document) -> Outline:
    """The outline of a parsed document."""
    return Outline(
        tuple(h.offset for h in document.headings),
        tuple(" ".join(h.title.split()) for h in document.headings),
        len(document.plain_text),
    )


@lru_cache(maxsize=64)
def parsed_outline(markdown: str) -> Outline:
    """Parse ``markdown`` and return its outline (cached)."""
    return outline_of(parse_markdown(markdown))


# -- the fast path ----------------------------------------------------------------------------

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
#: First characters of the lines the scan looks at (fences, headings, everything _RISKY matches).
_LINE_START = frozenset(" \t`~<#>=*+-")
_RISKY = re.compile(
    r" {0,3}<"                                        # an HTML block may hide heading lines
    r"| {4,}#{1,6}(?:[ \t]|$)"                        # a heading indented under a list item
    r"|[ \t]*(?:>|[-+*]|\d{1,9}[.)])[ \t>]*#{1,6}(?:[ \t]|$)"  # a heading in a quote/list
    # a fence in a quote or list item: its (indented) closing line would look like an opener
    r"|[ \t]*(?:(?:>|[-+*]|\d{1,9}[.)])[ \t]*)+(?:`{3}|~{3})"
    r"| {0,3}(?:=+|-+)[ \t]*$"                        # maybe a setext underline
)
#: A unique match must also fall within this fraction of the text of where the offset says.
_MAX_DRIFT = 0.15
_MIN_NEEDLE = 12
#: Leeway around the markup window: a few constructs (an HTML block followed directly by a
#: paragraph) add a character to the plain text that the source does not have.
_SLACK = 64


_INLINE_SPECIAL = re.compile(r"[\\`*_\[\]<>&!~]")


def _heading_title(raw: str) -> str:
    if _INLINE_SPECIAL.search(raw) is None:  # no inline markup: the text is the title
        return " ".join(raw.split())
    from tuireader.core.inline import render_inline  # with markdown-it, below: load when used

    children = _inline_parser().parseInline(raw)[0].children or []
    return " ".join(render_inline(children)[0].split())


@lru_cache(maxsize=1)
def _inline_parser() -> MarkdownIt:
    from markdown_it import MarkdownIt  # only for headings with inline markup: load when used

    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _source_headings(src: str) -> tuple[list[int], list[str]] | None:
    """(source offsets, titles) of the headings, or None when the scan cannot be trusted.

    One pass over the lines: fenced code is skipped (a fence closes on a line of the same
    character, at least as long, with nothing after it; an unclosed fence runs to the end); any
    line ``_RISKY`` matches outside fences sends the article to the full parse, except an
    underline-looking line after a blank line (a rule) or at the top.
    """
    if "#" not in src and "=" not in src and "-" not in src:
        return [], []
    offsets: list[int] = []
    titles: list[str] = []
    fence: tuple[str, int] | None = None  # the open fence's character and length
    previous = ""
    pos = 0
    risky_match = _RISKY.match
    for line in src.split("\n"):
        start = pos
        pos += len(line) + 1
        if not line or (line[0] not in _LINE_START and not line[0].isdecimal()):
            previous = line  # most lines: a paragraph or blank, nothing to look at
            continue
        head = line[:6]
        if fence is not None:
            if "`" in head or "~" in head:
                m = _FENCE.match(line)
                if (m is not None and m.group(1)[0] == fence[0] and len(m.group(1)) >= fence[1]
                        and not line[m.end():].strip()):
                    fence = None
            previous = line
            continue
        if "`" in head or "~" in head:
            m = _FENCE.match(line)
            if m is not None:
                fence = (m.group(1)[0], len(m.group(1)))
                previous = line
                continue
        risky = risky_match(line)
        if risky is not None:
            if not (risky.group().lstrip()[:1] in "=-" and line.strip().strip("=-") == ""
                    and not previous.strip()):
                return None
        elif line[:4].lstrip(" ")[:1] == "#":
            heading = _ATX.match(line)
            if heading is not None:
                offsets.append(start)
                titles.append(_heading_title(heading.group(2) or ""))
        previous = line
    return offsets, titles


class Locator:
    """Finds each highlight's :class:`Location` for one article (see the module docstring)."""

    def __init__(
        self,
        article: Article,
        *,
        markdown: str | None = None,
        document: Document | None = None,
    ) -> None:
        self._outline = outline_of(document) if document is not None else None
        self._markdown = markdown
        self._length = article.char_count
        self._src: str | None = None
        self._src_headings: tuple[list[int], list[str]] | None = None
        self._markup: int | None = None
        if self._outline is None and markdown is not None:
            # Not sanitised (a 0.1 ms scan per article): control characters only make a
            # quote unfindable, which falls back to the full parse.
            self._src = markdown
            self._src_headings = _source_headings(self._src)
            # Markup only adds characters (so the plain offset is a lower bound of the source
            # offset, and the difference an upper bound of the shift) unless the text has
            # tables (cells are padded), tabs (expanded in code), images or CR line ends.
            simple = not ("|" in markdown or "\t" in markdown or "\r" in markdown
                          or ("[" in markdown and "![" in markdown))  # (2-char search is slow)
            self._markup = (len(markdown) - self._length
                                        if simple and len(markdown) >= self._length else None)
            if self._src_headings is None:
                self._outline = parsed_outline(markdown)

    @property
    def used_full_parse(self) -> bool:
        return self._outline is not None and self._markdown is not None

    def _fallback(self) -> Outline:
        if self._outline is None:
            assert self._markdown is not None
            self._outline = parsed_outline(self._markdown)
        return self._outline

    def locate(self, highlight: Highlight) -> Location:
        return Location(*self.place(highlight))

    def place(self, highlight: Highlight) -> tuple[str, int]:
        """``(section, percent)`` of :meth:`locate`, without making a :class:`Location`."""
        start = highlight.start
        if self._outline is not None:
            return self._outline.place(start)
        length = self._length
        if self._src_headings is None:
            # No text at all: the percentage from the recorded length, no section.
            return "", _percent(start, length)
        if length <= 0 or highlight.end > length:
            return self._fallback().place(start)
        offsets, titles = self._src_headings
        percent = start * 100 // length if 0 <= start <= length else _percent(start, length)
        if not offsets:
            return "", percent
        if self._markup is not None:
            # The source position lies in [start, start + markup] (give or take _SLACK): with no
            # heading in there, the section is known without looking for the quote at all.
            lo = bisect_right(offsets, start - _SLACK - 1)
            if lo == bisect_right(offsets, start + self._markup + _SLACK):
                return (titles[lo - 1] if lo > 0 else ""), percent
        pos = self._find(highlight)
        if pos is None:
            return self._fallback().place(start)
        index = bisect_right(offsets, pos) - 1
        return (titles[index] if index >= 0 else ""), percent

    def _find(self, highlight: Highlight) -> int | None:
        """The source offset of the highlight's start, when it can be found unambiguously.

        Only the window where it can be is searched: ``[start, start + markup]`` for text
        whose markup only adds characters, else where the percentage says, give or take 15 %
        of the text; a needle found twice there is retried with more context.
        """
        src = self._src
        assert src is not None
        size = len(src)
        if self._markup is not None:
            lo = max(0, highlight.start - _SLACK)
            hi = min(size, highlight.start + self._markup + _SLACK)
        else:
            expected = int(highlight.start / self._length * size)
            margin = int(size * _MAX_DRIFT)
            lo, hi = max(0, expected - margin), min(size, expected + margin)
        first = highlight.exact.split("\n", 1)[0]
        tail = highlight.prefix.rsplit("\n", 1)[-1]
        prefix = highlight.prefix
        for needle, skip in ((first, 0), (tail + first, len(tail)), (prefix + first, len(prefix))):
            if len(needle) < _MIN_NEEDLE:
                continue
            pos = src.find(needle, lo, hi + len(needle))
            if pos < 0:
                return None
            if src.find(needle, pos + 1, hi + len(needle)) >= 0:
                continue  # not unique: try with more context
            return pos + skip
        return None
