"""The library list's filter and highlight counts, answered from the search index.

The list's language is :func:`tuireader.widgets.article_list.matches`' (every word a substring
of the folded title, site or author, or of a tag; ``#tag`` a tag starting with it;
``is:archived`` lists the archived articles, hidden otherwise): each word becomes a condition
on the ``docs`` table's folded columns (``list_fold``, ``tags``).  The counts are the ``hl``
rows per article.  Both only when the index is up to date with the library
(:meth:`~.service.FullText.ready`): the caller reads the library otherwise.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from tuireader.library.fulltext.query import TAG_SEP

if TYPE_CHECKING:
    from tuireader.library.fulltext.service import FullText

#: The filter word that lists the archived articles (as the list's).
ARCHIVED_TERM = "is:archived"


def list_fold(title: str, site: str, author: str) -> str:
    """What the list's plain words are looked for in (as the list folds it)."""
    return " ".join([title, site, author]).casefold()


def conditions(needle: str) -> tuple[list[str], list[object]]:
    """SQL conditions on ``docs d`` for the list's filter text ``needle``."""
    words = needle.casefold().split()
    sql = ["d.archived = ?"]
    params: list[object] = [1 if ARCHIVED_TERM in words else 0]
    for word in words:
        if word == ARCHIVED_TERM:
            continue
        if word.startswith("#"):
            sql.append("instr(d.tags, ?) > 0")
            params.append(TAG_SEP + word[1:])
        else:
            sql.append("(instr(d.list_fold, ?) > 0 OR instr(d.tags, ?) > 0)")
            params += [word, word]
    return sql, params


def article_ids(fulltext: FullText, needle: str) -> set[str] | None:
    """The ids of the articles the list's filter ``needle`` shows (None: the index cannot
    answer for the library now; filter the list in memory)."""
    if not fulltext.ready():
        return None
    reader = fulltext.reader_index()
    if reader is None:
        return None
    lock, db = reader
    where, params = conditions(needle)
    try:
        with lock:
            rows = db.execute("SELECT d.article_id FROM docs d WHERE " + " AND ".join(where),
                              params).fetchall()
    except sqlite3.Error:
        return None
    return {r[0] for r in rows}


def highlight_counts(fulltext: FullText, article_ids: list[str]) -> dict[str, int] | None:
    """How many highlights each of ``article_ids`` has (None: the index cannot answer)."""
    if not fulltext.ready():
        return None
    reader = fulltext.reader_index()
    if reader is None:
        return None
    lock, db = reader
    try:
        with lock:
            rows = db.execute("SELECT article_id, count(*) FROM hl GROUP BY article_id")
            counts = dict(rows.fetchall())
    except sqlite3.Error:
        return None
    return {aid: int(counts.get(aid, 0)) for aid in article_ids}
