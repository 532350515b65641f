"""Owned regions: rendering and finding them, in notes made to confuse a parser (``---``,
``^hl-`` lookalikes, code fences, ``%%`` comments, ``[[`` links), in both flavours."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tuireader.core.model import Highlight
from tuireader.export.vault.blocks import (
    Obsidian,
    article_id_of,
    parse_front_matter,
    split_lines,
)
from tuireader.export.vault.logseq import Logseq, logseq_id
from vault_support import Lib, look

HOSTILE_NOTE = ("---\ntitle: injected\n---\n# heading\n```python\nunclosed fence\n%% comment\n"
                "^hl-deadbeef\n[[Other note#^hl-x]]\n- Note:\n  id:: 123\n> quote\n&amp; ok")


def _h(hid: str, exact: str, note: str = "", tags: tuple[str, ...] = ()) -> Highlight:
    return Highlight(id=hid, article_id="a1", start=0, end=len(exact), exact=exact, note=note,
                     tags=list(tags))


@pytest.mark.parametrize("flavor", [Obsidian(), Logseq()], ids=["obsidian", "logseq"])
def test_render_then_parse_gives_the_stored_note_and_tags(flavor: Obsidian | Logseq) -> None:
    h = _h("abc1", "A quote\n---\n^hl-abc1 and %% and [[x]]\n```", HOSTILE_NOTE, ("idea", "a/b"))
    text = flavor.render(h, "Sec", 10)
    fields, _ = flavor.parse(text)
    assert fields is not None
    assert (fields.note, fields.tags) == (HOSTILE_NOTE, ["idea", "a/b"])
    lines = split_lines("---\ntuireader-id: a1\n---\n" + text)
    blocks = flavor.find(lines, 3, {flavor.key("abc1"): "abc1"})
    assert [(b.highlight_id, b.start, b.text) for b in blocks] == [("abc1", 3, text)]


def test_lookalike_ids_fences_and_comments_are_user_text() -> None:
    flavor = Obsidian()
    real = flavor.render(_h("abc1", "real"), "", 5)
    user = ("^hl-abc1 not alone on its line\n"
            " ^hl-abc1\n"
            "> ^hl-abc1\n"
            "```\n^hl-abc1\n```\n"
            "%%\n^hl-abc1\n%%\n"
            "^hl-unknown\n\n")
    lines = split_lines("---\ntuireader-id: a1\n---\n" + user + real)
    blocks = flavor.find(lines, 3, {"hl-abc1": "abc1"})
    assert len(blocks) == 1
    assert blocks[0].text == real


def test_front_matter_entries_keep_the_users_lines() -> None:
    text = ("---\n# comment\naliases:\n  - one\n  - two\n\"quoted key\": 1\n"
            "tuireader-id: 'x9'\nrest: |\n  ---\n  block\n---\nbody\n---\n")
    lines = split_lines(text)
    fm = parse_front_matter(lines)
    assert fm is not None and fm.end == 10
    assert [name for name, _ in fm.entries] == [None, "aliases", "quoted key", "tuireader-id",
                                                "rest"]
    assert article_id_of(lines) == "x9"
    assert article_id_of(split_lines("no front matter\ntuireader-id: x9\n")) is None
    assert article_id_of(split_lines("---\ntuireader-id: [unclosed\n---\n")) is None


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Lib]:
    library = Lib(tmp_path)
    yield library
    library.close()


def test_hostile_user_text_survives_syncs_byte_for_byte(lib: Lib) -> None:
    a = lib.highlight("Swifts sleep on the wing", note=HOSTILE_NOTE)
    b = lib.highlight("Storks ride thermals")
    lib.sync()
    hostile = ("\n---\nnot: front matter\n---\n```\n^hl-" + b.id + "\n> fence\n```\n"
               "%% a comment with ^hl-" + a.id + " %%\n[[Birds#^hl-" + a.id + "]]\n"
               "- ● yellow · fake info line\n\n^hl-nothing\n")
    text = lib.note().replace(f"^hl-{a.id}\n", f"^hl-{a.id}\n{hostile}")
    lib.write_note(text)
    lib.sync()
    assert lib.note() == text
    assert lib.get(a).note == HOSTILE_NOTE
    lib.annotator.set_note(lib.get(b), "changed")
    lib.highlight("Some nests last for years")
    lib.sync()
    assert hostile in lib.note()
    assert lib.get(a).note == HOSTILE_NOTE
    before = look(lib.vault)
    lib.sync()
    assert look(lib.vault) == before


def test_a_damaged_block_is_left_as_the_user_made_it(lib: Lib) -> None:
    h = lib.highlight("Storks ride thermals", note="n")
    lib.sync()
    text = lib.note()
    damaged = text.replace("- ● yellow", "I rewrote the info line")
    lib.write_note(damaged)
    report = lib.sync()
    assert report.read_back == 0 and lib.note() == damaged and lib.get(h).note == "n"


def test_logseq_flavour_outline_with_id_and_tags_properties(lib: Lib) -> None:
    a = lib.highlight("Swifts sleep on the wing", note="first\n\nsecond", tags=("idea",))
    c = lib.highlight("Some nests last for years")
    lib.sync(flavor="logseq")
    text = lib.note()
    # Logseq's block: a title line, then its properties, then the body
    assert (f"- ● yellow · Birds · 3%\n  id:: {logseq_id(a.id)}\n  tags:: idea\n"
            "  > Swifts sleep on the wing\n  first\n  \n  second\n") in text
    # the user's own blocks, a child under a highlight, a property Logseq adds, edits
    text = text.replace("  second\n", "  second!\n\t- my child block\n- my own block\n")
    text = text.replace("  tags:: idea\n", "  tags:: idea, owls\n  collapsed:: true\n")
    lib.write_note(text)
    report = lib.sync(flavor="logseq")
    assert report.read_back == 1
    assert (lib.get(a).note, lib.get(a).tags) == ("first\n\nsecond!", ["idea", "owls"])
    assert lib.note() == text
    b = lib.highlight("Storks ride thermals")
    lib.sync(flavor="logseq")
    out = lib.note()
    assert "\t- my child block\n- my own block\n- ● yellow · Migration" in out
    assert out.index(logseq_id(a.id)) < out.index(logseq_id(b.id)) < out.index(logseq_id(c.id))
    before = look(lib.vault)
    lib.sync(flavor="logseq")
    assert look(lib.vault) == before


def test_logseq_conflict_keeps_one_id(lib: Lib) -> None:
    h = lib.highlight("Storks ride thermals", note="n")
    lib.sync(flavor="logseq")
    lib.write_note(lib.note().replace("  n\n", "  the vault's\n"))
    lib.annotator.set_note(lib.get(h), "tuireader's")
    report = lib.sync(flavor="logseq")
    assert len(report.conflicts) == 1
    text = lib.note()
    assert text.count(f"id:: {logseq_id(h.id)}") == 1
    assert "- tuireader sync conflict" in text and "the vault's" in text
    assert lib.sync(flavor="logseq").conflicts == []


def test_a_note_typed_without_its_label_is_still_the_note() -> None:
    flavor = Obsidian()
    text = "> q\n\n- ● yellow · 5%\n- #a\n  typed in Obsidian\n  second line\n\n^hl-abc1\n"
    fields, fixed = flavor.parse(text)
    assert fields is not None and fixed == "> q\n\n- ● yellow · 5%"
    assert (fields.note, fields.tags) == ("typed in Obsidian\nsecond line", ["a"])
