"""The library commands: ``add``, ``list``, ``show``, ``remove``, ``convert``, ``highlights``.

Each prints its results on stdout (``--json`` for scripts) and each problem as one line on
stderr; user text is cleaned of control characters before it reaches the terminal.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from tuireader.cli.common import EXIT_FAILED, EXIT_OK, CliError, Subcommands, clean, open_store
from tuireader.core.model import Article, Highlight, ImportedArticle
from tuireader.library.durable import StorageError

if TYPE_CHECKING:
    from tuireader.library.store import Store

_T = TypeVar("_T")


def add_parsers(commands: Subcommands) -> None:
    """Add the library commands' parsers (in the order ``tuireader --help`` lists them)."""
    p = commands.add("add", help="add files, folders, URLs or - (stdin) to the library")
    p.add_argument("--tag", action="append", default=[], metavar="T", help="tag the articles")
    p.add_argument("sources", nargs="+", metavar="SOURCE")

    p = commands.add("list", help="list the articles in the library")
    p.add_argument("--all", action="store_true", help="archived articles too")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = commands.add("show", help="show an article's details and Markdown")
    p.add_argument("id", metavar="ID")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = commands.add("remove", help="remove an article (kept in the library's trash folder)")
    p.add_argument("id", metavar="ID")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask")

    p = commands.add("convert", help="print the article a SOURCE gives, without storing it")
    p.add_argument("source", metavar="SOURCE")
    p.add_argument("--json", action="store_true", help="print metadata and Markdown as JSON")

    p = commands.add("highlights", help="list highlights")
    p.add_argument("--tag", metavar="T")
    p.add_argument("--article", metavar="ID")
    p.add_argument("--search", metavar="TEXT")
    p.add_argument("--json", action="store_true", help="print JSON")


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


def _safe_block(text: str) -> str:
    """Multi-line user text for the terminal: keeps newlines and tabs, neutralises controls."""
    return "".join(ch if ch in "\n\t" or ch.isprintable() else "\ufffd" for ch in text)


def cmd_add(args: argparse.Namespace) -> int:
    # Deferred: the importers load parsers (HTML, EPUB ...) only the import commands need.
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
                _adopt_book(store, outcome.article)
                result = store.add_article(outcome.article, tags=args.tag)
            except StorageError as exc:
                failed = True
                print(f"error: {clean(outcome.source)}: {clean(str(exc))}", file=sys.stderr)
                continue
            print(f"{result.status} {result.article.id} {clean(result.article.title)}", flush=True)
    return EXIT_FAILED if failed else EXIT_OK


def _adopt_book(store: Store, imported: ImportedArticle) -> None:
    """The same book from another path (same ISBN, UUID or file bytes) takes the new path, so
    that adding it updates that article and re-anchors its highlights like any re-import."""
    if imported.kind != "book" or store.find_by_source(imported.source):
        return
    wanted = set(imported.identifiers)
    for article in store.list_articles():
        if article.kind == "book" and wanted & set(article.identifiers):
            article.source = imported.source
            store.update_article(article)
            return


def _progress(items: Iterator[_T], enabled: bool) -> Iterator[_T]:
    """``items``, with a spinner on stderr while they come (a terminal only)."""
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
        articles = sorted((a for a in store.list_articles() if args.all or not a.archived),
                          key=lambda a: a.added, reverse=True)
        counts = store.highlight_counts()
        if args.json:
            _dump([_article_json(a, counts.get(a.id, 0)) for a in articles], sys.stdout)
            return EXIT_OK
        for a in articles:
            tags = " ".join(f"#{t}" for t in a.tags)
            print(f"{a.id}  {a.word_count:>7} words  {counts.get(a.id, 0):>3} hl  "
                  f"{clean(a.title)}" + (f"  {clean(tags)}" if tags else "")
                  + ("  [archived]" if a.archived else ""))
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
                  ("site", article.site), ("publisher", article.publisher),
                  ("series", article.series), ("ids", ", ".join(article.identifiers)),
                  ("source", article.source), ("url", article.url),
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
    from tuireader.importers import import_source  # deferred: see cmd_add

    status = EXIT_OK
    for outcome in import_source(args.source):
        if outcome.article is None:
            print(f"error: {clean(outcome.source)}: {clean(outcome.error)}", file=sys.stderr)
            status = EXIT_FAILED
            continue
        imported = outcome.article
        if args.json:
            data = dict(vars(imported))
            data["spine"] = [item.to_record() for item in imported.spine]
            data.pop("parse", None)  # the importer's parse, kept for the store: not data
            _dump(data, sys.stdout)
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
