"""Working on the notes in the vault and in tuireader in any order: random interleavings (fixed
seeds) of edits on both sides, a sync after each few, and after every sync: nothing lost (the
user's paragraphs, the vault's edits, tuireader's highlights), nothing duplicated, and a second
sync changes nothing."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from tuireader.core.model import KINDS
from vault_support import Lib, look

_GLYPHS = tuple(glyph for _name, glyph in KINDS.values())


class World:
    def __init__(self, tmp_path: Path, seed: int) -> None:
        self.lib = Lib(tmp_path)
        self.rng = random.Random(seed)
        self.words = [(m.start(), m.end()) for m in re.finditer(r"\w+", self.lib.text)]
        self.user_marks: list[str] = []
        self.vault_deleted: set[str] = set()
        self.deleted: set[str] = set()
        #: highlight id -> (note, tags) written in the vault since the last sync
        self.vault_edits: dict[str, tuple[str, list[str]]] = {}
        self.touched: set[str] = set()  # notes/tags changed in tuireader since the last sync
        self.n = 0

    def live(self) -> list[str]:
        return [h.id for h in self.lib.store.highlights(self.lib.article.id)]

    def in_vault(self) -> list[str]:
        return re.findall(r"^\^hl-(\w+)$", self.lib.note(), re.MULTILINE)

    # -- tuireader's side ------------------------------------------------------------------------

    def t_add(self) -> None:
        i = self.rng.randrange(len(self.words) - 4)
        start, end = self.words[i][0], self.words[i + self.rng.randint(0, 3)][1]
        self.lib.annotator.add(self.lib.article.id, self.lib.text, start, end)

    def t_note(self) -> None:
        ids = [i for i in self.live() if i not in self.vault_deleted]
        if ids:
            hid = self.rng.choice(ids)
            h = self.lib.store.get_highlight(hid)
            assert h is not None
            self.n += 1
            self.lib.annotator.set_note(h, f"from tuireader {self.n}\n---\n^hl-{hid} %%")
            self.touched.add(hid)

    def t_delete(self) -> None:
        ids = self.live()
        if ids:
            hid = self.rng.choice(ids)
            h = self.lib.store.get_highlight(hid)
            assert h is not None
            self.lib.annotator.delete(h)
            self.deleted.add(hid)
            self.vault_edits.pop(hid, None)

    # -- the vault's side ----------------------------------------------------------------------

    def v_edit(self) -> None:
        ids = [i for i in self.in_vault() if i not in self.deleted]
        if not ids:
            return
        hid = self.rng.choice(ids)
        lines = self.lib.note().split("\n")
        at = lines.index(f"^hl-{hid}")
        info = max(j for j in range(at) if lines[j].startswith(tuple(f"- {g} " for g in _GLYPHS)))
        self.n += 1
        lines[info + 1:at] = [f"- #vt{self.n}", "- Note:", f"  vault {self.n}", ""]
        self.lib.write_note("\n".join(lines))
        self.vault_edits[hid] = (f"vault {self.n}", [f"vt{self.n}"])

    def v_text(self) -> None:
        ids = self.in_vault()
        self.n += 1
        mark = f"USER-{self.n} with [[a link]] and %%x%%"
        text = self.lib.note()
        if ids:
            hid = self.rng.choice(ids)
            text = text.replace(f"\n^hl-{hid}\n", f"\n^hl-{hid}\n\n{mark}\n", 1)
        else:
            text += f"\n{mark}\n"
        self.lib.write_note(text)
        self.user_marks.append(mark)

    def v_delete(self) -> None:
        ids = [i for i in self.in_vault() if i not in self.vault_edits]
        if not ids:
            return
        hid = self.rng.choice(ids)
        lines = self.lib.note().split("\n")
        at = lines.index(f"^hl-{hid}")
        start = max(j for j in range(at) if lines[j].startswith("> ") or lines[j] == ">")
        while lines[start - 1].startswith(">"):
            start -= 1
        del lines[start:at + 1]
        self.lib.write_note("\n".join(lines))
        self.vault_deleted.add(hid)

    def v_move(self) -> None:
        path = self.lib.note_path()
        self.n += 1
        folder = self.lib.vault / f"folder {self.n}"
        folder.mkdir()
        path.rename(folder / f"renamed {self.n}.md")

    # -- checks --------------------------------------------------------------------------------

    def sync_and_check(self) -> None:
        report = self.lib.sync()
        assert report.failed == [] and report.duplicates == []
        text = self.lib.note()  # exactly one note
        ids = self.in_vault()
        assert len(ids) == len(set(ids)), "a block written twice"
        for mark in self.user_marks:
            assert text.count(mark) == 1, mark
        live = set(self.live())
        for hid in live - self.vault_deleted:
            assert hid in ids, f"highlight {hid} missing from the vault"
        for hid in self.vault_deleted | self.deleted:
            assert hid not in ids, f"{hid} re-added"
        conflicted = {c.split(": ")[1] for c in report.conflicts if ": " in c}
        for hid, (note, tags) in self.vault_edits.items():
            h = self.lib.store.get_highlight(hid)
            assert h is not None
            if hid in self.touched:
                assert hid in conflicted or h.note == note
            else:
                assert (h.note, h.tags) == (note, tags)
        self.vault_edits.clear()
        self.touched.clear()
        before = look(self.lib.vault)
        again = self.lib.sync()
        assert look(self.lib.vault) == before and again.updated == [] and again.read_back == 0


@pytest.mark.parametrize("seed", range(1, 9))
def test_any_order_nothing_lost_nothing_duplicated(tmp_path: Path, seed: int) -> None:
    world = World(tmp_path, seed)
    try:
        for _ in range(3):
            world.t_add()
        world.sync_and_check()
        steps = [world.t_add, world.t_add, world.t_add, world.t_note, world.t_delete,
                 world.v_edit, world.v_edit, world.v_text, world.v_delete, world.v_move]
        for _round in range(20):
            for _ in range(world.rng.randint(1, 3)):
                world.rng.choice(steps)()
            world.sync_and_check()
    finally:
        world.lib.close()
