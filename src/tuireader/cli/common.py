"""What every command shares: exit codes, the one-line error, the sub-command parsers, cleaning
text for the terminal, and opening the library."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from tuireader.locations import default_library_dir

if TYPE_CHECKING:
    from tuireader.library.store import Store

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class Subcommands:
    """The sub-commands of ``tuireader``; each command group's module adds its own.

    Every sub-command also accepts ``--library`` after its name (``tuireader add --library DIR
    FILE``), through a shared parent parser whose default is SUPPRESS: a value given before the
    command is kept when it is not repeated after it.
    """

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self._action = parser.add_subparsers(dest="command", metavar="COMMAND",
                                             parser_class=Parser)
        library = Parser(add_help=False)
        library.add_argument("--library", metavar="DIR", type=Path, default=argparse.SUPPRESS,
                             help="the library folder")
        self._parents = [library]

    def add(self, name: str, *, help: str, description: str | None = None) -> Parser:
        """A new sub-command ``name`` (``help``: its line in ``tuireader --help``)."""
        return self._action.add_parser(name, help=help, description=description,
                                       parents=self._parents)


class CliError(Exception):
    """A failure reported as one line on stderr with exit status 1."""


def clean(text: str) -> str:
    """One line of user text for the terminal: control characters shown as U+FFFD."""
    return "".join(
        ch if ch.isprintable() or ch == " " else "\ufffd" for ch in text.replace("\n", " ")
    )


def library_dir(args: argparse.Namespace) -> Path:
    return Path(args.library).expanduser() if args.library else default_library_dir()


#: The end of the store's warning that it opened read-only (see ``Store._go_read_only``):
#: a read command does not need telling; any other warning (damage found and repaired, a
#: backup used, a file "left in place (opened read-only)") is always shown.
_READ_ONLY_NOTE = "opened read-only, changes will not be saved"


@contextmanager
def open_store(args: argparse.Namespace, *, write: bool) -> Iterator[Store]:
    """The library for one command (read-only unless it writes), its warnings on stderr:
    those of the opening first, and those found while the command ran (a shard skipped, a
    body that is not UTF-8) when it ends."""
    # Deferred: building the parser (every start, `--help`) does not need the store.
    from tuireader.library.store import Store

    store = Store(library_dir(args), read_only=not write)
    shown = 0

    def show_warnings() -> None:
        nonlocal shown
        for warning in store.warnings[shown:]:
            if write or not warning.endswith(_READ_ONLY_NOTE):
                print(f"warning: {clean(warning)}", file=sys.stderr)
        shown = len(store.warnings)

    try:
        show_warnings()
        if write and store.read_only:
            raise CliError("the library is read-only now; nothing was changed")
        yield store
    finally:
        show_warnings()
        store.close()


def count_between(low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number from ``low`` to ``high`` (a usage error otherwise)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}: {value}")
        return value

    return parse
