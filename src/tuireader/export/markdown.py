"""The Markdown export: YAML front matter, ``# Title``, a metadata line, one quote per highlight.

Layout of one highlight (every part always in this order)::

    > The quoted text, every line quoted,
    >
    > a second paragraph of the quote.

    ^hl-3fa2b1c0

    - ● yellow · Section heading · 42%
    - #idea #to-read
    - Note:
      The note, encoded so that nothing in it can become structure.

* The quote is *literal*: Markdown punctuation in the article text is escaped, so it renders as
  the text that was highlighted.  Exactly one block quote per highlight.
* The block id line (Obsidian's form for a quote: on its own line after it) makes
  ``[[Title (3fa2b1c0)#^hl-3fa2b1c0]]`` link to the quote; it derives from the highlight id, so
  it survives re-export.
* The list gives the colour (name and glyph), the location (section and percentage; for an
  imported highlight also its source, the source's location and date: "from Kindle, Loc.
  145-146, 2020-02-23"), the tags as
  ``#tags`` in Obsidian syntax, and the note.  Note lines are indented under ``- Note:`` and
  encoded by :func:`tuireader.export._text.encode_note_lines`; ``decode_note`` of those lines
  (indent removed) gives back the stored note exactly.
"""

from __future__ import annotations

import datetime as _dt
from functools import lru_cache
from typing import TYPE_CHECKING

from tuireader.core.model import KINDS
from tuireader.core.safety import inert
from tuireader.export._text import (
    _LITERAL_ANY,
    block_id,
    encode_note_lines,
    escape_inline,
    escape_literal_line,
    guard_line,
    link_target,
    sanitise_tags,
)
from tuireader.export.context import (
    front_matter,
    front_matter_fields,
    in_text_order,
    resolve_exported,
)
from tuireader.export.outline import Location, Locator
from tuireader.library.bridge.origin import origin_words

if TYPE_CHECKING:
    from tuireader.core.document import Document
    from tuireader.core.model import Article, Highlight

ANCHOR_NOTES = {"fuzzy": "position approximate", "orphan": "⚠ not found in the current text"}


@lru_cache(maxsize=256)
def _unsafe_start(ch: str) -> bool:
    """Whether a line starting with ``ch`` needs :func:`guard_line`."""
    return guard_line(ch) != ch


def quote_lines(text: str) -> list[str]:
    """``text`` as block-quote lines, every line quoted and literal."""
    return [f"> {escape_literal_line(line)}" if line else ">" for line in text.split("\n")]


def title_text(article: Article) -> str:
    """The title as heading text: one line, literal, controls shown as the App shows them
    (``text_safety.inert``), never empty.  The front matter keeps the exact title."""
    return escape_inline(inert(article.title)) or "Untitled"


def metadata_line(article: Article, count: int) -> str:
    """``by Author · Site · published … · [source](<url>) · 3 highlights``."""
    parts: list[str] = []
    if article.author.strip():
        parts.append(f"by {escape_inline(inert(article.author))}")
    if article.site.strip():
        parts.append(escape_inline(inert(article.site)))
    if article.kind == "book" and article.publisher.strip():
        parts.append(escape_inline(inert(article.publisher)))
    if article.published.strip():
        parts.append(f"published {escape_inline(inert(article.published))}")
    for candidate in (article.url, article.source):
        target = link_target(candidate)
        if target is not None:
            parts.append(f"[source]({target})")
            break
    parts.append(f"{count} highlight" + ("" if count == 1 else "s"))
    return " · ".join(parts)


@lru_cache(maxsize=1024)
def _section(section: str) -> str:
    return escape_inline(section)


def _label(location: Location) -> str:
    """The escaped location label (a few sections per article: their escaping is cached)."""
    if not location.section:
        return f"{location.percent}%"
    return f"{_section(location.section)} · {location.percent}%"


#: ``- ● yellow`` for each kind (the start of a highlight's info line).
_KIND_INFO = {kind: f"- {glyph} {name}" for kind, (name, glyph) in KINDS.items()}


def _highlight_block(highlight: Highlight, section: str, percent: int) -> str:
    """One highlight's block (see the module docstring) as text, without the trailing newline.

    The same lines as :func:`highlight_lines`, built with as little per-line work as possible:
    this runs for every highlight of a library-wide export.
    """
    exact = highlight.exact
    if "\n" in exact:
        quote = "\n".join(quote_lines(exact))
    elif not exact:
        quote = ">"
    elif _LITERAL_ANY.search(exact) is None and not _unsafe_start(exact[0]):
        quote = f"> {exact}"  # most quotes: plain prose, nothing to escape
    else:
        quote = f"> {escape_literal_line(exact)}"
    info = _KIND_INFO.get(highlight.kind) or f"- {highlight.glyph} {highlight.kind_name}"
    anchor = highlight.anchor
    if anchor != "orphan":  # an orphan's old offsets say nothing about where it is
        info += f" · {_section(section)} · {percent}%" if section else f" · {percent}%"
    if anchor in ANCHOR_NOTES:
        info += f" · {ANCHOR_NOTES[anchor]}"
    if highlight.origin:
        info += f" · from {escape_inline(inert(origin_words(highlight)))}"
    parts = [quote, "", f"^{block_id(highlight.id)}", "", info]
    if highlight.tags:
        tags = sanitise_tags(highlight.tags)
        if tags:
            parts.append("- #" + " #".join(tags))
    if highlight.note:
        parts.append("- Note:")
        parts += [f"  {line}" if line else "" for line in encode_note_lines(highlight.note)]
    return "\n".join(parts)


def highlight_lines(highlight: Highlight, location: Location) -> list[str]:
    """One highlight's block (see the module docstring), without the trailing blank line."""
    return _highlight_block(highlight, location.section, location.percent).split("\n")


def _body_text(
    article: Article, highlights: list[Highlight], locator: Locator, heading: str
) -> str:
    place = locator.place
    parts = [f"{heading} {title_text(article)}\n\n{metadata_line(article, len(highlights))}"]
    parts += [_highlight_block(h, *place(h)) for h in highlights]
    return "\n\n".join(parts)


def article_body(
    article: Article,
    highlights: list[Highlight],
    locator: Locator,
    *,
    heading: str = "#",
) -> list[str]:
    """Title heading, metadata line and the highlights (shared by single and combined export)."""
    return _body_text(article, highlights, locator, heading).split("\n")


def export_markdown(
    article: Article,
    highlights: list[Highlight],
    *,
    document: Document | None = None,
    markdown: str | None = None,
    exported: str | _dt.datetime | None = None,
) -> str:
    """One article's highlights as a Markdown note.

    Pass ``document`` (parsed) or ``markdown`` (the stored text) for section headings in the
    locations; with neither, locations give the percentage only.
    """
    stamp = resolve_exported(exported)
    ordered = in_text_order(highlights)
    locator = Locator(article, markdown=markdown, document=document)
    head = front_matter(front_matter_fields(article, ordered, stamp))
    return f"{head}\n{_body_text(article, ordered, locator, '#')}\n"


def combined_markdown(
    items: list[tuple[Article, list[Highlight], str | None]],
    *,
    exported: str | _dt.datetime | None = None,
) -> str:
    """Several articles in one document: one front matter, one H1, an H2 per article."""
    stamp = resolve_exported(exported)
    total = sum(len(hs) for _, hs, _ in items)
    fields = {"title": "tuireader export", "exported": stamp, "articles": len(items),
              "highlights": total}
    lines = [front_matter(fields).rstrip("\n"), "", "# tuireader export", "",
             f"{len(items)} article" + ("" if len(items) == 1 else "s")
             + f" · {total} highlight" + ("" if total == 1 else "s")]
    for article, highlights, markdown in items:
        lines.append("")
        lines.append(_body_text(article, in_text_order(highlights),
                                Locator(article, markdown=markdown), "##"))
    return "\n".join(lines) + "\n"
