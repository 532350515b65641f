"""Highlights and articles made from another tool's entries (pure: no store writes here)."""

from __future__ import annotations

import dataclasses

from tuireader.core.bridge import ForeignHighlight, ForeignWork
from tuireader.core.model import Highlight, ImportedArticle, new_id, now_iso, quote_selector
from tuireader.library.bridge.match import HIGHLIGHTS_ONLY, LINK_ONLY, Text, work_key
from tuireader.library.bridge.origin import LABELS
from tuireader.library.bridge.place import Placed
from tuireader.library.bridge.text import dehyphenated, escape_markdown, normalise_quote


def keys(quote: str) -> set[str]:
    """The forms under which a quote counts as already there (normalised, de-hyphenated)."""
    q = normalise_quote(quote)
    return {k for k in (q, dehyphenated(q)) if k}


class Seen:
    """The highlights an article has, by quote: the duplicates an import skips."""

    def __init__(self, existing: list[Highlight]) -> None:
        self.here: set[str] = set()
        self.imported: set[tuple[str, str]] = set()
        for h in existing:
            for k in keys(h.exact):
                if h.origin:
                    self.imported.add((k, h.origin_location))
                else:
                    self.here.add(k)

    def duplicate(self, quote: str, location: str) -> bool:
        """True if already there; else remembered (a second copy in the same import is one)."""
        ks = keys(quote)
        if any(k in self.here or (k, location) in self.imported for k in ks):
            return True
        self.imported.update((k, location) for k in ks)
        return False


def highlight(article_id: str, text: Text, fh: ForeignHighlight, placed: Placed,
              origin: str) -> Highlight:
    """The library's highlight for an imported one placed in ``text``."""
    if placed.status == "orphan":
        at = max(0, min(placed.start, len(text.plain)))
        start, end = at, at
        prefix, suffix = fh.position.prefix[-32:], fh.position.suffix[:32]
        exact = fh.quote.strip()
    else:
        start, end = placed.start, placed.end
        prefix, exact, suffix = quote_selector(text.plain, start, end)
        if placed.status != "ok":
            exact = " ".join(fh.quote.split())  # the reader's words, never rewritten
    now = now_iso()
    return Highlight(id=new_id(), article_id=article_id, start=start, end=end, exact=exact,
                     prefix=prefix, suffix=suffix, kind=fh.kind, note=fh.note,
                     tags=list(fh.tags), created=fh.created or now, updated=now,
                     anchor=placed.status, origin=fh.origin or origin, origin_location=fh.location,
                     origin_chapter=fh.chapter)


def moved(h: Highlight, article_id: str, text: Text, placed: Placed) -> Highlight:
    """``h`` (from a highlights-only article) placed on the real text, same id."""
    if placed.status == "orphan":
        at = max(0, min(placed.start, len(text.plain)))
        return dataclasses.replace(h, article_id=article_id, start=at, end=at, anchor="orphan",
                                   prefix="", suffix="", updated=now_iso())
    prefix, exact, suffix = quote_selector(text.plain, placed.start, placed.end)
    return dataclasses.replace(
        h, article_id=article_id, start=placed.start, end=placed.end, prefix=prefix,
        suffix=suffix, exact=exact if placed.status == "ok" else h.exact,
        anchor=placed.status, updated=now_iso())


def highlights_only(work: ForeignWork, fmt: str, quotes: list[str]) -> ImportedArticle:
    """The article holding a work's quotes (in order) while its text is not in the library."""
    label = LABELS.get(fmt, fmt or "another tool")
    intro = (f"_Highlights imported from {escape_markdown(label)}: the text of this work is "
             "not in the library\\. Add it \\(the book or page\\) and they move onto it\\._")
    body = "\n\n".join([intro, *(escape_markdown(q) for q in quotes if q.strip())]) + "\n"
    return ImportedArticle(title=work.title.strip() or "Untitled", markdown=body,
                           author=work.author, language=work.language, kind=HIGHLIGHTS_ONLY,
                           identifiers=list(work.identifiers), published=work.published,
                           source=work_key(work.title, work.author))


def link_only(work: ForeignWork) -> ImportedArticle:
    """A page whose text is not in the library: its title and URL, and why."""
    why = f": {work.missing_reason}" if work.missing_reason else ""
    body = (f"{escape_markdown(work.url)}\n\n"
            f"_{escape_markdown('The text of this page is not in the library' + why)}_\n")
    return ImportedArticle(title=work.title.strip() or work.url, markdown=body,
                           author=work.author, url=work.url, source=work.url,
                           kind=LINK_ONLY, language=work.language, published=work.published,
                           identifiers=list(work.identifiers))


def with_defaults(work: ForeignWork, source: str) -> ImportedArticle:
    """The work's carried text, its blanks filled from the work."""
    assert work.content is not None
    content = dataclasses.replace(work.content)
    content.title = content.title or work.title
    content.author = content.author or work.author
    content.url = content.url or work.url
    content.source = source or content.source or work.url
    content.identifiers = list(dict.fromkeys([*content.identifiers, *work.identifiers]))
    return content
