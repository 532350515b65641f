"""``tuireader review``: the daily review, in the reader or for scripts.

    tuireader review                    the reader, straight into a review session
    tuireader review --tag T            a themed session: highlights tagged T (or in articles
    tuireader review --article ID       tagged T), or of one article
    tuireader review --due [--json]     what is due (FSRS cards), for scripts; nothing recorded
    tuireader review --json             the session that would come, as JSON; nothing recorded
    tuireader review --stats            the stats line (streak, reviewed today, cards due)
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from tuireader.cli.common import (
    EXIT_OK,
    CliError,
    Subcommands,
    clean,
    count_between,
    library_dir,
    open_store,
)

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from tuireader.library.review import ReviewItem
    from tuireader.library.store import Store




def add_parsers(commands: Subcommands) -> None:
    p = commands.add("review", help="the daily review of your highlights (or, with --due / "
                     "--json / --stats, what it would show)")
    p.add_argument("--due", action="store_true", help="list the cards due now (no reader)")
    p.add_argument("--json", action="store_true", help="print JSON (with --due: the due "
                   "cards; alone: the session that would come) instead of starting the reader")
    p.add_argument("--stats", action="store_true", help="print the stats line and exit")
    p.add_argument("--tag", metavar="T", help="only highlights tagged T (or in articles "
                   "tagged T)")
    p.add_argument("--article", metavar="ID", help="only highlights of this article")
    p.add_argument("--count", metavar="N", type=count_between(1, 1000), default=10,
                   help="cards in a session (default 10)")
    p.add_argument("--seed", metavar="S", type=int, default=None,
                   help="seed of the random draw (the same seed, the same session)")


def _article(store: Store, ref: str | None) -> str | None:
    if ref is None:
        return None
    from tuireader.library.store import NotFound

    try:
        return str(store.resolve(ref).id)
    except NotFound as exc:
        raise CliError(str(exc)) from exc


def _tag(args: argparse.Namespace) -> str | None:
    from tuireader.core.model import normalise_tag

    return normalise_tag(args.tag.lstrip("#")) or None if args.tag else None


def _item_json(item: ReviewItem, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    h = item.highlight
    return {"highlight_id": h.id, "article_id": h.article_id,
            "article_title": item.article_title, "quote": h.exact, "note": h.note,
            "tags": list(h.tags), "colour": h.kind_name, "due_card": item.due, **(extra or {})}


def cmd_review(args: argparse.Namespace) -> int:
    if args.due or args.json or args.stats:
        return _report(args)
    return _start_reader(args)


def _report(args: argparse.Namespace) -> int:
    from tuireader.library.review import ReviewItem

    with open_store(args, write=False) as store:
        review = store.review
        if args.stats:
            print(review.stats().line())
            return EXIT_OK
        article_id, tag = _article(store, args.article), _tag(args)
        if args.due:
            titles = store.titles()
            rows = []
            for record, when in review.due():
                h = store.get_highlight(record.id)
                if h is None or (article_id and h.article_id != article_id) or (
                        tag and tag not in h.tags):
                    continue
                item = ReviewItem(h, titles.get(h.article_id, ""), due=True)
                rows.append(_item_json(item, {"due": when.isoformat(),
                                              "ratings": record.ratings}))
            if args.json:
                print(json.dumps(rows, ensure_ascii=False, indent=2))
            else:
                for row in rows:
                    print(f"{row['due'][:16]}  {row['highlight_id']}  "
                          f"{clean(row['article_title'])[:30]:<30}  {clean(row['quote'])[:60]}")
                print(f"{len(rows)} due", file=sys.stderr)
            return EXIT_OK
        items = review.plan(args.count, seed=args.seed, tag=tag, article_id=article_id)
        print(json.dumps([_item_json(i) for i in items], ensure_ascii=False, indent=2))
        return EXIT_OK


def _start_reader(args: argparse.Namespace) -> int:
    # Deferred: Textual loads only when the reader starts.
    from tuireader.app import make_app
    from tuireader.config import load_config
    from tuireader.library.store import Store
    from tuireader.screens.review import ReviewScreen

    store = Store(library_dir(args), preload=True)
    try:
        # (The store's warnings are shown in the app, as for ``tuireader``.)
        screen = ReviewScreen(count=args.count, seed=args.seed, tag=_tag(args),
                              article_id=_article(store, args.article))
        app = make_app(store, load_config())

        async def straight_in(pilot: Pilot[Any]) -> None:
            # Textual's hook for code that runs once the app is up: the review opens over
            # the reader (escape there goes back to reading).
            pilot.app.push_screen(screen)

        result = app.run(auto_pilot=straight_in)
        return int(result or 0)
    finally:
        store.close()
