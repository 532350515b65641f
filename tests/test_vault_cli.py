"""``tuireader vault sync`` on the command line: the vault from the argument or the config file,
--json counts, --dry-run, a clear error without a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tuireader.cli.main import main
from vault_support import Lib, look


@pytest.fixture
def lib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Lib:
    monkeypatch.setenv("TUIREADER_MACHINE_DIR", str(tmp_path / "machine"))
    monkeypatch.setenv("TUIREADER_CONFIG", str(tmp_path / "config.toml"))
    library = Lib(tmp_path)
    library.highlight("Swifts sleep on the wing", note="n", tags=("idea",))
    library.close()
    return library


def _run(lib: Lib, *args: str) -> int:
    return main(["--library", str(lib.store.dir), "vault", "sync", *args])


def test_sync_json_counts_then_nothing_to_do(lib: Lib, capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:
    assert _run(lib, str(lib.vault), "--json") == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts["created"] == 1 and counts["flavor"] == "obsidian"
    assert any((tmp_path / "machine").rglob("vaults"))  # the bases: per machine
    assert not any("vault" in p.name for p in lib.store.dir.iterdir())
    before = look(lib.vault)
    assert _run(lib, str(lib.vault), "--json") == 0
    assert json.loads(capsys.readouterr().out)["unchanged"] == 1
    assert look(lib.vault) == before


def test_the_vault_comes_from_the_config_file(lib: Lib, capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(f'vault = "{lib.vault}"\n', "utf-8")
    assert _run(lib, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "would create: Birds of the world" in out
    assert list(lib.vault.iterdir()) == []
    assert _run(lib, "--flavor", "logseq") == 0
    assert "id:: " in next(lib.vault.glob("*.md")).read_text("utf-8")


def test_no_vault_is_a_one_line_error(lib: Lib, capsys: pytest.CaptureFixture[str],
                                      tmp_path: Path) -> None:
    assert _run(lib) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: no vault folder") and "Traceback" not in err
    assert _run(lib, str(tmp_path / "missing")) == 1
    assert "does not exist" in capsys.readouterr().err


def test_deletions_are_listed_and_accepted_on_request(lib: Lib,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    _run(lib, str(lib.vault))
    note = next(lib.vault.glob("*.md"))
    text = note.read_text("utf-8")
    note.write_text(text[:text.index("> Swifts")], "utf-8")
    capsys.readouterr()
    assert _run(lib, str(lib.vault)) == 0
    assert "deleted in vault:" in capsys.readouterr().out
    assert _run(lib, str(lib.vault), "--accept-deletions", "--json") == 0
    assert json.loads(capsys.readouterr().out)["deletions_accepted"] == 1


def test_a_vault_keeps_its_flavour(lib: Lib, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(lib, str(lib.vault)) == 0
    before = look(lib.vault)
    assert _run(lib, str(lib.vault), "--flavor", "logseq") == 1
    assert "synced as obsidian" in capsys.readouterr().err
    assert look(lib.vault) == before
