"""String alignment for re-anchoring: where a quote is in a stretch of text, and how alike two
strings are.

Two jobs, two tools, each chosen by measurement (``bench/annotate.py --only align``, which
re-anchors the same 3 x 1,000 highlights with each choice; figures from that run):

* :func:`similarity` (context agreement) is `rapidfuzz`_'s Indel similarity, in C++.  It is
  ``2 * LCS / (len(a) + len(b))``: what ``difflib.SequenceMatcher.ratio`` approximates with a
  heuristic, computed exactly, and faster.  With it, as many highlights are re-anchored right or
  more (1 % / 5 % / 20 % edits: 98.2 / 96.6 / 89.3 % against difflib's 98.2 / 96.5 / 89.0 %), as
  few wrongly (0.1 / 0.0 / 0.7 %, unchanged) and the mean re-anchor is 5-15 % faster.
* :func:`best_substring` (the fuzzy stage: the stretch of a window closest to the quote) stays
  hand-written: Myers' bit-parallel edit distance, in Python.  rapidfuzz has no substring
  (semi-global) edit distance: ``fuzz.partial_ratio_alignment`` slides a window of the quote's
  own length (so a quote with a word inserted is cut short) and scores with Indel, and
  ``Levenshtein.opcodes`` aligns whole strings (the quote's letters are strewn over the window).
  Built from them (the partial-ratio window, then the best end and the best start chosen with
  ``Levenshtein.distance`` over the nearby spans, one ``process.extract`` call each), the
  alignment misses the closest stretch in ~1 window in 10 and is 2x slower for quotes over 64
  characters (the mean re-anchor 1.7x, the worst one 5x slower: 90 ms against 18 ms at 20 %
  edits), for no accuracy gained.  rapidfuzz is only faster for quotes of up to 64 characters,
  and there it misses the closest stretch 1 time in 20.

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
