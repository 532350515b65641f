"""Plain-text and Markdown importers.

Plain text becomes Markdown: paragraphs are separated by blank lines, hard-wrapped lines inside a
paragraph are joined, short stand-alone lines such as "CHAPTER I" become headings (so long books get
an outline), and every character Markdown would interpret is escaped so the text reads exactly as
written.  Markdown keeps its body; its title comes from YAML front matter (read with
``yaml.safe_load``, never executing anything), else the first heading, else the first line.
Both make stray control characters inert first (:func:`.encoding.inert_controls`).
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from tuireader.importers.base import ImportedArticle, ImportFailed, clean_metadata
from tuireader.importers.encoding import decode_text, inert_controls

_MAX_TITLE = 200
_HEADING_LINE = re.compile(
    r"^(chapter|book|part|volume|epilogue|prologue|preface|introduction|appendix)\b"
    r"[\w .,:'’-]{0,60}$",
    re.IGNORECASE,
)
_ESCAPE_ANYWHERE = re.compile(r"([\\`*_\[\]<>|~])")
_ESCAPE_LINE_START = re.compile(r"^(\s*)(?:([#>+=-])|(\d{1,9})([.)]))")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_ATX_HEADING = re.compile(r"^ {0,3}#\s+(.+?)\s*#*\s*$")


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def escape_markdown(line: str) -> str:
    """Escape ``line`` so Markdown shows it literally."""
    line = _ESCAPE_ANYWHERE.sub(r"\\\1", line)
    # A block marker at the start of the line: "# x", "> x", "- x" get a backslash before the
    # marker; an ordered-list number gets it before its "." or ")" (1\. x), as a backslash
    # before a digit is no escape and would show.
    return _ESCAPE_LINE_START.sub(_escape_marker, line)


def _escape_marker(m: re.Match[str]) -> str:
    indent, marker, number, delimiter = m.groups()
    return indent + ("\\" + marker if marker else number + "\\" + delimiter)


def _is_heading(lines: list[str]) -> bool:
    if len(lines) != 1:
        return False
    line = lines[0].strip()
    if not line or len(line) > 70:
        return False
    if _HEADING_LINE.match(line):
        return True
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters) and not line.endswith((",", ";"))


def _looks_preformatted(lines: list[str]) -> bool:
    """Verse, tables and code: lines indented or deliberately short; keep their breaks."""
    if len(lines) < 2:
        return False
    indented = sum(1 for ln in lines if ln.startswith(("    ", "\t")))
    return indented >= len(lines) / 2


def text_to_markdown(text: str) -> str:
    paragraphs: list[str] = []
    for raw in re.split(r"\n[ \t]*\n+", text.strip("\n")):
        lines = [ln.rstrip() for ln in raw.split("\n") if ln.strip()]
        if not lines:
            continue
        if _is_heading(lines):
            paragraphs.append("## " + escape_markdown(lines[0].strip()))
        elif _looks_preformatted(lines):
            paragraphs.append("  \n".join(escape_markdown(ln.strip()) for ln in lines))
        else:
            joined = " ".join(ln.strip() for ln in lines)
            paragraphs.append(escape_markdown(joined))
    return "\n\n".join(paragraphs) + ("\n" if paragraphs else "")


def import_text(text: str, *, source: str = "") -> ImportedArticle:
    text = inert_controls(normalise_newlines(text).replace("\ufeff", ""))
    if not text.strip():
        raise ImportFailed("the file is empty")
    lines = text.strip("\n").split("\n")
    first = lines[0].strip()
    title = first if first and len(first) <= _MAX_TITLE else ""
    if title and _HEADING_LINE.match(title):
        # A book that opens on "BOOK ONE" or "CHAPTER 1": that line is a heading of the text,
        # not its title.
        title = ""
    body = "\n".join(lines[1:]) if title else text
    markdown = text_to_markdown(body)
    if not markdown.strip():
        markdown, title = text_to_markdown(text), title
    return clean_metadata(ImportedArticle(
        title=title or _title_from_source(source), markdown=markdown, source=source
    ))


def import_text_bytes(
    data: bytes, *, source: str = "", charset: str | None = None
) -> ImportedArticle:
    return import_text(decode_text(data, charset), source=source)


def _front_matter(markdown: str) -> tuple[dict[str, Any], str]:
    match = _FRONT_MATTER.match(markdown)
    if not match:
        return {}, markdown
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.constructor.ConstructorError:
        # Well-formed YAML with tags safe_load refuses (``!!python/object`` ...): it is front
        # matter, so it leaves the body, but none of it is used.
        return {}, markdown[match.end() :]
    except yaml.YAMLError:
        return {}, markdown
    if not isinstance(data, dict):
        return {}, markdown
    return data, markdown[match.end() :]


def _meta_str(meta: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = meta.get(key)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        if value is not None and str(value).strip():
            return _no_surrogates(" ".join(str(value).split()))
    return ""


def _no_surrogates(text: str) -> str:
    """YAML's ``"\\ud83d\\ude00"`` escapes give UTF-16 surrogates, which no UTF-8 file can
    hold: a pair becomes its character (😀), a lone one U+FFFD."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def import_markdown(markdown: str, *, source: str = "") -> ImportedArticle:
    markdown = inert_controls(normalise_newlines(markdown).replace("\ufeff", ""))
    if not markdown.strip():
        raise ImportFailed("the file is empty")
    meta, body = _front_matter(markdown)
    title = _meta_str(meta, "title")
    body_lines = body.strip("\n").split("\n")
    if not title and body_lines:
        heading = _ATX_HEADING.match(body_lines[0])
        if heading:
            title = heading.group(1).strip()
            body = "\n".join(body_lines[1:])
        else:
            title = body_lines[0].strip().lstrip("#").strip()[:_MAX_TITLE]
    body = body.strip("\n") + "\n"
    return clean_metadata(ImportedArticle(
        title=title or _title_from_source(source),
        markdown=body,
        author=_meta_str(meta, "author", "authors", "byline"),
        site=_meta_str(meta, "site", "site_name", "siteName"),
        published=_meta_str(meta, "date", "published", "publishedTime"),
        language=_meta_str(meta, "lang", "language"),
        url=_meta_str(meta, "url", "source", "canonical_url"),
        source=source,
    ))


def import_markdown_bytes(
    data: bytes, *, source: str = "", charset: str | None = None
) -> ImportedArticle:
    return import_markdown(decode_text(data, charset), source=source)


def _title_from_source(source: str) -> str:
    name = source.rstrip("/").rsplit("/", 1)[-1] if source and source != "-" else ""
    name = name.rsplit(".", 1)[0] if "." in name else name
    name = name.replace("_", " ").replace("-", " ").strip()
    return name[:1].upper() + name[1:] if name else "Untitled"
