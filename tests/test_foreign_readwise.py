"""Readwise's CSV export read into works and highlights."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuireader.importers.foreign import ForeignFormatError, detect
from tuireader.importers.foreign.readwise import read, sniff

HEADER = ("Highlight,Book Title,Book Author,Amazon Book ID,Note,Color,Tags,Location Type,"
          "Location,Highlighted at,Document tags")
OLD_HEADER = HEADER.rsplit(",", 1)[0]


def _write(tmp_path: Path, text: str, *, bom: bool = True, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


ROWS = "\r\n".join([
    HEADER,
    '"A quote\nover two lines, with ""quotes""",Moby-Dick,Herman Melville,B000FC0SIM,'
    'my note,blue,"favorite, .sea",location,145,2021-03-04 05:06:07.123456+00:00,"classics,sea"',
    'Another quote,Moby-Dick,Herman Melville,B000FC0SIM,,,.favorite,location,200,'
    '2021-03-04 05:10:00+00:00,',
    'Thrown away,Moby-Dick,Herman Melville,B000FC0SIM,,,".discard",location,300,,',
    'Also thrown,Moby-Dick,Herman Melville,B000FC0SIM,,,"x, discard",location,301,,',
    ',Moby-Dick,Herman Melville,B000FC0SIM,A note on the whole book,,,,,,',
    'Chapter One,Moby-Dick,Herman Melville,B000FC0SIM,".h1\n\nThe start",,h1,location,1,,',
    'Not a tag,Moby-Dick,Herman Melville,B000FC0SIM,.NET is fine,,,location,2,,',
    'An article line,Some Article,example.com,,,purple,,offset,1234,2020-01-01 00:00:00,',
    ',,,,,,,,,,',
    ',Some Article,example.com,,,,,,,,',
    '',
])


def test_rows_become_works_with_highlights(tmp_path: Path) -> None:
    path = _write(tmp_path, ROWS)
    assert sniff(path) and detect(path).name == "readwise"
    export = read(path)
    assert export.format == "readwise"
    assert [w.title for w in export.works] == ["Moby-Dick", "Some Article"]
    moby, article = export.works
    assert moby.author == "Herman Melville" and moby.identifiers == ["asin:B000FC0SIM"]
    assert moby.tags == ["classics", "sea"]
    assert moby.notes == ["A note on the whole book"]
    first, second, heading, dotnet = moby.highlights
    assert first.quote == 'A quote\nover two lines, with "quotes"'
    assert first.note == "my note" and first.kind == 3
    assert first.tags == ["favorite", "sea"] and second.tags == ["favorite"]
    assert first.created == "2021-03-04T05:06:07+00:00"
    assert first.location == "location 145"
    assert heading.note == "The start" and heading.tags == ["h1"]  # inline tag taken off
    assert dotnet.note == ".NET is fine"  # not a tag of the row: left alone
    assert export.ignored == {"discarded": 2}
    [line] = article.highlights
    assert line.kind == 5 and line.position.start == 1234 and line.location == "offset 1234"
    assert line.created == "2020-01-01T00:00:00+00:00" and article.identifiers == []
    assert [s.reason for s in export.skipped] == ["a row with neither a highlight nor a note"]
    assert [h.quote for h in article.highlights] == ["An article line"]


def test_short_row_keeps_its_quote(tmp_path: Path) -> None:
    export = read(_write(tmp_path, HEADER + "\nOnly a quote,A Title\n", bom=False))
    [work] = export.works
    assert work.title == "A Title" and work.highlights[0].quote == "Only a quote"
    assert work.highlights[0].created == "" and work.highlights[0].kind == 1


def test_a_quoted_header_is_readwise_too(tmp_path: Path) -> None:
    quoted = ",".join(f'"{name}"' for name in OLD_HEADER.split(","))
    path = _write(tmp_path, quoted + "\r\nQ,T,A,,,,,,,\r\n", bom=False)
    assert sniff(path) and read(path).works[0].highlights[0].quote == "Q"


def test_old_header_without_document_tags(tmp_path: Path) -> None:
    text = OLD_HEADER + '\nQ,T,A,,,yellow,pink,page,12,2019-05-06 07:08:09+00:00\n'
    export = read(_write(tmp_path, text))
    [work] = export.works
    assert work.tags == [] and work.highlights[0].tags == ["pink"]
    assert work.highlights[0].location == "page 12"


def test_columns_are_found_by_name(tmp_path: Path) -> None:
    text = "Book Title,Highlight,Color\nThe Book,The quote,green\n"
    path = _write(tmp_path, text)
    assert not sniff(path)  # not Readwise's header: not claimed
    [work] = read(path).works
    assert work.title == "The Book" and work.highlights[0].kind == 2


def test_a_broken_record_is_skipped_not_fatal(tmp_path: Path) -> None:
    huge = "x" * 200_000
    text = f'{HEADER}\n"{huge}",Big,,,,,,,,,\nfine,Small,,,,,,,,,\n'
    export = read(_write(tmp_path, text))
    assert [w.title for w in export.works] == ["Small"]
    assert len(export.skipped) == 1 and "malformed CSV record" in export.skipped[0].reason


def test_not_readwise(tmp_path: Path) -> None:
    instapaper = _write(tmp_path, "URL,Title,Selection,Folder,Timestamp\nhttp://a,A,,Unread,1\n",
                        name="instapaper.csv")
    assert not sniff(instapaper)
    with pytest.raises(ForeignFormatError, match="not a Readwise CSV"):
        read(instapaper)
    empty = _write(tmp_path, "", name="empty.csv")
    assert not sniff(empty)
    with pytest.raises(ForeignFormatError):
        read(empty)
    assert not sniff(tmp_path)


def test_real_export(shared_corpus: Path) -> None:
    path = shared_corpus / "bridges" / "readlater" / "readwise_davidlove.csv"
    assert sniff(path) and detect(path).name == "readwise"
    export = read(path)
    assert export.skipped == []
    assert export.ignored == {"discarded": 362}
    assert sum(len(w.highlights) for w in export.works) == 726 - 362
    assert len(export.works) == 36
    works = {w.title: w for w in export.works}
    wrong = works["How Not to Be Wrong: The Power of Mathematical Thinking"]
    assert wrong.identifiers == ["asin:B00G3L6JQ4"] and wrong.author == "Jordan Ellenberg"
    assert all(h.created.endswith("+00:00") for w in export.works for h in w.highlights)
    favourites = [h for w in export.works for h in w.highlights if "favorite" in h.tags]
    assert len(favourites) == 21
    notes = [h.note for w in export.works for h in w.highlights if h.note]
    assert "Emotion labeling?" in notes and not any(n.startswith(".h1") for n in notes)


def test_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "export.csv"
    os.mkfifo(fifo)
    assert not sniff(fifo)
    with pytest.raises(ForeignFormatError, match="not a regular file"):
        read(fifo)
