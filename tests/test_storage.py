"""DurableStorage: atomic writes, rotating backups, quarantine of corrupt files, outside changes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from tinydb import TinyDB

from tuireader.library import durable as storage_mod
from tuireader.library import filecheck
from tuireader.library.durable import (
    DurableStorage,
    ReadOnlyError,
    StorageError,
    atomic_write_bytes,
    remove_stale_temp_files,
)


def make(path: Path, warnings: list[str] | None = None, **kw: object) -> DurableStorage:
    sink = warnings if warnings is not None else []
    return DurableStorage(path, on_warning=sink.append, **kw)  # type: ignore[arg-type]


def db_on(storage: DurableStorage) -> TinyDB:
    return TinyDB(storage=lambda: storage)


def write_n(path: Path, n: int) -> None:
    s = make(path)
    for i in range(n):
        s.write({"t": {"1": {"n": i}}})


def value(path: Path) -> int:
    return int(json.loads(path.read_text())["t"]["1"]["n"])


def test_atomic_write_bytes_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "f.json"
    target.write_text("old")
    inode = target.stat().st_ino
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert target.stat().st_ino != inode  # replaced by rename, not rewritten in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.json"]


def test_write_then_read_roundtrip_through_tinydb(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    db = db_on(make(path))
    db.table("x").insert({"a": "é"})
    fresh = db_on(make(path))
    assert fresh.table("x").all() == [{"a": "é"}]
    assert "é" in path.read_text(encoding="utf-8")


def test_backups_rotate_bak1_to_bak3(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    write_n(path, 6)  # values 0..5
    assert value(path) == 5
    assert value(path.with_name("db.json.bak1")) == 4
    assert value(path.with_name("db.json.bak2")) == 3
    assert value(path.with_name("db.json.bak3")) == 2
    assert not path.with_name("db.json.bak4").exists()
    # The backup is a separate file: changing the live file never changes bak1.
    assert path.stat().st_ino != path.with_name("db.json.bak1").stat().st_ino


CORRUPT = {
    "empty": b"",
    "truncated": b'{"t": {"1": {"n": 9',
    "trailing garbage": b'{"t": {"1": {"n": 9}}}xx',
    "random bytes": bytes(range(256)) * 4,
    "utf16": json.dumps({"t": {"1": {"n": 9}}}).encode("utf-16"),
    "wrong shape list": b"[1, 2, 3]",
    "wrong shape table": b'{"t": [1, 2]}',
    "wrong shape document": b'{"t": {"1": 5}}',
    "wrong shape doc id": b'{"t": {"abc": {"n": 1}}}',
    "nested too deep": b"[" * 100_000,
}


@pytest.mark.parametrize("content", CORRUPT.values(), ids=CORRUPT.keys())
def test_corrupt_file_moved_aside_and_newest_backup_used(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "db.json"
    write_n(path, 3)  # live 2, bak1 1, bak2 0
    path.write_bytes(content)
    warnings: list[str] = []
    s = make(path, warnings)
    data = s.read()
    assert data == {"t": {"1": {"n": 1}}}  # bak1, the newest good backup
    aside = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert len(aside) == 1 and aside[0].read_bytes() == content  # kept byte for byte
    assert len(warnings) == 1
    assert aside[0].name in warnings[0] and "db.json.bak1" in warnings[0]
    assert str(path) in warnings[0]
    # The live file was restored from the backup and the next write works on it.
    assert value(path) == 1
    s.write({"t": {"1": {"n": 7}}})
    assert value(path) == 7


def test_corrupt_backup_skipped_for_older_good_one(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    write_n(path, 3)
    path.write_bytes(b"garbage")
    path.with_name("db.json.bak1").write_bytes(b"{broken")
    warnings: list[str] = []
    assert make(path, warnings).read() == {"t": {"1": {"n": 0}}}
    assert "db.json.bak2" in warnings[0]


def test_corrupt_without_backup_warns_never_silent(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    path.write_bytes(b"\x00\x01 not json")
    warnings: list[str] = []
    assert make(path, warnings).read() is None
    assert len(warnings) == 1 and "no readable backup" in warnings[0]
    aside = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert aside and aside[0].name in warnings[0]


def test_second_quarantine_never_overwrites_the_first(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(filecheck, "_timestamp", lambda: "SAME")
    path = tmp_path / "db.json"
    for content in (b"first bad", b"second bad"):
        path.write_bytes(content)
        make(path).read()
    kept = sorted(p.read_bytes() for p in tmp_path.iterdir() if ".corrupt-" in p.name)
    assert kept == [b"first bad", b"second bad"]


def test_utf8_bom_is_not_corruption(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"t": {"1": {"n": 3}}}')
    warnings: list[str] = []
    assert make(path, warnings).read() == {"t": {"1": {"n": 3}}}
    assert warnings == []


def test_read_only_leaves_corrupt_file_in_place_but_uses_backup(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    write_n(path, 2)
    path.write_bytes(b"bad")
    warnings: list[str] = []
    s = make(path, warnings, read_only=True)
    assert s.read() == {"t": {"1": {"n": 0}}}
    assert path.read_bytes() == b"bad"
    assert "read-only" in warnings[0]
    with pytest.raises(ReadOnlyError):
        s.write({})


def test_external_replacement_reloaded_before_next_write(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    warnings: list[str] = []
    s = make(path, warnings)
    # The store's writes (TinyDB's own insert caches the next document id in the Table, which
    # no storage can refresh; the store never uses it).
    s.put_records("t", [{"id": "a", "who": "us"}])
    # Another program replaces the file (sync tool, editor saving via rename).
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"t": {"1": {"id": "a", "who": "us"},
                                       "2": {"id": "b", "who": "them"}}}))
    os.replace(other, path)
    s.put_records("t", [{"id": "c", "who": "us again"}])
    whos = [d["who"] for d in json.loads(path.read_text())["t"].values()]
    assert whos == ["us", "them", "us again"]
    assert any("changed by another program" in w for w in warnings)


def test_put_and_remove_records_by_id_in_one_write_each(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    s = make(path)
    s.set_document("other", 1, {"kept": True})
    s.put_records("t", [{"id": "a", "n": 1}, {"id": "b", "n": 1}])
    before = s.read()
    s.put_records("t", [{"id": "b", "n": 2}, {"id": "c", "n": 1}])  # one replaced, one new
    assert json.loads(path.read_text()) == {
        "other": {"1": {"kept": True}},
        "t": {"1": {"id": "a", "n": 1}, "2": {"id": "b", "n": 2}, "3": {"id": "c", "n": 1}}}
    # Copy-on-write: what a reader had in hand is not changed under it.
    assert before == {"other": {"1": {"kept": True}},
                      "t": {"1": {"id": "a", "n": 1}, "2": {"id": "b", "n": 1}}}
    assert s.remove_records("t", {"a", "zzz"}) == 1
    inode = path.stat().st_ino
    assert s.remove_records("t", {"zzz"}) == 0
    assert path.stat().st_ino == inode  # nothing removed: no write
    # TinyDB reads the result as its own (and numbers a new document after the others).
    table = db_on(make(path)).table("t")
    assert [d["id"] for d in table.all()] == ["b", "c"]
    assert table.insert({"id": "d"}) == 4


def test_failed_put_keeps_the_copy_in_memory_as_it_was(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "db.json"
    s = make(path)
    s.put_records("t", [{"id": "a"}])

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage_mod.os, "replace", boom)
    with pytest.raises(StorageError, match="No space left"):
        s.put_records("t", [{"id": "b"}])
    monkeypatch.undo()
    assert s.read() == {"t": {"1": {"id": "a"}}}


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_write_failure_keeps_old_file_and_raises(tmp_path: Path, monkeypatch, failing) -> None:
    path = tmp_path / "db.json"
    write_n(path, 3)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    s = make(path)
    db = db_on(s)

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage_mod.os, failing, boom)
    with pytest.raises(StorageError, match=r"No space left on device.*unchanged"):
        db.table("t").insert({"n": 99})
    monkeypatch.undo()
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert after == before  # live file, backups: all untouched; no temp file left
    # The failed change is not kept in memory as if it were saved.
    assert db.table("t").all() == [{"n": 2}]


def test_file_size_limit_in_subprocess_keeps_old_file(tmp_path: Path) -> None:
    pytest.importorskip("resource")
    path = tmp_path / "db.json"
    write_n(path, 1)
    before = path.read_bytes()
    script = textwrap.dedent(
        f"""
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        from tuireader.library.durable import DurableStorage, StorageError
        s = DurableStorage({str(path)!r})
        s.read()
        try:
            s.write({{"t": {{"1": {{"n": "x" * 100_000}}}}}})
        except StorageError as exc:
            print("ERR", exc)
            sys.exit(0)
        print("NO ERROR")
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ERR could not save"), out.stdout
    assert path.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]


def test_stale_temp_files_removed(tmp_path: Path) -> None:
    (tmp_path / ".db.json.tmp-123-abcdef").write_text("half")
    (tmp_path / ".keep").write_text("not ours")
    (tmp_path / "db.json").write_text("{}")
    assert remove_stale_temp_files(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [".keep", "db.json"]


def test_prefetch_then_read_and_fresh_within(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    write_n(path, 1)
    s = make(path)
    s.prefetch()
    assert s.signature is not None
    assert s.read(fresh_within=60) == {"t": {"1": {"n": 0}}}
    # Within the window an outside change is not looked for; a plain read sees it.
    other = tmp_path / "o.json"
    other.write_text(json.dumps({"t": {"1": {"n": 5}}}))
    os.replace(other, path)
    assert s.read(fresh_within=60) == {"t": {"1": {"n": 0}}}
    assert s.read() == {"t": {"1": {"n": 5}}}


def test_prefetch_leaves_corrupt_file_to_read(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    write_n(path, 2)
    path.write_bytes(b"bad")
    warnings: list[str] = []
    s = make(path, warnings)
    s.prefetch()
    assert warnings == []
    assert s.read() == {"t": {"1": {"n": 0}}}
    assert warnings
