"""The highlight-editing keys, as one object both screens own: the main screen and the highlights
view each hold a :class:`HighlightEditor`, hand it what it cannot know (which highlight is
current, what to do when an article's highlights changed) and call it from their ``action_*``
methods.  The keys themselves stay data on the screens (:data:`EDIT_BINDINGS`).

Every change is a job on the app's :class:`~tuireader.library.editing.Writer`: one thread, jobs in
the order keys were pressed (``h`` followed at once by ``2`` colours the highlight ``h`` made,
because the ``2`` job looks its highlight up only when its turn comes), and a failure always
reaches the user as a notification.  What a job returns comes back on the UI thread.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from textual.app import SuspendNotSupported
from textual.binding import Binding
from textual.screen import Screen

from tuireader.core.model import KINDS, Highlight
from tuireader.core.safety import inert
from tuireader.screens.dialogs import NoteScreen, TagScreen

if TYPE_CHECKING:
    from tuireader.app import TuiReaderApp

#: The editing keys both screens bind (``h`` is the main screen's alone: it needs the reader).
EDIT_BINDINGS: list[Binding] = [
    Binding("n", "note", "Note", id="annotate.note"),
    Binding("t", "tags", "Tags", id="annotate.tags"),
    Binding("x", "delete_highlight", "Delete highlight", show=False, id="annotate.delete"),
    Binding("u", "undo", "Undo", show=False, id="annotate.undo"),
    Binding("E", "note_in_editor", "Note in $EDITOR", show=False, id="annotate.editor"),
    *[
        Binding(str(kind), f"kind({kind})", f"Colour {name} {glyph}", show=False,
                id=f"annotate.kind-{kind}")
        for kind, (name, glyph) in KINDS.items()
    ],
]


@dataclass
class Target:
    """What an editing key acts on, resolved on the writer thread when the job's turn comes."""

    article_id: str
    locate: Callable[[], Highlight | None]
    #: Create the highlight when none is there (``n``, ``t`` and ``E`` in the reader do).
    create: Callable[[], Highlight] | None = None


@dataclass
class Saved:
    """A saved change, as the writer hands it back: the article's highlights after it."""

    article_id: str
    highlights: list[Highlight]
    #: The status line's message ("Colour: green", "Undone: note", ...).
    message: str


#: ``target(creating)``: the current highlight's target, or None (the screen said why).
TargetFn = Callable[[bool], Target | None]
#: ``changed(article_id, highlights, message)``: on the UI thread after a change was saved.
ChangedFn = Callable[[str, list[Highlight], str], None]


class HighlightEditor:
    """Highlight edits for one screen, each saved through the app's writer, all undoable."""

    def __init__(self, owner: Screen[Any], *, target: TargetFn, changed: ChangedFn,
                 redraw: Callable[[], None] | None = None) -> None:
        self._owner = owner
        self._target = target
        self._changed = changed
        #: Called when :attr:`pending` changed (the reader draws pending highlights too).
        self._redraw = redraw or (lambda: None)
        self._pending: list[Highlight] = []

    @property
    def pending(self) -> list[Highlight]:
        """Highlights drawn at once by ``h`` whose save has not returned yet."""
        return list(self._pending)

    @property
    def _app(self) -> TuiReaderApp:
        return cast("TuiReaderApp", self._owner.app)

    # -- the writer ---------------------------------------------------------------------------

    def _writable(self) -> bool:
        if self._app.store.read_only:
            self._app.notify("The library is open read-only: highlights cannot be changed.",
                             severity="warning", markup=False)
            return False
        return True

    def _shown(self) -> bool:
        """Is the screen still there to show a result (the highlights view may be closed)?"""
        return self._owner.is_attached

    def _read(self, article_id: str, message: str) -> Saved:
        """On the writer thread, after a change: the article's highlights as saved."""
        return Saved(article_id, self._app.store.highlights(article_id), message)

    def _saved(self, saved: Saved | None) -> None:
        if saved is not None and self._shown():
            self._changed(saved.article_id, saved.highlights, saved.message)

    def _change(self, change: Callable[[Highlight], object], message: str) -> None:
        """Apply ``change`` to the current highlight on the writer thread."""
        target = self._target(False)
        if target is None or not self._writable():
            return

        def job() -> Saved | None:
            highlight = target.locate()
            if highlight is None:
                return None
            change(highlight)
            return self._read(target.article_id, message)

        def then(saved: Saved | None) -> None:
            if saved is None:
                self._app.notify("No highlight here.", markup=False)
            self._saved(saved)

        self._app.writer.submit(job, then=then)

    def _ask(self, ask: Callable[[Highlight, list[str]], None]) -> None:
        """Find (or create) the current highlight on the writer thread, then ``ask(h, tags)``
        on the UI thread, with the library's tags."""
        target = self._target(True)
        if target is None or not self._writable():
            return
        store = self._app.store

        def job() -> tuple[Highlight, list[str]] | None:
            highlight = target.locate()
            if highlight is None and target.create is not None:
                highlight = target.create()
            return None if highlight is None else (highlight, store.all_tags())

        def then(found: tuple[Highlight, list[str]] | None) -> None:
            if found is None:
                self._app.notify("No highlight here.", markup=False)
            elif self._shown():
                ask(*found)

        self._app.writer.submit(job, then=then)

    def _save(self, article_id: str, change: Callable[[], object], message: str) -> None:
        """Run ``change`` on the writer thread, then show ``message`` and the saved highlights."""

        def job() -> Saved:
            change()
            return self._read(article_id, message)

        self._app.writer.submit(job, then=self._saved)

    # -- the keys -----------------------------------------------------------------------------

    def highlight(self, article_id: str, text: str, start: int, end: int,
                  placed: Sequence[Highlight], reattach: Highlight | None = None) -> None:
        """``h`` over ``text[start:end]``: the new highlight is drawn at once (``redraw`` sees
        it in :attr:`pending`) and taken back if its save fails.  ``placed``: the article's
        highlights as shown; ``reattach``: an orphan to anchor there instead."""
        if not self._writable():
            return
        annotator = self._app.annotator
        if reattach is not None:
            self._save(article_id, lambda: annotator.reattach(reattach, text, start, end),
                       "Highlight re-attached")
            return
        try:
            highlight, new = annotator.propose(article_id, text, start, end, 1,
                                               [*placed, *self._pending])
        except ValueError as exc:
            self._app.notify(inert(str(exc)), severity="error", markup=False)
            return
        if not new:
            # In line behind the writes still running, so the status follows their "saved".
            self._app.writer.submit(lambda: self._read(article_id, "Already highlighted"),
                                    then=self._saved)
            return
        self._pending.append(highlight)
        self._redraw()

        def saved(result: Saved) -> None:
            self._pending.remove(highlight)
            self._saved(result)

        def failed(_exc: Exception) -> None:
            self._pending.remove(highlight)
            if self._shown():
                self._redraw()  # take back the highlight drawn ahead of the save

        def job() -> Saved:
            annotator.add_new(highlight)
            return self._read(article_id, "Highlighted")

        self._app.writer.submit(job, then=saved, failed=failed)

    def set_kind(self, kind: int) -> None:
        annotator = self._app.annotator
        self._change(lambda h: annotator.set_kind(h, kind), f"Colour: {KINDS[kind][0]}")

    def delete(self) -> None:
        self._change(self._app.annotator.delete, "Highlight deleted (u undoes)")

    def undo(self) -> None:
        annotator = self._app.annotator
        if not annotator.can_undo:
            self._app.notify("Nothing to undo.", markup=False)
            return
        if not self._writable():
            return

        def job() -> Saved | None:
            # The article is known only once the change is popped.
            change = annotator.undo()
            if change is None:
                return None
            return self._read(change.article_id, f"Undone: {change.description}")

        self._app.writer.submit(job, then=self._saved)

    def note(self) -> None:
        def ask(h: Highlight, _tags: list[str]) -> None:
            def done(note: str | None) -> None:
                if note is not None and note != h.note:
                    self._save_note(h, note)

            self._app.push_screen(NoteScreen(h.exact, h.note), done)

        self._ask(ask)

    def tags(self) -> None:
        def ask(h: Highlight, known: list[str]) -> None:
            def done(tags: list[str] | None) -> None:
                if tags is not None and tags != h.tags:
                    annotator = self._app.annotator
                    self._save(h.article_id, lambda: annotator.set_tags(h, tags), "Tags saved")

            self._app.push_screen(TagScreen("Tags of this highlight", h.tags, known, h.exact),
                                  done)

        self._ask(ask)

    def note_in_editor(self) -> None:
        self._ask(lambda h, _tags: self._edit_externally(h))

    def _edit_externally(self, h: Highlight) -> None:
        """Edit the note in $VISUAL/$EDITOR with the app suspended."""
        app = self._app
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        with tempfile.TemporaryDirectory(prefix="tuireader-") as folder:
            path = Path(folder) / "note.md"
            path.write_text(h.note, encoding="utf-8")
            try:
                with app.suspend():
                    result = subprocess.run([*shlex.split(editor), str(path)], check=False)
            except SuspendNotSupported:
                app.notify("This terminal cannot hand over to an editor; use n instead.",
                           severity="warning", markup=False)
                return
            except (OSError, ValueError) as exc:
                app.notify(f"Cannot run the editor {editor!r}: {exc}", severity="error",
                           markup=False)
                return
            if result.returncode != 0:
                app.notify(f"The editor exited with status {result.returncode}; note unchanged.",
                           severity="warning", markup=False)
                return
            note = path.read_text(encoding="utf-8", errors="replace").rstrip("\n")
        if note != h.note:
            self._save_note(h, note)

    def _save_note(self, h: Highlight, note: str) -> None:
        annotator = self._app.annotator
        self._save(h.article_id, lambda: annotator.set_note(h, note), "Note saved")
