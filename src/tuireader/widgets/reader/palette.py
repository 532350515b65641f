"""Component classes resolved to opaque, legible Rich styles: the ``Palette`` the painter holds.

Why not ``get_component_rich_style``: a Rich style has no alpha, so a translucent theme colour
(``$boost`` is white at 4 %, ``$primary 50%``) reaches the terminal opaque; the focused paragraph
came out light grey on white (issue #13).  Textual blends such colours itself when it draws a
widget's background, but the reader paints its Strips by hand, so it blends them here: each class
of a tuple is laid over the widget's actual background in order (``Color + Color``), ``auto``
text colours are worked out on the final background, and a translucent text colour is blended
onto it.

Theme colours that are opaque but too close to the background under them (a highlight tint under
the theme's foreground, muted text on a tint) are then moved towards black or white until the
text reaches the WCAG contrast ratio ``MINIMUM``, so every built-in theme stays readable.  ANSI
colours cannot be blended (the terminal's palette decides them): they are measured in Rich's
standard palette (the terminal's default background as black or white) and, if too faint,
replaced by the ANSI black or bright white.
"""

from __future__ import annotations

from rich.style import Style
from rich.terminal_theme import DEFAULT_TERMINAL_THEME
from textual.color import Color
from textual.widget import Widget

#: WCAG 2 AA contrast ratio for body text.
MINIMUM = 4.5

#: Classes laid over the text by range (highlights, find matches, the selection): each replaces
#: the one under it instead of mixing with it.
OVERLAYS = ("reader--highlight-", "reader--match", "reader--current-match", "reader--selection")

_ANSI_BLACK = Color.parse("ansi_black")
_ANSI_WHITE = Color.parse("ansi_bright_white")
_BLACK = Color(0, 0, 0)
_WHITE = Color(255, 255, 255)


def _rgb(color: Color, foreground: bool, dark: bool) -> tuple[int, int, int]:
    """The colour a terminal shows, for measuring: ANSI ones in Rich's standard palette, the
    terminal's default ones as black or white."""
    if color.ansi is None:
        return color.rgb
    if color.ansi == -1:  # the terminal's default colour
        light = foreground == dark
        return (229, 229, 229) if light else (0, 0, 0)
    triplet = color.rich_color.get_truecolor(DEFAULT_TERMINAL_THEME, foreground=foreground)
    return (triplet.red, triplet.green, triplet.blue)


def _luminance(rgb: tuple[int, int, int]) -> float:
    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = rgb
    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast_ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG 2 contrast ratio of two opaque colours, 1.0 to 21.0."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def legible(color: Color, background: Color, dark: bool, minimum: float = MINIMUM) -> Color:
    """``color`` itself if it reads on ``background``; else the closest colour towards black or
    white (whichever contrasts more) that does."""
    back = _rgb(background, False, dark)
    if contrast_ratio(_rgb(color, True, dark), back) >= minimum:
        return color
    to_white = contrast_ratio((255, 255, 255), back) >= contrast_ratio((0, 0, 0), back)
    if color.ansi is not None:  # an ANSI colour cannot be blended
        return _ANSI_WHITE if to_white else _ANSI_BLACK
    target = _WHITE if to_white else _BLACK
    for step in range(1, 11):
        moved = color.blend(target, step / 10, 1.0)
        if contrast_ratio(moved.rgb, back) >= minimum:
            return moved
    return target


class Palette:
    """Resolves tuples of component classes to opaque Rich styles, once per tuple, until
    ``clear`` (the theme or the CSS changed)."""

    def __init__(self, widget: Widget) -> None:
        self._widget = widget
        self._styles: dict[tuple[str, ...], Style] = {}

    def clear(self) -> None:
        """Forget the resolved styles."""
        self._styles.clear()

    def style(self, classes: tuple[str, ...]) -> Style:
        """The widget's look with the component ``classes`` laid over it in order."""
        style = self._styles.get(classes)
        if style is None:
            style = self._styles[classes] = self._resolve(classes)
        return style

    def _resolve(self, classes: tuple[str, ...]) -> Style:
        widget = self._widget
        _, _, background, color = widget.colors
        auto_alpha: float | None = None
        text = widget.styles.text_style
        base = background
        for name in classes:
            component = widget.get_component_styles(name)
            if component.has_rule("background"):
                if name.startswith(OVERLAYS):
                    # One overlay replaces another (the shortest highlight wins, the selection
                    # shows as itself): each is laid on the line's own background.
                    background = base + component.background
                else:
                    background = base = background + component.background
            if component.has_rule("color"):
                color, auto_alpha = component.color, None
                if (component.has_rule("auto_color") and component.auto_color) or color.auto:
                    auto_alpha = color.a
            text += component.text_style
        if auto_alpha is not None:
            color = background.get_contrast_text(auto_alpha)
        if color.a < 1 and color.ansi is None and background.ansi is None:
            color = background + color
        dark = widget.app.current_theme.dark
        color = legible(color.with_alpha(1.0) if color.ansi is None else color, background,
                        dark)
        return Style(color=color.rich_color, bgcolor=background.rich_color) + text
