"""Building libraries with fixed contents for the App tests and snapshots, and waiting for the
app in them."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.message import Message
from textual.notifications import Notification, Notify
from textual.pilot import Pilot

from tuireader.config import Config
from tuireader.importers.base import ImportedArticle
from tuireader.library.store import Store

FIXED_DATE = "2026-01-15T09:30:00+00:00"

LONG_PARAGRAPHS = "\n\n".join(
    f"Paragraph {i}: the quick brown fox jumps over the lazy dog while the reader keeps "
    f"reading line after line of steady prose, sentence {i} of a long article."
    for i in range(1, 401)
)

ARTICLE_MD = """Opening words of the first article, which has *emphasis*, **strong words**,
`code` and a [link to the example site](https://example.org/page).

## A section heading

- first item in a list
- second item, long enough to wrap onto a second line when the reading measure is narrow enough
  to need it

> A block quote that stands apart from the text.

```python
print("code block")
```

## Another section

Closing words with the findable word pumpernickel, and pumpernickel again.
"""

HOSTILE_TITLE = "[@click=app.quit]Click me[/] [bold]x[i] \x1b]0;pwned\x07 \x1b[2J"
HOSTILE_MD = (
    "Text with markup-like content: [@click=app.quit]quit[/], [bold]bold?[/bold], x[i], "
    "[link=https://evil.example]link[/link].\n\n"
    "Escapes: \x1b]52;c;SGVsbG8=\x07 clipboard, \x1b[2J clear, \x1b[6n ask, "
    "\x9b31m C1, NUL \x00 end.\n"
)


def make_library(path: Path, *, hostile: bool = False, long: bool = True) -> Store:
    """A library with fixed metadata (dates, sources) so screenshots are stable."""
    store = Store(path)
    items = [
        ImportedArticle(title="A Tidy Article", markdown=ARTICLE_MD, author="Ada Writer",
                        site="example.org", source="https://example.org/tidy"),
    ]
    if long:
        items.append(ImportedArticle(title="The Long Read", markdown=LONG_PARAGRAPHS,
                                     site="long.example", source="https://long.example/read"))
    if hostile:
        items.append(ImportedArticle(title=HOSTILE_TITLE, markdown=HOSTILE_MD,
                                     site="[red]evil[/red]", source="https://evil.example/x"))
    for i, item in enumerate(items):
        article = store.add_article(item).article
        article.added = FIXED_DATE.replace("09:30", f"09:{30 + i}")
        store.update_article(article)
    return store


def make_config(**overrides: object) -> Config:
    config = Config()
    for key, value in overrides.items():
        setattr(config, key, value)
    return config


#: How long :func:`wait_for` waits before it calls the wait a hang (seconds).  Generous on
#: purpose: a loaded machine must never trip it.  Speed is measured in ``bench/``, not here.
HANG_GUARD_S = 60.0


async def wait_for(pilot: Pilot[Any], condition: Callable[[], object], *,
                   what: str | Callable[[], object] = "the condition",
                   timeout: float = HANG_GUARD_S) -> None:
    """Let the app run until ``condition()`` is true.

    Polls between pauses of the app: a pause lets it process its messages and its workers'
    threads run, so a save, a load or a screen switch started before is seen when it lands.
    The timeout only guards against a hang (it is no speed assertion); ``what`` names what was
    awaited in that failure, or is called then for a description (e.g. the notifications
    shown so far).
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            detail = what() if callable(what) else what
            raise AssertionError(f"still waiting after {timeout:g} s (a hang?): {detail}")
        await pilot.pause(0.02)


class Notifications:
    """Every notification the app shows, caught by ``app.run_test(message_hook=notes)``
    (Textual keeps its own list private)."""

    def __init__(self) -> None:
        self.seen: list[Notification] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.seen.append(message.notification)

    @property
    def messages(self) -> list[str]:
        return [str(n.message) for n in self.seen]
