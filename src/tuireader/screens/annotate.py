"""Modal editors for a highlight's note and tags."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Static, TextArea

from tuireader.core.model import normalise_tag
from tuireader.core.safety import inert
from tuireader.screens.dialogs import ConfirmScreen

QUOTE_PREVIEW = 240


def _quote_preview(quote: str) -> Content:
    text = inert(quote)
    if len(text) > QUOTE_PREVIEW:
        text = text[: QUOTE_PREVIEW - 1] + "…"
    return Content("“" + text + "”").stylize("italic $text-muted")


class NoteScreen(ModalScreen[str | None]):
    """A multi-line note editor: ctrl+s saves, escape cancels (asking first if changed)."""

    BINDINGS = [
        # priority: the TextArea would otherwise take escape (to release focus).
        Binding("ctrl+s", "save", "Save note", priority=True, id="note.save"),
        Binding("escape", "cancel", "Cancel", priority=True, id="note.cancel"),
    ]

    def __init__(self, quote: str, note: str) -> None:
        super().__init__()
        self._quote = quote
        self._original = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog note-dialog"):
            yield Static(Content("Note").stylize("bold"), classes="dialog-title")
            yield Static(_quote_preview(self._quote), classes="dialog-detail")
            yield TextArea(self._original, id="note-text", soft_wrap=True, tab_behavior="indent")
            yield Static(Content("ctrl+s save · esc cancel").stylize("dim"))

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.cursor_blink = False if self.app.is_headless else area.cursor_blink
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        text = self.query_one(TextArea).text
        if text == self._original:
            self.dismiss(None)
            return

        def answer(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen("Discard the changes to this note?"), answer)


class TagSuggester(Suggester):
    """Completes the last tag being typed from the tags already used in the library."""

    def __init__(self, known: list[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=False)
        self._known = sorted(set(known))

    async def get_suggestion(self, value: str) -> str | None:
        head, _sep, last = value.rpartition(" ")
        last = last.lstrip("#").lower()
        if not last:
            return None
        for tag in self._known:
            if tag.startswith(last) and tag != last:
                return (head + " " if head else "") + tag
        return None


def parse_tags(value: str) -> list[str]:
    """Tags from the input: separated by spaces or commas, '#' optional."""
    tags: list[str] = []
    for raw in value.replace(",", " ").split():
        tag = normalise_tag(raw.lstrip("#"))
        if tag and tag not in tags:
            tags.append(tag)
    return tags


class TagScreen(ModalScreen[list[str] | None]):
    """Edit a list of tags in one line; → (right arrow) accepts the suggested completion."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="tags.cancel")]

    def __init__(self, title: str, tags: list[str], known: list[str], quote: str = "") -> None:
        super().__init__()
        self._title = title
        self._tags = tags
        self._known = known
        self._quote = quote

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self._title).stylize("bold"), classes="dialog-title")
            if self._quote:
                yield Static(_quote_preview(self._quote), classes="dialog-detail")
            yield Input(" ".join(self._tags) + (" " if self._tags else ""), id="tags-input",
                        placeholder="tags separated by spaces",
                        suggester=TagSuggester(self._known))
            hint = "enter save · → complete · esc cancel"
            if self._known:
                hint += " · known: " + " ".join(inert(t) for t in self._known[:12])
            yield Static(Content(hint).stylize("dim"))

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(parse_tags(event.value))

    def action_cancel(self) -> None:
        self.dismiss(None)
