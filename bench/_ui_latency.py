"""UI latency of annotating, measured in-process through Textual's Pilot.

* ``h`` to drawn and saved: the time from the key reaching the screen (``action_highlight``) to
  the moment the change is durably on disk and applied to the reader and the panel (the UI
  callback that runs after the save returns; the reader repaints on the next frame).
* The highlights view: from pushing the screen to its table holding every row.
* Filtering the view: the time of one keystroke's filter over all rows.

The library is built like ``bench/store.py`` does: 2,000 articles and 50,000 highlights.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from store import build_library
from tuireader.app import make_app
from tuireader.config import Config
from tuireader.screens.highlights import HighlightsScreen
from tuireader.screens.main import MainScreen
from tuireader.store import Store
from tuireader.widgets.highlight_table import HighlightTable, filter_rows
from tuireader.widgets.reader import ReaderView

QUERIES = "the", "#idea", "c:green", "quick brown"


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


async def _measure(root: Path, ids: list[str], presses: int) -> dict[str, object]:
    store = Store(root)
    store.start_preload() if hasattr(store, "start_preload") else None
    app = make_app(store, Config(), open_article=ids[0])
    results: dict[str, object] = {}
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        reader = screen.query_one(ReaderView)
        deadline = time.monotonic() + 30
        while screen.article is None or reader.document is None or not reader.document.complete:
            if time.monotonic() > deadline:
                raise RuntimeError("the article did not open")
            await pilot.pause(0.01)
        reader.focus()
        done: list[float] = []
        original = screen.highlights_changed

        def record(article_id: str, highlights: list, message: str) -> None:
            original(article_id, highlights, message)
            done.append(time.perf_counter())

        screen.highlights_changed = record  # type: ignore[method-assign]
        latencies: list[float] = []
        blocks = len(reader.document.blocks)
        for i in range(presses):
            reader.jump_to_block(i % blocks)
            await pilot.pause()
            count = len(done)
            t0 = time.perf_counter()
            screen.action_highlight()
            while len(done) == count:
                await asyncio.sleep(0.0005)
            latencies.append((done[-1] - t0) * 1000)
            await pilot.pause()
        results["h"] = latencies

        t0 = time.perf_counter()
        view = HighlightsScreen()
        await app.push_screen(view)
        table = view.query_one(HighlightTable)
        while not table.rows:
            await asyncio.sleep(0.001)
        results["view_open"] = (time.perf_counter() - t0) * 1000
        results["rows"] = len(table.rows)
        filter_times: list[float] = []
        for query in QUERIES:
            for n in range(1, len(query) + 1):
                t0 = time.perf_counter()
                table.show(filter_rows(view._rows, query[:n]))
                filter_times.append((time.perf_counter() - t0) * 1000)
        results["filter"] = filter_times
    store.close()
    return results


def section_ui(n_articles: int = 2000, n_highlights: int = 50_000, presses: int = 60) -> bool:
    with tempfile.TemporaryDirectory(prefix="tuireader-bench-") as tmp:
        root = Path(tmp) / "lib"
        t0 = time.perf_counter()
        ids = build_library(root, n_articles, n_highlights)
        print(f"\n== Annotating latency: {n_articles:,} articles, {n_highlights:,} highlights "
              f"(built in {time.perf_counter() - t0:.1f} s) ==")
        r = asyncio.run(_measure(root, ids, presses))
    h = r["h"]
    assert isinstance(h, list)
    filters = r["filter"]
    assert isinstance(filters, list)
    view_open = float(r["view_open"])  # type: ignore[arg-type]
    rows = [
        ("h → saved and applied, median", statistics.median(h), None),
        ("h → saved and applied, p95", _p95(h), 50.0),
        ("h → saved and applied, max", max(h), None),
        (f"highlights view open ({r['rows']:,} rows)", view_open, 500.0),
        ("filter per keystroke, median", statistics.median(filters), None),
        ("filter per keystroke, max", max(filters), 100.0),
    ]
    passed = True
    print(f"{'measure':<40}{'ms':>9}{'target':>9}  result")
    for label, value, target in rows:
        verdict = ""
        if target is not None:
            ok = value < target
            passed = passed and ok
            verdict = "PASS" if ok else "FAIL"
        shown = f"< {target:.0f}" if target is not None else ""
        print(f"{label:<40}{value:>9.1f}{shown:>9}  {verdict}")
    return passed
