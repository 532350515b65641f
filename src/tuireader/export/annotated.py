"""The annotated export: the whole article as Markdown with highlights inline.

Highlighted text is wrapped in ``==...==`` (Obsidian's highlight syntax); a highlight with a
note or tags gets a footnote reference (``[^1]``) after it, and the footnotes at the end hold
the note (encoded as in the Markdown export) and the tags as ``#tags``.

How offsets become Markdown: the article is parsed into a :class:`~tuireader.core.document.Document`
and each block is re-emitted from its plain text and spans (``_inline.emit``), so a plain-text
offset maps directly to a position in the block being written.  Highlights that cross blocks
are cut per block; overlapping highlights are merged for the marks (each keeps its footnote,
placed at the end of the merged run).  A highlight inside a code block cannot be marked inline,
so the code block is followed by a line quoting the highlighted parts.  Highlights whose anchor
is "orphan" are listed at the end under "Not found in the current text".

The article's own first heading is dropped when it repeats the title; if the article has level-1
headings, every heading is moved down one level so the export has a single H1.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

from tuireader.core.document import Block, Document, Span, parse_markdown
from tuireader.core.inline import CELL_SEP
from tuireader.export._inline import code_span, emit
from tuireader.export._text import encode_note_lines, one_line, sanitise_tags
from tuireader.export.context import (
    front_matter,
    front_matter_fields,
    in_text_order,
    resolve_exported,
)
from tuireader.export.markdown import metadata_line, quote_lines, title_text

if TYPE_CHECKING:
    from tuireader.core.model import Article, Highlight

ORPHANS_HEADING = "Not found in the current text"


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


class _Writer:
    """Writes the blocks of one document with their container prefixes (quotes, lists)."""

    def __init__(self, heading_shift: int) -> None:
        self.lines: list[str] = []
        self.heading_shift = heading_shift
        self._list_cols: list[int] = []
        self._prev_depth = 0
        self._prev_kind = ""

    def _separate(self, depth: int) -> None:
        if self.lines:
            shared = min(depth, self._prev_depth)
            self.lines.append(" ".join([">"] * shared))
        self._prev_depth = depth

    def add(self, block: Block, body: list[str], *, indent: int = 0) -> None:
        if not (block.kind == "list_item" and block.marker and self._prev_kind == "list_item"):
            self._separate(block.quote_depth)  # list items stay tight
        self._prev_depth = block.quote_depth
        self._prev_kind = block.kind
        quote = "> " * block.quote_depth
        pad = " " * indent
        for line in body:
            self.lines.append((quote + pad + line).rstrip() if line else quote.rstrip())

    def list_indent(self, block: Block) -> tuple[int, str]:
        """(indent of the block, marker text) for list items, tracking nesting columns."""
        level = max(1, block.level)
        if block.marker:
            marker = block.marker if block.marker[:1].isdigit() else "-"
            base = self._list_cols[level - 2] if 1 < level <= len(self._list_cols) + 1 else 0
            self._list_cols = [*self._list_cols[: level - 1], base + len(marker) + 1]
            return base, marker
        cols = self._list_cols
        return (cols[level - 1] if level <= len(cols) else 2 * level), ""


def _block_marks(block: Block, marks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [(max(a, block.start) - block.start, min(b, block.end) - block.start)
            for a, b in marks if a < block.end and b > block.start]


def _block_refs(block: Block, refs: dict[int, list[str]]) -> dict[int, list[str]]:
    return {p - block.start: labels for p, labels in refs.items()
            if block.start < p <= block.end or (p == block.start == block.end)}


def _table(block: Block, marks: list[tuple[int, int]], refs: dict[int, list[str]]) -> list[str]:
    """A table block as a GFM table; each cell is emitted on its own."""
    rows: list[list[str]] = []
    offset = 0
    for line in block.text.split("\n"):
        cells: list[str] = []
        pos = offset
        for raw in line.split(CELL_SEP):
            end = pos + len(raw.rstrip())
            spans = [Span(max(s.start, pos) - pos, min(s.end, end) - pos, s.kind, s.url)
                     for s in block.spans if s.start < end and s.end > pos]
            cell_marks = [(max(a, pos) - pos, min(b, end) - pos) for a, b in marks
                          if a < end and b > pos]
            cell_refs = {p - pos: v for p, v in refs.items() if pos < p <= end}
            cells.append(" ".join(emit(block.text[pos:end], spans, cell_marks, cell_refs,
                                       guard=False, extra_escape="|")))
            pos += len(raw) + len(CELL_SEP)
        rows.append(cells)
        offset += len(line) + 1
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    out = [f"| {' | '.join(rows[0])} |", "|" + " --- |" * width]
    out += [f"| {' | '.join(r)} |" for r in rows[1:]]
    return out


def _code(block: Block, marks: list[tuple[int, int]], refs: dict[int, list[str]]) -> list[str]:
    fence = "`" * max(3, _longest_run(block.text, "`") + 1)
    info = block.info if "`" not in block.info else ""
    lines = [fence + " ".join(info.split()), *block.text.split("\n"), fence]
    if marks:
        parts = []
        for a, b in marks:
            labels = [label for p, ls in refs.items() if a < p <= b for label in ls]
            parts.append("==" + code_span(block.text[a:b].replace("\n", " ")) + "=="
                         + "".join(f"[^{label}]" for label in labels))
        lines += ["", "Highlighted above: " + " · ".join(parts)]
    return lines


def _longest_run(text: str, ch: str) -> int:
    longest = run = 0
    for c in text:
        run = run + 1 if c == ch else 0
        longest = max(longest, run)
    return longest


def _body(document: Document, article: Article, marks: list[tuple[int, int]],
          refs: dict[int, list[str]], base_level: int) -> list[str]:
    blocks = list(document.blocks)
    first = blocks[0] if blocks else None
    if (first is not None and first.kind == "heading"
            and one_line(first.text).casefold() == one_line(article.title).casefold()
            and not _block_marks(first, marks)):
        blocks = blocks[1:]
    has_top = any(b.kind == "heading" and b.level <= base_level for b in blocks)
    shift = (base_level + 1 - min((b.level for b in blocks if b.kind == "heading"), default=1)
             if has_top else 0)
    writer = _Writer(shift)
    for block in blocks:
        bm, br = _block_marks(block, marks), _block_refs(block, refs)
        if block.kind == "heading":
            level = min(6, block.level + shift)
            text = " ".join(emit(block.text, block.spans, bm, br, guard=False))
            writer.add(block, ["#" * level + " " + text])
        elif block.kind == "code":
            indent = writer.list_indent(block)[0] if block.level else 0
            writer.add(block, _code(block, bm, br), indent=indent)
        elif block.kind == "table":
            writer.add(block, _table(block, bm, br))
        elif block.kind == "rule":
            writer.add(block, ["* * *"])
        elif block.kind == "list_item":
            indent, marker = writer.list_indent(block)
            body = emit(block.text, block.spans, bm, br)
            if marker:
                lead = marker + " "
                body = [lead + body[0]] + [" " * len(lead) + line for line in body[1:]]
            writer.add(block, body, indent=indent)
        else:  # paragraph, quote, html (shown literally, never as HTML)
            spans = [] if block.kind == "html" else block.spans
            writer.add(block, emit(block.text, spans, bm, br) if block.text else [])
    return writer.lines


def _footnotes(noted: list[tuple[str, Highlight]]) -> list[str]:
    lines: list[str] = []
    for label, h in noted:
        body = encode_note_lines(h.note)
        tags = sanitise_tags(h.tags)
        if tags:
            body += ([""] if body else []) + [" ".join(f"#{t}" for t in tags)]
        lines.append("")
        lines.append(f"[^{label}]: {body[0]}")
        lines += [f"    {line}" if line else "" for line in body[1:]]
    return lines


def annotated_body(
    article: Article,
    highlights: list[Highlight],
    document: Document,
    *,
    base_level: int = 1,
    first_label: int = 1,
) -> tuple[list[str], int]:
    """Title, metadata, the annotated article, orphans and footnotes; and the next label."""
    ordered = in_text_order(highlights)
    length = len(document)
    placed = [h for h in ordered if h.anchor != "orphan" and 0 <= h.start < h.end <= length]
    orphans = [h for h in ordered if h not in placed]
    marks = _merge([(h.start, h.end) for h in placed])
    refs: dict[int, list[str]] = {}
    noted: list[tuple[str, Highlight]] = []
    label = first_label
    for h in placed:
        if h.note or h.tags:
            run_end = next(b for a, b in marks if a <= h.start < b)
            refs.setdefault(run_end, []).append(str(label))
            noted.append((str(label), h))
            label += 1
    hashes = "#" * base_level
    lines = [f"{hashes} {title_text(article)}", "", metadata_line(article, len(ordered)), ""]
    lines += _body(document, article, marks, refs, base_level)
    if orphans:
        lines += ["", f"{hashes}# {ORPHANS_HEADING}"]
        for h in orphans:
            quoted = quote_lines(h.exact)
            if h.note or h.tags:
                quoted[-1] = (quoted[-1] if quoted[-1] != ">" else "> ") + f"[^{label}]"
                noted.append((str(label), h))
                label += 1
            lines += ["", *quoted]
    lines += _footnotes(noted)
    return lines, label


def export_annotated(
    article: Article,
    highlights: list[Highlight],
    *,
    document: Document | None = None,
    markdown: str | None = None,
    exported: str | _dt.datetime | None = None,
) -> str:
    """The article as Markdown with its highlights inline and notes as footnotes."""
    if document is None:
        if markdown is None:
            raise ValueError("export_annotated needs the article's document or markdown")
        document = parse_markdown(markdown)
    stamp = resolve_exported(exported)
    fields = front_matter_fields(article, highlights, stamp)
    lines = [front_matter(fields).rstrip("\n"), ""]
    lines += annotated_body(article, highlights, document)[0]
    return "\n".join(lines) + "\n"


def combined_annotated(
    items: list[tuple[Article, list[Highlight], Document]],
    *,
    exported: str | _dt.datetime | None = None,
) -> str:
    """Several annotated articles in one document (footnote labels continue across them)."""
    stamp = resolve_exported(exported)
    total = sum(len(hs) for _, hs, _ in items)
    fields = {"title": "tuireader export", "exported": stamp, "articles": len(items),
              "highlights": total}
    lines = [front_matter(fields).rstrip("\n"), "", "# tuireader export"]
    label = 1
    for article, highlights, document in items:
        body, label = annotated_body(article, highlights, document, base_level=2,
                                     first_label=label)
        lines += ["", *body]
    return "\n".join(lines) + "\n"
