"""Loading and laying out the reader's document: the ``Loader`` the view holds.

Short documents are parsed and laid out on the event loop; long ones show their first screen at
once and continue in thread workers that hand each chunk back with ``call_from_thread``.  Every
worker carries a generation number so that a chunk of an article that has since been replaced is
dropped.  A width change re-wraps the lines: highlights, the selection and the focus are plain-text
offsets, so only the layout (and, in the view, the Strip cache) changes.

A parse cache (:mod:`tuireader.library.parse_cache`, ``cache_path``) makes later opens of a long
article instant: the whole Document, and its lines at the cached width, load in a fraction of a
second, so the saved position is the first screen shown.  Without it (first open), a saved
position or an End pressed beyond what is parsed is *waited for*: the pane says "loading…"
instead of showing text it would jump away from, and any other key cancels the wait (keys are
never overridden).

Garbage collection: a 5 MB book is ~10^5 long-lived objects (blocks, spans, lines) that every
full collection would walk again (pauses of 0.1-0.25 s were seen between page-downs), so they
are moved to the permanent generation with :func:`gc.freeze` once loaded.

The loader owns the document, its layout and everything about loading.  It is handed the view
(``host``), whose public API it uses (its workers run on it, so they end with it; it posts the
view's ``Loaded`` and ``LoadProgress``), and the :class:`LoadEvents` for what others do.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual.geometry import Size

from tuireader.core.document import Block, Document, iter_parse_chunks
from tuireader.core.layout import DEFAULT_MEASURE, DocumentLayout, Line, layout_blocks
from tuireader.library import parse_cache

if TYPE_CHECKING:  # the view holds the loader; the loader only calls it
    from tuireader.widgets.reader.view import ReaderView

#: Documents shorter than this are laid out on the event loop; longer ones in a worker.
SYNC_LAYOUT_CHARS = 400_000

#: Text parsed past a pending position before the view goes there (a screenful and more).
PENDING_MARGIN_CHARS = 8_000

#: Blocks laid out per slice by the background layout of a loaded document.
LAYOUT_STEP = 2000


@dataclass(frozen=True)
class LoadEvents:
    """What the loader has others do (each called on the event loop)."""

    go_to: Callable[[int], None]
    """Show plain-text offset at the top of the view and focus its block."""
    go_to_end: Callable[[], None]
    """Show the end of the document (an End pressed while loading, now loaded)."""
    grew: Callable[[int], None]
    """Text was appended after the given old length (find extends its matches)."""
    finished: Callable[[], None]
    """The whole document is in (find's count is final now)."""
    keep: Callable[[int], None]
    """A new layout replaced the old one: scroll the line of this plain-text offset to the top."""


class Loader:
    """The document, its layout and the loading state; runs the parse and layout workers."""

    def __init__(self, host: ReaderView, events: LoadEvents, document: Document | None = None,
                 width: int = DEFAULT_MEASURE) -> None:
        self._host = host
        self._events = events
        self.document = document or Document()
        """The document shown (still growing while ``complete`` is False)."""
        self.layout = DocumentLayout(self.document, width)
        """Its display lines at the current width (still growing while loading)."""
        self.layout_version = 0
        """Bumped with every new layout: a part of the Strip cache key."""
        self.waiting_for = ""
        """What the view waits for while loading: "" (nothing), "position" or "end"."""
        self.expected_chars = 0
        """Plain-text length expected (the Markdown's length while parsing: an estimate)."""
        self._generation = 0
        self._relayout_generation = 0
        self._pending: int | None = None

    # ------------------------------------------------------------------ state

    @property
    def still_loading(self) -> bool:
        """True while a long document is still being parsed or laid out."""
        return not self.document.complete or self.layout.laid_out_blocks < len(
            self.document.blocks
        )

    def fraction(self) -> float:
        """How much of the document is loaded, 0.0 to 1.0 (approximate while parsing)."""
        if self.document.complete:
            return 1.0
        return min(0.99, len(self.document) / max(1, self.expected_chars))

    def wait_for(self, what: str) -> None:
        """Show "loading…" instead of text the view would jump away from, until ``what``."""
        self.waiting_for = what
        self._host.refresh()
        self._progress()

    def cancel(self) -> None:
        """A key or click moved the view: whatever the load was going to do is cancelled."""
        self._pending = None
        if self.waiting_for:
            self.waiting_for = ""
            self._host.refresh()
            self._progress()

    # ------------------------------------------------------------------ loading

    def _begin(self, document: Document, expected_chars: int, width: int) -> None:
        """Forget the previous document and start on ``document``."""
        # Objects frozen while the previous document loaded go back to the collector, so garbage
        # cycles frozen with them are freed at the next full collection.
        gc.unfreeze()
        self._generation += 1
        self.document = document
        self.expected_chars = expected_chars
        self.waiting_for = ""
        self._pending = None
        self.layout = DocumentLayout(document, width)
        self.layout_version += 1

    def load(self, document: Document, position: int, width: int,
             lines: list[Line] | None = None, cache: tuple[Path, str] | None = None) -> None:
        """Show ``document`` at ``position`` (see ``ReaderView.load``)."""
        self._begin(document, len(document), width)
        layout = self.layout
        if lines is not None:
            layout.append(lines)
        if len(document) <= SYNC_LAYOUT_CHARS or layout.laid_out_blocks == len(document.blocks):
            layout.extend()
            self.fit()
            self._finish_load(position)
            return
        # Lay out enough to show the position now; the rest in a worker.
        layout.extend(document.block_at(position) + 200)
        self.fit()
        self._go_to(position)
        self._pending = None
        self._run(partial(self._layout_rest, self._generation, document, layout, cache),
                  "reader-layout")

    def load_markdown(self, markdown: str, position: int, width: int,
                      cache_path: Path | None = None) -> None:
        """Parse and show Markdown (see ``ReaderView.load_markdown``)."""
        key = ""
        if cache_path is not None:
            key = parse_cache.digest(markdown)
            cached = parse_cache.load(cache_path, key)
            if cached is not None:
                if cached.lines is not None and cached.width == width:
                    self.load(cached.document, position, width, cached.lines)
                else:
                    self.load(cached.document, position, width, cache=(cache_path, key))
                return
        document = Document(complete=False)
        self._begin(document, len(markdown), width)
        chunks = iter_parse_chunks(markdown)
        blocks, last = next(chunks, ([], True))
        document.extend(blocks)
        self.layout.extend()
        self.fit()
        if last:  # all of it: no worker, no "loading…"
            self.expected_chars = len(document)
            self._finish_load(position)
            if cache_path is not None and key:
                self._run(partial(self._save, cache_path, key, list(document.blocks)),
                          "reader-cache", exclusive=False)
            return
        self._pending = position
        self._restore_pending()
        if self._pending is not None:
            self.wait_for("position")
        rest = (blocks for blocks, _ in chunks)
        target = cache_path if key else None
        self._run(partial(self._parse_rest, self._generation, document, self.layout, rest,
                          self.layout.width, target, key), "reader-parse")

    def _run(self, work: partial[None], group: str, exclusive: bool = True) -> None:
        # Named and described here: Textual would describe the worker by ``repr(work)``, which
        # for a partial holds the whole document (0.1-0.25 s for a book, on the event loop).
        name = work.func.__name__
        self._host.run_worker(work, name=name, description=name, group=group,
                              exclusive=exclusive, thread=True, exit_on_error=False)

    def _finish_load(self, position: int) -> None:
        self._go_to(position)
        self.document.complete = True
        gc.freeze()
        self._loaded()

    def _save(self, path: Path, key: str, blocks: list[Block], width: int = 0,
              lines: list[Line] | None = None) -> None:
        """Write the parse cache (in a worker): the next open needs no parser (and, with
        ``lines``, no layout at ``width``)."""
        try:
            parse_cache.save(path, key, blocks, width, lines)
        except OSError as exc:  # a read-only library: the next open parses again
            self._host.log.warning(f"cannot write the parse cache {path}: {exc}")

    # ------------------------------------------------------------------ workers and their chunks

    def _parse_rest(self, generation: int, document: Document, layout: DocumentLayout,
                    chunks: Iterator[list[Block]], width: int, cache_path: Path | None,
                    key: str) -> None:
        """Parse and lay out the remaining chunks off the event loop, handing each to the UI.

        At the end the whole parse (and its lines at ``width``) goes to the cache, if asked.
        """
        call = self._host.app.call_from_thread
        all_blocks = list(document.blocks)
        all_lines = list(layout.lines) if layout.width == width else None
        for blocks in chunks:
            if generation != self._generation:
                return
            lines = layout_blocks(blocks, len(all_blocks), width)
            all_blocks.extend(blocks)
            if all_lines is not None:
                all_lines.extend(lines)
            call(self._append_chunk, generation, blocks, lines, width)
        if generation != self._generation:
            return
        call(self._finish_parse, generation)
        if cache_path is not None:
            self._save(cache_path, key, all_blocks, width, all_lines)

    def _append_chunk(
        self, generation: int, blocks: list[Block], lines: list[Line], width: int
    ) -> None:
        if generation != self._generation:
            return
        old_length = len(self.document)
        self.document.extend(blocks)
        layout = self.layout
        if width == layout.width and layout.laid_out_blocks == len(self.document.blocks) - len(
            blocks
        ):
            layout.append(lines)
        else:
            layout.extend()
        self.fit()
        self._restore_pending()
        self._events.grew(old_length)
        gc.freeze()
        if self.waiting_for:
            self._host.refresh()  # the "loading… NN%" line
        self._progress()

    def _finish_parse(self, generation: int) -> None:
        if generation != self._generation:
            return
        self.document.complete = True
        self.expected_chars = len(self.document)
        self._restore_pending()
        self._pending = None
        if self.waiting_for == "end":
            self.waiting_for = ""
            self._events.go_to_end()
        self.waiting_for = ""
        self._host.refresh()
        self._events.finished()
        gc.freeze()
        self._loaded()

    def _layout_rest(self, generation: int, document: Document, layout: DocumentLayout,
                     cache: tuple[Path, str] | None) -> None:
        """Lay out the blocks of a loaded document beyond the first screen, in slices (and
        rewrite its parse cache with all the lines, if ``cache`` is given)."""
        call = self._host.app.call_from_thread
        blocks = document.blocks
        width = layout.width
        all_lines = list(layout.lines)
        for first in range(layout.laid_out_blocks, len(blocks), LAYOUT_STEP):
            lines = layout_blocks(blocks[first : first + LAYOUT_STEP], first, width)
            if generation != self._generation:
                return
            all_lines.extend(lines)
            call(self._append_layout, generation, layout, first, lines)
        call(self._finish_parse, generation)
        if cache is not None:
            self._save(cache[0], cache[1], blocks, width, all_lines)

    def _append_layout(
        self, generation: int, layout: DocumentLayout, first: int, lines: list[Line]
    ) -> None:
        if generation != self._generation or layout is not self.layout:
            return
        if layout.laid_out_blocks == first:
            layout.append(lines)
            self.fit()
            gc.freeze()

    # ------------------------------------------------------------------ re-wrapping

    def rewrap(self, width: int) -> bool:
        """Lay the document out at ``width`` (in a worker for a long one).

        Returns False when nothing needs re-wrapping (same width, or nothing loaded): the view
        then only repaints.
        """
        if width == self.layout.width or not self.document.blocks:
            if self.layout.width != width:
                self.layout = DocumentLayout(self.document, width)
            return False
        if len(self.document) <= SYNC_LAYOUT_CHARS:
            anchor = self._host.position
            layout = DocumentLayout(self.document, width)
            layout.extend()
            self._install(layout, anchor)
        else:
            self._relayout_generation += 1
            self._run(partial(self._relayout, self._relayout_generation,
                              self.document.blocks[:], width), "reader-relayout")
        return True

    def _relayout(self, generation: int, blocks: list[Block], width: int) -> None:
        """Re-wrap a large document at a new width off the event loop."""
        lines = layout_blocks(blocks, 0, width)
        self._host.app.call_from_thread(self._swap_layout, generation, width, lines)

    def _swap_layout(self, generation: int, width: int, lines: list[Line]) -> None:
        if generation != self._relayout_generation:
            return
        anchor = self._host.position
        layout = DocumentLayout(self.document, width)
        layout.append(lines)
        layout.extend()
        self._install(layout, anchor)

    def _install(self, layout: DocumentLayout, anchor: int) -> None:
        self.layout = layout
        self.layout_version += 1
        self._host.invalidate()
        self.fit()
        self._events.keep(anchor)

    # ------------------------------------------------------------------ telling the view

    def fit(self) -> None:
        """The layout has more (or fewer) lines: the view's virtual size follows."""
        host = self._host
        host.virtual_size = Size(host.scrollable_content_region.width, self.layout.height)

    def _progress(self) -> None:
        host = self._host
        host.post_message(host.LoadProgress(len(self.document), self.expected_chars,
                                            self.waiting_for))

    def _loaded(self) -> None:
        host = self._host
        host.post_message(host.Loaded(len(self.document.blocks), len(self.document)))

    # ------------------------------------------------------------------ the saved position

    def _restore_pending(self) -> None:
        position = self._pending
        if position is None:
            return
        # A screenful of text past the position must be there too, or the view would stop short.
        if position + PENDING_MARGIN_CHARS < len(self.document) or self.document.complete:
            self._pending = None
            if self.waiting_for == "position":
                self.waiting_for = ""
                self._host.refresh()
            self._go_to(position)

    def _go_to(self, position: int) -> None:
        if self.document.blocks:
            self._events.go_to(position)
