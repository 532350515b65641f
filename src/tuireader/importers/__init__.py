"""Importers: files, folders, URLs and standard input become :class:`ImportedArticle` objects.

:func:`import_source` is the one entry point the CLI and the App use.  Each source yields either
articles or :class:`ImportFailed` with a one-line reason; a folder yields one outcome per file.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tuireader.importers.base import ImportedArticle, ImportFailed

__all__ = [
    "MAX_FILE_BYTES",
    "ImportFailed",
    "ImportOutcome",
    "ImportedArticle",
    "import_bytes",
    "import_file",
    "import_source",
    "iter_folder",
]

#: Files larger than this are refused with a clear message instead of exhausting memory.
MAX_FILE_BYTES = 64 * 1024 * 1024

HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd"}
TEXT_SUFFIXES = {".txt", ".text", ""}
EPUB_SUFFIXES = {".epub"}
IMPORTABLE = HTML_SUFFIXES | MARKDOWN_SUFFIXES | EPUB_SUFFIXES | {".txt", ".text"}


@dataclass
class ImportOutcome:
    """One source's result: an article, or the reason it failed."""

    source: str
    article: ImportedArticle | None = None
    error: str = ""


def _looks_like_html(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    starts = (b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body", b"<!--")
    return head.startswith(starts) or (
        b"<html" in head or b"<body" in head or b"<p>" in head
    )


def import_bytes(data: bytes, *, source: str, kind: str = "auto") -> ImportedArticle:
    """Import raw bytes.  ``kind`` is "html", "markdown", "text" or "auto" (sniffed)."""
    from tuireader.importers.text import import_markdown_bytes, import_text_bytes

    if not data.strip():
        raise ImportFailed("the file is empty")
    if kind == "auto":
        kind = "html" if _looks_like_html(data) else "markdown"
    if kind == "html":
        from tuireader.importers.html import import_html

        base_url = source if source.startswith(("http://", "https://")) else None
        return import_html(data, source=source, base_url=base_url)
    if kind == "text":
        return import_text_bytes(data, source=source)
    return import_markdown_bytes(data, source=source)


def _kind_for(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    if suffix in {".txt", ".text"}:
        return "text"
    return "auto"


def _check_file(path: Path) -> os.stat_result:
    """The file's stat, or ImportFailed: missing, not a regular file, over the size limit."""
    try:
        st = os.stat(path)
    except FileNotFoundError as exc:
        raise ImportFailed("no such file") from exc
    except OSError as exc:
        raise ImportFailed(exc.strerror or str(exc)) from exc
    if not stat.S_ISREG(st.st_mode):
        raise ImportFailed("not a regular file (a FIFO, device or socket)")
    if st.st_size > MAX_FILE_BYTES:
        raise ImportFailed(
            f"the file is too large ({st.st_size // (1024 * 1024)} MB; the limit is "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB)"
        )
    return st


def _read_file(path: Path) -> bytes:
    _check_file(path)
    try:
        with open(path, "rb") as fh:
            return fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ImportFailed(exc.strerror or str(exc)) from exc


def import_file(path: Path) -> ImportedArticle:
    if path.suffix.lower() in EPUB_SUFFIXES:
        from tuireader.importers.epub import import_epub  # deferred: ebooklib only for books

        _check_file(path)
        return import_epub(path)
    data = _read_file(path)
    kind = _kind_for(path)
    if kind == "auto" and not _looks_like_html(data):
        kind = "text"
    return import_bytes(data, source=str(path.resolve()), kind=kind)


def iter_folder(folder: Path) -> Iterator[Path]:
    """Importable files below ``folder``, sorted, hidden files and symlinked folders skipped."""
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(root) / name
            if path.suffix.lower() in IMPORTABLE:
                yield path


def _outcome(source: str, func: object, *args: object) -> ImportOutcome:
    try:
        article = func(*args)  # type: ignore[operator]
    except ImportFailed as exc:
        return ImportOutcome(source, error=str(exc))
    except RecursionError:
        return ImportOutcome(source, error="the document is nested too deeply to import")
    except MemoryError:
        return ImportOutcome(source, error="the document is too large to import")
    return ImportOutcome(source, article=article)


def import_source(source: str) -> Iterator[ImportOutcome]:
    """Import one command-line SOURCE: a URL, "-" (stdin), a file, or a folder (recursively)."""
    if source.startswith(("http://", "https://")):
        from tuireader.importers.fetch import import_url

        yield _outcome(source, import_url, source)
        return
    if source == "-":
        data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            yield ImportOutcome(source, error="standard input is too large")
            return
        yield _outcome(source, lambda: import_bytes(data, source="-"))
        return
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", source):
        yield ImportOutcome(source, error="only http:// and https:// URLs can be imported")
        return
    path = Path(source).expanduser()
    if path.is_dir():
        found = False
        for file in iter_folder(path):
            found = True
            yield _outcome(str(file), import_file, file)
        if not found:
            yield ImportOutcome(
                source, error="the folder holds no .html, .md or .txt files, and no .epub books")
        return
    yield _outcome(source, import_file, path)
