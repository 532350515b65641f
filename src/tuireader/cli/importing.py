"""``tuireader import PATH``: highlights (and read-later libraries) from other tools.

The file's format is detected (or named with ``--format``); its works are matched with the
library's articles and their highlights anchored in the text (``library/bridge``).  One summary
line on stdout (``--json``: one object with the same counts); a progress bar on stderr when it
takes more than a moment; Ctrl+C stops after the work in hand (what was done is kept, running
it again finishes); ``--dry-run`` opens the library read-only and writes nothing.

The page fetcher (works that name a URL and carry no text) plugs in between the plan and its
application: see the two ``# fetch:`` lines below.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from tuireader.cli.common import EXIT_OK, CliError, Subcommands, clean, open_store
from tuireader.cli.importing_fetch import add_fetch_options, make_fetcher

if TYPE_CHECKING:
    from rich.progress import Progress


#: Exit status of an import stopped by Ctrl+C (what was done is kept).
EXIT_INTERRUPTED = 130
#: The progress bar appears once an import has run this long (seconds).
BAR_AFTER = 0.5


def add_parser(commands: Subcommands) -> None:
    p = commands.add(
        "import", help="import highlights from Kindle, KOReader, Readwise, Hypothesis ...",
        description="Import highlights (and read-later libraries) from another tool's file: "
        "each is anchored in its article's text, or kept in a highlights-only article until "
        "the text is added. Running it again adds nothing new.")
    p.add_argument("path", metavar="PATH", type=Path, help="the file or folder to import")
    p.add_argument("--format", metavar="NAME",
                   help="the format (kindle, koreader, readwise, hypothesis, ...); detected "
                   "when not given")
    p.add_argument("--json", action="store_true", help="print the counts as one JSON object")
    p.add_argument("--dry-run", action="store_true", help="count what would be done, write "
                   "nothing")
    add_fetch_options(p)


class _Bar:
    """A rich progress bar on stderr, shown only on a terminal and after :data:`BAR_AFTER`."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.started = time.monotonic()
        self.enabled = sys.stderr.isatty()
        self.bar: Progress | None = None
        self.task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.monotonic() - self.started < BAR_AFTER or done >= total:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            self.bar = Progress(f"[progress.description]{self.label}", BarColumn(),
                                MofNCompleteColumn(), TimeElapsedColumn(),
                                console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total)
        self.bar.update(self.task, completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


class _Interrupt:
    """Ctrl+C asks to stop after the work in hand; a second one stops at once."""

    def __init__(self) -> None:
        self.asked = False
        self._previous: Any = None

    def __enter__(self) -> _Interrupt:
        try:
            self._previous = signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not the main thread (tests calling main() from a worker)
            self._previous = None
        return self

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.asked:
            raise KeyboardInterrupt
        self.asked = True
        print("stopping after the work in hand (Ctrl+C again to stop now)", file=sys.stderr)

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def cmd_import(args: argparse.Namespace) -> int:
    # Deferred: the parser is built on every start; the readers and the engine only here.
    from rich.console import Console

    from tuireader.importers.foreign import ForeignFormatError, by_name, detect
    from tuireader.library.bridge.apply import apply_plan, plan_import

    path: Path = args.path.expanduser()
    if not path.exists():
        raise CliError(f"{path}: no such file or folder")
    console = Console(stderr=True)
    try:
        fmt = by_name(args.format) if args.format else detect(path)
        bar = _Bar(f"reading {fmt.label}")
        try:
            export = fmt.read(path, bar)
        finally:
            bar.close()
    except ForeignFormatError as exc:
        raise CliError(str(exc)) from exc
    except OSError as exc:
        raise CliError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    with open_store(args, write=not args.dry_run) as store, _Interrupt() as interrupt:
        plan = plan_import(store, export)
        wanted = plan.needs_text()
        if wanted and not interrupt.asked:
            make_fetcher(args, console, lambda: interrupt.asked)(wanted)
        bar = _Bar(f"importing {fmt.label}")
        try:
            report = apply_plan(store, plan, dry_run=args.dry_run, progress=bar,
                                should_stop=lambda: interrupt.asked)
        finally:
            bar.close()
    if args.json:
        data = report.to_json() | {"path": str(path),
                                   "skipped": [{"reason": r, "where": w}
                                               for r, w in report.skipped]}
        print(json.dumps(data))  # ASCII: no terminal control character gets through
    else:
        print(clean(report.summary()))
    for line in report.warnings[:5]:
        console.print(f"warning: {clean(line)}", markup=False, highlight=False)
    if len(report.warnings) > 5:
        console.print(f"warning: … and {len(report.warnings) - 5} more", markup=False,
                      highlight=False)
    return EXIT_INTERRUPTED if report.stopped else EXIT_OK
