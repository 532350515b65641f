"""A crash at every file write of a sync (the store's read-back saves, the notes, the bases, the
index: all go through ``durable._commit_temp``) leaves each note old or new, and the next sync
completes to exactly what an uninterrupted one gives."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tuireader.export.vault import sync_vault
from tuireader.importers.base import ImportedArticle
from tuireader.library import durable
from tuireader.library.store import Store
from vault_support import Lib, look


class Crash(BaseException):
    """The process dying: not an error anything catches."""


def _start(root: Path) -> None:
    lib = Lib(root)
    try:
        lib.highlight("Swifts sleep on the wing", note="one", tags=("x",))
        b = lib.highlight("Storks ride thermals", note="two")
        lib.highlight("Some nests last for years")
        lib.sync()
        lib.write_note(lib.note().replace("  one\n", "  one, edited in the vault\n") + "mine\n")
        lib.annotator.set_note(lib.get(b), "two, edited in tuireader")
        lib.highlight("Geese fly in a V")
        second = lib.store.add_article(
            ImportedArticle(title="Owls", markdown="Owls hunt at night.\n")).article
        lib.annotator.add(second.id, "Owls hunt at night.", 0, 4)
    finally:
        lib.close()


def _run(root: Path, hook: Callable[[], None] | None, monkeypatch: pytest.MonkeyPatch) -> None:
    real = durable._commit_temp

    def commit(tmp: Path, path: Path, *, sync_dir: bool = True) -> None:
        if hook is not None:
            hook()
        real(tmp, path, sync_dir=sync_dir)

    monkeypatch.setattr(durable, "_commit_temp", commit)
    try:
        with Store(root / "library") as store:
            sync_vault(store, root / "vault", state_dir=root / "state")
    finally:
        monkeypatch.setattr(durable, "_commit_temp", real)


def _state(root: Path) -> tuple[dict[str, bytes], dict[str, tuple[str, list[str]]]]:
    notes = {k: v for k, (v, _) in look(root / "vault").items()}
    with Store(root / "library", read_only=True) as store:
        stored = {h.id: (h.note, h.tags) for h in store.all_highlights()}
    return notes, stored


def test_a_crash_at_every_write_leaves_old_or_new_and_the_next_sync_completes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    origin = tmp_path / "origin"
    _start(origin)
    pristine = tmp_path / "pristine"
    shutil.copytree(origin, pristine, symlinks=True)
    before = {k: v for k, (v, _) in look(origin / "vault").items()}

    writes = 0

    def count() -> None:
        nonlocal writes
        writes += 1

    _run(origin, count, monkeypatch)
    expected = _state(origin)
    assert writes >= 6  # read-back saves, two notes, their bases, the index
    assert len(expected[0]) == 2

    for k in range(writes):
        shutil.rmtree(origin)
        shutil.copytree(pristine, origin, symlinks=True)
        calls = iter(range(writes))

        def crash_at_k(k: int = k, calls: Iterator[int] = calls) -> None:
            if next(calls) == k:
                raise Crash

        with pytest.raises(Crash):
            _run(origin, crash_at_k, monkeypatch)
        after_crash = {k2: v for k2, (v, _) in look(origin / "vault").items()}
        for name, data in after_crash.items():
            if durable.TMP_MARK in name:  # the dying write's temporary file: removed next time
                continue
            assert data in (before.get(name), expected[0][name]), name
        _run(origin, None, monkeypatch)
        assert _state(origin) == expected, f"crash at write {k + 1}"
        settled = look(origin / "vault")
        _run(origin, None, monkeypatch)
        assert look(origin / "vault") == settled
