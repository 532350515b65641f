"""``enter`` in the reader: open a link of the focused paragraph in the browser.

Asks first (a link in an article is untrusted), opens only http and https, starts the browser off
the event loop, and when no browser can start says so and shows the link, ready to be selected or
copied (OSC 52), instead of doing nothing.
"""

from __future__ import annotations

import webbrowser
from typing import Any

from textual.screen import Screen

from tuireader.screens.dialogs import ChoiceScreen, ConfirmScreen, LinkScreen
from tuireader.widgets.reader import ReaderView


class LinkOpener:
    """Opens the links of the reader's focused block for the screen that holds it."""

    def __init__(self, screen: Screen[Any]) -> None:
        self._screen = screen

    def open_focused(self) -> None:
        """Offer the focused paragraph's web links: one is confirmed, several are chosen."""
        app = self._screen.app
        links = self.links_in_focus()
        web = [(text, url) for text, url in links if url.lower().startswith(("http://", "https://"))]
        if not web:
            if links:
                app.notify("Only http and https links can be opened.", markup=False)
            return

        def confirm(url: str | None) -> None:
            if url is None:
                return

            def opened(yes: bool | None) -> None:
                if yes:
                    self._screen.run_worker(lambda: self._start_browser(url), thread=True,
                                            group="browser", exit_on_error=False)

            app.push_screen(ConfirmScreen("Open this link in your browser?", url), opened)

        if len(web) == 1:
            confirm(web[0][1])
        else:
            app.push_screen(
                ChoiceScreen("Links in this paragraph", [(f"{t} — {u}", u) for t, u in web]),
                confirm,
            )

    def _start_browser(self, url: str) -> None:
        """In a thread: starting a browser may take a while.  ``webbrowser.open`` says False
        when no browser could start (no display, none installed)."""
        try:
            started = webbrowser.open(url)
            reason = "" if started else "No web browser could be started on this system."
        except (webbrowser.Error, OSError) as exc:
            started, reason = False, f"The browser could not start: {exc}"
        if not started:
            app = self._screen.app
            app.call_from_thread(app.push_screen, LinkScreen(url, reason))

    def links_in_focus(self) -> list[tuple[str, str]]:
        """(text, url) of every link in the focused block."""
        reader = self._screen.query_one(ReaderView)
        document = reader.document
        if document is None or not document.blocks:
            return []
        block = document.blocks[min(reader.focus_block, len(document.blocks) - 1)]
        return [(block.text[s.start : s.end], s.url) for s in block.spans
                if s.kind == "link" and s.url]
