"""Inline Markdown tokens and tables to plain text plus style spans (helper of document.py).

Kept apart so document.py stays about blocks and offsets.  :class:`Span` lives here, where spans
are made; document.py imports it (and is where the rest of the program imports it from).
No Textual imports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.cells import cell_len

if TYPE_CHECKING:
    from markdown_it.token import Token

#: Between table cells in the plain text.
CELL_SEP = " │ "

_OPENERS = {"em_open": "emph", "strong_open": "strong", "s_open": "strike", "link_open": "link"}
_CLOSERS = {"em_close": "emph", "strong_close": "strong", "s_close": "strike", "link_close": "link"}


@dataclass(slots=True)
class Span:
    """An inline style run, offsets relative to the block's text."""

    start: int
    end: int
    kind: str
    #: Target of a link or source of an image, else None.
    url: str | None = None


def render_inline(children: list[Token]) -> tuple[str, list[Span]]:
    """Flatten inline tokens to text; emphasis, code, links, images become spans."""
    parts: list[str] = []
    spans: list[Span] = []
    length = 0
    open_: list[tuple[str, int, str | None]] = []

    def add(text: str) -> None:
        nonlocal length
        if "\t" in text:
            text = text.replace("\t", " ")
        parts.append(text)
        length += len(text)

    for tok in children:
        t = tok.type
        if t == "text" or t == "text_special" or t == "html_inline":
            add(tok.content)
        elif t == "softbreak":
            add(" ")
        elif t == "hardbreak":
            add("\n")
        elif t == "code_inline":
            start = length
            add(tok.content)
            spans.append(Span(start, length, "code"))
        elif t == "image":
            start = length
            alt = tok.content.replace("\n", " ")
            add(f"[image: {alt}]" if alt else "[image]")
            src = tok.attrs.get("src")
            spans.append(Span(start, length, "image", str(src) if src is not None else None))
        elif t in _OPENERS:
            href = tok.attrs.get("href") if t == "link_open" else None
            open_.append((_OPENERS[t], length, str(href) if href is not None else None))
        elif t in _CLOSERS:
            kind = _CLOSERS[t]
            for k in range(len(open_) - 1, -1, -1):
                if open_[k][0] == kind:
                    _, start, url = open_.pop(k)
                    if length > start:
                        spans.append(Span(start, length, kind, url))
                    break
    spans.sort(key=lambda s: (s.start, -s.end))
    return "".join(parts), spans


def render_table(
    tokens: list[Token], inline: Callable[[Token], tuple[str, list[Span]]]
) -> tuple[str, list[Span]]:
    """A table as rows of padded cells joined by CELL_SEP; the header row is ``strong``.

    ``inline`` turns a cell's ``inline`` token into text and spans (the parser's own, which
    parses inline syntax only when the cell has some).
    """
    rows: list[list[tuple[str, list[Span]]]] = []
    header_rows = 0
    in_head = False
    for tok in tokens:
        if tok.type == "thead_open":
            in_head = True
        elif tok.type == "thead_close":
            in_head = False
        elif tok.type == "tr_open":
            rows.append([])
            if in_head:
                header_rows += 1
        elif tok.type == "inline":
            text, spans = inline(tok)
            rows[-1].append((text.replace("\n", " "), spans))
    ncols = max((len(r) for r in rows), default=0)
    widths = [0] * ncols
    for row in rows:
        for c, (text, _) in enumerate(row):
            widths[c] = max(widths[c], cell_len(text))
    lines: list[str] = []
    spans_out: list[Span] = []
    offset = 0
    for r, row in enumerate(rows):
        cells: list[str] = []
        pos = offset
        for c in range(ncols):
            text, spans = row[c] if c < len(row) else ("", [])
            for span in spans:
                spans_out.append(Span(pos + span.start, pos + span.end, span.kind, span.url))
            padded = text + " " * (widths[c] - cell_len(text))
            if r < header_rows and text:
                spans_out.append(Span(pos, pos + len(text), "strong"))
            cells.append(padded)
            pos += len(padded) + len(CELL_SEP)
        line = CELL_SEP.join(cells).rstrip()
        lines.append(line)
        offset += len(line) + 1
    spans_out = [s for s in spans_out if s.end <= offset]
    spans_out.sort(key=lambda s: (s.start, -s.end))
    return "\n".join(lines), spans_out
