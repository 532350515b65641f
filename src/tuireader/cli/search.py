"""``tuireader search`` and ``tuireader reindex``: the library's full-text search.

    tuireader search QUERY [--json] [--limit N]   hits, best first (exit 1 when there is none)
    tuireader reindex [--from-scratch]            bring the search index up to date

The index is this machine's derived data (see :mod:`tuireader.library.fulltext`); a search
first brings it up to date when the library changed behind it, with a progress bar on stderr.
Ctrl+C keeps what was indexed; running again goes on from there.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from tuireader.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    CliError,
    Subcommands,
    clean,
    count_between,
    open_store,
)

if TYPE_CHECKING:
    from tuireader.library.store import Store




def add_parsers(commands: Subcommands) -> None:
    p = commands.add("search", help="search the whole library: text, highlights, notes, tags")
    p.add_argument("query", metavar="QUERY", nargs="+",
                   help='words (any case, diacritics or not), "a phrase", word*, -word, '
                   "a OR b, in:text|highlights|notes|tags, #tag, a:title, author:, site:, "
                   "is:archived")
    p.add_argument("--json", action="store_true", help="print the hits as a JSON list")
    p.add_argument("--limit", metavar="N", type=count_between(1, 1000), default=20,
                   help="at most N hits (default 20)")
    r = commands.add("reindex", help="bring the search index up to date (resumable)")
    r.add_argument("--from-scratch", action="store_true",
                   help="forget the index first and build it again")


def catch_up(store: Store, verb: str = "indexing") -> int:
    """Index what changed in the library, with a progress bar on stderr (a terminal only)."""
    stale = store.fulltext.stale()
    if not stale:
        return 0
    if not sys.stderr.isatty():
        return store.fulltext.catch_up(stale)
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn(f"{verb} articles"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(verb, total=len(stale))
        return store.fulltext.catch_up(
            stale, progress=lambda done, total: bar.update(task, completed=done))


def cmd_search(args: argparse.Namespace) -> int:
    text = " ".join(args.query)
    with open_store(args, write=False) as store:
        catch_up(store, "indexing")
        results = store.fulltext.search(text, limit=args.limit)
        if results.message:
            raise CliError(results.message)
        if args.json:
            json.dump([h.to_json() for h in results.hits], sys.stdout, ensure_ascii=False,
                      indent=2)
            print()
        else:
            for h in results.hits:
                print(f"{h.article_id}  {clean(h.title)[:40]:<40}  {h.where:<9}  "
                      f"{clean(h.snippet)}")
        if not results.hits:
            print(f"no hits for {clean(text)}", file=sys.stderr)
    return EXIT_OK if results.hits else EXIT_FAILED


def cmd_reindex(args: argparse.Namespace) -> int:
    with open_store(args, write=False) as store:
        fulltext = store.fulltext
        if fulltext.error:
            raise CliError(fulltext.error)
        if args.from_scratch:
            fulltext.rebuild()
        try:
            done = catch_up(store, "indexing")
        except KeyboardInterrupt:
            left = len(fulltext.stale())
            print(f"interrupted: {left} articles left to index; run `tuireader reindex` "
                  "again to finish", file=sys.stderr)
            return 130
        if done:
            fulltext.optimize()
        if fulltext.error:
            raise CliError(fulltext.error)
        count = len(store.articles.ids())
        print(f"search index up to date: {count} articles ({done} indexed now), "
              f"{fulltext.size() / 1e6:.1f} MB at {clean(str(fulltext.path))}")
    return EXIT_OK
