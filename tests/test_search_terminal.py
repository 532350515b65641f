"""The real program in a real terminal (tmux): S, type a query, see the hits, open one, and the
matched word is on screen, marked; the index was built in the background at start."""

from __future__ import annotations

import re
from pathlib import Path

from test_terminal import Terminal, pytestmark, terminal  # noqa: F401  (the fixture)
from tuireader.core.model import ImportedArticle
from tuireader.library.store import Store

FILLER = "\n\n".join(f"Paragraph {i}: ordinary words about the weather and the road."
                     for i in range(1, 120))
BOOK = FILLER + "\n\nThen Natásha Rostóva came into the ballroom, laughing.\n\n" + FILLER


def test_search_open_a_hit_and_see_it(terminal: Terminal, tmp_path: Path) -> None:  # noqa: F811
    library = tmp_path / "lib"
    with Store(library) as store:
        store.add_article(ImportedArticle(title="A Short Note", markdown="# Note\n\nNothing.",
                                          source="note"))
        store.add_article(ImportedArticle(title="War and Peace", markdown=BOOK, source="war"))
    pane = terminal.run("--library", str(library))
    terminal.wait(pane, lambda s: any("A Short Note" in line for line in s), "the library")
    terminal.keys(pane, "S")
    terminal.wait(pane, lambda s: any("Search the library" in line for line in s),
                  "the search screen")
    terminal.keys(pane, "n", "a", "t", "a", "s", "h", "a")
    terminal.wait(pane, lambda s: any("ballroom" in line for line in s)
                  and any("War and Peace" in line for line in s), "the hit")
    terminal.keys(pane, "Enter")
    terminal.wait(pane, lambda s: any("Natásha Rostóva" in line for line in s)
                  and not any("Search the library" in line for line in s),
                  "the article at the hit")
    # The match is drawn marked: a colour change right before the word, one after it.
    styled = terminal.tmux("capture-pane", "-p", "-e", "-t", pane)
    line = next(line for line in styled.splitlines() if "Natásha" in line)
    assert re.search(r"\x1b\[[0-9;]*mNatásha\x1b\[", line), line
    terminal.keys(pane, "q")
    assert terminal.wait_exit(pane) == "0"
