"""An ``OptionList`` that moves with ``j`` / ``k`` as well as the arrows.

Every list in the app takes the same keys (the Line-API lists get them from
:class:`~tuireader.widgets.row_list.RowList`); the dialogs and the side panel's outline use this
one so that a reader's fingers never have to leave the home row to pick a heading or a link.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import OptionList


class KeyedOptionList(OptionList):
    """An option list with ``j`` / ``k`` bound to down / up."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="options.down"),
        Binding("k", "cursor_up", "Up", show=False, id="options.up"),
    ]
