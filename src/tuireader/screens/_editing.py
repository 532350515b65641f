"""The highlight-editing keys shared by the main screen and the highlights view.

Every change runs on the app's single annotation-writer thread, in the order the keys were
pressed: ``h`` followed at once by ``2`` colours the highlight ``h`` made, because the ``2`` job
looks its highlight up only when its turn comes.  Results come back to the UI thread with
``call_from_thread``.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import SuspendNotSupported
from textual.binding import Binding
from textual.screen import Screen

from tuireader.core.model import KINDS, Highlight
from tuireader.core.safety import inert
from tuireader.library.durable import StorageError
from tuireader.screens.annotate import NoteScreen, TagScreen

if TYPE_CHECKING:
    from tuireader.app import TuiReaderApp

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


def _saying(action: Callable[..., object], message: str) -> Callable[..., str]:
    """``action`` as an edit job that reports ``message`` when it is done."""

    def job(*args: Any) -> str:
        action(*args)
        return message

    return job


@dataclass
class Target:
    """What an editing key acts on, resolved on the writer thread when the job runs."""

    article_id: str
    locate: Callable[[], Highlight | None]
    #: Create the highlight when none is there (``n`` and ``t`` in the reader do).
    create: Callable[[], Highlight] | None = None


class HighlightEditing(Screen[Any]):
    """Base for screens that have a current highlight."""

    @property
    def tui(self) -> TuiReaderApp:
        return self.app  # type: ignore[return-value]

    # -- to be provided by the screen ------------------------------------------------------

    def edit_target(self, *, creating: bool) -> Target | None:
        """The current highlight's target, or None (the screen explains why)."""
        raise NotImplementedError

    def highlights_changed(self, article_id: str, highlights: list[Highlight],
                           message: str) -> None:
        """Called on the UI thread after a change to ``article_id``'s highlights was saved."""
        raise NotImplementedError

    # -- running jobs ------------------------------------------------------------------------

    def run_edit(self, article_id: str, job: Callable[[], str | None],
                 on_failure: Callable[[], None] | None = None) -> None:
        """Run ``job`` on the writer thread; it returns the status message (None: no change).

        ``on_failure`` runs on the UI thread if the job fails (to take back what the screen
        showed ahead of the save)."""
        store = self.tui.store
        if store.read_only:
            self.notify("The library is open read-only: highlights cannot be changed.",
                        severity="warning", markup=False)
            return

        def task() -> None:
            try:
                message = job()
                highlights = store.highlights(article_id)
            except (StorageError, ValueError, OSError) as exc:
                self.app.call_from_thread(self.notify, inert(str(exc)), severity="error",
                                          markup=False)
                if on_failure is not None:
                    self.app.call_from_thread(on_failure)
                return
            if message is not None:
                self.app.call_from_thread(self.highlights_changed, article_id, highlights,
                                          message)

        self.tui.writer.submit(task)

    def _with_highlight(self, *, creating: bool,
                        then: Callable[[Highlight], str | None]) -> None:
        target = self.edit_target(creating=creating)
        if target is None:
            return

        def job() -> str | None:
            highlight = target.locate()
            if highlight is None and target.create is not None:
                highlight = target.create()
            if highlight is None:
                self.app.call_from_thread(self.notify, "No highlight here.", markup=False)
                return None
            return then(highlight)

        self.run_edit(target.article_id, job)

    def _on_ui(self, callback: Callable[..., Any], *args: Any) -> None:
        self.app.call_from_thread(callback, *args)

    # -- actions -----------------------------------------------------------------------------

    def action_kind(self, kind: int) -> None:
        annotator = self.tui.annotator
        name = KINDS[kind][0]
        self._with_highlight(creating=False,
                             then=_saying(lambda h: annotator.set_kind(h, kind),
                                          f"Colour: {name}"))

    def action_delete_highlight(self) -> None:
        annotator = self.tui.annotator
        self._with_highlight(
            creating=False,
            then=_saying(annotator.delete, "Highlight deleted (u undoes)"))

    def action_undo(self) -> None:
        annotator = self.tui.annotator
        if not annotator.can_undo:
            self.notify("Nothing to undo.", markup=False)
            return
        # The article is known only once the change is popped: report it from the job.
        store = self.tui.store

        def task() -> None:
            try:
                change = annotator.undo()
                if change is None:
                    return
                highlights = store.highlights(change.article_id)
            except (StorageError, ValueError, OSError) as exc:
                self._on_ui(self.notify, inert(str(exc)), severity="error", markup=False)
                return
            self._on_ui(self.highlights_changed, change.article_id, highlights,
                        f"Undone: {change.description}")

        if store.read_only:
            return
        self.tui.writer.submit(task)

    def action_note(self) -> None:
        def ask(h: Highlight) -> None:
            def done(note: str | None) -> None:
                if note is not None and note != h.note:
                    self._save_note(h, note)

            self.app.push_screen(NoteScreen(h.exact, h.note), done)

        self._with_highlight(creating=True, then=lambda h: self._on_ui(ask, h))

    def action_tags(self) -> None:
        def ask(h: Highlight, known: list[str]) -> None:
            def done(tags: list[str] | None) -> None:
                if tags is not None and tags != h.tags:
                    annotator = self.tui.annotator
                    self.run_edit(h.article_id,
                                  lambda: _saying(annotator.set_tags, "Tags saved")(h, tags))

            self.app.push_screen(TagScreen("Tags of this highlight", h.tags, known, h.exact),
                                 done)

        store = self.tui.store
        self._with_highlight(creating=True,
                             then=lambda h: self._on_ui(ask, h, store.all_tags()))

    def action_note_in_editor(self) -> None:
        self._with_highlight(creating=True, then=lambda h: self._on_ui(self._edit_externally, h))

    def _edit_externally(self, h: Highlight) -> None:
        """Edit the note in $VISUAL/$EDITOR with the app suspended."""
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        with tempfile.TemporaryDirectory(prefix="tuireader-") as folder:
            path = Path(folder) / "note.md"
            path.write_text(h.note, encoding="utf-8")
            try:
                with self.app.suspend():
                    result = subprocess.run([*shlex.split(editor), str(path)], check=False)
            except SuspendNotSupported:
                self.notify("This terminal cannot hand over to an editor; use n instead.",
                            severity="warning", markup=False)
                return
            except (OSError, ValueError) as exc:
                self.notify(f"Cannot run the editor {editor!r}: {exc}", severity="error",
                            markup=False)
                return
            if result.returncode != 0:
                self.notify(f"The editor exited with status {result.returncode}; note unchanged.",
                            severity="warning", markup=False)
                return
            note = path.read_text(encoding="utf-8", errors="replace").rstrip("\n")
        if note != h.note:
            self._save_note(h, note)

    def _save_note(self, h: Highlight, note: str) -> None:
        annotator = self.tui.annotator
        self.run_edit(h.article_id, lambda: _saying(annotator.set_note, "Note saved")(h, note))
