"""Benchmark the export: 2,000 articles, 50,000 highlights, Markdown to a folder, twice.

Run with ``.venv/bin/python bench/export.py`` (``--articles``/``--highlights`` to change the
size, ``--format`` for json or annotated, ``--keep DIR`` to leave the library and exports there).

The library is built in the store's on-disk format by ``bench/store.py``'s builder, with a
``## Section`` heading every eight paragraphs so locations have sections to find.  Figures:

* store read: opening the library and loading every article, its highlights and its Markdown
  through the public :class:`Store` API (the part owned by the store);
* format only: rendering every article from those in-memory inputs (no I/O);
* write: writing the formatted files into a new folder (``write_folder``, a ``FolderWriter``:
  names, manifest, atomic writes; no per-file fsync for a batch this size);
* end to end: ``export_to_folder`` on a freshly opened store as ``tuireader export -o DIR``
  runs it (``workers=export_workers()``: two processes on a machine with two CPUs), into a new
  folder twice (every file written), the figure held to the 3 s target; then once with one
  process (``workers=1``, what the App and the Python API do by default), for information;
* the two runs' files must be byte-identical (a fixed ``exported`` time is passed);
* re-export, nothing changed: a third run into the same folder (every file left untouched).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from store import TAGS, _paragraph
from tuireader.cli.export import export_workers
from tuireader.core.document import parse_markdown
from tuireader.core.model import Article, make_highlight, new_id
from tuireader.export import FolderReport, Recipe, Renderer, export_to_folder, select, write_folder
from tuireader.export.folder import Output
from tuireader.library.reconcile import text_hash
from tuireader.library.store import SCHEMA_VERSION, Store, content_hash

TARGET_S = 3.0
EXPORTED = "2025-01-01T00:00:00+00:00"


def build_library(root: Path, n_articles: int, n_highlights: int, seed: int = 1) -> None:
    """Articles with sections, highlights with notes and tags, in the on-disk format."""
    rng = random.Random(seed)
    (root / "articles").mkdir(parents=True, exist_ok=True)
    (root / "annotations").mkdir(exist_ok=True)
    pool = [_paragraph(rng, rng.randint(60, 140)) for _ in range(300)]
    per = [n_highlights // n_articles] * n_articles
    for i in range(n_highlights - sum(per)):
        per[i] += 1
    articles: dict[str, dict[str, object]] = {}
    ids: set[str] = set()
    checked = 0
    for n in range(n_articles):
        article_id = new_id()
        while article_id in ids:
            article_id = new_id()
        ids.add(article_id)
        paragraphs = rng.sample(pool, 40)
        body_parts: list[str] = []
        plain_parts: list[str] = []
        for k, para in enumerate(paragraphs):
            if k % 8 == 0:
                heading = f"Section {k // 8 + 1}: {_paragraph(rng, 3)[:-1]}"
                body_parts.append(f"## {heading}")
                plain_parts.append(heading)
            body_parts.append(para)
            plain_parts.append(para)
        body, plain = "\n\n".join(body_parts), "\n\n".join(plain_parts)
        if checked < 3:  # the hand-made plain text must be what the parser makes
            assert parse_markdown(body).plain_text == plain
            checked += 1
        article = Article(id=article_id, title=f"Article {n}: {_paragraph(rng, 6)}",
                          author="A. Writer", site="example.org",
                          source=f"https://example.org/{article_id}",
                          added=f"2024-01-01T00:{n // 60 % 60:02d}:{n % 60:02d}+00:00",
                          word_count=len(plain.split()), char_count=len(plain),
                          content_hash=content_hash(body), tags=rng.sample(TAGS, rng.randint(0, 2)))
        articles[str(n + 1)] = article.to_record()
        (root / "articles" / f"{article_id}.md").write_text(body, encoding="utf-8")
        (root / "articles" / f"{article_id}.json").write_text(  # the sidecar (schema 2)
            json.dumps({**article.to_record(), "text_hash": text_hash(plain)}), encoding="utf-8")
        records: dict[str, dict[str, object]] = {}
        for k in range(per[n]):
            start = rng.randrange(0, len(plain) - 200)
            h = make_highlight(article_id, plain, start, start + rng.randint(120, 180),
                               kind=rng.randint(1, 5))
            h.created = h.updated = "2024-06-01T12:00:00+00:00"
            if rng.random() < 0.3:
                h.note = _paragraph(rng, rng.randint(5, 30))
            h.tags = rng.sample(TAGS, rng.choice((0, 0, 1, 1, 2, 3)))
            records[str(k + 1)] = h.to_record()
        (root / "annotations" / f"{article_id}.json").write_text(
            json.dumps({"highlights": records}, separators=(",", ":")), encoding="utf-8")
    data = {"articles": articles, "_meta": {"1": {"schema_version": SCHEMA_VERSION}}}
    (root / "library.json").write_text(json.dumps(data), encoding="utf-8")


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def run(root: Path, n_articles: int, n_highlights: int, fmt: str) -> bool:
    t0 = time.perf_counter()
    build_library(root / "library", n_articles, n_highlights)
    print(f"built {n_articles} articles, {n_highlights} highlights in "
          f"{time.perf_counter() - t0:.1f} s")
    rows: list[tuple[str, float, str]] = []

    t0 = time.perf_counter()
    with Store(root / "library", read_only=True) as store:
        chosen = select(store)
        texts = {a.id: store.read_markdown(a.id) for a, _ in chosen}
    t_read = time.perf_counter() - t0
    count = sum(len(hs) for _, hs in chosen)
    rows.append(("store read (open, highlights, text)", t_read, f"{len(chosen)} articles, "
                 f"{count} highlights"))

    class Memory:  # the renderer reads the text through this, so only formatting is timed
        def read_markdown(self, article_id: str) -> str:
            return texts[article_id]

    renderer = Renderer(Recipe.of(fmt, exported=EXPORTED))
    t0 = time.perf_counter()
    rendered = [renderer.render(Memory(), a, hs) for a, hs in chosen]
    t_format = time.perf_counter() - t0
    size = sum(len(r.encode()) for r in rendered)
    rows.append(("format only (in memory)", t_format, f"{size / 1e6:.1f} MB of {fmt}"))

    outputs = [Output.of(fmt, a, text) for (a, _), text in zip(chosen, rendered, strict=True)]
    t0 = time.perf_counter()
    write_folder(root / "written", outputs)
    rows.append(("write (new folder)", time.perf_counter() - t0, f"{len(outputs)} files"))

    workers = export_workers()
    digests = []
    for run_no in (1, 2):
        out = root / "out"
        report = FolderReport()
        t0 = time.perf_counter()
        with Store(root / "library", read_only=True) as store:
            paths = export_to_folder(store, None, out, fmt, exported=EXPORTED, report=report,
                                     workers=workers)
        elapsed = time.perf_counter() - t0
        rows.append((f"end to end, run {run_no}", elapsed,
                     f"{len(report.written)} written, {len(report.unchanged)} unchanged, "
                     f"{workers} process{'es' if workers > 1 else ''}"))
        digests.append(digest(out))
        if run_no == 1:
            first = {p.name: p.read_bytes() for p in paths}
            import shutil
            shutil.rmtree(out)  # the second run writes every file again, from scratch
    second = {p.name: p.read_bytes() for p in sorted((root / "out").iterdir())
              if not p.name.startswith(".")}
    identical = first == second and digests[0] == digests[1]

    t0 = time.perf_counter()
    with Store(root / "library", read_only=True) as store:
        report = FolderReport()
        export_to_folder(store, None, root / "out", fmt, exported=EXPORTED, report=report,
                         workers=workers)
    rows.append(("re-export, nothing changed", time.perf_counter() - t0,
                 f"{len(report.unchanged)} files left untouched"))
    identical = identical and not report.written

    t0 = time.perf_counter()
    with Store(root / "library", read_only=True) as store:
        export_to_folder(store, None, root / "serial", fmt, exported=EXPORTED, workers=1)
    rows.append(("end to end, 1 process (info)", time.perf_counter() - t0,
                 "workers=1: the App's and the API's default"))
    identical = identical and digest(root / "serial") == digests[0]

    ok = identical
    print(f"\n{'measure':<38}{'s':>8}{'target':>9}  result  note")
    for name, seconds, note in rows:
        target = name.startswith("end to end") and "(info)" not in name
        verdict = ("PASS" if seconds < TARGET_S else "FAIL") if target else ""
        ok = ok and verdict != "FAIL"
        print(f"{name:<38}{seconds:>8.2f}{(f'< {TARGET_S:.0f}' if target else ''):>9}  "
              f"{verdict:<6}  {note}")
    print(f"two runs byte-identical: {'PASS' if identical else 'FAIL'} "
          f"({len(first)} files, sha256 {digests[0][:12]})")
    print("PASS" if ok else "FAIL")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--highlights", type=int, default=50_000)
    parser.add_argument("--format", default="markdown", choices=("markdown", "json", "annotated"))
    parser.add_argument("--keep", type=Path, help="build and export in this (new) folder")
    args = parser.parse_args()
    if args.keep:
        return 0 if run(args.keep, args.articles, args.highlights, args.format) else 1
    with tempfile.TemporaryDirectory(prefix="tuireader-export-bench-") as tmp:
        return 0 if run(Path(tmp), args.articles, args.highlights, args.format) else 1


if __name__ == "__main__":
    sys.exit(main())
