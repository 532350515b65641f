"""Anchoring highlights to article text, and finding them again when the text changes.

A highlight keeps two W3C Web Annotation selectors: a TextPositionSelector (``start``/``end``
character offsets into the article's plain text) and a TextQuoteSelector (``exact`` plus ~32
characters of ``prefix`` and ``suffix``).  When an article is re-imported with changed text,
:func:`reanchor` tries, in order:

0. with the old text at hand (a re-import), the old position is carried through the edit by
   landmarks (:func:`tuireader.core.landmarks.map_position`), so the steps below look where the
   passage moved to;
1. the old position, if the quote is still there exactly and its context agrees ("ok");
2. the exact occurrences of the quote, choosing among repeats by how well the context matches
   (and, only to break ties, the distance from the old position) ("ok");
3. approximate matching ("fuzzy"): candidate places are voted for by distinctive word groups of
   the quote, by the stored prefix and suffix, and by the old position; in a bounded window
   around each place the quote is aligned with a bit-parallel edit distance (Myers' algorithm,
   :func:`tuireader.core.align.best_substring`), and the best alignment is scored on the
   quote's similarity, the context (:func:`tuireader.core.align.similarity`), and the distance;
4. otherwise the highlight is kept, marked "orphan", never dropped;
5. with the old text at hand, a quote it held more than once is placed only if the reader's
   copy explains the placement better than every other old copy does, by context or, contexts
   alike, by position (:mod:`tuireader.core.copies`): when the reader's copy was edited, the
   intact copy found is another's.

The guiding rule: a *wrong* anchor is far worse than an orphan.  A wrong anchor silently moves a
reader's note onto other words; an orphan stays in the panel and can be re-attached by hand.  So
every accepted match needs two independent pieces of evidence -- the quote itself (exact or
similar enough) *and* agreement of the context, or a quote long and distinctive enough to be
unique on its own -- and very short quotes (one or two words, which repeat everywhere) are never
matched fuzzily and only exactly with their context.

Cost is bounded by design, so a highlight in a 3 MB book re-anchors in milliseconds: at most
:data:`MAX_EXACT_CANDIDATES` exact occurrences are ranked and :data:`MAX_SCORED_CONTEXTS` of
them scored, every probe string stops after
:data:`MAX_PROBE_HITS` hits (a probe found more often than that is not distinctive and is
dropped), at most :data:`MAX_PROBES` probes and :data:`MAX_WINDOWS` alignment windows are used,
and each window is a few times the quote's length.  Searches over the whole text are only
``str.find``/``str.count`` (C speed).

This module decides (the stages, the evidence each match needs); :mod:`tuireader.core.align`
measures (edit distance, similarity) and :mod:`tuireader.core.landmarks` carries positions
through an edit.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from tuireader.core import align
from tuireader.core.copies import claimed_by_another_copy
from tuireader.core.landmarks import map_position
from tuireader.core.model import CONTEXT_CHARS, Highlight, now_iso, quote_selector

#: A fuzzy match must be at least this similar to the stored quote (1 - edit distance / length),
#: unless both sides of its context confirm it (see :data:`MIN_FRAMED_RATIO`).
MIN_FUZZY_RATIO = 0.8
#: The similarity floor for a quote whose prefix *and* suffix are both found around it: the two
#: ends pin the place down, so the quote may have changed more (e.g. a sentence inserted in it).
MIN_FRAMED_RATIO = 0.55
#: Context similarity (0..1, the mean of both sides) that counts as agreement.
MIN_CONTEXT = 0.5
#: Exact occurrences scored per highlight; beyond this only context-led candidates are scored.
MAX_EXACT_CANDIDATES = 200
#: Exact occurrences whose context is compared in full (after a cheap exact-agreement ranking).
MAX_SCORED_CONTEXTS = 24
#: Hits kept per probe string; a probe found more often than this is not distinctive.
MAX_PROBE_HITS = 32
#: Word groups of the quote searched for in the fuzzy stage.
MAX_PROBES = 10
#: Places where the quote is aligned in the fuzzy stage.
MAX_WINDOWS = 6
#: Quotes longer than this (characters) are aligned word by word rather than character by
#: character, which keeps the bit-parallel alignment cheap for whole-paragraph highlights.
CHAR_ALIGN_MAX = 800
#: A quote shorter than this (characters) or of fewer than :data:`MIN_FUZZY_WORDS` words is
#: only matched exactly: short phrases recur, and a near miss of one is usually another phrase.
MIN_FUZZY_CHARS = 12
MIN_FUZZY_WORDS = 3
#: An exact quote this long (and of at least 4 words) found exactly once is accepted without
#: context agreement: so long a string is distinctive on its own.
UNIQUE_EXACT_CHARS = 32

_WORD = re.compile(r"\S+")


@dataclass
class _Candidate:
    start: int
    end: int
    #: Similarity of ``text[start:end]`` to the quote, 0..1 (1 = exact).
    sim: float
    #: Similarity of the surrounding text to the stored prefix and suffix, 0..1 each.
    before: float
    after: float
    score: float = 0.0

    @property
    def context(self) -> float:
        return (self.before + self.after) / 2


# -- context and distance ----------------------------------------------------------------------


def _side_similarity(found: str, stored: str) -> float:
    """0..1: how alike one side of the context is.  An empty side on both = a perfect match
    (both at the start or end of the text); empty on one side only says little either way."""
    if not stored and not found:
        return 1.0
    if not stored or not found:
        return 0.5
    if found == stored:
        return 1.0
    return align.similarity(found, stored)


def _context(text: str, start: int, end: int, h: Highlight) -> tuple[float, float]:
    """Similarity of the text before and after ``start:end`` to the stored prefix and suffix."""
    before = text[max(0, start - len(h.prefix) if h.prefix else start - CONTEXT_CHARS) : start]
    after = text[end : end + (len(h.suffix) if h.suffix else CONTEXT_CHARS)]
    return _side_similarity(before, h.prefix), _side_similarity(after, h.suffix)


def _nearness(pos: int, old: int, length: int) -> float:
    """1 at the old position, falling to 0 a tenth of the text (at least 2,000 chars) away.

    Only a tie-breaker: edits before a highlight shift it, and a moved paragraph moves it far.
    """
    scale = max(2_000, length // 10)
    return 1.0 - min(1.0, abs(pos - old) / scale)


def _find_all(text: str, needle: str, limit: int, start: int = 0, end: int | None = None
              ) -> list[int]:
    """Positions of ``needle`` in ``text[start:end]``, at most ``limit + 1`` (so a caller can
    tell "more than ``limit``")."""
    out: list[int] = []
    if not needle:
        return out
    stop = len(text) if end is None else end
    pos = text.find(needle, start, stop)
    while pos != -1 and len(out) <= limit:
        out.append(pos)
        pos = text.find(needle, pos + 1, stop)
    return out


# -- stage 2: exact occurrences ----------------------------------------------------------------


def _exact_positions(text: str, h: Highlight) -> tuple[list[int], int]:
    """Where the quote occurs (a bounded, context-led selection when it is very common), and
    how often it occurs in all."""
    exact = h.exact
    count = text.count(exact)
    if count == 0:
        return [], 0
    if count <= MAX_EXACT_CANDIDATES:
        return _find_all(text, exact, count), count
    # Very common (a word like "the"): only occurrences the context points at, or near the
    # old position, can be the one; scoring thousands would only add chances to pick wrong.
    found: set[int] = set()
    if len(h.prefix) >= 4:
        probe = h.prefix[-12:]
        found.update(p + len(probe) for p in _find_all(text, probe + exact, MAX_PROBE_HITS))
    if len(h.suffix) >= 4:
        found.update(_find_all(text, exact + h.suffix[:12], MAX_PROBE_HITS))
    lo = max(0, h.start - 2_000)
    found.update(_find_all(text, exact, MAX_PROBE_HITS, lo, h.start + 2_000 + len(exact)))
    return sorted(found), count


def _best_exact(text: str, h: Highlight) -> tuple[_Candidate | None, int]:
    """The best-supported exact occurrence, and the number of occurrences."""
    positions, count = _exact_positions(text, h)
    if not positions:
        return None, count
    n = len(h.exact)
    if len(positions) > MAX_SCORED_CONTEXTS:
        # Rank by how many context characters agree exactly next to the quote (cheap), and
        # compare the context properly only for the leaders.
        positions.sort(key=lambda p: _affix_agreement(text, p, p + n, h), reverse=True)
        positions = positions[:MAX_SCORED_CONTEXTS]
    scored = []
    for pos in positions:
        before, after = _context(text, pos, pos + n, h)
        cand = _Candidate(pos, pos + n, 1.0, before, after)
        cand.score = cand.context + 0.05 * _nearness(pos, h.start, len(text))
        scored.append(cand)
    scored.sort(key=lambda c: c.score, reverse=True)
    best = scored[0]
    long_quote = _distinctive(h.exact, len(h.exact) >= UNIQUE_EXACT_CHARS)
    if long_quote and count == 1:
        return best, count
    if best.context < MIN_CONTEXT:
        return None, count
    if not long_quote and best.context < 0.7 and max(best.before, best.after) < 0.9:
        # A short phrase recurs by chance; half-matching context is what chance gives too.
        # Ask for one side (nearly) intact, or both sides mostly so.
        return None, count
    tied = len(scored) > 1 and scored[1].context >= best.context - 0.02
    if tied and best.context < 0.9:
        # Two occurrences whose contexts match equally (and only partly) well: a coin toss.
        # With the context (nearly) intact at both, the whole passage is repeated and nothing
        # but position tells the copies apart: the nearer one (the score's tie-break) it is.
        return None, count
    return best, count


def _affix_agreement(text: str, start: int, end: int, h: Highlight) -> int:
    """How many characters of the stored context agree exactly on either side of a span."""
    before = text[max(0, start - len(h.prefix)) : start][::-1]
    after = text[end : end + len(h.suffix)]
    return _common_prefix_len(before, h.prefix[::-1]) + _common_prefix_len(after, h.suffix)


def _common_prefix_len(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _distinctive(exact: str, long_enough: bool) -> bool:
    """Whether a quote can stand on its own: long enough and of at least four words."""
    return long_enough and len(_WORD.findall(exact[:400])) >= 4


# -- stage 3: fuzzy ---------------------------------------------------------------------------

def _probes(h: Highlight) -> list[tuple[str, int]]:
    """Search strings for the fuzzy stage, each with the quote-start offset it implies:
    word groups of the quote (so a quote edited anywhere still has intact pieces), the end of
    the prefix and the start of the suffix."""
    exact = h.exact
    words = [(m.start(), m.end()) for m in _WORD.finditer(exact)]
    size = 2 if len(words) <= 6 else 3
    groups = [(words[i][0], words[min(i + size, len(words)) - 1][1])
              for i in range(0, max(1, len(words) - size + 1), size)]
    if len(words) >= size and groups[-1][1] != words[-1][1]:
        groups.append((words[-size][0], words[-1][1]))
    if len(groups) > MAX_PROBES:
        step = len(groups) / MAX_PROBES
        groups = [groups[int(i * step)] for i in range(MAX_PROBES)]
    out = [(exact[a:b], -a) for a, b in groups if b - a >= 6]
    if len(h.prefix) >= 8:
        out.append((h.prefix[-16:], len(h.prefix[-16:])))
    if len(h.suffix) >= 8:
        out.append((h.suffix[:16], -len(exact)))
    return out


def _places(text: str, h: Highlight) -> list[tuple[int, int]]:
    """Likely quote starts, as ``(lowest, highest)`` estimates, best supported first."""
    votes: list[tuple[int, int]] = []  # (estimated start, probe id)
    for ident, (probe, shift) in enumerate(_probes(h)):
        hits = _find_all(text, probe, MAX_PROBE_HITS)
        if len(hits) > MAX_PROBE_HITS:
            continue
        votes.extend((pos + shift, ident) for pos in hits)
    tolerance = 8 + len(h.exact) // 3
    clusters: list[tuple[int, int, set[int]]] = []
    for est, ident in sorted(votes):
        if clusters and est - clusters[-1][1] <= tolerance:
            lo, _hi, ids = clusters[-1]
            ids.add(ident)
            clusters[-1] = (lo, est, ids)
        else:
            clusters.append((est, est, {ident}))
    clusters.sort(key=lambda c: (-len(c[2]), abs(c[0] - h.start)))
    places = [(lo, hi) for lo, hi, _ids in clusters[:MAX_WINDOWS]]
    old = min(h.start, len(text))
    if not any(lo - tolerance <= old <= hi + tolerance for lo, hi in places):
        places.append((old, old))
    return places


def _align_in_window(text: str, h: Highlight, lo: int, hi: int) -> _Candidate | None:
    """The best alignment of the quote in a window around estimated starts ``lo..hi``."""
    exact = h.exact
    n = len(exact)
    slack = 16 + n // 4
    w_start = max(0, lo - slack)
    w_end = min(len(text), hi + n + slack)
    if w_end - w_start > 3 * n + 4 * slack:  # an over-wide cluster: centre on its start
        w_end = min(len(text), w_start + 3 * n + 4 * slack)
    if w_end <= w_start:
        return None
    if n <= CHAR_ALIGN_MAX:
        start, end, dist = align.best_substring(exact, text[w_start:w_end])
        start, end = start + w_start, end + w_start
        sim = 1.0 - dist / n
    else:
        # Word by word: words as symbols, mapped to small integers.
        ids: dict[str, int] = {}
        pattern = [ids.setdefault(w, len(ids)) for w in _WORD.findall(exact)]
        spans = [(m.start(), m.end()) for m in _WORD.finditer(text, w_start, w_end)]
        if not spans:
            return None
        seq = [ids.get(text[a:b], -1) for a, b in spans]
        i, j, dist = align.best_substring(pattern, seq)
        if j <= i:
            return None
        start, end = spans[i][0], spans[j - 1][1]
        sim = 1.0 - dist / len(pattern)
    if end <= start:
        return None
    start, end = _snap(text, start, end, exact)
    before, after = _context(text, start, end, h)
    return _Candidate(start, end, sim, before, after)


def _snap(text: str, start: int, end: int, exact: str) -> tuple[int, int]:
    """Widen an alignment that cuts a word to whole words, when the quote began and ended with
    whole words (an edited first or last word is then included, not half of it)."""
    if exact[:1].isalnum():
        stop = max(0, start - 24)
        while start > stop and text[start - 1].isalnum() and text[start].isalnum():
            start -= 1
    if exact[-1:].isalnum():
        stop = min(len(text), end + 24)
        while end < stop and text[end - 1].isalnum() and text[end].isalnum():
            end += 1
    return start, end


def _accept_fuzzy(c: _Candidate, h: Highlight) -> bool:
    """Whether a fuzzy candidate has enough evidence: a similar quote *and* agreeing context,
    or a very similar long quote, or a quote framed by both sides of its context."""
    if c.sim >= MIN_FUZZY_RATIO and c.context >= MIN_CONTEXT:
        return True
    if c.sim >= 0.9 and _distinctive(h.exact, len(h.exact) >= 40) and c.context >= 0.3:
        return True
    if c.sim >= 0.7 and min(c.before, c.after) >= 0.6 and max(c.before, c.after) >= 0.85:
        return True  # a little less similar, but both sides agree and one side is intact
    length_ok = 0.6 * len(h.exact) <= c.end - c.start <= 1.8 * len(h.exact)
    return c.sim >= MIN_FRAMED_RATIO and min(c.before, c.after) >= 0.75 and length_ok


def _best_fuzzy(text: str, h: Highlight) -> _Candidate | None:
    exact = h.exact
    if len(exact) < MIN_FUZZY_CHARS or len(_WORD.findall(exact[:200])) < MIN_FUZZY_WORDS:
        return None
    found: list[_Candidate] = []
    for lo, hi in _places(text, h):
        cand = _align_in_window(text, h, lo, hi)
        if cand is None or any(c.start == cand.start and c.end == cand.end for c in found):
            continue
        cand.score = 2 * cand.sim + cand.context + 0.1 * _nearness(cand.start, h.start, len(text))
        found.append(cand)
    found.sort(key=lambda c: c.score, reverse=True)
    accepted = [c for c in found if _accept_fuzzy(c, h)]
    if not accepted:
        return None
    best = accepted[0]
    for other in accepted[1:]:
        overlaps = other.start < best.end and best.start < other.end
        if not overlaps and other.score >= best.score - 0.1:
            return None  # two different places fit about as well: do not guess
        if not overlaps and other.context >= best.context + 0.2:
            # The best is more like the quote, the other sits in the reader's context: two
            # kinds of evidence pointing to two places (a similar phrase nearby, and the
            # reader's words edited).  Do not guess.
            return None
    return best


def _better_copy_near(text: str, h: Highlight, here: float, tolerance: int) -> bool:
    """Whether another exact copy of the quote, within ``tolerance`` of the carried position,
    has a clearly better context than the one at the position (a copy moved in next to it)."""
    lo, hi = max(0, h.start - tolerance), h.start + tolerance + len(h.exact)
    for pos in _find_all(text, h.exact, MAX_PROBE_HITS, lo, hi)[:MAX_PROBE_HITS]:
        if pos != h.start and sum(_context(text, pos, pos + len(h.exact), h)) / 2 >= here + 0.1:
            return True
    return False


def _far(c: _Candidate, h: Highlight, tolerance: int) -> bool:
    """Whether a candidate is away from the highlight's carried position."""
    return abs(c.start - h.start) > 100 + len(h.exact) + tolerance


def _rival_near_old(text: str, h: Highlight, chosen: _Candidate) -> _Candidate | None:
    """A rival, at the old position, of an exact match found away from it: a near-copy of the
    quote there, in a context about as good (None if there is none).

    This is the repeated-passage trap (a pull quote, a recipe repeated day by day): the copy the
    reader highlighted was edited, another copy elsewhere still reads exactly the same, with the
    same 32 characters of context.  Only position tells them apart, so rather than guess the
    highlight is left for the reader to re-attach.
    """
    reach = 100 + len(h.exact)
    if abs(chosen.start - h.start) <= reach or not text:
        return None
    rival = _align_in_window(text, h, max(0, h.start - reach), min(len(text), h.start + reach))
    if rival is None or (rival.start < chosen.end and chosen.start < rival.end):
        return None
    agrees = rival.context >= chosen.context - 0.15 or max(rival.before, rival.after) >= 0.9
    return rival if rival.sim >= MIN_FUZZY_RATIO and agrees else None


# -- public API -------------------------------------------------------------------------------


def locate(text: str, h: Highlight, *, tolerance: int = -1) -> tuple[int, int, str]:
    """Where ``h`` belongs in ``text``: ``(start, end, status)``; status "orphan" if nowhere.

    ``tolerance`` (when >= 0): ``h.start`` is where the highlighted words are now, give or take
    this many characters (carried through the edit by landmarks that agree), so a match farther
    from it is another copy of the words, not the reader's: it is refused (orphan) unless a
    near-copy sits at the position itself.
    """
    exact = h.exact
    if not exact or not text:
        return h.start, h.end, "orphan"
    if text[h.start : h.end] == exact:
        before, after = _context(text, h.start, h.end, h)
        here = (before + after) / 2
        if (here >= MIN_CONTEXT or _distinctive(exact, len(exact) >= 16)) and not (
            tolerance > 0 and _better_copy_near(text, h, here, tolerance)
        ):
            return h.start, h.end, "ok"
    best, _count = _best_exact(text, h)
    if best is not None:
        rival = _rival_near_old(text, h, best)
        if rival is None and tolerance >= 0 and _far(best, h, tolerance):
            return h.start, h.end, "orphan"
        if rival is None:
            return best.start, best.end, "ok"
        if rival.context >= best.context + 0.3 and _accept_fuzzy(rival, h):
            # The near copy has the reader's context and the far one does not: the near copy
            # is the highlighted passage, edited.
            return rival.start, rival.end, "fuzzy"
        return h.start, h.end, "orphan"
    fuzzy = _best_fuzzy(text, h)
    if fuzzy is not None and tolerance >= 0 and _far(fuzzy, h, tolerance):
        return h.start, h.end, "orphan"
    if fuzzy is not None:
        status = "ok" if text[fuzzy.start : fuzzy.end] == exact else "fuzzy"
        return fuzzy.start, fuzzy.end, status
    return h.start, h.end, "orphan"


def reanchor(h: Highlight, text: str, old_text: str | None = None) -> bool:
    """Move ``h`` to where its quote is in ``text`` now.  Returns True if ``h`` changed.

    ``old_text``: the text the highlight was anchored in, when known (a re-import has it): the
    old position is then first carried through the edit (landmarks), so "the old
    position" and "nearest to it" below mean where the highlighted words moved to.

    The stored quote (``exact``) is what the reader chose to keep, so it is never rewritten by a
    fuzzy match; prefix and suffix follow the new text; an orphan keeps its old offsets (clamped)
    and its old context, so a later version of the text can still bring it back.
    """
    target, tolerance, copies = h, -1, 1
    if old_text is not None and old_text[h.start : h.end] == h.exact:
        copies = old_text.count(h.exact)
        mapped = map_position(old_text, text, h.start)
        if mapped is not None:
            position, tolerance = mapped
            target = dataclasses.replace(h, start=position, end=position + (h.end - h.start))
            if copies == 1:
                # The words were unique: wherever they are now (a moved paragraph), they are
                # the reader's.  Position only has to decide between copies.
                tolerance = -1
    start, end, status = locate(text, target, tolerance=tolerance)
    if old_text is not None and copies > 1 and status != "orphan":
        # The words were there more than once: are these the reader's copy?  The placement
        # carried back into the old text by the landmarks' shift (or, none survived, by the
        # texts' lengths) is compared with every old copy's place and context.
        if target is h:
            back = start * len(old_text) // max(1, len(text))
        else:
            back = start - (target.start - h.start)
        if claimed_by_another_copy(old_text, h.start, h.exact, text, start, end, back,
                                   max(0, tolerance)):
            status = "orphan"  # the words found are as likely another copy's
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
