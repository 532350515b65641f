"""Plain-text and Markdown importers, and the importer dispatch (files, folders, odd sources)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tuireader import importers
from tuireader.core.document import parse_markdown
from tuireader.importers import ImportFailed, import_bytes, import_source
from tuireader.importers.text import import_markdown, import_text


def plain(markdown: str) -> str:
    return parse_markdown(markdown).plain_text


# -- plain text --------------------------------------------------------------------------------

def test_paragraphs_joined_and_crlf() -> None:
    art = import_text("My Title\r\n\r\nfirst line\r\nsecond line\r\n\r\nnext para\r\n")
    assert art.title == "My Title"
    assert "\r" not in art.markdown
    assert plain(art.markdown).split("\n\n") == ["first line second line", "next para"]


def test_chapter_headings_become_headings() -> None:
    text = "A Book\n\nCHAPTER I\n\nIt begins here.\n\nChapter 2: The Middle\n\nIt goes on."
    art = import_text(text)
    assert "## CHAPTER I" in art.markdown
    assert "## Chapter 2: The Middle" in art.markdown
    assert [b.text for b in parse_markdown(art.markdown).blocks if b.kind == "heading"] == [
        "CHAPTER I", "Chapter 2: The Middle"]


def test_book_opening_on_chapter_has_no_chapter_title() -> None:
    art = import_text("CHAPTER 1\n\nText.", source="/books/moby_dick.txt")
    assert art.title == "Moby dick"


@pytest.mark.parametrize("line", [
    "[@click=app.quit]", "*x*", "# x", "> quoted", "1. not a list", "- dash", "a_b_c",
    "`code`", "<b>tag</b>", "back\\slash", "| a | b |", "~~strike~~", "+ plus", "[link](http://x)",
])
def test_markdown_characters_read_literally(line: str) -> None:
    art = import_text(f"Title\n\n{line}")
    assert plain(art.markdown).strip() == line


def test_text_title_from_source_when_first_line_too_long() -> None:
    art = import_text("x" * 300, source="/tmp/my-notes.txt")
    assert art.title == "My notes"


def test_empty_text_refused() -> None:
    with pytest.raises(ImportFailed, match="empty"):
        import_text(" \n\r\n ")


# -- Markdown ----------------------------------------------------------------------------------

def test_front_matter_title_and_author() -> None:
    md = "---\ntitle: Front Title\nauthor: [Ann, Bob]\ndate: 2024-05-01\n---\n# Heading\n\nBody.\n"
    art = import_markdown(md)
    assert art.title == "Front Title"
    assert art.author == "Ann, Bob"
    assert art.published == "2024-05-01"
    assert "---" not in art.markdown and "Body." in art.markdown


def test_malicious_yaml_tag_does_not_execute(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    md = (f"---\ntitle: !!python/object/apply:os.system [\"touch {marker}\"]\n---\n"
          "# Safe Title\n\nBody.\n")
    art = import_markdown(md)
    assert not marker.exists()
    assert art.title == "Safe Title"  # the front matter was ignored as a whole


def test_first_heading_is_title_and_removed_from_body() -> None:
    art = import_markdown("\n# The Title #\n\nSome *body* text.\n")
    assert art.title == "The Title"
    assert not art.markdown.lstrip().startswith("#")
    assert plain(art.markdown).strip() == "Some body text."


def test_markdown_without_heading_uses_first_line() -> None:
    art = import_markdown("Just a line\n\nAnd more.")
    assert art.title == "Just a line"


def test_front_matter_not_a_mapping_is_body() -> None:
    art = import_markdown("---\n- a\n- b\n---\n\nText")
    assert "Text" in art.markdown


# -- dispatch ----------------------------------------------------------------------------------

def outcomes(source: str) -> list[importers.ImportOutcome]:
    return list(import_source(source))


def test_folder_recursive_sorted_and_hidden_skipped(tmp_path: Path) -> None:
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "b.md").write_text("# B\n\nb")
    (tmp_path / "a.txt").write_text("A\n\na")
    (tmp_path / "sub" / "deeper" / "c.markdown").write_text("# C\n\nc")
    (tmp_path / ".hidden.md").write_text("# H")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    got = outcomes(str(tmp_path))
    assert [Path(o.source).name for o in got] == ["a.txt", "b.md", "c.markdown"]
    assert [o.article.title for o in got if o.article] == ["A", "B", "C"]
    assert all(o.article.source == str(Path(o.source).resolve()) for o in got if o.article)


def test_empty_folder(tmp_path: Path) -> None:
    [o] = outcomes(str(tmp_path))
    assert o.article is None and "no .html, .md or .txt" in o.error


def test_fifo_refused_clearly(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    [o] = outcomes(str(fifo))  # must not block reading the FIFO
    assert o.article is None and "not a regular file" in o.error


def test_empty_and_missing_file(tmp_path: Path) -> None:
    empty = tmp_path / "e.md"
    empty.write_text("  \n")
    [o] = outcomes(str(empty))
    assert o.article is None and "empty" in o.error
    [o] = outcomes(str(tmp_path / "missing.txt"))
    assert o.article is None and o.error == "no such file"


def test_too_large_file(tmp_path: Path, monkeypatch) -> None:
    big = tmp_path / "big.txt"
    big.write_text("x" * 5000)
    monkeypatch.setattr(importers, "MAX_FILE_BYTES", 1000)
    [o] = outcomes(str(big))
    assert o.article is None and "too large" in o.error


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/a.txt"])
def test_non_http_urls_refused(url: str) -> None:
    [o] = outcomes(url)
    assert o.article is None and "only http:// and https://" in o.error


def test_unknown_suffix_sniffed_as_text(tmp_path: Path) -> None:
    f = tmp_path / "README"
    f.write_text("Readme Title\n\n*not emphasis*")
    [o] = outcomes(str(f))
    assert o.article is not None and plain(o.article.markdown).strip() == "*not emphasis*"


def test_import_bytes_empty_refused() -> None:
    with pytest.raises(ImportFailed):
        import_bytes(b"   ", source="-")
