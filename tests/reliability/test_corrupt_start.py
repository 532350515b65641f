"""Suite 3: corrupt and foreign files at start, for the library file and a highlight shard.

Each damaged file is moved aside (never deleted), the newest good backup is used, and the user
is told; with no backup the store says it is starting that file empty.  Never a silent empty
library, never a traceback.  (Schema newer/older: tests/test_store.py.)
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from sync_support import index_file
from tuireader.core.document import parse_markdown
from tuireader.core.model import make_highlight
from tuireader.importers.base import ImportedArticle
from tuireader.library.store import Store


def _damage(kind: str, good: bytes) -> bytes:
    rng = random.Random(kind)
    return {
        "empty": b"",
        "truncated": good[: len(good) // 2],
        "trailing-garbage": good + b"\x00\x00garbage}",
        "random-bytes": bytes(rng.randrange(256) for _ in range(4096)),
        "utf16": good.decode().encode("utf-16"),
        "wrong-shape-list": b"[1, 2, 3]",
        "wrong-shape-table": json.dumps({"articles": [1, 2]}).encode(),
        "wrong-shape-doc": json.dumps({"highlights": {"x": {"id": 1}}}).encode(),
        "deep-nesting": b"[" * 100_000 + b"]" * 100_000,
        "nul-only": b"\x00" * 1000,
    }[kind]


KINDS = ["empty", "truncated", "trailing-garbage", "random-bytes", "utf16", "wrong-shape-list",
         "wrong-shape-table", "wrong-shape-doc", "deep-nesting", "nul-only"]


def _build(library: Path) -> tuple[str, list[str]]:
    with Store(library) as s:
        aid = s.add_article(ImportedArticle(title="Rivers", markdown="Rivers carve valleys "
                                            "slowly, and towns grow along them. " * 4)).article.id
        text = parse_markdown(s.read_markdown(aid)).plain_text
        ids = []
        for start in (0, 40, 80):  # three saves: bak1 holds the first two
            h = make_highlight(aid, text, start, start + 30)
            s.add_highlight(h)
            ids.append(h.id)
        s.add_article(ImportedArticle(title="Second", markdown="Another text entirely."))
    return aid, ids


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("which", ["library", "shard"])
def test_damaged_file_uses_backup_and_says_so(library: Path, kind: str, which: str) -> None:
    aid, ids = _build(library)
    path = (index_file(library) if which == "library"
            else library / "annotations" / f"{aid}.json")
    damaged = _damage(kind, path.read_bytes())
    path.write_bytes(damaged)
    with Store(library) as s:
        titles = [a.title for a in s.list_articles()]
        found = [h.id for h in s.highlights(aid)]
        warnings = list(s.warnings)
    assert any("unreadable" in w and ".corrupt-" in w and ".bak1" in w for w in warnings), warnings
    if which == "library":
        # The version before the last save, plus the article added last, from its files.
        assert sorted(titles) == ["Rivers", "Second"]
        assert found == ids
    else:
        assert titles == ["Rivers", "Second"]
        assert found == ids[:2]
    aside = [p for p in path.parent.iterdir() if ".corrupt-" in p.name]
    assert len(aside) == 1 and aside[0].read_bytes() == damaged  # kept, byte for byte
    # Reopening is quiet: the repair was written.
    with Store(library) as s:
        assert s.warnings == []


@pytest.mark.parametrize("kind", ["empty", "random-bytes", "utf16", "wrong-shape-list"])
def test_damaged_file_without_backup_is_never_silent(library: Path, kind: str) -> None:
    _build(library)
    path = index_file(library)
    for n in (1, 2, 3):
        index_file(library).with_name(f"library.json.bak{n}").unlink(missing_ok=True)
    path.write_bytes(_damage(kind, path.read_bytes()))
    with Store(library) as s:
        # No backup: every article is rebuilt from its own files (sidecar, body, shard).
        assert sorted(a.title for a in s.list_articles()) == ["Rivers", "Second"]
        assert any("no readable backup" in w and "kept" in w for w in s.warnings), s.warnings
    assert [p for p in index_file(library).parent.iterdir() if ".corrupt-" in p.name]


def test_every_backup_damaged_too(library: Path) -> None:
    _build(library)
    for name in ("library.json", "library.json.bak1", "library.json.bak2", "library.json.bak3"):
        path = index_file(library).with_name(name)  # the index is kept per machine
        if path.exists():
            path.write_bytes(os.urandom(100))
    with Store(library) as s:
        assert any("no readable backup" in w for w in s.warnings), s.warnings
