"""Removals seen from another machine: ``articles/<id>.deleted.json`` against the sidecar.

A removal leaves a tombstone (see :meth:`~.articles.Articles.remove`).  When a sync brings
one, this machine may still have the article (listed in its index, its files not yet gone,
or its sidecar edited here meanwhile: a sync tool keeps a modified file over a deletion).
The rule is :mod:`~.merge`'s: the removal wins over every edit older than it (the article goes
to the trash here too); an edit made after it wins (the article is kept, its text and
highlights brought back from the trash folder the removal filled, which was synced too).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

from tuireader.library import filecheck
from tuireader.library.articles import Articles
from tuireader.library.merge import latest
from tuireader.library.trash import Trash

SUFFIX = ".deleted.json"


class Tombstones:
    """The removal traces of one library's articles."""

    def __init__(self, articles: Articles, shard_dir: Path, trash_dir: Path) -> None:
        self.articles = articles
        self.shard_dir = shard_dir
        self.trash = Trash(trash_dir)
        self.review_dir = articles.dir / "review"  # the daily review's files (see review_state)

    def read(self, article_id: str) -> dict[str, Any] | None:
        try:
            data = orjson.loads(self.articles.tombstone_path(article_id).read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return None
        return data if isinstance(data, dict) else None

    def scan(self, names: list[str], sidecars: set[str],
             indexed: set[str]) -> tuple[list[tuple[str, str]], set[str]]:
        """``(kind, id)`` findings for the tombstones among ``names`` (the ``articles/``
        folder), and the ids they cover (removed, or being decided here)."""
        found: list[tuple[str, str]] = []
        gone: set[str] = set()
        for name in sorted(names):
            if not name.endswith(SUFFIX) or name.startswith("."):
                continue
            aid = name[: -len(SUFFIX)]
            if aid in sidecars:
                tomb = self.read(aid) or {}
                side = self.articles.read_sidecar(aid) or {}
                if str(tomb.get("deleted", "")) >= latest(side):
                    found.append(("deleted-elsewhere", aid))
                    gone.add(aid)
                else:
                    found.append(("edited-after-delete", aid))
                    gone.add(aid)  # decided here: not also a removal's leftover to finish
            else:
                gone.add(aid)
                if aid in indexed or filecheck.exists(self.articles.body_path(aid)) or \
                        filecheck.exists(self.shard_dir / f"{aid}.json"):
                    found.append(("deleted-elsewhere", aid))
        return found, gone

    def bury(self, article_id: str) -> None:
        """Finish here a removal made elsewhere: what is left of the article (its review file
        too) goes to a trash folder of its own (with a record of its metadata and highlights)."""
        side = self.articles.read_sidecar(article_id)
        shard = self.shard_dir / f"{article_id}.json"
        highlights: list[Any] = []
        try:
            data = orjson.loads(shard.read_bytes())
            highlights = list((data.get("highlights") or {}).values())
        except (OSError, orjson.JSONDecodeError, AttributeError):
            pass
        review = self.review_dir / f"{article_id}.json"
        leftovers = [self.articles.body_path(article_id), self.articles.sidecar_path(article_id),
                     self.articles.spine_path(article_id), shard, review]
        if not any(filecheck.exists(p) for p in leftovers):
            return
        folder = self.trash.keep_record(article_id, {"article": side or {"id": article_id},
                                                     "highlights": highlights,
                                                     "removed": "on another machine"})
        moves = [(leftovers[0], "article.md"), (leftovers[1], "article.meta.json"),
                 (leftovers[2], "article.spine.json")]
        moves += [(p, "annotations.json" + p.name.removeprefix(shard.name))
                  for p in self.shard_dir.glob(f"{article_id}.json*")]
        moves += [(p, "review.json" + p.name.removeprefix(review.name))
                  for p in self.review_dir.glob(f"{article_id}.json*")]
        self.trash.move_in(folder, moves)
        self.articles.parse_cache_path(article_id).unlink(missing_ok=True)

    def revive(self, article_id: str) -> None:
        """An edit after the removal wins: the tombstone goes, and the text, highlights and
        review state come back from the newest trash folder of the article if missing."""
        folders = sorted(p for p in self.trash.folder.glob(f"*-{article_id}") if p.is_dir())
        if folders:
            source = folders[-1]
            for name, target in (("article.md", self.articles.body_path(article_id)),
                                 ("article.spine.json", self.articles.spine_path(article_id)),
                                 ("annotations.json", self.shard_dir / f"{article_id}.json"),
                                 ("review.json", self.review_dir / f"{article_id}.json")):
                if (source / name).is_file() and not filecheck.exists(target):
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(source / name, target)
        self.articles.tombstone_path(article_id).unlink(missing_ok=True)
