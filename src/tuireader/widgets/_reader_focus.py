"""Focus units, selection and highlight navigation of the ReaderView (a mixin, split for size).

The reading focus is always a plain-text range, ``focus_range``.  Its unit says how it moves:

* ``"block"``: the focused block (``j``/``k``), as before;
* ``"sentence"`` / ``"word"``: one span of :func:`~tuireader.core.sentences.sentence_spans` /
  :func:`~tuireader.core.sentences.word_spans` of a block, moved by ``(``/``)`` and ``w``/``e``
  across block boundaries;
* ``"range"``: an explicit range, e.g. a highlight reached with ``[``/``]``.

Moving to a *smaller* unit enters the current focus (``)`` from a paragraph focuses its first
sentence, ``(`` its last); moving by the same or a larger unit steps from the focus start, like
Vim's ``)`` and ``(`` (``(`` from a word mid-sentence goes to the start of that sentence).

The selection follows the model of Textual's ``TextArea``: an anchor and a moving end.  ``v``
anchors at the focus range; every focus move then selects the union of the anchor and the new
focus, so it grows forwards or backwards.  A mouse drag selects from the character under the
press to the pointer.  Both are plain-text ranges, so nothing depends on the screen width.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from textual import events
from textual.cache import LRUCache

from tuireader.core.layout import BLANK
from tuireader.core.sentences import sentence_spans, word_spans
from tuireader.widgets._reader_render import offset_at_column, text_margin

if TYPE_CHECKING:
    from textual.message import Message
    from textual.scroll_view import ScrollView

    from tuireader.core.document import Document
    from tuireader.core.layout import DocumentLayout
    from tuireader.widgets._reader_overlays import Highlight

    _Base = ScrollView
else:
    _Base = object

FocusUnit = Literal["block", "sentence", "word", "range"]
FOCUS_UNITS: tuple[str, ...] = ("block", "sentence", "word", "range")

#: Unit sizes: moving to a smaller unit enters the focus instead of stepping past it.
_RANK = {"word": 1, "sentence": 2, "block": 3, "range": 3}

Span = tuple[int, int]


class FocusMixin(_Base):
    """Sentence/word/range focus, keyboard and mouse selection, ``[``/``]``; mixed into
    ReaderView."""

    document: Document
    _layout: DocumentLayout
    _focus_span: Span | None
    _anchor: Span | None
    _unit_cache: LRUCache[tuple[int, str], list[Span]]
    _announced: tuple[int, int, str] | None
    _press: tuple[int, int] | None
    _dragged: bool

    if TYPE_CHECKING:  # provided by ReaderView / OverlaysMixin
        focus_block: int
        focus_unit: str
        _highlights: list[Highlight]

        @property
        def selection(self) -> Span | None: ...
        def set_selection(self, selection: Span | None) -> None: ...
        def _base_y(self) -> int: ...
        def _scroll_to_line(self, y: int, animate: bool | None = None) -> None: ...
        def _user_moved(self) -> None: ...
        def FocusRangeChanged(self, start: int, end: int, unit: str) -> Message: ...

    # ------------------------------------------------------------------ the focus range

    @property
    def focus_range(self) -> Span:
        """Plain-text (start, end) of the focused unit."""
        if self.focus_unit != "block" and self._focus_span is not None:
            return self._focus_span
        blocks = self.document.blocks
        if not blocks:
            return (0, 0)
        block = blocks[max(0, min(self.focus_block, len(blocks) - 1))]
        return (block.start, block.end)

    def focus_range_at(self, start: int, end: int) -> None:
        """Focus the explicit range [start, end) (unit ``"range"``) and scroll it into view."""
        start = max(0, min(start, len(self.document)))
        end = max(start, min(end, len(self.document)))
        if end > start and self.document.blocks:
            self._focus_on((start, end), "range")

    def annotation_range(self) -> Span:
        """What ``h`` highlights: the selection if there is one, else the focus range."""
        return self.selection or self.focus_range

    def _focus_on(self, span: Span, unit: str) -> None:
        """Make ``span`` the focus with ``unit``; the focus block and the view follow."""
        self._focus_span = span
        self.focus_unit = unit
        block = self.document.block_at(span[0])
        self.focus_block = max(0, min(block, self._layout.laid_out_blocks - 1))
        self._show_span(span)
        self._focus_moved()
        self.refresh()

    def _check_focus_unit(self, block: int) -> None:
        """The focus block moved by other means (j/k, paging, a jump): a sentence, word or
        range elsewhere no longer applies, so the focus becomes the block."""
        span = self._focus_span
        if self.focus_unit != "block" and (
            span is None or self.document.block_at(span[0]) != block
        ):
            self.focus_unit = "block"

    def _focus_moved(self) -> None:
        """Announce a new focus range (once) and grow a keyboard selection to cover it."""
        start, end = self.focus_range
        key = (start, end, self.focus_unit)
        if key == self._announced:
            return
        self._announced = key
        if self._anchor is not None:
            anchor = self._anchor
            self.set_selection((min(anchor[0], start), max(anchor[1], end)))
        self.post_message(self.FocusRangeChanged(start, end, self.focus_unit))

    def _show_span(self, span: Span) -> None:
        """Scroll the least needed to show ``span`` (its start if it is taller than the view)."""
        layout = self._layout
        first = layout.line_at_offset(span[0])
        last = layout.line_at_offset(max(span[0], span[1] - 1))
        top, height = self._base_y(), self.scrollable_content_region.height
        if first < top or last - first >= height:
            self._scroll_to_line(first)
        elif last >= top + height:
            self._scroll_to_line(last - height + 1)

    # ------------------------------------------------------------------ sentence / word motion

    def _unit_spans(self, index: int, unit: str) -> list[Span]:
        """Absolute sentence or word spans of block ``index`` (cached: split once per block)."""
        key = (index, unit)
        spans = self._unit_cache.get(key)
        if spans is None:
            block = self.document.blocks[index]
            split = sentence_spans if unit == "sentence" else word_spans
            spans = [(block.start + a, block.start + b) for a, b in split(block.text)]
            self._unit_cache[key] = spans
        return spans

    def _find_unit(self, unit: str, forward: bool) -> Span | None:
        """The next/previous ``unit`` span from the focus, crossing block boundaries."""
        limit = self._layout.laid_out_blocks
        if not limit:
            return None
        start, end = self.focus_range
        enter = _RANK[unit] < _RANK[self.focus_unit]
        if forward:
            first = min(self.document.block_at(start), limit - 1)
            for index in range(first, limit):
                for span in self._unit_spans(index, unit):
                    if span[0] > start or (enter and span[0] >= start):
                        return span
            return None
        pivot = end if enter else start
        first = min(self.document.block_at(max(start, pivot - 1)), limit - 1)
        for index in range(first, -1, -1):
            for span in reversed(self._unit_spans(index, unit)):
                if span[0] < pivot:
                    return span
        return None

    def _step(self, unit: str, forward: bool) -> None:
        self._user_moved()
        span = self._find_unit(unit, forward)
        if span is not None:
            self._focus_on(span, unit)

    def action_next_sentence(self) -> None:
        """Focus the next sentence (the first one of the block when a block is focused)."""
        self._step("sentence", True)

    def action_previous_sentence(self) -> None:
        """Focus the previous sentence (the start of the current one from inside it)."""
        self._step("sentence", False)

    def action_next_word(self) -> None:
        """Focus the next word."""
        self._step("word", True)

    def action_previous_word(self) -> None:
        """Focus the previous word."""
        self._step("word", False)

    # ------------------------------------------------------------------ keyboard selection

    @property
    def selecting(self) -> bool:
        """True while ``v`` is extending a selection with every focus move."""
        return self._anchor is not None

    def action_select(self) -> None:
        """Start a selection at the focus (``v``); pressed again, drop it (as Vim's ``v``)."""
        if self._anchor is not None:
            self.clear_selection()
            return
        self._anchor = self.focus_range
        self.set_selection(self._anchor)
        self.refresh_bindings()

    def action_cancel_selection(self) -> None:
        """Drop the selection (``escape`` while there is one)."""
        self.clear_selection()

    def clear_selection(self) -> None:
        """Drop the selection and stop extending it (the screen calls this after ``h``)."""
        self._anchor = None
        self.set_selection(None)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``escape`` is ours only while there is a selection; otherwise the screen gets it."""
        if action == "cancel_selection":
            return self._anchor is not None or self.selection is not None
        return super().check_action(action, parameters)

    # ------------------------------------------------------------------ highlight navigation

    def _jump_highlight(self, forward: bool) -> None:
        """Focus the next/previous highlight by start offset, relative to the focus start.

        From a focused highlight (unit ``"range"``) the comparison is on (start, end), so
        highlights sharing a start are visited one by one.
        """
        self._user_moved()
        start, end = self.focus_range
        ranged = self.focus_unit == "range"
        target: Highlight | None
        if forward:
            target = next(
                (
                    hl
                    for hl in self._highlights
                    if ((hl[0], hl[1]) > (start, end) if ranged else hl[0] >= start)
                ),
                None,
            )
        else:
            target = next(
                (
                    hl
                    for hl in reversed(self._highlights)
                    if ((hl[0], hl[1]) < (start, end) if ranged else hl[0] < start)
                ),
                None,
            )
        if target is None:
            self.app.bell()
            return
        self.focus_range_at(target[0], target[1])

    def action_next_highlight(self) -> None:
        """Focus the next highlight (``]``)."""
        self._jump_highlight(True)

    def action_previous_highlight(self) -> None:
        """Focus the previous highlight (``[``)."""
        self._jump_highlight(False)

    # ------------------------------------------------------------------ mouse selection

    def offset_at(self, x: int, y: int) -> tuple[int, int] | None:
        """(plain-text offset, display line) under content cell (x, y), or None if empty.

        Accounts for the scroll position, the centred measure and the line's decoration; rows
        above or below the view clamp to the first/last line so a drag can run past the edge.
        """
        lines = self._layout.lines
        if not lines:
            return None
        row = max(0, min(round(self.scroll_y) + y, len(lines) - 1))
        width = self._layout.width
        margin = text_margin(self.scrollable_content_region.width, width)
        return offset_at_column(self.document, lines[row], width, x - margin), row

    def on_mouse_down(self, event: events.MouseDown) -> None:
        """Remember where a drag may start; nothing is selected until the pointer moves."""
        if event.button != 1:
            return
        self._user_moved()
        offset = event.get_content_offset(self)
        hit = None if offset is None else self.offset_at(offset.x, offset.y)
        if hit is None:
            return
        self._press = hit
        self._dragged = False
        self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        """Select from the press to the pointer; past the top or bottom edge, scroll a line."""
        if self._press is None:
            return
        offset = event.get_content_offset_capture(self)
        height = self.scrollable_content_region.height
        if offset.y < 0 or offset.y >= height:
            self._scroll_to_line(self._base_y() + (-1 if offset.y < 0 else 1), animate=False)
        hit = self.offset_at(offset.x, offset.y)
        if hit is None:
            return
        anchor, here = self._press[0], hit[0]
        if here == anchor and not self._dragged:
            return
        self._dragged = True
        self._anchor = None
        self.set_selection(self._trimmed(min(anchor, here), max(anchor, here)))
        self.refresh_bindings()

    def on_mouse_up(self, event: events.MouseUp) -> None:
        """End a drag (the selection stays) or, after a plain click, focus the clicked block."""
        if self._press is None:
            return
        press, self._press = self._press, None
        self.release_mouse()
        if self._dragged:
            return
        line = self._layout.lines[press[1]]
        block = line.block + 1 if line.role == BLANK else line.block
        self.clear_selection()
        self.focus_unit = "block"
        self.focus_block = max(0, min(block, self._layout.laid_out_blocks - 1))

    def _trimmed(self, start: int, end: int) -> Span | None:
        """[start, end) without the spaces and line breaks at either edge (None if empty)."""
        text = self.document.plain_text
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        return (start, end) if end > start else None
