"""Benchmark the document model, the layout and the ReaderView in-process.

    .venv/bin/python bench/reader_layout.py [--quick]

For a 50 KB article, War and Peace as Markdown and a ~5 MB Markdown document it prints: parse
time (first chunk, whole), layout (first screen, whole), the parse cache (write, read, size),
page-down median/p95 through a Pilot (``run_test(size=(120, 40))``), the end-jump time and peak
RSS.  Each case runs in its own process so peak RSS is per document.  Needs ../shared/corpus
(War and Peace).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
WAR_AND_PEACE = SHARED / "corpus/long/war_and_peace.txt"


def book_markdown() -> str:
    """War and Peace as the plain-text importer would hand it over: joined paragraphs."""
    raw = WAR_AND_PEACE.read_bytes().decode("utf-8").replace("\r\n", "\n")
    out: list[str] = []
    for para in re.split(r"\n\s*\n", raw):
        joined = " ".join(line.strip() for line in para.strip().split("\n"))
        if not joined:
            continue
        if re.match(r"^(BOOK|CHAPTER|EPILOGUE|FIRST|SECOND)\b", joined) and len(joined) < 60:
            prefix = "## " if joined.startswith("CHAPTER") else "# "
            joined = prefix + joined
        out.append(joined)
    return "\n\n".join(out) + "\n"


def rich_markdown(target_chars: int) -> str:
    """A Markdown document of about ``target_chars`` with emphasis, lists, quotes and code."""
    paragraphs = [p for p in book_markdown().split("\n\n") if not p.startswith("#")]
    out: list[str] = []
    size = 0
    i = 0
    while size < target_chars:
        para = paragraphs[i % len(paragraphs)]
        if i % 200 == 0:
            para = f"# Part {i // 200}\n\n{para}"
        elif i % 17 == 0:
            para = "- " + para[:300] + "\n- *second* item with `code`\n  - nested **item**"
        elif i % 23 == 0:
            para = "> " + para
        elif i % 97 == 0:
            para = "```python\ndef f(x):\n\treturn x * 2\n```"
        else:
            words = para.split(" ")
            if len(words) > 6:
                words[3] = f"*{words[3]}*"
                words[5] = f"[{words[5]}](https://example.com/{i})"
            para = " ".join(words)
        out.append(para)
        size += len(para) + 2
        i += 1
    return "\n\n".join(out) + "\n"


def make_case(name: str) -> str:
    if name == "article-50k":
        return rich_markdown(50_000)
    if name == "war-and-peace":
        return book_markdown()
    return rich_markdown(5_000_000)


def run_case(name: str, pages: int) -> dict[str, object]:
    from tuireader.core.document import Document, iter_parse
    from tuireader.core.layout import DocumentLayout

    markdown = make_case(name)
    result: dict[str, object] = {"case": name, "chars": len(markdown)}
    t0 = time.perf_counter()
    chunks = iter_parse(markdown)
    doc = Document()
    doc.extend(next(chunks))
    t_first = time.perf_counter()
    layout = DocumentLayout(doc, 80)
    layout.extend()
    result["first_screen_s"] = time.perf_counter() - t0
    result["first_chunk_parse_s"] = t_first - t0
    for blocks in chunks:
        doc.extend(blocks)
    result["full_parse_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    layout = DocumentLayout(doc, 80)
    layout.extend()
    result["full_layout_s"] = time.perf_counter() - t0
    result.update(cache_figures(markdown, doc, layout))
    result["blocks"] = len(doc.blocks)
    result["lines"] = layout.height
    result.update(asyncio.run(pilot_figures(doc, pages)))
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def cache_figures(markdown: str, doc: object, layout: object) -> dict[str, float]:
    """Writing and reading the parse cache (library.parse_cache) of the document and its lines."""
    import tempfile

    from tuireader.library import parse_cache as doccache

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "a.doc"
        t0 = time.perf_counter()
        key = doccache.digest(markdown)
        doccache.save(path, key, doc.blocks, layout.width, layout.lines)  # type: ignore[attr-defined]
        saved = time.perf_counter() - t0
        t0 = time.perf_counter()
        cached = doccache.load(path, key)
        loaded = time.perf_counter() - t0
        assert cached is not None
        return {"cache_save_s": saved, "cache_load_s": loaded,
                "cache_mb": path.stat().st_size / 1e6}


async def pilot_figures(doc: object, pages: int) -> dict[str, float]:
    from textual.app import App, ComposeResult

    from tuireader.widgets.reader import ReaderView

    class BenchApp(App[None]):
        def compose(self) -> ComposeResult:
            yield ReaderView()

    app = BenchApp()
    figures: dict[str, float] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        reader = app.query_one(ReaderView)
        reader.focus()
        t0 = time.perf_counter()
        reader.load(doc)  # type: ignore[arg-type]
        figures["widget_load_call_s"] = time.perf_counter() - t0
        for y in range(reader.size.height):
            reader.render_line(y)
        figures["widget_first_screen_s"] = time.perf_counter() - t0
        await app.workers.wait_for_complete()
        await pilot.pause()
        times: list[float] = []
        for _ in range(pages):
            t0 = time.perf_counter()
            await pilot.press("pagedown")
            times.append(time.perf_counter() - t0)
        times.sort()
        # Through Pilot: includes Pilot's own settling after each key (~60 ms, any document).
        figures["pagedown_median_ms"] = statistics.median(times) * 1000
        figures["pagedown_p95_ms"] = times[int(len(times) * 0.95) - 1] * 1000
        # The widget's own cost: the action plus rendering every visible row (cold cache).
        times = []
        for _ in range(pages):
            t0 = time.perf_counter()
            reader.action_page_down()
            for y in range(reader.size.height):
                reader.render_line(y)
            times.append(time.perf_counter() - t0)
        times.sort()
        figures["pagedown_widget_median_ms"] = statistics.median(times) * 1000
        figures["pagedown_widget_p95_ms"] = times[int(len(times) * 0.95) - 1] * 1000
        t0 = time.perf_counter()
        await pilot.press("G")
        figures["end_jump_s"] = time.perf_counter() - t0
        assert reader.scroll_y == reader.max_scroll_y
        t0 = time.perf_counter()
        reader.find("the")
        await pilot.pause()
        figures["find_the_s"] = time.perf_counter() - t0
        figures["find_the_count"] = reader.match_count
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", help="run one case in this process and print JSON")
    parser.add_argument("--quick", action="store_true", help="fewer page-downs")
    args = parser.parse_args()
    pages = 20 if args.quick else 60
    if args.case:
        print(json.dumps(run_case(args.case, pages)))
        return
    if not WAR_AND_PEACE.exists():
        sys.exit(f"needs {WAR_AND_PEACE}")
    for case in ("article-50k", "war-and-peace", "markdown-5mb"):
        command = [sys.executable, __file__, "--case", case] + (["--quick"] if args.quick else [])
        out = subprocess.run(command, capture_output=True, text=True, check=False)
        if out.returncode:
            print(f"{case}: FAILED\n{out.stderr}")
            continue
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"\n== {case}: {figures.pop('chars'):,} chars of Markdown")
        for key, value in figures.items():
            if key != "case":
                shown = f"{value:.3f}" if isinstance(value, float) else f"{value:,}"
                print(f"  {key:24} {shown}")


if __name__ == "__main__":
    main()
