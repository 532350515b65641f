"""``tuireader import``'s fetching of the pages a read-later export names without their text.

Pocket and Instapaper keep links only; their pages are fetched in bulk
(:func:`tuireader.importers.foreign.fetching.fetch_missing`) with a progress bar on stderr
showing pages done, failed and left.  :func:`add_fetch_options` adds the options to the import
command's parser and :func:`make_fetcher` turns them into the callable the command runs on the
works that need text (``plan.needs_text()``) before the plan is applied.  A page that cannot be
fetched keeps its reason and becomes a link-only article; Ctrl+C stops the fetching and keeps
what was fetched (the import goes on with it; running it again fetches the rest).
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from tuireader.cli.common import clean, count_between
from tuireader.core.bridge import ForeignWork
from tuireader.importers.foreign.fetching import FetchStats, fetch_missing

NO_FETCH = "not fetched (--no-fetch)"
DRY_RUN = "not fetched (--dry-run)"




def add_fetch_options(parser: argparse.ArgumentParser) -> None:
    """``--no-fetch``, ``--retry-failed``, ``--concurrency N``, ``--per-host N``."""
    group = parser.add_argument_group(
        "fetching", "pages an export names without their text (Pocket, Instapaper) are "
        "fetched; one that cannot be is kept as a link-only article, and running the import "
        "again fetches it again")
    group.add_argument("--no-fetch", action="store_true",
                       help="fetch nothing: make link-only articles at once")
    group.add_argument("--retry-failed", action="store_true",
                       help="try harder: also retry pages that timed out or could not connect, "
                            "with more attempts (429 and 5xx are always retried)")
    group.add_argument("--concurrency", type=count_between(1, 64), default=8, metavar="N",
                       help="pages fetched at once (default 8)")
    group.add_argument("--per-host", type=count_between(1, 64), default=2, metavar="N",
                       help="pages fetched at once from one site (default 2)")


def _reason_kind(reason: str) -> str:
    """A failure's reason without its URL, to count alike failures together."""
    kind = re.split(r" (?:for|at|from|fetching) https?://| https?://|: https?://", reason)[0]
    return kind.rstrip(":") or reason


class Fetcher:
    """The callable :func:`make_fetcher` returns; :attr:`stats` holds the last run's counts."""

    def __init__(self, args: argparse.Namespace, console: Console,
                 should_stop: Callable[[], bool] | None = None) -> None:
        self._args = args
        self._console = console
        self._should_stop = should_stop
        self.stats: FetchStats | None = None

    def __call__(self, works: list[ForeignWork]) -> None:
        todo = [w for w in works if w.content is None and w.url]
        if not todo:
            return
        args = self._args
        if getattr(args, "no_fetch", False) or getattr(args, "dry_run", False):
            reason = DRY_RUN if getattr(args, "dry_run", False) else NO_FETCH
            for work in todo:
                work.missing_reason = work.missing_reason or reason
            return
        retry_failed = bool(getattr(args, "retry_failed", False))
        with Progress(TextColumn("fetching pages"), BarColumn(),
                      TextColumn("{task.fields[line]}"), TimeElapsedColumn(),
                      console=self._console, transient=True,
                      disable=not self._console.is_terminal) as bar:
            task = bar.add_task("fetch", total=len(todo), line=self._line(FetchStats(len(todo))))

            def progress(stats: FetchStats) -> None:
                bar.update(task, completed=stats.done, line=self._line(stats))

            self.stats = stats = fetch_missing(
                todo, concurrency=getattr(args, "concurrency", 8),
                per_host=getattr(args, "per_host", 2), retries=5 if retry_failed else 3,
                retry_transient=retry_failed, progress=progress, should_stop=self._should_stop)
        self._report(stats, todo)

    @staticmethod
    def _line(stats: FetchStats) -> str:
        return f"{stats.fetched} done · {stats.failed} failed · {stats.left} left"

    def _report(self, stats: FetchStats, todo: list[ForeignWork]) -> None:
        line = f"Fetched {stats.fetched} of {stats.total} pages"
        if stats.failed:
            kinds = Counter(_reason_kind(w.missing_reason) for w in todo
                            if w.content is None and w.missing_reason
                            and not w.missing_reason.startswith("not fetched"))
            common = "; ".join(f"{clean(kind)} ×{n}" for kind, n in kinds.most_common(3))
            line += f"; {stats.failed} failed, kept as link-only articles ({common})"
        if stats.stopped:
            line += (f"; stopped: {stats.left} not fetched, kept as link-only articles "
                     "(run the import again to fetch them)")
        self._console.print(line, markup=False, highlight=False)


def make_fetcher(args: argparse.Namespace, console: Console,
                 should_stop: Callable[[], bool] | None = None,
                 ) -> Callable[[list[ForeignWork]], None]:
    """What ``tuireader import`` runs on ``plan.needs_text()`` before applying the plan;
    ``should_stop`` is the command's Ctrl+C (which it catches to stop after the work in hand)."""
    return Fetcher(args, console, should_stop)
