"""Kill -9 torture: a writer saving highlights and articles is killed at random moments.

Run with ``.venv/bin/python bench/torture.py [--rounds 500]``.  Each round starts a child that
opens the library and saves in a loop, printing every id *after* its save returned; the parent
kills it with SIGKILL after a random delay.  At the end the library must open without any
repair warning, hold every acknowledged id, list only articles whose text exists, and have no
temporary files left.  (``tests/test_store.py`` runs the same check with 30 rounds.)
"""

from __future__ import annotations

import argparse
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tuireader.importers.base import ImportedArticle
from tuireader.store import Store

CHILD = """
import sys
from tuireader.anchoring import make_highlight
from tuireader.document import parse_markdown
from tuireader.importers.base import ImportedArticle
from tuireader.store import Store

store = Store(sys.argv[1])
if store.read_only:
    print("RO", store.warnings, flush=True)
    sys.exit(3)
texts = {a.id: parse_markdown(store.read_markdown(a.id)).plain_text
         for a in store.list_articles()}
ids = sorted(texts)
print("READY", flush=True)
n = int(sys.argv[2])
while True:
    n += 1
    if n % 5 == 0:
        added = store.add_article(ImportedArticle(title=f"a{n}", markdown=f"article {n} text"))
        print("A", added.article.id, flush=True)
    aid = ids[n % len(ids)]
    text = texts[aid]
    start = n % (len(text) - 20)
    h = make_highlight(aid, text, start, start + 15)
    h.note = "x" * (n % 300)
    store.add_highlight(h)
    print("H", h.id, flush=True)
"""

BASE = ("Rivers carve valleys over a long time, and towns grow along them. " * 8).strip()


def torture(library: Path, rounds: int, seed: int, max_delay: float) -> bool:
    rng = random.Random(seed)
    with Store(library) as s:
        for n in range(3):
            s.add_article(ImportedArticle(title=f"base {n}", markdown=f"{BASE} Version {n}."))
    highlights: set[str] = set()
    articles: set[str] = set()
    t0 = time.perf_counter()
    for round_no in range(rounds):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(library),
                                  str(round_no * 1000)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert child.stdout is not None
        first = child.stdout.readline().strip()
        if first != "READY":
            child.kill()
            print(f"round {round_no}: child did not start: {first} {child.stderr.read()}")  # type: ignore[union-attr]
            return False
        time.sleep(rng.uniform(0.0, max_delay))
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate(timeout=30)
        if child.returncode != -signal.SIGKILL:
            print(f"round {round_no}: child failed on its own:\n{err}")
            return False
        for line in out.splitlines(keepends=True):
            if line.endswith("\n"):
                kind, _, ident = line.strip().partition(" ")
                (highlights if kind == "H" else articles).add(ident)
        if (round_no + 1) % 50 == 0:
            print(f"{round_no + 1} rounds, {len(highlights)} highlights and {len(articles)} "
                  f"articles acknowledged, {time.perf_counter() - t0:.0f} s")
    with Store(library) as s:
        repairs = [w for w in s.warnings if "unreadable" in w or "another program" in w]
        present = {h.id for h in s.all_highlights()}
        known = {a.id for a in s.list_articles()}
        missing_text = [aid for aid in known if not s.body_path(aid).exists()]
    temps = [p for p in library.rglob("*") if ".tmp-" in p.name]
    lost_h = highlights - present
    lost_a = articles - known
    print(f"acknowledged: {len(highlights)} highlights, {len(articles)} articles")
    print(f"lost highlights: {len(lost_h)}  lost articles: {len(lost_a)}  "
          f"articles without text: {len(missing_text)}  repair warnings: {len(repairs)}  "
          f"temp files after open: {len(temps)}")
    for warning in repairs:
        print("  ", warning)
    ok = not (lost_h or lost_a or missing_text or repairs or temps)
    print("PASS" if ok else "FAIL")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-delay", type=float, default=0.15,
                        help="longest wait (s) before the kill")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tuireader-torture-") as tmp:
        ok = torture(Path(tmp) / "library", args.rounds, args.seed, args.max_delay)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
