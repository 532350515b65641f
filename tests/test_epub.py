"""EPUB import on books made in the test: structure, metadata, TOC, notes, images, refusals."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from ebooklib import epub

from epub_support import chapter, make_book, opf, raw_book, simple_files, xhtml
from tuireader.core.document import parse_markdown
from tuireader.importers import ImportFailed, import_file, import_source


def _plain(markdown: str) -> str:
    return parse_markdown(markdown).plain_text


def test_epub3_with_nav_metadata_spine_and_headings(tmp_path: Path) -> None:
    chapters = [
        chapter("c1.xhtml", "Chapter 1", "<h1>Chapter 1</h1><p>It was a dark night.</p>"),
        chapter("c2.xhtml", "Chapter 2", "<p>No heading of its own here.</p>"),
        chapter("c3.xhtml", "Chapter 3", "<p>Chapter 3</p><p>The title line is a paragraph.</p>"),
    ]
    path = make_book(tmp_path / "book.epub", chapters, series="The Series")
    book = import_file(path)
    assert book.kind == "book" and book.title == "A Made Book"
    assert book.author == "Ada Author" and book.publisher == "Test Press"
    assert book.language == "en" and book.published.startswith("2001-02-03")
    assert "isbn:9780000000002" in book.identifiers and book.series == "The Series"
    assert book.source == str(path.resolve())
    document = parse_markdown(book.markdown)
    assert [h.title for h in document.headings] == ["Chapter 1", "Chapter 2", "Chapter 3"]
    plain = document.plain_text
    assert [s.index for s in book.spine] == [1, 2, 3]
    assert [s.href for s in book.spine] == ["c1.xhtml", "c2.xhtml", "c3.xhtml"]
    assert [s.title for s in book.spine] == ["Chapter 1", "Chapter 2", "Chapter 3"]
    texts = [plain[s.start:s.end] for s in book.spine]
    assert texts == ["Chapter 1\n\nIt was a dark night.",
                     "Chapter 2\n\nNo heading of its own here.",
                     "Chapter 3\n\nThe title line is a paragraph."]
    assert book.spine[-1].end == len(plain)


def test_epub2_ncx_only_nested_toc_in_a_subfolder(tmp_path: Path) -> None:
    ncx = b"""<?xml version="1.0"?><ncx xmlns="http://www.daisy.org/z3986/2005/ncx/"
      version="2005-1"><head/><docTitle><text>Hand Made</text></docTitle><navMap>
      <navPoint id="p1"><navLabel><text>Part One</text></navLabel>
        <content src="text/c1.xhtml"/>
        <navPoint id="p1c1"><navLabel><text>The First</text></navLabel>
          <content src="text/c1.xhtml#s1"/></navPoint>
      </navPoint>
      <navPoint id="p2"><navLabel><text>Part Two</text></navLabel>
        <content src="text/c2.xhtml"/></navPoint>
    </navMap></ncx>"""
    files = {
        "OEBPS/content.opf": opf([("c1", "text/c1.xhtml", "application/xhtml+xml"),
                                  ("c2", "text/c2.xhtml", "application/xhtml+xml"),
                                  ("ncx", "toc.ncx", "application/x-dtbncx+xml")],
                                 ["c1", "c2"], ncx="ncx"),
        "OEBPS/toc.ncx": ncx,
        "OEBPS/text/c1.xhtml": xhtml('<p>Opening words.</p><div id="s1"><p>Section text.</p>'
                                     "</div>"),
        "OEBPS/text/c2.xhtml": xhtml("<p>Second part.</p>"),
    }
    book = import_file(raw_book(tmp_path / "two.epub", files))
    assert book.title == "Hand Made" and book.author == "Hand Author"
    assert book.identifiers[0] == "uuid:12345678-1234-1234-1234-1234567890ab"
    headings = parse_markdown(book.markdown).headings
    assert [(h.level, h.title) for h in headings] == [(1, "Part One"), (2, "The First"),
                                                      (1, "Part Two")]
    plain = _plain(book.markdown)
    assert plain[book.spine[0].start:book.spine[0].end] == (
        "Part One\n\nOpening words.\n\nThe First\n\nSection text.")
    assert [s.href for s in book.spine] == ["text/c1.xhtml", "text/c2.xhtml"]


def test_nested_toc_from_nav(tmp_path: Path) -> None:
    c1 = chapter("c1.xhtml", "Intro", "<p>Intro text.</p>")
    c2 = chapter("c2.xhtml", "Deep", "<p>Deep text.</p>")
    c3 = chapter("c3.xhtml", "Deeper", "<p>Deeper text.</p>")
    toc = [epub.Link("c1.xhtml", "Intro", "i"),
           (epub.Section("Part I", href="c2.xhtml"),
            [(epub.Section("Book A", href="c2.xhtml#x"), [epub.Link("c3.xhtml", "Deeper", "d")])])]
    c2.content = ("<html><body><p>Part text.</p><p id='x'>Deep text.</p></body></html>")
    book = import_file(make_book(tmp_path / "n.epub", [c1, c2, c3], toc=toc, ncx=False))
    headings = [(h.level, h.title) for h in parse_markdown(book.markdown).headings]
    assert headings == [(1, "Intro"), (1, "Part I"), (2, "Book A"), (3, "Deeper")]


def test_footnotes_keep_their_text_and_a_way_back(tmp_path: Path) -> None:
    body = ('<p>A claim<a epub:type="noteref" href="#n1" id="r1">1</a> and more.</p>'
            '<p>Second<a role="doc-noteref" href="notes.xhtml#e1" id="r2">2</a>.</p>'
            '<aside epub:type="footnote" id="n1"><p>1. The note says why. '
            '<a href="#r1">↩</a></p></aside><p>Last words.</p>')
    notes = chapter("notes.xhtml", "Notes",
                    '<ol><li id="e1"><p>Endnote text. <a href="c1.xhtml#r2" '
                    'role="doc-backlink">↩</a></p></li></ol>')
    c1 = chapter("c1.xhtml", "One", body)
    book = import_file(make_book(tmp_path / "f.epub", [c1, notes]))
    plain = _plain(book.markdown)
    # The pop-up footnote reads just after the paragraph that calls it, once.
    assert ("A claim[1] and more.\n\n1. The note says why. ↩\n\nSecond[2].\n\nLast words."
            in plain)
    assert plain.count("The note says why.") == 1 and "Endnote text. ↩" in plain
    assert "notes.xhtml" not in book.markdown and "](#" not in book.markdown


def test_images_become_alt_text_or_a_placeholder_and_links_stay_safe(tmp_path: Path) -> None:
    c1 = chapter("c1.xhtml", "One",
                 '<p>Look: <img src="images/map.png" alt="A map of the coast"/></p>'
                 '<p><img src="images/ornament.png"/></p>'
                 '<p>See <a href="c2.xhtml">the next</a> and <a href="https://example.org/">'
                 "the web</a>.</p>")
    c2 = chapter("c2.xhtml", "Two", "<p>Two.</p>")
    book = import_file(make_book(tmp_path / "i.epub", [c1, c2]))
    plain = _plain(book.markdown)
    assert "Look: [image: A map of the coast]" in plain and "[image]" in plain
    assert "images/" not in book.markdown and "c2.xhtml" not in book.markdown
    assert "[the web](https://example.org/)" in book.markdown


def test_xhtml_that_is_not_well_formed_is_read_leniently(tmp_path: Path) -> None:
    broken = (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>'
              b"<p>Unclosed paragraph &nbsp; with an entity<p>Another <b>bold<i>mixed</b> end"
              b"<br><h2>Late heading</h2><p>Tail text.")
    files = simple_files(**{"OEBPS/c2.xhtml": broken})
    book = import_file(raw_book(tmp_path / "b.epub", files))
    plain = _plain(book.markdown)
    assert "Unclosed paragraph" in plain and "Late heading" in plain and "Tail text." in plain


def test_a_missing_optional_file_is_tolerated(tmp_path: Path) -> None:
    files = simple_files()
    files["OEBPS/content.opf"] = opf([("c1", "c1.xhtml", "application/xhtml+xml"),
                                      ("c2", "c2.xhtml", "application/xhtml+xml"),
                                      ("css", "style.css", "text/css"),
                                      ("img", "gone.png", "image/png"),
                                      ("ncx", "toc.ncx", "application/x-dtbncx+xml")],
                                     ["c1", "c2"], ncx="ncx")
    book = import_file(raw_book(tmp_path / "m.epub", files))
    assert "Second chapter text." in book.markdown


def _refusal(path: Path) -> str:
    (outcome,) = list(import_source(str(path)))
    assert outcome.article is None
    assert "\n" not in outcome.error
    return outcome.error


def test_a_spine_pointing_at_a_missing_file_is_refused(tmp_path: Path) -> None:
    files = simple_files()
    del files["OEBPS/c2.xhtml"]
    assert "does not hold" in _refusal(raw_book(tmp_path / "s.epub", files))
    assert "c2.xhtml" in _refusal(raw_book(tmp_path / "s.epub", files))


def test_drm_is_refused_but_font_obfuscation_is_not(tmp_path: Path) -> None:
    def encryption(uri: str, algorithm: str) -> bytes:
        return (f'<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
                f'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
                f'<enc:EncryptionMethod Algorithm="{algorithm}"/><enc:CipherData>'
                f'<enc:CipherReference URI="{uri}"/></enc:CipherData></enc:EncryptedData>'
                f"</encryption>").encode()

    drm = simple_files(**{"META-INF/encryption.xml": encryption(
        "OEBPS/c1.xhtml", "http://www.w3.org/2001/04/xmlenc#aes128-cbc")})
    assert "this book is DRM-protected" in _refusal(raw_book(tmp_path / "d.epub", drm))
    fonts = simple_files(**{"META-INF/encryption.xml": encryption(
        "OEBPS/fonts/a.otf", "http://www.idpf.org/2008/embedding")})
    assert "First chapter text." in import_file(raw_book(tmp_path / "f.epub", fonts)).markdown


def test_a_zip_bomb_is_refused_before_it_inflates(tmp_path: Path) -> None:
    path = raw_book(tmp_path / "bomb.epub", simple_files())
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf, zf.open(
            "OEBPS/zeros.xhtml", "w") as member:
        for _ in range(70):
            member.write(b"\0" * (1 << 20))
    assert path.stat().st_size < 1_000_000
    assert "zip bomb" in _refusal(path)


@pytest.mark.parametrize("name", ["../evil.xhtml", "/etc/evil.xhtml", "OEBPS/../../x.xhtml"])
def test_unsafe_member_paths_are_refused(tmp_path: Path, name: str) -> None:
    path = raw_book(tmp_path / "p.epub", simple_files(**{name: b"x"}))
    assert "unsafe path" in _refusal(path)


def test_not_a_zip_and_no_opf_are_refused(tmp_path: Path) -> None:
    fake = tmp_path / "fake.epub"
    fake.write_bytes(b"<html><body>not a zip</body></html>")
    assert "not a zip" in _refusal(fake)
    files = simple_files()
    del files["OEBPS/content.opf"]
    assert "no OPF" in _refusal(raw_book(tmp_path / "n.epub", files))


def test_a_folder_finds_its_epubs(tmp_path: Path) -> None:
    raw_book(tmp_path / "a.epub", simple_files())
    (tmp_path / "notes.txt").write_text("plain notes\n")
    outcomes = list(import_source(str(tmp_path)))
    kinds = sorted((Path(o.source).suffix, o.article.kind if o.article else o.error)
                   for o in outcomes)
    assert kinds == [(".epub", "book"), (".txt", "article")]


def test_an_empty_book_is_refused(tmp_path: Path) -> None:
    files = simple_files(**{"OEBPS/c1.xhtml": xhtml(""), "OEBPS/c2.xhtml": xhtml("<p> </p>")})
    with pytest.raises(ImportFailed, match="no text"):
        import_file(raw_book(tmp_path / "e.epub", files))


def test_a_hostile_table_of_contents_is_dropped_not_fatal(tmp_path: Path) -> None:
    depth = 5000  # deeper than Python's recursion limit in ebooklib's NCX reader
    points = "".join(f'<navPoint id="p{i}"><navLabel><text>L{i}</text></navLabel>'
                     f'<content src="c1.xhtml"/>' for i in range(depth)) + "</navPoint>" * depth
    ncx = (f'<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/"><navMap>{points}</navMap></ncx>'
           ).encode()
    files = simple_files(**{"OEBPS/toc.ncx": ncx})
    files["OEBPS/content.opf"] = opf([("c1", "c1.xhtml", "application/xhtml+xml"),
                                      ("c2", "c2.xhtml", "application/xhtml+xml"),
                                      ("ncx", "toc.ncx", "application/x-dtbncx+xml")],
                                     ["c1", "c2"], ncx="ncx")
    book = import_file(raw_book(tmp_path / "deep.epub", files))
    assert "First chapter text." in book.markdown and "Second chapter text." in book.markdown


def test_a_missing_container_finds_the_opf_anyway(tmp_path: Path) -> None:
    book = import_file(raw_book(tmp_path / "nc.epub", simple_files(), container=False))
    assert book.title == "Hand Made" and "Second chapter text." in book.markdown


def test_a_document_without_text_keeps_the_map_exact(tmp_path: Path) -> None:
    files = simple_files(**{"OEBPS/c1.xhtml": xhtml("<hr/>"),
                            "OEBPS/c2.xhtml": xhtml("<p>After the rule.</p>")})
    book = import_file(raw_book(tmp_path / "r.epub", files))
    plain = _plain(book.markdown)
    assert plain[book.spine[1].start:book.spine[1].end] == "After the rule."
    assert book.spine[0].start == book.spine[0].end


def test_parse_parts_places_each_part_as_the_joined_parse_does() -> None:
    from tuireader.core.document import parse_parts

    parts = ["# One\n\n- a\n- b\n", "---\n", "", "```\ncode\n\nmore\n```\n", "1. x\n\n2. y\n",
             "Para with *emphasis* and `code`.\n"]
    whole = parse_markdown("\n\n".join(p.rstrip("\n") for p in parts if p.strip()))
    blocks = [b for part in parse_parts(parts) for b in part]
    assert [(b.kind, b.text, b.start, b.end) for b in blocks] == [
        (b.kind, b.text, b.start, b.end) for b in whole.blocks]
