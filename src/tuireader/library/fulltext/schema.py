"""The index's tables (SQLite, FTS5), and their version.

``docs``: one row per indexed article: its filters (title, author, site, folded tags, archived)
and what was indexed (``content_hash`` of the text, ``meta_hash`` of the metadata,
``shard_state`` of the highlights file), compared with the library to find stale articles.
``chunks``: every searchable piece: the article's text cut in pieces of about
:data:`CHUNK` characters (``start``/``end`` are offsets in the article's plain text), each
highlight's quote, note and tags (``ref`` is the highlight's id, the offsets its range), the
article's own tags and note.  ``bodies``: each piece itself, compressed (snippets are cut from
it), by the chunk's id: apart, so that the filters' joins read small rows, many to a page.
``fts`` indexes the pieces' words (contentless: the words are not stored twice), each kind of
piece in its own column (:data:`KINDS`: ``in:notes`` is a column filter, answered by the word
index alone), ``cjk`` the
CJK runs by trigram (substring search), ``docs_fts`` the title, author and site words.
``hl``: every highlight's whole record (the highlights view pages from it), with the columns its
filters and orders need; ``hl_words`` their folded quote, note and tags by trigram (the view's
filter words are substrings) -- see :mod:`.highlights`.

A file with another :data:`VERSION` is rebuilt from scratch.
"""

from __future__ import annotations

#: Bump when a table changes: the index is then rebuilt.
VERSION = 8

#: The kinds of piece, in the order of the word index's columns.
KINDS = ("text", "highlight", "note", "tag")

#: About how long a piece of article text is (characters).
CHUNK = 12000

TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    id INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    site TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '',
    archived INTEGER NOT NULL DEFAULT 0,
    title_fold TEXT NOT NULL DEFAULT '',
    list_fold TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL DEFAULT '',
    meta_hash TEXT NOT NULL DEFAULT '',
    shard_state TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    ref TEXT NOT NULL DEFAULT '',
    start INTEGER NOT NULL DEFAULT 0,
    "end" INTEGER NOT NULL DEFAULT 0,
    tags TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks (article_id, kind);
CREATE INDEX IF NOT EXISTS chunks_kind ON chunks (kind, start);
CREATE TABLE IF NOT EXISTS bodies (id INTEGER PRIMARY KEY, body BLOB NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5 (
    text, highlight, note, tag, content='', tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE IF NOT EXISTS cjk USING fts5 (body, tokenize='trigram');
CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5 (
    title, author, site, content='', tokenize='unicode61 remove_diacritics 2');
CREATE TABLE IF NOT EXISTS hl (
    id INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL,
    ref TEXT NOT NULL,
    created TEXT NOT NULL DEFAULT '',
    kind INTEGER NOT NULL DEFAULT 1,
    anchor TEXT NOT NULL DEFAULT 'ok',
    start INTEGER NOT NULL DEFAULT 0,
    title_key TEXT NOT NULL DEFAULT '',
    hay TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '',
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS hl_article ON hl (article_id);
CREATE INDEX IF NOT EXISTS hl_ref ON hl (ref);
CREATE INDEX IF NOT EXISTS hl_created ON hl (created, id, kind, anchor, tags);
CREATE INDEX IF NOT EXISTS hl_title ON hl (title_key, article_id, start, id, kind, anchor, tags);
CREATE VIRTUAL TABLE IF NOT EXISTS hl_words USING fts5 (
    hay, tags, content='hl', content_rowid='id', tokenize='trigram', detail='none');
"""

DROP = """
DROP TABLE IF EXISTS fts; DROP TABLE IF EXISTS cjk; DROP TABLE IF EXISTS docs_fts;
DROP TABLE IF EXISTS chunks; DROP TABLE IF EXISTS bodies; DROP TABLE IF EXISTS docs;
DROP TABLE IF EXISTS meta;
DROP TABLE IF EXISTS hl_words; DROP TABLE IF EXISTS hl;
"""
