"""The ``tuireader`` command line.

Every command prints its results on stdout and each problem as one line on stderr
(``error: <source>: <reason>``), never a traceback.  Exit status: 0 success, 1 when something
failed (the rest still done), 2 for usage errors.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from tuireader import __version__
from tuireader.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    CliError,
    Parser,
    clean,
    library_dir,
    open_store,
)
from tuireader.cli.export import add_export_parser, cmd_export
from tuireader.core.model import Article, Highlight
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
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    # --library is accepted after the command too (`tuireader add --library DIR FILE`);
    # SUPPRESS keeps a value given before the command when it is not repeated after it.
    library_after = argparse.ArgumentParser(add_help=False)
    library_after.add_argument("--library", metavar="DIR", type=Path, default=argparse.SUPPRESS,
                               help="the library folder")
    _add_parser = sub.add_parser

    def add_parser(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        kwargs.setdefault("parents", [library_after])
        parser_: argparse.ArgumentParser = _add_parser(name, **kwargs)
        return parser_

    sub.add_parser = add_parser  # type: ignore[method-assign]

    p = sub.add_parser("add", help="add files, folders, URLs or - (stdin) to the library")
    p.add_argument("--tag", action="append", default=[], metavar="T", help="tag the articles")
    p.add_argument("sources", nargs="+", metavar="SOURCE")

    p = sub.add_parser("list", help="list the articles in the library")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("show", help="show an article's details and Markdown")
    p.add_argument("id", metavar="ID")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("remove", help="remove an article (kept in the library's trash folder)")
    p.add_argument("id", metavar="ID")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask")

    p = sub.add_parser("convert", help="print the article a SOURCE gives, without storing it")
    p.add_argument("source", metavar="SOURCE")
    p.add_argument("--json", action="store_true", help="print metadata and Markdown as JSON")

    p = sub.add_parser("highlights", help="list highlights")
    p.add_argument("--tag", metavar="T")
    p.add_argument("--article", metavar="ID")
    p.add_argument("--search", metavar="TEXT")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("open", help="start the reader at an article (a new SOURCE is added first)")
    p.add_argument("target", metavar="ID|SOURCE")
    add_export_parser(sub)
    return parser


def _article_json(article: Article, highlight_count: int | None = None) -> dict[str, Any]:
    data = article.to_record()
    if highlight_count is not None:
        data["highlight_count"] = highlight_count
    return data


_C1 = re.compile("[\x7f-\x9f]")


def _dump(data: object, out: TextIO) -> None:
    # JSON escapes C0 controls itself but not DEL and the C1 range (U+0080-U+009F), which a
    # terminal may act on (U+009B is CSI): escape those too, so the output is still the same
    # JSON and safe to print.
    text = json.dumps(data, ensure_ascii=False, indent=2)
    out.write(_C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text))
    out.write("\n")


# -- commands -----------------------------------------------------------------------------


def cmd_add(args: argparse.Namespace) -> int:
    from tuireader.importers import import_source

    failed = False
    show_progress = sys.stderr.isatty() and (len(args.sources) > 1 or any(
        Path(s).is_dir() for s in args.sources if s != "-"))
    with open_store(args, write=True) as store:
        outcomes = (o for source in args.sources for o in import_source(source))
        for outcome in _progress(outcomes, show_progress):
            if outcome.article is None:
                failed = True
                print(f"error: {clean(outcome.source)}: {clean(outcome.error)}", file=sys.stderr)
                continue
            try:
                result = store.add_article(outcome.article, tags=args.tag)
            except StorageError as exc:
                failed = True
                print(f"error: {clean(outcome.source)}: {clean(str(exc))}", file=sys.stderr)
                continue
            print(f"{result.status} {result.article.id} {clean(result.article.title)}", flush=True)
    return EXIT_FAILED if failed else EXIT_OK


def _progress(items: Iterator[Any], enabled: bool) -> Iterator[Any]:
    if not enabled:
        yield from items
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("importing {task.completed} sources"),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("import", total=None)
        for item in items:
            yield item
            bar.advance(task)


def cmd_list(args: argparse.Namespace) -> int:
    with open_store(args, write=False) as store:
        articles = sorted(store.list_articles(), key=lambda a: a.added, reverse=True)
        counts = store.highlight_counts()
        if args.json:
            _dump([_article_json(a, counts.get(a.id, 0)) for a in articles], sys.stdout)
            return EXIT_OK
        for a in articles:
            tags = " ".join(f"#{t}" for t in a.tags)
            print(f"{a.id}  {a.word_count:>7} words  {counts.get(a.id, 0):>3} hl  "
                  f"{clean(a.title)}" + (f"  {clean(tags)}" if tags else ""))
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    with open_store(args, write=False) as store:
        article = store.resolve(args.id)
        markdown = store.read_markdown(article.id)
        highlights = store.highlights(article.id)
        if args.json:
            data = _article_json(article, len(highlights))
            data["markdown"] = markdown
            _dump(data, sys.stdout)
            return EXIT_OK
        fields = [("id", article.id), ("title", article.title), ("author", article.author),
                  ("site", article.site), ("source", article.source), ("url", article.url),
                  ("published", article.published), ("added", article.added),
                  ("words", str(article.word_count)), ("tags", ", ".join(article.tags)),
                  ("highlights", str(len(highlights)))]
        for name, value in fields:
            if value:
                print(f"{name + ':':<12}{clean(value)}")
        print()
        sys.stdout.write(_safe_block(markdown))
        if not markdown.endswith("\n"):
            sys.stdout.write("\n")
    return EXIT_OK


def _safe_block(text: str) -> str:
    """Multi-line user text for the terminal: keeps newlines and tabs, neutralises controls."""
    return "".join(ch if ch in "\n\t" or ch.isprintable() else "\ufffd" for ch in text)


def cmd_remove(args: argparse.Namespace) -> int:
    with open_store(args, write=True) as store:
        article = store.resolve(args.id)
        if not args.yes:
            if not sys.stdin.isatty():
                raise CliError("not removing without confirmation: use --yes")
            answer = input(f"Remove {article.id} {clean(article.title)!r}? [y/N] ")
            if answer.strip().lower() not in {"y", "yes"}:
                print("not removed")
                return EXIT_FAILED
        trash = store.remove_article(article.id)
        print(f"removed {article.id} {clean(article.title)} (kept in {trash})")
    return EXIT_OK


def cmd_convert(args: argparse.Namespace) -> int:
    from tuireader.importers import import_source

    status = EXIT_OK
    for outcome in import_source(args.source):
        if outcome.article is None:
            print(f"error: {clean(outcome.source)}: {clean(outcome.error)}", file=sys.stderr)
            status = EXIT_FAILED
            continue
        imported = outcome.article
        if args.json:
            _dump(vars(imported), sys.stdout)
        else:
            sys.stdout.write(_safe_block(imported.markdown))
    return status


def _highlight_line(h: Highlight, titles: dict[str, str]) -> str:
    quote = clean(h.exact)
    if len(quote) > 100:
        quote = quote[:99] + "…"
    extra = ""
    if h.tags:
        extra += "  " + clean(" ".join(f"#{t}" for t in h.tags))
    if h.note:
        extra += f"  note: {clean(h.note)[:80]}"
    flag = "" if h.anchor == "ok" else f" [{h.anchor}]"
    title = clean(titles.get(h.article_id, ""))
    return f"{h.id}  {h.article_id}  {h.glyph} {quote!s}{extra}{flag}  ({title})"


def cmd_highlights(args: argparse.Namespace) -> int:
    with open_store(args, write=False) as store:
        article_id = store.resolve(args.article).id if args.article else None
        items = store.query_highlights(tag=args.tag, article_id=article_id, search=args.search)
        if args.json:
            _dump([h.to_record() for h in items], sys.stdout)
            return EXIT_OK
        titles = {a.id: a.title for a in store.list_articles()}
        for h in items:
            print(_highlight_line(h, titles))
    return EXIT_OK


def cmd_app(args: argparse.Namespace, open_target: str | None = None) -> int:
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


def _resolve_or_add(store: Any, target: str) -> str:
    from tuireader.importers import import_source
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


COMMANDS = {
    "add": cmd_add,
    "list": cmd_list,
    "show": cmd_show,
    "remove": cmd_remove,
    "convert": cmd_convert,
    "highlights": cmd_highlights,
    "export": cmd_export,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command is None:
            return cmd_app(args)
        if args.command == "open":
            return cmd_app(args, open_target=args.target)
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
