"""KOReader sidecars (metadata.*.lua, read as data, never run) and the exporter's JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tuireader.importers.foreign import ForeignFormatError, by_name, detect
from tuireader.importers.foreign._lua import LuaDataError, as_list, loads
from tuireader.importers.foreign.koreader import read, sniff

# -- the Lua data reader ------------------------------------------------------------------------


def test_lua_strings_escapes_and_long_brackets() -> None:
    value = loads(r'''-- we can read Lua syntax here!
--[==[ a long
comment ]==]
return {
    ["bytes"] = "\226\128\153 \x41\66 \u{2019}",
    ["quotes"] = 'it\'s "here" \\ back',
    ["newline"] = "one\
two\ttab\r",
    ["z"] = "a\z
           b",
    ["long"] = [==[
keep ]] and [[ inside]==],
    ["short"] = [[x]],
}''')
    assert value == {"bytes": "’ AB ’", "quotes": "it's \"here\" \\ back",
                     "newline": "one\ntwo\ttab\r", "z": "ab", "long": "keep ]] and [[ inside",
                     "short": "x"}


def test_lua_numbers_keys_and_nesting() -> None:
    assert loads("return { -math.huge, - 3, -0x10 }") == {1: float("-inf"), 2: -3, 3: -16}
    value = loads('return { [1] = 10, [2] = -2.5, x = true, [3] = 0x1F, [4] = 1e3, [5] = .5,'
                  ' ["n"] = nil, ["t"] = { "a"; "b", { [2] = false, [1] = 7 } }, [6.0] = 3 }')
    assert value[1] == 10 and value[2] == -2.5 and value[3] == 31 and value[4] == 1000.0
    assert value[5] == 0.5 and value[6] == 3 and value["x"] is True and value["n"] is None
    assert as_list(value["t"]) == ["a", "b", {1: 7, 2: False}]
    assert as_list(value["t"][3]) == [7, False]


def test_lua_plain_and_escaped_values_agree() -> None:
    value = loads('return { ["é"] = "plain", [2] = "with \\"escape\\"", ["n"] = -7,'
                  ' ["s"] = "12", ["b"] = false, ["f"] = 1.5, ["h"] = 0x10 }')
    assert value == {"é": "plain", 2: 'with "escape"', "n": -7, "s": "12", "b": False,
                     "f": 1.5, "h": 16}


def test_lua_raw_utf8_bytes_stay_text() -> None:
    assert loads("return { [\"t\"] = \"Vánagandrs — 漢字\" }".encode()) == {
        "t": "Vánagandrs — 漢字"}


@pytest.mark.parametrize("source", [
    'return os.execute("touch PWNED")',
    'os.execute("touch PWNED") return {}',
    'return { ["a"] = os.execute("touch PWNED") }',
    'return { ["a"] = (function() return 1 end)() }',
    'return { ["a"] = io.open("/etc/passwd"):read("*a") }',
    'return { ["a"] = 1 + 2 }',
    'return { ["a"] = "x" .. "y" }',
    'return { ["a"] = 1 } print("after")',
    'return { ["a"] = "unterminated }',
    'return { ["a"] = [[unterminated }',
    'return {' + '{' * 5000 + '}' * 5001,
    'return { ["a"] = "\\400" }',
    'return { ["a"] = ["b"] }',
    'local t = {} return t',
    'return { ["a"] = 12abc }',
    'return { ["a"] = 1 ["b"] = 2 }',
    'return { ["a"] = true_ish }',
    'return { ["a"] = ' + '- ' * 100_000 + '1 }',
    'return { [{}] = 1 }',
])
def test_lua_code_is_refused_with_one_line(source: str, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(LuaDataError) as info:
        loads(source)
    assert "\n" not in str(info.value) and str(info.value).startswith("line ")
    assert not (tmp_path / "PWNED").exists()


def test_a_large_string_inside_the_bound_is_parsed_as_data() -> None:
    big = "x" * (4 << 20)
    assert loads(f'return {{ ["big"] = "{big}" }}')["big"] == big


# -- sidecars -----------------------------------------------------------------------------------

CURRENT = r'''-- /mnt/onboard/Books/Moby Dick.sdr/metadata.epub.lua
return {
    ["annotations"] = {
        [1] = {
            ["chapter"] = "Loomings",
            ["color"] = "green",
            ["datetime"] = "2024-03-01 10:20:30",
            ["drawer"] = "lighten",
            ["page"] = "/body/DocFragment[12]/body/div/p[3]/text().15",
            ["pageno"] = 50,
            ["pos0"] = "/body/DocFragment[12]/body/div/p[3]/text().15",
            ["pos1"] = "/body/DocFragment[12]/body/div/p[3]/text().40",
            ["text"] = "Call me Ishmael.\
Some years ago",
            ["note"] = "the \"famous\" opening",
        },
        [2] = {
            ["datetime"] = "2024-03-01 10:21:00",
            ["page"] = "/body/DocFragment[13]/body/div/p[1]/text().0",
            ["pageno"] = 52,
            ["text"] = "in Chapter 2",
        },
        [3] = {
            ["color"] = "purple",
            ["datetime"] = "2024-03-02 08:00:00",
            ["drawer"] = "underscore",
            ["pos0"] = "/body/DocFragment[20]/body/p[1]/text().0",
            ["pos1"] = "/body/DocFragment[20]/body/p[1]/text().9",
            ["pageno"] = 90,
            ["text"] = "\226\128\156Whale\226\128\157",
        },
        [4] = { ["drawer"] = "lighten", ["text"] = "", ["datetime"] = "2024-03-02 09:00:00" },
        [5] = "not a table",
        [6] = { ["drawer"] = "lighten", ["color"] = "red", ["text"] = "red one",
                ["datetime"] = "not a date" },
        [7] = { ["drawer"] = "lighten", ["color"] = "blue", ["text"] = "blue one" },
        [8] = { ["drawer"] = "lighten", ["color"] = "orange", ["text"] = "orange one" },
    },
    ["doc_pages"] = 100,
    ["doc_props"] = {
        ["authors"] = "Herman Melville\
Someone Else",
        ["identifiers"] = "uuid:ABC-123\
urn:isbn:978-0-14-243724-7\
9780142437247\
urn:hardcover:moby",
        ["language"] = "en",
        ["title"] = "Moby-Dick",
    },
    ["partial_md5_checksum"] = "0123456789ABCDEF0123456789abcdef",
    ["percent_finished"] = 0.25,
    ["summary"] = { ["status"] = "complete" },
}
'''

LEGACY = r'''-- we can read Lua syntax here!
return {
    ["bookmarks"] = {
        [1] = {
            ["datetime"] = "2023-01-24 04:36:02",
            ["highlighted"] = true,
            ["notes"] = "second quote",
            ["page"] = "/body/DocFragment[5]/body/div/p[2]/text().0",
            ["pos0"] = "/body/DocFragment[5]/body/div/p[2]/text().0",
            ["pos1"] = "/body/DocFragment[5]/body/div/p[2]/text().12",
            ["text"] = "my own note",
        },
        [2] = {
            ["datetime"] = "2023-01-23 06:19:09",
            ["highlighted"] = true,
            ["notes"] = "first quote",
            ["chapter"] = "Chapter\
 Five",
            ["page"] = "/body/DocFragment[5]/body/div/p[1]/text().0",
            ["pos0"] = "/body/DocFragment[5]/body/div/p[1]/text().0",
            ["pos1"] = "/body/DocFragment[5]/body/div/p[1]/text().11",
            ["text"] = "Page 7 first quote @ 2023-01-23 06:19:09",
        },
        [3] = {
            ["datetime"] = "2023-01-22 06:00:00",
            ["page"] = "/body/DocFragment[4]/body/div/p[1]/text().0",
            ["text"] = "in Chapter 1",
        },
        [4] = {
            ["datetime"] = "2023-01-21 05:00:00",
            ["highlighted"] = true,
            ["notes"] = "third quote",
            ["page"] = "/body/DocFragment[3]/body/p[1]/text().0",
            ["pos0"] = "/body/DocFragment[3]/body/p[1]/text().0",
            ["pos1"] = "/body/DocFragment[3]/body/p[1]/text().11",
            ["text"] = "Seite 3 third quote @ 2023-01-21 05:00:00",
        },
    },
    ["highlight"] = {
        [7] = {
            [1] = { ["datetime"] = "2023-01-23 06:19:09", ["drawer"] = "lighten",
                    ["color"] = "blue", ["text"] = "first quote",
                    ["pos0"] = "/body/DocFragment[5]/body/div/p[1]/text().0",
                    ["pos1"] = "/body/DocFragment[5]/body/div/p[1]/text().11" },
            [2] = { ["datetime"] = "2023-01-24 04:36:02", ["drawer"] = "lighten",
                    ["text"] = "second quote", ["chapter"] = "From the \27[31mhighlight",
                    ["pos0"] = "/body/DocFragment[5]/body/div/p[2]/text().0",
                    ["pos1"] = "/body/DocFragment[5]/body/div/p[2]/text().12" },
        },
        [9] = {
            [1] = { ["datetime"] = "2020-05-05 05:05:05", ["drawer"] = "lighten",
                    ["chapter"] = "  Nine  ",
                    ["text"] = "a highlight from before 2014, with no bookmark",
                    ["pos0"] = "/body/DocFragment[9]/body/p[1]/text().0",
                    ["pos1"] = "/body/DocFragment[9]/body/p[1]/text().40" },
        },
    },
    ["stats"] = { ["title"] = "Old Book", ["authors"] = "N/A", ["pages"] = 10 },
}
'''


def _sidecar(folder: Path, book: str, text: str, ext: str = "epub") -> Path:
    sdr = folder / f"{book}.sdr"
    sdr.mkdir(parents=True, exist_ok=True)
    path = sdr / f"metadata.{ext}.lua"
    path.write_text(text, encoding="utf-8")
    return path


def test_current_annotations(tmp_path: Path) -> None:
    path = _sidecar(tmp_path, "Moby Dick", CURRENT)
    export = read(path)
    assert export.format == "koreader"
    [work] = export.works
    assert work.title == "Moby-Dick" and work.author == "Herman Melville & Someone Else"
    assert work.language == "en" and work.progress == 0.25 and work.archived
    assert work.identifiers == ["md5:0123456789abcdef0123456789abcdef", "uuid:abc-123",
                                "isbn:9780142437247"]
    quotes = [h.quote for h in work.highlights]
    assert quotes == ["Call me Ishmael.\nSome years ago", "“Whale”", "red one", "blue one",
                      "orange one"]
    first, second, red, blue, orange = work.highlights
    assert first.note == 'the "famous" opening' and first.kind == 2
    assert first.created == "2024-03-01T10:20:30+00:00"
    assert first.location == "/body/DocFragment[12]/body/div/p[3]/text().15"
    assert first.position.spine_index == 12 and first.position.fraction == pytest.approx(0.495)
    assert first.chapter == "Loomings" and second.chapter == ""  # KOReader named no chapter
    assert second.kind == 5 and second.position.spine_index == 20
    assert (red.kind, blue.kind, orange.kind) == (4, 3, 1)
    assert red.created == "" and red.location == "" and red.position.spine_index is None
    assert export.ignored == {"bookmarks": 1}
    reasons = sorted(s.reason for s in export.skipped)
    assert reasons == ["a highlight with no text (an image highlight?)",
                       "an annotation that is not a table"]
    assert all("annotation" in s.where for s in export.skipped)


def test_legacy_bookmarks_and_highlights(tmp_path: Path) -> None:
    export = read(_sidecar(tmp_path, "old", LEGACY))
    [work] = export.works
    assert work.title == "Old Book" and work.author == ""
    by_quote = {h.quote: h for h in work.highlights}
    assert list(by_quote) == ["third quote", "first quote", "second quote",
                              "a highlight from before 2014, with no bookmark"]
    assert by_quote["first quote"].note == ""  # the automatic "Page 7 … @ date" text
    assert by_quote["third quote"].note == ""  # the same, in German
    assert by_quote["second quote"].note == "my own note"
    assert by_quote["first quote"].kind == 3  # the colour of the paired highlight
    assert by_quote["first quote"].created == "2023-01-23T06:19:09+00:00"
    assert by_quote["second quote"].position.spine_index == 5
    assert by_quote["a highlight from before 2014, with no bookmark"].position.spine_index == 9
    assert export.ignored == {"bookmarks": 1} and export.skipped == []
    # The bookmark's chapter, else its paired highlight's; on one line, without controls.
    assert by_quote["first quote"].chapter == "Chapter Five"
    assert by_quote["second quote"].chapter == "From the [31mhighlight"  # no ESC left
    assert by_quote["a highlight from before 2014, with no bookmark"].chapter == "Nine"
    assert by_quote["third quote"].chapter == ""


def test_pdf_sidecar_positions_are_pages(tmp_path: Path) -> None:
    text = '''return {
        ["annotations"] = {
            [1] = { ["drawer"] = "lighten", ["page"] = 34, ["pageno"] = 34,
                    ["pos0"] = { ["x"] = 1.5, ["y"] = 2, ["page"] = 34 },
                    ["pos1"] = { ["x"] = 9.5, ["y"] = 2, ["page"] = 34 },
                    ["text"] = "a pdf quote", ["datetime"] = "2024-02-17 09:46:45" },
        },
        ["doc_pages"] = 200,
        ["doc_props"] = { ["title"] = "", ["authors"] = "" },
    }'''
    [work] = read(_sidecar(tmp_path, "Kerenyi.pdf", text, "pdf")).works
    assert work.title == "Kerenyi.pdf"  # no title in the book: its file name
    [hl] = work.highlights
    assert hl.location == "page 34" and hl.position.fraction == pytest.approx(33.5 / 200)


def test_a_tree_of_sidecars(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _sidecar(tmp_path / "Books" / "Melville", "Moby Dick", CURRENT)
    _sidecar(tmp_path / ".adds/koreader/docsettings/mnt", "old", LEGACY)
    _sidecar(tmp_path / "Books", "hostile", 'return { ["x"] = os.execute("touch PWNED") }')
    _sidecar(tmp_path / "Books", "unread", 'return { ["doc_props"] = { ["title"] = "U" } }')
    backup = tmp_path / "Books" / "Melville" / "Moby Dick.sdr" / "metadata.epub.lua.old"
    backup.write_text(CURRENT, encoding="utf-8")
    (tmp_path / "Books" / "notes.lua").write_text('print("hi")', encoding="utf-8")
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    _sidecar(outside, "elsewhere", CURRENT)
    (tmp_path / "link").symlink_to(outside)
    seen: list[tuple[int, int]] = []
    export = read(tmp_path, lambda done, total: seen.append((done, total)))
    assert sorted(w.title for w in export.works) == ["Moby-Dick", "Old Book"]
    assert export.ignored["books without highlights"] == 1
    [skip] = [s for s in export.skipped if "hostile" in s.where]
    assert len(export.skipped) == 3  # and the two bad entries of CURRENT
    assert skip.where == str(Path("Books/hostile.sdr/metadata.epub.lua"))
    assert "code, not data" in skip.reason and "\n" not in skip.reason
    assert not (tmp_path / "PWNED").exists()
    assert seen[-1] == (4, 4)
    assert sniff(tmp_path) and sniff(tmp_path / "Books" / "Melville" / "Moby Dick.sdr")
    assert detect(tmp_path).name == "koreader"


def test_a_hostile_single_file_is_refused_with_one_line(tmp_path: Path) -> None:
    path = _sidecar(tmp_path, "bad", 'return { ["a"] = os.execute("rm -rf /") }')
    with pytest.raises(ForeignFormatError) as info:
        read(path)
    assert "not a readable KOReader sidecar" in str(info.value) and "\n" not in str(info.value)


def test_a_100_mb_sidecar_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.sdr" / "metadata.epub.lua"
    path.parent.mkdir()
    with path.open("wb") as fh:
        fh.write(b'return { ["x"] = "')
        fh.truncate(100 << 20)  # sparse: no disk, no memory
    with pytest.raises(ForeignFormatError, match="too large"):
        read(path)
    export = read(tmp_path)
    assert export.works == [] and "too large" in export.skipped[0].reason


def test_not_a_sidecar_folder(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("hello", encoding="utf-8")
    assert not sniff(tmp_path)
    with pytest.raises(ForeignFormatError, match="no KOReader sidecar"):
        read(tmp_path)


def test_sniff_is_specific(tmp_path: Path) -> None:
    lua = tmp_path / "book.metadata.epub.lua"
    lua.write_text(CURRENT, encoding="utf-8")
    other = tmp_path / "init.lua"
    other.write_text('local x = require("y")\nreturn x\n', encoding="utf-8")
    csv = tmp_path / "readwise.csv"
    csv.write_text("Highlight,Book Title,Book Author,Amazon Book ID,Note\n", encoding="utf-8")
    hyp = tmp_path / "hypothesis.json"
    hyp.write_text(json.dumps({"rows": [{"uri": "u", "target": []}]}), encoding="utf-8")
    assert sniff(lua) and not sniff(other) and not sniff(csv) and not sniff(hyp)
    assert by_name("koreader").sniff(lua)


# -- the exporter plugin's JSON -----------------------------------------------------------------

def _entry(**fields: object) -> dict[str, object]:
    return {"sort": "highlight", "page": 10, "time": 1700000000, "chapter": "One",
            "drawer": "lighten", **fields}


def test_exporter_json_one_book_and_many(tmp_path: Path) -> None:
    one = {"title": "Dune", "author": "Frank Herbert", "number_of_pages": 100,
           "file": "/mnt/books/Dune.epub", "created_on": 1700000100, "version": "v2024.04",
           "entries": [_entry(text="Fear is the mind-killer.", note="litany", color="red",
                              pos0_xp="/body/DocFragment[3]/body/p[2]/text().4"),
                       _entry(sort="bookmark", text="p. 11"),
                       _entry(text=""), "junk"]}
    one["entries"][0]["chapter"] = "The Litany"  # type: ignore[index]
    path = tmp_path / "Dune.json"
    path.write_text(json.dumps(one), encoding="utf-8")
    assert sniff(path) and detect(path).name == "koreader"
    export = read(path)
    [work] = export.works
    assert (work.title, work.author) == ("Dune", "Frank Herbert")
    [hl] = work.highlights
    assert (hl.quote, hl.note, hl.kind) == ("Fear is the mind-killer.", "litany", 4)
    assert hl.created == "2023-11-14T22:13:20+00:00"
    assert hl.location == "/body/DocFragment[3]/body/p[2]/text().4"
    assert hl.position.spine_index == 3 and hl.position.fraction == pytest.approx(0.095)
    assert hl.chapter == "The Litany"
    assert export.ignored == {"bookmarks": 1} and len(export.skipped) == 2

    many = {"created_on": 1, "version": "v", "documents": [
        {"title": "A", "author": "X", "entries": [_entry(text="a quote", page=3)]},
        {"title": "", "file": "/b/Book B.pdf", "entries": [_entry(text="b quote")]},
        {"title": "broken"}]}
    path.write_text(json.dumps(many), encoding="utf-8")
    export = read(path)
    assert [w.title for w in export.works] == ["A", "Book B"]
    assert export.works[0].highlights[0].location == "page 3"
    assert [s.reason for s in export.skipped] == ["a document without entries"]


def test_exporter_json_that_is_not(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ForeignFormatError, match="not JSON"):
        read(path)


# -- the real files -----------------------------------------------------------------------------

def test_real_sidecars(shared_corpus: Path) -> None:
    folder = shared_corpus / "bridges" / "koreader"
    export = read(folder)
    assert export.skipped == []
    works = {w.title: w for w in export.works}
    assert set(works) == {"Between Parent and Child", "Kerenyi",
                          "86--EIGHTY-SIX, Volume 13 nijafsvddavsfjdfashij"}
    counts = {t: (len(w.highlights), sum(1 for h in w.highlights if h.note))
              for t, w in works.items()}
    assert counts == {"Between Parent and Child": (5, 2), "Kerenyi": (12, 12),
                      "86--EIGHTY-SIX, Volume 13 nijafsvddavsfjdfashij": (4, 2)}
    eighty = works["86--EIGHTY-SIX, Volume 13 nijafsvddavsfjdfashij"]
    assert eighty.author == "Shirabii & Asato Asato"
    assert "md5:58360b6aedb91b5c172a08319c8563c4" in eighty.identifiers
    assert "isbn:9798855408300" in eighty.identifiers
    assert all(h.position.spine_index == 11 for h in eighty.highlights)
    assert eighty.highlights[1].note == "yay"
    assert {h.chapter for h in eighty.highlights} == {"Chapter 1: I Utter the Name"}
    assert all(h.chapter == "" for w in (works["Kerenyi"], works["Between Parent and Child"])
               for h in w.highlights)  # their sidecars name no chapter ("")
    parent = works["Between Parent and Child"]
    assert parent.identifiers == ["md5:9ff924f34f97bbf011b6067214538ef5"]
    notes = {h.quote: h.note for h in parent.highlights}
    assert notes["we acknowledge our greatest debt."] == "more info from laptop"
    assert notes["Nancy Goddard"] == ""
    kerenyi = works["Kerenyi"]
    assert kerenyi.author == "" and kerenyi.highlights[0].location == "page 26"
    assert all(h.position.fraction and 0 < h.position.fraction < 1
               for h in kerenyi.highlights)
    for path in folder.iterdir():
        assert sniff(path) and detect(path).name == "koreader"


def test_real_sidecar_chapters_reach_the_library(shared_corpus: Path, tmp_path: Path) -> None:
    from tuireader.library.bridge.apply import apply_plan, plan_import
    from tuireader.library.bridge.origin import origin_words
    from tuireader.library.store import Store

    sidecar = shared_corpus / "bridges" / "koreader" / "eighty-six-v13.metadata.epub.lua"
    with Store(tmp_path / "lib") as store:
        apply_plan(store, plan_import(store, read(sidecar)))
        stored = store.all_highlights()
        assert len(stored) == 4
        assert {h.origin_chapter for h in stored} == {"Chapter 1: I Utter the Name"}
        assert all(origin_words(h).startswith("KOReader, “Chapter 1: I Utter the Name”, /body/")
                   for h in stored)



def test_the_walk_is_bounded_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tuireader.importers.foreign import koreader

    for n in range(5):
        _sidecar(tmp_path / f"d{n}", f"book{n}", CURRENT)
    _sidecar(tmp_path / "a" / "b" / "c" / "d", "deep", CURRENT)
    assert len(read(tmp_path).works) == 6
    monkeypatch.setattr(koreader, "MAX_SIDECARS", 3)
    monkeypatch.setattr(koreader, "MAX_WALK_DEPTH", 3)
    export = read(tmp_path)
    assert len(export.works) == 3
    reasons = [s.reason for s in export.skipped if s.where == str(tmp_path)]
    assert reasons == ["folders deeper than 3 levels were not read",
                       "the folder holds more than 3 sidecars; the rest were not read"]
