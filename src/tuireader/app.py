"""The Textual App: thin on purpose.

It holds the store and the config handed to it, loads the stylesheet, applies the user's theme and
keymap, and pushes the main screen.  Everything else lives in screens and widgets.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.theme import Theme

from tuireader.config import Config, save_setting
from tuireader.core.document import sanitize
from tuireader.core.safety import inert
from tuireader.library.durable import StorageError
from tuireader.library.editing import Annotator, Writer
from tuireader.library.store import Opening, Store
from tuireader.locations import styles_dir
from tuireader.screens.help import HelpScreen
from tuireader.screens.main import MainScreen
from tuireader.screens.sync_notice import SyncNotice


class TuiReaderApp(App[int]):
    """tuireader's application object."""

    CSS_PATH = [styles_dir() / "app.tcss"]
    TITLE = "tuireader"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark,f1", "help", "Help", id="app.help"),
    ]

    def __init__(self, store: Store, config: Config | None = None,
                 open_article: str | None = None, opening: Opening | None = None) -> None:
        super().__init__()
        self.store = store
        self.config = config or Config()
        self._open_article = open_article
        self._opening = opening
        self.annotator = Annotator(store)
        #: The one write path: every change the UI makes to the library is a job here, saved in
        #: the order keys were pressed, and a failed save is always shown.
        self.writer = Writer(on_error=self._write_failed, deliver=self._on_ui_thread)
        #: Set once the app is closing: the screens are gone, nobody is left to call back.
        self._closing = False
        if self.config.theme in self.available_themes:
            self.theme = self.config.theme
        elif self.config.theme:
            self.config.problems.append(f"unknown theme {self.config.theme!r}; using the default")
        if self.config.keys:
            self.set_keymap(self.config.keys)

    def get_default_screen(self) -> MainScreen:
        # The main screen is the App's first screen (not pushed from on_mount): it is composed
        # with the App, so its first frame, with the article read by the CLI, is the first
        # frame painted.  (A screen pushed while the App is mounting is rendered once inside
        # Textual's start-up batch, that frame is dropped, and nothing is painted until
        # something else changes.)
        screen = MainScreen(open_article=self._open_article, opening=self._opening)
        self._opening = None
        return screen

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        for message in [*self.store.warnings, *self.config.problems]:
            self.notify(inert(message), severity="warning", timeout=10, markup=False)
        #: Conflict copies merged while the app runs, and the conflicts log shown once.
        self.sync_notice = SyncNotice(self)
        self.sync_notice.start()

    async def on_event(self, event: events.Event) -> None:
        # A bracketed paste is untrusted text (a web page copied to the clipboard): Textual's
        # Input and TextArea would echo its ESC and C1 bytes straight to the terminal.  Make
        # them visible and inert before any widget sees the paste.
        if isinstance(event, events.Paste) and not event.is_forwarded:
            event.text = sanitize(event.text)
        await super().on_event(event)

    def _theme_changed(self, theme: Theme) -> None:
        """A theme chosen (from the palette) is kept: written to the config file through the
        writer (a failure is notified there), so the next start uses it."""
        if theme.name == self.config.theme:
            return
        self.config.theme = theme.name
        path = self.config.path
        if path is not None:
            self.writer.submit(lambda: save_setting("theme", theme.name, path))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                screen.save_position_now()  # saved by the writer before the app lets go
        self.exit(0)

    def _write_failed(self, message: str) -> None:
        """The writer's ``on_error``: a change could not be saved."""
        self.notify(inert(message), severity="error", markup=False)

    def _on_ui_thread(self, callback: Callable[[], object]) -> None:
        """The writer's ``deliver``: run ``callback`` on the event loop and wait for it
        (``call_from_thread`` raises RuntimeError once the app is gone; the writer drops it)."""
        self.call_from_thread(self._delivered, callback)

    def _delivered(self, callback: Callable[[], object]) -> None:
        if not self._closing:
            callback()

    async def on_unmount(self) -> None:
        # Every edit the user made is saved before the app lets go of the terminal.  The wait
        # runs in a thread so that a job finishing meanwhile can still reach the event loop
        # (its callback is dropped: the screens are closed by now).
        self._closing = True
        await asyncio.to_thread(self.writer.close)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The command palette offers every described binding of the focused widget, its
        containers, the screen and the app (including keys another binding shadows)."""
        yield from super().get_system_commands(screen)
        focused = screen.focused
        nodes = list(focused.ancestors_with_self) if focused is not None else [screen, self]
        seen: set[str] = {"quit"}
        for node in nodes:
            for bindings in node._bindings.key_to_bindings.values():
                for binding in bindings:
                    if not binding.description or binding.action in seen:
                        continue
                    if node.check_action(binding.action, ()) is False:
                        continue
                    seen.add(binding.action)

                    def run(ns: object = node, action: str = binding.action) -> None:
                        self.call_later(self.run_action, action, ns)

                    key = self.get_key_display(binding)
                    yield SystemCommand(binding.description, f"{binding.description} ({key})", run)


def make_app(store: Store, config: Config | None = None,
             open_article: str | None = None) -> TuiReaderApp:
    """The app factory used by the CLI and the tests.

    Without ``open_article`` the article read last is opened, if any was.  That article is read
    here, before the event loop starts, so that its text is on the App's first frame; if it
    cannot be read, the main screen opens it the usual way (a worker) and reports why.
    """
    if open_article is None:
        open_article = store.most_recent()
    opening = None
    if open_article is not None:
        try:
            opening = store.read_opening(open_article)
        except (OSError, StorageError):
            opening = None
    return TuiReaderApp(store, config, open_article, opening)


def run_app(store: Store, config: Config, open_article: str | None = None) -> int:
    app = make_app(store, config, open_article)
    result = app.run()
    return int(result or 0)
