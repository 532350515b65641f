"""Text and Markdown files with stray control characters import with them made inert."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tuireader.core.document import parse_markdown
from tuireader.importers import import_source
from tuireader.importers.encoding import inert_controls


def only(source: Path) -> tuple[str, str]:
    (outcome,) = list(import_source(str(source)))
    return (outcome.article.markdown if outcome.article else ""), outcome.error


def test_ansi_colour_log_imports_without_escape_sequences(tmp_path: Path) -> None:
    log = tmp_path / "build.log.txt"
    log.write_bytes(
        b"Build log\n\n"
        + b"\x1b[1;32m[ok]\x1b[0m step \x1b[33mdone\x1b[m\n" * 300
        + b"\x1b]0;terminal title\x07\x1b]8;;https://e.org\x1b\\link\x1b]8;;\x1b\\\n"
    )
    markdown, error = only(log)
    assert not error
    assert "\x1b" not in markdown and "[0m" not in markdown and "terminal title" not in markdown
    assert "step done" in parse_markdown(markdown).plain_text
    assert "link" in markdown


def test_other_controls_become_visible_placeholders(tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_bytes(
        b"# Notes\n\nA bell\x07 here, a backspace\x08 there, a lone ESC \x1b, "
        b"DEL\x7f.\n\nPage one\x0cPage two\n"
    )
    markdown, error = only(notes)
    assert not error
    assert "A bell␇ here, a backspace␈ there, a lone ESC ␛, DEL␡." in markdown
    assert "Page one\n\nPage two" in markdown
    assert not any(ord(c) < 32 and c not in "\n\t" for c in markdown)


def test_inert_controls_rules() -> None:
    assert inert_controls("plain text") == "plain text"
    assert inert_controls("\x1b[2J\x1b[Hclear") == "clear"
    assert inert_controls("c1\x85 \x9b31mred") == "c1\ufffd red"
    assert inert_controls("tab\tand\nnewline") == "tab\tand\nnewline"
    assert inert_controls("\x1b]0;" + "x" * 10_000) == "0;" + "x" * 10_000  # unterminated


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("nul.txt", b"text\x00" * 400, "NUL"),
        ("image.txt", b"\x89PNG\r\n\x1a\n" + bytes(300), "PNG image"),
        ("controls.md", bytes(range(1, 32)) * 200, "control characters"),
    ],
)
def test_real_binaries_are_still_refused_in_one_line(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    markdown, error = only(path)
    assert not markdown and reason in error and "\n" not in error


def test_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "archive.txt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.txt", "hello " * 100)
    markdown, error = only(path)
    assert not markdown and "ZIP" in error
