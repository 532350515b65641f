"""Quotes and texts made comparable: typographic quotes, dashes, odd spaces, hyphenation.

The library's plain text is mapped character for character (``str.translate`` with one-to-one
replacements: offsets in the normalised text are offsets in the real one); a quote from another
tool gets the same replacements, its whitespace runs folded and its soft hyphens dropped.
"""

from __future__ import annotations

import re
import string

_ONE_TO_ONE = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-",
    "\n": " ", "\r": " ", "\t": " ", "\u00a0": " ", "\u2007": " ", "\u2009": " ",
    "\u200a": " ", "\u202f": " ", "\u3000": " ", "\u2028": " ", "\u2029": " ",
}
TABLE = str.maketrans(_ONE_TO_ONE)
_DROP = re.compile("[\u00ad\u200b\u200c\u200d\ufeff]")
_SPACES = re.compile(r"\s+")
#: A word broken at a line end ("some- thing" once the line end is a space).
_HYPHENATED = re.compile(r"(\w)- (\w)")
_PUNCTUATION = frozenset(string.punctuation)
_WORD_RUN = re.compile(r"[^\W_]+(?: [^\W_]+){2,}")


def normalise_text(text: str) -> str:
    """The library text with the same one-to-one replacements as quotes (same length).

    One ``str.replace`` per character present (each a C-speed pass) rather than
    ``str.translate``, which goes character by character: a 3 MB book in milliseconds."""
    for old, new in _ONE_TO_ONE.items():
        if old in text:
            text = text.replace(old, new)
    return text


def normalise_quote(quote: str) -> str:
    """A quote as it is searched for: replacements, no soft hyphens, single spaces, trimmed."""
    return _SPACES.sub(" ", _DROP.sub("", quote).translate(TABLE)).strip()


def dehyphenated(quote: str) -> str:
    """The quote with words broken at a line end joined again ("" if none was)."""
    joined = _HYPHENATED.sub(r"\1\2", quote)
    return joined if joined != quote else ""


def probe(quote: str, length: int = 40) -> str:
    """A run of at least three words of the quote, without punctuation, for the fast look in
    raw Markdown ("" if the quote has none)."""
    runs = _WORD_RUN.findall(quote)
    if not runs:
        return ""
    best = max(runs, key=len)
    if len(best) <= length:
        return best
    middle = len(best) // 2 - length // 2
    cut = best[middle : middle + length]
    # Whole words only: drop the partial ones at each end.
    words = cut.split(" ")[1:-1]
    return " ".join(words) if len(words) >= 3 else cut


def escape_markdown(text: str) -> str:
    """``text`` as Markdown that reads back as exactly ``text`` (every ASCII punctuation
    character backslash-escaped, whitespace folded): a quote is never markup."""
    flat = _SPACES.sub(" ", text).strip()
    return "".join("\\" + ch if ch in _PUNCTUATION else ch for ch in flat)
