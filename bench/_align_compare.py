"""The alignment choice in ``tuireader.core.align``, measured (``bench/annotate.py --only align``).

Issue #11 asked to measure rapidfuzz (C++, well kept) against the hand-written Myers alignment
on the re-anchoring run, and to keep the library unless it is slower or worse.  Re-anchoring
needs two things from ``core.align``:

* ``best_substring(pattern, seq)``: the stretch of a window closest to the quote (semi-global
  edit distance).  rapidfuzz has no such function; :func:`rapidfuzz_best_substring` builds the
  closest thing from its parts (``fuzz.partial_ratio_alignment`` for the place, then the best
  end and the best start picked by ``Levenshtein.distance``, one ``process.extract`` call each).
* ``similarity(a, b)``: how alike the stored context is to the text around a match; rapidfuzz's
  Indel similarity against the ``difflib.SequenceMatcher.ratio`` used before.

Each variant swaps those two functions in ``core.align`` for the length of a run (anchoring
calls them through the module), re-anchors the same highlights, and prints the same figures as
the re-anchoring section; then every window the fuzzy stage aligned at the highest rate is
aligned again by both implementations, to compare them call by call (speed, and whether the
rapidfuzz one found the closest stretch).
"""

from __future__ import annotations

import difflib
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol
from unittest.mock import patch

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from tuireader.core import align

Aligner = Callable[[Any, Any], tuple[int, int, int]]


class TallyLike(Protocol):
    right: int
    wrong: int
    orphan: int
    status: dict[str, int]
    times: list[float]

    @property
    def total(self) -> int: ...


def rapidfuzz_best_substring(pattern: Any, seq: Any) -> tuple[int, int, int]:
    """``(start, end, distance)`` like ``align.best_substring``, from rapidfuzz's parts.

    ``partial_ratio_alignment`` finds the window of the pattern's own length that is most alike
    (Indel); the true closest stretch may be longer or shorter (a word inserted or deleted in
    the quote), so the end is then moved to the best of the ends nearby, and the start to the
    best of the starts nearby (ties: the length nearest the pattern's, as the Myers version).
    """
    m, n = len(pattern), len(seq)
    if n == 0:
        return 0, 0, m
    seed = fuzz.partial_ratio_alignment(pattern, seq)
    assert seed is not None  # None only under a score_cutoff
    start, end = seed.dest_start, seed.dest_end
    reach = 8 + m // 4
    ends = range(max(start, end - reach), min(n, end + reach) + 1)
    found = process.extract(pattern, [seq[start:j] for j in ends],
                            scorer=Levenshtein.distance, limit=None)
    least = min(dist for _choice, dist, _i in found)
    end = min((ends[i] for _c, dist, i in found if dist == least),
              key=lambda j: abs(j - start - m))
    starts = range(max(0, start - reach), min(end, start + reach) + 1)
    found = process.extract(pattern, [seq[i:end] for i in starts],
                            scorer=Levenshtein.distance, limit=None)
    least = min(dist for _choice, dist, _i in found)
    start = min((starts[i] for _c, dist, i in found if dist == least),
                key=lambda i: abs(end - i - m))
    return start, end, least


def difflib_similarity(a: str, b: str) -> float:
    """The context similarity used before rapidfuzz (difflib's matching-blocks heuristic)."""
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


@dataclass(frozen=True)
class Variant:
    label: str
    best_substring: Aligner
    similarity: Callable[[str, str], float]

    @contextmanager
    def active(self) -> Iterator[None]:
        with (patch.object(align, "best_substring", self.best_substring),
              patch.object(align, "similarity", self.similarity)):
            yield


SHIPPED = Variant("Myers + rapidfuzz Indel", align.best_substring, align.similarity)
VARIANTS = (
    SHIPPED,
    Variant("rapidfuzz + rapidfuzz Indel", rapidfuzz_best_substring, align.similarity),
    Variant("Myers + difflib (before)", align.best_substring, difflib_similarity),
)


def _ms(values: list[float]) -> tuple[float, float, float]:
    ms = sorted(v * 1000 for v in values)
    return statistics.fmean(ms), ms[min(len(ms) - 1, int(len(ms) * 0.95))], ms[-1]


def compare(run: Callable[[float], TallyLike], rates: Sequence[float]) -> bool:
    """Print the re-anchoring figures per variant and rate, then the call-by-call comparison
    of the two alignments; returns whether the shipped variant is the one the rule picks."""
    print("\n== Alignment: the hand-written Myers against rapidfuzz, on the re-anchoring run ==")
    header = (f"{'variant':<30}{'rate':>5}{'right':>8}{'wrong':>7}{'orphan':>8}"
              f"{'ok':>6}{'fuzzy':>6}{'orph.':>6}   {'mean ms':>8}{'p95 ms':>8}{'max ms':>8}")
    print(header)
    print("-" * len(header))
    figures: dict[str, list[tuple[int, int, float]]] = {}  # label -> (right, wrong, seconds)
    for rate in rates:  # the variants interleaved, so a load spike on the machine hits all
        for variant in VARIANTS:
            with variant.active():
                tally = run(rate)
                total = tally.total or 1
                mean, p95, worst = _ms(tally.times)
                print(f"{variant.label:<30}{rate:>5.0%}{tally.right / total:>8.1%}"
                      f"{tally.wrong / total:>7.1%}{tally.orphan / total:>8.1%}"
                      f"{tally.status['ok']:>6}{tally.status['fuzzy']:>6}"
                      f"{tally.status['orphan']:>6}   {mean:>8.2f}{p95:>8.2f}{worst:>8.2f}")
                figures.setdefault(variant.label, []).append(
                    (tally.right, tally.wrong, sum(tally.times)))
    _call_by_call(run, rates[-1])
    verdicts = [_verdict(figures, SHIPPED.label, other.label) for other in VARIANTS[1:]]
    for line in verdicts:
        print(line)
    return all("kept" in line for line in verdicts)


def _verdict(figures: dict[str, list[tuple[int, int, float]]], shipped: str, other: str
             ) -> str:
    """Whether the shipped variant is as often right, as rarely wrong and as fast in total as
    ``other`` (the rule: the library stays unless it is slower or worse).  One highlight per
    rate either way is noise (with the default 1,000 per rate, 0.1 %)."""
    ours, theirs = figures[shipped], figures[other]
    noise = len(ours)
    right = sum(r for r, _w, _t in ours) - sum(r for r, _w, _t in theirs)
    wrong = sum(w for _r, w, _t in ours) - sum(w for _r, w, _t in theirs)
    speed = sum(t for _r, _w, t in theirs) / max(1e-9, sum(t for _r, _w, t in ours))
    kept = right >= -noise and wrong <= noise and speed >= 0.95
    return (f"{shipped} against {other}: {right:+d} right, {wrong:+d} wrong (all rates), "
            f"{other} takes {speed:.2f}x the time: "
            f"{'the shipped choice stays (kept)' if kept else 'the other is better: switch'}")


def _call_by_call(run: Callable[[float], TallyLike], rate: float) -> None:
    """Every window the fuzzy stage aligned at ``rate``, aligned again by both."""
    calls: list[tuple[Any, Any]] = []
    real = align.best_substring

    def recording(pattern: Any, seq: Any) -> tuple[int, int, int]:
        calls.append((pattern, seq))
        return real(pattern, seq)

    with Variant("recording", recording, align.similarity).active():
        run(rate)
    groups: dict[str, tuple[list[float], list[float], list[bool]]] = {}
    for pattern, seq in calls:
        t0 = time.perf_counter()
        ours = real(pattern, seq)
        t1 = time.perf_counter()
        theirs = rapidfuzz_best_substring(pattern, seq)
        t2 = time.perf_counter()
        kind = ("words" if not isinstance(pattern, str)
                else "quote <= 64 chars" if len(pattern) <= 64 else "quote > 64 chars")
        mine, other, closest = groups.setdefault(kind, ([], [], []))
        mine.append(t1 - t0)
        other.append(t2 - t1)
        closest.append(theirs[2] == ours[2])
    print(f"\nCall by call, the {len(calls)} windows aligned at {rate:.0%} edits "
          "(closest: rapidfuzz found a stretch as close as Myers did):")
    for kind, (mine, other, closest) in sorted(groups.items()):
        print(f"  {kind:<18}{len(mine):>5} calls   Myers mean {statistics.fmean(mine) * 1e3:.3f} "
              f"max {max(mine) * 1e3:.2f} ms   rapidfuzz mean {statistics.fmean(other) * 1e3:.3f} "
              f"max {max(other) * 1e3:.2f} ms   closest {sum(closest) / len(closest):.0%}")
