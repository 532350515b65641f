"""Searching every highlight of a library as you type.

The highlights view holds tens of thousands of highlights and filters on every keystroke, so the
search runs on plain parallel lists (:class:`RowSet`: records, folded text, titles, tags, kinds
and anchor states), and makes a
:class:`~tuireader.core.model.Highlight`
object only for a row that is drawn or edited.  When the new
query only adds to the previous one, only the previous matches are searched again.

Query terms (all must match): plain words (in the quote, note, tags or article title), ``#tag``
(a tag starting with it), ``c:green`` or ``c:2`` (colour), ``a:word`` (article title),
``is:orphan`` / ``is:fuzzy`` / ``is:ok`` (anchor state).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tuireader.core.model import KINDS, Highlight

KIND_NAMES = {name: kind for kind, (name, _glyph) in KINDS.items()}
SEP = "\0"


@dataclass(slots=True)
class HighlightIndex:
    """Every highlight of a library as parallel lists, article by article in text order (what
    :meth:`~tuireader.library.store.Store.highlight_index` returns and :meth:`RowSet.from_index`
    turns into rows)."""

    #: The store's raw highlight records (read-only).
    records: list[dict[str, Any]]
    #: Per record: quote, note and tags, case-folded, NUL-separated (see :func:`haystack`).
    haystacks: list[str]
    #: (article id, how many consecutive records are that article's), in order.
    runs: list[tuple[str, int]]
    #: Per record, for filters: folded tags (see :func:`tags_text`), colour and anchor state.
    tag_texts: list[str]
    kinds: list[int]
    anchors: list[str]


class Row:
    """One highlight as the view draws and edits it: made on demand, for a drawn or chosen row."""

    __slots__ = ("_record", "article_title")

    def __init__(self, record: dict[str, Any], article_title: str) -> None:
        self._record = record
        self.article_title = article_title

    @property
    def highlight(self) -> Highlight:
        return Highlight.from_record(self._record)

    @property
    def highlight_id(self) -> str:
        return str(self._record.get("id"))

    @property
    def article_id(self) -> str:
        return str(self._record.get("article_id"))


def haystack(record: dict[str, Any]) -> str:
    """A highlight record's search text: quote, note and tags, case-folded, NUL-separated (a
    search never matches across two fields)."""
    return SEP.join([str(record.get("exact", "")), str(record.get("note", "")),
                     *(str(t) for t in record.get("tags") or ())]).casefold()


def tags_text(tags: Iterable[object]) -> str:
    """Tags folded, each preceded by NUL (so ``NUL + prefix`` finds a tag prefix); "" for none."""
    return (SEP + SEP.join(map(str, tags))).casefold() if tags else ""


def record_columns(records: list[dict[str, Any]]) -> tuple[list[str], list[int], list[str]]:
    """Per raw highlight record: folded tags, colour (1-5; anything else in a hand-edited file
    counts as 1) and anchor state.  The store builds them per shard, in its preload."""
    tag_texts = [tags_text(r.get("tags") or ()) for r in records]
    kinds = [k if type(k) is int and k in KINDS else 1 for k in (r.get("kind", 1) for r in records)]
    anchors = [str(r.get("anchor", "ok")) for r in records]
    return tag_texts, kinds, anchors


class RowSet:
    """Every row of the highlights view as parallel columns.

    50,000 rows are three lists of references (the store's highlight records -- or the record of
    an edited highlight --, their folded search text, their article's title): no object per row
    is made to open, sort or filter the view, only a :class:`Row` for a row drawn or chosen.
    The columns the other filters need (tags, colour, anchor state, folded titles) come
    prebuilt from the store, or are built the first time a query asks for them.
    """

    __slots__ = ("_columns", "haystacks", "records", "titles")

    def __init__(self, records: list[dict[str, Any]], haystacks: list[str],
                 titles: list[str]) -> None:
        self.records = records
        self.haystacks = haystacks
        self.titles = titles
        self._columns: dict[str, list[Any]] = {}

    @classmethod
    def from_index(cls, index: HighlightIndex, titles: dict[str, str]) -> RowSet:
        """Rows for the store's :meth:`~tuireader.library.store.Store.highlight_index`."""
        row_titles: list[str] = []
        for article_id, count in index.runs:
            row_titles += [titles.get(article_id, "")] * count
        rows = cls(list(index.records), index.haystacks, row_titles)
        rows._columns.update(zip(("tags", "kinds", "anchors"),
                                 (index.tag_texts, index.kinds, index.anchors), strict=True))
        return rows

    @classmethod
    def from_highlights(cls, pairs: Iterable[tuple[Highlight, str]]) -> RowSet:
        """Rows for (highlight, article title) pairs."""
        records = []
        titles = []
        for h, title in pairs:
            records.append(h.to_record())
            titles.append(title)
        return cls(records, [haystack(r) for r in records], titles)

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index: int) -> Row:
        return Row(self.records[index], self.titles[index])

    def highlight_id(self, index: int) -> str:
        return str(self.records[index].get("id"))

    def showing(self, shown: list[int]) -> None:
        """The table shows these rows now (nothing to do: every row is in memory)."""

    def position(self, highlight_id: str, shown: list[int]) -> int | None:
        """Where highlight ``highlight_id`` is in ``shown`` (None: not there)."""
        records = self.records
        return next((n for n, i in enumerate(shown)
                     if str(records[i].get("id")) == highlight_id), None)

    def _record_column(self, name: str) -> list[Any]:
        """One of the columns :func:`record_columns` makes (all three made on first use)."""
        if name not in self._columns:
            self._columns.update(zip(("tags", "kinds", "anchors"),
                                     record_columns(self.records), strict=True))
        return self._columns[name]

    @property
    def tag_texts(self) -> list[str]:
        """Per row: :func:`tags_text` of its tags."""
        return self._record_column("tags")

    @property
    def kinds(self) -> list[int]:
        """Per row: the colour (1-5)."""
        return self._record_column("kinds")

    @property
    def anchors(self) -> list[str]:
        """Per row: the anchor state (ok, fuzzy, orphan)."""
        return self._record_column("anchors")

    @property
    def folded_titles(self) -> list[str]:
        """Per row: its article's title, case-folded."""
        folded = self._columns.get("titles")
        if folded is None:
            cache = {title: title.casefold() for title in set(self.titles)}
            folded = self._columns["titles"] = [cache[title] for title in self.titles]
        return folded

    def prepare(self) -> None:
        """Build every column a query can need now (in a worker, before the first keystroke),
        so that no keystroke pays for one."""
        self._record_column("tags")
        _ = self.folded_titles

    def _permuted(self, order: list[int]) -> RowSet:
        records, haystacks, titles = self.records, self.haystacks, self.titles
        rows = RowSet([records[i] for i in order], [haystacks[i] for i in order],
                      [titles[i] for i in order])
        for name, column in self._columns.items():
            rows._columns[name] = [column[i] for i in order]
        return rows

    def newest_first(self) -> RowSet:
        created = [str(r.get("created", "")) for r in self.records]
        return self._permuted(sorted(range(len(created)), key=created.__getitem__,
                                     reverse=True))

    def by_article(self) -> RowSet:
        keys = [(title, str(r.get("article_id")), _start(r))
                for title, r in zip(self.folded_titles, self.records, strict=True)]
        return self._permuted(sorted(range(len(keys)), key=keys.__getitem__))

    def with_article(self, article_id: str, highlights: list[Highlight], title: str) -> RowSet:
        """These rows with ``article_id``'s rows replaced by its current ``highlights``:
        kept ones stay where they were (with the edit), deleted ones go, new ones come last.
        Only the article's rows are computed again (an edit in a view of 50,000)."""
        fresh = {h.id: h.to_record() for h in highlights}
        keep: list[int] = []
        edited: list[tuple[int, dict[str, Any]]] = []
        for i, record in enumerate(self.records):
            if str(record.get("article_id")) != article_id:
                keep.append(i)
            elif (new := fresh.pop(str(record.get("id")), None)) is not None:
                edited.append((len(keep), new))
                keep.append(i)
        rows = self._permuted(keep)
        for position, record in edited:
            rows._put(position, record, title)
        for record in fresh.values():
            rows._put(None, record, title)
        return rows

    def _put(self, position: int | None, record: dict[str, Any], title: str) -> None:
        """Set the row at ``position`` (None: a new last row) in every column."""
        tags, kinds, anchors = record_columns([record])
        values = {"tags": tags[0], "kinds": kinds[0], "anchors": anchors[0],
                  "titles": title.casefold()}
        columns: list[tuple[list[Any], object]] = [
            (self.records, record), (self.haystacks, haystack(record)), (self.titles, title)]
        columns += [(column, values[name]) for name, column in self._columns.items()]
        for column, value in columns:
            if position is None:
                column.append(value)
            else:
                column[position] = value


def _start(record: dict[str, Any]) -> int:
    value = record.get("start", 0)
    return value if isinstance(value, int) else 0


def filter_rows(rows: RowSet, query: str, within: Sequence[int] | None = None) -> list[int]:
    """Indices (into ``rows``) of the rows matching every term of ``query``, in order.

    ``within``: only consider these indices (the matches of a query this one extends).
    """
    terms = query_terms(query)
    candidates: list[int] = list(range(len(rows)) if within is None else within)
    for term in terms:
        kind = term_kind(term)
        if kind == "tag":
            needle = SEP + term[1:]
            tags = rows.tag_texts
            candidates = [i for i in candidates if needle in tags[i]]
        elif kind == "colour":
            value = term[2:]
            wanted = int(value) if value.isdigit() else KIND_NAMES.get(value, 0)
            kinds = rows.kinds
            candidates = [i for i in candidates if kinds[i] == wanted]
        elif kind == "title":
            word = term[2:]
            folded = rows.folded_titles
            candidates = [i for i in candidates if word in folded[i]]
        elif kind == "state":
            state = term[3:]
            anchors = rows.anchors
            candidates = [i for i in candidates if anchors[i] == state]
        else:
            hays, folded = rows.haystacks, rows.folded_titles
            candidates = [i for i in candidates if term in hays[i] or term in folded[i]]
    return candidates


#: A filter's operators alone: the start of a term being typed (``#`` before ``#idea``), which
#: filters nothing yet (a search for the character itself would empty the list at each ``#``).
BARE_OPERATORS = frozenset({"#", "c:", "a:", "is:"})


def query_terms(query: str) -> list[str]:
    """The terms of a filter, folded; an operator alone is no term (see
    :data:`BARE_OPERATORS`)."""
    return [t for t in query.casefold().split() if t not in BARE_OPERATORS]


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
    changes kind or compares exactly (colour, state).
    """
    old, new = query_terms(previous), query_terms(query)
    if not old or len(new) < len(old) or old[:-1] != new[: len(old) - 1]:
        return False
    last_old, last_new = old[-1], new[len(old) - 1]
    kind = term_kind(last_old)
    if kind != term_kind(last_new):
        return False
    if kind in ("colour", "state"):
        return last_old == last_new
    return last_new.startswith(last_old)
