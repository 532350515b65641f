"""Benchmark the daily review: picking a session from 50,000 highlights, and the next card after
a key.

Run with ``.venv/bin/python bench/review.py`` (``--articles`` / ``--highlights`` to change the
size).  The library is built in the store's on-disk format by ``bench/store.py``'s
``build_library`` (2,000 articles, 50,000 highlights), plus review state for a tenth of the
highlights (shown before, some discarded, some FSRS cards, a few of them due), written as
``review/<article_id>.json`` files as the store writes them.

Figures, each through the public API:

* pick (first): ``store.review.plan(10)`` on a just-opened store whose highlight shards were
  never read (what ``tuireader review --json`` pays);
* pick (first in App): the first session after the App's preload read the shards (the review
  files are read then, once);
* pick (warm): the same with the shards read (what the App pays: it preloads them), median and
  p95 over 20 seeds.  Target: under 100 ms;
* next card: in the App (headless), from the ``enter`` key event posted until the card
  widget's lines are painted with the next card, median and p95 over 40 presses (each press
  also queues a durable save on the writer thread).  Target: under 50 ms.  (Pilot's own
  ``press`` round trip, ~40 ms on an idle key here, is not part of it.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from store import build_library  # bench/store.py
from tuireader.app import make_app
from tuireader.config import Config
from tuireader.library.review_state import ReviewRecord
from tuireader.library.store import Store
from tuireader.screens.review import ReviewScreen

TARGETS_MS = {"pick (warm) p95": 100.0, "next card p95": 50.0}


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def add_review_state(root: Path, share: float = 0.1, seed: int = 2) -> int:
    """Review records for ``share`` of the highlights, in the on-disk format."""
    rng = random.Random(seed)
    folder = root / "review"
    folder.mkdir(exist_ok=True)
    made = 0
    for shard in sorted((root / "annotations").glob("*.json")):
        docs = json.loads(shard.read_text("utf-8"))["highlights"]
        records: dict[str, dict[str, object]] = {}
        for doc in docs.values():
            if rng.random() >= share:
                continue
            record = ReviewRecord(doc["id"], doc["article_id"],
                                  last_shown="2026-02-20T08:00:00+00:00",
                                  times_shown=rng.randint(1, 5), days=["2026-02-20"],
                                  discarded=rng.random() < 0.1)
            if rng.random() < 0.2:
                due = "2026-01-01T00:00:00+00:00" if rng.random() < 0.005 else \
                    "2099-01-01T00:00:00+00:00"
                record.card = {"card_id": made, "state": 2, "step": None, "stability": 5.0,
                               "difficulty": 5.0, "due": due,
                               "last_review": "2026-02-20T08:00:00+00:00"}
            records[str(len(records) + 1)] = record.to_record()
            made += 1
        if records:
            (folder / shard.name).write_text(json.dumps({"highlights": records}), "utf-8")
    return made


def pick(root: Path) -> dict[str, float]:
    out: dict[str, float] = {}
    with Store(root) as store:
        t0 = time.perf_counter()
        items = store.review.plan(10, seed=0)
        out["pick (first)"] = (time.perf_counter() - t0) * 1000
        assert len(items) == 10
        times = []
        for seed in range(1, 21):
            t0 = time.perf_counter()
            store.review.plan(10, seed=seed)
            times.append((time.perf_counter() - t0) * 1000)
        out["pick (warm) median"] = statistics.median(times)
        out["pick (warm) p95"] = _p95(times)
    with Store(root, preload=True) as store:
        store.wait_preload()
        t0 = time.perf_counter()
        store.review.plan(10, seed=0)
        out["pick (first in App)"] = (time.perf_counter() - t0) * 1000
    return out


async def next_card(root: Path, presses: int) -> dict[str, float]:
    store = Store(root, preload=True)
    store.wait_preload()
    app = make_app(store, Config())
    times: list[float] = []
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            screen = ReviewScreen(count=presses + 1, seed=3)
            app.push_screen(screen)
            deadline = time.monotonic() + 60
            while screen.index < 0:
                if time.monotonic() > deadline:
                    raise RuntimeError("the session did not load")
                await pilot.pause(0.01)
            card = screen.query_one("#review-card")
            painted: list[tuple[float, str]] = []
            original = card.render_lines

            def render_lines(crop):
                lines = original(crop)
                painted.append((time.perf_counter(), str(card.render())))
                return lines

            card.render_lines = render_lines  # type: ignore[method-assign]
            for _ in range(presses):
                # A due card's first enter reveals it, the next rates it good: either way the
                # card changes.  Timed: from the key event posted (as the terminal driver
                # posts it) until the card widget's lines are painted with the new content.
                shown = str(card.render())
                painted.clear()
                t0 = time.perf_counter()
                app.simulate_key("enter")
                while not any(text != shown for _t, text in painted):
                    if time.perf_counter() - t0 > 10:
                        raise RuntimeError("the card did not change after enter")
                    await asyncio.sleep(0.0005)
                t1 = next(t for t, text in painted if text != shown)
                times.append((t1 - t0) * 1000)
                await pilot.pause()
            await asyncio.to_thread(app.writer.wait_idle, 60)
    finally:
        store.close()
    return {"next card median": statistics.median(times), "next card p95": _p95(times)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--highlights", type=int, default=50_000)
    parser.add_argument("--presses", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tuireader-review-bench-") as tmp:
        root = Path(tmp) / "lib"
        build_library(root, args.articles, args.highlights)
        made = add_review_state(root)
        print(f"library: {args.articles} articles, {args.highlights} highlights, "
              f"{made} review records")
        figures = pick(root)
        figures.update(asyncio.run(next_card(root, args.presses)))
    ok = True
    for name, ms in figures.items():
        target = TARGETS_MS.get(name)
        verdict = "" if target is None else ("  ok" if ms < target else f"  OVER {target:g} ms")
        ok &= target is None or ms < target
        print(f"{name:<22} {ms:8.1f} ms{verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
