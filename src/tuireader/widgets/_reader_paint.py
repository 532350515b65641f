"""Painting the ReaderView's rows (a mixin, split out of reader.py for size).

Each visible row is a ``Strip`` cached under a key holding everything that changes its look
(line, pane width, layout version, focus bar and tint, margin glyph, overlays), so a frame
renders only rows whose look changed.  Per frame, what every row shares (scroll position, focus)
is worked out once in ``render_lines``.  While the reader is idle the pages above and below are
rendered ahead into the cache as they will look after page-up/page-down, so a page turn costs
only Textual's own drawing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Region
from textual.strip import Strip
from textual.timer import Timer

from tuireader.core.layout import BLANK
from tuireader.widgets._reader_render import Overlay, render_strip, text_margin

if TYPE_CHECKING:
    from textual.scroll_view import ScrollView

    from tuireader.core.document import Document
    from tuireader.core.layout import DocumentLayout

    _Base = ScrollView
else:
    _Base = object

#: Seconds without a new frame before the neighbouring pages are rendered ahead.
PREFETCH_DELAY = 0.05


class _Frame(NamedTuple):
    """What every row of one frame shares (see ``ReaderView.render_lines``)."""

    top: int
    pane_width: int
    unit: str
    span: tuple[int, int] | None
    block: int
    last: int


class PaintingMixin(_Base):
    """render_lines / render_line, the Strip cache and rendering ahead; mixed into ReaderView."""

    document: Document
    _layout: DocumentLayout
    _layout_version: int
    _cache: LRUCache[tuple[object, ...], Strip]
    _styles: dict[tuple[str, ...], Style]
    _waiting_for: str
    _target_y: int | None
    _frame: _Frame | None
    _prefetch_timer: Timer | None

    if TYPE_CHECKING:  # provided by ReaderView and the other mixins

        focus_block: int
        focus_unit: str

        @property
        def focus_range(self) -> tuple[int, int]: ...
        @property
        def page_height(self) -> int: ...
        def load_fraction(self) -> float: ...
        def _max_y(self) -> int: ...
        def _top_block(self, top: int) -> int: ...
        def _overlays(
            self, start: int, end: int, focus_span: tuple[int, int] | None
        ) -> tuple[list[Overlay], tuple[str, str] | None]: ...

    def notify_style_update(self) -> None:
        """Theme or CSS changed: resolved styles and cached strips are stale."""
        super().notify_style_update()
        self._styles.clear()
        self._cache.clear()

    def _style_for(self, classes: tuple[str, ...]) -> Style:
        style = self._styles.get(classes)
        if style is None:
            style = self.rich_style
            for name in classes:
                style += self.get_component_rich_style(name, partial=True)
            self._styles[classes] = style
        return style

    def _waiting_line(self, y: int, pane_width: int) -> Strip:
        """A row of the "loading…" pane shown instead of text the view would jump away from."""
        style = self._style_for(())
        if y != self.scrollable_content_region.height // 2:
            return Strip.blank(pane_width, style)
        where = "your place" if self._waiting_for == "position" else "the end"
        note = f"loading… {self.load_fraction():.0%}, then going to {where} (any key: stay here)"
        return Strip([Segment(note.center(pane_width)[:pane_width], style)]).crop_extend(
            0, pane_width, style
        )

    def render_lines(self, crop: Region) -> list[Strip]:
        """Render the rows in ``crop``, working out what they share (scroll, focus) once.

        Then, a moment later when no key came, the pages above and below are rendered into the
        Strip cache as they will look after a page-down or page-up (the focus on their top
        block), so that the next page costs Textual's drawing only.
        """
        self._frame = self._frame_state()
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None
            if self._prefetch_timer is None and self.is_mounted:
                self._prefetch_timer = self.set_timer(PREFETCH_DELAY, self._prefetch_pages)

    def _frame_state(self) -> _Frame:
        """Per-frame inputs of ``render_line`` (each a reactive or property lookup)."""
        unit = self.focus_unit
        focus_start, focus_end = self.focus_range
        block = self.focus_block
        # The bar marks every block the focus touches (one, unless a range spans several).
        last = self.document.block_at(focus_end - 1) if unit == "range" else block
        span = (focus_start, focus_end) if unit != "block" else None
        return _Frame(round(self.scroll_y), self.scrollable_content_region.width, unit, span,
                      block, last)

    def _prefetch_pages(self) -> None:
        """Render the next and previous pages into the Strip cache (see ``render_lines``)."""
        self._prefetch_timer = None
        if self._waiting_for or not self._layout.lines or self._target_y is not None:
            return
        top, height = round(self.scroll_y), self.page_height
        width = self.scrollable_content_region.width
        for target in (min(top + height, self._max_y()), max(0, top - height)):
            if target != top:
                block = self._top_block(target)
                frame = _Frame(target, width, "block", None, block, block)
                for y in range(height):
                    self._strip_at(frame, y)

    def render_line(self, y: int) -> Strip:
        """Render row ``y`` of the view from the (cached) strip of its display line.

        No ``Strip.apply_offsets``: those per-segment offsets serve only Textual's own text
        selection, which this widget replaces (``ALLOW_SELECT = False``), and adding them cost
        about half of a page-down's rendering.
        """
        frame = self._frame or self._frame_state()
        if self._waiting_for:
            return self._waiting_line(y, frame.pane_width)
        return self._strip_at(frame, y)

    def _strip_at(self, frame: _Frame, y: int) -> Strip:
        """Row ``y`` of a view in state ``frame``, from the Strip cache or rendered into it."""
        pane_width = frame.pane_width
        index = frame.top + y
        lines = self._layout.lines
        if index >= len(lines) or index < 0:
            return Strip.blank(pane_width, self._style_for(()))
        line = lines[index]
        if line.role == BLANK:
            overlays, glyph, bar = [], None, False
        else:
            overlays, glyph = self._overlays(line.start, line.end, frame.span)
            bar = frame.block <= line.block <= frame.last
        tint = bar and frame.unit == "block"
        # The key holds everything that changes the look, the overlays themselves included.
        key = (index, pane_width, self._layout_version, bar, tint, glyph, tuple(overlays))
        strip = self._cache.get(key)
        if strip is None:
            width = self._layout.width
            strip = render_strip(
                self.document,
                line,
                width=width,
                margin=text_margin(pane_width, width),
                pane_width=pane_width,
                bar=bar,
                tint=tint,
                glyph=glyph,
                overlays=overlays,
                style_for=self._style_for,
            )
            self._cache[key] = strip
        return strip
