"""The app and a sync tool: a conflict copy that appears while it runs is merged, and the
reader is told "merged changes from <device>"; the older of two notes is shown once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest

from app_support import Notifications, wait_for
from sync_support import Machine, clone
from tuireader.app import make_app
from tuireader.core.document import parse_markdown
from tuireader.core.model import make_highlight
from tuireader.importers.base import ImportedArticle


def test_copy_appearing_while_the_app_runs_is_merged_and_said(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = Machine("a", tmp_path, monkeypatch), Machine("b", tmp_path, monkeypatch)
    with a.store() as s:
        aid = s.add_article(ImportedArticle(title="Rivers", markdown="Rivers carve valleys "
                                            "slowly, and towns grow along them.")).article.id
        text = parse_markdown(s.read_markdown(aid)).plain_text
        first = make_highlight(aid, text, 0, 6)
        first.note = "before"
        s.add_highlight(first)
    clone(a.library, b.library)
    with b.store() as s:  # the other machine: a new highlight, the note changed
        theirs = make_highlight(aid, text, 13, 20)
        s.add_highlight(theirs)
        h = s.get_highlight(first.id)
        assert h is not None
        h.note = "from b"
        s.save_highlights([h])
    shard = b.library / "annotations" / f"{aid}.json"
    with a.on():
        from tuireader.library.store import Store

        store = Store(a.library)
        h = store.get_highlight(first.id)
        assert h is not None
        h.note = "from a, later"
        store.save_highlights([h])
    notes = Notifications()

    async def run() -> None:
        app = make_app(store)
        async with app.run_test(message_hook=notes) as pilot:
            # Syncthing finishes a transfer: B's version, kept beside A's as a copy.
            copy = a.library / "annotations" / \
                f"{aid}.sync-conflict-20261204-101500-ABCDEFG.json"
            copy.write_bytes(shard.read_bytes())
            app.sync_notice.check()  # what the app does every 30 seconds
            await wait_for(pilot, lambda: any("merged changes from" in m
                                              for m in notes.messages),
                           what=lambda: notes.messages)
            await wait_for(pilot, lambda: any("from b" in m for m in notes.messages),
                           what=lambda: notes.messages)  # the older note, shown once
            assert not copy.exists()
            by_id = {x.id: x for x in store.highlights(aid)}
            assert set(by_id) == {first.id, theirs.id}
            assert by_id[first.id].note == "from a, later"

    with a.on():
        asyncio.run(run())
        store.close()
    data = orjson.loads((a.library / "annotations" / f"{aid}.json").read_bytes())
    assert set(data["highlights"]) == {first.id, theirs.id}
