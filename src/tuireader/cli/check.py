"""``tuireader check [--repair] [--json]``: the library's ``git fsck`` / ``sqlite3 .recover``.

Without ``--repair`` nothing is written (the library is opened read-only and not repaired on
opening, as every other command would when the lock is free): every file is read and each
problem printed, one line per kind.  With ``--repair`` the damaged files are moved aside (never
deleted), the index is rebuilt from the files on disk and the backups, and what was done is
printed.  Exit status 0 when the library is healthy (after the repair, with ``--repair``), 1
when something is (still) wrong.
"""

from __future__ import annotations

import argparse
import json
import sys

from tuireader.cli.common import EXIT_FAILED, EXIT_OK, Subcommands, clean, library_dir


def add_parser(commands: Subcommands) -> None:
    p = commands.add("check", help="check the library's files (and --repair them)",
                     description="Check that the index, the article files, the highlight "
                     "files and the backups agree; with --repair, fix what differs (damaged "
                     "files are moved aside, never deleted).")
    p.add_argument("--repair", action="store_true", help="fix what is found")
    p.add_argument("--json", action="store_true", help="print JSON")


def cmd_check(args: argparse.Namespace) -> int:
    # Deferred: building the parser does not need the store.
    from tuireader.library.reconcile import Report
    from tuireader.library.store import Store

    store = Store(library_dir(args), read_only=not args.repair, repair=args.repair)
    try:
        if args.repair and store.read_only:
            print("error: the library is read-only now (another tuireader is using it?); "
                  "nothing was repaired", file=sys.stderr)
            return EXIT_FAILED
        opening = list(store.warnings)  # a damaged index, and (repairing) what was done
        before = store.reconciler.scan() + store.reconciler.deep(store.shards)
        if args.repair:
            fixed = store.reconciler.repair(before)
            after = store.reconciler.scan() + store.reconciler.deep(store.shards)
        else:
            fixed, after = [], before
        remaining = after
        problems = [] if args.repair else opening
        healthy = not remaining and not problems
        if args.json:
            data = {"healthy": healthy, "repaired": args.repair,
                    "messages": opening + store.warnings[len(opening):],
                    "findings": [vars(f) for f in before],
                    "remaining": [vars(f) for f in remaining]}
            json.dump(data, sys.stdout, ensure_ascii=True, indent=2)
            sys.stdout.write("\n")
        else:
            for line in opening + store.warnings[len(opening):]:
                print(clean(line))
            if args.repair:
                for line in Report(fixed).summary(repaired=True):
                    print(clean(line))
            left = "cannot be repaired here" if args.repair else None
            for line in Report(remaining).summary(repaired=False, action=left):
                print(clean(line))
            print("library is healthy" if healthy else
                  f"library has problems: {len(remaining) + len(problems)} left")
        return EXIT_OK if healthy else EXIT_FAILED
    finally:
        store.close()
