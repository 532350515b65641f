"""Kindle ``My Clippings.txt``: the real files of the corpus and every quirk, hand-made."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuireader.importers.foreign import ForeignFormatError, by_name, detect
from tuireader.importers.foreign._kindle_lang import parse_date
from tuireader.importers.foreign.kindle import read, split_title

SEP = "=========="


def clippings(tmp_path: Path, *records: tuple[str, str, str], crlf: bool = True,
              bom: str = "first") -> Path:
    parts = []
    for i, (title, meta, text) in enumerate(records):
        mark = "\ufeff" if (bom == "all" or (bom == "first" and i == 0)) else ""
        parts.append(f"{mark}{title}\n{meta}\n\n{text}\n{SEP}\n")
    body = "".join(parts)
    if crlf:
        body = body.replace("\n", "\r\n")
    path = tmp_path / "My Clippings.txt"
    path.write_bytes(body.encode("utf-8"))
    return path


def test_detected_and_named(tmp_path: Path) -> None:
    path = clippings(tmp_path, ("Book (Author)", "- Your Highlight on Location 1-2 | Added on "
                                "Sunday, February 23, 2020 2:58:27 PM", "Some words."))
    assert detect(path).name == "kindle"
    assert by_name("kindle").label.startswith("Kindle")
    other = tmp_path / "notes.txt"
    other.write_text("just some text\nand more\n")
    with pytest.raises(ForeignFormatError):
        detect(other)


def test_author_is_the_last_parenthesised_group() -> None:
    assert split_title("\ufeffMoby-Dick; or, The Whale (Melville, Herman)") == (
        "Moby-Dick; or, The Whale", "Melville, Herman")
    assert split_title("Python (2nd ed.) Cookbook (Beazley, David (Dave))") == (
        "Python (2nd ed.) Cookbook", "Beazley, David (Dave)")
    assert split_title("Presuasion - Unknown  ") == ("Presuasion - Unknown", "")


def test_crlf_bom_on_title_lines_page_and_location(tmp_path: Path) -> None:
    path = clippings(
        tmp_path,
        ("A Title (With Parens) (Doe, Jane)", "- Your Highlight on page 12 | Location 145-46 | "
         "Added on Sunday, February 23, 2020 2:58:27 PM", "First passage here."),
        ("A Title (With Parens) (Doe, Jane)", "- Your Highlight on Location 300-301 | Added on "
         "Monday, February 24, 2020 9:01:00 AM", "Second passage here."),
        bom="all")
    export = read(path)
    assert [w.title for w in export.works] == ["A Title (With Parens)"]
    work = export.works[0]
    assert work.author == "Doe, Jane"
    first, second = work.highlights
    assert first.quote == "First passage here."
    assert first.location == "page 12 | Loc. 145-146"
    assert first.created == "2020-02-23T14:58:27"
    assert second.created == "2020-02-24T09:01:00"
    assert first.position.fraction == pytest.approx(145 / 301)
    assert second.position.fraction == pytest.approx(300 / 301)


LANGUAGES = [
    ("- Your Highlight on Location 10-12 | Added on Sunday, February 23, 2020 2:58:27 PM",
     "2020-02-23T14:58:27"),
    ("- Ihre Markierung bei Position 10-12 | Hinzugefügt am Samstag, 6. Dezember 2014 10:07:37",
     "2014-12-06T10:07:37"),
    ("- Votre surlignement à l'emplacement 10-12 | Ajouté le samedi 6 décembre 2014 10:07:37",
     "2014-12-06T10:07:37"),
    ("- La subrayado en la posición 10-12 | Añadido el jueves, 6 de enero de 2022 9:50:47",
     "2022-01-06T09:50:47"),
    ("- La tua evidenziazione alla posizione 10-12 | Aggiunto in data sabato 6 dicembre 2014 "
     "10:07:37", "2014-12-06T10:07:37"),
    ("- Seu destaque na posição 10-12 | Adicionado: sábado, 6 de dezembro de 2014 10:07:37",
     "2014-12-06T10:07:37"),
    ("- Je markering op locatie 10-12 | Toegevoegd op zaterdag 6 december 2014 10:07:37",
     "2014-12-06T10:07:37"),
    ("- 位置No. 10-12のハイライト |作成日: 2021年8月3日火曜日 23:24:53", "2021-08-03T23:24:53"),
    ("- 您在位置 #10-12的标注 | 添加于 2014年6月5日星期四 下午7:34:01", "2014-06-05T19:34:01"),
    ("- 위치 10-12의 하이라이트 | 추가됨: 2020년 3월 1일 일요일 오후 11:09:29",
     "2020-03-01T23:09:29"),
    ("- Ваш выделенный отрывок в месте 10-12 | Добавлено: суббота, 6 декабря 2014 г. в 10:07:37",
     "2014-12-06T10:07:37"),
]


@pytest.mark.parametrize(("meta", "created"), LANGUAGES)
def test_metadata_line_in_each_language(tmp_path: Path, meta: str, created: str) -> None:
    export = read(clippings(tmp_path, ("Book (Author)", meta, "A passage of the book.")))
    (h,) = export.works[0].highlights
    assert (h.location, h.created) == ("Loc. 10-12", created)


def test_languages_mixed_in_one_file(tmp_path: Path) -> None:
    export = read(clippings(tmp_path, *[("Book (Author)", m.replace("10-12", f"{i * 10}-"
                                         f"{i * 10 + 1}"), f"Passage number {i} of the book.")
                                        for i, (m, _c) in enumerate(LANGUAGES, start=1)]))
    highlights = export.works[0].highlights
    assert len(highlights) == len(LANGUAGES)
    assert [h.created for h in highlights] == [c for _m, c in LANGUAGES]


def test_unparsable_date_keeps_the_record(tmp_path: Path) -> None:
    export = read(clippings(tmp_path, ("Book (Author)", "- Your Highlight on Location 3-4 | "
                                       "Added on someday, never", "Still kept.")))
    (h,) = export.works[0].highlights
    assert (h.quote, h.created) == ("Still kept.", "")
    assert parse_date("Sunday, February 30, 2020 2:58:27 PM") == ""
    assert parse_date("Sunday") == ""
    # Neither in the table nor English: dateparser reads it.
    assert parse_date("sobota, 6 grudnia 2014 10:07:37") == "2014-12-06T10:07:37"


def test_notes_attach_bookmarks_counted(tmp_path: Path) -> None:
    export = read(clippings(
        tmp_path,
        ("Book (Author)", "- Your Highlight on Location 20-22 | Added on Sunday, February 23, "
         "2020 2:58:27 PM", "The highlighted words."),
        ("Book (Author)", "- Your Note on Location 22 | Added on Sunday, February 23, 2020 "
         "2:59:00 PM", "My thought\nover two lines"),
        ("Book (Author)", "- Your Bookmark on Location 40 | Added on Sunday, February 23, 2020 "
         "3:00:00 PM", ""),
        ("Book (Author)", "- Your Note on Location 90 | Added on Sunday, February 23, 2020 "
         "3:01:00 PM", "A note where nothing is highlighted"),
    ))
    work = export.works[0]
    (h,) = work.highlights
    assert h.note == "My thought\nover two lines"
    assert export.ignored["bookmarks"] == 1
    assert work.notes == ["Loc. 90: A note where nothing is highlighted"]


def test_edits_keep_the_latest_but_never_collapse_distinct(tmp_path: Path) -> None:
    meta = "- Your Highlight on {} | Added on Sunday, February 23, 2020 2:58:27 PM"
    export = read(clippings(
        tmp_path,
        ("Book (Author)", meta.format("Location 100-101"), "The quick brown fox"),
        ("Book (Author)", meta.format("Location 100-102"), "The quick brown fox jumps over"),
        ("Book (Author)", meta.format("Location 200-202"), "Slow turtles win races often"),
        ("Book (Author)", meta.format("Location 201-203"), "Slow turtles win the races often!"),
        ("Book (Author)", meta.format("Location 202-203"), "An entirely different sentence."),
        ("Book (Author)", meta.format("page 7"), "First thing on page seven."),
        ("Book (Author)", meta.format("page 7"), "Second, other thing on page seven."),
    ))
    quotes = [h.quote for h in export.works[0].highlights]
    assert quotes == ["The quick brown fox jumps over", "Slow turtles win the races often!",
                      "An entirely different sentence.", "First thing on page seven.",
                      "Second, other thing on page seven."]
    assert export.ignored["duplicates"] == 1
    assert export.ignored["edited highlights (kept the latest)"] == 1


def test_clipping_limit_is_an_orphan_with_a_warning(tmp_path: Path) -> None:
    export = read(clippings(
        tmp_path,
        ("Book (Author)", "- Your Highlight on Location 5-6 | Added on Sunday, February 23, "
         "2020 2:58:27 PM", "<You have reached the clipping limit for this item>"),
        ("Book (Author)", "- Your Highlight on Location 5-6 | Added on Sunday, February 23, "
         "2020 2:59:27 PM", "<You have reached the clipping limit for this item>"),
    ))
    highlights = export.works[0].highlights
    assert len(highlights) == 2
    assert all("clipping limit" in h.warning for h in highlights)


def test_bad_records_are_skipped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "My Clippings.txt"
    path.write_text(f"Book (A)\n- Your Highlight on Location 1 | Added on Sunday, February 23, "
                    f"2020 2:58:27 PM\n\nGood.\n{SEP}\njunk without metadata\n{SEP}\n"
                    f"Book (A)\n- Something else entirely\n\nx\n{SEP}\n", encoding="utf-8")
    export = read(path)
    assert [h.quote for h in export.works[0].highlights] == ["Good."]
    assert len(export.skipped) == 2


REAL = {  # file: (works, highlights kept, notes attached, bookmarks)
    "de-zh_duden-py_mixed.txt": (15, 137, 1, 2),
    "de_duden-py_20150102.txt": (9, 46, 0, 0),
    "en_mattioofr.txt": (11, 552, 0, 0),
    "es_juan4532.txt": (11, 38, 4, 0),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_files(shared_corpus: Path, name: str) -> None:
    path = shared_corpus / "bridges" / "kindle" / name
    if not path.exists():
        pytest.skip(f"{path} not there")
    assert detect(path).name == "kindle"
    export = read(path)
    works, kept, notes, bookmarks = REAL[name]
    highlights = [h for w in export.works for h in w.highlights]
    assert (len(export.works), len(highlights)) == (works, kept)
    assert sum(1 for h in highlights if h.note) == notes
    assert export.ignored.get("bookmarks", 0) == bookmarks
    assert all(h.created for h in highlights)
    assert all(h.quote.strip() and "\ufeff" not in h.quote for h in highlights)
    assert all(0 < (h.position.fraction or 0) <= 1 for h in highlights)


def test_real_japanese_clipping_limits(shared_corpus: Path) -> None:
    path = shared_corpus / "bridges" / "kindle" / "ja_kojiaida87.txt"
    if not path.exists():
        pytest.skip(f"{path} not there")
    export = read(path)
    highlights = [h for w in export.works for h in w.highlights]
    limited = [h for h in highlights if h.warning]
    assert len(limited) > 600
    assert all(h.created.startswith("20") for h in highlights)
    assert any(w.title.startswith("NATURE FIX") for w in export.works)


def test_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    """``--format kindle`` on a named pipe: one line, never a read that waits forever."""
    import os

    fifo = tmp_path / "My Clippings.txt"
    os.mkfifo(fifo)
    assert not by_name("kindle").sniff(fifo)
    with pytest.raises(ForeignFormatError, match="not a regular file"):
        read(fifo)
