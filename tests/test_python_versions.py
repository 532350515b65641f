"""What the standard library does differently from one Python to the next (3.10 to 3.13, the
README's tested versions), pinned here to one behaviour on all of them: ISO time stamps (3.10's
``fromisoformat`` reads only what ``isoformat`` writes), a NUL in a CSV file (3.10's csv module
stops at it) and a carriage return in a CSV field (3.13's writer quotes it, 3.12's does not)."""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
from pathlib import Path

import pytest

import tuireader
from tuireader.core.isotime import parse_iso
from tuireader.core.model import Article, Highlight
from tuireader.export.readwise_csv import export_readwise_csv
from tuireader.importers.foreign import by_name

UTC = dt.timezone.utc


def test_every_module_imports() -> None:
    """A standard module gone in a newer Python (3.12 and 3.13 removed some, which mypy, set
    to 3.10, cannot see) or a dependency that refuses this one fails here, by name."""
    names = [m.name for m in pkgutil.walk_packages(tuireader.__path__, "tuireader.")]
    for name in names:
        importlib.import_module(name)
    assert len(names) > 100 and "tuireader.core.isotime" in names


def _zone(hours: int, minutes: int = 0, seconds: float = 0) -> dt.timezone:
    return dt.timezone(dt.timedelta(hours=hours, minutes=minutes, seconds=seconds))


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-05-08", dt.datetime(2024, 5, 8)),
    ("20240508", dt.datetime(2024, 5, 8)),
    ("2024-05-08T12:30:15+00:00", dt.datetime(2024, 5, 8, 12, 30, 15, tzinfo=UTC)),
    ("2024-05-08T12:30:15.5Z", dt.datetime(2024, 5, 8, 12, 30, 15, 500000, tzinfo=UTC)),
    ("2024-05-08 12:30:15,25+0200", dt.datetime(2024, 5, 8, 12, 30, 15, 250000, _zone(2))),
    ("20240508T123015Z", dt.datetime(2024, 5, 8, 12, 30, 15, tzinfo=UTC)),
    ("2024-05-08T12:30:15.123456789-05:30",
     dt.datetime(2024, 5, 8, 12, 30, 15, 123456, _zone(-5, -30))),
    ("2024-05-08T12+05", dt.datetime(2024, 5, 8, 12, tzinfo=_zone(5))),
    ("2024-05-08T1230", dt.datetime(2024, 5, 8, 12, 30)),
    ("2024-05-08T12:30:15+05:30:15.5", dt.datetime(2024, 5, 8, 12, 30, 15,
                                                   tzinfo=_zone(5, 30, 15.5))),
    ("2024-W19-3T08:00:00Z", dt.datetime(2024, 5, 8, 8, tzinfo=UTC)),
    ("2024W19", dt.datetime(2024, 5, 6)),
])
def test_iso_time_stamps_read_alike(text: str, expected: dt.datetime) -> None:
    moment = parse_iso(text)
    assert moment == expected and moment.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("text", [
    "", "yesterday", "2024-05", "2024", "2024-129", "2024-13-01", "2024-02-30", "2024-0508",
    "2024-05-08T25:00", "2024-05-08T12:30:15+24:00", "2024-05-08T12:30:15 junk",
    "\uff12\uff10\uff12\uff14-05-08",
])
def test_what_is_not_an_iso_time_stamp_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_iso(text)


@pytest.mark.parametrize(("reader", "name", "text"), [
    ("pocket", "p.csv", "title,url,time_added,tags,status\n"
                        "On\x00e,https://a.example/1,1700000000,,unread\n"
                        "Two,https://a.example/2,1700000001,,archive\n"),
    ("instapaper", "i.csv", "URL,Title,Selection,Folder,Timestamp\n"
                            "https://a.example/1,On\x00e,,Unread,1700000000\n"
                            "https://a.example/2,Two,,Archive,1700000001\n"),
    ("readwise", "r.csv", "Highlight,Book Title,Book Author,Amazon Book ID,Note,Color,Tags,"
                          "Location Type,Location,Highlighted at,Document tags\n"
                          "A quote,On\x00e,,,,,,offset,5,,\n"
                          "Another,Two,,,,,,offset,9,,\n"),
])
def test_a_nul_in_a_csv_export_loses_no_row(tmp_path: Path, reader: str, name: str,
                                            text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    export = by_name(reader).read(path, None)
    assert [w.title for w in export.works] == ["One", "Two"] and export.skipped == []


def test_readwise_csv_is_the_same_text_on_every_python() -> None:
    article = Article(id="a1", title="Ti\x00tle", tags=["a\rb"], added="2024-05-08T12:30:15Z")
    mark = Highlight(id="h1", article_id="a1", start=3, end=9, exact="quote\rhere",
                     note="line\r\nnext", tags=["x\x00y"], created="2024-05-08T12:30:15.5Z")
    assert export_readwise_csv(article, [mark]) == (
        "Highlight,Book Title,Book Author,Amazon Book ID,Note,Color,Tags,Location Type,"
        "Location,Highlighted at,Document tags\n"
        '"quote\nhere",Ti\u2400tle,,,"line\nnext",yellow,x\u2400y,offset,3,'
        "2024-05-08 12:30:15+00:00,a\u240db\n")
