"""Wrapping a Document to a reading width: display lines that map back to plain-text offsets.

Every display line knows its block and the ``start``/``end`` plain-text offsets it covers, so
highlights, find matches and the reading position (all plain-text offsets) map to rows with a
bisect, and rows map back the same way.  A line stores only offsets and a role; its styled pieces
are computed on demand by :func:`line_pieces` when the widget renders it (and the widget caches
the resulting Strip), which keeps a 5 MB book's layout small and fast.

Why eager rather than estimated heights: wrapping is done per logical line with ``str.rfind`` on
runs of single-width characters (one Python step per display line, not per word), so a whole
3 MB novel wraps in well under a second and can be done in a worker thread chunk by chunk as the
parse proceeds.  Exact heights mean the scrollbar and page-down arithmetic never jump.
Characters wider than one cell (CJK, emoji) take a slower word-by-word path measured with
``rich.cells.cell_len``.

No Textual imports: core, tested without a terminal.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import pairwise
from typing import NamedTuple

from rich.cells import cell_len, get_character_cell_size

from tuireader.core.document import Block, Document

#: Ranges worth a fast path: Latin, Greek, Cyrillic, punctuation (curly quotes, dashes), arrows,
#: box drawing, control pictures.  Filtered through rich's own measure, so it can never disagree.
_NARROW_RANGES = [
    (0x20, 0x7E),
    (0xA0, 0x52F),
    (0x1E00, 0x1FFF),
    (0x2010, 0x205E),
    (0x20A0, 0x21FF),
    (0x2400, 0x2426),
    (0x2500, 0x25FF),
    (0xFFFD, 0xFFFD),
]
_single_width = frozenset(
    char
    for lo, hi in _NARROW_RANGES
    for char in map(chr, range(lo, hi + 1))
    if get_character_cell_size(char) == 1
).issuperset

#: Default reading width in columns.
DEFAULT_MEASURE = 80

#: Line roles.
TEXT = 0
BLANK = 1
RULE = 2


class Line(NamedTuple):
    """One display line: which block, which plain-text offsets, and what it is."""

    block: int
    start: int
    end: int
    role: int = TEXT
    #: True for the first display line of its block (where a list marker goes).
    first: bool = False


#: A piece of a display line: (text, plain-text offset of text[0] or -1 for decoration, styles).
Piece = tuple[str, int, tuple[str, ...]]

_WORD_RE = re.compile(r"\S+\s*|\s+")


def _wrap_segment(text: str, s: int, e: int, width: int, out: list[tuple[int, int]]) -> None:
    """Greedy word wrap of text[s:e] (no newlines) into (start, end) ranges of <= width cells.

    Spaces after a break stay at the end of the line they follow (invisible), so every
    character of the text belongs to exactly one line.
    """
    if s == e:
        out.append((s, e))
        return
    segment = text[s:e]
    if _single_width(segment):
        pos = s
        while e - pos > width:
            brk = text.rfind(" ", pos, pos + width + 1)
            if brk <= pos:
                out.append((pos, pos + width))
                pos += width
                continue
            nxt = brk + 1
            while nxt < e and text[nxt] == " ":
                nxt += 1
            out.append((pos, nxt))
            pos = nxt
        out.append((pos, e))
        return
    line_start = s
    col = 0
    for match in _WORD_RE.finditer(segment):
        word = match.group()
        ws = s + match.start()
        visible = cell_len(word.rstrip())
        if col and col + visible > width:
            out.append((line_start, ws))
            line_start, col = ws, 0
        if visible > width:  # a word longer than the line: cut it by cells
            for i, char in enumerate(word):
                size = get_character_cell_size(char)
                if col + size > width and col:
                    out.append((line_start, ws + i))
                    line_start, col = ws + i, 0
                col += size
        else:
            col += cell_len(word)
    out.append((line_start, e))


def wrap_text(text: str, width: int) -> list[tuple[int, int]]:
    """Wrap text (which may contain newlines) to ``width`` cells: (start, end) per line."""
    width = max(1, width)
    out: list[tuple[int, int]] = []
    pos = 0
    while True:
        nl = text.find("\n", pos)
        if nl < 0:
            _wrap_segment(text, pos, len(text), width, out)
            return out
        _wrap_segment(text, pos, nl, width, out)
        pos = nl + 1


def block_prefix(block: Block, first: bool) -> list[tuple[str, str]]:
    """Decoration drawn before a block's text on one line: (text, style) pairs."""
    prefix: list[tuple[str, str]] = []
    if block.quote_depth:
        prefix.append(("▌ " * block.quote_depth, "quote-bar"))
    if block.kind == "list_item" or (block.kind == "code" and block.level):
        indent = "  " * max(0, block.level - 1)
        if block.kind == "code":
            prefix.append(("  " * block.level, ""))
        elif first and block.marker:
            prefix.append((indent, ""))
            prefix.append((block.marker + " ", "list-marker"))
        else:
            width = len(block.marker) + 1 if block.marker else 2
            prefix.append((indent + " " * width, ""))
    if block.kind == "code":
        prefix.append(("  ", "code-block"))
    return prefix


def _prefix_width(block: Block) -> int:
    return sum(cell_len(text) for text, _ in block_prefix(block, True))


def layout_blocks(blocks: list[Block], first_index: int, width: int) -> list[Line]:
    """Display lines for consecutive blocks (a blank line goes before each block but block 0).

    Pure function of its arguments, safe to call from a worker thread.
    """
    lines: list[Line] = []
    append = lines.append
    for i, block in enumerate(blocks):
        index = first_index + i
        if index:
            append(Line(index - 1, block.start - 2, block.start - 2, BLANK))
        if block.kind == "rule":
            append(Line(index, block.start, block.end, RULE, True))
            continue
        avail = max(8, width - _prefix_width(block) - (2 if block.kind == "code" else 0))
        first = True
        base = block.start
        for start, end in wrap_text(block.text, avail):
            append(Line(index, base + start, base + end, TEXT, first))
            first = False
    return lines


class DocumentLayout:
    """All display lines of a Document at one width, extendable as the Document grows."""

    def __init__(self, document: Document, width: int = DEFAULT_MEASURE) -> None:
        self.document = document
        self.width = max(16, width)
        self.lines: list[Line] = []
        #: Start offset of every line, for bisecting.
        self.starts: list[int] = []
        #: Index of the first display line of every laid-out block.
        self.block_first_line: list[int] = []

    @property
    def height(self) -> int:
        """Number of display lines laid out so far."""
        return len(self.lines)

    @property
    def laid_out_blocks(self) -> int:
        """How many of the document's blocks have lines."""
        return len(self.block_first_line)

    def extend(self, upto: int | None = None) -> int:
        """Lay out the document's blocks not yet laid out (up to ``upto``); returns how many."""
        blocks = self.document.blocks
        first = self.laid_out_blocks
        last = len(blocks) if upto is None else min(upto, len(blocks))
        if last <= first:
            return 0
        self.append(layout_blocks(blocks[first:last], first, self.width))
        return last - first

    def append(self, lines: list[Line]) -> None:
        """Add lines made by :func:`layout_blocks` for the next blocks (e.g. in a worker)."""
        base = len(self.lines)
        for i, line in enumerate(lines):
            if line.first:
                self.block_first_line.append(base + i)
        self.lines.extend(lines)
        self.starts.extend(line.start for line in lines)

    def line_at_offset(self, offset: int) -> int:
        """Index of the display line showing plain-text ``offset`` (clamped to the layout)."""
        if not self.lines:
            return 0
        index = max(0, bisect_right(self.starts, offset) - 1)
        lines = self.lines
        while index > 0 and lines[index].role == BLANK and lines[index - 1].end >= offset:
            index -= 1
        return index

    def offset_at_line(self, y: int) -> int:
        """Plain-text offset at the start of display line ``y`` (clamped)."""
        if not self.lines:
            return 0
        return self.lines[max(0, min(y, len(self.lines) - 1))].start

    def block_lines(self, block: int) -> tuple[int, int]:
        """Range [first, end) of the display lines of a laid-out block (without separators)."""
        first = self.block_first_line[block]
        if block + 1 < len(self.block_first_line):
            end = self.block_first_line[block + 1] - 1  # minus the blank separator
        else:
            end = len(self.lines)
        return first, end

    def block_at_line(self, y: int) -> int:
        """Block index a display line belongs to (separators belong to the block above)."""
        if not self.lines:
            return 0
        return self.lines[max(0, min(y, len(self.lines) - 1))].block


def _block_styles(block: Block) -> tuple[str, ...]:
    if block.kind == "heading":
        return ("heading", f"heading{block.level}")
    if block.kind in ("quote", "table", "html"):
        return (block.kind,)
    if block.kind == "code":
        return ("code-block",)
    if block.quote_depth:
        return ("quote",)
    return ()


def line_pieces(
    document: Document, line: Line, width: int
) -> tuple[list[tuple[str, str]], list[Piece], str | None]:
    """The look of one line: (prefix decoration, text pieces, fill style for the rest).

    Text pieces carry their plain-text offset so the widget can lay highlights, matches and the
    selection over them character-exactly.  Styles are abstract names (``"emph"``, ``"link"``,
    ``"heading1"``, ...) that the widget maps to component classes.
    """
    if line.role == BLANK:
        return [], [], None
    block = document.blocks[line.block]
    if line.role == RULE:
        return block_prefix(block, True), [("─" * width, -1, ("rule",))], None
    prefix = block_prefix(block, line.first)
    base_styles = _block_styles(block)
    fill = "code-block" if block.kind == "code" else None
    text = block.text
    rel_start = line.start - block.start
    rel_end = line.end - block.start
    cuts = {rel_start, rel_end}
    active = [s for s in block.spans if s.start < rel_end and s.end > rel_start]
    for span in active:
        cuts.add(max(rel_start, span.start))
        cuts.add(min(rel_end, span.end))
    points = sorted(cuts)
    pieces: list[Piece] = []
    for a, b in pairwise(points):
        if a == b:
            continue
        styles = base_styles + tuple(s.kind for s in active if s.start <= a and s.end >= b)
        pieces.append((text[a:b], block.start + a, styles))
    return prefix, pieces, fill
