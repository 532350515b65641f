"""V in the reader: the vault sync from the TUI, on the app's writer, with the result shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from app_support import Notifications, make_config, wait_for
from tuireader.app import make_app
from vault_support import Lib


@pytest.fixture
def lib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TUIREADER_MACHINE_DIR", str(tmp_path / "machine"))
    library = Lib(tmp_path)
    yield library
    library.close()


async def test_v_syncs_the_vault_and_reads_edits_back(lib: Lib) -> None:
    h = lib.highlight("Storks ride thermals", note="old [b]markup[/b]")
    lib.sync(state_dir=None)
    lib.write_note(lib.note().replace("  old [b]markup[/b]\n", "  new from [i]Obsidian[/i]\n"))
    added = lib.highlight("Some nests last for years")
    notes = Notifications()
    app = make_app(lib.store, make_config(vault=str(lib.vault)))
    async with app.run_test(size=(120, 36), message_hook=notes) as pilot:
        await pilot.pause()
        await pilot.press("V")
        await wait_for(pilot, lambda: any("vault sync" in m for m in notes.messages))
        message = next(m for m in notes.messages if "vault sync" in m)
        assert "1 updated" in message and "1 read back" in message
        assert lib.get(h).note == "new from [i]Obsidian[/i]"
        assert f"^hl-{added.id}" in lib.note()
        status = str(app.screen.query_one("#status").render())
        assert "vault sync" in status
        assert app.annotator.can_undo  # the read-back went through the app's annotator


async def test_v_without_a_vault_says_how_to_set_one(lib: Lib) -> None:
    notes = Notifications()
    app = make_app(lib.store, make_config())
    async with app.run_test(size=(120, 36), message_hook=notes) as pilot:
        await pilot.pause()
        await pilot.press("V")
        await wait_for(pilot, lambda: any("No vault set" in m for m in notes.messages))
    assert list(lib.vault.iterdir()) == []
