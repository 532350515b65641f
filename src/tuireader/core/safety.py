"""Making untrusted one-line text (titles, sites, tags, notes in lists) safe to show.

Two dangers: markup and terminal control sequences.  Markup is avoided by never parsing: widgets
get :class:`~textual.content.Content` built from plain strings.  Control characters are made
visible and inert here, with the same mapping as the article text (:func:`document.sanitize`):
ESC becomes ``␛``, C1 controls become U+FFFD, so no byte from a title can reach the terminal as a
control sequence.  Line breaks and tabs fold to single spaces: these are one-line labels.
"""

from __future__ import annotations

from tuireader.core.document import sanitize


def inert(text: str) -> str:
    """``text`` as one safe line."""
    return " ".join(sanitize(text).split())


def inert_block(text: str) -> str:
    """``text`` keeping its line breaks (notes), controls made visible."""
    return sanitize(text).replace("\t", "    ")
