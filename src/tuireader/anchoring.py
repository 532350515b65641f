"""Anchoring highlights to article text, and finding them again when the text changes.

A highlight keeps two W3C Web Annotation selectors: a TextPositionSelector (``start``/``end``
character offsets into the article's plain text) and a TextQuoteSelector (``exact`` plus ~32
characters of ``prefix`` and ``suffix``).  When an article is re-imported with changed text,
:func:`reanchor` tries, in order:

1. the old position, if the quote is still there exactly ("ok");
2. every exact occurrence of the quote, choosing by how well the context matches and how close it
   is to the old position ("ok");
3. approximate matching: candidate spans found from the quote's first and last words and from the
   context, scored on the quote's similarity (bounded by a minimum ratio), the context, and the
   distance from the old position ("fuzzy");
4. otherwise the highlight is kept, marked "orphan", never dropped.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from tuireader.model import CONTEXT_CHARS, Highlight, new_id, now_iso, quote_selector

#: A fuzzy match must be at least this similar to the stored quote.
MIN_FUZZY_RATIO = 0.8


def make_highlight(article_id: str, text: str, start: int, end: int, kind: int = 1) -> Highlight:
    """A new highlight over ``text[start:end]`` with its quote and context."""
    prefix, exact, suffix = quote_selector(text, start, end)
    return Highlight(id=new_id(), article_id=article_id, start=start, end=end, exact=exact,
                     prefix=prefix, suffix=suffix, kind=kind)


@dataclass
class _Candidate:
    start: int
    end: int
    score: float


def _context_score(text: str, start: int, end: int, prefix: str, suffix: str) -> float:
    """0..1: how well the text around ``start:end`` matches the stored context."""
    before = text[max(0, start - len(prefix)) : start]
    after = text[end : end + len(suffix)]
    parts = []
    if prefix:
        parts.append(difflib.SequenceMatcher(None, before, prefix, autojunk=False).ratio())
    if suffix:
        parts.append(difflib.SequenceMatcher(None, after, suffix, autojunk=False).ratio())
    return sum(parts) / len(parts) if parts else 0.5


def _distance_score(pos: int, old: int, length: int) -> float:
    """1 at the old position, falling towards 0 far away (relative to the text length)."""
    if length <= 0:
        return 1.0
    return 1.0 - min(1.0, abs(pos - old) / length)


def _exact_candidates(text: str, h: Highlight) -> list[_Candidate]:
    found: list[_Candidate] = []
    if not h.exact:
        return found
    pos = text.find(h.exact)
    while pos != -1 and len(found) < 10_000:
        end = pos + len(h.exact)
        score = 2 * _context_score(text, pos, end, h.prefix, h.suffix) + _distance_score(
            pos, h.start, len(text)
        )
        found.append(_Candidate(pos, end, score))
        pos = text.find(h.exact, pos + 1)
    return found


def _fuzzy_candidate(text: str, h: Highlight) -> _Candidate | None:
    exact = h.exact
    if len(exact) < 4:
        return None
    words = re.findall(r"\S+", exact)
    if not words:
        return None
    probes: set[int] = set()
    head = " ".join(words[:3])
    tail = " ".join(words[-3:])
    for probe in {head, words[0] if len(words[0]) >= 4 else head, h.prefix[-16:]}:
        if not probe.strip():
            continue
        pos = text.find(probe)
        count = 0
        while pos != -1 and count < 200:
            probes.add(pos + len(probe) if probe == h.prefix[-16:] else pos)
            pos = text.find(probe, pos + 1)
            count += 1
    tail_positions: list[int] = []
    pos = text.find(tail)
    while pos != -1 and len(tail_positions) < 200:
        tail_positions.append(pos + len(tail))
        pos = text.find(tail, pos + 1)
    best: _Candidate | None = None
    max_len = int(len(exact) * 1.5) + 8
    for start in sorted(probes):
        ends = [e for e in tail_positions if start < e <= start + max_len]
        if not ends:
            ends = [min(len(text), start + len(exact))]
        for end in ends:
            window = text[start:end]
            ratio = difflib.SequenceMatcher(None, window, exact, autojunk=False).ratio()
            if ratio < MIN_FUZZY_RATIO:
                continue
            score = 2 * ratio + _context_score(text, start, end, h.prefix, h.suffix) + \
                0.5 * _distance_score(start, h.start, len(text))
            if best is None or score > best.score:
                best = _Candidate(start, end, score)
    return best


def locate(text: str, h: Highlight) -> tuple[int, int, str]:
    """Where ``h`` belongs in ``text``: ``(start, end, status)``; status "orphan" if nowhere."""
    if h.exact and text[h.start : h.end] == h.exact:
        return h.start, h.end, "ok"
    exact = _exact_candidates(text, h)
    if exact:
        best = max(exact, key=lambda c: c.score)
        return best.start, best.end, "ok"
    fuzzy = _fuzzy_candidate(text, h)
    if fuzzy is not None:
        return fuzzy.start, fuzzy.end, "fuzzy"
    return h.start, h.end, "orphan"


def reanchor(h: Highlight, text: str) -> bool:
    """Move ``h`` to where its quote is in ``text`` now.  Returns True if ``h`` changed.

    The stored quote (``exact``) is what the reader chose to keep, so it is never rewritten by a
    fuzzy match; prefix and suffix follow the new text; an orphan keeps its old offsets (clamped).
    """
    start, end, status = locate(text, h)
    before = (h.start, h.end, h.prefix, h.suffix, h.anchor)
    if status == "orphan":
        h.start = min(h.start, len(text))
        h.end = min(max(h.end, h.start), len(text))
    else:
        h.start, h.end = start, end
        prefix, _exact, suffix = quote_selector(text, start, end, CONTEXT_CHARS)
        h.prefix, h.suffix = prefix, suffix
    h.anchor = status
    changed = before != (h.start, h.end, h.prefix, h.suffix, h.anchor)
    if changed:
        h.updated = now_iso()
    return changed
