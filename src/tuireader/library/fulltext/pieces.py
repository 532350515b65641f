"""What of an article is indexed: its text cut in pieces, its highlights' quotes, notes and
tags, its own tags and note (:class:`Piece`); a piece made ready to store (:class:`Packed`); an
article's filter columns (:class:`Meta`)."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tuireader.library.fulltext.schema import CHUNK
from tuireader.library.fulltext.text import cjk_runs, maybe_cjk


@dataclass(frozen=True)
class Piece:
    """A searchable piece of an article: ``kind`` is text, highlight, note or tag."""

    kind: str
    body: str
    start: int = 0
    end: int = 0
    ref: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Packed:
    """A piece made ready to store: its body compressed (snippets are cut from it) and its CJK
    runs (what the trigram table indexes; "" when it has none).  Packing is most of the work
    of indexing a text outside SQLite, so a large build does it in another process."""

    piece: Piece
    blob: bytes
    cjk: str


def pack(pieces: Iterable[Piece]) -> list[Packed]:
    out: list[Packed] = []
    for p in pieces:
        data = p.body.encode("utf-8", "surrogatepass")
        runs = "\n".join(cjk_runs(p.body)) if maybe_cjk(data) else ""
        out.append(Packed(p, zlib.compress(data, 1), runs))
    return out


@dataclass(frozen=True)
class Meta:
    """An article's filter columns."""

    title: str
    author: str
    site: str
    tags: tuple[str, ...]
    archived: bool


def text_pieces(text: str, size: int = CHUNK) -> list[Piece]:
    """The article's plain text cut at line ends (else spaces) into pieces of about ``size``."""
    pieces: list[Piece] = []
    start, n = 0, len(text)
    while start < n:
        end = min(n, start + size)
        if end < n:
            cut = text.rfind("\n", start + size // 2, end)
            if cut < 0:
                cut = text.rfind(" ", start + size // 2, end)
            end = cut + 1 if cut >= 0 else end
        if text[start:end].strip():
            pieces.append(Piece("text", text[start:end], start, end))
        start = end
    return pieces


def meta_of(record: dict[str, Any]) -> tuple[Meta, str, str]:
    """An article record's filter columns, its own note, and a hash of both."""
    tags = tuple(str(t) for t in record.get("tags") or ())
    meta = Meta(str(record.get("title") or ""), str(record.get("author") or ""),
                str(record.get("site") or ""), tags, bool(record.get("archived")))
    return meta, str(record.get("note") or ""), meta_hash(record)


def meta_hash(record: dict[str, Any]) -> str:
    """A hash of an article record's filter columns and note (what :func:`meta_of` reads): the
    start check makes one per article, so it is made from the fields, no object built."""
    tags = "\x1e".join(str(t) for t in record.get("tags") or ())
    key = "\x1f".join((str(record.get("title") or ""), str(record.get("author") or ""),
                       str(record.get("site") or ""), tags,
                       "1" if record.get("archived") else "0", str(record.get("note") or "")))
    return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def shard_pieces(records: Iterable[dict[str, Any]]) -> list[Piece]:
    """Each highlight's quote, note and tags as pieces (at the highlight's range)."""
    pieces: list[Piece] = []
    for r in records:
        ref = str(r.get("id") or "")
        start, end = r.get("start", 0), r.get("end", 0)
        start = start if isinstance(start, int) else 0
        end = end if isinstance(end, int) else start
        tags = tuple(str(t) for t in r.get("tags") or ())
        if not ref:
            continue
        for kind, body in (("highlight", str(r.get("exact") or "")),
                           ("note", str(r.get("note") or "")), ("tag", " ".join(tags))):
            if body.strip():
                pieces.append(Piece(kind, body, start, end, ref, tags))
    return pieces
