"""What one row of the reader looks like, and its Strip: the ``Painter`` the view holds.

Each visible row is a ``Strip`` that the view caches under a key holding everything that changes
its look: the display line, the pane width, the layout version and the row's ``Look`` (focus bar
and tint, margin glyph, overlays).  So a frame renders only rows whose look changed, and no
change of state needs to clear the cache by hand.  Per frame, what every row shares (scroll
position, focus) is worked out once, as a ``Frame``.

It reads the document and layout from the loader and the overlays from their owners, and
resolves component classes to opaque Rich styles through its ``Palette`` (which blends translucent
theme colours with the widget's background, and keeps them until ``restyle``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from tuireader.core.layout import BLANK, Line
from tuireader.widgets.reader.finder import Finder
from tuireader.widgets.reader.loader import Loader
from tuireader.widgets.reader.overlays import Overlays
from tuireader.widgets.reader.palette import Palette
from tuireader.widgets.reader.render import Overlay, render_note, render_strip, text_margin

Span = tuple[int, int]


class Frame(NamedTuple):
    """What every row of one frame shares."""

    top: int
    """Display line at the top of the view."""
    pane_width: int
    """Width of the pane in cells."""
    unit: str
    """The focus unit ("block", "sentence", "word" or "range")."""
    span: Span | None
    """The focused range drawn underlined (None for a block focus: the block is tinted)."""
    block: int
    """First block with the focus bar."""
    last: int
    """Last block with the focus bar (a range may span several)."""
    note: tuple[int, str] | None = None
    """The focused highlight's note: (block after which it is drawn, its first line)."""


class Look(NamedTuple):
    """Everything that changes how a display line is drawn (part of the Strip cache key)."""

    bar: bool
    """The focus bar in the gutter."""
    tint: bool
    """The focus-block background (block focus only)."""
    glyph: tuple[str, str] | None
    """Margin glyph of a highlight kind: (character, component class)."""
    overlays: tuple[Overlay, ...]
    """Highlights, matches, selection and focus unit on the line, lowest priority first."""
    mark: bool = False
    """The note mark in the right margin (a highlight with a note starts on the line)."""
    note: str | None = None
    """The first line of the focused highlight's note, drawn on this blank line."""


_PLAIN = Look(False, False, None, ())


class Painter:
    """Works out a row's ``Look`` and renders its Strip."""

    def __init__(self, widget: Widget, loader: Loader, overlays: Overlays,
                 finder: Finder) -> None:
        self._widget = widget
        self._loader = loader
        self._overlays = overlays
        self._finder = finder
        self._palette = Palette(widget)

    def restyle(self) -> None:
        """The theme or CSS changed: resolve the component styles again."""
        self._palette.clear()

    def style_for(self, classes: tuple[str, ...]) -> Style:
        """The widget's style with ``classes`` (component classes) laid over it, resolved once."""
        return self._palette.style(classes)

    def ahead(self, top: int, height: int, pane_width: int, max_y: int,
              top_block: Callable[[int], int]) -> list[Frame]:
        """The frames of the pages above and below ``top`` as they will look after a page-up or
        page-down (the focus on their top block), to render into the Strip cache ahead."""
        frames = []
        for target in (min(top + height, max_y), max(0, top - height)):
            if target != top:
                block = top_block(target)
                frames.append(Frame(target, pane_width, "block", None, block, block))
        return frames

    def frame(self, top: int, pane_width: int, unit: str, focus: Span, block: int) -> Frame:
        """The frame of a view at ``top`` with the focus ``focus`` (unit ``unit``) on
        ``block``."""
        # The bar marks every block the focus touches (one, unless a range spans several).
        last = self._loader.document.block_at(focus[1] - 1) if unit == "range" else block
        span = focus if unit != "block" else None
        notes = self._overlays.notes
        found = notes.focused(*focus) if notes else None
        note = None if found is None else (
            self._loader.document.block_at(found[0] - 1), found[1])
        return Frame(top, pane_width, unit, span, block, last, note)

    def look(self, line: Line, frame: Frame) -> Look:
        """How ``line`` looks in ``frame``."""
        if line.role == BLANK:
            # The separator after a block: the focused highlight's note goes there.
            note = frame.note
            return _PLAIN if note is None or note[0] != line.block else _PLAIN._replace(
                note=note[1])
        overlays, glyph = self._overlays.on_line(line.start, line.end, self._finder, frame.span)
        bar = frame.block <= line.block <= frame.last
        notes = self._overlays.notes
        mark = bool(notes) and notes.starts_on(line.start, line.end)
        return Look(bar, bar and frame.unit == "block", glyph, tuple(overlays), mark)

    def paint(self, line: Line, look: Look, pane_width: int) -> Strip:
        """The Strip of ``line`` drawn with ``look``, ``pane_width`` cells wide."""
        width = self._loader.layout.width
        if look.note is not None:
            return render_note(look.note, width=width, margin=text_margin(pane_width, width),
                               pane_width=pane_width, style_for=self.style_for)
        return render_strip(
            self._loader.document,
            line,
            width=width,
            margin=text_margin(pane_width, width),
            pane_width=pane_width,
            bar=look.bar,
            tint=look.tint,
            glyph=look.glyph,
            mark=look.mark,
            overlays=list(look.overlays),
            style_for=self.style_for,
        )

    def blank(self, pane_width: int) -> Strip:
        """A row below the text."""
        return Strip.blank(pane_width, self.style_for(()))

    def waiting(self, y: int, height: int, pane_width: int) -> Strip:
        """A row of the "loading…" pane shown instead of text the view would jump away from."""
        style = self.style_for(())
        if y != height // 2:
            return Strip.blank(pane_width, style)
        loader = self._loader
        where = "your place" if loader.waiting_for == "position" else "the end"
        note = f"loading… {loader.fraction():.0%}, then going to {where} (any key: stay here)"
        return Strip([Segment(note.center(pane_width)[:pane_width], style)]).crop_extend(
            0, pane_width, style
        )
