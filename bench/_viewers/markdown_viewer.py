"""Textual's own Markdown viewer on a file: ``python markdown_viewer.py FILE`` (bench/reader.py).

The file is read and handed to ``MarkdownViewer`` (table of contents hidden) at compose time,
which is how an app would show a document with the stock widget.
"""

from __future__ import annotations

import sys
from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import MarkdownViewer


class Viewer(App[None]):
    BINDINGS = [Binding("q", "quit", "Quit", priority=True)]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        text = self.path.read_text("utf-8", errors="replace")
        yield MarkdownViewer(text, show_table_of_contents=False)


if __name__ == "__main__":
    Viewer(Path(sys.argv[1])).run()
