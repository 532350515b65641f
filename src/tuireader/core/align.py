"""String alignment for re-anchoring: where a quote is in a stretch of text, and how alike two
strings are.

Two jobs, two tools, each chosen by measurement: ``bench/annotate.py --only align`` re-anchors
the same 3 x 1,000 highlights (1 %, 5 %, 20 % of words edited) with each choice, interleaved;
the figures below held over three runs on a shared 2-core machine.

* :func:`similarity` (context agreement) is `rapidfuzz`_'s Indel similarity, in C++:
  ``2 * LCS / (len(a) + len(b))``, what ``difflib.SequenceMatcher.ratio`` (used before)
  approximates with a heuristic, computed exactly and ~150x faster per call.  Re-anchoring with
  it is as good or better (right 98.2 / 96.6 / 89.3 % against 98.2 / 96.5 / 89.0 %, 4 more
  highlights of 3,000; wrong unchanged at 0.1 / 0.0 / 0.7 %) and 1.2-1.7x faster in total;
  measured again with the copy check (:mod:`tuireader.core.copies`): right 98.3 / 96.8 / 89.3 %
  against 98.3 / 96.7 / 89.1 %, wrong 0.0 / 0.0 / 0.1 % with either, 1.45x faster.
* :func:`best_substring` (the fuzzy stage: the stretch of a window closest to the quote) stays
  hand-written: Myers' bit-parallel edit distance, in Python.  rapidfuzz has no substring
  (semi-global) edit distance: ``fuzz.partial_ratio_alignment`` slides a window of the quote's
  own length (so a quote with a word inserted is cut short) and scores with Indel, and
  ``Levenshtein.opcodes`` aligns whole strings (the quote's letters get strewn over the
  window).  Built from them (``bench/_align_compare.py``: the partial-ratio window, then the
  best end and the best start among the nearby spans by ``Levenshtein.distance``), the
  alignment is worse and slower: it misses the closest stretch in 5 % of the windows for quotes
  up to 64 characters (where it is 3x faster) and in 9 % above (where it is 2.5x slower);
  re-anchoring takes 1.9-2.5x the time in total, its slowest highlight 104-114 ms at 20 %
  edits (over the 100 ms budget) against 16-32 ms, for 2 highlights fewer right.

.. _rapidfuzz: https://github.com/rapidfuzz/RapidFuzz
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from rapidfuzz.distance import Indel

#: What is aligned: text character by character, or words as small integers (long quotes).
Symbols = TypeVar("Symbols", str, Sequence[int])


def similarity(a: str, b: str) -> float:
    """0..1: how alike two strings are (1 = equal): twice their longest common subsequence over
    their total length."""
    return Indel.normalized_similarity(a, b)


def edit_distance_ends(pattern: Symbols, seq: Symbols, *, from_start: bool = False
                       ) -> tuple[int, list[int]]:
    """Edit distance of ``pattern`` against the substrings of ``seq``: every substring, or with
    ``from_start`` only the prefixes of ``seq``.

    Myers' bit-parallel algorithm (Hyyrö's formulation): one pass, a handful of big-integer
    operations per element of ``seq``, whatever the length of ``pattern``.  Returns the smallest
    distance and the positions (exclusive ends in ``seq``) where a substring reaching it ends.
    """
    m = len(pattern)
    peq: dict[object, int] = {}
    for i, ch in enumerate(pattern):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    full = (1 << m) - 1
    top = 1 << (m - 1)
    vp, vn, dist = full, 0, m
    best, ends = m, [0]
    for j, ch in enumerate(seq):
        eq = peq.get(ch, 0)
        d0 = ((((eq & vp) + vp) ^ vp) | eq | vn) & full
        hp = (vn | ~(d0 | vp)) & full
        hn = vp & d0
        if hp & top:
            dist += 1
        elif hn & top:
            dist -= 1
        x = ((hp << 1) | from_start) & full  # a carry in: the substring starts at 0
        vn = x & d0
        vp = ((hn << 1) | ~(x | d0)) & full
        if dist < best:
            best, ends = dist, [j + 1]
        elif dist == best:
            ends.append(j + 1)
    return best, ends


def best_substring(pattern: Symbols, seq: Symbols) -> tuple[int, int, int]:
    """``(start, end, distance)`` of the substring of ``seq`` closest to ``pattern`` (the
    fewest insertions, deletions and substitutions).

    Among equally close substrings, the one whose length is nearest the pattern's.
    """
    dist, ends = edit_distance_ends(pattern, seq)
    m = len(pattern)
    best: tuple[int, int, int] | None = None
    for end in ends[:4]:
        # Backwards from the end (fixed there) to find where the substring starts; it starts
        # at most 2m before the end (a distance over m is never the best).
        head = seq[max(0, end - 2 * m - 8) : end]
        rdist, starts = edit_distance_ends(pattern[::-1], head[::-1], from_start=True)
        if rdist != dist:
            continue
        for rstart in starts:
            start = end - rstart
            if best is None or abs((end - start) - m) < abs((best[1] - best[0]) - m):
                best = (start, end, dist)
    assert best is not None
    return best
