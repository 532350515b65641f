"""Loading and laying out the ReaderView's document (a mixin, split out of reader.py for size).

Short documents are parsed and laid out on the event loop; long ones show their first screen at
once and continue in thread workers that hand each chunk back with ``call_from_thread``.  Every
worker carries a generation number so that a chunk of an article that has since been replaced is
dropped.  A width change re-wraps the lines: highlights, the selection and the focus are plain-text
offsets, so only the layout and the Strip cache change.

A parse cache (:mod:`tuireader.library.parse_cache`, ``cache_path``) makes later opens of a long
article instant: the whole Document, and its lines at the cached width, load in a fraction of a
second, so the saved position is the first screen shown.  Without it (first open), a saved
position or an End pressed beyond what is parsed is *waited for*: the pane says
"loading…" instead of showing text it would jump away from, and any other key
cancels the wait (keys are never overridden).

Garbage collection: a 5 MB book is ~10^5 long-lived objects (blocks, spans, lines) that every
full collection would walk again (pauses of 0.1-0.25 s were seen between page-downs), so they
are moved to the permanent generation with :func:`gc.freeze` once loaded.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.cache import LRUCache
from textual.geometry import Size
from textual.strip import Strip

from tuireader.core.document import Block, Document, iter_parse_chunks
from tuireader.core.layout import DocumentLayout, Line, layout_blocks
from tuireader.library import parse_cache as doccache

if TYPE_CHECKING:
    from textual.message import Message
    from textual.scroll_view import ScrollView

    _Base = ScrollView
else:
    _Base = object

#: Documents shorter than this are laid out on the event loop; longer ones in a worker.
SYNC_LAYOUT_CHARS = 400_000

#: Text parsed past a pending position before the view goes there (a screenful and more).
PENDING_MARGIN_CHARS = 8_000


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
    #: What the view waits for while a long document loads: "", "position" or "end".
    _waiting_for: str
    _find_query: str

    if TYPE_CHECKING:  # provided by ReaderView

        focus_block: int
        measure: int

        @property
        def layout_width(self) -> int: ...
        @property
        def position(self) -> int: ...
        def _reset(self, document: Document, expected_chars: int) -> None: ...
        def _scroll_to_line(self, y: int, animate: bool | None = None) -> None: ...
        def _max_y(self) -> int: ...
        def _extend_find(self, old_length: int) -> None: ...
        def _announce_find(self) -> None: ...
        def Loaded(self, blocks: int, chars: int) -> Message: ...
        def LoadProgress(self, chars: int, total: int, waiting: str) -> Message: ...

    def load(self, document: Document, position: int = 0,
             lines: list[Line] | None = None,
             cache: tuple[Path, str] | None = None) -> None:
        """Show ``document`` with plain-text ``position`` at the top of the view.

        ``lines``: the document's display lines at the current width, if known (a cache).
        ``cache``: (path, key) of its parse cache, rewritten with the lines once they are all
        laid out, so the next open at this width needs no layout either.
        """
        self._reset(document, len(document))
        self._layout = DocumentLayout(document, self.layout_width)
        self._layout_version += 1
        if lines is not None:
            self._layout.append(lines)
        if len(document) <= SYNC_LAYOUT_CHARS or self._layout.laid_out_blocks == len(
            document.blocks
        ):
            self._layout.extend()
            self._update_virtual_size()
            self._finish_load(position)
            return
        # Lay out enough to show the position now; the rest in a worker.
        self._layout.extend(document.block_at(position) + 200)
        self._update_virtual_size()
        self._go_to_position(position)
        self._pending_position = None
        self._layout_rest(self._load_generation, self._layout, self._layout.width, cache)

    def load_markdown(self, markdown: str, position: int = 0,
                      cache_path: Path | None = None) -> None:
        """Parse and show Markdown: the first chunk now, the rest in a thread worker.

        With ``cache_path`` (where this article's parse cache lives), a valid cache is loaded
        instead of parsing, and a fresh parse is written there for the next open.
        """
        key = ""
        if cache_path is not None:
            key = doccache.digest(markdown)
            cached = doccache.load(cache_path, key)
            if cached is not None:
                fits = cached.lines is not None and cached.width == self.layout_width
                if fits:
                    self.load(cached.document, position, cached.lines)
                else:
                    self.load(cached.document, position, cache=(cache_path, key))
                return
        self._reset(Document(complete=False), len(markdown))
        self._layout = DocumentLayout(self.document, self.layout_width)
        self._layout_version += 1
        chunks = iter_parse_chunks(markdown)
        blocks, last = next(chunks, ([], True))
        self.document.extend(blocks)
        self._layout.extend()
        self._update_virtual_size()
        if last:  # all of it: no worker, no "loading…"
            self._expected_chars = len(self.document)
            self._finish_load(position)
            if key:
                self._write_cache(cache_path, key, list(self.document.blocks))
            return
        self._pending_position = position
        self._maybe_restore_pending()
        if self._pending_position is not None:
            self._wait_for("position")
        target = cache_path if key else None
        rest = (blocks for blocks, _ in chunks)
        self._parse_rest(self._load_generation, rest, self._layout.width, target, key)

    @work(thread=True, exit_on_error=False, group="reader-cache")
    def _write_cache(self, cache_path: Path | None, key: str, blocks: list[Block]) -> None:
        """Write the parse of a short article to its cache (an article imported before caches
        existed, or whose cache was stale): the next open needs no parser."""
        if cache_path is None:
            return
        try:
            doccache.save(cache_path, key, blocks)
        except OSError as exc:  # a read-only library: the next open parses again
            self.log.warning(f"cannot write the parse cache {cache_path}: {exc}")

    @work(thread=True, exclusive=True, exit_on_error=False, group="reader-parse")
    def _parse_rest(self, generation: int, chunks: Iterator[list[Block]], width: int,
                    cache_path: Path | None = None, key: str = "") -> None:
        """Parse and lay out the remaining chunks off the event loop, handing each to the UI.

        At the end the whole parse (and its lines at ``width``) goes to the cache, if asked.
        """
        all_blocks = list(self.document.blocks)
        all_lines = list(self._layout.lines) if self._layout.width == width else None
        for blocks in chunks:
            if generation != self._load_generation:
                return
            lines = layout_blocks(blocks, len(all_blocks), width)
            all_blocks.extend(blocks)
            if all_lines is not None:
                all_lines.extend(lines)
            self.app.call_from_thread(self._append_chunk, generation, blocks, lines, width)
        if generation != self._load_generation:
            return
        self.app.call_from_thread(self._finish_parse, generation)
        if cache_path is not None:
            try:
                doccache.save(cache_path, key, all_blocks, width, all_lines)
            except OSError as exc:  # a read-only library: the next open parses again
                self.log.warning(f"cannot write the parse cache {cache_path}: {exc}")

    def _append_chunk(
        self, generation: int, blocks: list[Block], lines: list[Line], width: int
    ) -> None:
        if generation != self._load_generation:
            return
        old_length = len(self.document)
        self.document.extend(blocks)
        if width == self._layout.width and self._layout.laid_out_blocks == len(
            self.document.blocks
        ) - len(blocks):
            self._layout.append(lines)
        else:
            self._layout.extend()
        self._update_virtual_size()
        self._maybe_restore_pending()
        self._extend_find(old_length)
        gc.freeze()
        if self._waiting_for:
            self.refresh()  # the "loading… NN%" line
        self._post_progress()

    def _finish_parse(self, generation: int) -> None:
        if generation != self._load_generation:
            return
        self.document.complete = True
        self._expected_chars = len(self.document)
        self._maybe_restore_pending()
        self._pending_position = None
        if self._waiting_for == "end":
            self._waiting_for = ""
            self._go_to_end()
        self._waiting_for = ""
        self.refresh()
        if self._find_query:
            self._announce_find()  # the count is final now (loading=False)
        gc.freeze()
        self.post_message(self.Loaded(len(self.document.blocks), len(self.document)))

    # ------------------------------------------------------------------ waiting for the parse

    @property
    def still_loading(self) -> bool:
        """True while a long document is still being parsed or laid out.

        (Not ``loading``: that is Textual's reactive for a loading indicator, and a widget
        that is ``loading`` cannot take the focus.)
        """
        return not self.document.complete or self._layout.laid_out_blocks < len(
            self.document.blocks
        )

    @property
    def waiting_for(self) -> str:
        """What the view waits for while loading: "" (nothing), "position" or "end"."""
        return self._waiting_for

    def load_fraction(self) -> float:
        """How much of the document is loaded, 0.0 to 1.0 (approximate while parsing)."""
        if self.document.complete:
            return 1.0
        return min(0.99, len(self.document) / max(1, self._expected_chars))

    def _wait_for(self, what: str) -> None:
        """Show "loading…" instead of text the view would jump away from, until ``what``."""
        self._waiting_for = what
        self.refresh()
        self._post_progress()

    def _user_moved(self) -> None:
        """A key or click moved the view: whatever the load was going to do is cancelled."""
        self._pending_position = None
        if self._waiting_for:
            self._waiting_for = ""
            self.refresh()
            self._post_progress()

    def _post_progress(self) -> None:
        self.post_message(
            self.LoadProgress(len(self.document), self._expected_chars, self._waiting_for)
        )

    def _go_to_end(self) -> None:
        self._scroll_to_line(self._max_y())
        self.focus_block = max(0, self._layout.laid_out_blocks - 1)

    @work(thread=True, exclusive=True, exit_on_error=False, group="reader-layout")
    def _layout_rest(self, generation: int, layout: DocumentLayout, width: int,
                     cache: tuple[Path, str] | None = None) -> None:
        """Lay out the blocks of a loaded document beyond the first screen, in slices (and
        rewrite its parse cache with all the lines, if ``cache`` is given)."""
        blocks = self.document.blocks
        start = layout.laid_out_blocks
        all_lines = list(layout.lines)
        step = 2000
        for first in range(start, len(blocks), step):
            lines = layout_blocks(blocks[first : first + step], first, width)
            if generation != self._load_generation:
                return
            all_lines.extend(lines)
            self.app.call_from_thread(self._append_layout, generation, layout, first, lines)
        self.app.call_from_thread(self._finish_parse, generation)
        if cache is not None:
            try:
                doccache.save(cache[0], cache[1], blocks, width, all_lines)
            except OSError as exc:
                self.log.warning(f"cannot rewrite the parse cache {cache[0]}: {exc}")

    def _append_layout(
        self, generation: int, layout: DocumentLayout, first: int, lines: list[Line]
    ) -> None:
        if generation != self._load_generation or layout is not self._layout:
            return
        if layout.laid_out_blocks == first:
            layout.append(lines)
            self._update_virtual_size()
            gc.freeze()

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
        gc.freeze()
        self.post_message(self.Loaded(len(self.document.blocks), len(self.document)))

    def _maybe_restore_pending(self) -> None:
        position = self._pending_position
        if position is None:
            return
        # A screenful of text past the position must be there too, or the view would stop short.
        if position + PENDING_MARGIN_CHARS < len(self.document) or self.document.complete:
            self._pending_position = None
            if self._waiting_for == "position":
                self._waiting_for = ""
                self.refresh()
            self._go_to_position(position)

    def _go_to_position(self, position: int) -> None:
        if not self.document.blocks:
            return
        block = min(self.document.block_at(position), self._layout.laid_out_blocks - 1)
        self.focus_block = max(0, block)
        self._scroll_to_line(self._layout.line_at_offset(position), animate=False)

