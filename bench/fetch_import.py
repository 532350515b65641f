"""Bulk fetch + import of a read-later export (issue 17): 1,000 URLs at 200 ms server latency.

Run with ``.venv/bin/python bench/fetch_import.py`` (``--urls``, ``--delay``, ``--concurrency``,
``--per-host``, ``--sites`` to change it).

A local HTTP server (a separate process, on 127.0.0.1 only) serves the pages of the shared
corpus (``../shared/corpus/readability/*/source.html``) after ``--delay`` seconds per request.
It listens on ``--sites`` ports, each one a "site" (the per-host limit counts host and port),
and each page is made unique (its number appended to every text block) so that the store does
not fold copies together.  Among the URLs, every 50th is a page that is not there (404: it
becomes a link-only article with its reason) and every 100th repeats an earlier URL (a
duplicate in the export).

The run, end to end: a Pocket CSV of ``--urls`` rows is written and read by the Pocket reader;
the works are fetched by :func:`fetch_missing` (the progress callback's longest silence is
recorded: the bar's updates); then every work is stored through ``Store.add_article`` in a
fresh library (the import engine, ``library/bridge``, is on another branch: the bench stores
the works itself, as the engine does: the fetched text as an article, a page that failed as a
``kind="link-only"`` article holding its title, URL and reason).  Printed: pages per second end
to end beside the serial floor (``1 / delay``), the split between fetching and storing, peak
RSS (VmHWM of this process; the server is another process), and the accounting: added +
link-only + duplicate must equal the rows of the file.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tuireader.core.bridge import ForeignWork
from tuireader.core.model import ImportedArticle
from tuireader.importers.foreign import by_name
from tuireader.importers.foreign.fetching import FetchStats, fetch_missing
from tuireader.library.store import Store

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "readability"
TARGET_PAGES_PER_S = 8.0
TARGET_RSS_MB = 400.0
#: Closing tags of text blocks: the page's number goes before each, so every copy is unique.
_UNIQUE = re.compile(rb"</(?:p|li|td|pre|blockquote|div|h[1-6])>", re.I)


def _serve(pages: list[bytes], ports: list[int], delay: float, ready: object) -> None:
    """The server process: one ThreadingHTTPServer per port ("site"), all on 127.0.0.1."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

        def do_GET(self) -> None:
            time.sleep(delay)
            found = re.fullmatch(r"/p/(\d+)", self.path)
            if not found:
                body, status = b"not here", 404
            else:
                number = int(found.group(1))
                page = pages[number % len(pages)]
                mark = f" (copy {number})".encode()
                body, status = _UNIQUE.sub(lambda m: mark + m.group(0), page), 200
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: object, client_address: object) -> None:
            """A client closing its kept-alive connection at the end is no error."""

    servers = []
    for _ in ports:
        httpd = Server(("127.0.0.1", 0), Handler)
        servers.append(httpd)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
    ready.put([s.server_address[1] for s in servers])  # type: ignore[attr-defined]
    threading.Event().wait()


def _vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _write_export(path: Path, ports: list[int], count: int) -> int:
    """A Pocket CSV of ``count`` rows; returns how many are duplicates of an earlier row."""
    duplicates = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["title", "url", "time_added", "cursor", "tags", "status"])
        for i in range(count):
            port = ports[i % len(ports)]
            if i % 100 == 99:
                n, duplicates = i - 1, duplicates + 1
                port = ports[n % len(ports)]
                url = f"http://127.0.0.1:{port}/p/{n}"
            elif i % 50 == 49:
                url = f"http://127.0.0.1:{port}/missing/{i}"
            else:
                url = f"http://127.0.0.1:{port}/p/{i}"
            out.writerow([f"Saved page {i}", url, 1_700_000_000 + i, f"c{i}", "bench|pocket",
                          "archive" if i % 7 == 0 else "unread"])
    return duplicates


def _link_only(work: ForeignWork) -> ImportedArticle:
    """What the engine makes of a page it could not fetch: its title, URL and the reason."""
    return ImportedArticle(title=work.title, url=work.url, source=work.url, kind="link-only",
                           markdown=f"<{work.url}>\n\nNot fetched: {work.missing_reason}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--urls", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=0.2, help="server latency (s)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--sites", type=int, default=8, help="server ports (sites)")
    args = parser.parse_args(argv)
    files = sorted(CORPUS.glob("*/source.html"))
    if not files:
        print(f"no corpus pages under {CORPUS}", file=sys.stderr)
        return 1
    pages = [f.read_bytes() for f in files]
    queue: multiprocessing.Queue[list[int]] = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, daemon=True,
                                     args=(pages, list(range(args.sites)), args.delay, queue))
    server.start()
    ports = queue.get(timeout=30)
    del pages
    try:
        with tempfile.TemporaryDirectory() as tmp:
            export_path = Path(tmp) / "part_000000.csv"
            duplicates_in_file = _write_export(export_path, ports, args.urls)
            return _run(args, export_path, Path(tmp) / "library", duplicates_in_file)
    finally:
        server.terminate()
        server.join(5)


def _run(args: argparse.Namespace, export_path: Path, library: Path,
         duplicates_in_file: int) -> int:
    load_before = os.getloadavg()[0]
    cpu_start = time.process_time()
    start = time.perf_counter()
    export = by_name("pocket").read(export_path, None)
    rows = len(export.works) + len(export.skipped)
    last = [time.perf_counter()]
    gaps: list[float] = []

    def progress(stats: FetchStats) -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    seen: dict[str, ForeignWork] = {}
    unique: list[ForeignWork] = []
    for work in export.works:  # the engine folds a URL the export names twice
        if work.url not in seen:
            seen[work.url] = work
            unique.append(work)
    fetch_start = time.perf_counter()
    stats = fetch_missing(unique, concurrency=args.concurrency, per_host=args.per_host,
                          progress=progress)
    fetched_at = time.perf_counter()
    outcome: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    store = Store(library)
    try:
        for work in export.works:
            if seen.get(work.url) is not work:
                outcome["duplicate"] += 1
                continue
            if work.content is not None:
                result = store.add_article(work.content, tags=work.tags)
                if work.archived and not result.article.archived:
                    result.article.archived = True
                    store.update_article(result.article)
                outcome["added" if result.status == "added"
                        else f"duplicate ({result.status}: the same text)"] += 1
            else:
                reasons[re.sub(r"https?://\S+", "URL", work.missing_reason)] += 1
                store.add_article(_link_only(work), tags=work.tags)
                outcome["link-only"] += 1
        stored = len(store.list_articles())
    finally:
        store.close()
    end = time.perf_counter()
    cpu = time.process_time() - cpu_start
    total = end - start
    peak = _vm_hwm_mb()
    accounted = sum(outcome.values())
    rate = rows / total

    print(f"bulk fetch + import: {rows} URLs, server latency {args.delay * 1000:.0f} ms, "
          f"{args.sites} sites, concurrency {args.concurrency}, per host {args.per_host}")
    print(f"  end to end     {total:7.1f} s   {rate:6.1f} pages/s   "
          f"(target >= {TARGET_PAGES_PER_S:g}/s; serial floor {1 / args.delay:.1f}/s)  "
          f"{'OK' if rate >= TARGET_PAGES_PER_S else 'MISSED'}")
    print(f"  fetch+extract  {fetched_at - fetch_start:7.1f} s   "
          f"{stats.total / (fetched_at - fetch_start):6.1f} pages/s   "
          f"({stats.fetched} fetched, {stats.failed} failed, {stats.retries} retries)")
    print(f"  store          {end - fetched_at:7.1f} s   ({stored} articles in the library)")
    print(f"  read export    {fetch_start - start:7.2f} s")
    print(f"  CPU            {cpu:7.1f} s in this process; load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after (2 cores, shared)")
    print(f"  progress: {len(gaps)} updates, longest silence {max(gaps, default=0):.2f} s")
    print(f"  peak RSS       {peak:7.0f} MB  (target < {TARGET_RSS_MB:g} MB)  "
          f"{'OK' if peak < TARGET_RSS_MB else 'MISSED'}")
    parts = " + ".join(f"{n} {kind}" for kind, n in sorted(outcome.items()))
    print(f"  accounted: {parts} + {len(export.skipped)} skipped = "
          f"{accounted + len(export.skipped)} of {rows} rows "
          f"({'100 %' if accounted + len(export.skipped) == rows else 'NOT ALL'}; "
          f"{duplicates_in_file} duplicates written)")
    for reason, n in reasons.most_common(3):
        print(f"    link-only x{n}: {reason}")
    ok = rate >= TARGET_PAGES_PER_S and peak < TARGET_RSS_MB and \
        accounted + len(export.skipped) == rows
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
