"""A removed article takes its review state to the trash with it, and gets it back when the
trash folder is brought back (an edit made elsewhere after the removal); a highlights-only
stand-in's review state moves with its highlights onto the real text."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from tuireader.core.bridge import ForeignExport, ForeignHighlight, ForeignWork, Position
from tuireader.core.document import parse_markdown
from tuireader.core.model import ImportedArticle, make_highlight
from tuireader.library.bridge.apply import apply_plan, plan_import
from tuireader.library.store import Store

NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.timezone.utc)
BODY = ("The first sentence is long enough to be reviewed every day. The second one says "
        "something else entirely, and is kept too.\n")


def _reviewed(store: Store, title: str, when: dt.datetime = NOW) -> tuple[str, str]:
    """An article with one highlight, mastered (an FSRS card) and shown twice; (ids)."""
    body = f"{BODY}\nThis one is called {title}.\n"
    article = store.add_article(ImportedArticle(title=title, markdown=body,
                                                source=f"/notes/{title}.md")).article
    text = parse_markdown(body).plain_text
    h = make_highlight(article.id, text, 0, text.index(".") + 1)
    store.add_highlight(h)
    store.review.clock = lambda: when
    store.review.keep(h)
    store.review.master(h)  # a second save: the file gets a backup too
    return article.id, h.id


def test_removal_takes_the_review_state_to_the_trash(tmp_path: Path) -> None:
    library = tmp_path / "lib"
    with Store(library) as store:
        gone, gone_h = _reviewed(store, "gone")
        kept, _ = _reviewed(store, "kept")
        assert store.review.stats().cards == 2
        streak = store.review.stats().streak
        folder = store.remove_article(gone)
        assert sorted(p.name for p in (library / "review").iterdir()
                      if p.name.startswith(gone)) == []  # the file and its backups went
        assert (folder / "review.json").is_file() and (folder / "review.json.bak1").is_file()
        saved = json.loads((folder / "review.json").read_text("utf-8"))
        assert gone_h in json.dumps(saved)
        assert store.review.stats().cards == 1  # the other article's card is still there
        assert store.review.stats().streak == streak == 1  # the removed one's days count still
        assert kept in [r.article_id for r in store.review.files.all_records()]
        assert all(r.article_id != gone for r in store.review.files.all_records())
    with Store(library) as store:  # and it stays gone after a restart
        assert all(r.article_id != gone for r in store.review.files.all_records())


def test_an_article_brought_back_from_the_trash_has_its_review_state(tmp_path: Path) -> None:
    library = tmp_path / "lib"
    with Store(library) as store:
        aid, hid = _reviewed(store, "back")
        card = store.review.files.get(aid, hid)
        folder = store.remove_article(aid)
    # Another machine edited the article after this one removed it (a sync brought its
    # metadata back, newer than the removal): the edit wins, the trash folder comes back.
    side = json.loads((folder / "article.meta.json").read_text("utf-8"))
    side["title"], side["updated"] = "Edited elsewhere", "2999-01-01T00:00:00+00:00"
    (library / "articles" / f"{aid}.json").write_text(json.dumps(side), "utf-8")
    with Store(library) as store:
        article = store.get_article(aid)
        assert article is not None and article.title == "Edited elsewhere"
        assert [h.id for h in store.highlights(aid)] == [hid]
        back = store.review.files.get(aid, hid)
        assert back is not None and card is not None
        assert (back.card, back.times_shown, back.days) == (card.card, card.times_shown,
                                                            card.days)
        assert store.review.stats().cards == 1


def test_the_review_state_moves_with_adopted_highlights(tmp_path: Path) -> None:
    quote = "The first sentence is long enough to be reviewed every day."
    with Store(tmp_path / "lib") as store:
        apply_plan(store, plan_import(store, ForeignExport("kindle", [ForeignWork(
            title="Notes", author="Someone", highlights=[ForeignHighlight(
                quote=quote, position=Position(fraction=0.1), location="Loc. 1")])])))
        [stand_in] = store.list_articles()
        [h] = store.highlights(stand_in.id)
        store.review.clock = lambda: NOW
        store.review.master(h)
        real = store.add_article(ImportedArticle(title="Notes", author="Someone",
                                                 markdown=BODY, source="/notes/n.md")).article
        assert store.get_article(stand_in.id) is None  # the stand-in went to the trash
        [moved] = store.highlights(real.id)
        assert moved.id == h.id
        record = store.review.files.get(real.id, h.id)
        assert record is not None and record.card is not None and record.article_id == real.id
        assert store.review.stats().cards == 1


def test_removing_an_article_keeps_the_streak(tmp_path: Path) -> None:
    with Store(tmp_path / "lib") as store:
        yesterday, _ = _reviewed(store, "yesterday", NOW - dt.timedelta(days=1))
        _reviewed(store, "today")
        assert store.review.stats().streak == 2
        store.remove_article(yesterday)
        assert store.review.stats().streak == 2  # the day it alone was reviewed counts still
    with Store(tmp_path / "lib") as store:
        store.review.clock = lambda: NOW
        assert store.review.stats().streak == 2


def test_a_removal_made_elsewhere_takes_this_machines_review_file_too(tmp_path: Path) -> None:
    library = tmp_path / "lib"
    with Store(library) as store:
        aid, _ = _reviewed(store, "elsewhere")
    # Another machine removed it after every change made here: its tombstone comes by sync.
    tomb = {"deleted": "2999-01-01T00:00:00+00:00", "device": "0ther0device", "id": aid}
    (library / "articles" / f"{aid}.deleted.json").write_text(json.dumps(tomb), "utf-8")
    with Store(library) as store:
        assert store.get_article(aid) is None
        assert not any(p.name.startswith(aid) for p in (library / "review").iterdir())
        [folder] = [p for p in (library / "trash").iterdir() if p.name.endswith(aid)]
        assert (folder / "review.json").is_file() and (folder / "annotations.json").is_file()
        assert store.review.stats().cards == 0
