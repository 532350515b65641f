"""Suite 5: untrusted text never reaches the terminal as a control sequence.

The App runs headless, but with the headless driver told it is a real terminal and its
``write`` recording every string Textual would send to the tty.  Each screen that shows
untrusted text is rendered (reader, article list, side panel, highlights view, notification,
command palette, note dialog), and the captured output is checked: once the sequences Textual
itself emits are removed (SGR colours, cursor moves, synchronized output, the pointer shape),
no ESC, C1 control (U+0080-U+009F), NUL or BEL may remain.  The same payloads come in directly
(title, Markdown, note, tags, site) and through the HTML importer as character references.

The command line prints titles, notes and tags too: its output bytes are checked the same way.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from textual import events
from textual.drivers.headless_driver import HeadlessDriver
from textual.widgets import TextArea

from app_support import make_config, wait_for
from tuireader.app import make_app
from tuireader.core.document import parse_markdown
from tuireader.core.model import make_highlight
from tuireader.importers import import_bytes
from tuireader.importers.base import ImportedArticle
from tuireader.library.store import Store
from tuireader.screens.dialogs import NoteScreen, TagScreen
from tuireader.screens.highlights import HighlightsScreen
from tuireader.screens.main import MainScreen
from tuireader.widgets.reader import ReaderView

#: One of each kind of terminal payload.
PAYLOADS = {
    "osc52": "\x1b]52;c;SGVsbG8=\x07",
    "osc0": "\x1b]0;pwned\x07",
    "osc2": "\x1b]2;pwned\x1b\\",
    "osc8": "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
    "csi2j": "\x1b[2J",
    "dsr": "\x1b[6n",
    "dcs": "\x1bP1$r0m\x1b\\",
    "c1csi": "\x9b31m",
    "c1osc": "\x9d0;t\x9c",
    "c1dcs": "\x90q\x9c",
    "nul": "a\x00b",
    "bel": "bell\x07",
    "unterminated": "\x1b]0;never ends",
}
MARKUP = "[/] [bold x[i] [link=x]l[/link] [@click=app.quit]quit[/]"
HOSTILE = " ".join([MARKUP, *PAYLOADS.values()])

#: The same payloads as HTML character references (what a page can carry through import).
HTML_PAYLOAD = (
    "&#27;]52;c;SGVsbG8=&#7; &#x1b;]0;pwned&#x07; &#27;[2J &#27;[6n &#x9b;31m &#155;0m "
    "&#x9d;0;t&#x9c; &#27;P1$r&#27;\\ &#0; &#27;]0;unterminated"
)
HTML_PAGE = (
    "<html><head><title>T &#27;]0;title&#7; [@click=app.quit]x[/]</title></head><body>"
    "<article><h1>Imported &#27;[2J heading</h1>"
    + "".join(f"<p>Paragraph {i}: {HTML_PAYLOAD} [bold]x[i] and more words to read.</p>"
              for i in range(8))
    + "</article></body></html>"
).encode()

#: Sequences Textual itself writes: SGR, cursor position/moves, private modes (synchronized
#: output, mouse, cursor), pointer shape (OSC 22), and OSC 8 hyperlinks (checked separately).
OWN = re.compile(
    r"\x1b\[[0-9;:]*m"
    r"|\x1b\[[0-9;]*[HABCDG]"
    r"|\x1b\[\?[0-9;]+[hl]"
    r"|\x1b\]22;[a-z-]+\x07"
    r"|\x1b\]8;[^\x1b\x07]*\x1b\\"
)
FORBIDDEN = re.compile(r"[\x00\x07\x1b\x80-\x9f]")


def foreign(output: str) -> list[str]:
    """Control characters left after removing Textual's own sequences (with some context)."""
    rest = OWN.sub("", output)
    return [repr(rest[max(0, m.start() - 20):m.end() + 20]) for m in FORBIDDEN.finditer(rest)]


def bad_links(output: str) -> list[str]:
    """OSC 8 hyperlinks whose target carries control characters or comes from the payloads."""
    return [m.group(0) for m in re.finditer(r"\x1b\]8;[^;]*;([^\x1b]*)\x1b\\", output)
            if FORBIDDEN.search(m.group(1)) or "evil" in m.group(1)]


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Everything the App writes to the (headless) terminal."""
    written: list[str] = []
    monkeypatch.setattr(HeadlessDriver, "is_headless", property(lambda self: False))
    monkeypatch.setattr(HeadlessDriver, "write", lambda self, data: written.append(data))
    return written


def hostile_library(path: Path) -> tuple[Store, str, str]:
    store = Store(path)
    direct = store.add_article(ImportedArticle(
        title="Direct " + HOSTILE, markdown="# Heading " + HOSTILE + "\n\n"
        + "\n\n".join(f"Paragraph {i} {HOSTILE}" for i in range(6)),
        author=HOSTILE, site=HOSTILE, source="https://evil.example/x\x1b]0;src\x07"),
        tags=["tag\x1b[2J", "[bold]"]).article
    imported = import_bytes(HTML_PAGE, source="https://evil.example/page.html")
    via_html = store.add_article(imported).article
    for aid in (direct.id, via_html.id):
        text = parse_markdown(store.read_markdown(aid)).plain_text
        h = make_highlight(aid, text, 0, min(len(text), 60))
        h.note = "Note " + HOSTILE + "\nsecond line " + PAYLOADS["osc52"]
        h.tags = ["t\x1b]0;x\x07", "[@click=app.quit]"]
        store.add_highlight(h)
    store.warnings.append("warning " + HOSTILE)  # shown as a notification at start
    return store, direct.id, via_html.id


async def _settled(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.1)


@pytest.mark.parametrize("which", ["direct", "html"])
async def test_no_foreign_escape_reaches_the_terminal(
        tmp_path: Path, terminal: list[str], which: str) -> None:
    store, direct, via_html = hostile_library(tmp_path / "lib")
    opened = direct if which == "direct" else via_html
    try:
        app = make_app(store, make_config(), open_article=opened)
        seen: dict[str, int] = {}
        async with app.run_test(size=(140, 40)) as pilot:
            screen = app.screen
            await _settled(pilot)
            assert isinstance(app.screen, MainScreen)
            reader = app.screen.query_one(ReaderView)
            await wait_for(pilot, lambda: reader.document.complete)
            await _settled(pilot)
            seen["reader, list, side panel, notification"] = len(terminal)
            # Nothing in the hostile text was run as an action (the app is still here).
            for y in range(0, 10):
                await pilot.click("#reader", offset=(8, y))
            await pilot.pause()
            assert app.is_running and app.screen is screen
            # The note dialog shows the quote and the hostile note.
            reader.focus()
            await pilot.press("n")
            await wait_for(pilot, lambda: isinstance(app.screen, NoteScreen))
            await _settled(pilot)
            area = app.screen.query_one(TextArea)
            assert "\x1b" not in "".join(area.render_line(y).text for y in range(3))
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
            seen["note dialog"] = len(terminal)
            # The tag dialog, prefilled with the highlight's hostile tags, then a paste.
            await pilot.press("t")
            await wait_for(pilot, lambda: isinstance(app.screen, TagScreen))
            await _settled(pilot)
            app.post_message(events.Paste(HOSTILE))
            await _settled(pilot)
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
            seen["tag dialog"] = len(terminal)
            # The highlights view.
            await pilot.press("H")
            await wait_for(pilot, lambda: isinstance(app.screen, HighlightsScreen))
            await _settled(pilot)
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
            seen["highlights view"] = len(terminal)
            # A notification raised with hostile text, as the app does for errors.
            app.notify("error " + HOSTILE, severity="error", markup=False)
            await _settled(pilot)
            # The command palette with hostile text typed (and pasted) into it.
            await pilot.press("ctrl+p")
            await pilot.pause(0.2)
            await pilot.press(*"[bold]x")
            app.post_message(events.Paste(HOSTILE))  # a bracketed paste from the terminal
            await pilot.pause(0.3)
            await pilot.press("escape")
            await _settled(pilot)
            seen["command palette"] = len(terminal)
            assert app.is_running
        output = "".join(terminal)
        assert len(output) > 10_000 and "Paragraph" in output  # really rendered
        assert seen["note dialog"] > seen["reader, list, side panel, notification"]
        stages, start = {}, 0
        for name, end in seen.items():
            stages[name] = "".join(terminal[start:end])
            start = end
        found = {name: foreign(part)[:3] for name, part in stages.items() if foreign(part)}
        assert found == {}
        assert bad_links(output) == []
        # Markup-like text is shown literally.
        assert "[@click=app.quit]" in OWN.sub("", output)
    finally:
        store.close()


def test_own_sequences_filter_catches_payloads() -> None:
    """The checker itself: every payload is caught when written raw."""
    for name, payload in PAYLOADS.items():
        if name == "osc8":
            assert bad_links(payload) or foreign(payload), name
        else:
            assert foreign(f"\x1b[1;1H\x1b[0mtext{payload}"), name


@pytest.mark.parametrize("args", [
    ["list"], ["show", "{direct}"], ["show", "{html}"], ["highlights"], ["highlights", "--json"],
    ["export"], ["export", "--format", "json"], ["export", "--format", "annotated"],
    ["export", "--template", "{template}"], ["export", "--article", "{html}"],
], ids=lambda a: " ".join(a))
def test_command_line_output_is_inert(tmp_path: Path, args: list[str]) -> None:
    store, direct, via_html = hostile_library(tmp_path / "lib")
    store.close()
    template = tmp_path / "t.j2"
    template.write_text("{{ title }} {{ author }} {{ site }} {{ source }} {{ tags }}\n"
                        "{% for h in highlights %}{{ h.note }} {{ h.raw_tags }}{% endfor %}\n")
    argv = [a.format(direct=direct, html=via_html, template=template) for a in args]
    out = subprocess.run([sys.executable, "-m", "tuireader", "--library", str(tmp_path / "lib"),
                          *argv], capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr
    for stream in (out.stdout, out.stderr):
        text = stream.decode("utf-8", errors="replace")
        assert not FORBIDDEN.search(text), foreign(text)[:3]


@pytest.mark.parametrize("fmt", ["markdown", "json", "annotated", "template"])
def test_exported_files_are_inert(tmp_path: Path, fmt: str) -> None:
    """``export -o DIR``: no file (nor its name) carries a control character."""
    store, _, _ = hostile_library(tmp_path / "lib")
    store.close()
    template = tmp_path / "t.j2"
    template.write_text("{{ title }} {{ author }} {{ site }} {{ source }}\n"
                        "{% for h in highlights %}{{ h.note }} {{ h.raw_tags }}{% endfor %}\n")
    how = ["--template", str(template)] if fmt == "template" else ["--format", fmt]
    out = subprocess.run([sys.executable, "-m", "tuireader", "--library", str(tmp_path / "lib"),
                          "export", *how, "-o", str(tmp_path / "out")], capture_output=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    files = list((tmp_path / "out").iterdir())
    assert len(files) == 3  # two articles and the manifest
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        assert not FORBIDDEN.search(text), (path.name, foreign(text)[:3])
        assert not FORBIDDEN.search(path.name)
