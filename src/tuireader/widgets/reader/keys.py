"""The reader's key bindings, as data (``ReaderView.BINDINGS``).

Each has an id, so users can remap it from the config (``set_keymap``), and the help screen is
generated from this same list.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

BINDINGS: list[BindingType] = [
    # The footer shows a few keys only (every key is on the help screen, ?): each shown key
    # is a widget the footer rebuilds whenever the bindings change.
    Binding("j,down", "next_block", "Next block", id="reader.next_block", show=False),
    Binding("k,up", "previous_block", "Previous block", id="reader.previous_block", show=False),
    Binding("space,pagedown", "page_down", "Page down", id="reader.page_down"),
    Binding("b,pageup", "page_up", "Page up", id="reader.page_up", show=False),
    Binding("g,home", "top", "Top", id="reader.top", show=False),
    Binding("G,end", "bottom", "Bottom", id="reader.bottom", show=False),
    Binding("right_parenthesis", "next_sentence", "Next sentence", show=False,
            id="reader.next_sentence"),
    Binding("left_parenthesis", "previous_sentence", "Previous sentence", show=False,
            id="reader.previous_sentence"),
    Binding("w", "next_word", "Next word", show=False, id="reader.next_word"),
    Binding("e", "previous_word", "Previous word", show=False, id="reader.previous_word"),
    Binding("v", "select", "Select", show=False, id="reader.select"),
    Binding("escape", "cancel_selection", "Cancel selection", show=False,
            id="reader.cancel_selection"),
    Binding("right_square_bracket", "next_highlight", "Next highlight", show=False,
            id="reader.next_highlight"),
    Binding("left_square_bracket", "previous_highlight", "Previous highlight", show=False,
            id="reader.previous_highlight"),
]
