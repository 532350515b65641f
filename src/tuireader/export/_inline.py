"""Re-emitting one block's plain text as Markdown, with its styles and highlight marks.

Used by the annotated export.  Input: the block's text, its spans (emph, strong, code, link,
strike, image; offsets relative to the text), the highlighted ranges (``==...==``) and footnote
references to insert.  Output: Markdown lines that render as the same text.

Rules that keep the output well-formed:

* literal text is escaped (``_text.escape_inline``) and a line never starts with a character
  that could open a block;
* code spans and images are atomic: a highlight boundary inside one is moved to its edge;
* marks are the innermost layer: ``==`` is closed before any style delimiter and reopened after
  it, so delimiters always nest (``**bold ==high==**==light==``);
* marks and emphasis never start or end on whitespace (CommonMark's flanking rules);
* a line break in the text becomes a hard line break (backslash at the end of the line).
"""

from __future__ import annotations

from dataclasses import dataclass

from tuireader.core.document import Span
from tuireader.export._text import escape_inline, guard_line, link_target

_DELIMS = {"emph": "*", "strong": "**", "strike": "~~"}


@dataclass
class _Open:
    span: Span
    closer: str


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """``start:end`` without leading/trailing whitespace (may become empty)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def widen(ranges: list[tuple[int, int]], spans: list[Span]) -> list[tuple[int, int]]:
    """Move range edges out of atomic spans (code, image) and merge overlapping ranges."""
    atomic = [(s.start, s.end) for s in spans if s.kind in ("code", "image")]
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        for s, e in atomic:
            if s < a < e:
                a = s
            if s < b < e:
                b = e
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def code_span(text: str) -> str:
    """``text`` as an inline code span whatever backticks it contains."""
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def mark_pieces(text: str, marks: list[tuple[int, int]], spans: list[Span]) -> list[Span]:
    """Marks as ``mark`` spans that nest with the style spans, trimmed of whitespace.

    A mark is cut where a style span crosses one of its edges (``**a ==b** c==`` would not
    nest); a mark that contains a span, or sits inside one, stays whole.
    """
    breaks = {i for i, ch in enumerate(text) if ch == "\n"}
    pending = [trim(text, a, b) for a, b in marks]
    pieces: list[Span] = []
    while pending:
        a, b = pending.pop()
        if b <= a:
            continue
        cut = next((p for s in spans for p in (s.start, s.end) if a < p < b
                    and not (a <= s.start and s.end <= b)), None)
        if cut is None:
            cut = next((p for p in breaks if a <= p < b), None)
            if cut is not None:  # a mark never runs over a line break
                pending += [trim(text, a, cut), trim(text, cut + 1, b)]
                continue
            pieces.append(Span(a, b, "mark"))
            continue
        pending += [trim(text, a, cut), trim(text, cut, b)]
    return sorted(pieces, key=lambda s: s.start)


def emit(
    text: str,
    spans: list[Span],
    marks: list[tuple[int, int]],
    refs: dict[int, list[str]],
    *,
    guard: bool = True,
    extra_escape: str = "",
) -> list[str]:
    """The block as Markdown lines (without container prefixes); see the module docstring."""
    styled = [s for s in spans if s.end > s.start and s.kind in (*_DELIMS, "link", "code", "image")]
    atoms = {s.start: s for s in styled if s.kind in ("code", "image")}
    styled += mark_pieces(text, widen(marks, styled), styled)
    newlines = {i for i, ch in enumerate(text) if ch == "\n"}
    refs = _place_refs(text, refs, atoms)
    cuts = sorted({0, len(text)} | {p for s in styled for p in (s.start, s.end)}
                  | newlines | {i + 1 for i in newlines} | set(refs))

    lines: list[str] = []
    out: list[str] = []
    stack: list[_Open] = []
    at_line_start = True
    skip_until = -1
    for index, p in enumerate(cuts):
        reopen: list[_Open] = []
        while any(o.span.end <= p for o in stack):
            top = stack.pop()
            out.append(top.closer)
            if top.span.end > p:
                reopen.append(top)  # crossing spans: close the inner one, reopen it after
        for label in refs.get(p, ()):
            out.append(f"[^{label}]")
        if p == len(text):
            break
        if p in newlines:
            lines.append("".join(out) + "\\")
            out, at_line_start = [], True
            continue
        for o in reversed(reopen):
            out.append(_opener(o.span))
            stack.append(o)
        starting = [s for s in styled if s.start == p and s.kind not in ("code", "image")]
        for s in sorted(starting, key=lambda s: (-s.end, s.kind != "mark")):
            closer = _closer(s)
            if closer is not None:
                out.append(_opener(s))
                stack.append(_Open(s, closer))
        if p < skip_until:
            continue
        atom = atoms.get(p)
        if atom is not None:
            out.append(_atom(text[atom.start : atom.end], atom))
            skip_until = atom.end
            at_line_start = False
            continue
        nxt = cuts[index + 1] if index + 1 < len(cuts) else len(text)
        escaped = escape_inline(text[p:nxt])
        for ch in extra_escape:
            escaped = escaped.replace(ch, "\\" + ch)
        if at_line_start and guard and not out:
            escaped = guard_line(escaped)
        out.append(escaped)
        at_line_start = False
    while stack:
        out.append(stack.pop().closer)
    lines.append("".join(out))
    return lines


def _opener(span: Span) -> str:
    if span.kind == "mark":
        return "=="
    return "[" if span.kind == "link" else _DELIMS[span.kind]


def _closer(span: Span) -> str | None:
    """The closing text of a span; None for a link that is not written as a link."""
    if span.kind == "mark":
        return "=="
    if span.kind == "link":
        target = link_target(span.url or "")
        return None if target is None else f"]({target})"
    return _DELIMS[span.kind]


def _place_refs(
    text: str, refs: dict[int, list[str]], atoms: dict[int, Span]
) -> dict[int, list[str]]:
    """Footnote references moved off trailing whitespace and out of code spans and images."""
    placed: dict[int, list[str]] = {}
    for p in sorted(refs):
        q = max(0, min(p, len(text)))
        while q > 0 and text[q - 1].isspace():
            q -= 1
        for atom in atoms.values():
            if atom.start < q < atom.end:
                q = atom.end
        placed.setdefault(q, []).extend(refs[p])
    return placed


def _atom(piece: str, span: Span) -> str:
    if span.kind == "code":
        return code_span(piece)
    alt = piece[len("[image: ") : -1] if piece.startswith("[image: ") else ""
    target = link_target(span.url or "")
    if target is None:
        return f"[{escape_inline(alt) or 'image'}]"
    return f"![{escape_inline(alt)}]({target})"
