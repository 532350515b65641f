"""Where an imported quote is in an article's text, with the source's position as a prior.

The quote is searched for in the normalised text (same offsets as the real one, see
:mod:`.text`).  Found exactly once (and not a scrap of a word or two): "ok".  Found several
times: the context the source kept (a TextQuoteSelector) decides through the anchoring engine,
else the source's position does when one copy is clearly the nearest ("fuzzy": right words,
place inferred).  Not found: the anchoring engine's fuzzy stage (:func:`core.anchoring.locate`)
with the position as its prior.  Nowhere: "orphan", kept with its quote.
"""

from __future__ import annotations

from dataclasses import dataclass

from tuireader.core.anchoring import locate
from tuireader.core.bridge import Position
from tuireader.core.model import Highlight as _Highlight
from tuireader.core.model import SpineItem, new_id
from tuireader.library.bridge.match import Text
from tuireader.library.bridge.text import dehyphenated, normalise_quote, normalise_text

#: Occurrences looked at when a quote repeats.
MAX_COPIES = 200
#: A quote this long (characters, and of four words or more) is distinctive on its own.
DISTINCT = 32
#: A quote this short (characters) and of fewer than three words is accepted only exactly,
#: once, near where the source puts it.
SHORT = 12


@dataclass
class Placed:
    start: int
    end: int
    #: "ok", "fuzzy" or "orphan".
    status: str


def prior(text: Text, position: Position, spine: list[SpineItem]) -> int | None:
    """The offset where the source puts the quote, when it says (None otherwise)."""
    n = len(text.plain)
    if position.start is not None and 0 <= position.start <= n:
        return position.start
    if position.spine_index is not None and spine:
        for item in spine:
            if item.index == position.spine_index:
                offset = max(0, position.spine_offset or 0)
                return min(item.start + offset, item.end)
    if position.fraction is not None:
        return int(max(0.0, min(1.0, position.fraction)) * n)
    return None


def _positions(norm: str, quote: str, lo: int = 0, hi: int | None = None) -> list[int]:
    out: list[int] = []
    end = len(norm) if hi is None else hi
    at = norm.find(quote, lo, end)
    while at != -1 and len(out) < MAX_COPIES:
        out.append(at)
        at = norm.find(quote, at + 1, end)
    return out


def _window(text: Text, q: str, near: int | None) -> tuple[int, int] | None:
    """Where to look first for a distinctive quote: around the source's position."""
    n, size = len(q), len(text.norm)
    if near is None or n < DISTINCT or len(q.split()) < 4:
        return None
    span = max(20_000, size * 6 // 100)
    return max(0, near - span), min(size, near + span + n)


def place(text: Text, quote: str, position: Position, spine: list[SpineItem]) -> Placed:
    """Where ``quote`` (as the source gave it) is in ``text``."""
    q = normalise_quote(quote)
    near = prior(text, position, spine)
    if not q or not text.norm:
        return Placed(near or 0, near or 0, "orphan")
    window = _window(text, q, near)
    variants = [c for c in (q, dehyphenated(q)) if c]
    if window is not None:
        # A long quote found once around where the source puts it is the one: looking there
        # first spares a pass over the whole book for most quotes.
        lo, hi = window
        for candidate in variants:
            hits = _positions(text.norm, candidate, lo, hi)
            if len(hits) == 1:
                return Placed(hits[0], hits[0] + len(candidate), "ok")
        spans = _spans(text.norm, q.split(" "), lo, hi)
        if len(spans) == 1:
            return Placed(spans[0][0], spans[0][1], "ok")
    for candidate in variants:
        found = _exact(text, candidate, position, near)
        if found is not None:
            return found
    found = _spaced(text, q, position, near)
    return found if found is not None else _fuzzy(text, q, position, near)


def _walk(norm: str, words: list[str], k: int, at: int) -> tuple[int, int] | None:
    """The span of ``words`` in ``norm`` when ``words[k]`` is at ``at`` and the words around
    it follow with one or more spaces between them (None if they do not)."""
    pos = at
    for i, w in enumerate(words[k:]):
        if i:
            if pos >= len(norm) or norm[pos] != " ":
                return None
            while pos < len(norm) and norm[pos] == " ":
                pos += 1
        if not norm.startswith(w, pos):
            return None
        pos += len(w)
    end, pos = pos, at
    for w in reversed(words[:k]):
        if pos == 0 or norm[pos - 1] != " ":
            return None
        while pos > 0 and norm[pos - 1] == " ":
            pos -= 1
        if not norm.endswith(w, 0, pos):
            return None
        pos -= len(w)
    return pos, end


def _spans(norm: str, words: list[str], lo: int = 0, hi: int | None = None
           ) -> list[tuple[int, int]]:
    """Where ``words`` occur in order, any run of spaces between them (starting in lo:hi)."""
    found: list[tuple[int, int]] = []
    if len(words) < 3:
        return found
    # Probe with a few words at a time (the spacing differs somewhere): the first probe found
    # gives the places to check the whole quote at.
    for k in range(0, len(words) - 2, 3):
        probe = " ".join(words[k : k + 3])
        if len(probe) < 8:
            continue
        hits = _positions(norm, probe, lo, hi)
        for at in hits:
            span = _walk(norm, words, k, at)
            if span is not None and span not in found:
                found.append(span)
        if hits:
            break
    return found


def _spaced(text: Text, q: str, position: Position, near: int | None) -> Placed | None:
    """The quote's words in order with other spacing between them (a quote running over a
    paragraph end, where the text has two line ends and the quote one space): "ok" when found
    once, or nearest the prior as for exact copies."""
    found = _spans(text.norm, q.split(" "))
    if not found:
        return None
    if len(found) == 1:
        return Placed(found[0][0], found[0][1], "ok")
    if near is None:
        return None
    found.sort(key=lambda se: abs(se[0] - near))
    d1, d2 = abs(found[0][0] - near), abs(found[1][0] - near)
    if d1 <= max(2_000, len(text.norm) // 20) and d2 >= 3 * d1 + len(q):
        return Placed(found[0][0], found[0][1], "fuzzy")
    return None


def _exact(text: Text, q: str, position: Position, near: int | None) -> Placed | None:
    n, size = len(q), len(text.norm)
    copies = _positions(text.norm, q)
    if not copies:
        return None
    short = len(q) < SHORT and len(q.split()) < 3
    if len(copies) == 1 and not short:
        return Placed(copies[0], copies[0] + n, "ok")
    if position.prefix or position.suffix:
        # The source kept the context: the anchoring engine weighs it.
        return _engine(text, q, position, near)
    if near is None:
        return Placed(0, 0, "orphan") if len(copies) > 1 else None
    ranked = sorted(copies, key=lambda p: abs(p - near))
    d1 = abs(ranked[0] - near)
    d2 = abs(ranked[1] - near) if len(ranked) > 1 else size
    if d1 <= max(2_000, size // 20) and d2 >= 3 * d1 + n:
        # Among copies the words are right and the place inferred: from a fraction of the
        # book that is "fuzzy"; from an exact source position (a spine document, an offset)
        # it is as good as the words.
        strong = position.start is not None or position.spine_index is not None
        status = "ok" if len(copies) == 1 or strong else "fuzzy"
        return Placed(ranked[0], ranked[0] + n, status)
    return Placed(near, near, "orphan")


def _engine(text: Text, q: str, position: Position, near: int | None) -> Placed:
    at = near if near is not None else 0
    probe = _Highlight(id=new_id(), article_id="", start=at, end=at + len(q), exact=q,
                       prefix=normalise_text(position.prefix)[-32:],
                       suffix=normalise_text(position.suffix)[:32])
    start, end, status = locate(text.norm, probe)
    return Placed(start, end, status) if status != "orphan" else Placed(at, at, "orphan")


def _fuzzy(text: Text, q: str, position: Position, near: int | None) -> Placed:
    if len(q) < SHORT or len(q.split()) < 3:
        return Placed(near or 0, near or 0, "orphan")
    return _engine(text, q, position, near)
