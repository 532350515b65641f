"""ReaderView: the article reading pane, a ScrollView on Textual's Line API.

Why the Line API: one widget per paragraph freezes on long books; here only visible rows are
rendered, each as a cached ``Strip`` keyed on everything that changes its look.  The layout
(:mod:`tuireader.layout`) maps rows to plain-text offsets, which is what highlights, find matches
and the saved reading position use.

Scrolling never loses a key: every scroll command computes from the *target* position (the one
the last command asked for), not from an animation still in flight, and with ``smooth_scroll``
off (the default) it moves at once with ``immediate=True``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from rich.style import Style
from textual import work
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from tuireader.document import Block, Document, iter_parse
from tuireader.layout import BLANK, DEFAULT_MEASURE, DocumentLayout, Line, layout_blocks
from tuireader.widgets._reader_overlays import OverlaysMixin
from tuireader.widgets._reader_render import STYLE_CLASSES, Overlay, render_strip

#: Documents shorter than this are laid out on the event loop; longer ones in a worker.
SYNC_LAYOUT_CHARS = 400_000


class ReaderView(OverlaysMixin, ScrollView, can_focus=True):
    """Shows a Document; reading focus moves block by block; find; highlight ranges."""

    BINDINGS: list[BindingType] = [
        Binding("j,down", "next_block", "Next block", id="reader.next_block"),
        Binding("k,up", "previous_block", "Previous block", id="reader.previous_block"),
        Binding("space,pagedown", "page_down", "Page down", id="reader.page_down"),
        Binding("b,pageup", "page_up", "Page up", id="reader.page_up"),
        Binding("g,home", "top", "Top", id="reader.top"),
        Binding("G,end", "bottom", "Bottom", id="reader.bottom"),
    ]

    COMPONENT_CLASSES = {
        *STYLE_CLASSES.values(),
        "reader--focus",
        "reader--focus-bar",
        "reader--match",
        "reader--current-match",
        "reader--selection",
        *(f"reader--highlight-{kind}" for kind in range(1, 6)),
    }

    DEFAULT_CSS = """
    ReaderView {
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
        & > .reader--match { background: $warning 40%; }
        & > .reader--current-match { background: $warning; color: $text; text-style: bold; }
        & > .reader--selection { background: $primary 50%; }
        & > .reader--highlight-1 { background: #a08a00 60%; }
        & > .reader--highlight-2 { background: #2e7d32 60%; }
        & > .reader--highlight-3 { background: #1565c0 60%; }
        & > .reader--highlight-4 { background: #c62828 60%; }
        & > .reader--highlight-5 { background: #6a1b9a 60%; }
    }
    """

    @dataclass
    class PositionChanged(Message):
        """The reading position moved (throttled); save it to restore the article later."""

        offset: int
        """Plain-text offset of the reading position (top of view, or the focus block)."""
        progress: float
        """Fraction of the article above the position, 0.0 to 1.0."""

    @dataclass
    class FocusChanged(Message):
        """The reading focus moved to another block."""

        block_index: int
        """Index of the focused block in ``Document.blocks``."""
        start: int
        """Plain-text offset where the block starts."""
        end: int
        """Plain-text offset where the block ends."""

    @dataclass
    class FindChanged(Message):
        """Find results or the current match changed."""

        query: str
        """The text searched for ("" when find was cleared)."""
        count: int
        """Number of matches."""
        index: int
        """Index of the current match, or -1 when there is none."""

    @dataclass
    class Loaded(Message):
        """The whole document has been parsed and laid out."""

        blocks: int
        """Number of blocks."""
        chars: int
        """Length of the plain text."""

    measure: reactive[int] = reactive(DEFAULT_MEASURE)
    """Reading width in columns (the text is centred in the pane)."""

    focus_block: reactive[int] = reactive(0, init=False)
    """Index of the block with the reading focus."""

    def __init__(
        self,
        document: Document | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        #: Animate key scrolling.  Off by default: key jumps never animate.
        self.smooth_scroll = False
        self.document = document or Document()
        self._layout = DocumentLayout(self.document, DEFAULT_MEASURE)
        self._layout_version = 0
        self._load_generation = 0
        self._relayout_generation = 0
        self._pending_position: int | None = None
        self._expected_chars = 0
        self._target_y: int | None = None
        self._cache: LRUCache[tuple[object, ...], Strip] = LRUCache(2048)
        self._styles: dict[tuple[str, ...], Style] = {}
        self._highlights: list[Overlay] = []
        self._highlight_version = 0
        self._selection: tuple[int, int] | None = None
        self._selection_version = 0
        self._find_query = ""
        self._matches: list[tuple[int, int]] = []
        self._match_starts: list[int] = []
        self._match_index = -1
        self._find_version = 0
        self._position_timer: Timer | None = None
        self._last_position: int | None = None
        self._initial_document = document

    def on_mount(self) -> None:
        super().on_mount()
        if self._initial_document is not None:
            self.load(self._initial_document)
            self._initial_document = None

    # ------------------------------------------------------------------ loading and layout

    @property
    def layout_width(self) -> int:
        """Columns of text per line: the measure, narrowed to fit the pane."""
        pane = self.scrollable_content_region.width or self.measure + 4
        return max(16, min(self.measure, pane - 4))

    @property
    def page_height(self) -> int:
        """Rows moved by one page-down."""
        return max(1, self.scrollable_content_region.height)

    @property
    def line_count(self) -> int:
        """Display lines laid out so far."""
        return self._layout.height

    def load(self, document: Document, position: int = 0) -> None:
        """Show ``document`` with plain-text ``position`` at the top of the view."""
        self._reset(document, len(document))
        self._layout = DocumentLayout(document, self.layout_width)
        self._layout_version += 1
        if len(document) <= SYNC_LAYOUT_CHARS:
            self._layout.extend()
            self._update_virtual_size()
            self._finish_load(position)
            return
        # Lay out enough to show the position now; the rest in a worker.
        self._layout.extend(document.block_at(position) + 200)
        self._update_virtual_size()
        self._go_to_position(position)
        self._pending_position = None
        self._layout_rest(self._load_generation, self._layout, self._layout.width)

    def load_markdown(self, markdown: str, position: int = 0) -> None:
        """Parse and show Markdown: the first chunk now, the rest in a thread worker."""
        self._reset(Document(complete=False), len(markdown))
        self._layout = DocumentLayout(self.document, self.layout_width)
        self._layout_version += 1
        chunks = iter_parse(markdown)
        self.document.extend(next(chunks, []))
        self._layout.extend()
        self._update_virtual_size()
        self._pending_position = position
        self._maybe_restore_pending()
        self._parse_rest(self._load_generation, chunks, self._layout.width)

    def _reset(self, document: Document, expected_chars: int) -> None:
        self._load_generation += 1
        self.document = document
        self._expected_chars = expected_chars
        self._cache.clear()
        self._highlights = []
        self._selection = None
        self._matches, self._match_starts, self._match_index = [], [], -1
        self._find_query = ""
        self._target_y = None
        self._last_position = None
        self.set_reactive(ReaderView.focus_block, 0)

    @work(thread=True, exclusive=True, exit_on_error=False, group="reader-parse")
    def _parse_rest(self, generation: int, chunks: Iterator[list[Block]], width: int) -> None:
        """Parse and lay out the remaining chunks off the event loop, handing each to the UI."""
        index = len(self.document.blocks)
        for blocks in chunks:
            if generation != self._load_generation:
                return
            lines = layout_blocks(blocks, index, width)
            index += len(blocks)
            self.app.call_from_thread(self._append_chunk, generation, blocks, lines, width)
        self.app.call_from_thread(self._finish_parse, generation)

    def _append_chunk(
        self, generation: int, blocks: list[Block], lines: list[Line], width: int
    ) -> None:
        if generation != self._load_generation:
            return
        self.document.extend(blocks)
        if width == self._layout.width and self._layout.laid_out_blocks == len(
            self.document.blocks
        ) - len(blocks):
            self._layout.append(lines)
        else:
            self._layout.extend()
        self._update_virtual_size()
        self._maybe_restore_pending()

    def _finish_parse(self, generation: int) -> None:
        if generation != self._load_generation:
            return
        self.document.complete = True
        self._expected_chars = len(self.document)
        self._maybe_restore_pending()
        self._pending_position = None
        self.post_message(self.Loaded(len(self.document.blocks), len(self.document)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="reader-layout")
    def _layout_rest(self, generation: int, layout: DocumentLayout, width: int) -> None:
        """Lay out the blocks of a loaded document beyond the first screen, in slices."""
        blocks = self.document.blocks
        start = layout.laid_out_blocks
        step = 2000
        for first in range(start, len(blocks), step):
            lines = layout_blocks(blocks[first : first + step], first, width)
            if generation != self._load_generation:
                return
            self.app.call_from_thread(self._append_layout, generation, layout, first, lines)
        self.app.call_from_thread(self._finish_parse, generation)

    def _append_layout(
        self, generation: int, layout: DocumentLayout, first: int, lines: list[Line]
    ) -> None:
        if generation != self._load_generation or layout is not self._layout:
            return
        if layout.laid_out_blocks == first:
            layout.append(lines)
            self._update_virtual_size()

    @work(thread=True, exclusive=True, exit_on_error=False, group="reader-relayout")
    def _relayout(self, generation: int, blocks: list[Block], width: int) -> None:
        """Re-wrap a large document at a new width off the event loop."""
        lines = layout_blocks(blocks, 0, width)
        self.app.call_from_thread(self._swap_layout, generation, width, lines)

    def _swap_layout(self, generation: int, width: int, lines: list[Line]) -> None:
        if generation != self._relayout_generation:
            return
        anchor = self.position
        layout = DocumentLayout(self.document, width)
        layout.append(lines)
        layout.extend()
        self._install_layout(layout, anchor)

    def _install_layout(self, layout: DocumentLayout, anchor: int) -> None:
        self._layout = layout
        self._layout_version += 1
        self._cache.clear()
        self._update_virtual_size()
        self._scroll_to_line(layout.line_at_offset(anchor), animate=False)

    def _width_changed(self) -> None:
        width = self.layout_width
        if width == self._layout.width or not self.document.blocks:
            if self._layout.width != width:
                self._layout = DocumentLayout(self.document, width)
            self._cache.clear()
            self.refresh()
            return
        anchor = self.position
        if len(self.document) <= SYNC_LAYOUT_CHARS:
            layout = DocumentLayout(self.document, width)
            layout.extend()
            self._install_layout(layout, anchor)
        else:
            self._relayout_generation += 1
            self._relayout(self._relayout_generation, self.document.blocks[:], width)

    def watch_measure(self) -> None:
        if self.is_mounted:
            self._width_changed()

    def on_resize(self) -> None:
        self._cache.clear()
        self._width_changed()
        self._update_virtual_size()

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self._layout.height)

    def _finish_load(self, position: int) -> None:
        self._go_to_position(position)
        self.document.complete = True
        self.post_message(self.Loaded(len(self.document.blocks), len(self.document)))

    def _maybe_restore_pending(self) -> None:
        position = self._pending_position
        if position is None:
            return
        if position < len(self.document) or self.document.complete:
            self._pending_position = None
            self._go_to_position(position)

    def _go_to_position(self, position: int) -> None:
        if not self.document.blocks:
            return
        block = min(self.document.block_at(position), self._layout.laid_out_blocks - 1)
        self.focus_block = max(0, block)
        self._scroll_to_line(self._layout.line_at_offset(position), animate=False)

    # ------------------------------------------------------------------ scrolling

    def _base_y(self) -> int:
        """Where the last scroll command was heading (not where an animation currently is)."""
        return self._target_y if self._target_y is not None else round(self.scroll_y)

    def _max_y(self) -> int:
        return max(0, self._layout.height - self.scrollable_content_region.height)

    def _scroll_to_line(self, y: int, animate: bool | None = None) -> None:
        y = max(0, min(y, self._max_y()))
        if animate is None:
            animate = self.smooth_scroll
        if animate:
            self._target_y = y
            self.scroll_to(y=y, animate=True, duration=0.12, on_complete=self._clear_target,
                           force=True)
        else:
            # force: right after a load the scrollbars are not computed yet, and Textual would
            # refuse to scroll a widget whose scrollbar is not shown.
            self._target_y = None
            self.scroll_to(y=y, animate=False, immediate=True, force=True)

    def _clear_target(self) -> None:
        self._target_y = None

    def _focus_top_block(self, top: int) -> None:
        """After paging, the reading focus goes to the block at the top of the view."""
        lines = self._layout.lines
        if not lines:
            return
        top = min(top, len(lines) - 1)
        line = lines[top]
        block = line.block + 1 if line.role == BLANK else line.block
        self.focus_block = min(block, self._layout.laid_out_blocks - 1)

    def _ensure_block_visible(self, block: int) -> None:
        if block >= self._layout.laid_out_blocks:
            return
        first, end = self._layout.block_lines(block)
        top, height = self._base_y(), self.scrollable_content_region.height
        if first < top or end - first > height:
            self._scroll_to_line(first)
        elif end > top + height:
            self._scroll_to_line(end - height)

    def action_next_block(self) -> None:
        """Move the reading focus to the next block; the view follows."""
        self._move_focus(+1)

    def action_previous_block(self) -> None:
        """Move the reading focus to the previous block; the view follows."""
        self._move_focus(-1)

    def _move_focus(self, step: int) -> None:
        blocks = self.document.blocks
        index = self.focus_block + step
        while 0 <= index < self._layout.laid_out_blocks and blocks[index].kind == "rule":
            index += step
        if 0 <= index < self._layout.laid_out_blocks:
            self.focus_block = index
            self._ensure_block_visible(index)

    def action_page_down(self) -> None:
        """Scroll one page down from the target position."""
        target = min(self._base_y() + self.page_height, self._max_y())
        self._scroll_to_line(target)
        self._focus_top_block(target)

    def action_page_up(self) -> None:
        """Scroll one page up from the target position."""
        target = max(0, self._base_y() - self.page_height)
        self._scroll_to_line(target)
        self._focus_top_block(target)

    def action_top(self) -> None:
        """Go to the start of the article."""
        self._scroll_to_line(0)
        self.focus_block = 0

    def action_bottom(self) -> None:
        """Go to the end of the article (as far as it is loaded)."""
        self._scroll_to_line(self._max_y())
        self.focus_block = max(0, self._layout.laid_out_blocks - 1)

    def jump_to_offset(self, offset: int) -> None:
        """Focus the block holding plain-text ``offset``; scroll its line to the top if hidden."""
        if not self.document.blocks:
            return
        block = min(self.document.block_at(offset), self._layout.laid_out_blocks - 1)
        self.focus_block = max(0, block)
        y = self._layout.line_at_offset(offset)
        top = self._base_y()
        if not top <= y < top + self.scrollable_content_region.height:
            self._scroll_to_line(y)

    def jump_to_block(self, index: int) -> None:
        """Focus block ``index`` and scroll its first line to the top (outline navigation)."""
        if not 0 <= index < self._layout.laid_out_blocks:
            return
        self.focus_block = index
        self._scroll_to_line(self._layout.block_lines(index)[0])

    def watch_focus_block(self, old: int, new: int) -> None:
        self.refresh()
        if 0 <= new < len(self.document.blocks):
            block = self.document.blocks[new]
            self.post_message(self.FocusChanged(new, block.start, block.end))
        self._schedule_position()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._target_y is None and self._layout.laid_out_blocks:
            # Scrolled by wheel or scrollbar: keep the reading focus on screen.
            top = round(new_value)
            first, end = self._layout.block_lines(
                min(self.focus_block, self._layout.laid_out_blocks - 1)
            )
            if end <= top or first >= top + self.scrollable_content_region.height:
                self._focus_top_block(top)
        self._schedule_position()

    # ------------------------------------------------------------------ reading position

    @property
    def position(self) -> int:
        """The reading position: top line's offset, or the focus block's start if lower."""
        if not self._layout.lines:
            return 0
        top = self._layout.offset_at_line(round(self.scroll_y))
        blocks = self.document.blocks
        if 0 <= self.focus_block < len(blocks):
            return max(top, blocks[self.focus_block].start)
        return top

    def _schedule_position(self) -> None:
        if self._position_timer is None and self.is_mounted:
            self._position_timer = self.set_timer(0.25, self._emit_position)

    def _emit_position(self) -> None:
        self._position_timer = None
        offset = self.position
        if offset != self._last_position:
            self._last_position = offset
            total = max(1, self._expected_chars, len(self.document))
            self.post_message(self.PositionChanged(offset, min(1.0, offset / total)))

    # ------------------------------------------------------------------ rendering

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

    def render_line(self, y: int) -> Strip:
        """Render row ``y`` of the view from the (cached) strip of its display line."""
        index = round(self.scroll_y) + y
        pane_width = self.scrollable_content_region.width
        lines = self._layout.lines
        if index >= len(lines) or index < 0:
            return Strip.blank(pane_width, self._style_for(()))
        line = lines[index]
        overlays, current = self._overlays(line.start, line.end)
        focused = line.block == self.focus_block and line.role != BLANK
        key = (
            index,
            pane_width,
            self._layout_version,
            focused,
            self._highlight_version,
            self._find_version if overlays else -1,
            current,
            self._selection_version if overlays else -1,
        )
        strip = self._cache.get(key)
        if strip is None:
            width = self._layout.width
            strip = render_strip(
                self.document,
                line,
                width=width,
                margin=max(2, (pane_width - width) // 2),
                pane_width=pane_width,
                focused=focused,
                overlays=overlays,
                style_for=self._style_for,
            )
            self._cache[key] = strip
        return strip.apply_offsets(0, index)
