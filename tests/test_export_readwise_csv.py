"""``tuireader export --format readwise-csv``: Readwise's CSV, which reads back into tuireader."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from export_support import Library, build_library
from tuireader.cli.main import main
from tuireader.export.readwise_csv import COLUMNS
from tuireader.importers.foreign import detect
from tuireader.importers.foreign import readwise as readwise_reader
from tuireader.library.store import Store


@pytest.fixture
def fixed_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Library:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735700645")
    return build_library(tmp_path / "library", monkeypatch)


def run(lib: Library, *argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--library", str(lib.path), "export", "--format", "readwise-csv", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_header_and_one_row_per_highlight(fixed_library: Library,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(fixed_library, capsys=capsys)
    assert code == 0 and err == ""
    assert out.splitlines()[0] == ",".join(COLUMNS)
    assert COLUMNS == readwise_reader.COLUMNS  # the reader's header, exactly
    rows = _rows(out)
    assert len(rows) == 11
    rivers = [r for r in rows if r["Book Title"] == 'Rivers: a "field" guide #1']
    assert [int(r["Location"]) for r in rivers] == sorted(int(r["Location"]) for r in rivers)
    first = next(r for r in rivers if r["Note"] == "Plain note.")
    assert first["Highlight"].startswith("Rivers carve") and first["Color"] == "yellow"
    assert first["Tags"] == "idea" and first["Book Author"] == "Ann Hydro"
    assert first["Location Type"] == "offset" and first["Highlighted at"].endswith("+00:00")
    assert " " in first["Highlighted at"] and first["Document tags"] == "nature,long-reads"
    assert {r["Color"] for r in rows} == {"yellow", "green", "blue", "red", "purple"}
    assert "\x00" not in out  # the hostile title's NUL is shown, not written


def test_round_trip_through_the_reader(fixed_library: Library, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    with Store(fixed_library.path) as store:
        rivers = next(a for a in store.list_articles() if a.title.startswith("Rivers"))
        rivers.note = "A note on the whole article,\nover two lines."
        rivers.identifiers = ["isbn:9780000000002", "asin:B000FC0SIM"]
        store.update_article(rivers)
        highlights = {a.id: store.highlights(a.id) for a in store.list_articles()}
    target = tmp_path / "highlights.csv"
    code, out, _ = run(fixed_library, "-o", str(target), capsys=capsys)
    assert code == 0 and out.startswith("written ")
    assert detect(target).name == "readwise"
    export = readwise_reader.read(target)
    assert export.skipped == [] and export.ignored == {}
    works = {w.title: w for w in export.works}
    work = works['Rivers: a "field" guide #1']
    assert work.author == "Ann Hydro" and work.identifiers == ["asin:B000FC0SIM"]
    assert work.notes == ["A note on the whole article,\nover two lines."]
    assert work.tags == ["nature", "long-reads"]
    stored = sorted(highlights[rivers.id], key=lambda h: (h.start, h.end, h.created))
    assert len(work.highlights) == len(stored) == 9
    for read, made in zip(work.highlights, stored, strict=True):
        assert read.quote == made.exact.strip()  # edges trimmed, as Readwise does
        assert read.note == made.note.strip()
        assert read.tags == made.tags
        assert read.kind == made.kind
        assert read.created == made.created
        assert read.position.start == made.start and read.location == f"offset {made.start}"
    hostile = next(w for t, w in works.items() if t.startswith("Evil"))
    assert {h.note for h in hostile.highlights} >= {"key: value\nother: [1, 2]\n...\n---"}


def test_selection_and_folder(fixed_library: Library, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(fixed_library, "--tag", "idea", capsys=capsys)
    assert code == 0 and len(_rows(out)) == 1
    code, out, _ = run(fixed_library, "--article", "0bad", capsys=capsys)
    assert code == 0 and len(_rows(out)) == 2
    folder = tmp_path / "csv"
    code, out, _ = run(fixed_library, "-o", str(folder), capsys=capsys)
    assert code == 0 and out.count("written ") == 2
    files = sorted(folder.glob("*.csv"))
    assert len(files) == 2
    assert sum(len(_rows(f.read_text(encoding="utf-8"))) for f in files) == 11
    code, out, _ = run(fixed_library, "-o", str(folder), capsys=capsys)
    assert code == 0 and out.count("unchanged ") == 2


def test_needs_no_article_text(fixed_library: Library,
                               capsys: pytest.CaptureFixture[str]) -> None:
    with Store(fixed_library.path) as store:
        rivers = next(a for a in store.list_articles() if a.title.startswith("Rivers"))
        store.body_path(rivers.id).unlink()
    code, out, err = run(fixed_library, capsys=capsys)
    assert code == 0 and err == "" and len(_rows(out)) == 11


def test_the_parser_offers_readwise_csv() -> None:
    from tuireader.cli.export import FORMATS as CLI_FORMATS
    from tuireader.export.formats import EXTENSIONS, FORMATS

    assert "readwise-csv" in FORMATS and "readwise-csv" in CLI_FORMATS
    assert EXTENSIONS["readwise-csv"] == ".csv"
