"""Daily review: which highlights come back, and what happens when they do.  No Textual.

A session is the due FSRS cards first (mastered highlights whose time has come, oldest due
first), then highlights drawn by weighted random choice without replacement.  A highlight's
weight (:meth:`Review.weights`) is

    its article's share  ×  tag frequency  ×  recency  ×  the drop after a showing

where the article's share is ``(1 + log2(n)) / n`` for an article with ``n`` highlights (so an
article's total grows with its highlights, but slower than they do: one huge book does not crowd
out everything else), times the article's frequency.  Frequencies (never / less / normal / more)
are set per article and per tag; a tag (the highlight's or its article's) set to never removes
the highlight, the others multiply.  Too-short fragments, discarded highlights and mastered
ones not yet due never come.

The draw uses ``random.Random(seed)`` (Efraimidis–Spirakis keys: the first pick of a draw is
exactly proportional to the weights), so a seed gives the same session every time.

Every change saves durably before it returns and hands back the record as it was before, which
:meth:`Review.restore` puts back (undo).  FSRS runs through the ``fsrs`` package's public API:
``m`` makes a card and counts as a first *good* recall; each later rating goes through
``Scheduler.review_card``.
"""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import itertools
import math
import random
import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fsrs import Card, Rating, Scheduler

from tuireader.core.model import Highlight
from tuireader.core.sentences import sentence_spans
from tuireader.library.parse_cache import parsed
from tuireader.library.review_state import DAYS_KEPT, FREQUENCIES, ReviewFiles, ReviewRecord

if TYPE_CHECKING:
    from tuireader.library.store import Store

__all__ = ["FREQUENCIES", "RATINGS", "Review", "ReviewItem", "ReviewRecord", "Stats", "cloze"]

#: Fragments shorter than this (characters, or words) are never reviewed.
MIN_CHARS = 20
MIN_WORDS = 3
#: The tag ``f`` puts on a highlight.
FAVORITE_TAG = "favorite"
#: Rating names, as the screen and the CLI say them.
RATINGS: dict[str, Rating] = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good,
                              "easy": Rating.Easy}
#: Recency: a highlight made today weighs up to (1 + RECENT_BONUS), fading over RECENT_DAYS.
RECENT_BONUS = 1.0
RECENT_DAYS = 30.0
#: After a showing a highlight's weight drops to DROP_FLOOR and recovers over RECOVER_DAYS.
DROP_FLOOR = 0.02
RECOVER_DAYS = 30.0
#: The scheduler's settings.  No learning steps (``m`` counts as a first good recall) and one
#: relearning step of half a day (``again`` brings the card back in the next day's session):
#: this is a daily review, not a drill of minutes.  No fuzzing: the due dates are the ones
#: FSRS computes, so the CLI, the tests and a second machine agree.
AGAIN_AFTER = dt.timedelta(hours=12)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _parse_time(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def _draw(weights: list[float], k: int, rng: random.Random) -> list[int]:
    """``k`` distinct positions drawn with probability proportional to ``weights``, one after
    the other (each among those not drawn yet): a cumulative sum (C speed over 50,000
    weights) and a binary search per draw, a position drawn twice being drawn again."""
    picked: list[int] = []
    available = sum(1 for w in weights if w > 0.0)
    while len(picked) < min(k, available):
        cumulative = list(itertools.accumulate(weights))
        total = cumulative[-1]
        misses = 0
        while len(picked) < min(k, available) and misses < 20:
            i = bisect.bisect_right(cumulative, rng.random() * total)
            if i >= len(weights) or i in picked:
                misses += 1
                continue
            picked.append(i)
        # Many misses: a few heavy highlights were drawn already; take them out and go on.
        weights = [0.0 if i in picked else w for i, w in enumerate(weights)] if misses else \
            weights
    return picked


def _recency(created: list[float], now_ts: float) -> list[float]:
    """Up to (1 + RECENT_BONUS) for a highlight made now, fading over RECENT_DAYS."""
    scale = 86400.0 * RECENT_DAYS
    return [1.0 + RECENT_BONUS * math.exp(-max(0.0, now_ts - c) / scale) for c in created]


@dataclass
class _Statics:
    """One article's highlights as the draw sees them, kept while its shard is unchanged."""

    view: object
    #: All its highlights (the article's share grows with them), even those too short.
    count: int
    #: The records long enough to review, their creation times and tags, by position.
    records: list[dict[str, Any]]
    created: list[float]
    tags: list[tuple[str, ...]]
    position: dict[str, int]
    recency: list[float]
    hour: int


def _drop(seen: ReviewRecord, now_ts: float) -> float:
    """The drop after a showing: to DROP_FLOOR at once, back to 1 over RECOVER_DAYS, and
    lower the more often it was shown."""
    shown = _parse_time(seen.last_shown) if seen.last_shown else None
    if shown is None:
        return 1.0
    since = max(0.0, (now_ts - shown.timestamp()) / 86400.0)
    return min(1.0, DROP_FLOOR + since / RECOVER_DAYS) / (1.0 + 0.25 * seen.times_shown)


def long_enough(text: str) -> bool:
    stripped = text.strip()
    return len(stripped) >= MIN_CHARS and len(stripped.split()) >= MIN_WORDS


def tag_factor(tags: Iterable[str], frequencies: dict[str, str]) -> float:
    """0 if any tag is set to never, else the product of the tags' weights (in [0.1, 10])."""
    factor = 1.0
    for tag in tags:
        f = frequencies.get(tag)
        if f is not None:
            factor *= FREQUENCIES[f]
    return 0.0 if factor == 0.0 else min(10.0, max(0.1, factor))


_WORD = re.compile(r"[^\W_][\w'’-]*[^\W_]|[^\W_]")


def cloze(text: str, key: str, *, share: float = 0.3, most: int = 4) -> tuple[str, list[str]]:
    """``text`` with its focus words hidden: the longest words (4+ letters), about ``share``
    of them and at most ``most``, ties broken by a hash of ``key`` so a card always hides the
    same words.  Returns (the text with ``_____`` blanks, the hidden words in order)."""
    words = [m for m in _WORD.finditer(text) if len(m.group()) >= 4]
    if not words:
        return text, []
    count = max(1, min(most, round(len(words) * share)))
    salt = zlib.crc32(key.encode("utf-8"))
    chosen = sorted(words, key=lambda m: (-len(m.group()), zlib.crc32(m.group().encode(),
                                                                      salt)))[:count]
    chosen.sort(key=lambda m: m.start())
    parts, last = [], 0
    for m in chosen:
        parts += [text[last:m.start()], "_" * max(5, len(m.group()))]
        last = m.end()
    parts.append(text[last:])
    return "".join(parts), [m.group() for m in chosen]


@dataclass
class ReviewItem:
    """One card of a session."""

    highlight: Highlight
    article_title: str
    #: A mastered highlight whose FSRS card is due: asked as a cloze, then rated.
    due: bool = False


@dataclass
class Stats:
    """The stats line: consecutive days with a review (ending today or yesterday), highlights
    reviewed today, FSRS cards due now, cards in all."""

    streak: int
    today: int
    due: int
    cards: int

    def line(self) -> str:
        days = "day" if self.streak == 1 else "days"
        return (f"streak {self.streak} {days} · {self.today} reviewed today · "
                f"{self.due} due · {self.cards} cards")


class Review:
    """The daily review of one library (``store.review``).  Thread-safe as the store is; call
    the methods that write from the writer thread (the UI) or a command."""

    def __init__(self, store: Store, folder: Path, *,
                 clock: Callable[[], dt.datetime] = utc_now) -> None:
        self._store = store
        self.files = ReviewFiles(folder, read_only=store.read_only,
                                 on_warning=store.warnings.append)
        #: The time "now" (tests and snapshots fix it).
        self.clock = clock
        self._static_cache: dict[str, _Statics] = {}
        self.scheduler = Scheduler(learning_steps=(), relearning_steps=(AGAIN_AFTER,),
                                   enable_fuzzing=False)

    def close(self) -> None:
        self.files.close()

    # -- reading ------------------------------------------------------------------------------

    def state(self, highlight: Highlight) -> ReviewRecord | None:
        return self.files.get(highlight.article_id, highlight.id)

    def due(self, *, now: dt.datetime | None = None) -> list[tuple[ReviewRecord, dt.datetime]]:
        """Every mastered, not discarded highlight whose card is due, oldest due first (a
        card whose highlight or article was deleted meanwhile is not)."""
        now = now or self.clock()
        out = []
        articles = set(self._store.articles.ids())
        for record in self.files.all_records():
            when = self._due_at(record)
            if when is not None and not record.discarded and when <= now and \
                    self._exists(record, articles):
                out.append((record, when))
        out.sort(key=lambda pair: pair[1])
        return out

    @staticmethod
    def _due_at(record: ReviewRecord) -> dt.datetime | None:
        return _parse_time(str(record.card.get("due", ""))) if record.card else None

    def weights(self, *, tag: str | None = None, article_id: str | None = None,
                now: dt.datetime | None = None) -> dict[str, float]:
        """Highlight id -> weight, for every highlight the draw may pick (weight > 0)."""
        records, weights = self._candidates(tag, article_id, now)
        return {r["id"]: w for r, w in zip(records, weights, strict=True) if w > 0.0}

    def _candidates(self, tag: str | None, article_id: str | None,
                    now: dt.datetime | None) -> tuple[list[dict[str, Any]], list[float]]:
        """Records and their weights (0: never) for every highlight the draw may pick.

        Runs over 50,000 highlights in well under 100 ms: per article, what does not change
        between draws (which records are long enough, their tags, their recency weights for
        the hour) is kept with the shard's view and rebuilt only when the shard changed; the
        review records (few) then adjust their highlights' weights by position.
        """
        now_ts = (now or self.clock()).timestamp()
        tag_freq = self.files.tag_frequencies()
        reviewed = set(self.files.article_names())
        article_tags = {str(r.get("id")): [str(t) for t in r.get("tags") or ()]
                        for r in self._store.articles.records()}
        all_records: list[dict[str, Any]] = []
        all_weights: list[float] = []
        for aid in [article_id] if article_id is not None else list(article_tags):
            if aid not in article_tags:
                continue
            static = self._statics(aid, now_ts)
            if not static.records:
                continue
            frequency = "normal"
            state: dict[str, ReviewRecord] = {}
            if aid in reviewed:
                frequency, state = self.files.state(aid, fresh_within=1.0)
            share = (1.0 + math.log2(static.count)) / static.count * FREQUENCIES[frequency]
            if share == 0.0:
                continue
            weights = [share * r for r in static.recency]
            atags = article_tags[aid]
            if tag is not None and tag not in atags:
                weights = [w if tag in tags else 0.0
                           for w, tags in zip(weights, static.tags, strict=True)]
            if tag_freq:
                weights = [w * tag_factor([*tags, *atags], tag_freq)
                           for w, tags in zip(weights, static.tags, strict=True)]
            for hid, seen in state.items():
                i = static.position.get(hid)
                if i is None:
                    continue
                if seen.discarded or seen.card is not None:
                    weights[i] = 0.0  # discarded, or a card: it comes back when FSRS says
                else:
                    weights[i] *= _drop(seen, now_ts)
            all_records += static.records
            all_weights += weights
        return all_records, all_weights

    def _statics(self, article_id: str, now_ts: float) -> _Statics:
        """What the draw needs of an article's highlights that changes only with its shard
        (and, for the recency weights, with the hour)."""
        view = self._store.shards.view(article_id, fresh_within=1.0)
        hour = int(now_ts // 3600)
        cached = self._static_cache.get(article_id)
        if cached is not None and cached.view is view:
            if cached.hour != hour:
                cached.recency = _recency(cached.created, now_ts)
                cached.hour = hour
            return cached
        records, created, tags = [], [], []
        for record in view.records:
            if not long_enough(str(record.get("exact", ""))):
                continue
            when = _parse_time(str(record.get("created", "")))
            records.append(record)
            created.append(when.timestamp() if when else 0.0)
            tags.append(tuple(str(t) for t in record.get("tags") or ()))
        static = _Statics(view, len(view.records), records, created, tags,
                          {str(r.get("id")): i for i, r in enumerate(records)},
                          _recency(created, now_ts), hour)
        self._static_cache[article_id] = static
        return static

    def plan(self, count: int = 10, *, seed: int | None = None, tag: str | None = None,
             article_id: str | None = None) -> list[ReviewItem]:
        """A session of up to ``count`` highlights: due cards first, then the weighted draw."""
        now = self.clock()
        titles = self._store.titles()
        items: list[ReviewItem] = []
        for record, _when in self.due(now=now):
            if len(items) >= count:
                break
            h = self._highlight(record)
            if h is None or (article_id is not None and h.article_id != article_id):
                continue
            if tag is not None and tag not in h.tags:
                continue
            items.append(ReviewItem(h, titles.get(h.article_id, ""), due=True))
        if len(items) < count:
            records, weights = self._candidates(tag, article_id, now)
            for i in _draw(weights, count - len(items), random.Random(seed)):
                raw = records[i]
                items.append(ReviewItem(Highlight.from_record(dict(raw)),
                                        titles.get(str(raw.get("article_id")), "")))
        return items

    def _exists(self, record: ReviewRecord, articles: set[str]) -> bool:
        """Is the record's highlight still in the library (``articles``: its article ids)?
        (A removed article's review file goes to the trash with it; a sync may bring one.)"""
        if record.article_id not in articles:
            return False
        view = self._store.shards.view(record.article_id, fresh_within=1.0)
        return any(r.get("id") == record.id for r in view.records)

    def _highlight(self, record: ReviewRecord) -> Highlight | None:
        """The highlight a review record is about (None if it was deleted)."""
        view = self._store.shards.view(record.article_id, fresh_within=1.0)
        found = next((r for r in view.records if r.get("id") == record.id), None)
        return Highlight.from_record(dict(found)) if found is not None else None

    def context(self, highlight: Highlight) -> tuple[str, str]:
        """The text of the highlight's sentence(s) before and after the quote (falling back
        to its stored prefix and suffix when the article's text cannot be read)."""
        fallback = (highlight.prefix, highlight.suffix)
        if highlight.anchor == "orphan":
            return fallback
        try:
            body = self._store.body_path(highlight.article_id)
            document = parsed(body, self._store.read_markdown(highlight.article_id))
        except (OSError, ValueError, LookupError):
            return fallback
        block = next((b for b in document.blocks if b.start <= highlight.start < b.end), None)
        if block is None or document.plain_text[highlight.start:highlight.end] != \
                highlight.exact:
            return fallback
        start, end = highlight.start - block.start, highlight.end - block.start
        spans = sentence_spans(block.text) or [(0, len(block.text))]
        first = next((s for s, e in spans if s <= start < e), 0)
        last = next((e for s, e in spans if s < end <= e), len(block.text))
        return block.text[first:start], block.text[end:last]

    def stats(self) -> Stats:
        now = self.clock()
        today = now.date().isoformat()
        days: set[str] = set(self.files.removed_days())  # a removal keeps the streak
        reviewed = due = cards = 0
        articles = set(self._store.articles.ids())
        for record in self.files.all_records():
            days.update(record.days)
            reviewed += today in record.days
            if record.card is not None and not record.discarded and self._exists(record, articles):
                cards += 1
                when = self._due_at(record)
                due += when is not None and when <= now
        streak, day = 0, now.date()
        if today not in days:
            day -= dt.timedelta(days=1)  # today not reviewed yet: the streak is not broken
        while day.isoformat() in days:
            streak += 1
            day -= dt.timedelta(days=1)
        return Stats(streak, reviewed, due, cards)

    # -- changes (each durable when it returns; each returns the record as it was) ------------

    def _record(self, h: Highlight) -> tuple[ReviewRecord | None, ReviewRecord]:
        before = self.state(h)
        after = copy.deepcopy(before) if before else ReviewRecord(h.id, h.article_id)
        return before, after

    def _shown(self, record: ReviewRecord) -> None:
        now = self.clock()
        record.last_shown = now.replace(microsecond=0).isoformat()
        record.times_shown += 1
        today = now.date().isoformat()
        if today not in record.days:
            record.days = [*record.days, today][-DAYS_KEPT:]

    def keep(self, h: Highlight) -> ReviewRecord | None:
        """``enter``: seen, kept."""
        before, after = self._record(h)
        self._shown(after)
        self.files.put(after)
        return before

    def discard(self, h: Highlight) -> ReviewRecord | None:
        """``d``: never in a review again (until :meth:`restore`)."""
        before, after = self._record(h)
        self._shown(after)
        after.discarded = True
        self.files.put(after)
        return before

    def master(self, h: Highlight) -> ReviewRecord | None:
        """``m``: make the highlight an FSRS card; making it counts as a first good recall,
        so it is next due when FSRS says a good recall lasts."""
        before, after = self._record(h)
        self._shown(after)
        card = Card(card_id=_card_id(h.id))
        after.card = dict(self._review_card(card, Rating.Good).to_dict())
        self.files.put(after)
        return before

    def rate(self, h: Highlight, rating: Rating) -> ReviewRecord | None:
        """Rate a card (again / hard / good / easy); FSRS sets its next due date."""
        before, after = self._record(h)
        if after.card is None:
            raise ValueError("this highlight is not a card (press m to master it)")
        self._shown(after)
        card = Card.from_dict(after.card)  # type: ignore[arg-type]
        after.card = dict(self._review_card(card, rating).to_dict())
        after.ratings += 1
        self.files.put(after)
        return before

    def _review_card(self, card: Card, rating: Rating) -> Card:
        now = self.clock().astimezone(dt.timezone.utc)
        card, _log = self.scheduler.review_card(card, rating, review_datetime=now)
        return card

    def restore(self, h: Highlight, before: ReviewRecord | None) -> None:
        """Undo: put back the record as a change found it (None: it had none)."""
        if before is None:
            self.files.remove(h.article_id, h.id)
        else:
            self.files.put(before)

    def export_state(self, h: Highlight) -> dict[str, Any] | None:
        """What the W3C JSON export says of a highlight the review has seen (None if never)."""
        record = self.files.records(h.article_id, fresh_within=1.0).get(h.id)
        if record is None:
            return None
        state: dict[str, Any] = {"last_shown": record.last_shown,
                                 "times_shown": record.times_shown,
                                 "discarded": record.discarded}
        if record.card is not None:
            state.update(due=record.card.get("due"), ratings=record.ratings)
        return state

    def set_article_frequency(self, article_id: str, frequency: str) -> str:
        """Returns the frequency it had."""
        old = self.files.article_frequency(article_id)
        self.files.set_article_frequency(article_id, frequency)
        return old

    def set_tag_frequency(self, tag: str, frequency: str) -> str:
        old = self.files.tag_frequencies().get(tag, "normal")
        self.files.set_tag_frequency(tag, frequency)
        return old

    def article_frequency(self, article_id: str) -> str:
        return self.files.article_frequency(article_id)


def _card_id(highlight_id: str) -> int:
    """A stable card id from the highlight's id (so the same highlight is the same card)."""
    try:
        return int(highlight_id, 16)
    except ValueError:
        return zlib.crc32(highlight_id.encode("utf-8"))
