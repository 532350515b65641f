"""Helpers for the vault sync tests: a small library made through the store, a vault folder,
and a look at every file of the vault (bytes and mtimes) to prove what a sync did not touch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tuireader.core.document import parse_markdown
from tuireader.core.model import Highlight
from tuireader.export.vault import SyncReport, sync_vault
from tuireader.export.vault.sync import AnnotatorApplier
from tuireader.importers.base import ImportedArticle
from tuireader.library.editing import Annotator
from tuireader.library.store import Store

BIRDS = """# Birds

Swifts sleep on the wing and rarely land.

## Migration

Storks ride thermals across the strait. Geese fly in a V to save effort.

## Nests

Weaver birds knot grass into hanging nests. Some nests last for years.
"""

PHRASES = ["Swifts sleep on the wing", "Storks ride thermals", "Geese fly in a V",
           "Weaver birds knot grass", "Some nests last for years"]


class Lib:
    """A writable library with one article ("Birds") and highlights over some of PHRASES."""

    def __init__(self, root: Path, title: str = "Birds of the world") -> None:
        self.store = Store(root / "library")
        self.annotator = Annotator(self.store)
        self.article = self.store.add_article(
            ImportedArticle(title=title, markdown=BIRDS, author="Ann Wing",
                            url="https://example.org/birds")).article
        self.text = parse_markdown(BIRDS).plain_text
        self.vault = root / "vault"
        self.vault.mkdir(exist_ok=True)
        self.state = root / "state"

    def highlight(self, phrase: str, note: str = "", tags: tuple[str, ...] = (),
                  kind: int = 1) -> Highlight:
        at = self.text.index(phrase)
        h, _ = self.annotator.add(self.article.id, self.text, at, at + len(phrase), kind)
        if note:
            h = self.annotator.set_note(h, note)
        if tags:
            h = self.annotator.set_tags(h, list(tags))
        return h

    def sync(self, **kw: Any) -> SyncReport:
        kw.setdefault("state_dir", self.state)
        kw.setdefault("applier", AnnotatorApplier(self.annotator))  # undo sees the read-backs
        return sync_vault(self.store, self.vault, **kw)

    def note_path(self) -> Path:
        notes = [p for p in self.vault.rglob("*.md") if not p.name.startswith(".")]
        assert len(notes) == 1, notes
        return notes[0]

    def note(self) -> str:
        return self.note_path().read_bytes().decode("utf-8")

    def write_note(self, text: str) -> None:
        self.note_path().write_bytes(text.encode("utf-8"))

    def get(self, h: Highlight) -> Highlight:
        found = self.store.get_highlight(h.id)
        assert found is not None
        return found

    def close(self) -> None:
        self.store.close()


def look(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder``: its bytes and mtime (ns)."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}
