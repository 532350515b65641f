"""Where an imported highlight came from, in words (the side panel and the exports say it)."""

from __future__ import annotations

from tuireader.core.model import Highlight

#: What each source is called.
LABELS = {"kindle": "Kindle", "koreader": "KOReader", "readwise": "Readwise",
          "hypothesis": "Hypothesis", "omnivore": "Omnivore", "pocket": "Pocket",
          "instapaper": "Instapaper", "wallabag": "wallabag", "w3c": "W3C annotations"}


def origin_words(highlight: Highlight) -> str:
    """"Kindle, Loc. 145-146, 2020-02-23" for an imported highlight ("KOReader, “Chapter 1”,
    page 12, 2020-02-23" when the source named the chapter); "" for one made here.
    (The date is the source's creation time, which an import keeps as ``created``.)"""
    if not highlight.origin:
        return ""
    parts = [LABELS.get(highlight.origin, highlight.origin)]
    chapter = " ".join(highlight.origin_chapter.split())
    if chapter:
        parts.append(f"“{chapter}”")  # quoted: a title may hold commas of its own
    if highlight.origin_location:
        parts.append(" ".join(highlight.origin_location.split()))
    if highlight.created[:10]:
        parts.append(highlight.created[:10])
    return ", ".join(parts)
