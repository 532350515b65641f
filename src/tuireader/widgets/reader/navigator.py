"""Moving the reader: the view and its reading focus, together (the ``Navigator``).

Scrolling never loses a key: every scroll command computes from the *target* position (the one
the last command asked for), not from an animation still in flight, and with the view's
``smooth_scroll`` off (the default) it moves at once with ``immediate=True``.  The navigator
remembers that target.

After paging the focus goes to the block at the top of the view; after a focus move the view
scrolls the least needed to show it; a wheel or scrollbar scroll that leaves the focus off screen
moves it to the top block.  The navigator also tells the screen where the reader is
(``FocusRangeChanged`` once per new focus, ``PositionChanged`` throttled).  It is handed the view
and uses its public API only (``scroll_to``, ``scroll_y``, the ``focus_block``/``focus_unit``
reactives, ``post_message``), so the view's watchers see every move as a user's would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.timer import Timer

from tuireader.core.layout import BLANK
from tuireader.widgets.reader.focus import Focus
from tuireader.widgets.reader.loader import Loader
from tuireader.widgets.reader.overlays import Overlays
from tuireader.widgets.reader.render import offset_at_column, text_margin

if TYPE_CHECKING:  # the view holds the navigator; the navigator only calls it
    from tuireader.widgets.reader.view import ReaderView

Span = tuple[int, int]

#: Seconds between PositionChanged messages at most.
POSITION_DELAY = 0.25


class Navigator:
    """Scroll commands and focus motion of a ReaderView."""

    def __init__(self, view: ReaderView, loader: Loader, focus: Focus,
                 overlays: Overlays) -> None:
        self._view = view
        self._loader = loader
        self._focus = focus
        self._overlays = overlays
        self.target_y: int | None = None
        """Where an animated scroll is heading (None when no scroll is in flight)."""
        self._position_timer: Timer | None = None
        self._last_position: int | None = None

    def reset(self) -> None:
        """A new document: no scroll in flight, no position told yet."""
        self.target_y = self._last_position = None

    # ------------------------------------------------------------------ scrolling

    @property
    def base_y(self) -> int:
        """Where the last scroll command was heading (not where an animation currently is)."""
        return self.target_y if self.target_y is not None else round(self._view.scroll_y)

    @property
    def max_y(self) -> int:
        """The last display line that can be at the top of the view."""
        return max(0, self._loader.layout.height - self._view.scrollable_content_region.height)

    def scroll_to_line(self, y: int, animate: bool | None = None) -> None:
        """Put display line ``y`` at the top of the view (clamped)."""
        view = self._view
        y = max(0, min(y, self.max_y))
        if animate is None:
            animate = view.smooth_scroll
        if animate:
            self.target_y = y
            view.scroll_to(y=y, animate=True, duration=0.12, on_complete=self._arrived,
                           force=True)
        else:
            # force: right after a load the scrollbars are not computed yet, and Textual would
            # refuse to scroll a widget whose scrollbar is not shown.
            self.target_y = None
            view.scroll_to(y=y, animate=False, immediate=True, force=True)

    def _arrived(self) -> None:
        self.target_y = None

    def nudge(self, step: int) -> None:
        """Scroll ``step`` lines at once (a drag past the top or bottom edge)."""
        self.scroll_to_line(self.base_y + step, animate=False)

    def show_lines(self, first: int, last: int) -> None:
        """Scroll the least needed to show display lines first..last (first if too tall)."""
        top, height = self.base_y, self._view.scrollable_content_region.height
        if first < top or last - first >= height:
            self.scroll_to_line(first)
        elif last >= top + height:
            self.scroll_to_line(last - height + 1)

    def top_block(self, top: int) -> int:
        """The block that gets the focus when display line ``top`` is paged to the top."""
        layout = self._loader.layout
        line = layout.lines[max(0, min(top, len(layout.lines) - 1))]
        block = line.block + 1 if line.role == BLANK else line.block
        return min(block, layout.laid_out_blocks - 1)

    def _focus_top_block(self, top: int) -> None:
        if self._loader.layout.lines:
            self._view.focus_block = self.top_block(top)

    def scrolled(self, top: int) -> None:
        """The view was scrolled to ``top`` by wheel or scrollbar (not by a command): keep the
        reading focus on screen."""
        layout = self._loader.layout
        if self.target_y is not None or not layout.laid_out_blocks:
            return
        first, end = layout.block_lines(min(self._view.focus_block, layout.laid_out_blocks - 1))
        if end <= top or first >= top + self._view.scrollable_content_region.height:
            self._focus_top_block(top)

    # ------------------------------------------------------------------ commands

    def block(self, step: int) -> None:
        """Focus the next (+1) or previous (-1) block, skipping rules; the view follows."""
        view, layout = self._view, self._loader.layout
        blocks, limit = view.document.blocks, layout.laid_out_blocks
        view.focus_unit = "block"
        index = view.focus_block + step
        while 0 <= index < limit and blocks[index].kind == "rule":
            index += step
        if 0 <= index < limit:
            view.focus_block = index
            first, end = layout.block_lines(index)
            self.show_lines(first, end - 1)

    def page(self, step: int) -> None:
        """Scroll ``step`` pages (from the target position); the focus goes to the top block."""
        if step > 0:
            target = min(self.base_y + step * self._view.page_height, self.max_y)
        else:
            target = max(0, self.base_y + step * self._view.page_height)
        self.scroll_to_line(target)
        self._focus_top_block(target)

    def top(self) -> None:
        """Go to the start."""
        self.scroll_to_line(0)
        self._view.focus_block = 0

    def end(self) -> None:
        """Go to the end (of what is laid out)."""
        self.scroll_to_line(self.max_y)
        self._view.focus_block = max(0, self._loader.layout.laid_out_blocks - 1)

    def go_to(self, position: int) -> None:
        """Show plain-text ``position`` at the top and focus its block (a restored place)."""
        layout = self._loader.layout
        block = min(self._view.document.block_at(position), layout.laid_out_blocks - 1)
        self._view.focus_block = max(0, block)
        self.scroll_to_line(layout.line_at_offset(position), animate=False)

    def jump_to_offset(self, offset: int) -> None:
        """Focus the block holding ``offset``; scroll its line to the top if hidden."""
        view, layout = self._view, self._loader.layout
        if not view.document.blocks:
            return
        block = min(view.document.block_at(offset), layout.laid_out_blocks - 1)
        view.focus_block = max(0, block)
        y = layout.line_at_offset(offset)
        top = self.base_y
        if not top <= y < top + view.scrollable_content_region.height:
            self.scroll_to_line(y)

    def jump_to_block(self, index: int) -> None:
        """Focus block ``index`` and scroll its first line to the top."""
        if 0 <= index < self._loader.layout.laid_out_blocks:
            self._view.focus_block = index
            self.scroll_to_line(self._loader.layout.block_lines(index)[0])

    def focus_on(self, span: Span, unit: str) -> None:
        """Make ``span`` the focus with ``unit``; the focus block and the view follow."""
        view, layout = self._view, self._loader.layout
        self._focus.span = span
        view.focus_unit = unit
        block = view.document.block_at(span[0])
        view.focus_block = max(0, min(block, layout.laid_out_blocks - 1))
        self.show_lines(layout.line_at_offset(span[0]),
                        layout.line_at_offset(max(span[0], span[1] - 1)))
        self.announce()
        view.refresh()

    def focus_range(self, start: int, end: int) -> None:
        """Focus [start, end) (clamped to the text; unit "range"), if not empty."""
        length = len(self._view.document)
        start = max(0, min(start, length))
        end = max(start, min(end, length))
        if end > start and self._view.document.blocks:
            self.focus_on((start, end), "range")

    def step(self, unit: str, forward: bool) -> None:
        """Focus the next/previous sentence or word (none: the focus stays)."""
        view = self._view
        span = self._focus.find(unit, forward, view.focus_range, view.focus_unit)
        if span is not None:
            self.focus_on(span, unit)

    def highlight(self, forward: bool) -> None:
        """Focus the next/previous highlight from the focus (by start; from a focused
        highlight, by (start, end), so highlights sharing a start are visited one by one).
        None left: the bell."""
        view = self._view
        start, end = view.focus_range
        target = self._overlays.next_highlight(start, end, view.focus_unit == "range", forward)
        if target is None:
            view.app.bell()
        else:
            self.focus_range(target[0], target[1])

    def announce(self) -> None:
        """Post a new focus range (once); a keyboard selection grows to cover it."""
        view = self._view
        start, end = view.focus_range
        if self._focus.announce(start, end, view.focus_unit):
            selection = self._focus.selection_to(start, end)
            if selection is not None:
                view.set_selection(selection)
            view.post_message(view.FocusRangeChanged(start, end, view.focus_unit))

    # ------------------------------------------------------------------ positions and cells

    def position(self) -> int:
        """The reading position: top line's offset, or the focus block's start if lower."""
        layout, view = self._loader.layout, self._view
        if not layout.lines:
            return 0
        top = layout.offset_at_line(round(view.scroll_y))
        blocks = view.document.blocks
        if 0 <= view.focus_block < len(blocks):
            return max(top, blocks[view.focus_block].start)
        return top

    def schedule_position(self) -> None:
        """Post ``PositionChanged`` soon (throttled: at most every 0.25 s, only when moved)."""
        if self._position_timer is None and self._view.is_mounted:
            self._position_timer = self._view.set_timer(POSITION_DELAY, self._emit_position)

    def _emit_position(self) -> None:
        self._position_timer = None
        offset = self.position()
        if offset != self._last_position:
            self._last_position = offset
            view = self._view
            total = max(1, self._loader.expected_chars, len(view.document))
            view.post_message(view.PositionChanged(offset, min(1.0, offset / total)))

    def offset_at(self, x: int, y: int) -> tuple[int, int] | None:
        """(plain-text offset, display line) under content cell (x, y) (see the view's)."""
        layout, view = self._loader.layout, self._view
        if not layout.lines:
            return None
        row = max(0, min(round(view.scroll_y) + y, len(layout.lines) - 1))
        margin = text_margin(view.scrollable_content_region.width, layout.width)
        return offset_at_column(view.document, layout.lines[row], layout.width, x - margin), row

    def click(self, row: int) -> None:
        """A plain click on display line ``row``: focus its block (the next one on a blank)."""
        layout, view = self._loader.layout, self._view
        line = layout.lines[row]
        block = line.block + 1 if line.role == BLANK else line.block
        view.focus_unit = "block"
        view.focus_block = max(0, min(block, layout.laid_out_blocks - 1))
