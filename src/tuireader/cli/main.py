"""The ``tuireader`` command line: the parser and the dispatch to the command groups.

Every command prints its results on stdout and each problem as one line on stderr
(``error: <source>: <reason>``), never a traceback.  Exit status: 0 success, 1 when something
failed (the rest still done), 2 for usage errors.

The commands live one module per group: ``library.py`` (add, list, show, remove, convert,
highlights), ``reader.py`` (the App, ``open``), ``export.py``, ``check.py`` (the library's
fsck); ``common.py`` holds what they share.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from tuireader import __version__
from tuireader.cli import check, export, importing, library, reader, review, search, sync, vault
from tuireader.cli.common import EXIT_FAILED, EXIT_OK, CliError, Parser, Subcommands, clean
from tuireader.library.durable import StorageError
from tuireader.locations import LIBRARY_ENV, default_library_dir


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="tuireader",
        description="A terminal reader: read articles, highlight with the keyboard, tag, note, "
        "export to Markdown. With no command, starts the reader.",
    )
    parser.add_argument("--version", action="version", version=f"tuireader {__version__}")
    parser.add_argument(
        "--library",
        metavar="DIR",
        type=Path,
        help=f"the library folder (default: ${LIBRARY_ENV} or {default_library_dir()})",
    )
    commands = Subcommands(parser)
    library.add_parsers(commands)
    reader.add_parsers(commands)
    export.add_export_parser(commands)
    check.add_parser(commands)
    review.add_parsers(commands)
    importing.add_parser(commands)
    vault.add_parsers(commands)
    search.add_parsers(commands)
    sync.add_parsers(commands)
    return parser


#: Sub-command name -> the function that runs it (returns the exit status).
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "add": library.cmd_add,
    "list": library.cmd_list,
    "show": library.cmd_show,
    "remove": library.cmd_remove,
    "convert": library.cmd_convert,
    "highlights": library.cmd_highlights,
    "open": reader.cmd_open,
    "export": export.cmd_export,
    "check": check.cmd_check,
    "review": review.cmd_review,
    "import": importing.cmd_import,
    "vault": vault.cmd_vault,
    "search": search.cmd_search,
    "reindex": search.cmd_reindex,
    "sync": sync.cmd_sync,
    "merge-file": sync.cmd_merge_file,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command is None:
            return reader.cmd_app(args)
        return COMMANDS[args.command](args)
    except CliError as exc:
        print(f"error: {clean(str(exc))}", file=sys.stderr)
        return EXIT_FAILED
    except StorageError as exc:
        print(f"error: {clean(str(exc))}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_OK
