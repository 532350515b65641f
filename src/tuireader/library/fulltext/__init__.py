"""Full-text search over a whole library: articles, highlights, notes and tags.

An SQLite FTS5 index (Python's own ``sqlite3``), derived from the library and kept beside it on
this machine (:mod:`.location`), updated by the store's write paths, caught up after a crash
(:mod:`.service`), searched with a small query language (:mod:`.query`).
"""

from __future__ import annotations

from tuireader.library.fulltext.hits import Hit, Results
from tuireader.library.fulltext.location import default_index_path
from tuireader.library.fulltext.match import Matcher
from tuireader.library.fulltext.query import Query, QueryError, parse
from tuireader.library.fulltext.service import FullText

__all__ = ["FullText", "Hit", "Matcher", "Query", "QueryError", "Results", "default_index_path",
           "parse"]
