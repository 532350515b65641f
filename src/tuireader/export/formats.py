"""One article, or a whole selection, in one format: the dispatch over the format modules.

The formats themselves live one per module (``markdown.py``, ``webannotation.py``,
``annotated.py``, ``templates.py``, ``readwise_csv.py``: pure functions of an article, its
highlights and its text); this module is the one place that knows which function makes which
format, so a new format is added here and nowhere else (plus its file extension).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from tuireader.core.safety import inert_json, inert_output
from tuireader.export.context import resolve_exported
from tuireader.export.markdown import combined_markdown, export_markdown

# The other formats are imported when used: Jinja2 and markdown-it take a while to load, and
# the worker process of a parallel export loads only what its format needs.

if TYPE_CHECKING:
    from tuireader.core.model import Article, Highlight

FORMATS = ("markdown", "json", "annotated", "readwise-csv")
EXTENSIONS = {"markdown": ".md", "json": ".json", "annotated": ".annotated.md",
              "readwise-csv": ".csv", "template": ".md"}
#: Formats made from the highlights alone, without the article's text.
WITHOUT_TEXT = frozenset({"json", "readwise-csv"})


def needs_text(fmt: str) -> bool:
    """Whether ``fmt`` reads the article's text (an article whose text is missing is then
    left out and named, see ``selection.missing_text``)."""
    return fmt not in WITHOUT_TEXT


def inert(fmt: str, text: str) -> str:
    """An export's text with no terminal control left in it: whatever the stored data holds (a
    title stored before import-time stripping, a note, a template's own ``\\x1b``), an export
    written to a terminal or a file can carry no escape sequence.  JSON keeps the characters,
    escaped (``\\u009b``); the other formats show them as the App does."""
    return inert_json(text) if fmt == "json" else inert_output(text)


class ExportError(Exception):
    """An export could not be done; ``str(exc)`` is one line for the user."""


class TextSource(Protocol):
    """Where a renderer reads an article's Markdown: a :class:`~tuireader.library.store.Store`,
    or (the benchmark, to time formatting alone) anything holding the texts in memory."""

    def read_markdown(self, article_id: str) -> str: ...


@dataclass(frozen=True)
class Recipe:
    """How to render each article.  Plain values, so the parallel export can send it (pickled)
    to its worker process, which builds its own :class:`Renderer` from it."""

    #: One of :data:`FORMATS`, or "template".
    fmt: str
    #: The ``exported`` time written into every file (ISO 8601).
    exported: str
    #: The text of a user's Jinja2 template (fmt "template"), else None.
    template: str | None = None
    #: How the template is named in error messages (its file name).
    template_name: str = "template"

    @classmethod
    def of(
        cls,
        fmt: str,
        template: str | None = None,
        exported: str | _dt.datetime | None = None,
        template_name: str = "template",
    ) -> Recipe:
        """From the caller's words: a template overrides ``fmt``; an unknown format raises
        :class:`ExportError`; ``exported`` None means now (or ``SOURCE_DATE_EPOCH``)."""
        if template is not None:
            fmt = "template"
        elif fmt not in FORMATS:
            raise ExportError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
        return cls(fmt, resolve_exported(exported), template, template_name)

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.fmt]


class Renderer:
    """Renders articles by a :class:`Recipe`.  Holds the compiled template, so a user template
    is compiled once per export (and a broken one fails before anything is read or written)."""

    def __init__(self, recipe: Recipe) -> None:
        self.recipe = recipe
        self._compiled: Any = None
        if recipe.template is not None:
            from tuireader.export.templates import compile_template

            self._compiled = compile_template(recipe.template, recipe.template_name)

    def render(self, source: TextSource, article: Article, highlights: list[Highlight]) -> str:
        """One article with the given highlights, made inert (see :func:`inert`)."""
        return inert(self.recipe.fmt, self._render(source, article, highlights))

    def _render(self, source: TextSource, article: Article, highlights: list[Highlight]) -> str:
        recipe = self.recipe
        if recipe.fmt == "json":
            from tuireader.export.webannotation import export_json

            return export_json(article, highlights, exported=recipe.exported,
                               review=_review_state(source))
        if recipe.fmt == "readwise-csv":
            from tuireader.export.readwise_csv import export_readwise_csv

            return export_readwise_csv(article, highlights)
        markdown = source.read_markdown(article.id)
        if recipe.fmt == "annotated":
            from tuireader.export.annotated import export_annotated

            return export_annotated(article, highlights, markdown=markdown,
                                    exported=recipe.exported)
        if recipe.fmt == "template":
            from tuireader.export.templates import render_template

            return render_template(self._compiled, article, highlights, markdown=markdown,
                                   exported=recipe.exported, name=recipe.template_name)
        return export_markdown(article, highlights, markdown=markdown, exported=recipe.exported)

    def render_all(
        self, source: TextSource, chosen: Sequence[tuple[Article, list[Highlight]]]
    ) -> list[tuple[Article, str]]:
        """Each chosen article with its text, in order."""
        return [(article, self.render(source, article, highlights))
                for article, highlights in chosen]

    def combined(
        self, source: TextSource, chosen: Sequence[tuple[Article, list[Highlight]]]
    ) -> str:
        """Everything chosen as one document (one front matter, one JSON collection ...); one
        article alone is exactly the file a folder export writes for it (its own front matter
        and title), so ``tuireader export --article ID > note.md`` gives the note."""
        if len(chosen) == 1:
            return self.render(source, *chosen[0])
        return inert(self.recipe.fmt, self._combined(source, chosen))

    def _combined(
        self, source: TextSource, chosen: Sequence[tuple[Article, list[Highlight]]]
    ) -> str:
        fmt, exported = self.recipe.fmt, self.recipe.exported
        if fmt == "json":
            from tuireader.export.webannotation import combined_json

            return combined_json(list(chosen), exported=exported,
                                 review=_review_state(source))
        if fmt == "readwise-csv":
            from tuireader.export.readwise_csv import combined_readwise_csv

            return combined_readwise_csv(chosen)
        if fmt == "annotated":
            from tuireader.core.document import parse_markdown
            from tuireader.export.annotated import combined_annotated

            return combined_annotated(
                [(a, hs, parse_markdown(source.read_markdown(a.id))) for a, hs in chosen],
                exported=exported)
        if fmt == "template":
            parts = [text for _, text in self.render_all(source, chosen)]
            return "\n".join(part.rstrip("\n") + "\n" for part in parts)
        return combined_markdown([(a, hs, source.read_markdown(a.id)) for a, hs in chosen],
                                 exported=exported)


def _review_state(source: TextSource) -> Callable[[Highlight], dict[str, Any] | None] | None:
    """The daily review's state of each highlight, when the source is a store (it has one)."""
    review = getattr(source, "review", None)
    return getattr(review, "export_state", None)
