"""Safe, stable file names, and folder exports that update the same files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from export_support import (
    EXPORTED,
    Library,
    build_library,
)
from tuireader.export import FolderReport, export_to_folder, safe_filename
from tuireader.export.folder import MANIFEST

HOSTILE = ["../../etc/passwd", "/etc/shadow", "C:\\Windows\\x", "CON", "nul.txt", "COM1",
           "a:b*c?", "", "   ", "...", "x" * 300, "é" * 300, "a\x00b", "tab\there", "#^[]|",
           "..\\..\\boot.ini", "\u202eevil\u202c", "line\nbreak"]


@pytest.fixture
def fixed_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Library:
    return build_library(tmp_path / "library", monkeypatch)


@pytest.mark.parametrize("title", HOSTILE)
def test_names_are_safe(title: str, tmp_path: Path) -> None:
    name = safe_filename(title, "3fa2b1c0")
    assert len(name.encode("utf-8")) <= 255
    assert name.endswith(" (3fa2b1c0).md")
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.startswith((".", " "))
    assert not any(ch in name for ch in ':*?"<>|#^[]')
    assert name.split(".")[0].split(" ")[0].upper() not in {"CON", "NUL", "COM1", "PRN", "AUX"}
    path = tmp_path / name
    path.write_text("ok")  # the file system takes it
    assert path.parent == tmp_path


def test_names_are_stable_and_readable() -> None:
    assert safe_filename("Title: of it", "3fa2b1c0") == "Title - of it (3fa2b1c0).md"
    assert safe_filename("", "3fa2b1c0", ".json") == "Untitled (3fa2b1c0).json"
    assert safe_filename("Same", "3fa2b1c0", suffix=" 2") == "Same (3fa2b1c0) 2.md"


def _export(lib: Library, folder: Path, fmt: str = "markdown") -> FolderReport:
    report = FolderReport()
    with lib.store() as store:
        export_to_folder(store, None, folder, fmt, exported=EXPORTED, report=report)
    return report


def test_reexport_updates_the_same_files(fixed_library: Library, tmp_path: Path) -> None:
    out = tmp_path / "notes"
    first = _export(fixed_library, out)
    assert len(first.written) == 2
    names = sorted(p.name for p in first.paths)
    assert names[0].startswith("Evil - ")
    assert names[1] == "Rivers - a - field - guide - 1 (3fa2b1c0).md"
    second = _export(fixed_library, out)
    assert second.written == [] and sorted(second.paths) == sorted(first.paths)
    # A later run with another "exported" time leaves the files untouched, too.
    with fixed_library.store() as store:
        report = FolderReport()
        export_to_folder(store, None, out, exported="2030-01-01T00:00:00+00:00", report=report)
    assert report.written == []
    manifest = json.loads((out / MANIFEST).read_text())
    assert set(manifest["files"]) == {"markdown:3fa2b1c0", "markdown:0badc0de"}


def test_title_change_keeps_the_file(fixed_library: Library, tmp_path: Path) -> None:
    out = tmp_path / "notes"
    before = _export(fixed_library, out).paths
    fixed_library.articles["3fa2b1c0"].title = "Renamed"
    from tuireader.library.store import Store

    with Store(fixed_library.path) as store:
        store.update_article(fixed_library.articles["3fa2b1c0"])
    after = _export(fixed_library, out)
    assert sorted(after.paths) == sorted(before)
    assert any("title: Renamed" in p.read_text() for p in after.written)


def test_foreign_file_is_never_overwritten(fixed_library: Library, tmp_path: Path) -> None:
    out = tmp_path / "notes"
    out.mkdir()
    mine = out / safe_filename('Rivers: a "field" guide #1', "3fa2b1c0")
    mine.write_text("the user's own note")
    paths = _export(fixed_library, out).paths
    assert mine.read_text() == "the user's own note"
    assert any(p.name.endswith("(3fa2b1c0) 2.md") for p in paths)


def test_formats_live_side_by_side(fixed_library: Library, tmp_path: Path) -> None:
    out = tmp_path / "notes"
    for fmt in ("markdown", "json", "annotated"):
        _export(fixed_library, out, fmt)
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert len(names) == 6
    assert {Path(n).suffix for n in names} == {".md", ".json"}
    assert not any(p.name.startswith(".") and ".tmp-" in p.name for p in out.iterdir())
