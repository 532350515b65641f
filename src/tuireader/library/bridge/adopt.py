"""Highlights-only articles meet their text: when the book or page is added, their highlights
move onto it (re-anchored there, same ids, notes and tags) and the stand-in goes to the trash.

:func:`adopt_highlights` is the one call :meth:`Store.add_article` makes after an article is
stored; it costs a look at the index when the library holds no highlights-only article.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from tuireader.core.bridge import Position
from tuireader.library.bridge.match import (
    HIGHLIGHTS_ONLY,
    LINK_ONLY,
    Texts,
    normalise_quote,
    quotes_found,
    same_work,
)
from tuireader.library.errors import StorageError

if TYPE_CHECKING:
    from tuireader.library.articles import AddResult
    from tuireader.library.store import Store


def adopt_into(store: Store, ho_id: str, target_id: str) -> int:
    """Move the highlights of the highlights-only article ``ho_id`` onto ``target_id``'s text
    (with the review's state of each); the stand-in (its text and any highlight left) goes to
    the trash.  Returns how many moved."""
    # Deferred: the store imports this module, and only a move needs the anchoring engine.
    from tuireader.library.bridge import build
    from tuireader.library.bridge.place import place

    texts = Texts(store)
    source_size = max(1, len(texts.get(ho_id).plain))
    text = texts.get(target_id)
    seen = build.Seen(store.highlights(target_id))
    moving = []
    for h in store.highlights(ho_id):
        if seen.duplicate(h.exact, h.origin_location):
            continue
        placed = place(text, h.exact, Position(fraction=h.start / source_size), [])
        moving.append(build.moved(h, target_id, text, placed))
    store.save_highlights(moving)
    moved_ids = {h.id for h in moving}
    for record in store.review.files.records(ho_id).values():  # their review state with them
        if record.id in moved_ids:
            store.review.files.put(dataclasses.replace(record, article_id=target_id))
    stand_in, target = store.get_article(ho_id), store.get_article(target_id)
    if stand_in is not None and target is not None:
        changed = False
        for tag in stand_in.tags:
            if tag not in target.tags:
                target.tags.append(tag)
                changed = True
        if stand_in.note and stand_in.note not in target.note:
            target.note = f"{target.note}\n\n{stand_in.note}".strip()
            changed = True
        if changed:
            store.update_article(target)
    store.remove_article(ho_id)
    return len(moving)


def adopt_highlights(store: Store, result: AddResult) -> None:
    """After ``result``'s article was stored: the highlights-only articles of the same work
    (same identifier; same title and author with some of their quotes in its text; or most of
    their quotes in its text) move onto it.  A failure is a warning: the highlights stay
    where they were."""
    article = result.article
    if article.kind in (HIGHLIGHTS_ONLY, LINK_ONLY):
        return
    stand_ins = [r for r in store.articles.records() if r.get("kind") == HIGHLIGHTS_ONLY]
    if not stand_ins:
        return
    idents = {i.casefold() for i in article.identifiers}
    texts = Texts(store)
    for r in stand_ins:
        ho_id = str(r.get("id"))
        same_id = bool(idents & {str(i).casefold() for i in r.get("identifiers") or ()})
        titled = same_work(str(r.get("title") or ""), str(r.get("author") or ""),
                           article.title, article.author)
        try:
            if not same_id:
                # By title: some of its quotes must be in the text; by the quotes alone (a book
                # added from "moby-dick.txt"): most of a sample, and at least two.  Raw records,
                # a sample of them: this runs for every article added.
                records = [r for r in store.shards.view(ho_id).records
                           if r.get("anchor") != "orphan"]
                picked = records[:24] if titled else records[:: max(1, len(records) // 8)][:8]
                sample = [q for q in (normalise_quote(str(r.get("exact") or ""))
                                      for r in picked) if len(q) >= 20]
                found = quotes_found(texts.get(article.id), sample) if sample else 0
                if titled and sample and not found:
                    continue
                if not titled and (found < 2 or found * 2 < len(sample)):
                    continue
            adopt_into(store, ho_id, article.id)
        except (StorageError, OSError) as exc:
            store.warnings.append(f"the imported highlights of {r.get('title')!s} stay on "
                                  f"their highlights-only article: {exc}")
