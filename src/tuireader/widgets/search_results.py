"""The library search's results: hits grouped by article, the matched words marked.

Each article is a header row (its title, how many hits); under it, one row per hit: where it is
(text, highlight, note, tag; how far into the article) and its snippet, the words that matched
in bold reverse.  All user text goes in as :class:`~textual.content.Content`, never markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.cells import cell_len
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tuireader.core.safety import inert
from tuireader.library.fulltext import Hit
from tuireader.widgets.option_list import KeyedOptionList

#: How a hit's place is named.
WHERE = {"text": "text", "highlight": "highlight", "note": "note", "tag": "tag"}


#: The width of a hit's place column (the snippet's lines are wrapped beside it).
PLACE_WIDTH = 16


_WORD = re.compile(r"\S+\s*")


def line_breaks(text: str, width: int) -> list[int]:
    """Where ``text`` breaks into lines of at most ``width`` cells: between words, and inside a
    word longer than a line.  A plain word wrap, many times faster than wrapping the styled
    text, which listing fifty hits at each keystroke felt."""
    breaks: list[int] = []
    column = 0
    for word in _WORD.finditer(text):
        piece = word.group()
        cells = cell_len(piece.rstrip())
        if column and column + cells > width:
            breaks.append(word.start())
            column = 0
        if cells <= width:
            column += cell_len(piece)
            continue
        for i, char in enumerate(piece):  # longer than a line (CJK has no spaces): by cells
            char_cells = cell_len(char)
            if column and column + char_cells > width:
                breaks.append(word.start() + i)
                column = 0
            column += char_cells
    return breaks


def hit_prompt(hit: Hit, width: int = 0) -> Content:
    """One hit's row: ``  text 34%  …the snippet with the words marked…``, the snippet wrapped
    to ``width`` with its lines under its first (unwrapped when the width is not known)."""
    place = WHERE.get(hit.where, hit.where)
    if hit.where != "tag" and hit.fraction is not None:
        place += f" {hit.fraction:.0%}"
    snippet = Content(hit.snippet)
    for start, end in hit.marks:
        snippet = snippet.stylize("bold reverse", start, end)
    head = Content.assemble("  ", Content(f"{place:<{PLACE_WIDTH - 2}}").stylize("$text-muted"))
    room = width - PLACE_WIDTH
    if room < 20:
        return Content.assemble(head, snippet)
    lines = [line.rstrip() for line in snippet.divide(line_breaks(hit.snippet, room))]
    indent = Content(" " * PLACE_WIDTH)
    return Content("\n").join([Content.assemble(head, lines[0]),
                               *(Content.assemble(indent, line) for line in lines[1:])])


def grouped(hits: list[Hit]) -> list[tuple[str, str, list[Hit]]]:
    """(article id, title, its hits in text order), articles in the order of their best hit."""
    groups: dict[str, tuple[str, list[Hit]]] = {}
    for hit in hits:
        groups.setdefault(hit.article_id, (hit.title, []))[1].append(hit)
    return [(aid, title, sorted(found, key=lambda h: (h.start, h.where)))
            for aid, (title, found) in groups.items()]


class SearchResults(KeyedOptionList):
    """Hits under their articles' titles; enter posts :class:`Chosen`."""

    @dataclass
    class Chosen(Message):
        """A hit was chosen (enter or click)."""

        hit: Hit
        """The hit: its article and where in it."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._hits: list[Hit] = []
        self._width = 0

    @property
    def hits(self) -> list[Hit]:
        """The hits shown, in the order they are listed."""
        return self._hits

    def show(self, hits: list[Hit], *, cursor: int = 1) -> None:
        """List ``hits`` (best first) grouped by article; the cursor on the first hit."""
        options: list[Option] = []
        self._hits = []
        self._width = self.scrollable_content_region.width
        width = self._width - self.get_component_styles("option-list--option").padding.width
        for _aid, title, found in grouped(hits):
            count = f"  ({len(found)})" if len(found) > 1 else ""
            header = Content.assemble(Content(inert(title) or "Untitled").stylize("bold"), count)
            options.append(Option(header, disabled=True))
            for hit in found:
                options.append(Option(hit_prompt(hit, width), id=str(len(self._hits))))
                self._hits.append(hit)
        self.set_options(options)
        if self._hits:
            self.highlighted = min(cursor, len(options) - 1)

    def on_resize(self) -> None:
        if self._hits and self.scrollable_content_region.width != self._width:
            self.show(list(self._hits), cursor=self.highlighted or 1)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Chosen(self._hits[int(event.option.id)]))

    @property
    def current(self) -> Hit | None:
        """The hit under the cursor."""
        index = self.highlighted
        if index is None:
            return None
        option = self.get_option_at_index(index)
        return self._hits[int(option.id)] if option.id is not None else None
