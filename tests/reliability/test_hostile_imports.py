"""Suite 6: hostile imports not covered elsewhere, each with bounded time and memory.

All cases run in one subprocess with an address-space limit (2 GB), so a runaway parser fails
the test instead of the machine; each case must finish within its deadline with a clear
outcome: an article, or a one-line error.  (Deep nesting, 8 MB pages, oversized input:
tests/test_import_html.py; FIFO, empty files: tests/test_text_import.py.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

BODY = "The committee met on Tuesday to discuss the river and the bridge over it. "

CASES = textwrap.dedent(r"""
    import json, os, resource, sys, time
    from pathlib import Path
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    from tuireader.importers import import_source
    folder = Path(sys.argv[1])
    results = {}
    for name in sorted(os.listdir(folder)):
        t0 = time.monotonic()
        outcomes = list(import_source(str(folder / name)))
        results[name] = {
            "seconds": round(time.monotonic() - t0, 2),
            "articles": [o.article.markdown[:20000] for o in outcomes if o.article],
            "titles": [o.article.title for o in outcomes if o.article],
            "errors": [o.error for o in outcomes if o.error],
        }
    results["_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps(results))
""")

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">\n'
              for i in range(1, 10))
    + ']>\n<html xmlns="http://www.w3.org/1999/xhtml"><body><p>' + BODY
    + ' &lol9;</p></body></html>'
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE x [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n'
    '<html><body><p>' + BODY + ' &xxe;</p></body></html>'
)


def _write_cases(folder: Path) -> None:
    folder.mkdir()
    (folder / "billion-laughs.xhtml.html").write_text(BILLION_LAUGHS)
    (folder / "external-entity.html").write_text(EXTERNAL_ENTITY)
    (folder / "amp-flood.html").write_text(
        "<html><body><p>" + BODY + "&amp;" * 1_000_000 + "</p><p>" + BODY + "</p></body></html>")
    (folder / "single-8mb-line.txt").write_text(("word " * 1_600_000).strip())
    (folder / "single-8mb-line.html").write_text(
        "<html><body><p>" + BODY * (8_000_000 // len(BODY)) + "</p></body></html>")
    (folder / "binary.html").write_bytes(os.urandom(200_000))
    (folder / "utf16-unlabelled.html").write_bytes(
        ("<html><body><article><p>" + BODY * 20 + "</p></article></body></html>")
        .encode("utf-16-le"))
    japanese = "日本語の文章です。川と橋について委員会が話し合いました。" * 40
    (folder / "shift-jis-unlabelled.html").write_bytes(
        f"<html><body><article><p>{japanese}</p></article></body></html>".encode("shift_jis"))
    chinese = "委员会星期二开会讨论了河流和桥梁的问题。" * 40
    (folder / "gb18030-unlabelled.html").write_bytes(
        f"<html><body><article><p>{chinese}</p></article></body></html>".encode("gb18030"))
    (folder / "invalid-label.html").write_bytes(
        b'<html><head><meta charset="x-no-such-charset"></head><body><p>'
        + (BODY * 5).encode() + b"</p></body></html>")
    loop = folder / "loop"
    loop.mkdir()
    (loop / "note.md").write_text("# Note\n\n" + BODY)
    (loop / "self").symlink_to(loop, target_is_directory=True)
    (loop / "up").symlink_to(folder / "loop", target_is_directory=True)
    os.mkfifo(folder / "fifo.md")


def test_hostile_files_bounded_with_a_clear_outcome(tmp_path: Path) -> None:
    folder = tmp_path / "cases"
    _write_cases(folder)
    out = subprocess.run([sys.executable, "-c", CASES, str(folder)], capture_output=True,
                         text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-3000:]
    results = json.loads(out.stdout)
    rss = results.pop("_maxrss_mb")
    table = {name: (r["seconds"], len(r["articles"]), r["errors"])
             for name, r in results.items()}
    print("\n".join(f"{name}: {v}" for name, v in table.items()), f"\nmax RSS {rss} MB")
    assert rss < 1500
    for name, r in results.items():
        assert r["seconds"] < 30, name
        assert bool(r["articles"]) != bool(r["errors"]) or name == "loop", name
        for error in r["errors"]:
            assert "\n" not in error and "Traceback" not in error and error, name
    text = lambda name: "".join(results[name]["articles"])  # noqa: E731
    # Entities are never expanded (no billion laughs, no file read).
    assert "lollollol" not in text("billion-laughs.xhtml.html")
    assert "root:" not in text("external-entity.html")
    assert "committee" in text("amp-flood.html")
    assert "committee" in text("billion-laughs.xhtml.html")
    assert "committee" in text("single-8mb-line.html")
    assert "word word" in text("single-8mb-line.txt")
    assert results["binary.html"]["errors"]
    assert "committee met" in text("utf16-unlabelled.html")
    assert "委員会" in text("shift-jis-unlabelled.html")
    assert "委员会" in text("gb18030-unlabelled.html")
    assert "committee met" in text("invalid-label.html")
    # The directory loop: the note is imported once, the loop does not hang or repeat.
    assert len(results["loop"]["articles"]) == 1, table["loop"]
    assert results["fifo.md"]["errors"] and not results["fifo.md"]["articles"]


def test_utf8_page_mislabelled_as_shift_jis() -> None:
    from tuireader.importers import import_bytes

    page = ('<html><head><meta charset="shift_jis"></head><body><p>Caf\u00e9 na\u00efve '
            + BODY * 5 + "</p></body></html>").encode()
    assert "Caf\u00e9 na\u00efve" in import_bytes(page, source="x.html").markdown
