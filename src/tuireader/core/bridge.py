"""What an import from another tool carries, before it meets the library.

Every reader of another tool's files (Kindle's ``My Clippings.txt``, KOReader sidecars,
Readwise CSV, Hypothesis JSON, Omnivore / Pocket / Instapaper / wallabag exports) turns the file
into a :class:`ForeignExport`: the works it names, each with its highlights, and every entry it
had to skip with the reason.  The library side then finds each work in the library (or makes
one), anchors the highlights in its text, and counts what it did.  Pure data: no I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tuireader.core.model import ImportedArticle


@dataclass
class Position:
    """Where the source says a highlight is: priors for anchoring, never trusted alone.

    Any subset may be known.  ``fraction`` is how far through the work (a Kindle location over
    the book's last location, a page over the page count); ``spine_index`` (1-based) and
    ``spine_offset`` come from an EPUB position (KOReader's ``/body/DocFragment[N]``);
    ``start``/``end`` are a TextPositionSelector and ``prefix``/``suffix`` a
    TextQuoteSelector's context (Hypothesis, wallabag ranges).
    """

    fraction: float | None = None
    spine_index: int | None = None
    spine_offset: int | None = None
    start: int | None = None
    end: int | None = None
    prefix: str = ""
    suffix: str = ""


@dataclass
class ForeignHighlight:
    """One highlight as another tool kept it."""

    quote: str
    note: str = ""
    tags: list[str] = field(default_factory=list)
    #: tuireader's colour (1-5, see ``model.KINDS``) the source's colour maps to.
    kind: int = 1
    #: ISO 8601 creation time from the source ("" when it had none or it did not parse).
    created: str = ""
    #: The source's own words for where it is ("Loc. 145-146", "page 12", an xpointer).
    location: str = ""
    #: The chapter's title, when the source names it (KOReader does).
    chapter: str = ""
    #: The tool it was first made in when the file says so and it is not the format's own
    #: (a tuireader W3C export's ``tuireader:origin``); "" = the format's.
    origin: str = ""
    position: Position = field(default_factory=Position)
    #: A warning to keep with it (Kindle's clipping-limit placeholder: an orphan on purpose).
    warning: str = ""


@dataclass
class ForeignWork:
    """A book or page another tool knew, with what the user made of it there."""

    title: str
    author: str = ""
    url: str = ""
    #: "scheme:value" identifiers ("isbn:…", "asin:…", "md5:…" for KOReader's partial checksum).
    identifiers: list[str] = field(default_factory=list)
    language: str = ""
    highlights: list[ForeignHighlight] = field(default_factory=list)
    #: Notes on the whole work (Hypothesis page notes, Readwise rows with a note and no quote).
    notes: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    archived: bool = False
    #: Reading progress 0.0-1.0, when the source kept it.
    progress: float | None = None
    added: str = ""
    published: str = ""
    #: The text, when the export carried it (Omnivore's readable copy, wallabag's content) or
    #: once it was fetched; None for an entry that names its page only (Pocket, Instapaper).
    content: ImportedArticle | None = None
    #: Why the page's text is missing, when it was fetched and failed (a link-only article).
    missing_reason: str = ""
    #: Where in the file it was (for messages): "record 12", "line 40", a file name.
    where: str = ""


@dataclass
class Skip:
    """An entry left out, and why (counted and reported, never silent)."""

    reason: str
    where: str = ""


@dataclass
class ForeignExport:
    """What one file (or folder) of another tool held."""

    #: The format's name ("kindle", "koreader", "readwise", "hypothesis", "omnivore", ...).
    format: str
    works: list[ForeignWork] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    #: Entries counted but not imported by design (Kindle bookmarks), by what they are.
    ignored: dict[str, int] = field(default_factory=dict)
