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
from tuireader.library.bridge.text import dehyphenated, normalise_quote

#: Occurrences looked at when a quote repeats.
MAX_COPIES = 200
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


def _positions(norm: str, quote: str) -> list[int]:
    out: list[int] = []
    at = norm.find(quote)
    while at != -1 and len(out) < MAX_COPIES:
        out.append(at)
        at = norm.find(quote, at + 1)
    return out


def place(text: Text, quote: str, position: Position, spine: list[SpineItem]) -> Placed:
    """Where ``quote`` (as the source gave it) is in ``text``."""
    q = normalise_quote(quote)
    near = prior(text, position, spine)
    if not q or not text.norm:
        return Placed(near or 0, near or 0, "orphan")
    for candidate in (q, dehyphenated(q)):
        if candidate:
            found = _exact(text, candidate, position, near)
            if found is not None:
                return found
    return _fuzzy(text, q, position, near)


def _exact(text: Text, q: str, position: Position, near: int | None) -> Placed | None:
    copies = _positions(text.norm, q)
    if not copies:
        return None
    n, size = len(q), len(text.norm)
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
                       prefix=normalise_quote(position.prefix)[-32:],
                       suffix=normalise_quote(position.suffix)[:32])
    start, end, status = locate(text.norm, probe)
    return Placed(start, end, status) if status != "orphan" else Placed(at, at, "orphan")


def _fuzzy(text: Text, q: str, position: Position, near: int | None) -> Placed:
    if len(q) < SHORT or len(q.split()) < 3:
        return Placed(near or 0, near or 0, "orphan")
    return _engine(text, q, position, near)
