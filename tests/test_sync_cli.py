"""``tuireader sync``: says what it would merge, merges, refuses while the library is in use;
``--init`` writes the ignore files."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync_support import Machine, clone
from tuireader.cli.main import main
from tuireader.core.model import make_highlight
from tuireader.importers.base import ImportedArticle
from tuireader.library.store import Store


def _with_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Machine, Path, str]:
    a, b = Machine("a", tmp_path, monkeypatch), Machine("b", tmp_path, monkeypatch)
    with a.store() as s:
        aid = s.add_article(ImportedArticle(title="Rivers", markdown="Rivers carve valleys "
                                            "slowly.")).article.id
    clone(a.library, b.library)
    with b.store() as s:
        theirs = make_highlight(aid, "Rivers carve valleys slowly.", 0, 6)
        s.add_highlight(theirs)
    copy = a.library / "annotations" / f"{aid}.sync-conflict-20261204-101500-ABCDEFG.json"
    copy.write_bytes((b.library / "annotations" / f"{aid}.json").read_bytes())
    return a, copy, theirs.id


def test_dry_run_says_and_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    a, copy, _ = _with_copy(tmp_path, monkeypatch)
    with a.on():
        assert main(["sync", "--dry-run", "--library", str(a.library)]) == 0
    assert "would merge" in capsys.readouterr().out
    assert copy.exists()


def test_sync_merges_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    a, copy, hid = _with_copy(tmp_path, monkeypatch)
    with a.on():
        assert main(["sync", "--library", str(a.library)]) == 0
        out = capsys.readouterr().out
        assert "merged changes from" in out and "1 added" in out
        assert not copy.exists()
        with Store(a.library, read_only=True) as s:
            assert s.get_highlight(hid) is not None
        assert main(["sync", "--library", str(a.library)]) == 0
        assert "nothing to merge" in capsys.readouterr().out


def test_sync_refuses_while_another_tuireader_holds_the_library(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    a, copy, _ = _with_copy(tmp_path, monkeypatch)
    with a.on():
        copy.unlink()  # (the holder below would merge it when it opens)
        holder = Store(a.library)
        try:
            assert main(["sync", "--library", str(a.library)]) == 1
            assert main(["sync", "--dry-run", "--library", str(a.library)]) == 1
        finally:
            holder.close()
    assert "another tuireader" in capsys.readouterr().err


def test_init_syncthing_writes_the_ignore_file(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    library = tmp_path / "lib"
    assert main(["sync", "--init", "syncthing", "--library", str(library)]) == 0
    ignored = (library / ".stignore").read_text()
    assert "library.json" in ignored and ".lock" in ignored
    assert main(["sync", "--init", "syncthing", "--library", str(library)]) == 0
    assert (library / ".stignore").read_text() == ignored  # written once
    assert "steps" in capsys.readouterr().out
