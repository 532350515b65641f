"""The modal dialogs: the outline jump list, the link chooser, a yes/no question, a link no
browser could open, and the editors of a highlight's note and of a list of tags (a highlight's or
an article's)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from tuireader.core.document import Heading
from tuireader.core.model import normalise_tag
from tuireader.core.safety import inert
from tuireader.widgets.option_list import KeyedOptionList


class OutlineScreen(ModalScreen[int | None]):
    """Choose a heading; dismisses with its plain-text offset."""

    BINDINGS = [Binding("escape,o", "dismiss_none", "Close", id="outline.close")]

    def __init__(self, headings: list[Heading], current_offset: int = 0) -> None:
        super().__init__()
        self._headings = headings
        self._current = current_offset

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content("Outline").stylize("bold"), classes="dialog-title")
            yield KeyedOptionList(
                *[
                    Option(Content("  " * max(0, h.level - 1) + (inert(h.title) or "…")), id=str(i))
                    for i, h in enumerate(self._headings)
                ],
                id="outline-options",
                markup=False,
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        before = [i for i, h in enumerate(self._headings) if h.offset <= self._current]
        if self._headings:
            options.highlighted = before[-1] if before else 0
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.dismiss(self._headings[int(event.option.id)].offset)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class ChoiceScreen(ModalScreen[str | None]):
    """Pick one of several labelled values (used for the links of a paragraph)."""

    BINDINGS = [Binding("escape", "dismiss_none", "Close", id="choice.close")]

    def __init__(self, title: str, choices: list[tuple[str, str]]) -> None:
        super().__init__()
        self._title = title
        self._choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self._title).stylize("bold"), classes="dialog-title")
            yield KeyedOptionList(
                *[
                    Option(Content(inert(label)), id=str(i))
                    for i, (label, _value) in enumerate(self._choices)
                ],
                markup=False,
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.dismiss(self._choices[int(event.option.id)][1])

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; ``y``/``n`` answer it too."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self._question = question
        self._detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self._question).stylize("bold"), classes="dialog-title")
            if self._detail:
                yield Static(Content(inert(self._detail)), classes="dialog-detail")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Yes (y)", id="yes", variant="primary")
                yield Button("No (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class LinkScreen(ModalScreen[None]):
    """A link no browser could open: shown so it can be selected, and ``c`` copies it (OSC 52:
    the terminal puts it on the system clipboard if it allows programs to)."""

    BINDINGS = [
        Binding("c", "copy", "Copy link", id="link.copy"),
        Binding("escape,q", "close", "Close", id="link.close"),
    ]

    def __init__(self, url: str, reason: str) -> None:
        super().__init__()
        self._url = url
        self._reason = reason

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog link-dialog"):
            yield Static(Content("No browser could open this link").stylize("bold"),
                         classes="dialog-title")
            yield Static(Content(inert(self._reason)), classes="dialog-detail")
            # A read-only text area: the link can be selected with the mouse or the keyboard.
            yield TextArea(inert(self._url), id="link-url", read_only=True, soft_wrap=True,
                           show_cursor=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Copy (c)", id="copy", variant="primary")
                yield Button("Close (esc)", id="close")

    def on_mount(self) -> None:
        self.query_one("#copy", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "copy":
            self.action_copy()
        else:
            self.dismiss(None)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self._url)
        self.app.notify("Link copied (if your terminal lets programs set the clipboard).",
                        markup=False)
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)


# -- a highlight's note, tags -----------------------------------------------------------------

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
            # Not selected on focus: the first key typed adds a tag, it does not replace them.
            yield Input(" ".join(self._tags) + (" " if self._tags else ""), id="tags-input",
                        placeholder="tags separated by spaces", select_on_focus=False,
                        suggester=TagSuggester(self._known))
            hint = "enter save · → complete · esc cancel"
            if self._known:
                hint += " · known: " + " ".join(inert(t) for t in self._known[:12])
            yield Static(Content(hint).stylize("dim"))

    def on_mount(self) -> None:
        box = self.query_one(Input)
        box.focus()
        box.cursor_position = len(box.value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(parse_tags(event.value))

    def action_cancel(self) -> None:
        self.dismiss(None)
