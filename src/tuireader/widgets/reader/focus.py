"""The reading focus of the reader: the ``Focus`` the view holds.

A plain object with no Textual in it.  The reading focus is always a plain-text range, the view's
``focus_range``, so nothing about it depends on the width.  Its unit (the view's ``focus_unit``)
says how it moves:

* ``"block"``: the focused block (``j``/``k``);
* ``"sentence"`` / ``"word"``: one span of :func:`~tuireader.core.sentences.sentence_spans` /
  :func:`~tuireader.core.sentences.word_spans` of a block, moved by ``(``/``)`` and ``w``/``e``
  across block boundaries;
* ``"range"``: an explicit range, e.g. a highlight reached with ``[``/``]``.

Moving to a *smaller* unit enters the current focus (``)`` from a paragraph focuses its first
sentence, ``(`` its last); moving by the same or a larger unit steps from the focus start, like
Vim's ``)`` and ``(`` (``(`` from a word mid-sentence goes to the start of that sentence).

The focus also holds the anchor of a keyboard selection: as in Textual's ``TextArea``, a
selection is an anchor and a moving end, and the moving end here is the focus.  ``v`` anchors at
the focus; every focus move then selects the anchor and the new focus together, so the selection
grows forwards or backwards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from textual.cache import LRUCache

from tuireader.core.sentences import sentence_spans, word_spans

if TYPE_CHECKING:
    from tuireader.widgets.reader.loader import Loader

FocusUnit = Literal["block", "sentence", "word", "range"]
FOCUS_UNITS: tuple[str, ...] = ("block", "sentence", "word", "range")

#: Unit sizes: moving to a smaller unit enters the focus instead of stepping past it.
_RANK = {"word": 1, "sentence": 2, "block": 3, "range": 3}

Span = tuple[int, int]


class Focus:
    """The focused span (for units other than "block") and the sentence and word spans of the
    blocks visited (split once per block)."""

    def __init__(self, loader: Loader) -> None:
        self._loader = loader
        self.span: Span | None = None
        """The focused range when the unit is not "block" (a block's range is the block)."""
        self.anchor: Span | None = None
        """Where ``v`` started a selection (None when focus moves do not select)."""
        self._announced: tuple[int, int, str] | None = None
        self._units: LRUCache[tuple[int, str], list[Span]] = LRUCache(256)

    def reset(self) -> None:
        """Forget everything (a new document was loaded)."""
        self.span = self.anchor = self._announced = None
        self._units.clear()

    def range(self, unit: str, block_index: int) -> Span:
        """Plain-text (start, end) of the focus with ``unit`` on block ``block_index``."""
        if unit != "block" and self.span is not None:
            return self.span
        blocks = self._loader.document.blocks
        if not blocks:
            return (0, 0)
        block = blocks[max(0, min(block_index, len(blocks) - 1))]
        return (block.start, block.end)

    def applies_to(self, unit: str, block_index: int) -> bool:
        """Whether a ``unit`` focus still applies with the focus on ``block_index``.

        The focus block moved by other means (j/k, paging, a jump): a sentence, word or range
        elsewhere no longer applies, and the focus becomes the block.
        """
        span = self.span
        return unit == "block" or (
            span is not None and self._loader.document.block_at(span[0]) == block_index
        )

    def announce(self, start: int, end: int, unit: str) -> bool:
        """True the first time this focus is seen (so it is announced once)."""
        key = (start, end, unit)
        if key == self._announced:
            return False
        self._announced = key
        return True

    def selection_to(self, start: int, end: int) -> Span | None:
        """The selection once the focus moved to [start, end): the anchor and the focus together
        (None when not selecting)."""
        if self.anchor is None:
            return None
        return (min(self.anchor[0], start), max(self.anchor[1], end))

    def find(self, unit: str, forward: bool, current: Span, current_unit: str) -> Span | None:
        """The next/previous ``unit`` span from the focus ``current``, across blocks."""
        document, limit = self._loader.document, self._loader.layout.laid_out_blocks
        if not limit:
            return None
        start, end = current
        enter = _RANK[unit] < _RANK[current_unit]
        if forward:
            first = min(document.block_at(start), limit - 1)
            for index in range(first, limit):
                for span in self._unit_spans(index, unit):
                    if span[0] > start or (enter and span[0] >= start):
                        return span
            return None
        pivot = end if enter else start
        first = min(document.block_at(max(start, pivot - 1)), limit - 1)
        for index in range(first, -1, -1):
            for span in reversed(self._unit_spans(index, unit)):
                if span[0] < pivot:
                    return span
        return None

    def _unit_spans(self, index: int, unit: str) -> list[Span]:
        """Absolute sentence or word spans of block ``index`` (cached)."""
        key = (index, unit)
        spans = self._units.get(key)
        if spans is None:
            block = self._loader.document.blocks[index]
            split = sentence_spans if unit == "sentence" else word_spans
            spans = [(block.start + a, block.start + b) for a, b in split(block.text)]
            self._units[key] = spans
        return spans
