"""Selecting text in the reader, by keys and by mouse: the ``Selector`` the view holds.

The selection follows the model of Textual's ``TextArea``: an anchor and a moving end.  ``v``
anchors at the focus range (the anchor is kept by ``Focus``); every focus move then selects the
anchor and the new focus together (the navigator does that).  A mouse drag selects from the
character under the press to the pointer, snapped out to whole words as the keyboard's units are
(a drag that began inside "accounts" saved a quote starting "ccounts"); a press that does not
move is a click: it focuses the block.  Both are plain-text ranges, kept by ``Overlays``, so
nothing depends on the width.

The selector is handed the view and uses its public API only (``offset_at``, ``post_message``,
``refresh_bindings``, the mouse capture), and the navigator to scroll and to focus a click.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events

from tuireader.core.document import Document
from tuireader.core.sentences import word_spans
from tuireader.widgets.reader.focus import Focus
from tuireader.widgets.reader.navigator import Navigator
from tuireader.widgets.reader.overlays import Overlays

if TYPE_CHECKING:  # the view holds the selector; the selector only calls it
    from tuireader.widgets.reader.view import ReaderView

Span = tuple[int, int]


class Selector:
    """Keyboard and mouse selection: the anchor is the focus's, the selected range lives in
    ``Overlays``; a mouse press is the selector's own state."""

    def __init__(self, view: ReaderView, overlays: Overlays, focus: Focus,
                 navigator: Navigator) -> None:
        self._view = view
        self._overlays = overlays
        self._focus = focus
        self._nav = navigator
        self._press: tuple[int, int] | None = None
        self._dragged = False

    def reset(self) -> None:
        """Forget the anchor and any press (a new document was loaded); drop the selection."""
        self._press = None
        self.set(None)

    def set(self, selection: Span | None) -> None:
        """Make ``selection`` the selected range (None drops it) and tell the screen."""
        if self._overlays.select(selection):
            self._view.post_message(self._view.SelectionChanged(self._overlays.selection))
            self._view.refresh()

    def toggle(self, focus: Span) -> None:
        """``v``: anchor a selection at the focus; pressed again, drop it (as Vim's ``v``)."""
        if self._focus.anchor is not None:
            self.clear()
            return
        self._focus.anchor = focus
        self.set(focus)
        self._view.refresh_bindings()

    def clear(self) -> None:
        """Drop the selection and stop extending it."""
        self._focus.anchor = None
        self.set(None)
        self._view.refresh_bindings()

    # ------------------------------------------------------------------ the mouse

    def mouse_down(self, event: events.MouseDown) -> bool:
        """Remember where a drag may start; nothing is selected until the pointer moves.
        True when the press is on the text (the view then captures the mouse)."""
        offset = event.get_content_offset(self._view)
        hit = None if offset is None else self._view.offset_at(offset.x, offset.y)
        if hit is None:
            return False
        self._press, self._dragged = hit, False
        return True

    def mouse_move(self, event: events.MouseMove) -> None:
        """Select from the press to the pointer; past the top or bottom edge, scroll a line."""
        if self._press is None:
            return
        view = self._view
        offset = event.get_content_offset_capture(view)
        if offset.y < 0 or offset.y >= view.scrollable_content_region.height:
            self._nav.nudge(-1 if offset.y < 0 else 1)
        hit = view.offset_at(offset.x, offset.y)
        if hit is None:
            return
        anchor, here = self._press[0], hit[0]
        if here == anchor and not self._dragged:
            return
        self._dragged = True
        self._focus.anchor = None
        start, end = whole_words(view.document, min(anchor, here), max(anchor, here))
        self.set(trimmed(view.document.plain_text, start, end))
        view.refresh_bindings()

    def mouse_up(self) -> None:
        """End a drag (the selection stays) or, after a plain click, focus the clicked block."""
        press, self._press = self._press, None
        if press is None:
            return
        self._view.release_mouse()
        if not self._dragged:
            self.clear()
            self._nav.click(press[1])


def whole_words(document: Document, start: int, end: int) -> Span:
    """[start, end) widened so that it neither begins nor ends inside a word: a start inside a
    word moves to the word's start, an end inside one (the character before it is part of the
    word) to the word's end.  Words are those of the ``w``/``e`` keys (``word_spans``)."""
    return _word_around(document, start, False), _word_around(document, end, True)


def _word_around(document: Document, offset: int, after: bool) -> int:
    """The edge of the word that ``offset`` cuts (its end if ``after``), else ``offset``."""
    probe = offset - 1 if after else offset
    if not document.blocks or probe < 0 or probe >= len(document.plain_text):
        return offset
    block = document.blocks[document.block_at(probe)]
    inner = probe - block.start
    if not 0 <= inner < len(block.text):
        return offset
    for word_start, word_end in word_spans(block.text):
        if word_start <= inner < word_end:
            return block.start + (word_end if after else word_start)
        if word_start > inner:
            break
    return offset


def trimmed(text: str, start: int, end: int) -> Span | None:
    """[start, end) of ``text`` without the spaces and line breaks at either edge (None if
    empty)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None
