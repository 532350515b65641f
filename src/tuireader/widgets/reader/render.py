"""Building one display line's Strip for the ReaderView (functions, no state), and its look.

Everything from the article goes into ``Segment``s with explicit Rich ``Style``s: nothing is ever
parsed as markup, and the text was already stripped of control characters by ``document.py``.
Overlays (highlights, find matches, selection) are laid over the text pieces by plain-text offset.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from itertools import pairwise

from rich.cells import cell_len, get_character_cell_size, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from tuireader.core.document import Document
from tuireader.core.layout import TEXT, Line, line_pieces
from tuireader.core.model import KINDS
from tuireader.widgets.reader.notes import NOTE_MARK

#: Abstract layout style name -> component class.
STYLE_CLASSES: dict[str, str] = {
    "heading": "reader--heading",
    "heading1": "reader--heading-1",
    "heading2": "reader--heading-2",
    "emph": "reader--emph",
    "strong": "reader--strong",
    "code": "reader--code",
    "code-block": "reader--code-block",
    "link": "reader--link",
    "strike": "reader--strike",
    "image": "reader--image",
    "quote": "reader--quote",
    "quote-bar": "reader--quote-bar",
    "list-marker": "reader--list-marker",
    "rule": "reader--rule",
    "table": "reader--table",
    "html": "reader--html",
}

#: Every component class ``render_line`` reads (ReaderView.COMPONENT_CLASSES).
COMPONENT_CLASSES: set[str] = {
    *STYLE_CLASSES.values(),
    "reader--focus",
    "reader--focus-bar",
    "reader--focus-unit",
    "reader--match",
    "reader--current-match",
    "reader--selection",
    "reader--note",
    "reader--note-mark",
    *(f"reader--highlight-{kind}" for kind in range(1, 6)),
    *(f"reader--highlight-mark-{kind}" for kind in range(1, 6)),
}

#: The widget's default look (ReaderView.DEFAULT_CSS), next to the classes it styles.
#: Highlights are background tints, softer on light themes; on a no-colour terminal they are
#: underlined and the selection is reversed, and the margin glyph always tells the kinds apart.
#: The focus unit (sentence, word, focused highlight) is an underline so the highlight colour
#: under it stays visible (bold where underline already means "highlight").
READER_CSS = """
ReaderView {
    overflow-x: hidden;  /* lines are wrapped to the pane: never a horizontal scrollbar */
    background: $surface;
    color: $foreground;
    & > .reader--heading { text-style: bold; color: $accent; }
    & > .reader--heading-1 { text-style: bold underline; }
    & > .reader--heading-2 { text-style: bold; }
    & > .reader--emph { text-style: italic; }
    & > .reader--strong { text-style: bold; }
    & > .reader--code { color: $text-warning; background: $boost; }
    & > .reader--code-block { background: $boost; }
    & > .reader--link { color: $text-primary; text-style: underline; }
    & > .reader--strike { text-style: strike; }
    & > .reader--image { color: $text-muted; text-style: italic; }
    & > .reader--quote { color: $text-muted; text-style: italic; }
    & > .reader--quote-bar { color: $accent-muted; }
    & > .reader--list-marker { color: $accent; }
    & > .reader--rule { color: $text-muted; }
    & > .reader--table { }
    & > .reader--html { color: $text-muted; }
    & > .reader--focus { background: $boost; }
    & > .reader--focus-bar { color: $accent; }
    & > .reader--focus-unit { text-style: underline; }
    & > .reader--match { background: $warning 40%; }
    & > .reader--current-match { background: $warning; color: $text; text-style: bold; }
    & > .reader--selection { background: $primary 50%; }
    & > .reader--note { color: $text-muted; text-style: italic; }
    & > .reader--note-mark { color: $accent; }
    & > .reader--highlight-1 { background: #a08a00 60%; }
    & > .reader--highlight-2 { background: #2e7d32 60%; }
    & > .reader--highlight-3 { background: #1565c0 60%; }
    & > .reader--highlight-4 { background: #c62828 60%; }
    & > .reader--highlight-5 { background: #6a1b9a 60%; }
    & > .reader--highlight-mark-1 { color: #e6c300; }
    & > .reader--highlight-mark-2 { color: #4caf50; }
    & > .reader--highlight-mark-3 { color: #42a5f5; }
    & > .reader--highlight-mark-4 { color: #ef5350; }
    & > .reader--highlight-mark-5 { color: #ab47bc; }
    &:light > .reader--highlight-1 { background: #ffe45c 70%; }
    &:light > .reader--highlight-2 { background: #a5d6a7 80%; }
    &:light > .reader--highlight-3 { background: #90caf9 80%; }
    &:light > .reader--highlight-4 { background: #ef9a9a 80%; }
    &:light > .reader--highlight-5 { background: #ce93d8 80%; }
    &:light > .reader--highlight-mark-1 { color: #9e7c00; }
    &:light > .reader--highlight-mark-2 { color: #2e7d32; }
    &:light > .reader--highlight-mark-3 { color: #1565c0; }
    &:light > .reader--highlight-mark-4 { color: #c62828; }
    &:light > .reader--highlight-mark-5 { color: #6a1b9a; }
    &:nocolor > .reader--highlight-1 { text-style: underline; }
    &:nocolor > .reader--highlight-2 { text-style: underline; }
    &:nocolor > .reader--highlight-3 { text-style: underline; }
    &:nocolor > .reader--highlight-4 { text-style: underline; }
    &:nocolor > .reader--highlight-5 { text-style: underline; }
    &:nocolor > .reader--selection { text-style: reverse; }
    &:nocolor > .reader--focus-unit { text-style: bold; }
}
"""

#: (start, end, component class) laid over the text; later entries win.
Overlay = tuple[int, int, str]

#: Highlight kind -> (margin glyph, component class of the glyph).  The glyphs come from the
#: model so the margin, the annotation panel and exports agree.
KIND_GLYPHS: dict[int, tuple[str, str]] = {
    kind: (glyph, f"reader--highlight-mark-{kind}") for kind, (_, glyph) in KINDS.items()
}

StyleFor = Callable[[tuple[str, ...]], Style]


def ranges_in(
    starts: Sequence[int], ranges: Sequence[tuple[int, int]], lo: int, hi: int
) -> list[int]:
    """Indices of sorted, non-overlapping ``ranges`` that intersect [lo, hi)."""
    index = max(0, bisect_right(starts, lo) - 1)
    found: list[int] = []
    while index < len(ranges) and ranges[index][0] < hi:
        start, end = ranges[index]
        if end > lo or (start == end == lo):
            found.append(index)
        index += 1
    return found


def _split(
    text: str, offset: int, classes: tuple[str, ...], overlays: list[Overlay]
) -> list[tuple[str, tuple[str, ...]]]:
    """Cut one piece at overlay boundaries, adding the overlay classes to its class tuple."""
    end = offset + len(text)
    cuts = {offset, end}
    for start, stop, _ in overlays:
        if start < end and stop > offset:
            cuts.add(max(offset, start))
            cuts.add(min(end, stop))
    points = sorted(cuts)
    out: list[tuple[str, tuple[str, ...]]] = []
    for a, b in pairwise(points):
        extra = tuple(cls for start, stop, cls in overlays if start <= a and stop >= b)
        out.append((text[a - offset : b - offset], classes + extra))
    return out


def text_margin(pane_width: int, width: int) -> int:
    """Column where the text starts: centred, with room for the 3-column gutter
    (highlight glyph, focus bar, gap)."""
    return max(3, (pane_width - width) // 2)


def offset_at_column(document: Document, line: Line, width: int, column: int) -> int:
    """Plain-text offset of the character drawn at ``column`` cells into the text area of
    ``line`` (0 = first text column; decoration such as list markers is skipped).

    Left of the text gives the line's start, right of it the line's end, so a drag that leaves
    the text still selects whole lines.
    """
    prefix, pieces, _ = line_pieces(document, line, width)
    col = column - sum(cell_len(text) for text, _ in prefix)
    if col < 0 or line.role != TEXT:
        return line.start
    for text, offset, _ in pieces:
        if offset < 0:
            continue
        for index, char in enumerate(text):
            size = get_character_cell_size(char)
            if col < size:
                return offset + index
            col -= size
    return line.end


def render_strip(
    document: Document,
    line: Line,
    *,
    width: int,
    margin: int,
    pane_width: int,
    bar: bool,
    tint: bool,
    glyph: tuple[str, str] | None,
    overlays: list[Overlay],
    style_for: StyleFor,
    mark: bool = False,
) -> Strip:
    """The Strip for one display line, ``pane_width`` cells wide.

    ``style_for`` maps a tuple of component classes to a combined Rich style (the widget caches
    it).  The gutter left of the text holds, from the left: the highlight ``glyph`` (character,
    component class) so a highlight's kind reads without colour, the focus ``bar``, and a gap.
    ``tint`` gives the line the focus-block background (block focus only).  ``mark`` puts the
    note mark in the right margin, a column after the text.
    """
    base: tuple[str, ...] = ("reader--focus",) if tint else ()
    segments: list[Segment] = []
    bar_col = margin - 2
    if bar_col >= 0:
        if bar_col >= 1:
            segments.append(Segment(" " * (bar_col - 1), style_for(())))
            if glyph is not None:
                segments.append(Segment(glyph[0], style_for((glyph[1],))))
            else:
                segments.append(Segment(" ", style_for(())))
        if bar:
            segments.append(Segment("▎", style_for(("reader--focus-bar",))))
        else:
            segments.append(Segment(" ", style_for(())))
        segments.append(Segment(" ", style_for(base)))
    else:
        segments.append(Segment(" " * margin, style_for(base)))
    prefix, pieces, fill = line_pieces(document, line, width)
    # Cells are counted on the way so the Strip is built once, with its length known (building
    # it, padding it and cropping it again made three Strips per line).
    cells = margin
    for text, name in prefix:
        cls = (STYLE_CLASSES[name],) if name else ()
        segments.append(Segment(text, style_for(base + cls)))
        cells += cell_len(text)
    for text, offset, names in pieces:
        classes = base + tuple(STYLE_CLASSES[n] for n in names if n in STYLE_CLASSES)
        cells += cell_len(text)
        if offset < 0 or not overlays:
            segments.append(Segment(text, style_for(classes)))
            continue
        for part, part_classes in _split(text, offset, classes, overlays):
            segments.append(Segment(part, style_for(part_classes)))
    text_right = margin + width
    if cells < text_right:
        fill_classes = base + ((STYLE_CLASSES[fill],) if fill else ())
        segments.append(Segment(" " * (text_right - cells), style_for(fill_classes)))
        cells = text_right
    if mark and cells + 2 <= pane_width:
        segments.append(Segment(" ", style_for(())))
        segments.append(Segment(NOTE_MARK, style_for(("reader--note-mark",))))
        cells += 2
    if cells < pane_width:
        segments.append(Segment(" " * (pane_width - cells), style_for(())))
        cells = pane_width
    if cells == pane_width:
        return Strip(segments, pane_width)
    return Strip(segments).crop_extend(0, pane_width, style_for(()))


def render_note(note: str, *, width: int, margin: int, pane_width: int,
                style_for: StyleFor) -> Strip:
    """The row under a focused highlight showing its note's first line (already inert),
    in the text column after the note mark, cut with an ellipsis to the measure."""
    room = max(1, width - 2)
    if cell_len(note) > room:
        note = set_cell_size(note, room - 1) + "…"
    plain = style_for(())
    segments = [
        Segment(" " * margin, plain),
        Segment(NOTE_MARK + " ", style_for(("reader--note-mark",))),
        Segment(note, style_for(("reader--note",))),
    ]
    return Strip(segments).crop_extend(0, pane_width, plain)
