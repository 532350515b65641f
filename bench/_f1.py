"""Token F1 between an importer's Markdown and a truth text.

Kept apart from the benchmark so that the corpus tests measure with exactly the same rule.
Link text keeps escaped and balanced brackets (a footnote link "[[1]](url)" reads "[1]").
Tokens are lower-cased Unicode words (``\\w+``), with each Han/kana/Thai character
its own token; Markdown syntax (link targets, heading and list
markers, emphasis, table pipes, image syntax) is removed first so that only visible text counts.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

#: Link text may hold escapes and one level of balanced brackets ("[[1]](url)", "[a\\]b](url)").
_TEXT = r"((?:\\.|[^\[\]\\]|\[(?:\\.|[^\[\]\\])*\])*)"
_TARGET = r"\((?:[^()\s]|\([^)]*\))*(?:\s+\"[^\"]*\")?\)"
_IMAGE = re.compile(r"!\[" + _TEXT + r"\]" + _TARGET)
_LINK = re.compile(r"\[" + _TEXT + r"\]" + _TARGET)
#: An autolink shows its URL: that is its text.
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]*)>")
_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+\S+.*$", re.M)
_WORD = re.compile(r"\w+", re.UNICODE)
#: Han, kana and other scripts written without spaces: each character counts as one token,
#: otherwise a whole sentence is one "word" and any boundary difference scores zero.
_UNSPACED = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f])")


def markdown_visible_text(markdown: str) -> str:
    """Roughly what a reader sees of ``markdown``: link text without targets, no images, and
    an autolink's URL (which is its text)."""
    text = _IMAGE.sub(" ", markdown)
    text = _LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _REF_DEF.sub(" ", text)
    # Markers (#, *, _, >, |, backticks) are not words, and \w+ would only pick up "_" runs.
    return re.sub(r"[#*>|`~_]+", " ", text)


def tokens(text: str) -> list[str]:
    """Lower-cased Unicode words of ``text``."""
    text = _UNSPACED.sub(r" \1 ", text.replace("_", " "))
    return [t.lower() for t in _WORD.findall(text)]


@dataclass
class Score:
    """Bag-of-words precision, recall and F1 of a candidate against a truth."""

    precision: float
    recall: float
    f1: float


def score(candidate: str, truth: str) -> Score:
    """Compare the bags of words of ``candidate`` and ``truth`` (both plain text)."""
    cand = Counter(tokens(candidate))
    gold = Counter(tokens(truth))
    if not cand and not gold:
        return Score(1.0, 1.0, 1.0)
    overlap = sum((cand & gold).values())
    precision = overlap / max(1, sum(cand.values()))
    recall = overlap / max(1, sum(gold.values()))
    f1 = 0.0 if overlap == 0 else 2 * precision * recall / (precision + recall)
    return Score(precision, recall, f1)
