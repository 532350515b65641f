"""Random, ground-truth-tracked edits of a plain text, for the re-anchoring benchmark.

A text is split into word tokens (a word plus the whitespace after it).  Every original token
carries its index as an identity; tokens the edits insert carry ``None``.  After editing we can
therefore say exactly where the words a highlight covered ended up (or that they are gone), which
is the ground truth the anchoring code is scored against -- no heuristics on the edited text.

Edits, spending a budget of ``rate x words`` edited words:

* ~50% word edits, in equal parts: insert a word, delete a word, replace a word (by another word
  of the same text, or 1 time in 3 by a typo of it -- a misspelt word keeps its identity: it is
  still the word the reader highlighted);
* ~30% sentence edits, in equal parts: delete a whole sentence, insert a sentence made of words
  of the same text (so inserted text looks like the article, repeats its vocabulary, and is a
  plausible place for a wrong match);
* ~20% paragraph moves: a paragraph is cut and put back at another paragraph boundary; a move
  costs its word count, at most 20 (a move changes no word, but it is one edit a reader would
  notice, and a long paragraph must not eat the whole budget).
"""

from __future__ import annotations

import bisect
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass

_TOKEN = re.compile(r"(\S+)(\s*)")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")


@dataclass
class Token:
    """One word and the whitespace after it; ``ident`` is its original index (None = inserted)."""

    ident: int | None
    word: str
    ws: str


@dataclass
class Doc:
    """A text as tokens, with the text and each token's character offset computed on demand."""

    lead: str
    tokens: list[Token]

    def render(self) -> tuple[str, list[int]]:
        """The text and the start offset of every token in it."""
        parts = [self.lead]
        starts = []
        pos = len(self.lead)
        for tok in self.tokens:
            starts.append(pos)
            parts.append(tok.word)
            parts.append(tok.ws)
            pos += len(tok.word) + len(tok.ws)
        return "".join(parts), starts


def tokenize(text: str) -> Doc:
    """Split ``text`` into tokens; ``Doc.render()`` gives ``text`` back exactly."""
    lead_match = re.match(r"\s*", text)
    lead = lead_match.group(0) if lead_match else ""
    tokens = [Token(i, m.group(1), m.group(2)) for i, m in enumerate(_TOKEN.finditer(text))]
    return Doc(lead, tokens)


def is_sentence_end(tok: Token) -> bool:
    """A token that ends a sentence: final punctuation, or a line break after it."""
    return bool(_SENTENCE_END.search(tok.word)) or "\n" in tok.ws


def sentences(tokens: list[Token]) -> list[tuple[int, int]]:
    """``(first, last)`` token indices (inclusive) of each sentence."""
    out = []
    start = 0
    for i, tok in enumerate(tokens):
        if is_sentence_end(tok):
            out.append((start, i))
            start = i + 1
    if start < len(tokens):
        out.append((start, len(tokens) - 1))
    return out


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 3:
        return word + rng.choice("aeiou")
    i = rng.randrange(1, len(word) - 1)
    how = rng.randrange(3)
    if how == 0:
        return word[:i] + word[i + 1 :]  # drop a letter
    if how == 1:
        return word[:i] + word[i] + word[i:]  # double a letter
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]  # swap two letters


def _new_sentence(vocab: list[str], rng: random.Random) -> list[Token]:
    words = [rng.choice(vocab).strip(".,;:!?\"'()") or "word" for _ in range(rng.randint(6, 25))]
    words[0] = words[0][:1].upper() + words[0][1:]
    words[-1] += "."
    return [Token(None, w, " ") for w in words]


def edit(doc: Doc, rate: float, rng: random.Random) -> Doc:
    """A copy of ``doc`` with random edits touching about ``rate`` of its words."""
    tokens = doc.tokens
    n = len(tokens)
    if n == 0:
        return Doc(doc.lead, [])
    budget = max(1, round(rate * n))
    vocab = [t.word for t in tokens]
    word_budget = round(budget * 0.5)
    sentence_budget = round(budget * 0.3)
    move_budget = max(0, budget - word_budget - sentence_budget)

    delete: set[int] = set()
    replace: dict[int, str] = {}
    typos: dict[int, str] = {}  # a misspelt word is still the same word: it keeps its identity
    insert_before: dict[int, list[Token]] = {}

    for _ in range(word_budget):
        i = rng.randrange(n)
        op = rng.randrange(3)
        if op == 0:
            insert_before.setdefault(i, []).append(Token(None, rng.choice(vocab), " "))
        elif op == 1:
            delete.add(i)
        else:
            old = tokens[i].word
            if rng.random() < 1 / 3:
                typos[i] = _typo(old, rng)
            else:
                new = rng.choice(vocab)
                replace[i] = new if new != old else new + "s"

    spans = sentences(tokens)
    spent = 0
    while spent < sentence_budget and spans:
        first, last = rng.choice(spans)
        if rng.random() < 0.5:
            delete.update(range(first, last + 1))
            spent += last - first + 1
        else:
            new = _new_sentence(vocab, rng)
            insert_before.setdefault(first, []).extend(new)
            spent += len(new)

    out: list[Token] = []
    for i, tok in enumerate(tokens):
        out.extend(Token(None, t.word, t.ws) for t in insert_before.get(i, ()))
        if i in delete:
            # Keep the paragraph structure: a deleted last word hands its line break on.
            if "\n" in tok.ws and out and out[-1].ws.count("\n") < tok.ws.count("\n"):
                out[-1].ws = tok.ws
            continue
        if i in replace:
            out.append(Token(None, replace[i], tok.ws))
        elif i in typos:
            out.append(Token(tok.ident, typos[i], tok.ws))
        else:
            out.append(Token(tok.ident, tok.word, tok.ws))
    if not out:
        out.append(Token(None, "empty", ""))

    return Doc(doc.lead, _move_paragraphs(out, move_budget, rng))


def _paragraphs(tokens: list[Token]) -> list[list[Token]]:
    paras: list[list[Token]] = [[]]
    for tok in tokens:
        paras[-1].append(tok)
        if "\n\n" in tok.ws:
            paras.append([])
    return [p for p in paras if p]


def _move_paragraphs(tokens: list[Token], budget: int, rng: random.Random) -> list[Token]:
    paras = _paragraphs(tokens)
    if len(paras) < 3:
        return tokens
    spent = 0
    while spent < budget:
        para = paras.pop(rng.randrange(len(paras)))
        paras.insert(rng.randrange(len(paras) + 1), para)
        spent += min(len(para), 20)
    for para in paras:  # every paragraph ends with a blank line except the last one
        if "\n\n" not in para[-1].ws:
            para[-1].ws = "\n\n"
    paras[-1][-1].ws = ""
    return [tok for para in paras for tok in para]


@dataclass
class Truth:
    """Where a highlight's surviving words are in the edited text."""

    #: Share of the highlight's characters (words only) that survived the edits.
    survived: float
    #: ``(start, end)`` character spans of the groups of surviving words (a moved paragraph
    #: splits a highlight across two places), and the surviving word characters in each.
    spans: list[tuple[int, int]]
    chars: list[int]
    first: int
    last: int


def truth(old: Doc, first: int, last: int, new: Doc, new_starts: list[int]) -> Truth:
    """Ground truth for a highlight over the original tokens ``first..last`` (inclusive).

    Surviving tokens are grouped while they stay in their original order and no more than 40
    inserted tokens apart (a moved-in paragraph breaks a group; an inserted word or sentence
    inside the quote does not), and each group's span runs from its first surviving word to its
    last, including whatever was inserted in between.
    """
    where = {tok.ident: i for i, tok in enumerate(new.tokens) if tok.ident is not None}
    total = sum(len(old.tokens[i].word) for i in range(first, last + 1))
    kept = sorted((where[i], i) for i in range(first, last + 1) if i in where)
    survived = sum(len(old.tokens[ident].word) for _, ident in kept)
    groups: list[list[tuple[int, int]]] = []
    for pos, ident in kept:
        if groups:
            prev_pos, prev_ident = groups[-1][-1]
            if ident > prev_ident and pos - prev_pos <= (ident - prev_ident) + 40:
                groups[-1].append((pos, ident))
                continue
        groups.append([(pos, ident)])
    spans = []
    chars = []
    for group in groups:
        a, b = group[0][0], group[-1][0]
        spans.append((new_starts[a], new_starts[b] + len(new.tokens[b].word)))
        chars.append(sum(len(new.tokens[pos].word) for pos, _ in group))
    return Truth(survived / total if total else 0.0, spans, chars, first, last)


def precision_recall(gt: Truth, new: Doc, new_starts: list[int], start: int, end: int
                     ) -> tuple[float, float]:
    """How well the span ``start:end`` of the edited text covers the highlight's surviving words.

    Counted in word characters.  Precision: of the words in the span, the share that are
    surviving highlighted words -- words inserted *inside* the highlight (between two of its
    surviving words) count neither way, since a reader would call them part of the passage now.
    Recall: the share of the highlight's largest surviving group that the span covers.
    """
    if not gt.chars:
        return 0.0, 0.0
    hit = other = 0
    i = max(0, bisect.bisect_right(new_starts, start) - 1)
    while i < len(new.tokens) and new_starts[i] < end:
        tok = new.tokens[i]
        overlap = max(0, min(end, new_starts[i] + len(tok.word)) - max(start, new_starts[i]))
        if overlap:
            if tok.ident is not None and gt.first <= tok.ident <= gt.last:
                hit += overlap
            elif not (tok.ident is None and any(a <= new_starts[i] < b for a, b in gt.spans)):
                other += overlap
        i += 1
    precision = hit / (hit + other) if hit + other else 0.0
    return precision, min(1.0, hit / max(gt.chars))


def repeated_phrases(
    tokens: list[Token], sizes: Iterable[int] = (2, 3, 4)
) -> list[tuple[int, int]]:
    """``(first, last)`` token ranges of word n-grams that occur more than once in the text."""
    seen: dict[tuple[str, ...], list[int]] = {}
    words = [t.word for t in tokens]
    for size in sizes:
        for i in range(len(words) - size + 1):
            if any("\n" in tokens[j].ws for j in range(i, i + size - 1)):
                continue
            seen.setdefault(tuple(words[i : i + size]), []).append(i)
    out = []
    for key, starts in seen.items():
        if len(starts) > 1 and sum(len(w) for w in key) >= 6:
            out.extend((s, s + len(key) - 1) for s in starts)
    return out
