"""The real ``tuireader`` command in a real terminal (tmux): reading position survives a restart,
and a first start fills an empty library with the bundled samples.

Each test runs its own tmux server (a socket file in ``tmp_path``) with HOME, the XDG folders,
the library and the config file all inside ``tmp_path``, so no user setting interferes and no
other tmux session is touched.  Every wait polls the screen with a deadline; nothing sleeps for
long.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CLI = Path(sys.executable).with_name("tuireader")
SAMPLES = Path(__file__).resolve().parents[1] / "sample_articles" / "index.json"
WIDTH, HEIGHT = 120, 40
TIMEOUT = 20.0

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(not CLI.exists(), reason=f"no tuireader command next to {sys.executable}"),
]

PARAGRAPH = re.compile(r"Paragraph (\d{3}) begins")


@dataclass
class Terminal:
    """A private tmux server; programs run in windows of WIDTH x HEIGHT."""

    socket: Path
    env: dict[str, str]
    cwd: Path
    _runs: int = 0
    _status: dict[str, Path] = field(default_factory=dict)

    def tmux(self, *args: str, check: bool = True) -> str:
        proc = subprocess.run(["tmux", "-S", str(self.socket), *args], capture_output=True,
                              text=True, env=self.env, timeout=30, check=False)
        if check and proc.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed: {proc.stderr.strip()}")
        return proc.stdout

    def start_server(self) -> None:
        # The holder window keeps the server up between runs of the app.
        self.tmux("-f", "/dev/null", "new-session", "-d", "-x", str(WIDTH), "-y", str(HEIGHT),
                  "-s", "test", "sleep", "600")
        self.tmux("set-option", "-g", "remain-on-exit", "on")
        self.tmux("set-option", "-g", "default-terminal", "tmux-256color")

    def run(self, *args: str) -> str:
        """Start ``tuireader ARGS`` in a new window; returns its pane id.

        A shell waits for it and writes its exit status to a file: tmux itself sometimes leaves
        an exited program unreaped (a zombie), so the pane's own status cannot be relied on.
        """
        self._runs += 1
        status = self.cwd / f"exit-status-{self._runs}"
        script = 'status="$1"; shift; "$@"; echo "$?" > "$status.tmp"; mv "$status.tmp" "$status"'
        pane = self.tmux("new-window", "-d", "-P", "-F", "#{pane_id}", "-c", str(self.cwd),
                         "-t", "test:", "sh", "-c", script, "sh", str(status), str(CLI),
                         *args).strip()
        self._status[pane] = status
        return pane

    def screen(self, pane: str) -> list[str]:
        return self.tmux("capture-pane", "-p", "-t", pane, check=False).split("\n")

    def keys(self, pane: str, *keys: str) -> None:
        self.tmux("send-keys", "-t", pane, *keys)

    def exit_status(self, pane: str) -> str | None:
        """The program's exit status once it has ended, else None."""
        try:
            return self._status[pane].read_text().strip()
        except FileNotFoundError:
            return None

    def wait(self, pane: str, done: Callable[[list[str]], bool], what: str,
             timeout: float = TIMEOUT) -> list[str]:
        """Poll the screen until ``done(screen)``; fail showing the screen on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen(pane)
            if done(screen):
                return screen
            if self.exit_status(pane) is not None:
                text = "\n".join(self.screen(pane))
                raise AssertionError(f"tuireader exited while waiting for {what}:\n{text}")
            if time.monotonic() > deadline:
                text = "\n".join(screen)
                raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; "
                                     f"the screen:\n{text}")
            time.sleep(0.05)

    def wait_stable(self, pane: str, quiet: float = 0.4, timeout: float = TIMEOUT) -> list[str]:
        """Poll until the screen has not changed for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        last, since = self.screen(pane), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            current = self.screen(pane)
            if current != last:
                last, since = current, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return last
        raise AssertionError("the screen never settled:\n" + "\n".join(last))

    def wait_exit(self, pane: str, timeout: float = TIMEOUT) -> str:
        """Wait for the program to end; returns its exit status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.exit_status(pane)
            if status is not None:
                return status
            time.sleep(0.05)
        raise AssertionError(f"tuireader did not exit ({self.process_state(pane)}); the screen:\n"
                             + "\n".join(self.screen(pane)))

    def process_state(self, pane: str) -> str:
        """The pane's process as /proc sees it, for failure messages."""
        shell = self.tmux("display-message", "-p", "-t", pane, "#{pane_pid}", check=False).strip()
        try:
            pid = Path(f"/proc/{shell}/task/{shell}/children").read_text().split()[0]
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            threads = [
                (t / "comm").read_text().strip() + ":" + (t / "wchan").read_text().strip()
                for t in Path(f"/proc/{pid}/task").iterdir()
            ]
        except (OSError, IndexError):
            return f"the process under shell {shell} is gone"
        return f"pid {pid} state {stat}, threads {threads}"


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    home = tmp_path / "home"
    for folder in (home / ".config", home / ".local" / "share", home / ".cache"):
        folder.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TUIREADER_", "TMUX", "XDG_"))}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        TUIREADER_CONFIG=str(tmp_path / "no-config.toml"),
        LANG="C.UTF-8",
        LC_ALL="C.UTF-8",
    )
    term = Terminal(tmp_path / "tmux.sock", env, tmp_path)
    try:
        term.start_server()
        yield term
    finally:
        term.tmux("kill-server", check=False)


def cli(term: Terminal, *args: str) -> str:
    proc = subprocess.run([str(CLI), *args], capture_output=True, text=True, env=term.env,
                          cwd=term.cwd, timeout=60, check=False)
    assert proc.returncode == 0, f"tuireader {' '.join(args)}: {proc.stderr}"
    return proc.stdout


def paragraphs_on(screen: list[str]) -> list[int]:
    """Numbers of the paragraphs whose first line is on screen, top to bottom."""
    return [int(n) for line in screen for n in PARAGRAPH.findall(line)]


def test_reading_position_survives_a_restart(terminal: Terminal, tmp_path: Path) -> None:
    article = tmp_path / "numbered.txt"
    filler = ("Each sentence here is only filler that wraps the paragraph over a few lines "
              "of the reader, so that a page holds a handful of paragraphs. ")
    article.write_text(
        "Numbered Paragraphs for the Terminal Test\n\n"
        + "\n\n".join(f"Paragraph {i:03d} begins here. " + filler * (1 + i % 3)
                      for i in range(300))
        + "\n",
        "utf-8",
    )
    library = tmp_path / "library"
    out = cli(terminal, "--library", str(library), "add", str(article))
    match = re.match(r"added (\S+) ", out)
    assert match, out
    article_id = match.group(1)

    pane = terminal.run("--library", str(library), "open", article_id)
    terminal.wait(pane, lambda s: 0 in paragraphs_on(s), "the article's first paragraph")
    terminal.wait_stable(pane)
    for _ in range(3):
        before = terminal.screen(pane)
        terminal.keys(pane, "PageDown")
        terminal.wait(pane, lambda s, b=before: paragraphs_on(s) != paragraphs_on(b),
                      "a page-down to move the text")
    screen = terminal.wait_stable(pane)
    visible = paragraphs_on(screen)
    assert visible and visible[0] > 5, "\n".join(screen)
    top = visible[0]

    terminal.keys(pane, "q")
    assert terminal.wait_exit(pane) == "0"

    saved = json.loads(cli(terminal, "--library", str(library), "list", "--json"))
    assert len(saved) == 1
    assert saved[0]["id"] == article_id
    assert saved[0]["position"] > 0
    assert 0 < saved[0]["progress"] < 1

    pane = terminal.run("--library", str(library), "open", article_id)
    screen = terminal.wait(pane, lambda s: top in paragraphs_on(s),
                           f"paragraph {top} (the saved position) to show again")
    screen = terminal.wait_stable(pane)
    restored = paragraphs_on(screen)
    assert top in restored, "\n".join(screen)
    assert 0 not in restored, "the reader went back to the top:\n" + "\n".join(screen)
    terminal.keys(pane, "q")
    assert terminal.wait_exit(pane) == "0"


def test_first_start_shows_the_bundled_samples(terminal: Terminal, tmp_path: Path) -> None:
    library = tmp_path / "empty-library"
    expected = len(json.loads(SAMPLES.read_text("utf-8")))

    pane = terminal.run("--library", str(library))
    # The library pane's header counts the articles once they are listed.
    terminal.wait(pane, lambda s: any(f"Library · {expected}" in line for line in s),
                  f"the library pane to list {expected} articles", timeout=TIMEOUT + 10)
    screen = terminal.wait_stable(pane)

    articles = json.loads(cli(terminal, "--library", str(library), "list", "--json"))
    assert len(articles) == expected
    assert all("sample" in a["tags"] for a in articles)
    text = "\n".join(screen)
    for a in articles:
        start = a["title"][:16].strip()
        assert start and start in text, f"{a['title']!r} is not in the list:\n{text}"
    terminal.keys(pane, "q")
    assert terminal.wait_exit(pane) == "0"


def test_120_columns_show_the_side_panel_with_a_note(terminal: Terminal, tmp_path: Path) -> None:
    """At 120x40, one of the most common sizes, the three panes are on screen and the side
    panel shows a highlight's note."""
    from tuireader.core.document import parse_markdown
    from tuireader.core.model import make_highlight
    from tuireader.library.store import Store

    article = tmp_path / "noted.md"
    article.write_text("# A Noted Article\n\nThe first paragraph says something worth keeping "
                       "and the reader highlights it.\n\nA second paragraph follows.\n", "utf-8")
    library = tmp_path / "library"
    match = re.match(r"added (\S+) ", cli(terminal, "--library", str(library), "add",
                                          str(article)))
    assert match
    article_id = match.group(1)
    store = Store(library)
    try:
        text = parse_markdown(store.read_markdown(article_id)).plain_text
        start = text.index("The first paragraph")
        highlight = make_highlight(article_id, text, start, start + len("The first paragraph"))
        highlight.note = "Keep for the essay"
        store.add_highlight(highlight)
    finally:
        store.close()

    pane = terminal.run("--library", str(library), "open", article_id)
    screen = terminal.wait(pane, lambda s: any("Keep for the essay" in line for line in s),
                           "the note in the side panel")
    text = "\n".join(screen)
    assert "Highlights · 1" in text and "Details" in text
    assert "Library" in text  # the library list too, as a strip
    assert any("The first paragraph says something worth keeping" in line for line in screen)
    terminal.keys(pane, "q")
    assert terminal.wait_exit(pane) == "0"
