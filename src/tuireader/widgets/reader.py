"""ReaderView: the article reading pane, a ScrollView on Textual's Line API.

Why the Line API: one widget per paragraph freezes on long books; here only visible rows are
rendered, each as a cached ``Strip`` keyed on everything that changes its look.  The layout
(:mod:`tuireader.core.layout`) maps rows to plain-text offsets, which is what highlights, find
matches and the saved reading position use.

Scrolling never loses a key: every scroll command computes from the *target* position (the one
the last command asked for), not from an animation still in flight, and with ``smooth_scroll``
off (the default) it moves at once with ``immediate=True``.

The work is split over helper modules so that each has one job: ``_reader_load`` (parsing and
layout, in workers for long texts), ``_reader_focus`` (sentence/word/range focus, selection by
keys and mouse, ``[``/``]``), ``_reader_overlays`` (find, highlights, selection state and how
overlapping overlays combine), ``_reader_paint`` (rows from the Strip cache, rendering the
neighbouring pages ahead) and ``_reader_render`` (one line's Strip, the default CSS).
"""

from __future__ import annotations

import gc
from dataclasses import dataclass

from rich.style import Style
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from tuireader.core.document import Document
from tuireader.core.layout import BLANK, DEFAULT_MEASURE, DocumentLayout
from tuireader.widgets._reader_focus import FOCUS_UNITS, FocusMixin
from tuireader.widgets._reader_load import SYNC_LAYOUT_CHARS, LoadingMixin
from tuireader.widgets._reader_overlays import Highlight, OverlaysMixin
from tuireader.widgets._reader_paint import PaintingMixin, _Frame
from tuireader.widgets._reader_render import READER_CSS, STYLE_CLASSES

__all__ = ["SYNC_LAYOUT_CHARS", "ReaderView"]


class ReaderView(LoadingMixin, FocusMixin, OverlaysMixin, PaintingMixin, ScrollView,
                 can_focus=True):
    """Shows a Document; the reading focus moves by block, sentence or word; selection by
    keys or mouse; find; highlight ranges with their kinds."""

    #: Our own mouse selection (plain-text offsets) replaces Textual's screen-level selection.
    ALLOW_SELECT = False

    BINDINGS: list[BindingType] = [
        # The footer shows a few keys only (every key is on the help screen, ?): each shown key
        # is a widget the footer rebuilds whenever the bindings change.
        Binding("j,down", "next_block", "Next block", id="reader.next_block", show=False),
        Binding("k,up", "previous_block", "Previous block", id="reader.previous_block", show=False),
        Binding("space,pagedown", "page_down", "Page down", id="reader.page_down"),
        Binding("b,pageup", "page_up", "Page up", id="reader.page_up", show=False),
        Binding("g,home", "top", "Top", id="reader.top", show=False),
        Binding("G,end", "bottom", "Bottom", id="reader.bottom", show=False),
        Binding("right_parenthesis", "next_sentence", "Next sentence", show=False,
                id="reader.next_sentence"),
        Binding("left_parenthesis", "previous_sentence", "Previous sentence", show=False,
                id="reader.previous_sentence"),
        Binding("w", "next_word", "Next word", show=False, id="reader.next_word"),
        Binding("e", "previous_word", "Previous word", show=False, id="reader.previous_word"),
        Binding("v", "select", "Select", show=False, id="reader.select"),
        Binding("escape", "cancel_selection", "Cancel selection", show=False,
                id="reader.cancel_selection"),
        Binding("right_square_bracket", "next_highlight", "Next highlight", show=False,
                id="reader.next_highlight"),
        Binding("left_square_bracket", "previous_highlight", "Previous highlight", show=False,
                id="reader.previous_highlight"),
    ]

    COMPONENT_CLASSES = {
        *STYLE_CLASSES.values(),
        "reader--focus",
        "reader--focus-bar",
        "reader--focus-unit",
        "reader--match",
        "reader--current-match",
        "reader--selection",
        *(f"reader--highlight-{kind}" for kind in range(1, 6)),
        *(f"reader--highlight-mark-{kind}" for kind in range(1, 6)),
    }

    DEFAULT_CSS = READER_CSS

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
        loading: bool = False
        """The document is still loading: more matches may come (another FindChanged)."""

    @dataclass
    class Loaded(Message):
        """The whole document has been parsed and laid out."""

        blocks: int
        """Number of blocks."""
        chars: int
        """Length of the plain text."""

    @dataclass
    class LoadProgress(Message):
        """More of a long document was loaded, or what the view waits for changed.

        Posted once per parsed chunk (never per frame), so the screen can show "loading… NN%".
        """

        chars: int
        """Plain-text characters loaded so far."""
        total: int
        """Expected total (the Markdown's length while parsing: an estimate)."""
        waiting: str
        """What the view waits for: "" (nothing), "position" (the saved place) or "end"."""

        @property
        def fraction(self) -> float:
            """Loaded fraction, 0.0 to 1.0."""
            return min(1.0, self.chars / max(1, self.total))

    @dataclass
    class FocusRangeChanged(Message):
        """The focused range changed (another block, sentence, word or highlight)."""

        start: int
        """Plain-text offset where the focused range starts."""
        end: int
        """Plain-text offset where it ends."""
        unit: str
        """What is focused: "block", "sentence", "word" or "range" (e.g. a highlight)."""

    @dataclass
    class SelectionChanged(Message):
        """The selection was made, extended or dropped."""

        selection: tuple[int, int] | None
        """Plain-text (start, end) of the selection, or None when there is none."""

    measure: reactive[int] = reactive(DEFAULT_MEASURE)
    """Reading width in columns (the text is centred in the pane)."""

    focus_block: reactive[int] = reactive(0, init=False)
    """Index of the block with the reading focus."""

    focus_unit: reactive[str] = reactive("block", init=False)
    """What the focus covers: "block", "sentence", "word" or "range" (see ``focus_range``)."""

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
        self._waiting_for = ""
        self._expected_chars = 0
        self._target_y: int | None = None
        self._cache: LRUCache[tuple[object, ...], Strip] = LRUCache(2048)
        self._styles: dict[tuple[str, ...], Style] = {}
        self._highlights: list[Highlight] = []
        self._highlight_starts: list[int] = []
        self._longest_highlight = 0
        self._selection: tuple[int, int] | None = None
        self._find_query = ""
        self._matches: list[tuple[int, int]] = []
        self._match_starts: list[int] = []
        self._match_index = -1
        self._focus_span: tuple[int, int] | None = None
        self._anchor: tuple[int, int] | None = None
        self._unit_cache: LRUCache[tuple[int, str], list[tuple[int, int]]] = LRUCache(256)
        self._announced: tuple[int, int, str] | None = None
        self._press: tuple[int, int] | None = None
        self._dragged = False
        self._position_timer: Timer | None = None
        self._last_position: int | None = None
        self._initial_document = document
        self._frame: _Frame | None = None
        self._prefetch_timer: Timer | None = None

    def on_mount(self) -> None:
        super().on_mount()
        if self._initial_document is not None:
            self.load(self._initial_document)
            self._initial_document = None

    # ------------------------------------------------------------------ loading and layout

    @property
    def layout_width(self) -> int:
        """Columns of text per line: the measure, narrowed to fit the pane."""
        # The scrollbar's columns are always set aside: the scrollbar appears only once the
        # document is laid out, and the width must not change (and re-wrap) when it does.
        if not self.size.width:  # not laid out yet: the measure, re-wrapped on the first resize
            return max(16, self.measure)
        pane = self.size.width - self.styles.scrollbar_size_vertical
        return max(16, min(self.measure, pane - 6))  # 3 gutter columns each side

    @property
    def page_height(self) -> int:
        """Rows moved by one page-down."""
        return max(1, self.scrollable_content_region.height)

    @property
    def line_count(self) -> int:
        """Display lines laid out so far."""
        return self._layout.height

    def _reset(self, document: Document, expected_chars: int) -> None:
        """Forget everything about the previous document (called by ``load``)."""
        # Objects frozen while the previous document loaded (see _reader_load) go back to the
        # collector, so garbage cycles frozen with them are freed at the next full collection.
        gc.unfreeze()
        self._load_generation += 1
        self.document = document
        self._expected_chars = expected_chars
        self._cache.clear()
        self._unit_cache.clear()
        self.set_highlights([])
        self._anchor = None
        self.set_selection(None)
        self._matches, self._match_starts, self._match_index = [], [], -1
        self._find_query = ""
        self._target_y = None
        self._waiting_for = ""
        self._pending_position = None
        self._last_position = None
        self._focus_span = None
        self._announced = None
        self._press = None
        self.set_reactive(type(self).focus_unit, "block")
        self.set_reactive(type(self).focus_block, 0)


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
        if self._layout.lines:
            self.focus_block = self._top_block(top)

    def _top_block(self, top: int) -> int:
        """The block that gets the focus when display line ``top`` is paged to the top."""
        lines = self._layout.lines
        line = lines[max(0, min(top, len(lines) - 1))]
        block = line.block + 1 if line.role == BLANK else line.block
        return min(block, self._layout.laid_out_blocks - 1)

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
        self._user_moved()
        self.focus_unit = "block"
        self._move_focus(+1)

    def action_previous_block(self) -> None:
        """Move the reading focus to the previous block; the view follows."""
        self._user_moved()
        self.focus_unit = "block"
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
        self._user_moved()
        target = min(self._base_y() + self.page_height, self._max_y())
        self._scroll_to_line(target)
        self._focus_top_block(target)

    def action_page_up(self) -> None:
        """Scroll one page up from the target position."""
        self._user_moved()
        target = max(0, self._base_y() - self.page_height)
        self._scroll_to_line(target)
        self._focus_top_block(target)

    def action_top(self) -> None:
        """Go to the start of the article."""
        self._user_moved()
        self._scroll_to_line(0)
        self.focus_block = 0

    def action_bottom(self) -> None:
        """Go to the end of the article; while it loads, go there once it is loaded."""
        self._user_moved()
        if self.still_loading:
            self._wait_for("end")
            return
        self._go_to_end()

    def jump_to_offset(self, offset: int) -> None:
        """Focus the block holding plain-text ``offset``; scroll its line to the top if hidden."""
        self._user_moved()
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
        self._user_moved()
        if not 0 <= index < self._layout.laid_out_blocks:
            return
        self.focus_block = index
        self._scroll_to_line(self._layout.block_lines(index)[0])

    def watch_focus_block(self, old: int, new: int) -> None:
        self._check_focus_unit(new)
        self.refresh()
        if 0 <= new < len(self.document.blocks):
            block = self.document.blocks[new]
            self.post_message(self.FocusChanged(new, block.start, block.end))
        self._focus_moved()
        self._schedule_position()

    def validate_focus_unit(self, unit: str) -> str:
        return unit if unit in FOCUS_UNITS else "block"

    def watch_focus_unit(self) -> None:
        self.refresh()
        self._focus_moved()

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
