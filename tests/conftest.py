"""Shared fixtures for the core tests (store, storage, importers, command line)."""

from __future__ import annotations

from pathlib import Path

import pytest

#: The shared corpus lives next to the checkout (``../shared``); absent in a bare clone.
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A library folder that does not exist yet (the store creates it)."""
    return tmp_path / "library"


@pytest.fixture
def shared_corpus() -> Path:
    """The shared test corpus folder; the test is skipped when it is not there."""
    corpus = SHARED / "corpus"
    if not corpus.is_dir():
        pytest.skip(f"shared corpus not found at {corpus}")
    return corpus


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path_factory: pytest.TempPathFactory,
                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The search index lives in the user's cache folder: in tests, a temporary one (also
    for the programs a test starts)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(autouse=True)
def machine_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test's per-machine folder (device id, per-library state and caches) is its own,
    never the real ``~/.local/state/tuireader`` (see ``library/machine.py``)."""
    folder = tmp_path_factory.mktemp("machine")
    monkeypatch.setenv("TUIREADER_MACHINE_DIR", str(folder))
    return folder
