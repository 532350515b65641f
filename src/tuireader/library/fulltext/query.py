"""The search language, parsed into a :class:`Query` and translated to safe SQL.

What a user may type::

    natasha                a word, any case, with or without diacritics ("Natásha")
    natash*                a word starting with it
    "war and peace"        a phrase (a closing quote is required)
    -war  -"a phrase"      leave out what has it
    war OR peace           either (OR binds the words on each side; all else must all match)
    in:text in:highlights in:notes in:tags      where to look (several: any of them)
    #tag                   article or highlight tagged with a tag starting with it (-#tag: not)
    a:word                 article title (author:word, site:word likewise)
    is:archived            archived articles only (-is:archived: the others)
    日本語                  CJK text, found by substring

User text never reaches SQLite as syntax: every word is cut into letters-and-digits tokens
(:func:`~.text.tokens`) and written back quoted, CJK runs are quoted or bound as LIKE
parameters with their wildcards escaped, and every value is a bound parameter.  Anything that
cannot be read raises :class:`QueryError` with a message for the user.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tuireader.library.fulltext.text import cjk_runs, tokens

#: The longest query read (characters), and the most terms in it.
MAX_QUERY = 1000
MAX_TERMS = 32

#: ``in:`` values -> the kinds of row they search.
WHERE = {"text": "text", "highlights": "highlight", "highlight": "highlight",
         "notes": "note", "note": "note", "tags": "tag", "tag": "tag"}


class QueryError(ValueError):
    """A query that cannot be searched; ``str(exc)`` says why, for the user."""


@dataclass(frozen=True)
class Term:
    """One searched word or phrase."""

    #: Folded words (a phrase when more than one).
    words: tuple[str, ...]
    #: CJK runs, each found by substring.
    cjk: tuple[str, ...] = ()
    #: The last word is a prefix (``natash*``).
    prefix: bool = False

    def fts(self) -> str:
        """The term in FTS5 syntax: its folded words, quoted (they hold letters and digits only)."""
        return '"' + " ".join(self.words) + '"' + (" *" if self.prefix else "")


@dataclass
class Query:
    """A parsed query: every group must match (a group is terms joined by OR), no excluded term
    may, and the filters hold."""

    text: str
    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)
    where: set[str] = field(default_factory=set)
    tags: list[str] = field(default_factory=list)
    not_tags: list[str] = field(default_factory=list)
    #: (column, folded words) filters on the article: title, author, site.
    fields: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    archived: bool | None = None

    @property
    def terms(self) -> list[Term]:
        """Every term that must (or may, in an OR) match: what snippets mark."""
        return [t for group in self.groups for t in group]

    @property
    def has_filters(self) -> bool:
        return bool(self.where or self.tags or self.not_tags or self.fields
                    or self.archived is not None)

    @property
    def empty(self) -> bool:
        return not self.groups and not self.has_filters


def parse(text: str) -> Query:
    """Read ``text`` (see the module's doc); QueryError when it cannot be."""
    if len(text) > MAX_QUERY:
        raise QueryError(f"the query is too long ({len(text):,} characters; at most "
                         f"{MAX_QUERY:,})")
    query = Query(text)
    pending_or = False
    count = 0
    for negated, raw, quoted in _lex(text):
        if raw == "OR" and not quoted and not negated:
            if not query.groups or pending_or:
                raise QueryError("OR goes between two words: war OR peace")
            pending_or = True
            continue
        if not quoted and _filter(query, raw, negated):
            if pending_or:
                raise QueryError("OR goes between two words, not before a filter")
            continue
        term = _term(raw, quoted)
        if term is None:
            if pending_or:
                raise QueryError("OR goes between two words: war OR peace")
            continue
        count += 1
        if count > MAX_TERMS:
            raise QueryError(f"too many words in the query (at most {MAX_TERMS})")
        if negated:
            if pending_or:
                raise QueryError("OR cannot join an excluded word (-word)")
            query.excluded.append(term)
        elif pending_or:
            query.groups[-1].append(term)
        else:
            query.groups.append([term])
        pending_or = False
    if pending_or:
        raise QueryError("OR goes between two words: war OR peace")
    if query.excluded and not query.groups and not query.has_filters:
        raise QueryError("add a word to search for: -word only leaves words out")
    return query


def _lex(text: str) -> list[tuple[bool, str, bool]]:
    """(negated, text, quoted) per token; a quote opens a phrase at the start of a token (or
    of a filter's value: ``a:"war and peace"``)."""
    out: list[tuple[bool, str, bool]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = text[i] == "-" and i + 1 < n and not text[i + 1].isspace()
        if negated:
            i += 1
        start = i
        if text[i] == '"':
            close = text.find('"', i + 1)
            if close < 0:
                raise QueryError('a quote is not closed: add the closing " (or remove it)')
            phrase = text[i + 1:close]
            i = close + 1
            if i < n and text[i] == "*":
                phrase += "*"
                i += 1
            out.append((negated, phrase, True))
            continue
        while i < n and not text[i].isspace():
            if text[i] == '"' and text[start:i].endswith(":"):
                close = text.find('"', i + 1)
                if close < 0:
                    raise QueryError('a quote is not closed: add the closing " (or remove it)')
                out.append((negated, text[start:i] + text[i + 1:close], False))
                i = close + 1
                break
            i += 1
        else:
            out.append((negated, text[start:i], False))
    return out


def _filter(query: Query, raw: str, negated: bool) -> bool:
    """Apply ``raw`` if it is a filter (True), else leave it to be a word (False)."""
    lower = raw.lower()
    if lower.startswith("in:"):
        value = lower[3:]
        if value not in WHERE or negated:
            raise QueryError("in: takes text, highlights, notes or tags (in:notes)")
        query.where.add(WHERE[value])
        return True
    if lower.startswith("is:"):
        if lower[3:] != "archived":
            raise QueryError("is: takes archived (is:archived, -is:archived)")
        query.archived = not negated
        return True
    if raw.startswith("#") and len(raw) > 1:
        tag = raw[1:].casefold()
        (query.not_tags if negated else query.tags).append(tag)
        return True
    for prefix, column in (("a:", "title"), ("author:", "author"), ("site:", "site")):
        if lower.startswith(prefix):
            words = tuple(w for w, _s, _e in tokens(raw[len(prefix):]))
            if not words:
                raise QueryError(f"{prefix} needs a word after it ({prefix}tolstoy)")
            if negated:
                raise QueryError(f"-{prefix} is not supported: search {prefix}word")
            query.fields.append((column, words))
            return True
    return False


def _term(raw: str, quoted: bool) -> Term | None:
    prefix = raw.endswith("*")
    body = raw.rstrip("*")
    if prefix and not body.strip():
        raise QueryError("* goes at the end of a word: natash* finds natasha")
    words = tuple(w for w, _s, _e in tokens(body))
    cjk = tuple(cjk_runs(body))
    if not words and not cjk:
        return None
    if len(words) > MAX_TERMS:
        raise QueryError(f"that phrase is too long (at most {MAX_TERMS} words)")
    return Term(words, cjk, prefix and bool(words))


# -- SQL ----------------------------------------------------------------------------------------


@dataclass
class Compiled:
    """The query as SQL: ``sql`` with ``params``; rows are (chunk id, article id, kind, ref,
    start, end, body, title, score)."""

    sql: str
    params: list[object]


COLUMNS = "c.id, c.article_id, c.kind, c.ref, c.start, c.\"end\", b.body, d.title, d.content_hash"


def compile_query(query: Query, limit: int) -> Compiled:
    """SQL over the index's tables (see :mod:`.schema`) for ``query``, best first."""
    conditions: list[str] = []
    params: list[object] = []
    latin = [g for g in query.groups if all(not t.cjk for t in g)]
    other = [g for g in query.groups if any(t.cjk for t in g)]
    match = " AND ".join("(" + " OR ".join(t.fts() for t in g) + ")" for g in latin)
    excluded_latin = [t for t in query.excluded if t.words and not t.cjk]
    if match and excluded_latin:
        match = f"({match}) NOT (" + " OR ".join(t.fts() for t in excluded_latin) + ")"
    elif excluded_latin:
        conditions.append("+c.id NOT IN (SELECT rowid FROM fts WHERE fts MATCH ?)")
        params.append(" OR ".join(t.fts() for t in excluded_latin))
    for group in other:
        alternatives = []
        for term in group:
            sql, values = _term_condition(term)
            alternatives.append(sql)
            params.extend(values)
        conditions.append("(" + " OR ".join(alternatives) + ")")
    for term in query.excluded:
        if term.cjk:
            sql, values = _term_condition(term)
            conditions.append(f"NOT {sql}")
            params.extend(values)
    if query.where and match:
        # Each kind is a column of the word index: the filter is the index's own.
        match = "{" + " ".join(sorted(query.where)) + "} : (" + match + ")"
    elif query.where:
        kinds = sorted(query.where)
        conditions.append(f"c.kind IN ({', '.join('?' * len(kinds))})")
        params.extend(kinds)
    for tag in query.tags:
        conditions.append("(c.tags LIKE ? ESCAPE '\\' OR d.tags LIKE ? ESCAPE '\\')")
        params += [_tag_pattern(tag)] * 2
    for tag in query.not_tags:
        conditions.append("NOT (c.tags LIKE ? ESCAPE '\\' OR d.tags LIKE ? ESCAPE '\\')")
        params += [_tag_pattern(tag)] * 2
    for column, words in query.fields:
        conditions.append("+d.id IN (SELECT rowid FROM docs_fts WHERE docs_fts MATCH ?)")
        params.append(f'{column} : "' + " ".join(words) + '" *')
    if query.archived is not None:
        conditions.append("d.archived = ?")
        params.append(1 if query.archived else 0)
    if not query.groups and not query.excluded and not query.where:
        # Filters alone: what they name, once each -- the pieces tagged so (an article's own
        # tags, a highlight's) for a tag, else each article's opening -- not every piece of
        # every article they hold.
        conditions.append("c.kind = 'tag'" if query.tags else "c.kind = 'text' AND c.start = 0")
    where = "".join(f" AND {c}" for c in conditions)
    if match and not conditions:
        # Ranked in the word index alone, then only the best looked up.
        sql = (f"SELECT {COLUMNS}, r.score FROM (SELECT rowid AS id, bm25(fts) AS score "
               "FROM fts WHERE fts MATCH ? ORDER BY score LIMIT ?) r "
               "CROSS JOIN chunks c ON c.id = r.id CROSS JOIN bodies b ON b.id = r.id "
               "CROSS JOIN docs d ON d.article_id = c.article_id ORDER BY r.score")
        return Compiled(sql, [match, limit])
    # The best are chosen first without the pieces' bodies (a sort carrying every match's
    # body took three times as long), then only theirs are read.
    if match:
        # CROSS JOIN: the word index drives (SQLite keeps the order written).
        sql = (f"SELECT {COLUMNS}, r.score FROM (SELECT c.id AS id, bm25(fts) AS score "
               "FROM fts CROSS JOIN chunks c ON c.id = fts.rowid "
               "CROSS JOIN docs d ON d.article_id = c.article_id "
               f"WHERE fts MATCH ?{where} ORDER BY score LIMIT ?) r "
               "CROSS JOIN chunks c ON c.id = r.id CROSS JOIN bodies b ON b.id = r.id "
               "CROSS JOIN docs d ON d.article_id = c.article_id ORDER BY r.score")
        return Compiled(sql, [match, *params, limit])
    sql = (f"SELECT {COLUMNS}, 0.0 AS score FROM (SELECT c.id AS id, d.title AS title "
           f"FROM chunks c JOIN docs d ON d.article_id = c.article_id WHERE 1{where} "
           "ORDER BY d.title, c.article_id, c.start, c.id LIMIT ?) r "
           "CROSS JOIN chunks c ON c.id = r.id CROSS JOIN bodies b ON b.id = r.id "
           "CROSS JOIN docs d ON d.article_id = c.article_id "
           "ORDER BY d.title, c.article_id, c.start, c.id")
    return Compiled(sql, [*params, limit])


def _term_condition(term: Term) -> tuple[str, list[object]]:
    """A term with CJK runs: each run by substring in the trigram table (3+ characters through
    its index, shorter ones by LIKE), its other words through the word index."""
    parts: list[str] = []
    values: list[object] = []
    for run in term.cjk:
        if len(run) >= 3:
            parts.append("+c.id IN (SELECT rowid FROM cjk WHERE cjk MATCH ?)")
            values.append('"' + run + '"')
        else:
            parts.append("+c.id IN (SELECT rowid FROM cjk WHERE body LIKE ? ESCAPE '\\')")
            values.append("%" + _like_escape(run) + "%")
    if term.words:
        parts.append("+c.id IN (SELECT rowid FROM fts WHERE fts MATCH ?)")
        values.append(term.fts())
    return "(" + " AND ".join(parts) + ")", values


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


#: Separates tags in the index's tag columns (tags are folded, never contain it).
TAG_SEP = "\x1f"


def _tag_pattern(tag: str) -> str:
    """LIKE pattern: a tag starting with ``tag`` (as the highlights view's ``#tag``)."""
    return "%" + TAG_SEP + _like_escape(tag) + "%"
