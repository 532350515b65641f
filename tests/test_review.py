"""The daily review's library side: the weighted draw, discard / master / undo, FSRS scheduling,
the stats line, and the state surviving a restart and kill -9."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from fsrs import Card, Rating, Scheduler

from tuireader.core.document import parse_markdown
from tuireader.core.model import Highlight, make_highlight
from tuireader.importers.base import ImportedArticle
from tuireader.library.review import cloze
from tuireader.library.store import Store

NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.timezone.utc)

SENTENCES = [f"Sentence number {i} says something worth keeping about topic {i}." for i in
             range(12)]


def _add(store: Store, title: str, tags: list[str] | None = None) -> tuple[str, str]:
    body = " ".join(SENTENCES) + f" The title is {title}.\n\nShort bit."
    article = store.add_article(ImportedArticle(title=title, markdown=body,
                                                source=f"https://x.example/{title}"),
                                tags=tags or []).article
    return article.id, parse_markdown(body).plain_text


def _highlight(store: Store, aid: str, text: str, i: int, *, tags: list[str] | None = None,
               created: str = "2026-01-01T00:00:00+00:00") -> Highlight:
    start = text.index(SENTENCES[i])
    h = make_highlight(aid, text, start, start + len(SENTENCES[i]))
    h.tags = tags or []
    h.created = created
    store.add_highlight(h)
    return h


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def store(tmp_path: Path):
    store = Store(tmp_path / "lib")
    store.review.clock = Clock(NOW)
    yield store
    store.close()


def test_seeded_draw_follows_the_weights(store: Store) -> None:
    a, text_a = _add(store, "many")
    b, text_b = _add(store, "few")
    for i in range(4):
        _highlight(store, a, text_a, i)
    _highlight(store, b, text_b, 0, tags=["rare"])
    _highlight(store, b, text_b, 1)
    store.review.set_article_frequency(b, "more")
    store.review.set_tag_frequency("rare", "less")
    weights = store.review.weights()
    assert len(weights) == 6
    total = sum(weights.values())
    draws = 3000
    seen = Counter(store.review.plan(1, seed=seed)[0].highlight.id for seed in range(draws))
    for hid, w in weights.items():
        assert abs(seen[hid] / draws - w / total) < 0.03, (hid, seen[hid] / draws, w / total)
    # The article with more highlights weighs more in all, though less per highlight; "more"
    # and "less" change the weights.
    assert store.review.plan(3, seed=5) == store.review.plan(3, seed=5)


def test_weights_grow_with_highlights_and_drop_after_showing(store: Store) -> None:
    a, text_a = _add(store, "many")
    b, text_b = _add(store, "few")
    many = [_highlight(store, a, text_a, i) for i in range(8)]
    _highlight(store, b, text_b, 0)
    w = store.review.weights()
    assert sum(w[h.id] for h in many) > max(w.values())  # the article's total grows
    before = w[many[0].id]
    store.review.keep(many[0])
    after = store.review.weights()[many[0].id]
    assert after < before / 20  # a sharp drop after a showing
    store.review.clock = Clock(NOW + dt.timedelta(days=40))
    assert store.review.weights()[many[0].id] > after * 10  # and it recovers


def test_recent_highlights_weigh_more(store: Store) -> None:
    a, text = _add(store, "one")
    old = _highlight(store, a, text, 0, created="2025-01-01T00:00:00+00:00")
    new = _highlight(store, a, text, 1, created=NOW.isoformat())
    w = store.review.weights()
    assert w[new.id] > 1.5 * w[old.id]


def test_short_fragments_never_tags_and_frequencies_filter(store: Store) -> None:
    a, text = _add(store, "one", tags=["work"])
    kept = _highlight(store, a, text, 0)
    hidden = _highlight(store, a, text, 1, tags=["private"])
    start = text.index("Short bit")
    short = make_highlight(a, text, start, start + 9)
    store.add_highlight(short)
    assert set(store.review.weights()) == {kept.id, hidden.id}
    store.review.set_tag_frequency("private", "never")
    assert set(store.review.weights()) == {kept.id}
    assert set(store.review.weights(tag="private")) == set()
    store.review.set_tag_frequency("work", "never")  # an article tag
    assert store.review.weights() == {}
    store.review.set_tag_frequency("work", "normal")
    store.review.set_article_frequency(a, "never")
    assert store.review.weights() == {}
    with pytest.raises(ValueError):
        store.review.set_article_frequency(a, "sometimes")


def test_tag_and_article_sessions(store: Store) -> None:
    a, text_a = _add(store, "one")
    b, text_b = _add(store, "two")
    tagged = _highlight(store, a, text_a, 0, tags=["idea"])
    _highlight(store, a, text_a, 1)
    other = _highlight(store, b, text_b, 0)
    assert [i.highlight.id for i in store.review.plan(10, seed=1, tag="idea")] == [tagged.id]
    assert [i.highlight.id for i in store.review.plan(10, seed=1, article_id=b)] == [other.id]
    assert len(store.review.plan(10, seed=1)) == 3


def test_discard_and_undo(store: Store) -> None:
    a, text = _add(store, "one")
    h = _highlight(store, a, text, 0)
    before = store.review.discard(h)
    assert before is None
    assert h.id not in store.review.weights()
    assert store.review.plan(10, seed=1) == []
    store.review.restore(h, before)
    assert h.id in store.review.weights()
    # Undo of a keep puts the earlier record back, not nothing.
    store.review.keep(h)
    first = store.review.state(h)
    again = store.review.keep(h)
    assert store.review.state(h).times_shown == 2  # type: ignore[union-attr]
    store.review.restore(h, again)
    assert store.review.state(h) == first


def test_master_schedules_with_fsrs_and_due_cards_come_first(store: Store) -> None:
    a, text = _add(store, "one")
    card_h = _highlight(store, a, text, 0)
    plain = _highlight(store, a, text, 1)
    store.review.master(card_h)
    record = store.review.state(card_h)
    assert record is not None and record.card is not None
    # The same due date FSRS gives a new card rated good now (no learning steps, no fuzz).
    expected, _ = Scheduler(learning_steps=(), enable_fuzzing=False
                            ).review_card(Card(), Rating.Good, review_datetime=NOW)
    due = dt.datetime.fromisoformat(record.card["due"])
    assert due == expected.due and due > NOW + dt.timedelta(days=1)
    # Not due yet: not in the draw, not due.
    assert [i.highlight.id for i in store.review.plan(10, seed=1)] == [plain.id]
    assert store.review.due() == []
    # Once due it comes first, as a card.
    store.review.clock = Clock(due + dt.timedelta(hours=1))
    session = store.review.plan(10, seed=1)
    assert [(i.highlight.id, i.due) for i in session] == [(card_h.id, True), (plain.id, False)]
    # Good pushes it further than the first interval; again brings it back within a day.
    store.review.rate(card_h, Rating.Good)
    after_good = dt.datetime.fromisoformat(store.review.state(card_h).card["due"])  # type: ignore[union-attr,index]
    assert after_good - (due + dt.timedelta(hours=1)) > due - NOW
    undo = store.review.clock()
    store.review.clock = Clock(after_good)
    before = store.review.rate(card_h, Rating.Again)
    after_again = dt.datetime.fromisoformat(store.review.state(card_h).card["due"])  # type: ignore[union-attr,index]
    assert after_again == after_good + dt.timedelta(hours=12)
    assert store.review.state(card_h).ratings == 2  # type: ignore[union-attr]
    store.review.restore(card_h, before)
    assert dt.datetime.fromisoformat(store.review.state(card_h).card["due"]) == after_good  # type: ignore[union-attr,index]
    assert undo < after_good


def test_rate_needs_a_card(store: Store) -> None:
    a, text = _add(store, "one")
    h = _highlight(store, a, text, 0)
    with pytest.raises(ValueError, match="not a card"):
        store.review.rate(h, Rating.Good)


def test_stats_streak_today_due(store: Store) -> None:
    a, text = _add(store, "one")
    hs = [_highlight(store, a, text, i) for i in range(3)]
    clock = store.review.clock
    assert isinstance(clock, Clock)
    for days_ago in (2, 1):
        clock.now = NOW - dt.timedelta(days=days_ago)
        store.review.keep(hs[0])
    clock.now = NOW
    stats = store.review.stats()
    assert (stats.streak, stats.today) == (2, 0)  # today not reviewed yet: not broken
    store.review.keep(hs[1])
    store.review.master(hs[2])
    stats = store.review.stats()
    assert (stats.streak, stats.today, stats.due, stats.cards) == (3, 2, 0, 1)
    assert stats.line() == "streak 3 days · 2 reviewed today · 0 due · 1 cards"
    clock.now = NOW + dt.timedelta(days=60)
    assert store.review.stats().due == 1
    assert store.review.stats().streak == 0


def test_context_is_the_surrounding_sentence(store: Store) -> None:
    a, text = _add(store, "one")
    start = text.index("worth keeping about topic 3")
    h = make_highlight(a, text, start, start + len("worth keeping"))
    store.add_highlight(h)
    assert store.review.context(h) == ("Sentence number 3 says something ",
                                       " about topic 3.")


def test_cloze_hides_the_long_words_the_same_way_each_time() -> None:
    shown, hidden = cloze("The quick brown foxes jumped over extraordinary fences", "abc")
    assert "extraordinary" in hidden and "extraordinary" not in shown
    assert "_____" in shown
    assert cloze("The quick brown foxes jumped over extraordinary fences", "abc") == (
        shown, hidden)
    assert cloze("a b c", "x") == ("a b c", [])


def test_state_survives_restart(tmp_path: Path) -> None:
    with Store(tmp_path / "lib") as store:
        store.review.clock = Clock(NOW)
        a, text = _add(store, "one")
        h = _highlight(store, a, text, 0)
        gone = _highlight(store, a, text, 1)
        store.review.master(h)
        store.review.discard(gone)
        store.review.set_tag_frequency("x", "more")
    assert (tmp_path / "lib" / "review" / f"{a}.json").exists()
    with Store(tmp_path / "lib") as store:
        store.review.clock = Clock(NOW)
        assert store.review.state(h).card is not None  # type: ignore[union-attr]
        assert store.review.state(gone).discarded  # type: ignore[union-attr]
        assert store.review.files.tag_frequencies() == {"x": "more"}


def test_read_only_library_refuses_review_writes(tmp_path: Path) -> None:
    with Store(tmp_path / "lib") as store:
        a, text = _add(store, "one")
        h = _highlight(store, a, text, 0)
        store.review.keep(h)
    with Store(tmp_path / "lib", read_only=True) as store:
        assert store.review.state(h) is not None
        with pytest.raises(Exception, match="read-only"):
            store.review.keep(h)


CHILD_RATE = """
import sys, datetime as dt
from fsrs import Rating
from tuireader.library.store import Store

store = Store(sys.argv[1])
assert not store.read_only, store.warnings
highlights = store.all_highlights()
print("READY", flush=True)
n = int(sys.argv[2])
while True:
    n += 1
    h = highlights[n % len(highlights)]
    store.review.clock = lambda: dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc) + \\
        dt.timedelta(days=n)
    if store.review.state(h) is None or store.review.state(h).card is None:
        store.review.master(h)
    else:
        store.review.rate(h, Rating.Good)
    print("R", h.id, n, flush=True)
"""


def test_kill_9_loses_no_acknowledged_rating(tmp_path: Path) -> None:
    library = tmp_path / "lib"
    with Store(library) as store:
        a, text = _add(store, "one")
        for i in range(4):
            _highlight(store, a, text, i)
    last: dict[str, int] = {}
    for round_no in range(6):
        child = subprocess.Popen([sys.executable, "-c", CHILD_RATE, str(library),
                                  str(round_no * 1000)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert child.stdout is not None and child.stderr is not None
            first = child.stdout.readline()
            assert first.strip() == "READY", first + child.stderr.read()
            acked = [child.stdout.readline() for _ in range(3 + round_no)]
            child.send_signal(signal.SIGKILL)
            out = "".join(acked) + child.stdout.read()
            child.wait(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        assert child.returncode == -signal.SIGKILL
        for line in out.splitlines(keepends=True):
            if line.endswith("\n") and line.startswith("R "):
                _, hid, n = line.split()
                last[hid] = int(n)
    with Store(library) as store:
        assert not [w for w in store.warnings if "unreadable" in w], store.warnings
        for h in store.all_highlights():
            if h.id not in last:
                continue
            record = store.review.state(h)
            assert record is not None and record.card is not None
            reviewed = dt.datetime.fromisoformat(record.card["last_review"])
            acked_day = dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc) + dt.timedelta(
                days=last[h.id])
            assert reviewed >= acked_day, "an acknowledged rating was lost"
    assert not [p for p in library.rglob("*") if ".tmp-" in p.name]


def test_cards_of_deleted_highlights_and_removed_articles_are_not_counted(store: Store) -> None:
    a, text_a = _add(store, "one")
    b, text_b = _add(store, "two")
    gone = _highlight(store, a, text_a, 0)
    removed = _highlight(store, b, text_b, 0)
    store.review.master(gone)
    store.review.master(removed)
    assert store.review.stats().cards == 2
    store.delete_highlight(gone)
    store.remove_article(b)
    store.review.clock = Clock(NOW + dt.timedelta(days=60))
    assert store.review.due() == []
    assert (store.review.stats().cards, store.review.stats().due) == (0, 0)
    assert store.review.plan(10, seed=1) == []


def test_w3c_json_export_carries_the_review_state(store: Store) -> None:
    from importlib import resources

    import jsonschema

    from tuireader.export import export_combined

    a, text = _add(store, "one")
    card = _highlight(store, a, text, 0)
    kept = _highlight(store, a, text, 1)
    never = _highlight(store, a, text, 2)
    store.review.master(card)
    store.review.keep(kept)
    data = json.loads(export_combined(store, fmt="json"))
    schema = json.loads((resources.files("tuireader") / "schemas" /
                         "web-annotation.schema.json").read_text("utf-8"))
    jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)
    by_id = {item["tuireader:highlight"]["id"]: item for item in data["first"]["items"]}
    assert by_id[kept.id]["tuireader:review"] == {
        "last_shown": NOW.isoformat(), "times_shown": 1, "discarded": False}
    assert by_id[card.id]["tuireader:review"]["due"] == store.review.state(card).card["due"]  # type: ignore[union-attr,index]
    assert "tuireader:review" not in by_id[never.id]
