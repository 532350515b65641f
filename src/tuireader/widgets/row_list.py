"""A list of fixed-height rows with a cursor, drawn with the Line API.

Textual's ``OptionList`` measures every option's prompt whenever the options change: with 2,000
articles that is most of a second on the event loop.  A library list and a highlights list must
stay instant at that size, so both are built on this widget: it knows only how many rows there
are, draws the rows on screen on demand (caching their Strips) and keeps a cursor.

Subclasses implement :meth:`render_row` (and set ``ROW_HEIGHT``); they call :meth:`set_row_count`
when their data changes and :meth:`refresh_rows` when rows changed in place.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

#: Strips kept in the cache (a few screens' worth).
CACHE_SIZE = 2000


def truncate(text: str, cells: int) -> str:
    """``text`` cut to ``cells`` terminal cells, with an ellipsis when it was longer."""
    if cell_len(text) <= cells:
        return text
    out: list[str] = []
    used = 0
    for ch in text:
        width = cell_len(ch)
        if used + width > cells - 1:
            break
        out.append(ch)
        used += width
    return "".join(out) + "…"


class RowList(ScrollView, can_focus=True):
    """Rows with a cursor; Enter or a click chooses."""

    ROW_HEIGHT = 1

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, id="rows.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="rows.up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="rows.page-down"),
        Binding("pageup", "page_up", "Page up", show=False, id="rows.page-up"),
        Binding("home", "first", "First", show=False, id="rows.first"),
        Binding("end", "last", "Last", show=False, id="rows.last"),
        Binding("enter", "choose", "Choose", show=False, id="rows.choose"),
    ]

    COMPONENT_CLASSES = {"rows--cursor", "rows--meta", "rows--title", "rows--warning"}

    DEFAULT_CSS = """
    RowList {
        background: $background;
        & > .rows--cursor { background: $accent 30%; }
        & > .rows--meta { color: $text-muted; }
        & > .rows--title { text-style: bold; }
        & > .rows--warning { color: $text-warning; }
    }
    RowList:focus > .rows--cursor { background: $accent 50%; }
    """

    cursor: reactive[int] = reactive(0, init=False)

    @dataclass
    class RowChosen(Message):
        """Enter or a click on a row."""

        row_list: RowList
        """The list."""
        index: int
        """The row chosen."""

        @property
        def control(self) -> RowList:
            return self.row_list

    @dataclass
    class RowHighlighted(Message):
        """The cursor moved to another row."""

        row_list: RowList
        """The list."""
        index: int
        """The row under the cursor (-1 when the list is empty)."""

        @property
        def control(self) -> RowList:
            return self.row_list

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.row_count = 0
        self._cache: dict[tuple[int, int, bool, bool], list[Strip]] = {}

    # -- for subclasses ------------------------------------------------------------------------

    def render_row(self, index: int, width: int, selected: bool) -> list[Strip]:
        """The ``ROW_HEIGHT`` strips of row ``index``, ``width`` cells wide."""
        raise NotImplementedError

    def set_row_count(self, count: int, cursor: int = 0) -> None:
        """The data changed: ``count`` rows now, cursor on row ``cursor``."""
        self.row_count = count
        self._cache.clear()
        self.virtual_size = Size(self.size.width, count * self.ROW_HEIGHT)
        self.set_reactive(RowList.cursor, self.validate_cursor(cursor))
        self._scroll_cursor_into_view(centre=True)
        self.refresh()
        self.post_message(self.RowHighlighted(self, self.cursor if count else -1))

    def refresh_rows(self) -> None:
        """Rows changed in place (same count): redraw them."""
        self._cache.clear()
        self.refresh()

    # -- cursor --------------------------------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, self.row_count - 1)) if self.row_count else 0

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.RowHighlighted(self, new if self.row_count else -1))

    def _scroll_cursor_into_view(self, centre: bool = False) -> None:
        height = self.scrollable_content_region.height or self.size.height
        top = self.cursor * self.ROW_HEIGHT
        if centre and not (self.scroll_y <= top < self.scroll_y + height - self.ROW_HEIGHT):
            self.scroll_to(y=max(0, top - height // 2), animate=False, force=True,
                           immediate=True)
        elif top < self.scroll_y:
            self.scroll_to(y=top, animate=False, force=True, immediate=True)
        elif top + self.ROW_HEIGHT > self.scroll_y + height:
            self.scroll_to(y=top + self.ROW_HEIGHT - height, animate=False, force=True,
                           immediate=True)

    def _page_rows(self) -> int:
        return max(1, (self.scrollable_content_region.height // self.ROW_HEIGHT) - 1)

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_page_down(self) -> None:
        self.cursor += self._page_rows()

    def action_page_up(self) -> None:
        self.cursor -= self._page_rows()

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = self.row_count - 1

    def action_choose(self) -> None:
        if self.row_count:
            self.post_message(self.RowChosen(self, self.cursor))

    def on_click(self, event: events.Click) -> None:
        index = (int(self.scroll_y) + event.y) // self.ROW_HEIGHT
        if 0 <= index < self.row_count:
            if index == self.cursor or event.chain > 1:
                self.post_message(self.RowChosen(self, index))
            self.cursor = index

    # -- drawing -------------------------------------------------------------------------------

    def on_resize(self) -> None:
        self._cache.clear()
        self.virtual_size = Size(self.size.width, self.row_count * self.ROW_HEIGHT)

    def render_line(self, y: int) -> Strip:
        line = int(self.scroll_y) + y
        index, part = divmod(line, self.ROW_HEIGHT)
        width = self.scrollable_content_region.width
        if index >= self.row_count:
            return Strip.blank(width, self.rich_style)
        selected = index == self.cursor
        key = (index, width, selected, self.has_focus)
        strips = self._cache.get(key)
        if strips is None:
            strips = [s.adjust_cell_length(width, self.rich_style)
                      for s in self.render_row(index, width, selected)]
            if len(self._cache) > CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = strips
        return strips[part] if part < len(strips) else Strip.blank(width, self.rich_style)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
