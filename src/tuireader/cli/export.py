"""``tuireader export``: the command-line front of the export package.

Wired into ``cli/main.py`` with ``add_export_parser(commands)`` in ``build_parser`` and
``"export": cmd_export`` in ``COMMANDS``.  Follows the CLI's conventions: results on stdout, each
problem as one line on stderr, exit 0 / 1 (failed) / 2 (usage).

``-o PATH``: a folder (existing, or a path without an extension) gets one file per article; a
path with an extension (``notes.md``, ``all.json``) gets the combined document; ``-`` or no
``-o`` prints the combined document.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tuireader.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    Subcommands,
    clean,
    open_store,
)
from tuireader.export.selection import parse_since
from tuireader.library.durable import StorageError, atomic_write_bytes

#: The formats (the same as ``formats.FORMATS``; kept here so that building the parser, which
#: happens on every ``tuireader`` start, does not import the export machinery).
FORMATS: tuple[str, ...] = ("markdown", "json", "annotated", "readwise-csv")


def _since(text: str) -> str:
    try:
        return parse_since(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)") from exc


def add_export_parser(commands: Subcommands) -> argparse.ArgumentParser:
    """Add the ``export`` sub-command to ``commands`` and return its parser."""
    p = commands.add(
        "export", help="export highlights and notes (Markdown, JSON, annotated article, "
        "Readwise CSV)",
        description="Export highlights and notes. Without -o, one combined document on stdout; "
        "with -o DIR, one file per article (re-export updates the same file).")
    p.add_argument("--article", action="append", default=[], metavar="ID",
                   help="only this article (repeatable; a unique id prefix is enough)")
    p.add_argument("--tag", metavar="T", help="only highlights tagged T (or in articles tagged T)")
    p.add_argument("--since", metavar="DATE", type=_since,
                   help="only highlights created or changed since DATE (YYYY-MM-DD[THH:MM])")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="markdown (default), json (W3C Web Annotation), annotated (the article "
                   "with highlights inline), readwise-csv (Readwise's CSV: one row per "
                   "highlight)")
    p.add_argument("--template", metavar="FILE", type=Path,
                   help="a Jinja2 template for each article (see docs/export.md)")
    p.add_argument("-o", "--output", metavar="PATH",
                   help="a folder for one file per article, or a file for one document")
    return p


def export_workers() -> int:
    """Processes for a folder export from the command line: two when two CPUs are usable (a
    library-wide export then renders in parallel, see ``export.parallel``), else one."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cpus = os.cpu_count() or 1
    return min(2, cpus)


#: The largest template file read (templates are a few KB; this bounds a mistaken path).
MAX_TEMPLATE_BYTES = 1 << 20


def read_template(path: Path) -> str:
    """The text of a template file; :class:`CliError` (one line) unless it is a regular UTF-8
    file of at most :data:`MAX_TEMPLATE_BYTES`.  Opened without blocking and checked with
    ``fstat`` before reading, so ``/dev/zero``, ``/dev/urandom``, a FIFO or a directory are
    refused at once instead of hanging or filling memory."""
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise CliError(str(exc.strerror or exc)) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise CliError(f"{kind}; a template must be a regular file")
        if info.st_size > MAX_TEMPLATE_BYTES:
            raise CliError(f"too large for a template ({info.st_size} bytes; at most "
                           f"{MAX_TEMPLATE_BYTES})")
        data = os.read(fd, MAX_TEMPLATE_BYTES + 1)
        chunks = [data]
        while data and sum(map(len, chunks)) <= MAX_TEMPLATE_BYTES:
            data = os.read(fd, MAX_TEMPLATE_BYTES + 1)
            chunks.append(data)
    except OSError as exc:
        raise CliError(str(exc.strerror or exc)) from exc
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    if len(raw) > MAX_TEMPLATE_BYTES:
        raise CliError(f"too large for a template (at most {MAX_TEMPLATE_BYTES} bytes)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CliError(f"not UTF-8 text (byte {exc.start})") from exc


def _is_folder_target(path: Path) -> bool:
    return path.is_dir() or (not path.exists() and not path.suffix)


def cmd_export(args: argparse.Namespace) -> int:
    """Run ``tuireader export``; returns the exit status."""
    # Deferred: the formats (PyYAML, Jinja2) load only when an export runs, not on every start.
    from tuireader.export.batch import export_combined, export_to_folder
    from tuireader.export.folder import FolderReport
    from tuireader.export.formats import ExportError
    from tuireader.export.templates import ExportTemplateError

    if args.template is not None and args.format not in (None, "markdown"):
        print(f"tuireader export: error: --template writes its own format; drop --format "
              f"{args.format}", file=sys.stderr)
        return EXIT_USAGE
    template = None
    if args.template is not None:
        try:
            template = read_template(args.template)
        except CliError as exc:
            print(f"error: {clean(str(args.template))}: {clean(str(exc))}", file=sys.stderr)
            return EXIT_FAILED
    fmt = args.format or "markdown"
    name = str(args.template) if args.template else "template"
    output = args.output
    try:
        with open_store(args, write=False) as store:
            options = {"tag": args.tag, "since": args.since, "template_name": name}
            if output and output != "-" and _is_folder_target(Path(output).expanduser()):
                report = FolderReport()
                paths = export_to_folder(store, args.article, Path(output).expanduser(), fmt,
                                         template, report=report, workers=export_workers(),
                                         **options)
                changed = set(report.written)
                for path in paths:
                    print(f"{'written' if path in changed else 'unchanged'} {clean(str(path))}")
                if report.stale_removed:
                    print(f"note: removed {report.stale_removed} temporary file(s) left by an "
                          "interrupted export", file=sys.stderr)
                for line in report.failed:
                    print(f"error: {clean(line)}", file=sys.stderr)
                if report.failed:
                    print(f"error: {len(report.failed)} article(s) not exported, "
                          f"{len(paths)} exported", file=sys.stderr)
                    return EXIT_FAILED
                if not paths:
                    print("warning: no highlights matched; nothing exported", file=sys.stderr)
                return EXIT_OK
            skipped: list[str] = []
            text = export_combined(store, args.article, fmt, template, skipped=skipped,
                                   **options)
            if output and output != "-":
                target = Path(output).expanduser()
                atomic_write_bytes(target, text.encode("utf-8", errors="replace"))
                print(f"written {clean(str(target))}")
            else:
                sys.stdout.write(text)
                sys.stdout.flush()
            for line in skipped:
                print(f"error: {clean(line)}", file=sys.stderr)
            if skipped:
                return EXIT_FAILED
    except (ExportError, ExportTemplateError, StorageError, CliError) as exc:
        print(f"error: {clean(str(exc))}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        where = getattr(exc, "filename", None) or output or ""
        print(f"error: {clean(str(where))}: {clean(str(exc.strerror or exc))}",
              file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
