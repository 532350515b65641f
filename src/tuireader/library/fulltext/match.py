"""Where a query's words are in a text: for snippets, hit offsets and the reader's marks.

:class:`Matcher` finds the terms of a parsed query the way the index matched them (folded
words, phrases as consecutive words, prefixes, CJK by substring), so the words marked in a
snippet or in the reader are the ones that made the hit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tuireader.core.document import sanitize
from tuireader.library.fulltext.query import Term
from tuireader.library.fulltext.text import fold, tokens

Span = tuple[int, int]

#: Characters of context a snippet shows around its first match.
SNIPPET = 110


def _variants() -> dict[str, str]:
    """Folded ASCII letter -> every Latin character that folds to it ("a" -> "aAáÁàÀ...")."""
    table: dict[str, set[str]] = {}
    for code in range(0x41, 0x250):
        char = chr(code)
        base = fold(char)
        if len(base) == 1 and base.isascii() and base.isalnum():
            table.setdefault(base, {base}).update({char, char.upper(), char.lower()})
    return {k: "".join(sorted(v)) for k, v in table.items()}


_VARIANTS = _variants()
_BOUNDARY = r"[^\W_]"
_SEPARATOR = r"[\W_]+"
#: A decomposed diacritic: the fast patterns below do not see such text, the slow path does.
_COMBINING = re.compile("[\u0300-\u036f]")


def _pattern(word: str, prefix: bool) -> str:
    """A regex finding ``word`` (folded) in unfolded text, any case or diacritics."""
    parts = []
    for char in word:
        variants = _VARIANTS.get(char)
        parts.append(f"[{re.escape(variants)}]" if variants else re.escape(char))
    rest = f"(?:{_BOUNDARY})*" if prefix else f"(?!{_BOUNDARY})"
    return f"(?<!{_BOUNDARY})" + "".join(parts) + rest


class Matcher:
    """The spans of ``terms`` in a text."""

    def __init__(self, terms: Sequence[Term]) -> None:
        self.terms = [t for t in terms if t.words or t.cjk]
        self._cjk = [re.compile(re.escape(run), re.IGNORECASE)
                     for t in self.terms for run in t.cjk]
        worded = [t for t in self.terms if t.words]
        # One regex over the raw text finds every term, any case or diacritics: a phrase is
        # its words with anything but letters and digits between them.
        self._first: re.Pattern[str] | None = None
        self._groups: list[Term] = worded
        if worded:
            alternatives = []
            for t in worded:
                last = len(t.words) - 1
                words = [_pattern(w, t.prefix and i == last) for i, w in enumerate(t.words)]
                alternatives.append("(?:" + _SEPARATOR.join(words) + ")")
            self._first = re.compile("|".join(alternatives), re.IGNORECASE)

    def __bool__(self) -> bool:
        return bool(self.terms)

    def spans(self, text: str, start: int = 0, end: int | None = None) -> list[Span]:
        """Every match in ``text[start:end]``, in order, not overlapping (offsets in ``text``)."""
        found: list[Span] = []
        stop = len(text) if end is None else end
        if self._first is not None:
            if _COMBINING.search(text, start, stop):
                found += self._slow(text[:stop], start)
            else:
                found += [m.span() for m in self._first.finditer(text, start, stop)]
        for pattern in self._cjk:
            found += [m.span() for m in pattern.finditer(text, start, stop)]
        found.sort()
        merged: list[Span] = []
        for span in found:
            if merged and span[0] < merged[-1][1]:
                continue
            merged.append(span)
        return merged

    def first(self, text: str) -> Span | None:
        """The first match in ``text``, if any."""
        if self._cjk or self._first is None or _COMBINING.search(text):
            found = self.spans(text)
            return found[0] if found else None
        m = self._first.search(text)
        return m.span() if m else None

    def _slow(self, text: str, start: int) -> list[Span]:
        """Word by word, folding each (text with decomposed diacritics)."""
        found: list[Span] = []
        words = list(tokens(text[start:] if start else text))
        for i in range(len(words)):
            for term in self._groups:
                end = _phrase_at(words, i, term)
                if end is not None:
                    found.append((start + words[i][1], start + words[end][2]))
                    break
        return found

    def snippet(self, text: str, width: int = SNIPPET) -> tuple[str, list[Span], Span | None]:
        """A part of ``text`` around its first match: (snippet, the matches in it as offsets in
        the snippet, the first match as offsets in ``text`` or None)."""
        first = self.first(text)
        if len(text) <= width:
            begin, end = 0, len(text)
        else:
            centre = first[0] if first else 0
            begin = max(0, min(centre - width // 3, len(text) - width))
            if begin:
                space = text.find(" ", begin, begin + 20)
                begin = space + 1 if space >= 0 and (first is None or space < first[0]) else begin
            end = min(len(text), begin + width)
            if end < len(text):
                space = text.rfind(" ", end - 20, end)
                end = space if space > (first[1] if first else 0) else end
        piece = text[begin:end]
        marks = [(s - begin, e - begin) for s, e in self.spans(text, begin, end)]
        lead = "…" if begin else ""
        tail = "…" if end < len(text) else ""
        flat = _flatten(piece)
        marks = [(s + len(lead), e + len(lead)) for s, e in marks]
        return lead + flat + tail, marks, first


def _phrase_at(words: list[tuple[str, int, int]], i: int, term: Term) -> int | None:
    """Index of the last word of ``term`` if it starts at ``words[i]``, else None."""
    n = len(term.words)
    if i + n > len(words):
        return None
    for k, wanted in enumerate(term.words):
        word = words[i + k][0]
        last = k == n - 1
        if word != wanted and not (last and term.prefix and word.startswith(wanted)):
            return None
    return i + n - 1


def _flatten(text: str) -> str:
    """One safe line, same length (offsets stay valid): newlines and tabs become spaces,
    terminal controls visible symbols (one for one)."""
    return sanitize(text.replace("\n", " ").replace("\r", " ").replace("\t", " "))
