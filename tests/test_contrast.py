"""Every text cell of the reader is legible in every theme Textual ships (issue #13).

The reader paints its Strips by hand (the Line API), so a translucent theme colour (``$boost``,
``$primary 50%``...) that is not blended with the background reaches the terminal opaque: the
focused paragraph came out light grey on white in the default dark theme.  Here the reader is
rendered with a focused paragraph, a code block, each of the five highlight colours, a
selection and a highlight's note, and every non-blank text cell must have a WCAG contrast ratio
of at least 4.5:1.
"""

from __future__ import annotations

from rich.color import Color as RichColor
from rich.terminal_theme import DEFAULT_TERMINAL_THEME
from textual.app import App, ComposeResult
from textual.color import Color

from tuireader.core.document import parse_markdown
from tuireader.widgets.reader import ReaderView

MARKDOWN = "\n\n".join([
    "The focused paragraph holds plain words, *emphasis*, **strength**, `inline code` and a "
    "[link](https://example.org) so that every inline style sits on the focus tint.",
    "```\ndef code_block():\n    return 'a code block on its own background'\n```",
    "First highlight colour over these few words of text.",
    "Second highlight colour over these few words of text.",
    "Third highlight colour over these few words of text.",
    "Fourth highlight colour over these few words of text.",
    "Fifth highlight colour over these few words of text.",
    "> A quotation in muted italics, partly selected by the reader.",
    "The selection runs across this paragraph and the quote above it.",
])

#: WCAG 2 AA for body text.
MINIMUM = 4.5


def _linear(channel: int) -> float:
    value = channel / 255
    return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4


def luminance(rgb: tuple[int, int, int]) -> float:
    red, green, blue = (_linear(c) for c in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG 2 contrast ratio of two opaque colours (1.0 to 21.0)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _rgb(color: RichColor | None, default: tuple[int, int, int],
         foreground: bool) -> tuple[int, int, int]:
    """What a terminal shows for ``color``: None/default is the theme's own colour."""
    if color is None or color.is_default:
        return default
    triplet = color.get_truecolor(DEFAULT_TERMINAL_THEME, foreground=foreground)
    return (triplet.red, triplet.green, triplet.blue)


class ContrastApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ReaderView(id="reader")

    def on_mount(self) -> None:
        reader = self.query_one(ReaderView)
        reader.load(parse_markdown(MARKDOWN))
        reader.focus()


def _find(reader: ReaderView, text: str) -> int:
    return reader.document.plain_text.index(text)


async def test_every_text_cell_is_legible_in_every_builtin_theme() -> None:
    app = ContrastApp()
    failures: list[str] = []
    async with app.run_test(size=(100, 34)) as pilot:
        reader = app.query_one(ReaderView)
        await pilot.pause()
        highlights = []
        for kind, ordinal in enumerate(("First", "Second", "Third", "Fourth", "Fifth"), 1):
            start = _find(reader, f"{ordinal} highlight")
            highlights.append((start, start + len(f"{ordinal} highlight colour over"), kind))
        # Highlights inside the focused paragraph as well: they sit on the focus tint; the
        # first has a note, so its mark and its first line are drawn too.
        start = _find(reader, "plain words")
        highlights.append((start, start + len("plain words"), 3))
        highlights.append((0, len("The focused paragraph"), 1, "A note under the focus"))
        reader.set_highlights(highlights)
        quote = _find(reader, "in muted")
        reader.set_selection((quote, _find(reader, "this paragraph")))
        assert reader.focus_block == 0 and reader.focus_unit == "block"
        rows = [reader.render_line(y).text for y in range(reader.size.height)]
        assert "✎ A note under the focus" in "".join(rows)
        for theme_name in app.available_themes:
            app.theme = theme_name
            await pilot.pause()
            theme = app.current_theme
            dark_default = (0, 0, 0) if theme.dark else (255, 255, 255)
            light_default = (255, 255, 255) if theme.dark else (0, 0, 0)
            background = Color.parse(theme.background) if theme.background else None
            foreground = Color.parse(theme.foreground) if theme.foreground else None
            bg_default = (background.rgb if background is not None and background.ansi is None
                          else dark_default)
            fg_default = (foreground.rgb if foreground is not None and foreground.ansi is None
                          else light_default)
            worst: tuple[float, str] | None = None
            for y in range(reader.size.height):
                for segment in reader.render_line(y):
                    if not segment.text.strip() or segment.text.strip() == "▎":
                        continue  # blank cells and the focus bar (a graphic, not text)
                    style = segment.style
                    assert style is not None
                    fg = _rgb(style.color, fg_default, True)
                    bg = _rgb(style.bgcolor, bg_default, False)
                    if style.reverse:
                        fg, bg = bg, fg
                    ratio = contrast(fg, bg)
                    if ratio < MINIMUM and (worst is None or ratio < worst[0]):
                        worst = (ratio, f"{segment.text.strip()[:30]!r} {fg} on {bg}")
            if worst is not None:
                failures.append(f"{theme_name}: {worst[0]:.2f}:1 for {worst[1]}")
    assert not failures, "\n".join(failures)
