"""The library's lock lives outside the library folder, per machine (issue #21), and still
keeps a second tuireader of this machine from writing; an older program's ``.lock`` in the
folder is respected while held and removed once stale."""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock

from tuireader.importers.base import ImportedArticle
from tuireader.library.lock import LibraryLock
from tuireader.library.store import Store


def _article() -> ImportedArticle:
    return ImportedArticle(title="Rivers", markdown="Rivers carve valleys slowly.")


def test_the_lock_is_outside_the_library_folder(library: Path, machine_dir: Path) -> None:
    with Store(library) as s:
        assert not s.read_only
        assert not (library / ".lock").exists()
        lock = LibraryLock(library)
        assert not lock.path.is_relative_to(library)
        assert lock.path.is_relative_to(machine_dir)
        assert lock.acquire() == "another tuireader is using this library"
        with Store(library) as second:
            assert second.read_only
    assert not any(p.name.endswith(".lock") for p in library.rglob("*"))
    with Store(library) as s:  # released at close
        assert not s.read_only


def test_every_name_of_one_folder_is_one_lock(library: Path, tmp_path: Path) -> None:
    Store(library).close()
    link = tmp_path / "link"
    link.symlink_to(library, target_is_directory=True)
    with Store(library):
        with Store(link) as other:
            assert other.read_only
        with Store(library / ".." / library.name) as other:
            assert other.read_only


def test_two_libraries_two_locks(tmp_path: Path) -> None:
    with Store(tmp_path / "one") as one, Store(tmp_path / "two") as two:
        assert not one.read_only and not two.read_only


def test_an_older_programs_held_lock_is_respected(library: Path) -> None:
    with Store(library) as s:
        s.add_article(_article())
    older = FileLock(library / ".lock")
    older.acquire(timeout=0)  # an older tuireader, still running
    try:
        with Store(library) as s:
            assert s.read_only
            assert any("older tuireader" in w for w in s.warnings), s.warnings
            assert [a.title for a in s.list_articles()] == ["Rivers"]
    finally:
        older.release()
    with Store(library) as s:  # it quit: its lock is stale, and goes
        assert not s.read_only
        assert not (library / ".lock").exists()


def test_a_stale_lock_file_in_the_folder_is_removed(library: Path) -> None:
    Store(library).close()
    (library / ".lock").write_bytes(b"")
    with Store(library) as s:
        assert not s.read_only and s.warnings == []
    assert not (library / ".lock").exists()
