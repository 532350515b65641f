"""The real ``tuireader review`` in a real terminal (tmux): a three-card session (keep, master,
discard), then the state as the library has it after the program ended."""

from __future__ import annotations

from pathlib import Path

from test_review_screen import build
from test_terminal import Terminal, pytestmark, terminal  # noqa: F401  (the fixture)
from tuireader.library.store import Store


def test_three_card_session(terminal: Terminal, tmp_path: Path) -> None:  # noqa: F811
    library = tmp_path / "lib"
    store, highlights = build(library)
    store.close()
    pane = terminal.run("--library", str(library), "review", "--count", "3", "--seed", "1")
    terminal.wait(pane, lambda s: any("Daily review · 1 / 3" in line for line in s),
                  "the first card")
    terminal.keys(pane, "Enter")
    terminal.wait(pane, lambda s: any("Daily review · 2 / 3" in line for line in s),
                  "the second card")
    terminal.keys(pane, "m")
    terminal.wait(pane, lambda s: any("Daily review · 3 / 3" in line for line in s),
                  "the third card")
    terminal.keys(pane, "d")
    screen = terminal.wait(pane, lambda s: any("Session done: 3 of 3" in line for line in s),
                           "the end of the session")
    assert any("reviewed today" in line for line in screen)
    terminal.keys(pane, "Escape")
    terminal.wait(pane, lambda s: not any("Daily review" in line for line in s),
                  "the reader again")
    terminal.keys(pane, "q")
    assert terminal.wait_exit(pane) == "0"
    with Store(library, read_only=True) as store:
        records = [store.review.state(h) for h in highlights]
        assert all(r is not None for r in records)
        kinds = sorted("discarded" if r.discarded else "card" if r.card else "kept"
                       for r in records if r is not None)
        assert kinds == ["card", "discarded", "kept"]
