"""The review screen under Pilot: R opens it, each key does what the README says, every change
reaches the store through the writer, undo steps back, user text is never markup."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from app_support import Notifications, make_config, wait_for
from tuireader.app import TuiReaderApp, make_app
from tuireader.core.document import parse_markdown
from tuireader.core.model import Highlight, make_highlight
from tuireader.importers.base import ImportedArticle
from tuireader.library.store import Store
from tuireader.screens.review import ReviewScreen

NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.timezone.utc)
SENTENCES = [
    "The first idea is that attention is the scarcest thing a reader owns.",
    "The second idea says that notes written in your own words last longer.",
    "A third idea: [bold]markup-looking[/bold] text must stay exactly as typed.",
]


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def build(path: Path) -> tuple[Store, list[Highlight]]:
    store = Store(path)
    store.review.clock = Clock(NOW)
    body = " ".join(SENTENCES) + "\n\nA closing paragraph that nobody highlights at all."
    article = store.add_article(ImportedArticle(title="Ideas [i]worth[/i] keeping",
                                                markdown=body,
                                                source="https://ideas.example/a")).article
    text = parse_markdown(body).plain_text
    highlights = []
    for sentence in SENTENCES:
        start = text.index(sentence)
        h = make_highlight(article.id, text, start, start + len(sentence))
        h.created = "2026-01-01T00:00:00+00:00"
        store.add_highlight(h)
        highlights.append(h)
    return store, highlights


@pytest.fixture
def library(tmp_path: Path):
    store, highlights = build(tmp_path / "lib")
    yield store, highlights
    store.close()


def card_text(app: TuiReaderApp) -> str:
    return str(app.screen.query_one("#review-card").render())


async def settle(pilot) -> None:
    await pilot.pause()
    await asyncio.to_thread(pilot.app.writer.wait_idle, 10)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_review(pilot) -> ReviewScreen:
    await pilot.press("R")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReviewScreen)
                   and pilot.app.screen.index >= 0, what="the review session")
    screen = pilot.app.screen
    assert isinstance(screen, ReviewScreen)
    return screen


def current(screen: ReviewScreen) -> Highlight:
    assert screen.card is not None
    return screen.card.item.highlight


async def test_keep_discard_undo_through_the_writer(library) -> None:
    store, _highlights = library
    app = make_app(store, make_config())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(pilot)
        assert len(screen.cards) == 3
        first = current(screen)
        assert first.exact in card_text(app)
        assert "Ideas [i]worth[/i] keeping" in card_text(app)  # the title, not markup
        await pilot.press("enter")
        second = current(screen)
        await pilot.press("d")
        await settle(pilot)
        assert store.review.state(first).times_shown == 1  # type: ignore[union-attr]
        assert store.review.state(second).discarded  # type: ignore[union-attr]
        assert screen.index == 2
        await pilot.press("u")
        await settle(pilot)
        assert store.review.state(second) is None  # undone: as it was
        assert screen.index == 1 and current(screen).id == second.id
        await pilot.press("u")
        await settle(pilot)
        assert store.review.state(first) is None and screen.index == 0


async def test_favourite_is_a_tag_and_undoable(library) -> None:
    store, _ = library
    app = make_app(store, make_config())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(pilot)
        h = current(screen)
        await pilot.press("f")
        await settle(pilot)
        assert "favorite" in store.get_highlight(h.id).tags  # type: ignore[union-attr]
        assert "★ favourite" in card_text(app)
        await pilot.press("u")
        await settle(pilot)
        assert "favorite" not in store.get_highlight(h.id).tags  # type: ignore[union-attr]


async def test_colour_keys_and_markup_like_text(library) -> None:
    store, highlights = library
    app = make_app(store, make_config())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(pilot)
        while current(screen).id != highlights[2].id:
            await pilot.press("enter")
        assert "[bold]markup-looking[/bold]" in card_text(app)
        await pilot.press("2")
        await settle(pilot)
        assert store.get_highlight(highlights[2].id).kind == 2  # type: ignore[union-attr]
        assert "green" in card_text(app)


async def test_master_then_recall_as_a_cloze_and_rate(library) -> None:
    store, _highlights = library
    app = make_app(store, make_config())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(pilot)
        h = current(screen)
        await pilot.press("m")
        await settle(pilot)
        record = store.review.state(h)
        assert record is not None and record.card is not None
        first_due = dt.datetime.fromisoformat(record.card["due"])
    # Days later the card is due: it comes first, asked as a cloze.
    store.review.clock = Clock(first_due + dt.timedelta(hours=1))
    app = make_app(store, make_config())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(pilot)
        assert screen.card is not None and screen.card.item.due
        assert current(screen).id == h.id
        assert h.exact not in card_text(app) and "_____" in card_text(app)
        await pilot.press("3")  # not revealed yet: 3 is no rating (it colours)
        await settle(pilot)
        assert store.review.state(h).ratings == 0  # type: ignore[union-attr]
        await pilot.press("space")
        assert h.exact in card_text(app) and "good" in card_text(app)
        await pilot.press("3")
        await settle(pilot)
        record = store.review.state(h)
        assert record is not None and record.ratings == 1
        assert dt.datetime.fromisoformat(record.card["due"]) > first_due + dt.timedelta(days=2)  # type: ignore[index]
        assert screen.index == 1


async def test_open_the_article_and_come_back(library) -> None:
    store, _ = library
    app = make_app(store, make_config())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(pilot)
        h = current(screen)
        await pilot.press("o")
        await wait_for(pilot, lambda: screen.query_one("#review-reader").display
                       and screen.query_one("#review-reader").document is not None,
                       what="the article")
        assert screen.reading
        await pilot.press("enter")  # not "keep" while reading
        await pilot.press("escape")
        await settle(pilot)
        assert not screen.reading and current(screen).id == h.id
        assert store.review.state(h) is None
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ReviewScreen)


async def test_session_end_shows_the_stats_line(library) -> None:
    store, _ = library
    app = make_app(store, make_config())
    async with app.run_test(size=(120, 40)) as pilot:
        await open_review(pilot)
        await pilot.press("enter", "enter", "enter")
        await settle(pilot)
        text = card_text(app)
        assert "Session done: 3 of 3 reviewed." in text
        assert "3 reviewed today" in text and "streak 1 day" in text


async def test_read_only_library_says_so(tmp_path: Path) -> None:
    store, _ = build(tmp_path / "lib")
    store.close()
    with Store(tmp_path / "lib", read_only=True) as ro:
        app = make_app(ro, make_config())
        notes = Notifications()
        async with app.run_test(size=(120, 40), message_hook=notes) as pilot:
            screen = await open_review(pilot)
            await pilot.press("enter")
            await pilot.pause()
            assert screen.index == 0
            assert any("read-only" in m for m in notes.messages)
