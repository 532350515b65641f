"""``tuireader vault sync``: one note per article in an Obsidian or Logseq vault, both ways.

The vault folder is the argument, else the ``vault`` setting of the config file.  Results on
stdout (a summary line, then each conflict, deletion and orphan; ``--json``: the counts and
those lines), problems on stderr; exit 0, or 1 when a note could not be written or read.
(``tuireader sync``, the library's own sync between machines, is another command.)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tuireader.cli.common import EXIT_FAILED, EXIT_OK, CliError, Subcommands, clean, open_store

FLAVORS = ("obsidian", "logseq")


def add_parsers(commands: Subcommands) -> None:
    p = commands.add("vault", help="sync highlights with an Obsidian or Logseq vault, both ways",
                     description="One note per article in your vault. Your own text and "
                     "front-matter keys are never touched; notes and #tags you edit there come "
                     "back into tuireader.")
    sub = p.add_subparsers(dest="vault_command", metavar="ACTION", required=True)
    s = sub.add_parser("sync", help="write new highlights into the vault and read edits back",
                       description="Sync the library with the vault (the vault setting of the "
                       "config file when VAULT is not given).")
    s.add_argument("vault", nargs="?", type=Path, metavar="VAULT", help="the vault folder")
    s.add_argument("--flavor", choices=FLAVORS, default=None,
                   help="obsidian (^hl- block ids) or logseq (an outline, id::); default: the "
                   "vault_flavor setting, else obsidian")
    s.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
    s.add_argument("--json", action="store_true", help="print the counts as JSON")
    s.add_argument("--accept-deletions", action="store_true",
                   help="delete in tuireader the highlights whose blocks you deleted in the vault")
    s.add_argument("--library", metavar="DIR", type=Path, default=argparse.SUPPRESS,
                   help="the library folder")


def _vault_folder(args: argparse.Namespace) -> tuple[Path, str]:
    from tuireader.config import load_config

    config = load_config()
    flavor = args.flavor or config.vault_flavor
    if args.vault is not None:
        return Path(args.vault).expanduser(), flavor
    for problem in config.problems:
        print(f"warning: {clean(problem)}", file=sys.stderr)
    if not config.vault.strip():
        raise CliError("no vault folder: give one (tuireader vault sync ~/Vault) or set "
                       f"vault = \"...\" in {config.path}")
    return Path(config.vault).expanduser(), flavor


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("vault sync"), BarColumn(), MofNCompleteColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("sync", total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def cmd_vault(args: argparse.Namespace) -> int:
    from tuireader.export.vault import sync_vault
    from tuireader.library.errors import StoreError

    vault, flavor = _vault_folder(args)
    if not vault.is_dir():
        raise CliError(f"the vault folder {vault} does not exist (or is not a folder)")
    with open_store(args, write=not args.dry_run) as store, \
            _progress(sys.stderr.isatty() and not args.json) as progress:
        try:
            report = sync_vault(store, vault, flavor=flavor, dry_run=args.dry_run,
                                accept_deletions=args.accept_deletions, progress=progress)
        except StoreError as exc:
            raise CliError(str(exc)) from exc
    lines = {"conflicts": report.conflicts, "deleted_in_vault": report.deleted_in_vault,
             "notes_deleted_in_vault": report.notes_deleted_in_vault,
             "orphans": report.orphans, "duplicates": report.duplicates,
             "skipped": report.skipped, "failed": report.failed}
    if args.json:
        json.dump({**report.counts(), "details": lines}, sys.stdout, indent=2,
                  ensure_ascii=False)
        print()
    else:
        print(report.summary())
        for name in ("conflicts", "deleted_in_vault", "notes_deleted_in_vault", "orphans",
                     "duplicates"):
            for line in lines[name]:
                print(f"{name.replace('_', ' ')}: {clean(line)}")
        if args.dry_run:
            for rel in report.created:
                print(f"would create: {clean(rel)}")
            for rel in report.updated:
                print(f"would update: {clean(rel)}")
    for line in report.skipped + report.failed:
        print(f"error: {clean(line)}", file=sys.stderr)
    return EXIT_FAILED if report.failed or report.skipped else EXIT_OK
