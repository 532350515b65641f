"""Unit tests of the sentence splitter and word spans used by sentence/word focus."""

from __future__ import annotations

from itertools import pairwise

import pytest

from tuireader.core.sentences import sentence_spans, word_spans


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Titles never end a sentence.
        ("Dr. Smith arrived. Mrs. Jones left.", ["Dr. Smith arrived.", "Mrs. Jones left."]),
        ("We met Prof. Ada Lovelace and St. John.", ["We met Prof. Ada Lovelace and St. John."]),
        # Decimals and money: no space after the dot.
        ("Pi is 3.14 today. It costs $3.50 now.", ["Pi is 3.14 today.", "It costs $3.50 now."]),
        # Initialisms before a lower-case word, or a capitalised name, stay inside.
        ("U.S. officials said no. Then they left.", ["U.S. officials said no.", "Then they left."]),
        ("The U.S. Army marched.", ["The U.S. Army marched."]),
        # ... but end the sentence before a typical sentence opener.
        ("He lived in the U.S. The end.", ["He lived in the U.S.", "The end."]),
        ("Apples, pears, etc. The rest is pie.", ["Apples, pears, etc.", "The rest is pie."]),
        # Inner abbreviations.
        ("Use e.g. This One, i.e. a hammer.", ["Use e.g. This One, i.e. a hammer."]),
        ("Cats vs. Dogs is a film.", ["Cats vs. Dogs is a film."]),
        # Number abbreviations before a number; an ordinary number still ends a sentence.
        ("See No. 5 and fig. 2 here.", ["See No. 5 and fig. 2 here."]),
        ("It was Jan. 5. Then it snowed.", ["It was Jan. 5.", "Then it snowed."]),
        ("I counted to 3. Then I stopped.", ["I counted to 3.", "Then I stopped."]),
        # Initials of a name.
        ("J. R. R. Tolkien wrote it. He was slow.", ["J. R. R. Tolkien wrote it.", "He was slow."]),
        # Quotes: the closing quote belongs to the sentence; a lower-case word continues it.
        ('"Yes." he said. "No!" She left.', ['"Yes." he said.', '"No!"', "She left."]),
        ("He said “Go.” Then he went.", ["He said “Go.”", "Then he went."]),
        ("‘Really?’ she asked.", ["‘Really?’ she asked."]),
        # Brackets.
        ("(See below.) Next one. [Done.] End", ["(See below.)", "Next one.", "[Done.]", "End"]),
        # Ellipses: inside before lower case, an end before a capital.
        ("Wait... what? He paused… Then left.", ["Wait... what?", "He paused…", "Then left."]),
        # Several marks.
        ("What?! Really?? Yes!", ["What?!", "Really??", "Yes!"]),
        # A line break counts as a space; surrounding spaces are trimmed.
        ("  One.\nTwo.  ", ["One.", "Two."]),
        # No final punctuation.
        ("An unfinished thought", ["An unfinished thought"]),
        # Non-Latin scripts: full-width marks end a sentence without a space; uncased starts.
        ("日本語です。次の文です。", ["日本語です。", "次の文です。"]),
        ("Это первое. Это второе.", ["Это первое.", "Это второе."]),
        ("Ça va. Élan vital.", ["Ça va.", "Élan vital."]),
    ],
)
def test_sentence_spans(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_empty_and_blank() -> None:
    assert sentence_spans("") == []
    assert sentence_spans("   \n ") == []


def test_spans_are_trimmed_ordered_and_cover_all_words() -> None:
    text = 'Mr. Smith went home. "Really?" she asked. It was 3 p.m. Fine! e.g. this... And that.'
    spans = sentence_spans(text)
    assert all(a < b for a, b in spans)
    assert all(b1 <= a2 for (_, b1), (a2, _) in pairwise(spans))
    for a, b in spans:
        assert text[a:b] == text[a:b].strip()
    # Every non-space character belongs to a sentence.
    inside = {i for a, b in spans for i in range(a, b)}
    assert all(i in inside for i, c in enumerate(text) if not c.isspace())


def test_a_long_paragraph_splits_like_its_parts() -> None:
    """Abbreviations, initials and numbers stay inside sentences however long the block (how
    fast this runs on a block, once per focus move, is measured in ``bench/core.py``)."""
    unit = "Dr. Watson met U.S. officials at 3.14 p.m. on Jan. 5. “Yes.” he said. "
    paragraph = unit * 60
    assert sentences(paragraph) == sentences(unit) * 60
    assert sentences(unit) == ["Dr. Watson met U.S. officials at 3.14 p.m. on Jan. 5.",
                               "“Yes.” he said."]


def test_word_spans() -> None:
    phrase = "It's a well-known fact: pi is 3.14, the U.S. said — “quoted” words."
    words = [phrase[a:b] for a, b in word_spans(phrase)]
    assert words == [
        "It's", "a", "well-known", "fact", "pi", "is", "3.14", "the", "U.S", "said",
        "quoted", "words",
    ]  # fmt: skip
