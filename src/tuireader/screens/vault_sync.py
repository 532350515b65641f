"""V in the main screen (and the command palette): sync the library with the vault.

The vault is the config file's ``vault`` setting (``vault_flavor``: obsidian or logseq).  The
sync is one job on the app's writer (the UI's one write path): it runs off the event loop, after
every edit submitted before it, and what it reads back from the vault is saved through the app's
:class:`~tuireader.library.editing.Annotator`, so ``u`` undoes it like any edit.  A failure
reaches the user as the writer's error notification; the result is a notification and the
status line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tuireader.core.safety import inert
from tuireader.export.vault import SyncReport, sync_vault
from tuireader.export.vault.sync import AnnotatorApplier

if TYPE_CHECKING:
    from tuireader.app import TuiReaderApp


class VaultSync:
    """One vault sync at a time, from a screen (see the module docstring)."""

    def __init__(self, app: Callable[[], TuiReaderApp], status: Callable[[str], None],
                 synced: Callable[[], None]) -> None:
        self._app = app
        self._status = status
        self._synced = synced
        self.running = False

    def start(self) -> None:
        app = self._app()
        folder = app.config.vault.strip()
        if not folder:
            app.notify("No vault set: add vault = \"~/path/to/vault\" to the config file "
                       f"({app.config.path}), or run tuireader vault sync VAULT.",
                       title="Vault sync", severity="warning", markup=False)
            return
        if self.running:
            app.notify("A vault sync is already running.", markup=False)
            return
        self.running = True
        store, annotator, flavor = app.store, app.annotator, app.config.vault_flavor
        self._status("Syncing the vault…")

        def job() -> SyncReport:
            return sync_vault(store, Path(folder).expanduser(), flavor=flavor,
                              applier=AnnotatorApplier(annotator))

        app.writer.submit(job, then=self._done, failed=self._failed)

    def _done(self, report: SyncReport) -> None:
        self.running = False
        app = self._app()
        lines = [report.summary()]
        for name, items in (("conflict", report.conflicts),
                            ("deleted in the vault", report.deleted_in_vault),
                            ("orphan note", report.orphans), ("failed", report.failed)):
            lines += [f"{name}: {item}" for item in items[:3]]
            if len(items) > 3:
                lines.append(f"… and {len(items) - 3} more ({name}): tuireader vault sync lists "
                             "them all")
        trouble = report.conflicts or report.failed or report.deleted_in_vault
        app.notify(inert("\n".join(lines)), title="Vault sync", markup=False,
                   severity="warning" if trouble else "information")
        self._status(inert(report.summary()))
        self._synced()

    def _failed(self, exc: Exception) -> None:
        self.running = False  # the writer shows the error itself
        self._status("Vault sync failed")
