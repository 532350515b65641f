"""The real ``tuireader`` in tmux: add an EPUB, open it, chapter 1's text is on screen and the
chapter on the status line."""

from __future__ import annotations

import re
from pathlib import Path

from epub_support import chapter, make_book
from test_terminal import Terminal, cli, pytestmark, terminal  # noqa: F401 - the fixture

__all__ = ["pytestmark"]


def test_add_an_epub_and_read_chapter_one(terminal: Terminal, tmp_path: Path) -> None:  # noqa: F811
    chapters = [
        chapter("c1.xhtml", "Chapter 1", "<p>Whales sing beneath the northern ice shelf.</p>"),
        chapter("c2.xhtml", "Chapter 2", "<p>The second chapter waits.</p>"),
    ]
    book = make_book(tmp_path / "whales.epub", chapters, title="Songs of the Sea")
    library = tmp_path / "library"
    out = cli(terminal, "--library", str(library), "add", str(book))
    match = re.match(r"added (\S+) Songs of the Sea", out)
    assert match, out
    pane = terminal.run("--library", str(library), "open", match.group(1))
    terminal.wait(pane, lambda s: any("Whales sing beneath the northern ice shelf." in line
                                      for line in s), "chapter 1's text")
    terminal.wait(pane, lambda s: any("Songs of the Sea · Chapter 1 · " in line for line in s),
                  "the chapter on the status line")
    terminal.keys(pane, "q")
    assert terminal.wait_exit(pane) == "0"
