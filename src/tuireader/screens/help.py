"""The help screen (``?``): every key, generated from the same ``Binding`` lists the app uses.

Because it reads the bindings (and the user's keymap) at the time it opens, a key remapped in
``config.toml`` shows here with its new key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from tuireader.screens.highlights import HighlightsScreen
from tuireader.screens.main import MainScreen
from tuireader.screens.review import REVIEW_BINDINGS
from tuireader.screens.search import SearchScreen
from tuireader.widgets.article_list import ArticleList
from tuireader.widgets.highlight_table import HighlightTable
from tuireader.widgets.reader import ReaderView
from tuireader.widgets.row_list import RowList


def described(bindings: Iterable[BindingType]) -> list[Binding]:
    """The bindings that have a description (the others are not listed)."""
    return [b for b in bindings if isinstance(b, Binding) and b.description]


def binding_groups(app_bindings: Iterable[BindingType]) -> list[tuple[str, list[Binding]]]:
    """(section title, bindings) for every part of the app, in the order they are shown;
    ``app_bindings``: the App's own (handed in: the App module imports this one)."""
    return [
        ("Everywhere", described(app_bindings) + described(MainScreen.BINDINGS)),
        ("Reader", described(ReaderView.BINDINGS)),
        ("Library list", described(ArticleList.BINDINGS) + described(RowList.BINDINGS)),
        ("Highlights view (H)",
         described(HighlightsScreen.BINDINGS[:3]) + described(HighlightTable.BINDINGS)),
        ("Library search (S)", described(SearchScreen.BINDINGS)),
        ("Daily review (R)",
         described(b for b in REVIEW_BINDINGS if (b.id or "").startswith("review."))),
    ]


class HelpScreen(ModalScreen[None]):
    """A scrollable list of keys; escape, q or ? closes it."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close help", id="help.close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(self._content(), id="help-text")

    def _content(self) -> Content:
        # The keymap the App applied (config.toml's [keys]; Textual has no public getter).
        config = getattr(self.app, "config", None)
        keymap: Mapping[str, str] = getattr(config, "keys", None) or {}
        parts: list[Content | str] = [Content("tuireader keys").stylize("bold"), "\n"]
        for title, bindings in binding_groups(self.app.BINDINGS):
            parts.extend(["\n", Content(title).stylize("bold underline"), "\n"])
            seen: set[str] = set()
            for binding in bindings:
                key_id = binding.id or binding.action
                if key_id in seen:
                    continue
                seen.add(key_id)
                keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
                display = ", ".join(
                    self.app.get_key_display(Binding(k.strip(), binding.action))
                    for k in keys.split(",")
                )
                parts.extend([Content(f"  {display:<16}").stylize("bold $accent"),
                              Content(binding.description), "\n"])
        parts.extend(["\n", Content("Keys can be changed in config.toml ([keys] table, by the "
                                    "binding ids listed in the README).").stylize("dim")])
        return Content.assemble(*parts)
