"""The key bar at the bottom of a screen: the keys that matter there, drawn as one line.

Textual's ``Footer`` does the same with one widget per key, recomposed (every key widget made,
styled and mounted again, with two virtual style nodes each) whenever the bindings change --
on every focus change.  Opening the highlights view spent ~0.2 s of its budget there, and the
app's start ~30 ms.  This bar is one widget: the line is rebuilt from ``screen.active_bindings``
when the screen says they changed, and a click on a key presses it, as in Textual's footer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.screen import Screen


class KeySpan(NamedTuple):
    """Where one key is drawn in the bar (for clicks)."""

    start: int
    end: int
    key: str
    enabled: bool


class _Entry(NamedTuple):
    """One shown action: its key, how the key is shown, its description."""

    key: str
    shown: str
    description: str
    enabled: bool
    action: str

    @property
    def width(self) -> int:
        """Cells taken in the bar: " key " and "description "."""
        return cell_len(self.shown) + 2 + (cell_len(self.description) + 1 if self.description
                                           else 0)


class KeyBar(Widget):
    """The described, shown bindings of the focused widget, its containers, the screen and the
    app, with the command palette's key on the right."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description", "key-bar--separator"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-bar--separator {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[KeySpan] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if screen is self.screen:
            self.refresh()

    def _entries(self) -> tuple[list[_Entry], tuple[str, str, bool] | None]:
        """One entry per shown action, and the palette's (key, shown key, enabled)."""
        active = self.screen.active_bindings
        entries: list[_Entry] = []
        seen: set[str] = set()
        for _node, binding, enabled, _tooltip in active.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            entries.append(_Entry(binding.key, self.app.get_key_display(binding),
                                  binding.description, enabled, binding.action))
        palette = None
        if self.app.ENABLE_COMMAND_PALETTE and self.app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, _tooltip = active[self.app.COMMAND_PALETTE_BINDING]
            palette = (binding.key, self.app.get_key_display(binding), enabled)
        return entries, palette

    def render(self) -> Text:
        width = self.size.width
        base = self.rich_style
        key_style = base + self.get_component_rich_style("key-bar--key")
        description_style = base + self.get_component_rich_style("key-bar--description")
        dim = Style(dim=True)
        entries, palette = self._entries()
        right = Text(no_wrap=True, overflow="crop")
        if palette is not None:
            key, shown, enabled = palette
            right.append("▏", base + self.get_component_rich_style("key-bar--separator"))
            extra = dim if not enabled else Style()
            right.append(shown, key_style + extra)
            right.append(" palette ", description_style + extra)
        room = max(0, width - right.cell_len)

        if sum(entry.width for entry in entries) > room:
            # Not all fit: keys are left out from the end, but the way to the help screen
            # (which lists every key) stays.
            helps = [e for e in entries if e.action == "help"]
            rest = [e for e in entries if e.action != "help"]
            budget = room - sum(e.width for e in helps)
            kept: list[_Entry] = []
            for entry in rest:
                budget -= entry.width
                if budget < 0:
                    break
                kept.append(entry)
            entries = kept + helps
        line = Text(no_wrap=True, overflow="crop")
        spans: list[KeySpan] = []
        for entry in entries:
            key, shown, description, enabled, _action = entry
            extra = dim if not enabled else Style()
            if line.cell_len + entry.width > room:
                break
            start = line.cell_len
            line.append(f" {shown} ", key_style + extra)
            if description:
                line.append(f"{description} ", description_style + extra)
            spans.append(KeySpan(start, line.cell_len, key, enabled))
        line.append(" " * (room - line.cell_len), base)
        if palette is not None:
            spans.append(KeySpan(room, width, palette[0], palette[2]))
            line.append_text(right)
        self._spans = spans
        return line

    def on_click(self, event: events.Click) -> None:
        event.stop()
        for span in self._spans:
            if span.start <= event.x < span.end:
                if span.enabled:
                    self.app.simulate_key(span.key)
                else:
                    self.app.bell()
                return
