"""Suite 2: a save that fails part-way, a read-only library folder, a library path that is a file.

Root ignores permissions, so the failures are made real in other ways: RLIMIT_FSIZE in a
subprocess (the kernel refuses to grow the file, as on a full disk), ``os.replace``/``os.open``
patched to raise ENOSPC or EACCES, and a child process that drops to ``nobody``.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app_support import Notifications, make_config, make_library, wait_for
from sync_support import index_file, machine_state
from tuireader.app import make_app
from tuireader.core.document import parse_markdown
from tuireader.core.model import make_highlight
from tuireader.importers.base import ImportedArticle
from tuireader.library.durable import StorageError
from tuireader.library.shards import ShardSet
from tuireader.library.store import Store
from tuireader.screens.main import MainScreen
from tuireader.widgets.reader import ReaderView

TEXT = "\n\n".join(f"Paragraph {i} about rivers, valleys and towns." for i in range(10))


def _library(path: Path) -> tuple[str, str]:
    with Store(path) as s:
        aid = s.add_article(ImportedArticle(title="Rivers", markdown=TEXT)).article.id
        text = parse_markdown(s.read_markdown(aid)).plain_text
        h = make_highlight(aid, text, 0, 30)
        s.add_highlight(h)
    return aid, h.id


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".lock"}


def test_file_size_limit_while_saving_a_highlight(library: Path) -> None:
    """The kernel refuses to grow the shard past 8 KB (as a full disk would): the save fails
    with one clear line, every file is as it was, the store goes on working."""
    aid, hid = _library(library)
    before = _snapshot(library)
    script = textwrap.dedent(f"""
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        from tuireader.core.model import make_highlight
        from tuireader.core.document import parse_markdown
        from tuireader.library.durable import StorageError
        from tuireader.library.store import Store
        s = Store({str(library)!r})
        text = parse_markdown(s.read_markdown({aid!r})).plain_text
        s.highlights({aid!r})
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))
        big = make_highlight({aid!r}, text, 40, 80)
        big.note = "x" * 100_000
        try:
            s.add_highlight(big)
        except StorageError as exc:
            print("ERR", exc)
        ids = [h.id for h in s.highlights({aid!r})]
        print("AFTER", ids)
        small = make_highlight({aid!r}, text, 40, 80)
        s.add_highlight(small)   # a small change still fits: the store is usable
        print("SMALL", small.id)
        s.close()
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("ERR could not save") and "file on disk is unchanged" in lines[0]
    assert "Traceback" not in out.stdout + out.stderr
    assert lines[1] == f"AFTER {[hid]!r}"  # the failed change is not shown as saved
    small = lines[2].split()[1]
    with Store(library) as s:
        assert {h.id for h in s.highlights(aid)} == {hid, small}
        assert s.warnings == []
    after = _snapshot(library)
    shard = f"annotations/{aid}.json"
    # The old file became the backup, kept on this machine (library/records.py).
    backup = machine_state(library) / "backups" / f"{shard}.bak1"
    assert backup.read_bytes() == before[shard]
    assert not [name for name in after if ".tmp-" in name]


def test_enospc_on_rename_keeps_everything(library: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    aid, hid = _library(library)
    with Store(library) as s:
        text = parse_markdown(s.read_markdown(aid)).plain_text
        s.highlights(aid)
        before = _snapshot(library)

        def full(*args: object, **kwargs: object) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(os, "replace", full)
        with pytest.raises(StorageError, match="No space left on device"):
            s.add_highlight(make_highlight(aid, text, 40, 80))
        monkeypatch.undo()
        assert [h.id for h in s.highlights(aid)] == [hid]
        assert not [p for p in library.rglob("*") if ".tmp-" in p.name]
        # Retried once there is room: saved.
        again = make_highlight(aid, text, 40, 80)
        s.add_highlight(again)
        assert {h.id for h in s.highlights(aid)} == {hid, again.id}
    assert _snapshot(library)[f"articles/{aid}.md"] == before[f"articles/{aid}.md"]


def _full_disk(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Make every highlight save (``ShardSet.save``, where the Annotator's writes go) fail as
    on a full disk while the returned flag is set."""
    real_save = ShardSet.save
    failing = [True]

    def save(self: ShardSet, highlights: list) -> None:
        if failing[0]:
            raise StorageError(f"could not save {self.folder}/x.json: "
                               "No space left on device; the file on disk is unchanged")
        real_save(self, highlights)

    monkeypatch.setattr(ShardSet, "save", save)
    return failing


async def _opened(pilot) -> ReaderView:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    reader = pilot.app.screen.query_one(ReaderView)
    await wait_for(pilot, lambda: reader.document.complete, what="the article did not open")
    reader.focus()
    return reader


async def test_app_reports_a_failed_highlight_save(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """``h`` while the disk is full: an error notification with the store's message, no
    traceback, the app keeps running, nothing saved (the highlight drawn at once is taken
    back); ``h`` again once there is room: saved."""
    store = make_library(tmp_path / "lib", long=False)
    try:
        aid = store.list_articles()[0].id
        app = make_app(store, make_config(), open_article=aid)
        failing = _full_disk(monkeypatch)
        notes = Notifications()
        async with app.run_test(size=(140, 40), message_hook=notes) as pilot:
            reader = await _opened(pilot)
            await pilot.press("h")
            await wait_for(pilot, lambda: any("No space left" in m for m in notes.messages),
                         what=lambda: notes.messages)
            note = next(n for n in notes.seen if "No space left" in str(n.message))
            assert note.severity == "error" and "Traceback" not in str(note.message)
            assert app.is_running and isinstance(app.screen, MainScreen)
            assert store.highlights(aid) == []
            await wait_for(pilot, lambda: reader.highlights == [],
                           what="the drawn highlight stayed")
            failing[0] = False
            await pilot.press("h")
            await wait_for(pilot, lambda: bool(store.highlights(aid)))
        assert len(store.highlights(aid)) == 1
    finally:
        store.close()


async def test_app_reports_a_failed_undo(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """``u`` after ``x`` while the disk is full: the undo's save fails, the user is told (an
    error notification, not a traceback on the writer thread), and ``u`` again once there is
    room brings the highlight back."""
    store = make_library(tmp_path / "lib", long=False)
    try:
        aid = store.list_articles()[0].id
        app = make_app(store, make_config(), open_article=aid)
        notes = Notifications()
        async with app.run_test(size=(140, 40), message_hook=notes) as pilot:
            screen = app.screen
            assert isinstance(screen, MainScreen)
            await _opened(pilot)
            await pilot.press("h")
            await wait_for(pilot, lambda: len(screen.highlights) == 1)
            await pilot.press("x")
            await wait_for(pilot, lambda: not screen.highlights)
            failing = _full_disk(monkeypatch)
            await pilot.press("u")
            await wait_for(pilot, lambda: any("No space left" in m for m in notes.messages),
                         what=lambda: notes.messages)
            note = next(n for n in notes.seen if "No space left" in str(n.message))
            assert note.severity == "error"
            assert app.is_running and store.highlights(aid) == []
            failing[0] = False
            await pilot.press("u")
            await wait_for(pilot, lambda: len(screen.highlights) == 1)
        assert len(store.highlights(aid)) == 1
    finally:
        store.close()


def _as_nobody() -> None:
    os.setgid(65534)
    os.setuid(65534)


def _nobody_works() -> bool:
    try:
        out = subprocess.run([sys.executable, "-c", "import tuireader"], preexec_fn=_as_nobody,
                             timeout=30, capture_output=True)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0


def _cli(*args: str, as_nobody: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": "/tmp", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "tuireader", *args], capture_output=True,
                          text=True, timeout=60, env=env,
                          preexec_fn=_as_nobody if as_nobody else None)


@pytest.mark.skipif(not _nobody_works(), reason="cannot switch to the nobody user here")
def test_read_only_library_folder_via_cli(tmp_path: Path) -> None:
    """A library folder the user may not write: reading works, a change is refused with one
    line and exit status 1, nothing changed."""
    tmp_path.chmod(0o755)
    library = tmp_path / "lib"
    _library(library)
    before = _snapshot(library)
    source = tmp_path / "new.md"
    source.write_text("# New\n\nSome text.")
    source.chmod(0o644)
    for p in [library, *library.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    listed = _cli("--library", str(library), "list", as_nobody=True)
    assert listed.returncode == 0, listed.stderr
    assert "Rivers" in listed.stdout
    added = _cli("--library", str(library), "add", str(source), as_nobody=True)
    assert added.returncode == 1, (added.stdout, added.stderr)
    assert "Traceback" not in added.stderr
    errors = [line for line in added.stderr.splitlines() if line.startswith("error")]
    assert len(errors) == 1 and "read-only" in errors[0], added.stderr
    assert _snapshot(library) == before


def test_library_path_is_a_file_via_cli(tmp_path: Path) -> None:
    path = tmp_path / "lib"
    path.write_text("not a folder")
    for args in (["list"], ["add", "-"], ["highlights"]):
        out = _cli("--library", str(path), *args)
        assert out.returncode == 1, (args, out.stderr)
        assert out.stderr.strip().count("\n") == 0 and "not a folder" in out.stderr, out.stderr
        assert "Traceback" not in out.stderr
    assert path.read_text() == "not a folder"
    # A folder on the way that is a file.
    out = _cli("--library", str(path / "inner"), "list")
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    assert out.stderr.strip().count("\n") == 0, out.stderr


def test_unwritable_library_folder_simulated_via_cli(tmp_path: Path, monkeypatch, capsys
                                                     ) -> None:
    """Root ignores the folder's mode, so refuse where the OS would: creating the lock file
    and the subfolders (EACCES).  ``add`` says read-only in one line and exits 1; ``list``
    still works."""
    from tuireader.cli import main as cli

    library = tmp_path / "lib"
    _library(library)
    before = _snapshot(library)
    source = tmp_path / "new.md"
    source.write_text("# New\n\nSome text.")

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Path, "mkdir", refuse)
    monkeypatch.setattr("tuireader.library.lock.FileLock.acquire", refuse)
    assert cli.main(["--library", str(library), "list"]) == 0
    assert "Rivers" in capsys.readouterr().out
    assert cli.main(["--library", str(library), "add", str(source)]) == 1
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "read-only" in errors[0], err
    assert "not writable" in err and "Traceback" not in err  # the reason is given too
    assert _snapshot(library) == before


@pytest.mark.parametrize("write", ["body", "sidecar", "index"])
def test_add_on_a_full_disk_one_line_per_source_nothing_left(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        write: str) -> None:
    """ENOSPC from each write of ``add`` (the body, its sidecar, the index), for every source:
    one ``error:`` line per source, no traceback, the other sources still tried, and nothing
    of the failed articles left in the library."""
    from tuireader.cli import main as cli
    from tuireader.library import durable

    library = tmp_path / "lib"
    _library(library)
    before = _snapshot(library)
    index_before = index_file(library).read_bytes()  # the index is kept per machine
    sources = []
    for n in range(3):
        source = tmp_path / f"new{n}.md"
        source.write_text(f"# New {n}\n\nSome text number {n} about harbours.")
        sources.append(str(source))
    real = durable._write_temp

    def full(path: Path, data: bytes) -> Path:
        kind = ("index" if path.name == "library.json" else "body" if path.suffix == ".md"
                else "sidecar" if path.parent.name == "articles" else "other")
        if kind == write:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, data)

    monkeypatch.setattr(durable, "_write_temp", full)
    code = cli.main(["--library", str(library), "add", *sources])
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 3, err
    assert all("No space left on device" in line and "nothing was added" in line
               for line in errors), err
    assert out == ""
    after = _snapshot(library)
    assert {k: v for k, v in after.items() if k.startswith("articles/")} == {
        k: v for k, v in before.items() if k.startswith("articles/")}
    assert index_file(library).read_bytes() == index_before
