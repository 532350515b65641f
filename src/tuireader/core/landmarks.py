"""Carrying a position through an edit of the text: where offset ``pos`` of the old text is
in the new one, from landmarks (short stretches of the old text near ``pos`` found once in
each).

Kept apart from :mod:`tuireader.core.anchoring`: it knows nothing of highlights, only of two
texts and an offset, and re-anchoring asks it first, when the old text is at hand (a
re-import).
"""

from __future__ import annotations

#: Landmark windows: this many characters of the old text, taken this far from the highlight.
LANDMARK_CHARS = 32
LANDMARK_OFFSETS = (0, 48, 120, 250, 500, 1_000, 2_000, 4_000)
#: How many of the nearest landmarks found are combined (their median shift).
LANDMARKS_USED = 3


def map_position(old_text: str, new_text: str, pos: int) -> tuple[int, int] | None:
    """Where offset ``pos`` of ``old_text`` is in ``new_text``, estimated from landmarks: short
    stretches of the old text near ``pos`` that occur exactly once, in the old text and in the
    region of the new text where they can be.  ``(position, tolerance)``: how far off the
    estimate may be (edits between the landmarks and ``pos`` shift them differently; wider when
    the landmarks disagree); None when no landmark survived.

    This is what tells two identical copies of a passage apart when only position can (a
    recipe's "1 tsp. nut butter" on every day, a repeated pull quote): edits before the
    highlight shift it, and the copy at the *shifted* position is the reader's.  A landmark
    inside the highlighted paragraph moves with it, so a moved paragraph is followed too.
    Cost: a few bounded ``str.find`` calls.
    """
    if not old_text or not new_text:
        return None
    approx = round(pos * len(new_text) / len(old_text))
    reach = 5_000 + len(new_text) // 20
    lo, hi = max(0, approx - reach), min(len(new_text), approx + reach)
    old_lo, old_hi = max(0, pos - reach), min(len(old_text), pos + reach)
    # Landmarks in the highlight's own paragraph move with it (a moved paragraph); the others
    # only say where the paragraph was.  So the paragraph's own are used when there are any.
    par_start = old_text.rfind("\n\n", 0, pos)
    par_start = 0 if par_start == -1 else par_start + 2
    par_end = old_text.find("\n\n", pos)
    par_end = len(old_text) if par_end == -1 else par_end
    inside: list[tuple[int, int]] = []  # (offset, shift)
    outside: list[tuple[int, int]] = []
    sides: dict[bool, int] = {}  # the nearest outside landmark's shift, before / after pos
    for offset in LANDMARK_OFFSETS:
        for start in (pos - offset - LANDMARK_CHARS, pos + offset):
            if start < 0 or start + LANDMARK_CHARS > len(old_text):
                continue
            window = old_text[start : start + LANDMARK_CHARS]
            if len(window.split()) < 3:
                continue  # blank or one long token: not a landmark
            if old_text.find(window, old_lo, old_hi) != start or old_text.find(
                window, start + 1, old_hi
            ) != -1:
                continue  # repeated in the old text: it cannot say which copy
            at = new_text.find(window, lo, hi)
            if at == -1 or new_text.find(window, at + 1, hi) != -1:
                continue
            own = par_start <= start and start + LANDMARK_CHARS <= par_end
            (inside if own else outside).append((offset, at - start))
            if not own:
                sides.setdefault(start < pos, at - start)
        if len(inside) >= LANDMARKS_USED:
            break
    found = inside or outside
    if not found:
        return None
    chosen = found[:LANDMARKS_USED]
    farthest = chosen[-1][0]
    used = sorted(shift for _offset, shift in chosen)
    median = used[len(used) // 2]
    tolerance = 40 + farthest // 4
    agreeing = sum(1 for shift in used if abs(shift - median) <= tolerance)
    if agreeing < 2 and len(used) > 1:  # they disagree (edits between them): a wide bound
        tolerance += used[-1] - used[0]
    if not inside and len(sides) == 2 and abs(sides[True] - sides[False]) > tolerance:
        # Only the neighbours' landmarks, and the two sides moved apart (a paragraph moved
        # away, or in, at one of its edges): the paragraph may have gone with either side, and
        # more landmarks on one side do not make that side likelier.  A bound covering both.
        tolerance += abs(sides[True] - sides[False])
    return max(0, min(len(new_text), pos + median)), tolerance
