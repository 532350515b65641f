"""What the review screen draws: one card, and the end of a session, as ``Content``.

Every piece of user text (title, quote, its sentence, note, tags) goes in as plain ``Content``
made inert first: never markup, never a terminal escape.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.content import Content

from tuireader.core.model import KINDS
from tuireader.core.safety import inert
from tuireader.library.review import FAVORITE_TAG, ReviewItem, cloze

#: How the four ratings are asked for on a revealed card.
RATING_HINT = "1/a again · 2/h hard · 3/g good · 4/e easy"


@dataclass
class Card:
    """One card of the session as the screen holds it: the item, its sentence, and whether a
    due card's hidden words have been revealed."""

    item: ReviewItem
    before: str = ""
    after: str = ""
    revealed: bool = False
    #: What was done with it ("kept", "discarded", "mastered", "rated good" ...), "" if nothing.
    outcome: str = ""
    hidden: list[str] = field(default_factory=list)

    @property
    def asking(self) -> bool:
        """A due card whose words are still hidden."""
        return self.item.due and not self.revealed


def _text(text: str) -> Content:
    return Content(inert(text))


def render_card(card: Card, position: int, total: int) -> Content:
    h = card.item.highlight
    name, glyph = KINDS[h.kind]
    parts: list[Content | str] = [
        _text(card.item.article_title or "(untitled)").stylize("bold"), "\n",
        Content(f"{glyph} {name}").stylize(name),
        Content(f"   card {position} of {total}").stylize("dim"),
    ]
    if card.item.due:
        parts.append(Content("   · due for recall").stylize("bold $accent"))
    if FAVORITE_TAG in h.tags:
        parts.append(Content("   ★ favourite").stylize("bold"))
    parts.append("\n\n")
    if card.asking:
        shown, _hidden = cloze(h.exact, h.id)
        quote = _text(shown).stylize(f"bold {name}")
    else:
        quote = _text(h.exact).stylize(f"bold {name}")
    parts += [_text(card.before.lstrip()).stylize("dim"), quote,
              _text(card.after.rstrip()).stylize("dim"), "\n"]
    if h.note:
        parts += ["\n", Content("Note: ").stylize("bold"), _text(h.note), "\n"]
    if h.tags:
        parts += ["\n", Content("Tags: ").stylize("bold"),
                  _text(" ".join(f"#{t}" for t in h.tags)), "\n"]
    parts.append("\n")
    if card.asking:
        parts.append(Content("Recall the hidden words, then space or enter to reveal.")
                     .stylize("italic"))
    elif card.item.due:
        parts.append(Content(f"How well did you recall it?  {RATING_HINT}").stylize("italic"))
    if card.outcome:
        parts += ["\n", Content(f"({card.outcome})").stylize("dim")]
    return Content.assemble(*parts)


def render_done(cards: list[Card], stats_line: str) -> Content:
    """The end of a session: what was done, the stats line and what next."""
    if not cards:
        head = "Nothing to review: highlight a few passages first (or every one is discarded)."
    else:
        done = sum(1 for c in cards if c.outcome)
        head = f"Session done: {done} of {len(cards)} reviewed."
    return Content.assemble(
        Content(head).stylize("bold"), "\n\n", _text(stats_line), "\n\n",
        Content("r: another session · u: undo the last · escape: close").stylize("dim"),
    )
