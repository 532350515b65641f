"""The trial of issue #21: a library on two machines, each side edited, merged the way the
sync engines do; nothing lost, no deletion brought back, every conflict reported."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from sync_support import Machine, clone, engine_sync, files
from tuireader.cli.main import main
from tuireader.core.document import parse_markdown
from tuireader.core.model import make_highlight
from tuireader.importers.base import ImportedArticle
from tuireader.library.store import Store

TEXTS = {
    "Rivers": "Rivers carve valleys slowly, and towns grow along their banks for centuries.",
    "Cities": "Cities gather people, trades and noise around a market and a harbour.",
    "Harbours": "Harbours shelter boats from storms behind walls of stone and timber.",
    "Forests": "Forests keep the rain, the soil and a thousand kinds of beetles.",
    "Deserts": "Deserts are not empty: they are full of light, wind and patient life.",
}


def _add(store: Store, title: str) -> str:
    return store.add_article(ImportedArticle(title=title, markdown=TEXTS[title])).article.id


def _mark(store: Store, aid: str, word: str, note: str = "") -> str:
    text = parse_markdown(store.read_markdown(aid)).plain_text
    start = text.index(word)
    h = make_highlight(aid, text, start, start + len(word))
    h.note = note
    store.add_highlight(h)
    return h.id


class Trial:
    """Both machines' edits, and what the merged library must hold."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                 share: Callable[[Machine, Machine], None] = lambda a, b: clone(a.library,
                                                                                b.library),
                 ) -> None:
        self.a = Machine("a", tmp_path, monkeypatch)
        self.b = Machine("b", tmp_path, monkeypatch)
        with self.a.store() as s:
            self.rivers, self.cities, self.harbours = (_add(s, t) for t in
                                                        ("Rivers", "Cities", "Harbours"))
            self.h1 = _mark(s, self.rivers, "Rivers", "first thought")
            self.h2 = _mark(s, self.rivers, "valleys")
            self.h3 = _mark(s, self.rivers, "towns")
            _mark(s, self.harbours, "boats")
        share(self.a, self.b)
        self.base = files(self.a.library)
        with self.a.store() as s:  # machine A, first
            self.forests = _add(s, "Forests")
            self.h4 = _mark(s, self.rivers, "centuries")
            h1 = s.get_highlight(self.h1)
            assert h1 is not None
            h1.note = "a note from A"
            s.save_highlights([h1])
            cities = s.get_article(self.cities)
            assert cities is not None
            cities.tags = ["from-a"]
            s.update_article(cities)
            h2 = s.get_highlight(self.h2)
            assert h2 is not None
            s.delete_highlight(h2)
            rivers = s.get_article(self.rivers)  # both machines read Rivers: A first
            assert rivers is not None
            rivers.position = 5
            s.save_reading(rivers)
        with self.b.store() as s:  # machine B, later
            self.deserts = _add(s, "Deserts")
            self.h5 = _mark(s, self.rivers, "banks")
            h3 = s.get_highlight(self.h3)
            assert h3 is not None
            h3.tags = ["from-b"]
            s.save_highlights([h3])
            h1 = s.get_highlight(self.h1)
            assert h1 is not None
            h1.note = "a note from B"
            s.save_highlights([h1])
            s.remove_article(self.harbours)
            rivers = s.get_article(self.rivers)
            assert rivers is not None
            rivers.position = 12
            s.update_article(rivers)

    def check(self, machine: Machine, *, merged_here: bool = True) -> list[str]:
        """The merged library as ``machine`` opens it; returns its warnings."""
        with machine.store() as s:
            titles = sorted(a.title for a in s.list_articles())
            assert titles == ["Cities", "Deserts", "Forests", "Rivers"]  # Harbours removed
            by_id = {h.id: h for h in s.highlights(self.rivers)}
            assert set(by_id) == {self.h1, self.h3, self.h4, self.h5}  # h2 stays deleted
            assert by_id[self.h1].note == "a note from B"  # the newer note
            assert by_id[self.h3].tags == ["from-b"]
            cities = s.get_article(self.cities)
            assert cities is not None and cities.tags == ["from-a"]
            rivers = s.get_article(self.rivers)
            assert rivers is not None and rivers.position == 12
            assert s.get_article(self.harbours) is None
            warnings = list(s.warnings)
            logged = s.sync.unseen_conflicts()
        if merged_here:
            assert any("a note from A" in line for line in logged), logged  # the older note
        return warnings


@pytest.mark.parametrize("newer", ["a", "b"])
@pytest.mark.parametrize("naming", ["syncthing", "dropbox"])
def test_engine_merge_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    naming: str, newer: str) -> None:
    trial = Trial(tmp_path, monkeypatch)
    made = engine_sync(trial.a.library, trial.b.library, trial.base, naming=naming, newer=newer)
    assert any(name.startswith("annotations/") for name in made), made  # a real conflict
    # Both read Rivers: the newer position wins (checked below) and no file both machines
    # write was written for it: no conflict copy of its metadata, none of a reading file.
    assert not [n for n in made if n.startswith(("reading/", f"articles/{trial.rivers}"))], made
    for machine in (trial.a, trial.b):
        warnings = trial.check(machine)
        assert any(w.startswith("merged ") for w in warnings), warnings  # said, not silent
        # The copies went to the trash; a second open finds nothing left to merge.
        with machine.store() as s:
            assert not [w for w in s.warnings if w.startswith("merged ")]
    # Both machines merged the same inputs: the same highlight files, byte for byte.
    shards_a = {k: v for k, v in files(trial.a.library).items() if k.startswith("annotations/")}
    shards_b = {k: v for k, v in files(trial.b.library).items() if k.startswith("annotations/")}
    assert shards_a == shards_b


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True,
                          check=True)
    return done.stdout


def _sync(machine: Machine) -> tuple[int, str]:
    with machine.on():
        code = main(["sync", "--git", "--library", str(machine.library)])
    return code, ""


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_with_the_driver_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    for var, value in (("GIT_AUTHOR_NAME", "t"), ("GIT_AUTHOR_EMAIL", "t@example.org"),
                       ("GIT_COMMITTER_NAME", "t"), ("GIT_COMMITTER_EMAIL", "t@example.org")):
        monkeypatch.setenv(var, value)
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)

    def share(a: Machine, b: Machine) -> None:
        with a.on():
            assert main(["sync", "--init", "git", "--library", str(a.library)]) == 0
            assert main(["sync", "--git", "--library", str(a.library)]) == 0  # no remote yet
            _git(a.library, "remote", "add", "origin", str(remote))
            _git(a.library, "push", "-q", "-u", "origin", "HEAD")
        subprocess.run(["git", "clone", "-q", str(remote), str(b.library)], check=True)

    trial = Trial(tmp_path, monkeypatch, share)
    assert _sync(trial.a)[0] == 0  # A first: commit, push
    code, _ = _sync(trial.b)  # B: commit, pull (the driver merges), push
    out = capsys.readouterr()
    assert code == 1, out  # the note edited on both machines is reported
    assert "note edited on two machines" in out.err + out.out
    assert _sync(trial.a)[0] == 0  # A: pull what B merged
    trial.check(trial.b)
    trial.check(trial.a, merged_here=False)
    assert "<<<<<<<" not in "".join(files(trial.a.library).get(k, b"").decode("utf-8", "replace")
                                    for k in files(trial.a.library) if k.endswith(".json"))
