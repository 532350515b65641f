"""Which article of the library is the work another tool names.

In order: the same URL (normalised: no ``utm_*`` parameters, no fragment, no ``www.``, either
scheme), the same identifier (ISBN, ASIN, KOReader's partial MD5), the same title and author
(normalised: case, punctuation, "Last, First", "(German Edition)", the subtitle) confirmed by
finding some of its quotes in the text; and when none of these, the article in which most of
its quotes are found.  That last look reads the library's bodies once per import, for all the
unmatched works together, with a cheap probe per quote in the raw Markdown before any parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from tuireader.core.bridge import ForeignWork
from tuireader.library.bridge.text import normalise_quote, normalise_text, probe
from tuireader.library.errors import StoreError
from tuireader.library.parse_cache import parsed

if TYPE_CHECKING:
    from tuireader.library.store import Store

HIGHLIGHTS_ONLY = "highlights-only"
LINK_ONLY = "link-only"
#: Quotes of a work tried when confirming a match or comparing candidates.
CONFIRM_QUOTES = 24
#: Texts kept in memory at once during an import (characters, all texts together).
TEXT_CACHE_CHARS = 48_000_000

_EDITION = re.compile(r"[(\[][^()\[\]]*(?:edition|ausgabe|édition|edición|edizione|edição|"
                      r"editie|kindle|版)[^()\[\]]*[)\]]", re.IGNORECASE)
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_FILE_SUFFIX = re.compile(r"\.(txt|md|markdown|epub|html?|pdf|mobi|azw3?)$", re.IGNORECASE)


def normalise_url(url: str) -> str:
    """A URL as compared: host without ``www.``, path without trailing slash, query without
    ``utm_*`` (sorted), no fragment, scheme ignored."""
    url = url.strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url if "//" in url else "//" + url)
        host = (parts.hostname or "").lower().removeprefix("www.")
        port = f":{parts.port}" if parts.port not in (None, 80, 443) else ""
    except ValueError:  # a port that is not a number, a broken IPv6 address
        return ""
    if not host or any(ch.isspace() for ch in host) or ("." not in host and host != "localhost"):
        return ""
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not k.lower().startswith("utm_")))
    return f"{host}{port}{parts.path.rstrip('/')}" + (f"?{query}" if query else "")


def normalise_title(title: str, *, main: bool = True) -> str:
    """The title, compared: no edition note, no file suffix, lower case, punctuation as
    spaces; ``main``: without its subtitle (after ":" or ";") too."""
    title = _FILE_SUFFIX.sub("", _EDITION.sub(" ", title))
    if main:
        title = re.split(r"[:;]", title, maxsplit=1)[0]
    return " ".join(_NON_WORD.sub(" ", title.casefold()).split())


def author_words(author: str) -> frozenset[str]:
    """The author's name as a set of words ("Melville, Herman" = "Herman Melville")."""
    return frozenset(w for w in _NON_WORD.sub(" ", author.casefold()).split() if len(w) > 1)


def same_work(title_a: str, author_a: str, title_b: str, author_b: str) -> bool:
    """Same main title, and authors that share a name (or one of them unknown)."""
    ta, tb = normalise_title(title_a), normalise_title(title_b)
    if not ta or ta != tb:
        return False
    aa, ab = author_words(author_a), author_words(author_b)
    return not aa or not ab or bool(aa & ab)


def work_key(title: str, author: str) -> str:
    """The source name of a work's highlights-only article (format-independent)."""
    words = " ".join(sorted(author_words(author)))
    return f"{HIGHLIGHTS_ONLY}:{normalise_title(title, main=False) or title.strip()}|{words}"


@dataclass
class Text:
    """An article's plain text, its normalised twin (same offsets) and its length."""

    plain: str
    norm: str


class Texts:
    """Articles' texts read once per import (bounded: the oldest dropped beyond a size)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._texts: dict[str, Text] = {}
        self._size = 0

    def get(self, article_id: str) -> Text:
        text = self._texts.get(article_id)
        if text is None:
            markdown = self.store.read_markdown(article_id)
            plain = parsed(self.store.body_path(article_id), markdown).plain_text
            text = Text(plain, normalise_text(plain))
            while self._texts and self._size + len(plain) > TEXT_CACHE_CHARS:
                _old_id, old = next(iter(self._texts.items()))
                del self._texts[_old_id]
                self._size -= len(old.plain)
            self._texts[article_id] = text
            self._size += len(plain)
        return text

    def forget(self, article_id: str) -> None:
        text = self._texts.pop(article_id, None)
        if text is not None:
            self._size -= len(text.plain)


def work_quotes(work: ForeignWork) -> list[str]:
    """The work's normalised quotes worth searching for (no placeholders, none too short)."""
    out = []
    for h in work.highlights:
        if h.warning:
            continue
        q = normalise_quote(h.quote)
        if len(q) >= 8:
            out.append(q)
    return out


def quotes_found(text: Text, quotes: Iterable[str]) -> int:
    return sum(1 for q in quotes if q in text.norm)


@dataclass
class Library:
    """The library's articles, indexed for matching (raw records: no objects made)."""

    records: dict[str, dict[str, Any]]
    by_url: dict[str, str] = field(default_factory=dict)
    by_identifier: dict[str, str] = field(default_factory=dict)
    by_title: dict[str, list[str]] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, store: Store) -> Library:
        lib = cls({str(r.get("id")): r for r in store.articles.records() if r.get("id")})
        for aid, r in lib.records.items():
            kind = str(r.get("kind") or "article")
            for url in (str(r.get("url") or ""), str(r.get("source") or "")):
                key = normalise_url(url) if "://" in url else ""
                if key:
                    lib.by_url.setdefault(key, aid)
            if kind == HIGHLIGHTS_ONLY:
                lib.by_key[str(r.get("source") or "")] = aid
                continue
            for ident in r.get("identifiers") or ():
                lib.by_identifier.setdefault(str(ident).casefold(), aid)
            title = normalise_title(str(r.get("title") or ""))
            if title:
                lib.by_title.setdefault(title, []).append(aid)
        return lib

    def kind(self, article_id: str) -> str:
        return str(self.records[article_id].get("kind") or "article")

    def add(self, article_id: str, record: dict[str, Any]) -> None:
        self.records[article_id] = record


@dataclass
class Match:
    article_id: str | None = None
    #: How: "url", "identifier", "title", "quotes"; "" when not found.
    by: str = ""
    #: The work's highlights-only article, when one exists (its highlights move to a real
    #: match).
    highlights_only: str | None = None


def match_work(lib: Library, texts: Texts, work: ForeignWork) -> Match:
    """The article the work is, by URL, identifier, title and author (confirmed by quotes);
    the scan by quotes is :func:`scan`, run for all the works left at once."""
    found = Match(highlights_only=lib.by_key.get(work_key(work.title, work.author)))
    url = normalise_url(work.url)
    if url and url in lib.by_url:
        found.article_id, found.by = lib.by_url[url], "url"
        return found
    for ident in work.identifiers:
        aid = lib.by_identifier.get(ident.casefold())
        if aid is not None:
            found.article_id, found.by = aid, "identifier"
            return found
    quotes = work_quotes(work)[:CONFIRM_QUOTES]
    for aid in lib.by_title.get(normalise_title(work.title), ()):
        r = lib.records[aid]
        if not same_work(work.title, work.author, str(r.get("title") or ""),
                         str(r.get("author") or "")):
            continue
        if lib.kind(aid) == LINK_ONLY or not quotes or _readable(texts, aid, quotes):
            found.article_id, found.by = aid, "title"
            return found
    return found


def _readable(texts: Texts, article_id: str, quotes: list[str]) -> bool:
    try:
        return quotes_found(texts.get(article_id), quotes) > 0
    except (OSError, StoreError):
        return False


def scan(store: Store, lib: Library, texts: Texts,
         works: list[tuple[ForeignWork, Match]]) -> None:
    """For works not matched yet: the article holding most of their quotes (set on each
    match).  Each article's raw Markdown is read once and probed for every work; only the
    articles a work's probes point at are parsed and counted."""
    wanted = []
    for work, m in works:
        quotes = work_quotes(work)
        probes = list(dict.fromkeys(p for p in (probe(q) for q in quotes[:CONFIRM_QUOTES]) if p))
        if probes:
            # A work with a highlights-only article looks only at what was added since.
            since = (str(lib.records[m.highlights_only].get("added") or "")
                     if m.highlights_only else "")
            wanted.append((work, m, quotes[:CONFIRM_QUOTES], probes[:6], since))
    if not wanted:
        return
    candidates: dict[int, list[str]] = {}
    for aid, r in lib.records.items():
        kind = str(r.get("kind") or "article")
        if kind in (HIGHLIGHTS_ONLY, LINK_ONLY):
            continue
        added = str(r.get("added") or "")
        todo = [i for i, w in enumerate(wanted) if not w[4] or added >= w[4]]
        if not todo:
            continue
        try:
            raw = normalise_text(store.read_markdown(aid))
        except (OSError, StoreError):
            continue
        for i in todo:
            probes = wanted[i][3]
            hits = sum(1 for p in probes if p in raw)
            if hits and hits * 3 >= len(probes):
                candidates.setdefault(i, []).append(aid)
    for i, aids in candidates.items():
        work, m, quotes, _probes, _since = wanted[i]
        best, best_n = None, 0
        for aid in aids:
            n = quotes_found(texts.get(aid), quotes) if _parsable(texts, aid) else 0
            if n > best_n:
                best, best_n = aid, n
        if best is not None and (best_n >= 2 or best_n * 2 >= len(quotes)):
            m.article_id, m.by = best, "quotes"


def _parsable(texts: Texts, article_id: str) -> bool:
    try:
        texts.get(article_id)
    except (OSError, StoreError):
        return False
    return True
