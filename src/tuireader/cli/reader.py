"""Starting the reader: ``tuireader`` with no command, and ``tuireader open ID|SOURCE``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tuireader.cli.common import CliError, Subcommands, library_dir

if TYPE_CHECKING:
    from tuireader.library.store import Store


def add_parsers(commands: Subcommands) -> None:
    p = commands.add("open", help="start the reader at an article (a new SOURCE is added first)")
    p.add_argument("target", metavar="ID|SOURCE")


def cmd_app(args: argparse.Namespace, open_target: str | None = None) -> int:
    """Start the App on the library (seeding an empty new one with the sample articles); with
    ``open_target``, at that article (a source not in the library is added first)."""
    # Deferred: Textual, the importers and the store load only when the reader starts, so
    # `tuireader --help` and the other commands start fast.
    from tuireader.app import run_app
    from tuireader.cli.samples import seed_library
    from tuireader.config import load_config
    from tuireader.library.store import Store

    # preload: the highlight shards are read in a background thread while the App starts, so
    # the first tag or search query in the App does not wait for them.
    store = Store(library_dir(args), preload=True)
    try:
        if not store.read_only and not store.seeded and not store.list_articles():
            print(f"First start: adding the bundled sample articles to {store.dir} ...",
                  file=sys.stderr, flush=True)
            for outcome in seed_library(store):
                if outcome.status.startswith("error"):
                    print(f"warning: sample {outcome.file}: {outcome.status}", file=sys.stderr)
        open_id = None
        if open_target is not None:
            open_id = _resolve_or_add(store, open_target)
        return run_app(store, load_config(), open_article=open_id)
    finally:
        store.close()


def cmd_open(args: argparse.Namespace) -> int:
    return cmd_app(args, open_target=args.target)


def _resolve_or_add(store: Store, target: str) -> str:
    """The id of the article ``target`` names (an id or a unique prefix), or of the article a
    source (``-``, a URL, an existing path) gives, added to the library first."""
    from tuireader.importers import import_source  # deferred: see cmd_app
    from tuireader.library.store import NotFound

    looks_like_source = target == "-" or "://" in target or Path(target).exists()
    if not looks_like_source:
        try:
            return str(store.resolve(target).id)
        except NotFound as exc:
            raise CliError(str(exc)) from exc
    outcome = next(iter(import_source(target)))
    if outcome.article is None:
        raise CliError(f"{target}: {outcome.error}")
    return str(store.add_article(outcome.article).article.id)
