"""The daily review screen (``R``, or ``tuireader review``): one highlight at a time.

Keys (all data, so they are in the help screen and the command palette): ``enter`` keep,
``f`` favourite (the ``favorite`` tag), ``d`` discard, ``m`` master (an FSRS card), ``n`` /
``t`` / ``E`` / ``1``-``5`` as in the reader (the screen holds a :class:`HighlightEditor`),
``o`` read the article at the highlight (``o`` or ``escape`` comes back), ``u`` undo, ``F``
review frequency of the article or a tag.  A due card is asked as a cloze: ``space`` or
``enter`` reveals it, then ``1``-``4`` or ``a`` / ``h`` / ``g`` / ``e`` rate it again / hard /
good / easy (while a card is asked, ``1``-``4`` rate; otherwise they colour).

The next card is drawn at once; its save is a job on the app's writer (the one write path), so
keys are saved in the order pressed and a failed save is shown.  Undo steps back to the card the
undone change was made on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from tuireader.core.model import Highlight
from tuireader.core.safety import inert
from tuireader.library.review import FAVORITE_TAG, RATINGS, ReviewRecord
from tuireader.library.review_state import FREQUENCIES
from tuireader.screens.dialogs import ChoiceScreen
from tuireader.screens.highlight_editor import EDIT_BINDINGS, HighlightEditor, Target
from tuireader.screens.review_card import Card, render_card, render_done
from tuireader.widgets.key_bar import KeyBar
from tuireader.widgets.reader import ReaderView
from tuireader.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from tuireader.app import TuiReaderApp

#: Cards in a session unless told otherwise.
SESSION_SIZE = 10

_RATING_KEYS = {"again": "1,a", "hard": "2,h", "good": "3,g", "easy": "4,e"}

REVIEW_BINDINGS: list[Binding] = [
    Binding("enter", "keep", "Keep", id="review.keep"),
    Binding("space", "reveal", "Reveal", show=False, id="review.reveal"),
    # Before the colour keys: while a card is asked, 1-4 rate (check_action lets them through
    # to the colour bindings otherwise).
    *[Binding(keys, f"rate('{name}')", name.capitalize(), id=f"review.{name}")
      for name, keys in _RATING_KEYS.items()],
    Binding("f", "favorite", "Favourite", id="review.favorite"),
    Binding("d", "discard", "Discard", id="review.discard"),
    Binding("m", "master", "Master", id="review.master"),
    Binding("o", "open_article", "Read article", id="review.open"),
    Binding("u", "undo", "Undo", id="review.undo"),
    Binding("F", "frequency", "Review frequency", show=False, id="review.frequency"),
    Binding("r", "again_session", "Another session", show=False, id="review.restart"),
    *[b for b in EDIT_BINDINGS if b.action in {"note", "tags", "note_in_editor"}
      or b.action.startswith("kind(")],
    Binding("escape", "back", "Close review", id="review.close"),
]

#: Actions that act on the current card (off while reading the article or after the session).
_CARD_ACTIONS = frozenset({"keep", "reveal", "rate", "favorite", "discard", "master",
                           "open_article", "frequency", "note", "tags", "note_in_editor",
                           "kind"})


@dataclass
class _Undo:
    """One undoable step: the card it was made on, and how to take it back."""

    index: int
    highlight: Highlight
    #: "review" (a review record to restore) or "annotate" (the annotator's last change).
    kind: str
    #: Filled by the save job: the review record as it was before (None: there was none).
    before: list[ReviewRecord | None] = field(default_factory=list)


class ReviewScreen(Screen[None]):
    """A review session: due cards first, then the weighted draw (see
    :mod:`tuireader.library.review`)."""

    BINDINGS: ClassVar[list[BindingType]] = [*REVIEW_BINDINGS]
    DEFAULT_CSS = """
    ReviewScreen { layout: vertical; }
    ReviewScreen #review-head { height: 1; padding: 0 1; background: $panel; }
    ReviewScreen #review-body { height: 1fr; padding: 1 4; }
    ReviewScreen #review-card { width: 100%; max-width: 100; }
    ReviewScreen #review-reader { height: 1fr; }
    ReviewScreen StatusLine { height: 1; padding: 0 1; }
    """

    def __init__(self, *, count: int = SESSION_SIZE, seed: int | None = None,
                 tag: str | None = None, article_id: str | None = None) -> None:
        super().__init__()
        self.count, self.seed, self.tag, self.article_id = count, seed, tag, article_id
        self.cards: list[Card] = []
        #: The card shown (== len(cards) once the session is over); -1 while loading.
        self.index = -1
        self.reading = False
        self._undo: list[_Undo] = []
        self._stats = ""
        self.editor = HighlightEditor(self, target=self._target, changed=self._edited)

    @property
    def tui(self) -> TuiReaderApp:
        return cast("TuiReaderApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(Content("Daily review"), id="review-head")
        with VerticalScroll(id="review-body"):
            yield Static(Content("Choosing highlights…"), id="review-card")
        reader = ReaderView(id="review-reader")
        reader.display = False
        yield reader
        yield StatusLine(id="review-status")
        yield KeyBar()

    def on_mount(self) -> None:
        self._load()

    # -- the session --------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="review-load", exit_on_error=False)
    def _load(self) -> None:
        review = self.tui.store.review
        try:
            items = review.plan(self.count, seed=self.seed, tag=self.tag,
                                article_id=self.article_id)
            cards = [Card(item, *review.context(item.highlight)) for item in items]
            stats = review.stats().line()
        except Exception as exc:  # shown, never swallowed: the screen says why it is empty
            self.app.call_from_thread(self._failed, str(exc) or type(exc).__name__)
            return
        self.app.call_from_thread(self._loaded, cards, stats)

    def _failed(self, message: str) -> None:
        self.notify(f"Cannot start the review: {inert(message)}", severity="error",
                    markup=False)
        self.cards, self.index = [], 0
        self._show()

    def _loaded(self, cards: list[Card], stats: str) -> None:
        self.cards, self.index, self._stats = cards, 0, stats
        self._undo.clear()
        self._show()

    @property
    def card(self) -> Card | None:
        return self.cards[self.index] if 0 <= self.index < len(self.cards) else None

    def _show(self) -> None:
        """Draw the current card (or the end of the session) and the head line."""
        card = self.card
        body = self.query_one("#review-card", Static)
        if card is None:
            body.update(render_done(self.cards, self._stats))
            head = "Daily review · done"
        else:
            body.update(render_card(card, self.index + 1, len(self.cards)))
            head = f"Daily review · {self.index + 1} / {len(self.cards)}"
        if self.tag:
            head += f" · #{self.tag}"
        if self._stats:
            head += f" · {self._stats}"
        self.query_one("#review-head", Static).update(Content(inert(head)))
        self.refresh_bindings()

    def _status(self, text: str) -> None:
        self.query_one(StatusLine).text = text

    def _refresh_stats(self) -> None:
        review = self.tui.store.review
        self.tui.writer.submit(lambda: review.stats().line(), then=self._got_stats)

    def _got_stats(self, line: str) -> None:
        if self.is_attached:
            self._stats = line
            self._show()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back" or (action not in _CARD_ACTIONS and action != "undo"):
            return True
        if self.reading:
            return action == "open_article"
        card = self.card
        if action == "rate":
            return card is not None and card.item.due and card.revealed
        if action == "reveal":
            return card is not None and card.asking
        if action == "master":
            return card is not None and not card.item.due
        return card is not None or action == "undo"

    # -- writes -------------------------------------------------------------------------------

    def _writable(self) -> bool:
        if self.tui.store.read_only:
            self.notify("The library is open read-only: the review cannot be saved.",
                        severity="warning", markup=False)
            return False
        return True

    def _step(self, outcome: str, change: Callable[[Highlight], ReviewRecord | None]) -> None:
        """Save ``change`` for the current card on the writer, and show the next card now."""
        card = self.card
        if card is None or not self._writable():
            return
        entry = _Undo(self.index, card.item.highlight, "review")
        self._undo.append(entry)
        h = card.item.highlight

        def job() -> None:
            entry.before.append(change(h))

        last = self.index == len(self.cards) - 1
        # The stats line is counted again at the end of the session (it reads every review
        # file: not on every key, where it would compete with the next card for the CPU).
        self.tui.writer.submit(job, then=lambda _none: self._refresh_stats() if last else None)
        card.outcome = outcome
        self.index += 1
        self._status(f"{outcome.capitalize()} · u undoes")
        self._show()

    def action_keep(self) -> None:
        card = self.card
        if card is not None and card.asking:
            self.action_reveal()
        elif card is not None and card.item.due:
            self.action_rate("good")
        else:
            self._step("kept", self.tui.store.review.keep)

    def action_reveal(self) -> None:
        card = self.card
        if card is not None and card.asking:
            card.revealed = True
            self._show()

    def action_rate(self, name: str) -> None:
        card = self.card
        if card is None or not (card.item.due and card.revealed):
            raise SkipAction()
        rating = RATINGS[name]
        review = self.tui.store.review
        self._step(f"rated {name}", lambda h: review.rate(h, rating))

    def action_discard(self) -> None:
        self._step("discarded", self.tui.store.review.discard)

    def action_master(self) -> None:
        card = self.card
        if card is not None and card.item.due:
            self.notify("Already a card: rate how well you recalled it.", markup=False)
            return
        self._step("mastered: it comes back when due", self.tui.store.review.master)

    def action_favorite(self) -> None:
        card = self.card
        if card is None or not self._writable():
            return
        store, annotator = self.tui.store, self.tui.annotator
        index, hid = self.index, card.item.highlight.id
        adding = FAVORITE_TAG not in card.item.highlight.tags

        def job() -> Highlight | None:
            h = store.get_highlight(hid)
            if h is None:
                return None
            tags = [*h.tags, FAVORITE_TAG] if adding else [t for t in h.tags
                                                           if t != FAVORITE_TAG]
            return annotator.set_tags(h, tags)

        def then(h: Highlight | None) -> None:
            if h is None:
                self.notify("This highlight is gone.", markup=False)
                return
            self._undo.append(_Undo(index, h, "annotate"))
            self._replace(h)
            self._status("Favourite ★ · saved ✓" if adding else "No longer a favourite")

        self.tui.writer.submit(job, then=then)

    def action_undo(self) -> None:
        if not self._undo:
            self.notify("Nothing to undo.", markup=False)
            return
        if not self._writable():
            return
        entry = self._undo.pop()
        review, annotator, store = self.tui.store.review, self.tui.annotator, self.tui.store

        def job() -> Highlight:
            if entry.kind == "annotate":
                annotator.undo()
            elif entry.before:
                review.restore(entry.highlight, entry.before[0])
            return store.get_highlight(entry.highlight.id) or entry.highlight

        def then(h: Highlight) -> None:
            self._replace(h)
            self._refresh_stats()

        self.tui.writer.submit(job, then=then)
        if entry.index < len(self.cards):
            self.index = entry.index
            card = self.cards[entry.index]
            if entry.kind == "review":
                card.outcome, card.revealed = "", False
        self._status("Undone")
        self._show()

    def _replace(self, h: Highlight) -> None:
        """A highlight changed (saved): show it so wherever it is in the session."""
        for card in self.cards:
            if card.item.highlight.id == h.id:
                card.item.highlight = h
        if self.is_attached:
            self._show()

    # -- the editing keys (the screen's HighlightEditor) ---------------------------------------

    def _target(self, _creating: bool) -> Target | None:
        card = self.card
        if card is None:
            return None
        store, hid = self.tui.store, card.item.highlight.id
        return Target(card.item.highlight.article_id, locate=lambda: store.get_highlight(hid))

    def _edited(self, _article_id: str, highlights: list[Highlight], message: str) -> None:
        card = self.card
        if card is not None:
            h = next((x for x in highlights if x.id == card.item.highlight.id), None)
            if h is not None:
                self._undo.append(_Undo(self.index, h, "annotate"))
                self._replace(h)
        self._status(f"{message} · saved ✓")

    def action_note(self) -> None:
        self.editor.note()

    def action_tags(self) -> None:
        self.editor.tags()

    def action_note_in_editor(self) -> None:
        self.editor.note_in_editor()

    def action_kind(self, kind: int) -> None:
        self.editor.set_kind(kind)

    # -- frequency, reading, closing ----------------------------------------------------------

    def action_frequency(self) -> None:
        card = self.card
        if card is None or not self._writable():
            return
        h = card.item.highlight
        scopes = [(f"This article: {card.item.article_title}", f"article:{h.article_id}")]
        scopes += [(f"Tag #{t}", f"tag:{t}") for t in h.tags]

        def scoped(scope: str | None) -> None:
            if scope is None:
                return
            choices = [(name, name) for name in FREQUENCIES]
            self.app.push_screen(ChoiceScreen("How often should it come back?", choices),
                                 lambda f: self._set_frequency(scope, f))

        self.app.push_screen(ChoiceScreen("Review frequency of", scopes), scoped)

    def _set_frequency(self, scope: str, frequency: str | None) -> None:
        if frequency is None:
            return
        review = self.tui.store.review
        kind, _, ident = scope.partition(":")
        if kind == "article":
            self.tui.writer.submit(lambda: review.set_article_frequency(ident, frequency))
        else:
            self.tui.writer.submit(lambda: review.set_tag_frequency(ident, frequency))
        self._status(f"Review frequency: {frequency} (from the next session)")

    def action_open_article(self) -> None:
        if self.reading:
            self._close_reader()
            return
        card = self.card
        if card is None:
            return
        self.reading = True
        self._read_article(card.item.highlight)
        self.refresh_bindings()

    @work(thread=True, exclusive=True, group="review-read", exit_on_error=False)
    def _read_article(self, h: Highlight) -> None:
        store = self.tui.store
        try:
            markdown = store.read_markdown(h.article_id)
        except Exception as exc:  # shown: the article's text cannot be read
            self.app.call_from_thread(self._cannot_read, str(exc) or type(exc).__name__)
            return
        self.app.call_from_thread(self._show_article, h, markdown,
                                  store.parse_cache_path(h.article_id))

    def _cannot_read(self, message: str) -> None:
        self.reading = False
        self.notify(f"Cannot open the article: {inert(message)}", severity="error",
                    markup=False)
        self.refresh_bindings()

    def _show_article(self, h: Highlight, markdown: str, cache: Any) -> None:
        if not self.reading:
            return
        reader = self.query_one(ReaderView)
        self.query_one("#review-body").display = False
        reader.display = True
        reader.load_markdown(markdown, position=h.start, cache_path=cache)
        reader.set_highlights([(h.start, h.end, h.kind)])
        reader.focus()
        self._status("Reading the article · o or escape: back to the review")

    def _close_reader(self) -> None:
        self.reading = False
        self.query_one(ReaderView).display = False
        self.query_one("#review-body").display = True
        self._status("")
        self.refresh_bindings()

    def action_again_session(self) -> None:
        if self.card is None and self.index >= 0:
            self.seed = None if self.seed is None else self.seed + 1
            self.index = -1
            self._load()

    def action_back(self) -> None:
        if self.reading:
            self._close_reader()
        else:
            self.dismiss(None)
