"""The vault sync's scenarios: every row of the merge table, user text, front matter, new
highlights in text order, deletions, renames and moves, orphans, idempotence (bytes and mtimes),
dry runs, block references."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from vault_support import Lib, look


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Lib]:
    library = Lib(tmp_path)
    yield library
    library.close()


def _block_of(text: str, hid: str) -> str:
    """The block ending in ``^hl-<hid>`` (from its quote to its id line)."""
    end = text.index(f"^hl-{hid}\n") + len(f"^hl-{hid}\n")
    start = text.rindex("\n\n> ", 0, end) + 2
    return text[start:end]


def test_first_sync_writes_one_note_per_article_with_blocks_in_text_order(lib: Lib) -> None:
    late = lib.highlight("Weaver birds knot grass")
    early = lib.highlight("Swifts sleep on the wing", note="first", tags=("idea",))
    report = lib.sync()
    assert len(report.created) == 1
    text = lib.note()
    assert text.startswith(f"---\ntuireader-id: {lib.article.id}\n")
    assert text.index(f"^hl-{early.id}") < text.index(f"^hl-{late.id}")
    block = _block_of(text, early.id)
    assert block.startswith("> Swifts sleep on the wing\n")
    assert "- #idea\n" in block and "- Note:\n  first\n" in block
    assert block.endswith(f"\n\n^hl-{early.id}\n")  # the block ends in its id


def test_second_sync_changes_nothing_not_a_byte_not_an_mtime(lib: Lib) -> None:
    lib.highlight("Swifts sleep on the wing", note="n", tags=("a",))
    lib.highlight("Storks ride thermals")
    lib.sync()
    lib.write_note(lib.note().replace("\n# Birds", "\nmy words\n\n# Birds") + "tail\n")
    lib.sync()  # reads the user's edit once
    before = look(lib.vault)
    report = lib.sync()
    assert look(lib.vault) == before
    assert report.updated == [] and report.created == [] and report.unchanged == 1
    assert lib.sync().counts()["updated"] == 0


def test_only_tuireader_changed_rewrites_the_block_and_nothing_else(lib: Lib) -> None:
    h = lib.highlight("Storks ride thermals", note="old")
    lib.sync()
    user = lib.note().replace("# Birds of the world\n",
                              "# Birds of the world\n\nMy intro, *mine*.\n\n%% a comment %%\n")
    user += "\n## My summary\n\nThings I think.\n"
    lib.write_note(user)
    lib.sync()
    lib.annotator.set_note(lib.get(h), "new note")
    lib.annotator.set_kind(lib.get(h), 3)
    report = lib.sync()
    after = lib.note()
    assert report.blocks_written == 1 and report.read_back == 0
    assert "  new note\n" in after and "- ■ blue" in after
    assert after.replace(_block_of(after, h.id), "") == user.replace(_block_of(user, h.id), "")


def test_only_vault_changed_reads_the_note_and_tags_back(lib: Lib) -> None:
    h = lib.highlight("Geese fly in a V", note="line one\n\nline two", tags=("birds",))
    lib.sync()
    edited = lib.note().replace("  line two\n", "  line two, rewritten & more\n")
    edited = edited.replace("- #birds\n", "- #birds #Flight\n")
    lib.write_note(edited)
    report = lib.sync()
    assert report.read_back == 1 and report.updated == []
    stored = lib.get(h)
    assert stored.note == "line one\n\nline two, rewritten & more"
    assert stored.tags == ["birds", "flight"]
    assert lib.note() == edited  # the user's text stays as they wrote it
    # and the read-back is undoable like any other edit
    assert lib.annotator.undo() is not None
    assert lib.get(h).tags == ["birds"]


def test_a_note_added_in_the_vault_where_there_was_none(lib: Lib) -> None:
    h = lib.highlight("Geese fly in a V")
    lib.sync()
    text = lib.note().replace(f"\n\n^hl-{h.id}", f"\n- Note:\n  written in Obsidian\n\n^hl-{h.id}")
    lib.write_note(text)
    lib.sync()
    assert lib.get(h).note == "written in Obsidian"


def test_both_changed_different_fields_are_merged(lib: Lib) -> None:
    h = lib.highlight("Geese fly in a V", note="note", tags=("a",))
    lib.sync()
    lib.write_note(lib.note().replace("  note\n", "  note from the vault\n"))
    lib.annotator.set_tags(lib.get(h), ["a", "b"])
    report = lib.sync()
    assert report.conflicts == []
    stored = lib.get(h)
    assert (stored.note, stored.tags) == ("note from the vault", ["a", "b"])
    block = _block_of(lib.note(), h.id)
    assert "- #a #b\n" in block and "  note from the vault\n" in block
    assert lib.sync().updated == []


def test_both_changed_the_same_field_keeps_both_visibly(lib: Lib) -> None:
    h = lib.highlight("Geese fly in a V", note="note")
    lib.sync()
    lib.write_note(lib.note().replace("  note\n", "  the vault's note\n"))
    lib.annotator.set_note(lib.get(h), "tuireader's note")
    report = lib.sync()
    assert len(report.conflicts) == 1 and h.id in report.conflicts[0]
    text = lib.note()
    assert lib.get(h).note == "tuireader's note"
    assert "  tuireader's note\n" in _block_of(text, h.id)
    assert "> [!warning] tuireader sync conflict" in text
    assert ">   the vault's note" in text
    assert text.count(f"^hl-{h.id}") == 1  # the id stays unique
    before = look(lib.vault)
    assert lib.sync().conflicts == [] and look(lib.vault) == before


def test_a_new_highlight_appears_in_its_text_order_place(lib: Lib) -> None:
    first = lib.highlight("Swifts sleep on the wing")
    last = lib.highlight("Some nests last for years")
    lib.sync()
    user = lib.note().replace(f"^hl-{first.id}\n", f"^hl-{first.id}\n\nWhat I think of swifts.\n")
    lib.write_note(user)
    lib.sync()
    middle = lib.highlight("Storks ride thermals")
    lib.sync()
    text = lib.note()
    ids = [m.group(1) for m in re.finditer(r"^\^hl-(\w+)$", text, re.MULTILINE)]
    assert ids == [first.id, middle.id, last.id]
    assert text.index("What I think of swifts.") < text.index("> Storks ride thermals")
    assert text.endswith(f"^hl-{last.id}\n")  # not at the end


def test_user_text_between_and_after_blocks_and_front_matter_keys_kept(lib: Lib) -> None:
    a = lib.highlight("Swifts sleep on the wing")
    lib.highlight("Storks ride thermals")
    lib.sync()
    text = lib.note()
    text = text.replace("---\ntuireader-id", "---\naliases: [birds]\ncustom:\n  - x\ntuireader-id")
    text = text.replace("highlights: 2\n", "highlights: 2\nrating: 5  # mine\n")
    text = text.replace(f"^hl-{a.id}\n", f"^hl-{a.id}\n\nBetween, with trailing spaces   \r\n")
    text += "\nAfter the last one.\n\n```\n^hl-" + a.id + "\n```\n"
    lib.write_note(text)
    lib.sync()
    lib.highlight("Weaver birds knot grass")
    lib.sync()
    out = lib.note()
    front = out.split("---\n")[1]
    keys = [line.split(":")[0] for line in front.splitlines() if line and line[0] != " "]
    assert keys == ["aliases", "custom", "tuireader-id", "title", "author", "url", "published",
                    "added", "highlights", "rating", "tags"]
    assert "highlights: 3\n" in out
    assert "Between, with trailing spaces   \r\n" in out
    assert out.endswith("\nAfter the last one.\n\n```\n^hl-" + a.id + "\n```\n")


def test_a_block_deleted_in_the_vault_is_reported_and_never_re_added(lib: Lib) -> None:
    keep = lib.highlight("Swifts sleep on the wing")
    gone = lib.highlight("Storks ride thermals", note="remember me")
    lib.sync()
    lib.write_note(lib.note().replace(_block_of(lib.note(), gone.id), ""))
    edited = lib.note()
    report = lib.sync()
    assert len(report.deleted_in_vault) == 1 and gone.id in report.deleted_in_vault[0]
    assert lib.get(gone).note == "remember me"  # not deleted in tuireader
    assert lib.note() == edited  # not re-added
    assert len(lib.sync().deleted_in_vault) == 1  # still said, still not re-added
    assert lib.note() == edited
    report = lib.sync(accept_deletions=True)
    assert report.deletions_accepted == 1
    assert lib.store.get_highlight(gone.id) is None
    assert lib.store.get_highlight(keep.id) is not None
    assert lib.sync().deleted_in_vault == [] and lib.note() == edited


def test_a_highlight_deleted_in_tuireader_leaves_the_note(lib: Lib) -> None:
    keep = lib.highlight("Swifts sleep on the wing")
    gone = lib.highlight("Storks ride thermals")
    lib.sync()
    lib.annotator.delete(lib.get(gone))
    report = lib.sync()
    assert report.blocks_removed == 1
    text = lib.note()
    assert f"^hl-{gone.id}" not in text and f"^hl-{keep.id}" in text
    assert "\n\n\n" not in text


def test_the_last_two_highlights_deleted_in_tuireader(lib: Lib) -> None:
    keep = lib.highlight("Swifts sleep on the wing")
    gone = [lib.highlight("Storks ride thermals"), lib.highlight("Some nests last for years")]
    lib.sync()
    for h in gone:
        lib.annotator.delete(lib.get(h))
    assert lib.sync().blocks_removed == 2
    text = lib.note()
    assert text.endswith(f"\n\n^hl-{keep.id}\n") and "^hl-" + gone[1].id not in text


def test_deleted_in_tuireader_but_edited_in_the_vault_is_kept_as_a_conflict(lib: Lib) -> None:
    gone = lib.highlight("Storks ride thermals", note="n")
    lib.sync()
    lib.write_note(lib.note().replace("  n\n", "  my precious words\n"))
    lib.annotator.delete(lib.get(gone))
    report = lib.sync()
    assert len(report.conflicts) == 1
    assert "my precious words" in lib.note()


def test_a_renamed_and_moved_note_is_updated_not_duplicated(lib: Lib) -> None:
    lib.highlight("Swifts sleep on the wing")
    lib.sync()
    old = lib.note_path()
    (lib.vault / "Reading" / "Birds").mkdir(parents=True)
    new = lib.vault / "Reading" / "Birds" / "My bird notes.md"
    old.rename(new)
    h = lib.highlight("Storks ride thermals")
    report = lib.sync()
    assert report.created == [] and report.moved
    assert lib.note_path() == new
    assert f"^hl-{h.id}" in new.read_text("utf-8")
    before = look(lib.vault)
    assert lib.sync().updated == [] and look(lib.vault) == before


def test_hidden_folders_and_symlinks_are_not_walked(lib: Lib, tmp_path: Path) -> None:
    lib.highlight("Swifts sleep on the wing")
    lib.sync()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "copy.md").write_bytes(lib.note_path().read_bytes())
    (lib.vault / "link").symlink_to(outside, target_is_directory=True)
    (lib.vault / ".trash").mkdir()
    (lib.vault / ".trash" / "old.md").write_bytes(lib.note_path().read_bytes())
    report = lib.sync()
    assert report.duplicates == [] and report.created == []


def test_a_copied_note_is_reported_as_a_duplicate(lib: Lib) -> None:
    lib.highlight("Swifts sleep on the wing")
    lib.sync()
    original = lib.note_path()
    (lib.vault / "zz copy.md").write_bytes(original.read_bytes())
    report = lib.sync()
    assert len(report.duplicates) == 1 and "zz copy.md" in report.duplicates[0]


def test_a_note_whose_article_was_removed_is_left_alone(lib: Lib) -> None:
    lib.highlight("Swifts sleep on the wing")
    lib.sync()
    before = look(lib.vault)
    lib.store.remove_article(lib.article.id)
    report = lib.sync()
    assert len(report.orphans) == 1 and lib.article.id in report.orphans[0]
    assert look(lib.vault) == before


def test_a_note_deleted_in_the_vault_is_reported_not_recreated(lib: Lib) -> None:
    lib.highlight("Swifts sleep on the wing")
    lib.sync()
    lib.note_path().unlink()
    report = lib.sync()
    assert len(report.notes_deleted_in_vault) == 1
    assert list(lib.vault.rglob("*.md")) == []


def test_dry_run_changes_nothing(lib: Lib) -> None:
    h = lib.highlight("Swifts sleep on the wing", note="n")
    assert lib.sync(dry_run=True).counts()["created"] == 1
    assert list(lib.vault.iterdir()) == []
    lib.sync()
    lib.write_note(lib.note().replace("  n\n", "  m\n"))
    lib.highlight("Storks ride thermals")
    before = look(lib.vault)
    report = lib.sync(dry_run=True)
    assert report.read_back == 1 and report.blocks_added == 1
    assert look(lib.vault) == before and lib.get(h).note == "n"
    assert lib.sync().read_back == 1  # the dry run remembered nothing


def test_an_obsidian_block_reference_keeps_working(lib: Lib) -> None:
    h = lib.highlight("Storks ride thermals", note="n")
    lib.sync()
    note = lib.note_path()
    name = note.stem
    link = f"[[{name}#^hl-{h.id}]]"
    (lib.vault / "Index.md").write_text(f"See {link}\n", "utf-8")
    for n in range(5):
        lib.highlight(["Swifts sleep on the wing", "Geese fly in a V", "Some nests last for years",
                       "Weaver birds knot grass", "Swifts sleep on the wing"][n])
        lib.annotator.set_note(lib.get(h), f"note {n}")
        lib.sync()
        text = note.read_text("utf-8")
        assert len(re.findall(rf"^\^hl-{h.id}$", text, re.MULTILINE)) == 1
        assert _block_of(text, h.id).startswith("> Storks ride thermals")
    assert (lib.vault / "Index.md").read_text("utf-8") == f"See {link}\n"


def test_a_users_file_with_the_notes_name_is_never_overwritten(lib: Lib) -> None:
    lib.highlight("Swifts sleep on the wing")
    name = f"Birds of the world ({lib.article.id}).md"
    (lib.vault / name.upper()).write_bytes(b"my own file, no front matter\n")
    report = lib.sync()
    assert report.created == [f"Birds of the world ({lib.article.id}) 2.md"]
    assert (lib.vault / name.upper()).read_bytes() == b"my own file, no front matter\n"


def test_a_front_matter_key_changed_on_both_sides_keeps_both_visibly(lib: Lib) -> None:
    lib.highlight("Swifts sleep on the wing")
    lib.sync()
    lib.write_note(lib.note().replace("title: Birds of the world\n", "title: My birds\n"))
    article = lib.store.get_article(lib.article.id)
    assert article is not None
    article.title = "Birds, revised"
    lib.store.update_article(article)
    report = lib.sync()
    assert len(report.conflicts) == 1 and "title" in report.conflicts[0]
    text = lib.note()
    assert "\ntitle: My birds\n" in text
    assert "---\n> [!warning] tuireader sync conflict: front matter" in text
    assert "> title: Birds, revised\n" in text
    before = look(lib.vault)
    assert lib.sync().conflicts == [] and look(lib.vault) == before
