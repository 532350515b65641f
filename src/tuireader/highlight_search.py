"""Searching every highlight of a library as you type.

The highlights view holds tens of thousands of highlights and filters on every keystroke, so the
search runs on plain parallel lists (folded text, tags, kinds, titles) built once, and makes a
:class:`~tuireader.model.Highlight` object only for a row that is drawn or edited.  When the new
query only adds to the previous one, only the previous matches are searched again.

Query terms (all must match): plain words (in the quote, note, tags or article title), ``#tag``
(a tag starting with it), ``c:green`` or ``c:2`` (colour), ``a:word`` (article title),
``is:orphan`` / ``is:fuzzy`` / ``is:ok`` (anchor state).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from tuireader.model import KINDS, Highlight

KIND_NAMES = {name: kind for kind, (name, _glyph) in KINDS.items()}
SEP = "\0"


class Row:
    """One highlight as the view shows and searches it."""

    __slots__ = ("_highlight", "_record", "_tag_text", "article_title", "haystack")

    def __init__(self, record: dict[str, Any] | None, highlight: Highlight | None,
                 article_title: str, haystack: str) -> None:
        self._record = record
        self._highlight = highlight
        self.article_title = article_title
        self.haystack = haystack
        self._tag_text: str | None = None

    @property
    def tag_text(self) -> str:
        """The tags, folded, each preceded by NUL (so ``NUL + prefix`` finds a tag prefix)."""
        if self._tag_text is None:
            if self._highlight is not None:
                tags: Any = self._highlight.tags
            else:
                tags = (self._record or {}).get("tags") or ()
            self._tag_text = (SEP + SEP.join(str(t) for t in tags)).casefold()
        return self._tag_text

    @property
    def highlight(self) -> Highlight:
        if self._highlight is None:
            assert self._record is not None
            self._highlight = Highlight.from_record(self._record)
        return self._highlight

    @property
    def highlight_id(self) -> str:
        return self._highlight.id if self._highlight is not None else str(self._record["id"])  # type: ignore[index]

    @property
    def article_id(self) -> str:
        if self._highlight is not None:
            return self._highlight.article_id
        return str(self._record["article_id"])  # type: ignore[index]

    @property
    def created(self) -> str:
        if self._highlight is not None:
            return self._highlight.created
        return str(self._record.get("created", ""))  # type: ignore[union-attr]

    @property
    def start(self) -> int:
        if self._highlight is not None:
            return self._highlight.start
        value = self._record.get("start", 0)  # type: ignore[union-attr]
        return value if isinstance(value, int) else 0

    @property
    def kind(self) -> int:
        if self._highlight is not None:
            return self._highlight.kind
        value = self._record.get("kind", 1)  # type: ignore[union-attr]
        return value if isinstance(value, int) and value in KINDS else 1

    @property
    def anchor(self) -> str:
        if self._highlight is not None:
            return self._highlight.anchor
        return str(self._record.get("anchor", "ok"))  # type: ignore[union-attr]


def _title_hay(title: str) -> str:
    return SEP + title.casefold()


def row_from_record(record: dict[str, Any], haystack: str, article_title: str) -> Row:
    """A row from the store's raw record and its folded quote/note/tags text."""
    return Row(record, None, article_title, haystack + _title_hay(article_title))


def make_row(h: Highlight, article_title: str) -> Row:
    """A row from a :class:`Highlight` (after an edit)."""
    hay = SEP.join([h.exact, h.note, *h.tags]).casefold()
    return Row(None, h, article_title, hay + _title_hay(article_title))


def rows_from_index(index: Iterable[tuple[dict[str, Any], str]],
                    titles: dict[str, str]) -> list[Row]:
    """Rows for the store's ``highlight_index()`` (the article titles folded once each)."""
    folded = {aid: _title_hay(title) for aid, title in titles.items()}
    rows: list[Row] = []
    append = rows.append
    for record, hay in index:
        aid = record.get("article_id")
        append(Row(record, None, titles.get(aid, ""), hay + folded.get(aid, SEP)))  # type: ignore[arg-type]
    return rows


def filter_rows(rows: Sequence[Row], query: str,
                within: Sequence[int] | None = None) -> list[int]:
    """Indices (into ``rows``) of the rows matching every term of ``query``, in order.

    ``within``: only consider these indices (the matches of a query this one extends).
    """
    terms = query.casefold().split()
    candidates: list[int] = list(range(len(rows)) if within is None else within)
    for term in terms:
        kind = term_kind(term)
        if kind == "tag":
            needle = SEP + term[1:]
            candidates = [i for i in candidates if needle in rows[i].tag_text]
        elif kind == "colour":
            value = term[2:]
            wanted = int(value) if value.isdigit() else KIND_NAMES.get(value, 0)
            candidates = [i for i in candidates if rows[i].kind == wanted]
        elif kind == "title":
            word = term[2:]
            candidates = [i for i in candidates if word in rows[i].article_title.casefold()]
        elif kind == "state":
            state = term[3:]
            candidates = [i for i in candidates if rows[i].anchor == state]
        else:
            candidates = [i for i in candidates if term in rows[i].haystack]
    return candidates


def term_kind(term: str) -> str:
    """What a query term searches: "tag", "colour", "title", "state" or "text"."""
    if term.startswith("#") and len(term) > 1:
        return "tag"
    if term.startswith("c:") and len(term) > 2:
        return "colour"
    if term.startswith("a:") and len(term) > 2:
        return "title"
    if term.startswith("is:") and len(term) > 3:
        return "state"
    return "text"


def extends(previous: str, query: str) -> bool:
    """True if every match of ``query`` is also a match of ``previous`` (the user typed on).

    Earlier terms must be unchanged; the last old term may have grown if it searches the same
    thing by substring (text, tag, title): ``th`` → ``the``, ``#id`` → ``#idea``.  Not when it
    changes kind (``#`` is a text term, ``#d`` a tag term) or compares exactly (colour, state).
    """
    old, new = previous.casefold().split(), query.casefold().split()
    if not old or len(new) < len(old) or old[:-1] != new[: len(old) - 1]:
        return False
    last_old, last_new = old[-1], new[len(old) - 1]
    kind = term_kind(last_old)
    if kind != term_kind(last_new):
        return False
    if kind in ("colour", "state"):
        return last_old == last_new
    return last_new.startswith(last_old)
