"""HTML import quality: token F1 of our importer against two truth sets, next to the libraries.

One command, run from the repository root::

    .venv/bin/python bench/import_quality.py [--only ours] [--dump per-page.json] [--no-huge]

Sets (found in ``../shared/corpus`` next to the repository):

- ``readability``: mozilla/readability test pages; truth is the text of ``expected.html``.
- ``extraction-benchmark``: scrapinghub pages; truth is ``articleBody`` in ``ground-truth.json``.

For each set and each method (ours = ``import_html``; trafilatura alone; readability-lxml alone)
it prints mean and median F1, mean precision and recall, the 10th percentile F1, failures
(exceptions or empty output) and pages per second (wall clock of the method's calls alone,
single process, after one untimed warm-up call per method so that library imports are not
counted; scoring is not timed).  The metric lives in ``bench/_f1.py``.  Timings move with
machine load: check ``uptime`` and repeat.

Scoring is on the text a reader sees: link and image targets are dropped, their text kept
(:func:`_f1.markdown_visible_text`).  Then, unless ``--no-huge``, our importer alone on the
bounded-cost cases, each in a fresh subprocess so that its peak RSS is its own: an 8 MB article
page, a whole book (War and Peace) as one HTML file, and 10,000 levels of nesting.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))

import lxml.html  # noqa: E402

from _f1 import markdown_visible_text, score  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
SETS = ("readability", "extraction-benchmark")


@dataclass
class Page:
    """One test page and the text an ideal importer would produce."""

    name: str
    html: bytes
    truth: str


def load_set(name: str, corpus: Path = CORPUS) -> list[Page]:
    """Read one truth set from the corpus folder."""
    pages: list[Page] = []
    folder = corpus / name
    for page_dir in sorted(p for p in folder.iterdir() if (p / "source.html").exists()):
        html = (page_dir / "source.html").read_bytes()
        if name == "readability":
            expected = (page_dir / "expected.html").read_bytes().decode("utf-8")
            truth = lxml.html.fromstring(expected).text_content()
        else:
            truth = json.loads((page_dir / "ground-truth.json").read_text("utf-8"))["articleBody"]
        pages.append(Page(page_dir.name, html, truth))
    return pages


def ours(page: Page) -> str:
    """Our importer, measured on the visible text of its Markdown."""
    from tuireader.importers.html import import_html

    return markdown_visible_text(import_html(page.html, source=page.name).markdown)


def trafilatura_alone(page: Page) -> str:
    """trafilatura with its defaults (plain-text output, tables included)."""
    import trafilatura

    return trafilatura.extract(page.html, include_comments=False, include_tables=True) or ""


def readability_alone(page: Page) -> str:
    """readability-lxml with its defaults; the text of its summary HTML."""
    from readability import Document

    summary = Document(page.html).summary(html_partial=True)
    return lxml.html.fromstring(summary).text_content() if summary.strip() else ""


METHODS: dict[str, Callable[[Page], str]] = {
    "ours": ours,
    "trafilatura": trafilatura_alone,
    "readability-lxml": readability_alone,
}


@dataclass
class Result:
    """Scores of one method over one set."""

    f1: list[float] = field(default_factory=list)
    precision: list[float] = field(default_factory=list)
    recall: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    per_page: dict[str, float] = field(default_factory=dict)


#: A small page each method converts once, untimed, before a set: pages/s is per-page cost, and
#: the first call of each method would otherwise include importing its libraries (about 0.5 s).
WARM_UP = Page(
    "warm-up",
    (
        "<html><head><title>Warm-up</title></head><body><article><h1>Warm-up</h1>"
        + "<p>A paragraph of ordinary prose, long enough to count as an article body.</p>" * 8
        + "</article></body></html>"
    ).encode(),
    "",
)


def run(method: Callable[[Page], str], pages: list[Page]) -> Result:
    """Score ``method`` on every page; an exception or empty output counts as F1 = 0."""
    result = Result()
    try:
        method(WARM_UP)
    except Exception:  # only warms up: the real pages count failures below
        pass
    for page in pages:
        start = time.perf_counter()
        try:
            text = method(page)
        except Exception as exc:  # a benchmark must survive and count every failure
            result.failures.append(f"{page.name}: {type(exc).__name__}: {exc}")
            text = ""
        result.seconds += time.perf_counter() - start  # the method only, not the scoring
        if not text.strip() and not any(page.name in f for f in result.failures):
            result.failures.append(f"{page.name}: empty output")
        s = score(text, page.truth)
        result.f1.append(s.f1)
        result.precision.append(s.precision)
        result.recall.append(s.recall)
        result.per_page[page.name] = round(s.f1, 4)
    return result


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def rows(results: dict[str, Result], pages: int) -> Iterator[str]:
    """Table rows, one per method."""
    yield (
        f"  {'method':<18}{'mean F1':>8}{'median':>8}{'prec':>7}{'recall':>7}"
        f"{'p10':>7}{'fail':>6}{'pages/s':>9}"
    )
    for name, r in results.items():
        yield (
            f"  {name:<18}{statistics.mean(r.f1):>8.3f}{statistics.median(r.f1):>8.3f}"
            f"{statistics.mean(r.precision):>7.3f}{statistics.mean(r.recall):>7.3f}"
            f"{percentile(r.f1, 10):>7.3f}{len(r.failures):>6}{pages / r.seconds:>9.1f}"
        )


#: One bounded-cost case: build the page, import it once, report seconds, peak RSS and outcome.
HUGE_CASE = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from tuireader.importers.base import ImportFailed
from tuireader.importers.html import import_html
body = "The committee met on Tuesday to discuss the new reading list for autumn. " * 6
case = sys.argv[2]
if case == "8 MB page":
    para = f"<p>{body}</p>\n"
    html = ("<html><head><title>A big page</title></head><body><article><h2>Big</h2>"
            + para * (8_000_000 // len(para)) + "</article>")
elif case == "book as one file":
    text = Path(sys.argv[3], "long", "war_and_peace.txt").read_text("utf-8")
    paras = "".join(f"<p>{p}</p>\n" for p in text.split("\n\n") if p.strip())
    html = f"<html><head><title>War and Peace</title></head><body><div>{paras}</div></body></html>"
else:
    html = ("<html><body>" + "<div>" * 10_000 + f"<p>{body}</p>" * 3 + "</div>" * 10_000
            + "</body></html>")
start = time.perf_counter()
try:
    art = import_html(html.encode())
    outcome = f"article, {len(art.markdown) / 1e3:,.0f} kB of Markdown"
except (ImportFailed, RecursionError) as exc:
    outcome = f"{type(exc).__name__}: {exc}"
seconds = time.perf_counter() - start
# VmHWM, not ru_maxrss: the latter keeps the parent's peak across fork and exec.
status = Path("/proc/self/status").read_text()
rss = int(status.split("VmHWM:")[1].split()[0]) / 1024
print(f"{seconds:.2f}\t{rss:.0f}\t{outcome}")
"""
HUGE_CASES = ("8 MB page", "book as one file", "10,000-level nesting")


def huge(corpus: Path) -> Iterator[str]:
    """Rows for the bounded-cost cases (ours only), each run in its own process."""
    yield f"  {'case':<22}{'seconds':>8}{'peak RSS':>10}  outcome"
    for case in HUGE_CASES:
        done = subprocess.run(
            [sys.executable, "-c", HUGE_CASE, str(REPO / "src"), case, str(corpus)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode:
            yield f"  {case:<22}  crashed: {done.stderr.strip().splitlines()[-1:]}"
            continue
        seconds, rss, outcome = done.stdout.strip().split("\t")
        yield f"  {case:<22}{seconds:>8}{rss + ' MB':>10}  {outcome}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only", choices=sorted(METHODS), action="append", help="run only this method (repeatable)"
    )
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--dump", type=Path, help="write per-page F1 as JSON here")
    parser.add_argument(
        "--no-huge", action="store_true", help="skip the 8 MB page, the book and the deep nesting"
    )
    args = parser.parse_args(argv)
    if not (args.corpus / SETS[0]).is_dir():
        print(f"corpus not found at {args.corpus}", file=sys.stderr)
        return 2
    logging.disable(logging.CRITICAL)  # the libraries log every odd page
    methods = {k: v for k, v in METHODS.items() if not args.only or k in args.only}
    dump: dict[str, dict[str, dict[str, float]]] = {}
    for set_name in SETS:
        pages = load_set(set_name, args.corpus)
        results = {name: run(fn, pages) for name, fn in methods.items()}
        print(f"\n{set_name} ({len(pages)} pages)")
        for line in rows(results, len(pages)):
            print(line)
        for name, r in results.items():
            for failure in r.failures:
                print(f"    {name} failed: {failure}")
        dump[set_name] = {name: r.per_page for name, r in results.items()}
    if args.dump:
        args.dump.write_text(json.dumps(dump, indent=1))
    if not args.no_huge and "ours" in methods:
        print("\nbounded cost (ours, one process per case)")
        for line in huge(args.corpus):
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
