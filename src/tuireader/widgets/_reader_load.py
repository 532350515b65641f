"""Loading and laying out the ReaderView's document (a mixin, split out of reader.py for size).

Short documents are parsed and laid out on the event loop; long ones show their first screen at
once and continue in thread workers that hand each chunk back with ``call_from_thread``.  Every
worker carries a generation number so that a chunk of an article that has since been replaced is
dropped.  A width change re-wraps the lines: highlights, the selection and the focus are plain-text
offsets, so only the layout and the Strip cache change.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from textual import work
from textual.cache import LRUCache
from textual.geometry import Size
from textual.strip import Strip

from tuireader.document import Block, Document, iter_parse
from tuireader.layout import DocumentLayout, Line, layout_blocks

if TYPE_CHECKING:
    from textual.message import Message
    from textual.scroll_view import ScrollView

    _Base = ScrollView
else:
    _Base = object

#: Documents shorter than this are laid out on the event loop; longer ones in a worker.
SYNC_LAYOUT_CHARS = 400_000


class LoadingMixin(_Base):
    """load / load_markdown, background parse and layout, re-wrap on width change."""

    document: Document
    _layout: DocumentLayout
    _layout_version: int
    _load_generation: int
    _relayout_generation: int
    _pending_position: int | None
    _expected_chars: int
    _cache: LRUCache[tuple[object, ...], Strip]

    if TYPE_CHECKING:  # provided by ReaderView

        focus_block: int
        measure: int

        @property
        def layout_width(self) -> int: ...
        @property
        def position(self) -> int: ...
        def _reset(self, document: Document, expected_chars: int) -> None: ...
        def _scroll_to_line(self, y: int, animate: bool | None = None) -> None: ...
        def Loaded(self, blocks: int, chars: int) -> Message: ...

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

