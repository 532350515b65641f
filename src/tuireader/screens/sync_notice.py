"""Telling the reader what a sync tool brought, while the app runs.

The store merges conflict copies when it opens (see ``library/sync_state.py``); while the app
runs a sync tool may leave new ones (Syncthing finishing a transfer, Dropbox waking up).
:class:`SyncNotice`, held by the App, looks every :data:`RECHECK_SECONDS` (one listing of four
folders, on the writer's thread: the one write path) and, when there is something, merges it
there and says "merged changes from <device>"; the conflicts log's new lines (an older note
kept when a note was edited on two machines) are shown once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tuireader.core.safety import inert

if TYPE_CHECKING:
    from tuireader.app import TuiReaderApp
    from tuireader.library.sync_state import SyncReport

#: How often the app looks for conflict copies.
RECHECK_SECONDS = 30.0


class SyncNotice:
    """The App's watch on conflict copies and the conflicts log."""

    def __init__(self, app: TuiReaderApp) -> None:
        self.app = app

    def start(self) -> None:
        """Show the conflicts log's unseen lines (once) and start looking periodically."""
        self._show_conflicts()
        self.app.set_interval(RECHECK_SECONDS, self.check, name="sync-recheck")

    def check(self) -> None:
        """Submit a look (and a merge, if a copy is there) to the writer."""
        store = self.app.store
        if store.read_only:
            return

        def job() -> SyncReport | None:
            return store.sync.merge_conflicts() if store.sync.pending() else None

        self.app.writer.submit(job, then=self._merged)

    def _merged(self, report: SyncReport | None) -> None:
        if report is None or not (report.merged or report.needs_look):
            return
        self.app.notify(inert(report.summary()), title="Sync", timeout=10, markup=False,
                        severity="warning" if report.needs_look else "information")
        self._show_conflicts()

    def _show_conflicts(self) -> None:
        if self.app.store.read_only:
            return
        lines = self.app.store.sync.unseen_conflicts()
        if lines:
            shown = "\n".join(lines[:8]) + (f"\n… and {len(lines) - 8} more (the conflicts log: "
                                              f"{self.app.store.sync.machine.conflicts_log})"
                                              if len(lines) > 8 else "")
            self.app.notify(inert(shown), title="Edited on two machines", severity="warning",
                            timeout=30, markup=False)
