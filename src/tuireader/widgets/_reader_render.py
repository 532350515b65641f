"""Building one display line's Strip for the ReaderView (helper module, no widget state).

Everything from the article goes into ``Segment``s with explicit Rich ``Style``s: nothing is ever
parsed as markup, and the text was already stripped of control characters by ``document.py``.
Overlays (highlights, find matches, selection) are laid over the text pieces by plain-text offset.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from itertools import pairwise

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from tuireader.document import Document
from tuireader.layout import Line, line_pieces

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

#: (start, end, component class) laid over the text; later entries win.
Overlay = tuple[int, int, str]

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


def render_strip(
    document: Document,
    line: Line,
    *,
    width: int,
    margin: int,
    pane_width: int,
    focused: bool,
    overlays: list[Overlay],
    style_for: StyleFor,
) -> Strip:
    """The Strip for one display line, ``pane_width`` cells wide.

    ``style_for`` maps a tuple of component classes to a combined Rich style (the widget caches
    it); ``focused`` marks the reading-focus block with a margin bar and background.
    """
    base: tuple[str, ...] = ("reader--focus",) if focused else ()
    segments: list[Segment] = []
    bar_col = margin - 2
    if bar_col >= 0:
        segments.append(Segment(" " * bar_col, style_for(())))
        if focused:
            segments.append(Segment("▎", style_for(("reader--focus-bar",))))
        else:
            segments.append(Segment(" ", style_for(())))
        segments.append(Segment(" ", style_for(base)))
    else:
        segments.append(Segment(" " * margin, style_for(base)))
    prefix, pieces, fill = line_pieces(document, line, width)
    used = 0
    for text, name in prefix:
        cls = (STYLE_CLASSES[name],) if name else ()
        segments.append(Segment(text, style_for(base + cls)))
        used += len(text)
    for text, offset, names in pieces:
        classes = base + tuple(STYLE_CLASSES[n] for n in names if n in STYLE_CLASSES)
        if offset < 0 or not overlays:
            segments.append(Segment(text, style_for(classes)))
            continue
        for part, part_classes in _split(text, offset, classes, overlays):
            segments.append(Segment(part, style_for(part_classes)))
    strip = Strip(segments)
    text_right = margin + width
    if strip.cell_length < text_right:
        fill_classes = base + ((STYLE_CLASSES[fill],) if fill else ())
        pad = text_right - strip.cell_length
        strip = Strip([*segments, Segment(" " * pad, style_for(fill_classes))])
    return strip.crop_extend(0, pane_width, style_for(()))
