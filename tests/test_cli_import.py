"""``tuireader import``: detection, the summary line and its JSON twin, idempotence, the dry
run, clear one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tuireader.cli.main import main
from tuireader.core.document import parse_markdown
from tuireader.core.model import ImportedArticle
from tuireader.library.store import Store

SEP = "=========="
PARAS = [f"Paragraph {i} speaks of the {i}th harpoon and the whale it missed by a mile."
         for i in range(40)]


def clippings(tmp_path: Path) -> Path:
    meta = "- Your Highlight on Location {} | Added on Sunday, February 23, 2020 2:58:27 PM"
    records = [("Moby-Dick; or, The Whale (Melville, Herman)", meta.format(f"{i * 10}-"
                                                                          f"{i * 10 + 2}"),
                PARAS[i]) for i in (3, 12, 30)]
    records.append(("Moby-Dick; or, The Whale (Melville, Herman)",
                    "- Your Note on Location 122 | Added on Sunday, February 23, 2020 3:00 PM",
                    "my note"))
    records.append(("Moby-Dick; or, The Whale (Melville, Herman)",
                    "- Your Bookmark on Location 200 | Added on Sunday, February 23, 2020",
                    ""))
    records.append(("Unknown Book (Someone)", meta.format("5-6"), "A quote from a book that "
                    "is not in the library."))
    body = "".join(f"\ufeff{t}\r\n{m}\r\n\r\n{x}\r\n{SEP}\r\n" for t, m, x in records)
    path = tmp_path / "My Clippings.txt"
    path.write_bytes(body.encode("utf-8"))
    return path


@pytest.fixture
def lib_with_book(library: Path) -> Path:
    with Store(library) as store:
        store.add_article(ImportedArticle(title="Moby Dick", author="Herman Melville",
                                          markdown="\n\n".join(PARAS) + "\n",
                                          source="/books/moby.txt"))
    return library


def cli(capsys: pytest.CaptureFixture[str], library: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--library", str(library), "import", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_summary_line_json_and_rerun(tmp_path: Path, lib_with_book: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = clippings(tmp_path)
    code, out, _err = cli(capsys, lib_with_book, str(path))
    assert code == 0
    (line,) = out.strip().splitlines()
    assert line.startswith("kindle: 1 articles matched; 1 created; 4 highlights added "
                           "(4 anchored, 0 fuzzy, 0 unanchored); 1 notes; 0 duplicates skipped")
    assert "1 bookmarks not imported" in line
    code, out, _err = cli(capsys, lib_with_book, str(path), "--json")
    data = json.loads(out)
    assert code == 0
    assert (data["highlights_added"], data["duplicates_skipped"]) == (0, 4)
    assert (data["articles_matched"], data["articles_created"]) == (2, 0)
    assert data["ignored"] == {"bookmarks": 1}
    with Store(lib_with_book) as store:
        kinds = sorted(a.kind for a in store.list_articles())
        assert kinds == ["article", "highlights-only"]
        noted = [h for h in store.all_highlights() if h.note]
        assert [(h.note, h.origin, h.origin_location) for h in noted] == [
            ("my note", "kindle", "Loc. 120-122")]


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".lock"}


def test_dry_run_changes_nothing(tmp_path: Path, lib_with_book: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = clippings(tmp_path)
    before = _files(lib_with_book)
    code, out, _err = cli(capsys, lib_with_book, str(path), "--dry-run", "--json")
    assert code == 0 and _files(lib_with_book) == before
    dry = json.loads(out)
    code, out, _err = cli(capsys, lib_with_book, str(path), "--json")
    real = json.loads(out)
    assert dry | {"dry_run": False} == real
    assert real["highlights_added"] == 4


def test_unknown_format_is_one_line(tmp_path: Path, library: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("nothing to see\nhere\n")
    code, out, err = cli(capsys, library, str(other))
    assert code == 1 and not out and len(err.strip().splitlines()) == 1
    assert "not a file format" in err
    code, out, err = cli(capsys, library, str(other), "--format", "nosuch")
    assert code == 1 and "unknown import format" in err and len(err.strip().splitlines()) == 1
    code, out, err = cli(capsys, library, str(tmp_path / "missing.txt"))
    assert code == 1 and "no such file" in err


def test_entry_point_and_real_file(shared_corpus: Path, library: Path) -> None:
    path = shared_corpus / "bridges" / "kindle" / "en_mattioofr.txt"
    if not path.exists():
        pytest.skip(f"{path} not there")
    cmd = [sys.executable, "-m", "tuireader", "--library", str(library), "import", str(path),
           "--json"]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0 and "Traceback" not in first.stderr
    data = json.loads(first.stdout)
    assert (data["articles_created"], data["highlights_added"]) == (11, 552)
    second = json.loads(subprocess.run(cmd, capture_output=True, text=True,
                                       timeout=120).stdout)
    assert (second["highlights_added"], second["articles_created"]) == (0, 0)


def test_highlights_only_then_add_the_book(tmp_path: Path, library: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = clippings(tmp_path)
    _code, out, _err = cli(capsys, library, str(path), "--json")
    assert json.loads(out)["articles_created"] == 2
    book = tmp_path / "moby-dick.txt"
    book.write_text("\n\n".join(PARAS) + "\n", encoding="utf-8")
    assert main(["--library", str(library), "add", str(book)]) == 0
    capsys.readouterr()
    with Store(library) as store:
        articles = {a.kind: a for a in store.list_articles()}
        assert sorted(articles) == ["article", "highlights-only"]  # the unknown book stays
        moved = store.highlights(articles["article"].id)
        assert len(moved) == 3 and all(h.anchor == "ok" and h.origin == "kindle" for h in moved)
        text = parse_markdown(store.read_markdown(articles["article"].id)).plain_text
        assert sorted(text[h.start:h.end] for h in moved) == sorted(PARAS[i] for i in (3, 12, 30))


def test_forced_format_on_a_foreign_file_is_one_line(tmp_path: Path, library: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    blob = tmp_path / "blob.bin"
    blob.write_bytes(bytes(range(256)) * 64)
    code, out, err = cli(capsys, library, str(blob), "--format", "kindle")
    assert code == 1 and not out and len(err.strip().splitlines()) == 1
    assert "not a Kindle" in err and "Traceback" not in err


def test_ctrl_c_keeps_what_was_done_and_a_rerun_finishes(tmp_path: Path, library: Path) -> None:
    import os
    import signal
    import time

    meta = "- Your Highlight on Location 1-2 | Added on Sunday, February 23, 2020 2:58:27 PM"
    path = tmp_path / "My Clippings.txt"
    path.write_text("".join(f"Book {i} (Author {i})\n{meta}\n\nThe one quote of book {i}.\n"
                            f"{SEP}\n" for i in range(300)), encoding="utf-8")
    cmd = [sys.executable, "-m", "tuireader", "--library", str(library), "import", str(path),
           "--json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    articles = library / "articles"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None and not (
            articles.is_dir() and any(articles.glob("*.md"))):
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert "Traceback" not in err
    if proc.returncode == 0:  # it finished before the signal came: nothing was interrupted
        pytest.skip("the import finished before Ctrl+C")
    assert proc.returncode == 130
    first = json.loads(out)
    assert first["stopped"] and 0 < first["articles_created"] < 300
    again = json.loads(subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout)
    assert not again["stopped"]
    assert again["articles_created"] == 300 - first["articles_created"]
    assert again["articles_matched"] == first["articles_created"]
    with Store(library) as store:
        assert len(store.list_articles()) == 300 and len(store.all_highlights()) == 300
