"""Sentence and word ranges inside a block's text, for keyboard focus and highlighting.

A rule-based splitter, because it runs on a block every time the focus moves (pysbd took ~60 ms
on a 3 KB paragraph).
"""

from __future__ import annotations

import re

_TERMINATOR = re.compile(r"""(?:[.!?‽…]+|[。！？]+)["'”’»)\]」』）]*""")
#: What may follow a sentence end: space, optional opening quotes/brackets, then a letter or
#: digit (which must not be lower case: checked in code, so uncased scripts also split).
_NEXT_START = re.compile(r"""\s+["'“‘«(\[「『（]*([^\W_])""")
#: The token before a full stop (no spaces, no opening quotes or brackets).
_TOKEN_BEFORE = re.compile(r"""[^\s"'“‘«(\[]*$""")
#: Initialisms such as "U.S", "p.m", "e.g" (the final dot is the terminator).
_INITIALISM = re.compile(r"(?:[a-z]\.)+[a-z]")


def _words(text: str) -> frozenset[str]:
    """A set of words written as one string (the lists below read better that way)."""
    return frozenset(text.split())


#: Titles: always followed by a name, never the end of a sentence.
_TITLES = _words(
    "mr mrs ms messrs mme mlle dr prof sr jr st gen col capt cpt lt sgt maj adm cmdr rev fr br "
    "hon gov sen rep pres supt insp mt ft"
)
#: Abbreviations that sit inside a sentence whatever follows.
_INNER = _words("e.g i.e cf viz vs al approx ca incl esp resp")
#: Abbreviations that stay inside the sentence when a number follows ("No. 5", "Jan. 3").
_BEFORE_NUMBER = _words(
    "no nos fig figs vol vols p pp ch chap sec art eq ed op jan feb mar apr jun jul aug sep sept "
    "oct nov dec"
)
#: Ambiguous endings ("etc.", "U.S.", "Inc."): they end the sentence only before a word that
#: usually starts one.
_MAYBE_END = _words("etc inc ltd co corp bros")
_SENTENCE_STARTERS = _words(
    "The A An He She It They We I You This That These Those There But And So Yet Then In On At "
    "As If When While After Before His Her Its Their Our My What Why How Who Where"
)
_WORD_RE = re.compile(r"\w+(?:['’.-]\w+)*", re.UNICODE)


def _ends_sentence(text: str, start: int, stop: int, nxt: re.Match[str]) -> bool:
    """Whether a full stop at ``stop`` (a single ``.``, maybe with closers) ends a sentence."""
    token = _TOKEN_BEFORE.search(text, max(start, stop - 32), stop)  # a bounded look back
    word = token.group().lower() if token else ""
    following = nxt.group(1)
    if not word:
        return True
    if word in _TITLES or word in _INNER:
        return False
    if word in _BEFORE_NUMBER and following.isdigit():
        return False
    if len(word) == 1 and word.isalpha():  # an initial: "J. R. R. Tolkien"
        return False
    if word in _MAYBE_END or _INITIALISM.fullmatch(word):
        end = text.find(" ", nxt.start(1))
        return text[nxt.start(1) : end if end >= 0 else len(text)] in _SENTENCE_STARTERS
    return True


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence ranges in a block's text (start, end), trimmed of surrounding spaces.

    A rule-based splitter, because it runs on a block every time the focus moves (pysbd, more
    thorough, took ~60 ms on a 3 KB paragraph, so it is not a dependency).  A sentence ends at
    ``.``, ``!``, ``?`` or an ellipsis (with any closing quotes or brackets after it) followed
    by a space and a capital or digit, or by the end of the text.  A lone full stop does not end
    a sentence after a title ("Dr."), an inner abbreviation ("e.g."), an initial ("J."), a
    number abbreviation before a number ("No. 5"), or an initialism ("U.S.", "p.m.") or "etc."
    unless a typical sentence opener follows. Decimals ("3.14") never split because no space
    follows the dot; a lower-case word after a closing quote (``"Yes." he said``) continues the
    sentence.
    """
    spans: list[tuple[int, int]] = []
    n = len(text)
    last = len(text.rstrip())
    start = 0
    while start < n and text[start].isspace():
        start += 1
    for match in _TERMINATOR.finditer(text):
        end = match.end()
        if end <= start:
            continue
        terminator = match.group()
        if terminator[0] not in "。！？" and end < last:
            nxt = _NEXT_START.match(text, end)
            if nxt is None or nxt.group(1).islower():
                continue
            if terminator.rstrip("\"'”’»)]」』）") == "." and not _ends_sentence(
                text, start, match.start(), nxt
            ):
                continue
        spans.append((start, end))
        start = end
        while start < n and text[start].isspace():
            start += 1
    if start < last:
        spans.append((start, last))
    return spans


def word_spans(text: str) -> list[tuple[int, int]]:
    """Word ranges in a block's text (letters/digits with inner apostrophes or hyphens)."""
    return [m.span() for m in _WORD_RE.finditer(text)]
