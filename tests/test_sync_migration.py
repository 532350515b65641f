"""A library in today's layout moves to the layout that synchronises on its first open, with a
backup; and the names of every sync tool's conflict copies are recognised."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sync_support import index_file
from tuireader.core.document import parse_markdown
from tuireader.core.model import make_highlight
from tuireader.importers.base import ImportedArticle
from tuireader.library import conflicts
from tuireader.library.machine import LIBRARY_FILE, machine_dir
from tuireader.library.store import Store


def _old_layout(library: Path) -> tuple[str, list[str]]:
    """A library as the program before this layout wrote it: ``library.json`` in the folder,
    highlight shards keyed by TinyDB's numbers, no library file."""
    with Store(library) as s:
        aid = s.add_article(ImportedArticle(title="Rivers", markdown="Rivers carve valleys "
                                            "slowly, and towns grow along them.")).article.id
        text = parse_markdown(s.read_markdown(aid)).plain_text
        ids = []
        for start in (0, 13, 30):
            h = make_highlight(aid, text, start, start + 6)
            h.note = f"note {start}"
            s.add_highlight(h)
            ids.append(h.id)
    index = index_file(library)
    (library / "library.json").write_bytes(index.read_bytes())
    index.unlink()
    shard = library / "annotations" / f"{aid}.json"
    data = json.loads(shard.read_text())
    records = [{k: v for k, v in r.items() if k not in ("stamps", "device")}
               for r in data["highlights"].values()]
    shard.write_text(json.dumps({"highlights": {str(i + 1): r for i, r in enumerate(records)}}))
    (library / LIBRARY_FILE).unlink()
    return aid, ids


def test_old_layout_moves_with_a_backup_and_loses_nothing(library: Path) -> None:
    aid, ids = _old_layout(library)
    old_index = (library / "library.json").read_bytes()
    old_shard = (library / "annotations" / f"{aid}.json").read_bytes()
    with Store(library) as s:
        assert any("moved to the layout that synchronises" in w for w in s.warnings), s.warnings
        assert [a.id for a in s.list_articles()] == [aid]
        assert sorted(h.id for h in s.highlights(aid)) == sorted(ids)
        assert {h.note for h in s.highlights(aid)} == {"note 0", "note 13", "note 30"}
    assert not (library / "library.json").exists()  # the index is per machine now
    assert index_file(library).exists()
    shard = json.loads((library / "annotations" / f"{aid}.json").read_text())
    assert sorted(shard["highlights"]) == sorted(ids)  # keyed by the records' own ids
    backups = list((machine_dir(library).backups).glob("layout-3-*"))
    assert len(backups) == 1
    assert (backups[0] / "library.json").read_bytes() == old_index
    assert (backups[0] / "annotations" / f"{aid}.json").read_bytes() == old_shard
    with Store(library) as s:  # once only
        assert s.warnings == []


@pytest.mark.parametrize(("name", "original", "who"), [
    ("ab12cd34.sync-conflict-20261204-101500-ABCDEFG.json", "ab12cd34.json", ""),
    ("ab12cd34 (laptop's conflicted copy 2026-12-04).json", "ab12cd34.json", "laptop"),
    ("ab12cd34 (conflicted copy 2026-12-04 101500).json", "ab12cd34.json", ""),
    ("ab12cd34-desktop.json", "ab12cd34.json", "desktop"),
])
def test_conflict_copy_names(name: str, original: str, who: str) -> None:
    assert conflicts.original_name(name) == (original, who)
    assert conflicts.is_copy(name)


@pytest.mark.parametrize("name", ["ab12cd34.json", "ab12cd34.md", "ab12cd34.spine.json",
                                  "ab12cd34.deleted.json", "library.json.bak1"])
def test_library_names_are_not_copies(name: str) -> None:
    assert not conflicts.is_copy(name)


def test_git_markers_split_into_both_sides() -> None:
    text = ('{"a": 1,\n<<<<<<< HEAD\n"b": 2\n||||||| base\n"b": 0\n=======\n"b": 3\n'
            '>>>>>>> theirs\n}\n')
    assert conflicts.has_markers(text.encode())
    assert conflicts.split_markers(text) == ('{"a": 1,\n"b": 2\n}\n', '{"a": 1,\n"b": 3\n}\n')


def test_a_copy_of_a_body_is_never_listed_as_an_article(library: Path) -> None:
    with Store(library) as s:
        aid = s.add_article(ImportedArticle(title="Rivers", markdown="Rivers.")).article.id
    body = library / "articles" / f"{aid}.md"
    body.with_name(f"{aid} (laptop's conflicted copy 2026-12-04).md").write_text("Rivers!")
    with Store(library) as s:
        assert [a.id for a in s.list_articles()] == [aid]
