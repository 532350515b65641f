"""User templates (Jinja2, sandboxed) for the export: ``tuireader export --template FILE``.

Templates are user files, so they run in :class:`jinja2.sandbox.SandboxedEnvironment` (no
attribute access to Python internals) with ``StrictUndefined`` (a misspelt variable is an error
naming the line, not silently empty).  ``trim_blocks`` and ``lstrip_blocks`` are on, so a
``{% for %}`` line does not leave a blank line behind.  Output is not HTML-escaped: it is
Markdown (or whatever the template writes).

Variables (the same names as Readwise's and Omnivore's templates where they overlap):

=================  ===============================================================
``title``          article title
``author``         author ("" when unknown)
``site``           site name
``url``            web address (canonical URL, else the source when it is a URL)
``source``         where the article came from (URL or file path)
``published``      publication date as stored
``added``          when it was added to the library (ISO 8601)
``exported``       the export time (ISO 8601)
``tags``           article tags, in tag syntax (list of str)
``category``       "article", or "book" (an EPUB); a book also fills ``publisher``,
                   ``series``, ``isbn`` and ``identifiers`` ("" and [] otherwise)
``id``             article id
``highlight_count``number of highlights exported
``highlights``     list, in text order, each with:

                   ``text`` (the quote), ``note``, ``tags`` (tag syntax),
                   ``raw_tags`` (as stored), ``colour`` / ``color`` (yellow, green,
                   blue, red, purple), ``kind`` (1-5), ``glyph``, ``location``
                   ("Section · 42%"), ``section``, ``percent`` (int), ``created``,
                   ``updated``, ``id``, ``block_id`` (for ``^block_id``), ``anchor``
                   ("ok", "fuzzy", "orphan"), ``start``, ``end``
=================  ===============================================================

Rendering is bounded (``_sandbox.py``): per article 10 s, 16 million characters of output,
values of at most 4 million items, ``range`` of at most 100,000; a bound hit is an error.

Filters: ``quote`` (text as block-quote lines), ``md`` (text escaped to render literally),
``note`` (a note encoded so it cannot break the document; ``note(2)`` indents continuation
lines), ``tag`` (a string in tag syntax), ``yaml`` (a value as a YAML/JSON scalar, for front
matter).
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import TYPE_CHECKING, Any

from jinja2 import StrictUndefined, Template, TemplateError

from tuireader.export._sandbox import BoundedEnvironment, Limits, TemplateLimitError, render_bounded
from tuireader.export._text import (
    block_id,
    encode_note_lines,
    escape_literal_line,
    sanitise_tag,
    sanitise_tags,
)
from tuireader.export.context import book_fields, in_text_order, resolve_exported, web_url
from tuireader.export.markdown import quote_lines
from tuireader.export.outline import Locator

if TYPE_CHECKING:
    from tuireader.core.document import Document
    from tuireader.core.model import Article, Highlight


class ExportTemplateError(ValueError):
    """A template failed to compile or render; ``str(exc)`` is one line naming the place."""


def _note_filter(note: str, indent: int = 0) -> str:
    lines = encode_note_lines(note)
    pad = " " * indent
    return "\n".join([*lines[:1], *[pad + line if line else "" for line in lines[1:]]])


def _environment() -> BoundedEnvironment:
    env = BoundedEnvironment(undefined=StrictUndefined, autoescape=False, trim_blocks=True,
                               lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["quote"] = lambda text: "\n".join(quote_lines(str(text)))
    env.filters["md"] = lambda text: "\n".join(
        escape_literal_line(line) for line in str(text).split("\n"))
    env.filters["note"] = _note_filter
    env.filters["tag"] = lambda text: sanitise_tag(str(text))
    env.filters["yaml"] = lambda value: json.dumps(value, ensure_ascii=False)
    env.bound_filters()
    return env


def compile_template(template_text: str, name: str = "template") -> Template:
    """Compile once, render for many articles."""
    try:
        return _environment().from_string(template_text)
    except TemplateError as exc:
        raise ExportTemplateError(_describe(exc, name)) from exc


def _describe(exc: Exception, name: str) -> str:
    """``name, line N: message`` (the line from the error, else from the template's frame)."""
    line = getattr(exc, "lineno", None)
    tb = exc.__traceback__
    while line is None and tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    where = f"{name}, line {line}" if line else name
    message = " ".join(str(getattr(exc, "message", None) or exc).split())
    if not isinstance(exc, TemplateError):
        message = f"{type(exc).__name__}: {message}"
    return f"{where}: {message}"


def template_context(
    article: Article,
    highlights: list[Highlight],
    *,
    document: Document | None = None,
    markdown: str | None = None,
    exported: str | _dt.datetime | None = None,
) -> dict[str, Any]:
    """The variables a template sees (documented in the module docstring)."""
    locator = Locator(article, markdown=markdown, document=document)
    items = []
    for h in in_text_order(highlights):
        location = locator.locate(h)
        items.append({
            "text": h.exact, "note": h.note, "tags": sanitise_tags(h.tags),
            "raw_tags": list(h.tags), "colour": h.kind_name, "color": h.kind_name,
            "kind": h.kind, "glyph": h.glyph, "location": location.label(),
            "section": location.section, "percent": location.percent, "created": h.created,
            "updated": h.updated, "id": h.id, "block_id": block_id(h.id), "anchor": h.anchor,
            "start": h.start, "end": h.end,
        })
    return {
        "title": article.title, "author": article.author, "site": article.site,
        "url": web_url(article), "source": article.source, "published": article.published,
        "added": article.added, "exported": resolve_exported(exported),
        "tags": sanitise_tags(article.tags), "id": article.id,
        "highlight_count": len(items), "highlights": items, "category": article.kind,
        **(book_fields(article) if article.kind == "book" else
           {"publisher": "", "series": "", "isbn": "", "identifiers": []}),
    }


def render_template(
    template_text: str | Template,
    article: Article,
    highlights: list[Highlight],
    *,
    document: Document | None = None,
    markdown: str | None = None,
    exported: str | _dt.datetime | None = None,
    name: str = "template",
    limits: Limits | None = None,
) -> str:
    """Render a user template for one article; raises :class:`ExportTemplateError`, also when
    the template goes past ``limits`` (time, output, sizes: see ``_sandbox.py``)."""
    template = (compile_template(template_text, name) if isinstance(template_text, str)
                else template_text)
    context = template_context(article, highlights, document=document, markdown=markdown,
                               exported=exported)
    try:
        return render_bounded(template, context, limits or Limits())
    except TemplateLimitError as exc:
        raise ExportTemplateError(f"{name}: {exc}") from exc
    except Exception as exc:  # any error in user code becomes a one-line message
        raise ExportTemplateError(_describe(exc, name)) from exc
