"""Instapaper's exports: the real CSV files (4 and 5 columns) and a hand-made HTML export."""

from __future__ import annotations

import csv
from pathlib import Path

from tuireader.importers.foreign import by_name, detect

READ = by_name("instapaper").read


def test_real_old_csv_folders(shared_corpus: Path) -> None:
    path = shared_corpus / "bridges/readlater/wallabag/instapaper-export.csv"
    assert detect(path).name == "instapaper"
    unread, archive, starred, folder = READ(path, None).works
    assert not unread.archived and unread.tags == []
    assert archive.archived and archive.title == "AMP and React+Redux: Why Not?"
    assert starred.tags == ["starred"] and not starred.archived
    assert folder.tags == ["test_tag"]
    assert folder.title == "Dis donc Donald Trump, c'est quoi exactement «covfefe»?"


def test_real_csv_with_timestamps_every_row_accounted(shared_corpus: Path) -> None:
    path = shared_corpus / "bridges/readlater/instapaper_stephenmatheis.csv"
    export = READ(path, None)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(export.works) + len(export.skipped) == len(rows)
    assert all(s.reason.startswith("not a web address") for s in export.skipped)
    first = export.works[0]
    assert first.url == "https://landings.dev/" and first.added == "2023-08-23T03:55:14+00:00"
    design = [w for w in export.works if w.tags == ["Design"]]
    assert len(design) == 1
    # Selections: text became highlights, bare addresses notes; none lost.
    with_selection = sum(1 for r in rows if r["Selection"].strip()
                         and r["URL"].startswith(("http://", "https://")))
    kept = sum(1 for w in export.works if w.highlights or w.notes)
    assert kept == with_selection
    # A selection over several lines (CSS code here) is kept whole, line breaks and all.
    css = next(w for w in export.works if w.highlights and w.highlights[0].quote.startswith(
        "html,\nbody {"))
    assert "\n  padding: 0;\n" in css.highlights[0].quote


def test_html_export(tmp_path: Path) -> None:
    path = tmp_path / "instapaper-export.html"
    path.write_text("""<!DOCTYPE html><html><head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8"/>
<title>Instapaper: Export</title></head><body>
<h1>Unread</h1><ol><li><a href="https://a.example/1">One</a></li></ol>
<h1>Archive</h1><ol><li><a href="https://a.example/2">Two</a></li>
<li><a href="">Empty</a></li></ol>
<h1>Starred</h1><ol><li><a href="https://a.example/3">Three</a></li></ol>
<h1>Recipes</h1><ol><li><a href="https://a.example/4">Four <b>[bold]</b></a></li></ol>
</body></html>""", "utf-8")
    assert detect(path).name == "instapaper"
    export = READ(path, None)
    assert [(w.title, w.archived, w.tags) for w in export.works] == [
        ("One", False, []), ("Two", True, []), ("Three", False, ["starred"]),
        ("Four [bold]", False, ["Recipes"])]
    assert [s.reason for s in export.skipped] == ["no URL"]


def test_selection_quirks(tmp_path: Path) -> None:
    path = tmp_path / "i.csv"
    path.write_text('URL,Title,Selection,Folder,Timestamp\r\n'
                    'https://x.example/,"Multi\nline",A sentence I chose.,Unread,1692762914\r\n'
                    'https://y.example/,Y,https://elsewhere.example/,Unread,\r\n', "utf-8")
    first, second = READ(path, None).works
    assert first.title == "Multi line"
    assert [h.quote for h in first.highlights] == ["A sentence I chose."]
    assert second.notes == ["https://elsewhere.example/"] and second.highlights == []
