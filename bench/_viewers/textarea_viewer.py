"""Textual's read-only TextArea on a file: ``python textarea_viewer.py FILE`` (bench/reader.py).

A reference for what a plain Textual text widget costs: startup and page-down latency.
"""

from __future__ import annotations

import sys
from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import TextArea


class Viewer(App[None]):
    BINDINGS = [Binding("q", "quit", "Quit", priority=True)]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        text = self.path.read_text("utf-8", errors="replace")
        yield TextArea(text, read_only=True, soft_wrap=True, show_line_numbers=False)


if __name__ == "__main__":
    Viewer(Path(sys.argv[1])).run()
