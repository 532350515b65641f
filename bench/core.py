"""Benchmark the core wing's per-keystroke work: splitting a block into sentences and words.

Run with ``.venv/bin/python bench/core.py`` (``--reps N``).  Sentence and word focus split the
focused block each time the focus moves (``(``/``)``, ``w``/``e``), so one split must stay far
below a frame: the target is under :data:`TARGET_MS` per block, for the slowest block.

Blocks: a 4,300-character paragraph dense with abbreviations, initials and numbers (the case
the splitter's rules work hardest on; it was a timed test before, moved here), and every
paragraph of the bundled samples and, when ``../shared/corpus`` is present, of the long books.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tuireader.core.sentences import sentence_spans, word_spans

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "long"
#: The slowest block must split in less than this (milliseconds).
TARGET_MS = 10.0
DENSE = "Dr. Watson met U.S. officials at 3.14 p.m. on Jan. 5. “Yes.” he said. " * 60


def blocks() -> list[tuple[str, list[str]]]:
    """Named groups of blocks: the dense paragraph, the samples' and the books' paragraphs."""
    groups = [("dense paragraph (4.3 KB)", [DENSE])]
    samples = [p for path in sorted((ROOT / "sample_articles").glob("*.txt"))
               for p in path.read_text("utf-8").split("\n\n") if p.strip()]
    groups.append(("sample paragraphs", samples))
    if CORPUS.is_dir():
        books = [p for path in sorted(CORPUS.glob("*.txt"))
                 for p in path.read_text("utf-8").replace("\r\n", "\n").split("\n\n")
                 if p.strip()]
        groups.append(("long books' paragraphs", books))
    return groups


def time_per_block(split: Callable[[str], object], texts: list[str], reps: int) -> list[float]:
    """Milliseconds per block (the best of ``reps`` runs of each, so a load spike on the
    machine does not count)."""
    out = []
    for text in texts:
        best = float("inf")
        for _ in range(reps):
            t0 = time.perf_counter()
            split(text)
            best = min(best, time.perf_counter() - t0)
        out.append(best * 1000)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=3, help="runs per block (the best counts)")
    args = parser.parse_args(argv)
    header = (f"{'blocks':<28}{'split':<10}{'count':>8}{'mean ms':>10}{'p95 ms':>10}"
              f"{'max ms':>10}")
    print(header)
    print("-" * len(header))
    passed = True
    for name, texts in blocks():
        for label, split in (("sentences", sentence_spans), ("words", word_spans)):
            ms = sorted(time_per_block(split, texts, args.reps))
            p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
            print(f"{name:<28}{label:<10}{len(ms):>8}{statistics.fmean(ms):>10.3f}{p95:>10.3f}"
                  f"{ms[-1]:>10.3f}")
            passed = passed and ms[-1] < TARGET_MS
    print(f"target: every block under {TARGET_MS:.0f} ms: {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
