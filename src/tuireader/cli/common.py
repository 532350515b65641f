"""What every command shares: exit codes, the one-line error, cleaning text for the terminal,
and opening the library."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
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


class CliError(Exception):
    """A failure reported as one line on stderr with exit status 1."""


def clean(text: str) -> str:
    """One line of user text for the terminal: control characters shown as U+FFFD."""
    return "".join(
        ch if ch.isprintable() or ch == " " else "\ufffd" for ch in text.replace("\n", " ")
    )


def library_dir(args: argparse.Namespace) -> Path:
    return Path(args.library).expanduser() if args.library else default_library_dir()


@contextmanager
def open_store(args: argparse.Namespace, *, write: bool) -> Iterator[Store]:
    from tuireader.library.store import Store

    store = Store(library_dir(args), read_only=not write)
    try:
        for warning in store.warnings:
            if write or "read-only" not in warning:
                print(f"warning: {clean(warning)}", file=sys.stderr)
        if write and store.read_only:
            raise CliError("the library is read-only now; nothing was changed")
        yield store
    finally:
        store.close()
