"""The data model: articles and highlights, as plain dataclasses.

No Textual imports here: the model is shared by the store, the importers, the export code, the
command line and the App.  Records are serialised to plain JSON-able dicts for TinyDB with
:meth:`to_record` / :meth:`from_record`; unknown keys in a record are ignored (so an older program
can read a file written by a newer one that only *added* fields), missing keys take defaults.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

if TYPE_CHECKING:
    from tuireader.core.document import Document

AnchorStatus = Literal["ok", "fuzzy", "orphan"]
ANCHOR_STATUSES: tuple[str, ...] = ("ok", "fuzzy", "orphan")

#: Highlight kinds 1-5: name, and a glyph drawn in the margin so a kind reads without colour.
KINDS: dict[int, tuple[str, str]] = {
    1: ("yellow", "●"),
    2: ("green", "▲"),
    3: ("blue", "■"),
    4: ("red", "◆"),
    5: ("purple", "★"),
}

#: Characters of context kept on each side of a highlight's quote (TextQuoteSelector prefix/suffix).
CONTEXT_CHARS = 32


def now_iso() -> str:
    """The current UTC time as an ISO 8601 string with seconds precision."""
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def new_id() -> str:
    """A short random id (8 hex digits): readable on the command line, unique in practice.

    The CLI accepts any unique prefix, like git does.
    """
    return secrets.token_hex(4)


_R = TypeVar("_R", bound="_Record")


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_FIELD_SETS: dict[type, frozenset[str]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    """The dataclass's field names, computed once per class: records are converted once per
    stored highlight (thousands of times for a library-wide query)."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(cls))
        _FIELD_NAMES[cls] = names
        _FIELD_SETS[cls] = frozenset(names)
    return names


class _Record:
    """Shared (de)serialisation for the dataclasses below.

    Written by hand rather than with ``dataclasses.asdict`` and a generic loop: both run for
    every record a query returns, and the plain version is several times faster.
    """

    _list_fields: ClassVar[tuple[str, ...]] = ()
    _dict_fields: ClassVar[tuple[str, ...]] = ()

    def to_record(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in _field_names(type(self))}
        for key in self._list_fields:
            data[key] = list(data[key])
        for key in self._dict_fields:
            data[key] = dict(data[key])
        return data

    @classmethod
    def from_record(cls: type[_R], record: dict[str, Any]) -> _R:
        names = _field_names(cls)
        if record.keys() == _FIELD_SETS[cls]:
            # Exactly our fields (every record this version wrote): skip the generated
            # __init__, which doubles the cost, but run the same checks.
            kwargs = dict(record)
        else:
            kwargs = {key: record[key] for key in names if key in record}
        for key in cls._list_fields:
            if key in kwargs:
                value = kwargs[key]
                kwargs[key] = [str(v) for v in value] if isinstance(value, list) else []
        for key in cls._dict_fields:
            if key in kwargs:
                value = kwargs[key]
                kwargs[key] = ({str(k): str(v) for k, v in value.items()}
                               if isinstance(value, dict) else {})
        if len(kwargs) < len(names):
            return cls(**kwargs)  # fields missing: the constructor fills in the defaults
        obj = cls.__new__(cls)
        obj.__dict__ = kwargs
        obj.__post_init__()
        return obj

    def __post_init__(self) -> None:
        """Subclasses repair out-of-range values here (also run by :meth:`from_record`)."""


@dataclass
class Article(_Record):
    """One article in the library.  Its Markdown body lives in its own file, not in the database."""

    _list_fields: ClassVar[tuple[str, ...]] = ("tags", "identifiers")

    id: str
    title: str
    author: str = ""
    #: Where it came from: a URL, or an absolute file path, or "-" for standard input.
    source: str = ""
    #: The canonical URL when the page named one (may differ from ``source``).
    url: str = ""
    site: str = ""
    published: str = ""
    language: str = ""
    added: str = field(default_factory=now_iso)
    word_count: int = 0
    char_count: int = 0
    #: sha256 of the stored Markdown: the same content added twice is reported as "exists".
    content_hash: str = ""
    tags: list[str] = field(default_factory=list)
    #: Reading position: a character offset into the article's plain text.
    position: int = 0
    #: Reading progress, 0.0-1.0, as last shown in the reader.
    progress: float = 0.0
    last_opened: str = ""
    #: What the text is: "article" (a page or file), "book" (an EPUB), "highlights-only" (made
    #: by an import of highlights whose work is not in the library: the quotes are its text) or
    #: "link-only" (an imported entry whose page could not be fetched: title and URL only).
    kind: str = "article"
    #: Identifiers of the work, each "scheme:value" ("isbn:9780...", "uuid:...", "asin:...",
    #: "md5:..." for KOReader's partial checksum): how imports from other tools find it.
    identifiers: list[str] = field(default_factory=list)
    publisher: str = ""
    series: str = ""
    #: Archived articles are hidden from the default list (an imported "read"/"archive" state).
    archived: bool = False
    #: The reader's note on the whole article (imported page notes, article notes).
    note: str = ""


@dataclass
class Highlight(_Record):
    """A highlighted passage, anchored to the article's plain text.

    The anchor follows the W3C Web Annotation model: a TextPositionSelector (``start``/``end``,
    character offsets into the plain text) plus a TextQuoteSelector (``exact`` with ``prefix`` and
    ``suffix`` context) that lets the highlight be found again when the text changes.
    """

    _list_fields: ClassVar[tuple[str, ...]] = ("tags",)
    _dict_fields: ClassVar[tuple[str, ...]] = ("stamps",)

    id: str
    article_id: str
    start: int
    end: int
    exact: str
    prefix: str = ""
    suffix: str = ""
    kind: int = 1
    note: str = ""
    tags: list[str] = field(default_factory=list)
    created: str = field(default_factory=now_iso)
    updated: str = field(default_factory=now_iso)
    anchor: str = "ok"
    #: Where the highlight was made when not here: "kindle", "koreader", "readwise",
    #: "hypothesis", "omnivore", "wallabag" ... ("" for a highlight made in tuireader).
    origin: str = ""
    #: The source's own words for where it was ("Loc. 145-146", "page 12", an xpointer).
    origin_location: str = ""
    #: The chapter the source said it was in (KOReader's), "" when it said none.  A field of
    #: its own, not joined to ``origin_location``: that one is how a re-import recognises a
    #: highlight it brought before, so it must read as it always did.
    origin_chapter: str = ""
    #: The device (see ``library/device.py``) that made the last change ("" before sync).
    device: str = ""
    #: When each part last changed, for merging two machines' copies field by field: keys
    #: are field groups ("note", "kind", "anchor") and "#<tag>" per tag (see
    #: ``library/merge.py``); written by the store, never by the UI.
    stamps: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            self.kind = 1
        if self.anchor not in ANCHOR_STATUSES:
            self.anchor = "ok"

    @property
    def kind_name(self) -> str:
        return KINDS[self.kind][0]

    @property
    def glyph(self) -> str:
        return KINDS[self.kind][1]


def quote_selector(
    text: str, start: int, end: int, context: int = CONTEXT_CHARS
) -> tuple[str, str, str]:
    """``(prefix, exact, suffix)`` for ``text[start:end]``, with ``context`` chars each side."""
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    return text[max(0, start - context) : start], text[start:end], text[end : end + context]


def normalise_tag(tag: str) -> str:
    """Tags are stored trimmed, lower-cased, with inner whitespace runs folded to one '-', and
    without control characters (a tag is a label, never a place for terminal escapes)."""
    printable = "".join(ch if ch.isprintable() else " " for ch in tag)
    return "-".join(printable.strip().lower().split())



def make_highlight(article_id: str, text: str, start: int, end: int, kind: int = 1) -> Highlight:
    """A new highlight over ``text[start:end]`` with its quote and context."""
    prefix, exact, suffix = quote_selector(text, start, end)
    return Highlight(id=new_id(), article_id=article_id, start=start, end=end, exact=exact,
                     prefix=prefix, suffix=suffix, kind=kind)


@dataclass
class ImportedArticle:
    """An article as an importer made it, before it is stored."""

    title: str
    #: The article body as clean Markdown.
    markdown: str
    author: str = ""
    site: str = ""
    #: ISO 8601 date (or date-time) when known.
    published: str = ""
    language: str = ""
    #: Canonical URL when the page named one.
    url: str = ""
    #: Where it came from (absolute path, URL, or "-").
    source: str = ""
    excerpt: str = ""
    #: See :attr:`Article.kind`; an EPUB import makes a "book".
    kind: str = "article"
    identifiers: list[str] = field(default_factory=list)
    publisher: str = ""
    series: str = ""
    #: A book's spine: where each spine document's text lies in the article's plain text.
    spine: list[SpineItem] = field(default_factory=list)
    #: The importer's own parse of ``markdown`` (an EPUB's, made for its spine map) with the
    #: Markdown it was made from, so that the store does not parse the text again.  Set with
    #: :meth:`keep_parse`, read with :meth:`parsed`: a parse of any other text is never used.
    parse: tuple[str, Document] | None = field(default=None, repr=False, compare=False)

    def keep_parse(self, document: Document) -> None:
        """Keep ``document``, the parse of the current ``markdown``, for the store."""
        self.parse = (self.markdown, document)

    def parsed(self) -> Document | None:
        """The kept parse if it was made from exactly the current ``markdown``, else None.

        Cheap: the same string object (the usual case) compares at once, an equal copy by one
        memory comparison; a ``markdown`` changed after the parse (``dataclasses.replace``,
        an edit) no longer matches, and the caller parses."""
        if self.parse is None:
            return None
        source, document = self.parse
        return document if source == self.markdown and document.complete else None


@dataclass(frozen=True)
class SpineItem:
    """One document of an EPUB's spine and where its text lies in the article's plain text.

    ``index`` is 1-based, as KOReader's ``/body/DocFragment[N]`` counts; ``start``/``end`` are
    offsets into the article's plain text (``parse_markdown(markdown).plain_text``).  Kept with
    the article so positions from other tools (KOReader xpointers, EPUB CFIs) can be mapped.
    """

    index: int
    href: str
    start: int
    end: int
    title: str = ""

    def to_record(self) -> dict[str, Any]:
        return {"index": self.index, "href": self.href, "start": self.start, "end": self.end,
                "title": self.title}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> SpineItem:
        return cls(index=int(record["index"]), href=str(record.get("href") or ""),
                   start=int(record["start"]), end=int(record["end"]),
                   title=str(record.get("title") or ""))
