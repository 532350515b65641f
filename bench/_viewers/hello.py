"""The floor: a Textual hello-world app showing one known word (bench/reader.py)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Static

WORD = "hello-world-floor"


class Hello(App[None]):
    BINDINGS = [Binding("q", "quit", "Quit", priority=True)]

    def compose(self) -> ComposeResult:
        yield Static(f"Textual {WORD}")


if __name__ == "__main__":
    Hello().run()
