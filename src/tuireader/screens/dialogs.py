"""Small modal screens: the outline jump list, the link chooser, a yes/no question."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from tuireader.core.document import Heading
from tuireader.core.safety import inert


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
            yield OptionList(
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
            yield OptionList(
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
