"""ReaderView: the article reading pane, a ScrollView on Textual's Line API.

Why the Line API: one widget per paragraph freezes on long books; here only visible rows are
rendered, each as a cached ``Strip`` keyed on everything that changes its look.  The layout
(:mod:`tuireader.core.layout`) maps rows to plain-text offsets, which is what highlights, find
matches and the saved reading position use.

The view is the widget: keys, messages, reactives and the Strip cache (only ``invalidate`` clears
it).  Like Textual's ``Log`` and toolong's ``LogLines`` it holds small objects with their own
state: a ``Loader`` (the document, its layout, chunked parsing, the parse cache), a ``Navigator``
(scrolling and focus motion), a ``Focus`` (the focused sentence/word/range), a ``Selector``
(``v`` and mouse selection), ``Overlays`` (highlights, the selected range), a ``Finder`` (``/``)
and a ``Painter`` (how a row looks, its Strip).  Those that act on the view are handed it and use
its public API only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar, TypeAlias

from rich.style import Style
from textual import events
from textual.binding import BindingType
from textual.cache import LRUCache
from textual.geometry import Region
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from tuireader.core.document import Document
from tuireader.core.layout import DEFAULT_MEASURE, DocumentLayout, Line
from tuireader.widgets.reader import keys, messages
from tuireader.widgets.reader.finder import Finder, Spans
from tuireader.widgets.reader.focus import FOCUS_UNITS, Focus
from tuireader.widgets.reader.loader import Loader, LoadEvents
from tuireader.widgets.reader.navigator import Navigator
from tuireader.widgets.reader.notes import Noted
from tuireader.widgets.reader.overlays import Highlight, Overlays
from tuireader.widgets.reader.painter import Frame, Painter
from tuireader.widgets.reader.render import COMPONENT_CLASSES, READER_CSS
from tuireader.widgets.reader.selection import Selector

#: Seconds without a new frame before the neighbouring pages are rendered ahead.
PREFETCH_DELAY = 0.05

Span = tuple[int, int]


class ReaderView(ScrollView, can_focus=True):
    """Shows a Document; the reading focus moves by block, sentence or word; selection by
    keys or mouse; find; highlight ranges with their kinds."""

    #: Our own mouse selection (plain-text offsets) replaces Textual's screen-level selection.
    ALLOW_SELECT = False

    BINDINGS: ClassVar[list[BindingType]] = keys.BINDINGS

    COMPONENT_CLASSES: ClassVar[set[str]] = COMPONENT_CLASSES

    DEFAULT_CSS = READER_CSS

    # The messages it posts, documented in ``messages``.
    PositionChanged: TypeAlias = messages.PositionChanged
    FocusChanged: TypeAlias = messages.FocusChanged
    FindChanged: TypeAlias = messages.FindChanged
    Loaded: TypeAlias = messages.Loaded
    LoadProgress: TypeAlias = messages.LoadProgress
    FocusRangeChanged: TypeAlias = messages.FocusRangeChanged
    SelectionChanged: TypeAlias = messages.SelectionChanged

    measure: reactive[int] = reactive(DEFAULT_MEASURE)
    """Reading width in columns (the text is centred in the pane)."""

    focus_block: reactive[int] = reactive(0, init=False)
    """Index of the block with the reading focus."""

    focus_unit: reactive[str] = reactive("block", init=False)
    """What the focus covers: "block", "sentence", "word" or "range" (see ``focus_range``)."""

    def __init__(self, document: Document | None = None, *, name: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        #: Animate key scrolling.  Off by default: key jumps never animate.
        self.smooth_scroll = False
        # Looked up when called: the navigator and the finder are made after the loader.
        self._loader = Loader(self, LoadEvents(
            go_to=lambda offset: self._nav.go_to(offset),
            go_to_end=lambda: self._nav.end(),
            grew=lambda old_length: self._finder.grew(old_length),
            finished=lambda: self._finder.finished(),
            keep=lambda offset: self._nav.scroll_to_line(
                self._loader.layout.line_at_offset(offset), animate=False),
        ), document, DEFAULT_MEASURE)
        self._focus = Focus(self._loader)
        self._overlays = Overlays()
        self._nav = Navigator(self, self._loader, self._focus, self._overlays)
        self._selector = Selector(self, self._overlays, self._focus, self._nav)
        self._finder = Finder(self)
        self._painter = Painter(self, self._loader, self._overlays, self._finder)
        self._strips: LRUCache[tuple[object, ...], Strip] = LRUCache(2048)
        self._frame: Frame | None = None
        self._prefetch_timer: Timer | None = None
        self._initial_document = document

    def on_mount(self) -> None:
        super().on_mount()
        if self._initial_document is not None:
            self.load(self._initial_document)
            self._initial_document = None

    @property
    def document(self) -> Document:
        """The document shown (still growing while ``still_loading``)."""
        return self._loader.document

    @property
    def text_layout(self) -> DocumentLayout:
        """The document's display lines at ``layout_width`` (row <-> plain-text offset)."""
        return self._loader.layout

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
        return self._loader.layout.height

    @property
    def still_loading(self) -> bool:
        """True while a long document is still being parsed or laid out.

        (Not ``loading``: that is Textual's reactive for a loading indicator, and a widget
        that is ``loading`` cannot take the focus.)
        """
        return self._loader.still_loading

    @property
    def waiting_for(self) -> str:
        """What the view waits for while loading: "" (nothing), "position" or "end"."""
        return self._loader.waiting_for

    def load_fraction(self) -> float:
        """How much of the document is loaded, 0.0 to 1.0 (approximate while parsing)."""
        return self._loader.fraction()

    def load(self, document: Document, position: int = 0, lines: list[Line] | None = None,
             cache: tuple[Path, str] | None = None) -> None:
        """Show ``document`` with plain-text ``position`` at the top of the view.

        ``lines``: the document's display lines at the current width, if known (a cache).
        ``cache``: (path, key) of its parse cache, rewritten with the lines once they are all
        laid out, so the next open at this width needs no layout either.
        """
        self._forget()
        self._loader.load(document, position, self.layout_width, lines, cache)

    def load_markdown(self, markdown: str, position: int = 0,
                      cache_path: Path | None = None) -> None:
        """Parse and show Markdown: the first chunk now, the rest in a thread worker.

        With ``cache_path`` (where this article's parse cache lives), a valid cache is loaded
        instead of parsing, and a fresh parse is written there for the next open.
        """
        self._forget()
        self._loader.load_markdown(markdown, position, self.layout_width, cache_path)

    def _forget(self) -> None:
        """Forget the focus, overlays, find and scroll state of the previous document."""
        self.invalidate()
        self._focus.reset()
        self._overlays.set_highlights([])
        self._selector.reset()
        self._finder.clear()
        self._nav.reset()
        self.set_reactive(ReaderView.focus_unit, "block")
        self.set_reactive(ReaderView.focus_block, 0)

    def watch_measure(self) -> None:
        if self.is_mounted and not self._loader.rewrap(self.layout_width):
            self.invalidate()

    def on_resize(self) -> None:
        self.invalidate()
        self._loader.rewrap(self.layout_width)
        self._loader.fit()

    def _user_moved(self) -> None:
        """A key or click moved the view: whatever the load was going to do is cancelled."""
        self._loader.cancel()

    def action_next_block(self) -> None:
        """Move the reading focus to the next block; the view follows."""
        self._user_moved()
        self._nav.block(+1)

    def action_previous_block(self) -> None:
        """Move the reading focus to the previous block; the view follows."""
        self._user_moved()
        self._nav.block(-1)

    def action_page_down(self) -> None:
        """Scroll one page down from the target position."""
        self._user_moved()
        self._nav.page(+1)

    def action_page_up(self) -> None:
        """Scroll one page up from the target position."""
        self._user_moved()
        self._nav.page(-1)

    def action_top(self) -> None:
        """Go to the start of the article."""
        self._user_moved()
        self._nav.top()

    def action_bottom(self) -> None:
        """Go to the end of the article; while it loads, go there once it is loaded."""
        self._user_moved()
        if self.still_loading:
            self._loader.wait_for("end")
        else:
            self._nav.end()

    def jump_to_offset(self, offset: int) -> None:
        """Focus the block holding plain-text ``offset``; scroll its line to the top if hidden."""
        self._user_moved()
        self._nav.jump_to_offset(offset)

    def jump_to_block(self, index: int) -> None:
        """Focus block ``index`` and scroll its first line to the top (outline navigation)."""
        self._user_moved()
        self._nav.jump_to_block(index)

    def watch_focus_block(self, old: int, new: int) -> None:
        if not self._focus.applies_to(self.focus_unit, new):
            self.focus_unit = "block"
        self.refresh()
        if 0 <= new < len(self.document.blocks):
            block = self.document.blocks[new]
            self.post_message(self.FocusChanged(new, block.start, block.end))
        self._nav.announce()
        self._nav.schedule_position()

    def validate_focus_unit(self, unit: str) -> str:
        return unit if unit in FOCUS_UNITS else "block"

    def watch_focus_unit(self) -> None:
        self.refresh()
        self._nav.announce()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._nav.scrolled(round(new_value))
        self._nav.schedule_position()

    @property
    def position(self) -> int:
        """The reading position: top line's offset, or the focus block's start if lower."""
        return self._nav.position()

    @property
    def focus_range(self) -> Span:
        """Plain-text (start, end) of the focused unit."""
        return self._focus.range(self.focus_unit, self.focus_block)

    def focus_range_at(self, start: int, end: int) -> None:
        """Focus the explicit range [start, end) (unit ``"range"``) and scroll it into view."""
        self._nav.focus_range(start, end)

    def annotation_range(self) -> Span:
        """What ``h`` highlights: the selection if there is one, else the focus range."""
        return self.selection or self.focus_range

    def action_next_sentence(self) -> None:
        """Focus the next sentence (the first one of the block when a block is focused)."""
        self._user_moved()
        self._nav.step("sentence", True)

    def action_previous_sentence(self) -> None:
        """Focus the previous sentence (the start of the current one from inside it)."""
        self._user_moved()
        self._nav.step("sentence", False)

    def action_next_word(self) -> None:
        """Focus the next word."""
        self._user_moved()
        self._nav.step("word", True)

    def action_previous_word(self) -> None:
        """Focus the previous word."""
        self._user_moved()
        self._nav.step("word", False)

    def action_next_highlight(self) -> None:
        """Focus the next highlight by start (``]``); from a highlight, by (start, end)."""
        self._user_moved()
        self._nav.highlight(True)

    def action_previous_highlight(self) -> None:
        """Focus the previous highlight by start (``[``); from a highlight, by (start, end)."""
        self._user_moved()
        self._nav.highlight(False)

    @property
    def selection(self) -> Span | None:
        """The selected plain-text range (start, end), or None."""
        return self._overlays.selection

    @property
    def selecting(self) -> bool:
        """True while ``v`` is extending a selection with every focus move."""
        return self._focus.anchor is not None

    def set_selection(self, selection: Span | None) -> None:
        """Mark a plain-text range as selected (None clears it) and tell the screen."""
        self._selector.set(selection)

    def action_select(self) -> None:
        """Start a selection at the focus (``v``); pressed again, drop it (as Vim's ``v``)."""
        self._selector.toggle(self.focus_range)

    def action_cancel_selection(self) -> None:
        """Drop the selection (``escape`` while there is one)."""
        self.clear_selection()

    def clear_selection(self) -> None:
        """Drop the selection and stop extending it (the screen calls this after ``h``)."""
        self._selector.clear()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``escape`` is ours only while there is a selection; otherwise the screen gets it."""
        if action == "cancel_selection":
            return self.selecting or self.selection is not None
        return super().check_action(action, parameters)

    def offset_at(self, x: int, y: int) -> tuple[int, int] | None:
        """(plain-text offset, display line) under content cell (x, y), or None if empty.

        Accounts for the scroll position, the centred measure and the line's decoration; rows
        above or below the view clamp to the first/last line so a drag can run past the edge.
        """
        return self._nav.offset_at(x, y)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        """Remember where a drag may start; nothing is selected until the pointer moves."""
        if event.button == 1:
            self._user_moved()
            if self._selector.mouse_down(event):
                self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        """Select from the press to the pointer; past the top or bottom edge, scroll a line."""
        self._selector.mouse_move(event)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        """End a drag (the selection stays) or, after a plain click, focus the clicked block."""
        self._selector.mouse_up()

    @property
    def matches(self) -> list[Span]:
        """Find matches as plain-text (start, end) ranges."""
        return self._finder.matches

    @property
    def match_count(self) -> int:
        """Number of find matches."""
        return len(self._finder.matches)

    @property
    def match_index(self) -> int:
        """Index of the current find match, -1 if none."""
        return self._finder.index

    def find(self, query: str, spans: Spans | None = None) -> int:
        """Find ``query`` (case-insensitive, literal, or as ``spans`` finds it) in the article;
        go to the first match at or after the reading position.  An empty query clears find.
        Returns the count."""
        return self._finder.find(query, spans)

    def find_next(self) -> None:
        """Go to the next match (wrapping around)."""
        self._finder.step(+1)

    def find_previous(self) -> None:
        """Go to the previous match (wrapping around)."""
        self._finder.step(-1)

    @property
    def highlights(self) -> list[Highlight]:
        """The highlights shown, as (start, end, kind), sorted by start then end."""
        return self._overlays.highlights

    def set_highlights(self, ranges: Sequence[tuple[int, int, int] | Noted]) -> None:
        """Show plain-text ranges as highlights: (start, end, kind) with kind 1-5, and
        optionally the note (start, end, kind, note): a mark in the margin, and its first line
        under the focused highlight.  Overlaps: a character takes the shortest one's style.
        """
        self._overlays.set_highlights(ranges)
        self.refresh()

    def invalidate(self, restyle: bool = False) -> None:
        """Forget the cached Strips (with ``restyle``, the resolved styles too) and repaint:
        the one place they are cleared (new document or layout, resize, theme change)."""
        if restyle:
            self._painter.restyle()
        self._strips.clear()
        self.refresh()

    def painted_style(self, *classes: str) -> Style:
        """The opaque Rich style rows are painted with for component ``classes`` laid in order
        over the view's background (translucent theme colours blended in)."""
        return self._painter.style_for(classes)

    def notify_style_update(self) -> None:
        """Theme or CSS changed: resolved styles and cached strips are stale."""
        super().notify_style_update()
        self.invalidate(restyle=True)

    def render_lines(self, crop: Region) -> list[Strip]:
        """Render the rows in ``crop``, working out what they share (scroll, focus) once.

        A moment later, if no key came, the pages above and below are rendered into the Strip
        cache as a page-down/up will show them: the next page costs Textual's drawing only.
        """
        self._frame = self._frame_state()
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None
            if self._prefetch_timer is None and self.is_mounted:
                self._prefetch_timer = self.set_timer(PREFETCH_DELAY, self._prefetch_pages)

    def _frame_state(self) -> Frame:
        return self._painter.frame(round(self.scroll_y), self.scrollable_content_region.width,
                                   self.focus_unit, self.focus_range, self.focus_block)

    def _prefetch_pages(self) -> None:
        self._prefetch_timer = None
        nav = self._nav
        if self.waiting_for or not self._loader.layout.lines or nav.target_y is not None:
            return
        height = self.page_height
        for frame in self._painter.ahead(round(self.scroll_y), height,
                                         self.scrollable_content_region.width, nav.max_y,
                                         nav.top_block):
            for y in range(height):
                self._row(frame, y)

    def render_line(self, y: int) -> Strip:
        """Render row ``y`` of the view from the (cached) strip of its display line.

        No ``Strip.apply_offsets``: those per-segment offsets serve only Textual's own text
        selection, which this widget replaces (``ALLOW_SELECT = False``), and adding them cost
        about half of a page-down's rendering.
        """
        frame = self._frame or self._frame_state()
        if self._loader.waiting_for:
            return self._painter.waiting(y, self.scrollable_content_region.height,
                                         frame.pane_width)
        return self._row(frame, y)

    def _row(self, frame: Frame, y: int) -> Strip:
        """Row ``y`` of a view in state ``frame``, from the Strip cache or rendered into it."""
        index = frame.top + y
        lines = self._loader.layout.lines
        if index >= len(lines) or index < 0:
            return self._painter.blank(frame.pane_width)
        line = lines[index]
        look = self._painter.look(line, frame)
        # The key holds everything that changes the look, the overlays themselves included.
        key = (index, frame.pane_width, self._loader.layout_version, look)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._painter.paint(line, look, frame.pane_width)
            self._strips[key] = strip
        return strip
