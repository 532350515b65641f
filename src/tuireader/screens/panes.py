"""Which of the main screen's three panes fit a terminal width, and how wide each is.

The reader's text keeps a readable measure first (the default 80 columns, never much under 66);
the side panel comes next, because a highlight's note is shown nowhere else; the library list
is one key away (``L``) and is the first to narrow to a strip, then to go.  So:

========== ============================================================
width      panes
========== ============================================================
< 100      the reader alone (80x24 stays usable; ``L`` and ``I`` bring the others)
100 - 119  reader and side panel
120 - 159  library strip (20 columns, growing), reader, side panel (26, growing)
>= 160     all three at full width (34 and 32 columns)
========== ============================================================

At 120 columns the reader's pane is 74 columns: 66 of text plus its gutters and scrollbar.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Below this width the reader is alone.
NARROW_WIDTH = 100
#: From this width the library list shows (as a strip) beside the reader and the side panel.
THREE_PANES_WIDTH = 120
#: Full widths of the library list and the side panel (reached at 160 columns).
LIST_WIDTH, PANEL_WIDTH = 34, 32
#: Their narrowest, at :data:`THREE_PANES_WIDTH`.
LIST_STRIP, PANEL_NARROW = 20, 26
#: The side panel's width beside the reader alone (100 to 119 columns).
PANEL_MEDIUM = 28


@dataclass(frozen=True)
class PaneWidths:
    """The panes shown by default at one terminal width, and the widths of the side ones
    (used too when the user brings a hidden pane back)."""

    show_list: bool
    show_panel: bool
    list_width: int
    panel_width: int


def pane_widths(width: int) -> PaneWidths:
    """The panes for a terminal ``width`` columns wide (see the module's table)."""
    if width < NARROW_WIDTH:
        return PaneWidths(False, False, LIST_WIDTH, PANEL_WIDTH)
    if width < THREE_PANES_WIDTH:
        return PaneWidths(False, True, LIST_WIDTH, PANEL_MEDIUM)
    spare = width - THREE_PANES_WIDTH  # shared out as the side panes grow to full width
    return PaneWidths(True, True, min(LIST_WIDTH, LIST_STRIP + spare * 14 // 40),
                      min(PANEL_WIDTH, PANEL_NARROW + spare * 6 // 40))
