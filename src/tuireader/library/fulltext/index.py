"""The SQLite file: opening it (version checked), writing an article's pieces, querying.

Two connections in WAL mode: one that writes (the store's hooks, the catch-up), one that reads
(searches), so a search never waits for a write to commit.  ``synchronous=NORMAL``: a power cut
may lose the last commits, which leaves the index *stale*, never wrong: every article's row
records what was indexed, and the next open finds the difference (see :mod:`.service`).

A statement that may change several rows (an UPDATE or DELETE by article, an INSERT ... SELECT)
opens a savepoint, and at a savepoint FTS5 writes the words it holds in memory to disk as a new
segment.  So such a statement runs only when it has rows to change (a new article has none): a
build that ran one per article wrote 10,000 tiny segments and spent most of its time merging them.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuireader.library.fulltext.pieces import Meta, Packed, Piece, pack
from tuireader.library.fulltext.query import TAG_SEP, Compiled
from tuireader.library.fulltext.schema import DROP, KINDS, TABLES, VERSION
from tuireader.library.fulltext.text import fold


@dataclass(frozen=True)
class State:
    """What was indexed of an article (compared with the library to find stale ones)."""

    content_hash: str
    meta_hash: str
    shard_state: str


#: FTS5 settings for a large build (restored after it): a 64 MB term hash before each flush
#: to disk (SQLite's default is 1 MB) and merges of 16 segments at a time, not 4: the word
#: index is written in fewer, larger pieces and merged once, by ``optimize``, at the end.
#: Measured on 284 MB of text: 12.6 s to insert with the defaults, 5.4 s with these.
BULK_SETTINGS = (("hashsize", 64 * 1024 * 1024, 1024 * 1024), ("automerge", 16, 4))


_COLUMNS = ", ".join(KINDS)
_MARKS = ", ".join("?" * len(KINDS))


def _columns(kind: str, body: str) -> list[str]:
    """The word index's column values of a piece: its body in its kind's column."""
    return [body if k == kind else "" for k in KINDS]


def tag_column(tags: Iterable[str]) -> str:
    """Tags folded, each after :data:`TAG_SEP` (so a LIKE finds a tag by its start)."""
    return "".join(TAG_SEP + t.casefold() for t in tags)


#: Separates a highlight's quote, note and tags in its ``hl.hay`` (a filter word holds no
#: white space, so it never matches across two of them).
HAY_SEP = "\n"


def highlight_row(article_id: str, record: dict[str, Any],
                  title_key: str) -> tuple[object, ...]:
    """The ``hl`` columns of a highlight record (after ``id``): the same folded values as the
    highlights view's in-memory columns (:mod:`tuireader.library.search`)."""
    tags = [str(t) for t in record.get("tags") or ()]
    # Each part between separators: a filter word (no white space) never spans two.
    hay = HAY_SEP.join(["", str(record.get("exact", "")), str(record.get("note", "")), *tags, ""])
    kind = record.get("kind", 1)
    start = record.get("start", 0)
    return (article_id, str(record.get("id")), str(record.get("created", "")),
            kind if type(kind) is int and 1 <= kind <= 5 else 1,
            str(record.get("anchor", "ok")), start if isinstance(start, int) else 0, title_key,
            hay.casefold(), tag_column(tags) + TAG_SEP if tags else "",
            json.dumps(record, ensure_ascii=False, separators=(",", ":")))


class IndexFile:
    """The index's SQLite file (thread-safe: each connection has its lock)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._write_lock = threading.RLock()
        self.closed = False
        self._read_lock = threading.Lock()
        self._db = self._connect()
        with self._write_lock:
            version = self._version()
            if version != VERSION:
                self._db.executescript(DROP)
            self._db.executescript(TABLES)
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (str(VERSION),))
            self._db.commit()
        self._reader = self._connect()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, timeout=10,
                             isolation_level="DEFERRED")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA cache_size=-65536")  # 64 MB: the word index merges in memory
        return db

    def _version(self) -> int | None:
        try:
            row = self._db.execute("SELECT value FROM meta WHERE key='version'").fetchone()
        except sqlite3.Error:
            return None
        return int(row[0]) if row and str(row[0]).isdigit() else None

    def close(self) -> None:
        """Close both connections (after the write in progress; uncommitted work is lost and
        found stale next time)."""
        with self._write_lock, self._read_lock:
            self.closed = True
            self._db.close()
            self._reader.close()

    @property
    def write_lock(self) -> threading.RLock:
        """Held for one transaction (the store's hooks and the catch-up take turns)."""
        return self._write_lock

    # -- reading ------------------------------------------------------------------------------

    def states(self) -> dict[str, State]:
        with self._read_lock:
            rows = self._reader.execute(
                "SELECT article_id, content_hash, meta_hash, shard_state FROM docs").fetchall()
        return {aid: State(c, m, s) for aid, c, m, s in rows}

    def query(self, compiled: Compiled) -> list[tuple[object, ...]]:
        with self._read_lock:
            return self._reader.execute(compiled.sql, compiled.params).fetchall()

    def reader(self) -> tuple[threading.Lock, sqlite3.Connection]:
        """The reading connection and its lock (hold the lock while using it)."""
        return self._read_lock, self._reader

    def interrupt(self) -> None:
        """Stop the search running now (a newer one replaces it)."""
        self._reader.interrupt()

    def size(self) -> int:
        """Bytes on disk (the file and its write-ahead log)."""
        return sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal"))
                   if p.exists())

    # -- writing: call inside ``with index.write_lock``, then :meth:`commit` ---------------

    def commit(self) -> None:
        if not self.closed:
            self._db.commit()

    def rollback(self) -> None:
        if not self.closed:
            self._db.rollback()

    def forget(self, article_id: str, part: str | None = None) -> None:
        """Remove an article's pieces: ``part`` "text" (its text), "meta" (its own tags and
        note), "shard" (its highlights' quotes, notes and tags), or None (all, and its row)."""
        db = self._db
        sql = ("SELECT c.id, c.kind, b.body FROM chunks c JOIN bodies b ON b.id = c.id "
               "WHERE c.article_id = ?")
        sql += {None: "", "text": " AND c.kind = 'text'",
                "meta": " AND c.kind != 'text' AND c.ref = ''", "shard": " AND c.ref != ''"}[part]
        rows = db.execute(sql, (article_id,)).fetchall()
        db.executemany(f"INSERT INTO fts (fts, rowid, {_COLUMNS}) VALUES ('delete', ?, {_MARKS})",
                       [(rowid, *_columns(kind, zlib.decompress(body).decode("utf-8")))
                        for rowid, kind, body in rows])
        db.executemany("DELETE FROM cjk WHERE rowid = ?", [(rowid,) for rowid, _k, _b in rows])
        db.executemany("DELETE FROM chunks WHERE id = ?", [(rowid,) for rowid, _k, _b in rows])
        db.executemany("DELETE FROM bodies WHERE id = ?", [(rowid,) for rowid, _k, _b in rows])
        if part in (None, "shard"):
            self.forget_highlights(article_id)
        if part is None:
            row = db.execute("SELECT id, title, author, site FROM docs WHERE article_id = ?",
                             (article_id,)).fetchone()
            if row is not None:
                if row[1] or row[2] or row[3]:
                    db.execute("INSERT INTO docs_fts (docs_fts, rowid, title, author, site) "
                               "VALUES ('delete', ?, ?, ?, ?)", row)
                db.execute("DELETE FROM docs WHERE id = ?", (row[0],))

    def ensure_doc(self, article_id: str) -> None:
        self._db.execute("INSERT OR IGNORE INTO docs (article_id) VALUES (?)", (article_id,))

    def set_meta(self, article_id: str, meta: Meta, meta_hash: str) -> None:
        db = self._db
        self.ensure_doc(article_id)
        row = db.execute("SELECT id, title, author, site FROM docs WHERE article_id = ?",
                         (article_id,)).fetchone()
        if row[1] or row[2] or row[3]:
            db.execute("INSERT INTO docs_fts (docs_fts, rowid, title, author, site) "
                       "VALUES ('delete', ?, ?, ?, ?)", row)
        db.execute("UPDATE docs SET title=?, author=?, site=?, tags=?, archived=?, meta_hash=?, "
                   "title_fold=?, list_fold=? WHERE id=?",
                   (meta.title, meta.author, meta.site, tag_column(meta.tags),
                    int(meta.archived), meta_hash, meta.title.casefold(),
                    " ".join([meta.title, meta.site, meta.author]).casefold(), row[0]))
        if row[1] != meta.title and self._has_highlights(article_id):
            db.execute("UPDATE hl SET title_key = ? WHERE article_id = ?",
                       (meta.title.casefold(), article_id))
        if meta.title or meta.author or meta.site:
            db.execute("INSERT INTO docs_fts (rowid, title, author, site) VALUES (?, ?, ?, ?)",
                       (row[0], meta.title, meta.author, meta.site))

    def set_state(self, article_id: str, **values: str) -> None:
        self.ensure_doc(article_id)
        for column, value in values.items():
            assert column in ("content_hash", "shard_state")
            self._db.execute(f"UPDATE docs SET {column} = ? WHERE article_id = ?",
                             (value, article_id))

    def add(self, article_id: str, pieces: Iterable[Piece | Packed]) -> None:
        """Store and index pieces (packed here unless they come packed)."""
        db = self._db
        packed = [p if isinstance(p, Packed) else pack([p])[0] for p in pieces]
        if not packed:
            return
        # Row ids chosen here (inside the write lock), so each table takes one executemany.
        first = int(db.execute("SELECT coalesce(max(id), 0) FROM chunks").fetchone()[0]) + 1
        numbered = list(enumerate(packed, first))
        db.executemany(
            'INSERT INTO chunks (id, article_id, kind, ref, start, "end", tags) '
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(rowid, article_id, k.piece.kind, k.piece.ref, k.piece.start, k.piece.end,
              tag_column(k.piece.tags)) for rowid, k in numbered])
        db.executemany("INSERT INTO bodies (id, body) VALUES (?, ?)",
                       [(rowid, k.blob) for rowid, k in numbered])
        db.executemany(f"INSERT INTO fts (rowid, {_COLUMNS}) VALUES (?, {_MARKS})",
                       [(rowid, *_columns(k.piece.kind, k.piece.body)) for rowid, k in numbered])
        runs = [(rowid, k.cjk) for rowid, k in numbered if k.cjk]
        if runs:
            db.executemany("INSERT INTO cjk (rowid, body) VALUES (?, ?)", runs)

    def bulk(self, on: bool) -> None:
        """Switch the word index to (or back from) its large-build settings
        (:data:`BULK_SETTINGS`; an SQLite without one of them keeps its default)."""
        with self._write_lock:
            for name, bulk, default in BULK_SETTINGS:
                try:
                    self._db.execute("INSERT INTO fts (fts, rank) VALUES (?, ?)",
                                     (name, bulk if on else default))
                except sqlite3.OperationalError:
                    pass  # an older SQLite: the default stays, only slower
            self._db.commit()

    def _has_highlights(self, article_id: str) -> bool:
        return self._db.execute("SELECT 1 FROM hl WHERE article_id = ? LIMIT 1",
                                (article_id,)).fetchone() is not None

    def forget_highlights(self, article_id: str) -> None:
        """Remove an article's highlight records (and their trigram words)."""
        db = self._db
        if not self._has_highlights(article_id):
            return
        db.execute("INSERT INTO hl_words (hl_words, rowid, hay, tags) SELECT 'delete', id, hay, "
                   "tags FROM hl WHERE article_id = ?", (article_id,))
        db.execute("DELETE FROM hl WHERE article_id = ?", (article_id,))

    def add_highlights(self, article_id: str, records: Iterable[dict[str, Any]]) -> None:
        """Store an article's highlight records whole, with the highlights view's columns
        (see :func:`highlight_row`)."""
        db = self._db
        row = db.execute("SELECT title_fold FROM docs WHERE article_id = ?",
                         (article_id,)).fetchone()
        title_key = row[0] if row else ""
        rows = [highlight_row(article_id, r, title_key) for r in records if r.get("id")]
        if not rows:
            return
        first = int(db.execute("SELECT coalesce(max(id), 0) FROM hl").fetchone()[0]) + 1
        numbered = [(rowid, *values) for rowid, values in enumerate(rows, first)]
        db.executemany("INSERT INTO hl (id, article_id, ref, created, kind, anchor, start, "
                       "title_key, hay, tags, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       numbered)
        db.executemany("INSERT INTO hl_words (rowid, hay, tags) VALUES (?, ?, ?)",
                       [(n[0], n[8], n[9]) for n in numbered])

    def wipe(self) -> None:
        """Forget everything (a rebuild from scratch)."""
        self._db.executescript(DROP + TABLES)
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (str(VERSION),))
        self._db.commit()

    def merge_step(self, pages: int = 2000) -> bool:
        """Merge some of the word index's segments (about ``pages`` pages of work), holding
        only the write lock (searches go on); False once there was nothing left to merge."""
        with self._write_lock:
            if self.closed:
                return False
            before = self._db.total_changes
            # Negative: merge down to one segment, like 'optimize' (positive stops at four).
            self._db.execute("INSERT INTO fts (fts, rank) VALUES ('merge', ?)", (-pages,))
            self._db.commit()
            return self._db.total_changes - before >= 2

    def optimize(self, *, vacuum: bool = True) -> None:
        """After a large build: merge the word index's segments into one (faster queries),
        give back the pages that freed when more than a tenth of the file is free (VACUUM
        rewrites the whole file) and empty the write-ahead log into the file."""
        with self._write_lock, self._read_lock:
            self._db.execute("INSERT INTO fts (fts) VALUES ('optimize')")
            self._db.commit()
            free = self._db.execute("PRAGMA freelist_count").fetchone()[0]
            pages = self._db.execute("PRAGMA page_count").fetchone()[0]
            if vacuum and free * 10 > pages:
                self._db.execute("VACUUM")
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

__all__ = ["HAY_SEP", "IndexFile", "State", "fold", "highlight_row", "tag_column"]
