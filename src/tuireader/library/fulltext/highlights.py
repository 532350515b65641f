"""The highlights view's filter, answered from the search index (``hl``, ``hl_words``).

The view's language and results are those of :func:`tuireader.library.search.filter_rows`
(plain words are substrings of the folded quote, note, tags or article title; ``#tag`` a tag
starting with it; ``c:green``; ``a:word``; ``is:orphan``): each term becomes a condition on
the ``hl`` table's folded columns, the same values the in-memory columns hold.

Two ways to answer, chosen per query so that the first rows come fast either way:

* a term found in few highlights (``hl_words``, trigrams, asked for at most :data:`PROBE`
  rows) gives the candidates, checked against every term and sorted;
* otherwise the rows are walked in the view's order (an index of ``hl``) and the first
  ``limit`` that match every term are taken: a common term finds them at once.  The caller
  asks again without a limit, off the event loop, for the whole list.

Every row shown is checked against the library first (:meth:`HighlightSource.records`): the
article is there and its highlights file is the one indexed (one ``stat``); if not, the index
is stale and :class:`StaleIndex` says so (the view then goes back to reading the library).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tuireader.library.fulltext.query import TAG_SEP
from tuireader.library.search import KIND_NAMES, Row, query_terms, term_kind

if TYPE_CHECKING:
    from tuireader.library.fulltext.service import FullText

#: A term in at most this many highlights is looked up in the trigram index.
PROBE = 4000
#: The first rows of a filter no index helps with are looked for among this many rows.
WALK_ROWS = 8_000
#: The view's orders.
ORDER_SQL = {"newest": "h.created DESC, h.id DESC",
             "article": "h.title_key, h.article_id, h.start, h.id"}
#: The columns of each order's index (``hl_created``, ``hl_title``: see the schema): a walk
#: whose filter needs no other column reads the index alone, never a row.
ORDER_COLUMNS = {"newest": ("created", "id", "kind", "anchor", "tags"),
                 "article": ("title_key", "article_id", "start", "id", "kind", "anchor", "tags")}
_COLUMN = re.compile(r"\bh\.(\w+)")


def walk_columns(order: str, where: list[str]) -> str:
    """The columns a walk in ``order`` reads: its index's, and those the filter needs."""
    columns = list(ORDER_COLUMNS[order])
    columns += sorted({c for sql in where for c in _COLUMN.findall(sql)} - set(columns))
    return ", ".join(columns)


class StaleIndex(LookupError):
    """The index is behind the library (a row that leads nowhere, or cannot be read)."""


@dataclass
class Found:
    """A filter's answer: ``hl`` row ids in the view's order; ``complete`` False when only
    the first ``limit`` were asked for and more may match."""

    ids: list[int]
    complete: bool


def conditions(query: str) -> tuple[list[str], list[object]]:
    """SQL conditions on ``hl h`` for every term of ``query`` (the view's language)."""
    sql: list[str] = []
    params: list[object] = []
    for term in query_terms(query):
        kind = term_kind(term)
        if kind == "tag":
            sql.append("instr(h.tags, ?) > 0")
            params.append(TAG_SEP + term[1:])
        elif kind == "colour":
            value = term[2:]
            sql.append("h.kind = ?")
            params.append(int(value) if value.isdigit() else KIND_NAMES.get(value, 0))
        elif kind == "title":
            sql.append("instr(h.title_key, ?) > 0")
            params.append(term[2:])
        elif kind == "state":
            sql.append("h.anchor = ?")
            params.append(term[3:])
        else:
            sql.append("(instr(h.hay, ?) > 0 OR instr(h.title_key, ?) > 0)")
            params += [term, term]
    return sql, params


def _quoted(trigram: str) -> str:
    return '"' + trigram.replace('"', '""') + '"'


def _containing(db: sqlite3.Connection, needle: str, cap: int | None) -> list[int] | None:
    """Rows that hold every trigram of ``needle`` (each row holding it, maybe a few more: the
    caller checks), from the trigram index's row lists alone; None if more than ``cap``, or
    if ``needle`` is too short to have a trigram (then the rows are walked)."""
    if len(needle) < 3:
        return None
    grams = sorted({needle[i:i + 3] for i in range(len(needle) - 2)})
    limit = -1 if cap is None else cap + 1
    rows = _ids(db, "SELECT rowid AS id FROM hl_words WHERE hl_words MATCH ? LIMIT ?",
                [" AND ".join(_quoted(g) for g in grams), limit])
    if cap is not None and len(rows) > cap:
        return None
    return rows


def _ids(db: sqlite3.Connection, sql: str, params: list[object]) -> list[int]:
    """The ``id`` column of ``sql``'s rows, in order, fetched as one row: each row fetched
    apart waits for the GIL again, which a busy thread (the shards' preload, the UI) holds
    for milliseconds at a time."""
    row = db.execute(f"SELECT group_concat(id) FROM ({sql})", params).fetchone()
    return [int(x) for x in row[0].split(",")] if row and row[0] else []


class HighlightSource:
    """The highlights view's rows, from the search index of ``fulltext``."""

    def __init__(self, fulltext: FullText) -> None:
        self.fulltext = fulltext

    def _db(self) -> tuple[Any, sqlite3.Connection]:
        index = self.fulltext.reader_index()
        if index is None:
            raise StaleIndex(self.fulltext.error or "no search index")
        return index

    def total(self) -> int:
        lock, db = self._db()
        with lock:
            return int(db.execute("SELECT count(*) FROM hl").fetchone()[0])

    def find(self, query: str, order: str, limit: int | None = None) -> Found:
        """The rows matching ``query`` in ``order`` ("newest" or "article")."""
        lock, db = self._db()
        where, params = conditions(query)
        order_sql = ORDER_SQL[order]
        tail = " LIMIT ?" if limit is not None else ""
        more: list[object] = [limit] if limit is not None else []
        with lock:
            candidates = self._probe(db, query, PROBE if limit is not None else None)
            if candidates is not None:
                sql = ("SELECT h.id AS id FROM hl h "
                       "WHERE h.id IN (SELECT value FROM json_each(?))"
                       + "".join(f" AND {c}" for c in where) + f" ORDER BY {order_sql}{tail}")
                ids = _ids(db, sql, [",".join(map(str, candidates)).join("[]"), *params, *more])
                return Found(ids, limit is None or len(ids) < limit)
            walk = "hl_created" if order == "newest" else "hl_title"
            if limit is None:
                sql = (f"SELECT h.id AS id FROM hl h INDEXED BY {walk}"
                       + (" WHERE " + " AND ".join(where) if where else "")
                       + f" ORDER BY {order_sql}")
                return Found(_ids(db, sql, params), True)
            # The first rows: looked for among the first WALK_ROWS in the order only (a rare
            # short word would otherwise walk the whole table); the rest are asked for next.
            window = (f"SELECT {walk_columns(order, where)} FROM hl INDEXED BY {walk} "
                      f"ORDER BY {order_sql.replace('h.', '')} LIMIT ?")
            # The window is read in its order and left at the limit-th match (an ORDER BY
            # here would read it all to sort it again).
            sql = (f"SELECT h.id AS id FROM ({window}) h"
                   + (" WHERE " + " AND ".join(where) if where else "") + " LIMIT ?")
            ids = _ids(db, sql, [WALK_ROWS, *params, limit])
            if len(ids) >= limit:
                return Found(ids, False)
            seen = db.execute("SELECT count(*) FROM (SELECT 1 FROM hl LIMIT ?)",
                              (WALK_ROWS + 1,)).fetchone()[0]
            return Found(ids, seen <= WALK_ROWS)

    def _probe(self, db: sqlite3.Connection, query: str, cap: int | None) -> list[int] | None:
        """The candidates of the query's rarest indexable term (a text word in no title, a
        tag), if one is in at most ``cap`` highlights (None: walk the rows instead)."""
        best: list[int] | None = None
        for term in query_terms(query):
            kind = term_kind(term)
            if kind == "tag":
                needle = TAG_SEP + term[1:]
            elif kind == "text":
                needle = term
                # A word in a title matches every highlight of that article: walk instead.
                if db.execute("SELECT 1 FROM docs WHERE instr(title_fold, ?) > 0 LIMIT 1",
                              (term,)).fetchone():
                    continue
            else:
                continue
            found = _containing(db, needle, cap)
            if found is not None and (best is None or len(found) < len(best)):
                best = found
                cap = len(found)
        return best

    def records(self, ids: list[int], titles: dict[str, str]) -> dict[int, dict[str, Any]]:
        """The records of rows ``ids``, each checked against the library (``titles``: its
        articles); :class:`StaleIndex` if one is not what the library holds now."""
        if not ids:
            return {}
        lock, db = self._db()
        with lock:  # one row back (see _ids)
            found = db.execute(
                "SELECT json_group_array(json_array(h.id, h.article_id, json(h.record), "
                "d.shard_state)) FROM hl h JOIN docs d ON d.article_id = h.article_id "
                "WHERE h.id IN (SELECT value FROM json_each(?))", (json.dumps(ids),)).fetchone()
        rows = json.loads(found[0]) if found and found[0] else []
        if len(rows) != len(set(ids)):
            raise StaleIndex("a highlight is no longer in the index")
        checked: set[str] = set()
        out: dict[int, dict[str, Any]] = {}
        for rowid, aid, record, shard_state in rows:
            if aid not in checked:
                if aid not in titles or self.fulltext.shard_state(aid) != shard_state:
                    raise StaleIndex(f"article {aid} changed since it was indexed")
                checked.add(aid)
            out[rowid] = record
        return out

    def rowid(self, highlight_id: str) -> int | None:
        """The row of highlight ``highlight_id`` (None if it is not indexed)."""
        lock, db = self._db()
        with lock:
            row = db.execute("SELECT id FROM hl WHERE ref = ?", (highlight_id,)).fetchone()
        return int(row[0]) if row else None


#: Rows read from the index at a time (a screen and a bit).
PAGE = 60


class IndexedRows:
    """The highlights view's rows when the index answers (what :class:`RowSet
    <tuireader.library.search.RowSet>` is when the library is read): row ``i`` is the index's
    ``hl`` row ``i``; records are read a page at a time around the rows shown, each page
    checked against the library.  ``on_stale`` is called (once) when a page is not what the
    library holds: the view goes back to reading the library."""

    def __init__(self, source: HighlightSource, titles: dict[str, str], total: int,
                 on_stale: Callable[[], None]) -> None:
        self.source = source
        self.titles = titles
        self.total = total
        self.on_stale = on_stale
        self.stale = False
        self._records: dict[int, dict[str, Any]] = {}
        self._shown: list[int] = []

    def __len__(self) -> int:
        return self.total

    def showing(self, shown: list[int]) -> None:
        """The table shows these rows now (the pages are read in this order)."""
        self._shown = shown

    def load(self, ids: list[int]) -> None:
        """Read (and check) these rows now: in a worker, before they are shown."""
        missing = [i for i in ids if i not in self._records]
        self._records.update(self.source.records(missing, self.titles))

    def _record(self, rowid: int) -> dict[str, Any]:
        record = self._records.get(rowid)
        if record is not None:
            return record
        if self.stale:
            raise StaleIndex("stale")
        try:
            at = self._shown.index(rowid)  # once per page (a dict of 500,000 would cost more)
        except ValueError:
            at = 0
        page = self._shown[max(0, at - PAGE // 4): at + PAGE] or [rowid]
        if rowid not in page:
            page.append(rowid)
        try:
            self.load(page)
        except (StaleIndex, sqlite3.Error):
            self.stale = True
            self.on_stale()
            raise StaleIndex("stale") from None
        return self._records[rowid]

    def __getitem__(self, rowid: int) -> Row:
        record = self._record(rowid)
        return Row(record, self.titles.get(str(record.get("article_id")), ""))

    def highlight_id(self, rowid: int) -> str:
        return str(self._record(rowid).get("id"))

    def position(self, highlight_id: str, shown: list[int]) -> int | None:
        """Where highlight ``highlight_id`` is in ``shown`` (None: not there)."""
        try:
            rowid = self.source.rowid(highlight_id)
        except (StaleIndex, sqlite3.Error):
            return None
        if rowid is None:
            return None
        try:
            return shown.index(rowid)
        except ValueError:
            return None
