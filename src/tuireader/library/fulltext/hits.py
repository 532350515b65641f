"""Search results: the index's rows made hits, each checked against the library.

A hit never leads nowhere: its article is there with the text that was indexed, its highlight
(for a hit in a quote, note or tag) is still in it.  A row that is not is dropped, and its
article named so that the caller brings the index up to date.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tuireader.library.durable import StorageError
from tuireader.library.errors import StoreError
from tuireader.library.fulltext.match import Matcher, Span
from tuireader.library.fulltext.query import Query

if TYPE_CHECKING:
    from tuireader.library.store import Store


@dataclass
class Hit:
    """One search result."""

    article_id: str
    title: str
    #: "text", "highlight", "note" or "tag".
    where: str
    #: The match (or the highlight) as offsets in the article's plain text.
    start: int
    end: int
    #: A line of text around the match, and the matched words in it (offsets in the snippet).
    snippet: str
    marks: list[Span] = field(default_factory=list)
    #: The highlight the hit is in ("" for the article's own text, tags or note).
    highlight_id: str = ""
    score: float = 0.0
    #: How far into the article (0-1), when its length is known.
    fraction: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"article_id": self.article_id, "title": self.title, "where": self.where,
                "start": self.start, "end": self.end, "snippet": self.snippet,
                "highlight_id": self.highlight_id or None}


@dataclass
class Results:
    """A search's hits (best first), or the message saying why there are none."""

    query: str
    hits: list[Hit]
    message: str = ""
    #: The parsed query (None when it could not be read): the reader marks its words.
    parsed: Query | None = None

    def matcher(self) -> Matcher | None:
        return Matcher(self.parsed.terms) if self.parsed is not None else None


class Hits:
    """Makes hits from the index's rows for the library of ``store``."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._by_id: tuple[object, dict[str, dict[str, Any]]] | None = None

    def records_by_id(self) -> dict[str, dict[str, Any]]:
        """Article id -> its record, made again only when the library's table changed (a save
        replaces the table, never changes it: see :mod:`~tuireader.library.articles`)."""
        articles = self.store.articles
        table = (articles.storage.read() or {}).get("articles")
        cached = self._by_id
        if cached is not None and cached[0] is table and table is not None and not articles.extra:
            return cached[1]
        by_id = {str(r.get("id")): r for r in articles.records()}
        self._by_id = (table, by_id)
        return by_id

    def make(self, rows: list[tuple[Any, ...]], matcher: Matcher,
             limit: int) -> tuple[list[Hit], set[str]]:
        """The hits of the index's ``rows`` (best first), at most ``limit``, and the articles
        of the rows dropped: not what the library holds now (the caller re-indexes them)."""
        records = self.records_by_id()
        highlight_ids: dict[str, set[str]] = {}
        hits: list[Hit] = []
        dropped: set[str] = set()
        for _rowid, aid, kind, ref, start, end, body, title, indexed_hash, score in rows:
            record = records.get(aid)
            if record is None or (kind == "text"
                                  and str(record.get("content_hash") or "") != indexed_hash):
                dropped.add(aid)
                continue
            if ref:
                ids = highlight_ids.get(aid)
                if ids is None:
                    try:
                        view = self.store.shards.view(aid, fresh_within=1.0)
                    except (StorageError, StoreError):
                        view = None
                    ids = highlight_ids[aid] = (
                        {str(r.get("id")) for r in view.records} if view is not None else set())
                if ref not in ids:
                    dropped.add(aid)
                    continue
            piece = zlib.decompress(body).decode("utf-8")
            snippet, marks, first = matcher.snippet(piece)
            if kind == "text" and first is not None:
                start, end = start + first[0], start + first[1]
            length = record.get("char_count")
            fraction = (min(1.0, start / length) if isinstance(length, int) and length > 0
                        else None)
            hits.append(Hit(aid, str(record.get("title") or title), kind, start, end, snippet,
                            marks, ref, float(score), fraction))
            if len(hits) >= limit:
                break
        return hits, dropped
