"""Where a query's words are in a text: for snippets, hit offsets and the reader's marks.

:class:`Matcher` finds the terms of a parsed query the way the index matched them (folded
words, phrases as consecutive words, prefixes, CJK by substring), so the words marked in a
snippet or in the reader are the ones that made the hit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tuireader.library.fulltext.query import Term
from tuireader.library.fulltext.text import tokens

Span = tuple[int, int]

#: Characters of context a snippet shows around its first match.
SNIPPET = 160


class Matcher:
    """The spans of ``terms`` in a text."""

    def __init__(self, terms: Sequence[Term]) -> None:
        self.terms = [t for t in terms if t.words or t.cjk]
        self._cjk = [re.compile(re.escape(run), re.IGNORECASE)
                     for t in self.terms for run in t.cjk]

    def __bool__(self) -> bool:
        return bool(self.terms)

    def spans(self, text: str, start: int = 0) -> list[Span]:
        """Every match in ``text[start:]``, in order, not overlapping (offsets in ``text``)."""
        found: list[Span] = []
        phrases = [t for t in self.terms if t.words]
        if phrases:
            words = [w for w in tokens(text[start:])]
            for i in range(len(words)):
                for term in phrases:
                    end = _phrase_at(words, i, term)
                    if end is not None:
                        found.append((start + words[i][1], start + words[end][2]))
                        break
        for pattern in self._cjk:
            found += [m.span() for m in pattern.finditer(text, start)]
        found.sort()
        merged: list[Span] = []
        for span in found:
            if merged and span[0] < merged[-1][1]:
                continue
            merged.append(span)
        return merged

    def snippet(self, text: str, width: int = SNIPPET) -> tuple[str, list[Span], Span | None]:
        """A part of ``text`` around its first match: (snippet, the matches in it as offsets in
        the snippet, the first match as offsets in ``text`` or None)."""
        spans = self.spans(text)
        first = spans[0] if spans else None
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
        marks = [(s - begin, e - begin) for s, e in spans if s >= begin and e <= end]
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
    """One line, same length (offsets stay valid): newlines and tabs become spaces."""
    return text.translate({10: 32, 13: 32, 9: 32})
