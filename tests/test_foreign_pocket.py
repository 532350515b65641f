"""Pocket's exports: the real CSV and HTML files, and the split CSV in a folder or a zip."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

from tuireader.importers.foreign import by_name, detect

READ = by_name("pocket").read

HEADER = "title,url,time_added,cursor,tags,status\n"
PART0 = HEADER + (
    "First,https://a.example/1,1600322788,c1,go|rust,unread\n"
    '"A, quoted title",https://a.example/2,1600172739,c2,,archive\n'
)
PART1 = HEADER + (
    ",https://b.example/3,1599806347,c3,one|two|one,unread\n"
    "No url,,1599806347,c4,,unread\n"
    "A script,javascript:alert(1),1599806347,c5,,unread\n"
)


def test_real_csv(shared_corpus: Path) -> None:
    path = shared_corpus / "bridges/readlater/wallabag/pocket.csv"
    assert detect(path).name == "pocket"
    export = READ(path, None)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(export.works) + len(export.skipped) == len(rows) == 7
    assert sum(w.archived for w in export.works) == 2  # status "archive"
    first = export.works[0]
    assert first.title == "You Might Not Need jQuery"
    assert first.url == "http://youmightnotneedjquery.com/"
    assert first.added == "2020-09-17T06:06:28+00:00"
    assert all(w.content is None for w in export.works)  # Pocket keeps no text


def test_real_html_exports(shared_corpus: Path) -> None:
    small = shared_corpus / "bridges/readlater/wallabag/ril_export.html"
    assert detect(small).name == "pocket"
    works = READ(small, None).works
    assert [w.tags for w in works] == [["ifttt", "new_entry_simple"]] * 2
    assert works[0].title.startswith("Tarn : Des lapins ravagent")
    assert works[0].added == "2023-07-06T07:31:35+00:00"
    big = shared_corpus / "bridges/readlater/pocket_dandavison_ril_export.html"
    export = READ(big, None)
    assert len(export.works) == 830 and not export.skipped
    assert not any(w.archived or w.tags for w in export.works)


def test_parts_in_a_folder_and_in_a_zip(tmp_path: Path) -> None:
    folder = tmp_path / "pocket"
    folder.mkdir()
    (folder / "part_000000.csv").write_text(PART0, "utf-8")
    (folder / "part_000001.csv").write_text(PART1, "utf-8")
    archive = tmp_path / "pocket.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("part_000000.csv", PART0)
        zf.writestr("part_000001.csv", PART1)
        zf.writestr("../escape.csv", PART1)
    for path in (folder, archive):
        assert detect(path).name == "pocket"
        export = READ(path, None)
        urls = [w.url for w in export.works]
        assert urls == ["https://a.example/1", "https://a.example/2", "https://b.example/3"]
        first, second, third = export.works
        assert first.tags == ["go", "rust"] and not first.archived
        assert second.title == "A, quoted title" and second.archived
        assert third.title == "https://b.example/3"  # no title: the URL stands in
        assert third.tags == ["one", "two"]
        reasons = sorted(s.reason for s in export.skipped)
        expected = ["no URL", "not a web address: javascript:alert(1)"]
        if path == archive:
            expected.append("a zip member with an unsafe path (not read)")
        assert reasons == sorted(expected)


def test_older_csv_without_cursor_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(b"\xef\xbb\xbftitle,url,time_added,tags,status\r\n"
                     b"T,https://c.example/,notanumber,x,archive\r\n")
    assert detect(path).name == "pocket"
    (work,) = READ(path, None).works
    assert work.tags == ["x"] and work.archived and work.added == ""


def test_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    """A named pipe given as a Pocket export: refused in one line without blocking."""
    import os

    import pytest

    from tuireader.importers.foreign import ForeignFormatError
    from tuireader.importers.foreign.pocket import read as read_pocket

    fifo = tmp_path / "part_000000.csv"
    os.mkfifo(fifo)
    with pytest.raises(ForeignFormatError, match="not a regular file"):
        read_pocket(fifo)
