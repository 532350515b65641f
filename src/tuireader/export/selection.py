"""What to export: which articles, and which of their highlights (``--article``, ``--tag``,
``--since``).

A :class:`Filter` is a small frozen value rather than a set of arguments so that the parallel
export can send it, pickled, to its worker process, which then chooses exactly what this
process would have chosen.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tuireader.core.isotime import parse_iso
from tuireader.core.model import normalise_tag

if TYPE_CHECKING:
    from tuireader.core.model import Article, Highlight
    from tuireader.library.store import Store

#: One article and the highlights of it that are exported.
Chosen = tuple["Article", list["Highlight"]]


def parse_since(text: str) -> str:
    """A date or date-time as a sortable UTC ISO string; raises ValueError when invalid."""
    moment = parse_iso(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    return moment.astimezone(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _utc(stamp: str) -> str:
    """A stored time stamp made comparable with a ``--since`` cutoff ("" when unreadable, so
    a highlight with a damaged stamp is left out of a ``--since`` export, never crashes it)."""
    try:
        return parse_since(stamp)
    except ValueError:
        return ""


def ordered_articles(
    store: Store, article_ids: Iterable[str] | None, *, need_text: bool = False
) -> tuple[list[Article], bool]:
    """The articles to consider, by date added then id, and whether they were named.

    A stable order matters twice: the combined document reads the same on every run, and the
    parallel export cuts the list at the same place in both processes.  ``need_text`` (every
    format but JSON reads the article's text): articles whose text is missing from the library
    are left out here, so one damaged article never stops the others (see
    :func:`missing_text`, which names them for the report).
    """
    named = [store.resolve(ref) for ref in article_ids or ()]
    articles = named or store.list_articles()
    ordered = sorted({a.id: a for a in articles}.values(), key=lambda a: (a.added, a.id))
    if need_text:
        ordered = [a for a in ordered if _has_text(store, a)]
    return ordered, bool(named)


def _has_text(store: Store, article: Article) -> bool:
    return store.body_path(article.id).is_file()


def missing_text(store: Store, article_ids: Iterable[str] | None, flt: Filter) -> list[str]:
    """One line per article with something to export whose text is missing from the library
    (left out of a text-based export by :func:`ordered_articles`)."""
    articles, _named = ordered_articles(store, article_ids)
    lost = [a for a in articles if not _has_text(store, a)]
    return [f"{a.id}: the text of this article is missing from the library; not exported "
            "(see tuireader check)" for a, _ in flt.choose(store, lost)]


@dataclass(frozen=True)
class Filter:
    """Which highlights of an article are exported (see :func:`select`)."""

    #: Highlights carrying this tag, or every highlight of an article carrying it; None: all.
    tag: str | None = None
    #: Highlights created or changed at or after this UTC ISO time; None: all.
    cutoff: str | None = None
    #: Keep an article even when none of its highlights is chosen (articles named by id).
    keep_empty: bool = False

    @classmethod
    def of(cls, tag: str | None, since: str | None, keep_empty: bool) -> Filter:
        """From the user's words: a tag as typed, a date as typed (ValueError when invalid)."""
        return cls(normalise_tag(tag) if tag else None, parse_since(since) if since else None,
                   keep_empty)

    def choose(self, store: Store, articles: list[Article]) -> list[Chosen]:
        """(article, highlights) for each of ``articles`` that has something to export."""
        chosen: list[Chosen] = []
        for article in articles:
            highlights = store.highlights(article.id)
            if self.tag is not None and self.tag not in article.tags:
                highlights = [h for h in highlights if self.tag in h.tags]
            if self.cutoff is not None:
                highlights = [h for h in highlights
                              if max(_utc(h.created), _utc(h.updated)) >= self.cutoff]
            if highlights or self.keep_empty:
                chosen.append((article, highlights))
        return chosen


def select(
    store: Store,
    article_ids: Iterable[str] | None = None,
    *,
    tag: str | None = None,
    since: str | None = None,
    need_text: bool = False,
) -> list[Chosen]:
    """(article, highlights) pairs to export, articles ordered by date added then id.

    ``tag``: highlights carrying the tag, or all highlights of an article carrying it.
    ``since`` (ISO date/time): highlights created or changed at or after it.
    Articles named in ``article_ids`` are kept even with no highlight left; otherwise articles
    without selected highlights are skipped.
    """
    articles, named = ordered_articles(store, article_ids, need_text=need_text)
    return Filter.of(tag, since, named).choose(store, articles)
