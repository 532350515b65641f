"""Benchmark the KOReader, Readwise and Hypothesis readers on large generated files.

Run with ``.venv/bin/python bench/highlight_readers.py`` (``--scale 0.1`` for a quick run).
Figures, each a fresh read of files written to a temporary folder:

* KOReader: a tree of 1,000 ``.sdr`` sidecars of 20 annotations each (20,000 highlights);
* KOReader: one 15 MB sidecar (near the 16 MB bound) of 25,000 annotations;
* Readwise: a 50,000-row CSV export (with multi-line quotes and discarded rows);
* Hypothesis: a 20,000-annotation client export.

Each prints the time, the highlights read and the process's peak RSS so far, and checks the
count (a reader that drops entries fails here, not only in the tests).
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from tuireader.importers.foreign import hypothesis, koreader, readwise

ANNOTATION = '''        [{n}] = {{
            ["chapter"] = "Chapter {c}",
            ["color"] = "{colour}",
            ["datetime"] = "2024-03-01 10:{m:02d}:{s:02d}",
            ["drawer"] = "lighten",
            ["page"] = "/body/DocFragment[{c}]/body/div/p[{n}]/text().0",
            ["pageno"] = {page},
            ["pos0"] = "/body/DocFragment[{c}]/body/div/p[{n}]/text().0",
            ["pos1"] = "/body/DocFragment[{c}]/body/div/p[{n}]/text().80",
            ["text"] = "Highlight {n} of book {b}: \\226\\128\\156a quoted passage\\226\\128\\157 \\
that goes over a line, with \\"escapes\\" and words enough to be a sentence.",
            ["note"] = "note {n}",
        }},
'''


def sidecar(book: int, count: int) -> str:
    colours = ("yellow", "green", "blue", "red", "purple", "orange")
    body = "".join(ANNOTATION.format(n=n, c=n % 40 + 1, colour=colours[n % 6], m=n % 60,
                                     s=n % 59, page=n % 300 + 1, b=book)
                   for n in range(1, count + 1))
    return ('-- /mnt/books/book.sdr/metadata.epub.lua\nreturn {\n    ["annotations"] = {\n'
            + body + '    },\n    ["doc_pages"] = 300,\n    ["doc_props"] = {\n'
            f'        ["title"] = "Book {book}",\n        ["authors"] = "Author {book}",\n'
            '    },\n    ["partial_md5_checksum"] = "0123456789abcdef0123456789abcdef",\n}\n')


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, func, path: Path, expected: int) -> None:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    export = func(path)
    took = time.perf_counter() - start
    count = sum(len(w.highlights) for w in export.works)
    status = "ok" if count == expected else f"EXPECTED {expected}"
    print(f"{label:<44} {took:7.2f} s  {count:>7,} highlights  peak RSS {rss_mb():6.0f} MB  "
          f"{status}")
    if count != expected:
        sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    books, per_book = max(1, int(1000 * args.scale)), 20
    big, rows, notes = int(25_000 * args.scale), int(50_000 * args.scale), int(20_000 * args.scale)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        tree = root / "tree"
        for b in range(books):
            folder = tree / f"shelf{b % 10}" / f"Book {b}.sdr"
            folder.mkdir(parents=True)
            (folder / "metadata.epub.lua").write_text(sidecar(b, per_book), encoding="utf-8")
        timed(f"KOReader: {books:,} sidecars (tree)", koreader.read, tree, books * per_book)

        one = root / "big.sdr" / "metadata.epub.lua"
        one.parent.mkdir()
        one.write_text(sidecar(0, big), encoding="utf-8")
        size = one.stat().st_size / (1 << 20)
        timed(f"KOReader: one {size:.0f} MB sidecar", koreader.read, one, big)

        path = root / "readwise.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(readwise.COLUMNS)
            for n in range(rows):
                tags = "discard" if n % 10 == 9 else ("favorite" if n % 7 == 0 else "")
                writer.writerow([f"Highlight {n},\nover two lines", f"Book {n % 500}",
                                 f"Author {n % 500}", "", f"note {n}" if n % 3 else "",
                                 "yellow", tags, "location", str(n),
                                 "2020-09-21 04:53:16.752500+00:00", "tag"])
        kept = rows - rows // 10
        timed(f"Readwise: {rows:,}-row CSV", readwise.read, path, kept)

        path = root / "hypothesis.json"
        uri = "https://example.com/page/{}"
        items = [{"id": f"a{n}", "uri": uri.format(n % 400), "created": "2023-05-06T07:08:09Z",
                  "text": f"note {n}", "tags": ["t"], "document": {"title": [f"Page {n % 400}"]},
                  "target": [{"source": uri.format(n % 400), "selector": [
                      {"type": "TextPositionSelector", "start": n, "end": n + 30},
                      {"type": "TextQuoteSelector", "exact": f"quoted passage {n}",
                       "prefix": "before ", "suffix": " after"}]}]}
                 for n in range(notes)]
        path.write_text(json.dumps({"export_date": "2024-01-01T00:00:00Z",
                                    "export_userid": "acct:me@hypothes.is",
                                    "client_version": "1", "annotations": items}),
                        encoding="utf-8")
        timed(f"Hypothesis: {notes:,} annotations", hypothesis.read, path, notes)


if __name__ == "__main__":
    main()
