"""Which copy of a repeated quote a placement belongs to, when the old text is at hand.

A quote that occurs several times in the old text (a recipe's "1 tsp. nut butter" on every day,
a pull quote, a phrase said twice) is placed by :mod:`tuireader.core.anchoring` on the new
copy whose context fits best, position breaking ties.  That is right while the reader's copy is
still there; when it was edited or deleted, the best remaining copy is *another* copy of the
words: the context fits it just as well (the copies share it) and nothing says it is not ours.

The old text says it: every old copy is a rival explanation of the placement.  The placement is
the reader's only if the reader's copy explains it better than every other old copy -- by its
context, or, with contexts alike, by its position (the placement carried back into the old
text, through the shift the landmarks measured).  When another copy explains it about as well,
the words found are more likely that copy's, and the highlight is left for the reader (orphan)
rather than moved onto them.

Kept apart from :mod:`tuireader.core.anchoring`, which finds a placement; this module only
judges one, given both texts.  Cost: one bounded ``str.find`` scan of the old text and two
context comparisons per nearby copy.
"""

from __future__ import annotations

from tuireader.core import align
from tuireader.core.model import CONTEXT_CHARS

#: Another copy's context this close to the reader's (0..1, mean of both sides) fits the
#: placement "about as well": the contexts cannot tell the two apart.
CONTEXT_MARGIN = 0.05
#: Another copy's context this much better fits the placement (0..1) explains it wherever
#: that copy was: a paragraph moved, and the reader's copy is gone or edited.
CLEARLY_BETTER = 0.2
#: Old copies compared with the reader's, the nearest to the placement (carried back) first.
MAX_RIVAL_COPIES = 24
#: How far from the placement (carried back) old copies are looked for, in characters: in an
#: article all of them, in a book those of the nearby chapters (a paragraph moves within its
#: chapter).
COPIES_REACH = 50_000


def _side(found: str, stored: str) -> float:
    if found == stored:
        return 1.0
    if not found or not stored:
        return 0.5
    return align.similarity(found, stored)


def _fit(new_text: str, start: int, end: int, old_text: str, at: int, length: int) -> float:
    """0..1: how well the context of ``new_text[start:end]`` matches that of the old copy at
    ``at`` (``length`` characters long)."""
    before = _side(new_text[max(0, start - CONTEXT_CHARS) : start],
                   old_text[max(0, at - CONTEXT_CHARS) : at])
    after = _side(new_text[end : end + CONTEXT_CHARS],
                  old_text[at + length : at + length + CONTEXT_CHARS])
    return (before + after) / 2


def _nearest(text: str, quote: str, around: int, far: int) -> list[int]:
    """The :data:`MAX_RIVAL_COPIES` + 1 occurrences of ``quote`` nearest to ``around`` (within
    ``far``), nearest first: a few ``str.find`` calls each way, however common the quote."""
    lo, hi = max(0, around - far), min(len(text), around + far + len(quote))
    found: list[int] = []
    at = text.find(quote, max(lo, around), hi)
    while at != -1 and len(found) <= MAX_RIVAL_COPIES:
        found.append(at)
        at = text.find(quote, at + 1, hi)
    end = min(hi, around + len(quote) - 1)  # occurrences starting before ``around``
    at = text.rfind(quote, lo, end)
    while at != -1 and len(found) <= 2 * MAX_RIVAL_COPIES + 1:
        found.append(at)
        at = text.rfind(quote, lo, at + len(quote) - 1)
    found.sort(key=lambda p: abs(p - around))
    return found[: MAX_RIVAL_COPIES + 1]


def claimed_by_another_copy(old_text: str, old_start: int, quote: str, new_text: str,
                            start: int, end: int, back: int, tolerance: int) -> bool:
    """Whether the placement ``new_text[start:end]`` of the quote that was at ``old_start`` in
    ``old_text`` is as well explained by another old copy of the quote.

    ``back``: the placement carried back into the old text (its start minus the shift the
    landmarks measured, or scaled by the texts' lengths without them); ``tolerance``: how far
    that may be off.  Another copy explains the placement as well when its context fits the
    placement about as well as the reader's copy's does and it is not clearly farther from
    ``back`` (no farther than the reader's copy, or within ``tolerance``), or when its context
    fits far better, wherever it was (its paragraph moved).
    """
    n = len(quote)
    # A copy is a likely origin of the placement when it is within the tolerance of ``back``,
    # or no farther from it than the reader's copy is.
    reach = max(abs(back - old_start), tolerance)
    copies = [at for at in _nearest(old_text, quote, back, max(reach, COPIES_REACH))
              if at != old_start]
    ours = _fit(new_text, start, end, old_text, old_start, n)
    for at in copies:
        fit = _fit(new_text, start, end, old_text, at, n)
        if fit >= ours + CLEARLY_BETTER:
            return True  # its context fits far better: that copy, wherever it moved to
        if fit >= ours - CONTEXT_MARGIN and abs(at - back) <= reach:
            return True
    return False
