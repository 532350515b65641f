"""Editing highlights, with undo: the logic behind the annotation keys, free of any UI.

:class:`Annotator` edits the highlights of one library.  Every method saves durably before it
returns (call it from a thread worker, or through the :class:`Writer`), and records what it
changed so :meth:`Annotator.undo` can put it back.  Undo covers every kind of change: a new
highlight, a colour, a note, tags, a deletion (which brings back the note and tags with it), a
re-attachment.

A save goes straight to the store's :class:`~tuireader.library.shards.ShardSet`
(``store.shards.save``), which writes the article's shard through
:class:`~tuireader.library.durable.DurableStorage`: from here to the fsync, two more files.
"""

from __future__ import annotations

import copy
import functools
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from tuireader.core.model import (
    Highlight,
    make_highlight,
    normalise_tag,
    now_iso,
    quote_selector,
)
from tuireader.library.store import Store

#: How many changes undo remembers.
UNDO_DEPTH = 200

T = TypeVar("T")


@dataclass
class Change:
    """One undoable change: the highlight before (None if it was created) and after (None if
    it was deleted)."""

    description: str
    before: Highlight | None
    after: Highlight | None

    @property
    def article_id(self) -> str:
        h = self.after or self.before
        assert h is not None
        return h.article_id


def trim_range(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``start:end`` so it neither starts nor ends with whitespace."""
    start, end = max(0, start), min(len(text), end)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def highlight_at(highlights: list[Highlight], start: int, end: int) -> Highlight | None:
    """The highlight that best matches the range ``start:end``.

    An exact match wins; then the highlight covering ``start``; then any overlapping one (the one
    with the largest overlap).  Orphans have no place in the text and never match.
    """
    placed = [h for h in highlights if h.anchor != "orphan"]
    for h in placed:
        if h.start == start and h.end == end:
            return h
    covering = [h for h in placed if h.start <= start < h.end]
    if covering:
        return min(covering, key=lambda h: h.end - h.start)
    overlapping = [(min(end, h.end) - max(start, h.start), h) for h in placed
                   if h.start < end and start < h.end]
    if overlapping:
        return max(overlapping, key=lambda pair: pair[0])[1]
    return None


class Annotator:
    """Highlight edits for a library, each saved at once, all undoable."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.shards = store.shards
        self._undo: list[Change] = []
        self._lock = threading.Lock()

    def _record(self, change: Change) -> Change:
        with self._lock:
            self._undo.append(change)
            del self._undo[:-UNDO_DEPTH]
        return change

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @staticmethod
    def propose(article_id: str, text: str, start: int, end: int, kind: int,
                placed: Sequence[Highlight]) -> tuple[Highlight, bool]:
        """The highlight ``h`` would make over ``text[start:end]``: no I/O, so the screen can
        draw it at once.  The range is trimmed here, once; a highlight already over the same
        range (``placed``: the article's highlights) is returned with ``False`` (pressing ``h``
        twice never duplicates), else a new, unsaved one with ``True``.
        """
        start, end = trim_range(text, start, end)
        if start >= end:
            raise ValueError("nothing to highlight there")
        for existing in placed:
            if existing.start == start and existing.end == end and existing.anchor != "orphan":
                return existing, False
        return make_highlight(article_id, text, start, end, kind), True

    def add_new(self, highlight: Highlight) -> Highlight:
        """Save a highlight made by :meth:`propose` (durable when this returns), undoably."""
        self.shards.save([highlight])
        self._record(Change("highlight", None, copy.deepcopy(highlight)))
        return highlight

    def add(self, article_id: str, text: str, start: int, end: int,
            kind: int = 1) -> tuple[Highlight, bool]:
        """:meth:`propose` against the stored highlights, then :meth:`add_new` when it is new."""
        highlight, created = self.propose(article_id, text, start, end, kind,
                                          self.shards.highlights(article_id))
        if created:
            self.add_new(highlight)
        return highlight, created

    def _update(self, highlight: Highlight, description: str, **changes: object) -> Highlight:
        before = copy.deepcopy(highlight)
        for name, value in changes.items():
            setattr(highlight, name, value)
        highlight.updated = now_iso()
        self.shards.save([highlight])
        self._record(Change(description, before, copy.deepcopy(highlight)))
        return highlight

    def set_kind(self, highlight: Highlight, kind: int) -> Highlight:
        return self._update(highlight, "colour", kind=kind)

    def set_note(self, highlight: Highlight, note: str) -> Highlight:
        return self._update(highlight, "note", note=note.rstrip())

    def set_tags(self, highlight: Highlight, tags: list[str]) -> Highlight:
        clean: list[str] = []
        for tag in tags:
            tag = normalise_tag(tag.lstrip("#"))
            if tag and tag not in clean:
                clean.append(tag)
        return self._update(highlight, "tags", tags=clean)

    def reattach(self, highlight: Highlight, text: str, start: int, end: int) -> Highlight:
        """Anchor ``highlight`` (typically an orphan) to a new range of the current text."""
        start, end = trim_range(text, start, end)
        if start >= end:
            raise ValueError("nothing selected to attach the highlight to")
        prefix, exact, suffix = quote_selector(text, start, end)
        return self._update(highlight, "re-attach", start=start, end=end, exact=exact,
                            prefix=prefix, suffix=suffix, anchor="ok")

    def delete(self, highlight: Highlight) -> None:
        self.shards.delete(highlight)
        self._record(Change("delete", copy.deepcopy(highlight), None))

    def undo(self) -> Change | None:
        """Revert the last change.  Returns it (None if there was nothing to undo)."""
        with self._lock:
            if not self._undo:
                return None
            change = self._undo.pop()
        try:
            if change.before is None:
                assert change.after is not None
                self.shards.delete(change.after)
            else:
                self.shards.save([copy.deepcopy(change.before)])
        except BaseException:
            with self._lock:
                self._undo.append(change)
            raise
        return change


class Writer:
    """The one path by which the UI changes the library.

    Jobs run one at a time on one thread, in the order they were submitted (so edits are saved in
    the order keys were pressed), off the event loop.  What a job returns goes to its ``then``
    callback and every failure to its ``failed`` callback and to ``on_error``, which the App
    turns into a notification: a failed save always reaches the user.  ``deliver`` runs a
    callback where the UI wants it (the App passes its ``call_from_thread``); without it,
    callbacks run on the writer thread.
    """

    def __init__(self, on_error: Callable[[str], None],
                 deliver: Callable[[Callable[[], object]], None] | None = None) -> None:
        self._on_error = on_error
        self._deliver = deliver or (lambda callback: callback())
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], Callable[[Any], object] | None,
                                            Callable[[Exception], object] | None] | None]
        self._jobs = queue.SimpleQueue()
        self._idle = threading.Condition()
        self._pending = 0
        self._thread = threading.Thread(target=self._run, name="tuireader-writer", daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[], T], then: Callable[[T], object] | None = None,
               failed: Callable[[Exception], object] | None = None) -> None:
        """Run ``job`` after every job submitted before it; ``then(result)`` on success,
        ``failed(exc)`` and the user-facing error on failure."""
        with self._idle:
            self._pending += 1
        self._jobs.put((job, then, failed))

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until every submitted job has finished (True), or ``timeout`` passed."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self) -> None:
        """Finish every submitted job, then stop the thread."""
        self._jobs.put(None)
        self._thread.join()

    def _run(self) -> None:
        while (item := self._jobs.get()) is not None:
            job, then, failed = item
            try:
                result = job()
            except Exception as exc:  # every failure is reported, none ends the thread
                self._report(exc, failed)
            else:
                if then is not None:
                    self._call(functools.partial(then, result))
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _report(self, exc: Exception, failed: Callable[[Exception], object] | None) -> None:
        message = str(exc) or type(exc).__name__
        if failed is not None:
            self._call(functools.partial(failed, exc))
        self._call(functools.partial(self._on_error, message))

    def _call(self, callback: Callable[[], object]) -> None:
        try:
            self._deliver(callback)
        except RuntimeError:  # the UI is gone (the app is closing): nothing left to tell
            pass
