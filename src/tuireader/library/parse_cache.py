"""A cache of parsed documents (and their layout at one width) next to the article body.

Why: parsing a 5 MB Markdown book takes seconds, so without a cache the reader can only show the
top of a long article at once and must jump to the saved reading position (or the end) when the
parse gets there.  With the cache a later open has the whole Document -- and, at the same width,
every display line -- in well under 0.2 s, so the first screen shown is the saved position.
Short articles are cached too: reading their cache takes a millisecond or two, while importing
and running the Markdown parser costs ~50 ms of the app's start.

Format: one ``marshal`` blob (fast to read and write, no code execution on load, unlike pickle)
holding a format version, the digest of the Markdown it was made from, the plain text, each block
as a tuple of its fields (text is a slice of the plain text, so it is not stored twice) and,
optionally, the display lines at one width as flat tuples.  The cache is trusted only when the
version and the digest match; anything else -- missing, truncated, stale, from another Python --
makes :func:`load` return None and the caller parses (and rewrites it).  Writes go to a temporary
file that is renamed over the old one, so a reader never sees half a cache.

No Textual imports: this module is core and is tested without a terminal.
"""

from __future__ import annotations

import gc
import hashlib
import marshal
import os
from dataclasses import dataclass
from itertools import starmap
from pathlib import Path

from tuireader.core.document import BLOCK_SEP, Block, Document, Span, parse_markdown
from tuireader.core.layout import Line

#: Bump when Block, Span, Line or the parser's output changes: older caches are then ignored.
CACHE_VERSION = 1

#: marshal format version (4 is the newest that every supported Python reads and writes).
_MARSHAL_VERSION = 4


def digest(markdown: str) -> str:
    """Content key of a Markdown source (what a cache must have been made from)."""
    return hashlib.blake2b(markdown.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


#: Bodies' folder -> the folder their caches live in (per machine, see :func:`place_caches`).
_PLACES: dict[Path, Path] = {}


def place_caches(articles_dir: Path, cache_dir: Path) -> None:
    """Keep the caches of the bodies in ``articles_dir`` in ``cache_dir`` (the library's
    per-machine folder: a cache is derived, and must not travel with a synchronised folder)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    _PLACES[articles_dir] = cache_dir


def cache_path_for(body: Path) -> Path:
    """Where the cache of the article body ``articles/<id>.md`` lives: ``<id>.doc`` in the
    folder :func:`place_caches` named for its folder, else beside it (``articles/<id>.doc``)."""
    folder = _PLACES.get(body.parent)
    if folder is not None:
        return folder / f"{body.stem}.doc"
    return body.with_suffix(".doc")


@dataclass(slots=True)
class CachedDocument:
    """What a cache holds: the document and, when it was stored, its layout at ``width``."""

    document: Document
    width: int
    lines: list[Line] | None


#: A block as stored: kind, start, end, level, marker, quote depth, info, spans.
_BlockRecord = tuple[str, int, int, int, str, int, str,
                     tuple[tuple[int, int, str, str | None], ...]]


def _block_record(block: Block) -> _BlockRecord:
    spans = tuple((s.start, s.end, s.kind, s.url) for s in block.spans)
    return (block.kind, block.start, block.end, block.level, block.marker, block.quote_depth,
            block.info, spans)


def save(path: Path, key: str, blocks: list[Block], width: int = 0,
         lines: list[Line] | None = None) -> None:
    """Write the cache of a fully parsed document (``blocks`` from one parse) atomically.

    ``lines`` (all display lines at ``width``) are optional.  Raises OSError on failure.
    """
    plain = BLOCK_SEP.join(block.text for block in blocks)
    records = tuple(_block_record(block) for block in blocks)
    line_data = tuple(tuple(line) for line in lines) if lines is not None else None
    blob = marshal.dumps((CACHE_VERSION, key, plain, records, width, line_data),
                         _MARSHAL_VERSION)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(blob)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def save_parsed(body: Path, markdown: str, document: Document) -> None:
    """Cache ``document`` (the parse of ``markdown``) next to the article body ``body``.

    For the importer, which parses every article anyway: the first open in the app then needs
    no parse either (and, for every article, not even the Markdown parser's import: reading a
    cache is a few milliseconds, importing and running markdown-it tens).  Raises OSError when
    the cache cannot be written.
    """
    save(cache_path_for(body), digest(markdown), document.blocks)


def parsed(body: Path, markdown: str) -> Document:
    """The Document of ``markdown`` (the text of the article body ``body``): from its cache
    when that is valid, else parsed."""
    return parsed_at(cache_path_for(body), markdown)


def parsed_at(cache: Path, markdown: str) -> Document:
    """The Document of ``markdown``: from the cache file ``cache`` when that is valid, else
    parsed (for another process, which does not know where the caches are placed)."""
    cached = load(cache, digest(markdown))
    return cached.document if cached is not None else parse_markdown(markdown)


def load(path: Path, key: str) -> CachedDocument | None:
    """The cached document for Markdown with digest ``key``, or None if there is no valid one.

    A cache that cannot be read or does not match is ignored (the caller re-parses and
    overwrites it), so a damaged file costs one parse, never a crash.
    """
    # ~10^5 objects are made in one go: without the collector running over them again and
    # again as they are allocated this takes about half the time.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _load(path, key)
    finally:
        if enabled:
            gc.enable()


def _load(path: Path, key: str) -> CachedDocument | None:
    try:
        data = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    try:
        version, stored_key, plain, records, width, line_data = data
        if version != CACHE_VERSION or stored_key != key:
            return None
        blocks = [
            Block(kind, plain[start:end], start, end, level, marker, depth,
                  [Span(*span) for span in spans] if spans else [], info)
            for kind, start, end, level, marker, depth, info, spans in records
        ]
        lines = None if line_data is None else list(starmap(Line, line_data))
        document = Document.from_blocks(blocks, plain)
    except (TypeError, ValueError, IndexError):
        return None
    return CachedDocument(document, width, lines)
