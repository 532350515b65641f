"""UI latency of annotating, measured in-process through Textual's Pilot.

* ``h`` to drawn and saved: from the key reaching the screen (``action_highlight``) until both
  the reader has drawn a line with the new highlight (the screen's editor draws it at once,
  while the save runs on the app's writer thread) and the save (``Annotator.add_new``) has
  returned (fsynced).  Also shown: until the
  side panel, list and status line were updated from the store after the save.
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
from tuireader.library.store import Store
from tuireader.screens.highlights import HighlightsScreen
from tuireader.screens.main import MainScreen
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
        saved: list[float] = []
        drawn: list[float] = []
        annotator = app.annotator
        original_add = annotator.add_new

        def timed_add(highlight):  # type: ignore[no-untyped-def]
            result = original_add(highlight)
            saved.append(time.perf_counter())
            return result

        annotator.add_new = timed_add  # type: ignore[method-assign]
        original_render = reader.render_line
        watch: dict[str, object] = {}

        def render_line(y: int):  # type: ignore[no-untyped-def]
            strip = original_render(y)
            target = watch.get("range")
            if target is not None:
                lines = reader.text_layout.lines
                line = lines[min(len(lines) - 1, round(reader.scroll_y) + y)]
                start, end = target  # type: ignore[misc]
                if line.start < end and start < line.end and (start, end) in [
                        (a, b) for a, b, _k in reader.highlights]:
                    drawn.append(time.perf_counter())
                    watch["range"] = None
            return strip

        reader.render_line = render_line  # type: ignore[method-assign]
        latencies: list[float] = []
        applied: list[float] = []
        blocks = len(reader.document.blocks)
        for i in range(presses):
            # Every press makes a new highlight: a block, then (second round on) a block less
            # its first i // blocks characters (``h`` on a range already highlighted saves
            # nothing, so there would be no save to time).
            if i < blocks:
                reader.jump_to_block(i)
            else:
                block = reader.document.blocks[i % blocks]
                reader.focus_range_at(block.start + i // blocks, block.end)
            await pilot.pause()
            n_saved, n_drawn = len(saved), len(drawn)
            before = screen.highlights  # a new list once the saved highlights are shown
            first, last = reader.annotation_range()
            text = reader.document.plain_text
            while first < last and text[first].isspace():
                first += 1
            while last > first and text[last - 1].isspace():
                last -= 1
            watch["range"] = (first, last)
            t0 = time.perf_counter()
            screen.action_highlight()
            done: float | None = None
            while done is None or len(saved) == n_saved or len(drawn) == n_drawn:
                if done is None and screen.highlights is not before:
                    done = time.perf_counter()
                await asyncio.sleep(0.0005)
            latencies.append((max(saved[-1], drawn[-1]) - t0) * 1000)
            applied.append((done - t0) * 1000)
            await pilot.pause()
        results["h"] = latencies
        results["applied"] = applied

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
                table.show(filter_rows(table.rows, query[:n]))
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
    applied = r["applied"]
    assert isinstance(applied, list)
    rows = [
        ("h → drawn and saved, median", statistics.median(h), None),
        ("h → drawn and saved, p95", _p95(h), 50.0),
        ("h → drawn and saved, max", max(h), None),
        ("h → panel/list/status updated, median", statistics.median(applied), None),
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
