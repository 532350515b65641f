"""Suite 3b: damage to the library's own files never loses or hides what is on disk.

Each case damages ``library.json``, a highlight shard or an article body in one way (missing,
garbage, empty, a folder, a dangling symlink, a symlink out of the library), then runs the
command line in-process (``main([...])``, stderr captured) or opens the store, and checks:
every article and highlight still on disk is listed, the damaged file is kept aside byte for
byte, and the user was told once what was found and done.  ``tuireader check`` reports (exit 1)
and ``--repair`` fixes (exit 0 after).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sync_support import index_file
from tuireader.cli.main import main
from tuireader.core.document import parse_markdown
from tuireader.core.model import ImportedArticle, make_highlight
from tuireader.library.store import Store

TEXTS = {
    "Rivers": "Rivers carve valleys slowly, and towns grow along them over the centuries.",
    "Bridges": "Bridges cross the rivers where the valleys narrow and the rock is firm.",
    "Harbours": "Harbours shelter the boats when the storms come in from the open sea.",
}


def _build(library: Path) -> dict[str, str]:
    """Three articles added one by one (each later than the backups that follow it), two
    highlights on the last: title -> id."""
    ids = {}
    with Store(library) as s:
        for title, text in TEXTS.items():
            ids[title] = s.add_article(ImportedArticle(title=title, markdown=text)).article.id
        last = ids["Harbours"]
        plain = parse_markdown(s.read_markdown(last)).plain_text
        s.add_highlight(make_highlight(last, plain, 0, 9))
        s.add_highlight(make_highlight(last, plain, 10, 20))
    return ids


def _cli(capsys: pytest.CaptureFixture[str], library: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--library", str(library), *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def _listed(capsys: pytest.CaptureFixture[str], library: Path) -> tuple[dict[str, int], str]:
    """The ``list --json`` of the library: id -> highlight count, and stderr."""
    code, out, err = _cli(capsys, library, "list", "--json")
    assert code == 0, err
    return {a["id"]: a["highlight_count"] for a in json.loads(out)}, err


def _damage_index(library: Path, kind: str, outside: Path) -> bytes | None:
    """Damage library.json; return what is left in its place (None: nothing, or a link)."""
    path = index_file(library)
    path.unlink()
    if kind == "missing":
        return None
    if kind == "garbage":
        path.write_bytes(b"garbage\n")
        return b"garbage\n"
    if kind == "empty":
        path.write_bytes(b"")
        return b""
    if kind == "folder":
        path.mkdir()
        return None
    if kind == "dangling-symlink":
        path.symlink_to(library / "nowhere.json")
        return None
    outside.write_text('{"articles": {}}')  # a valid but foreign database
    path.symlink_to(outside)
    return None


INDEX_DAMAGE = ["missing", "garbage", "empty", "folder", "dangling-symlink", "symlink-out"]


@pytest.mark.parametrize("kind", INDEX_DAMAGE)
def test_damaged_index_loses_nothing_on_disk_and_says_so(
        library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    ids = _build(library)
    left = _damage_index(library, kind, tmp_path / "elsewhere.json")
    listed, err = _listed(capsys, library)
    # Every article is back, with its highlights (the newest from its own files on disk).
    assert listed == {ids["Rivers"]: 0, ids["Bridges"]: 0, ids["Harbours"]: 2}
    assert "library.json" in err and "warning:" in err
    # Said once: a second command is quiet (the repair was written).
    assert _listed(capsys, library)[1] == ""
    aside = [p for p in index_file(library).parent.iterdir() if ".corrupt-" in p.name]
    if kind == "missing":
        assert aside == []
    else:
        assert len(aside) == 1, err  # moved aside, never deleted
        assert ".corrupt-" in err
        if left is not None:
            assert aside[0].read_bytes() == left
        if kind == "symlink-out":
            assert aside[0].is_symlink()
            assert (tmp_path / "elsewhere.json").read_text() == '{"articles": {}}'  # untouched


def test_three_adds_after_a_lost_index_keep_every_article(
        library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = _build(library)
    index_file(library).unlink()
    for n in range(3):
        doc = tmp_path / f"new{n}.txt"
        doc.write_text(f"New {n}\n\nA new article number {n} about lighthouses.\n")
        assert _cli(capsys, library, "add", str(doc))[0] == 0
    listed, _ = _listed(capsys, library)
    assert set(ids.values()) <= set(listed) and len(listed) == 6
    assert listed[ids["Harbours"]] == 2


def test_readding_an_article_found_on_disk_keeps_its_id(
        library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = _build(library)
    index_file(library).write_bytes(b"garbage")
    doc = tmp_path / "harbours.md"
    doc.write_text(TEXTS["Harbours"] + "\n")
    code, out, err = _cli(capsys, library, "add", str(doc))
    assert code == 0, err
    assert out.split()[:2] == ["exists", ids["Harbours"]]
    _, out, _ = _cli(capsys, library, "highlights", "--article", ids["Harbours"])
    assert len(out.splitlines()) == 2


@pytest.mark.parametrize("kind", ["missing", "garbage", "folder", "dangling-symlink"])
def test_damaged_shard_uses_its_backup_and_says_so(
        library: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    ids = _build(library)
    shard = library / "annotations" / f"{ids['Harbours']}.json"
    shard.unlink()
    if kind == "garbage":
        shard.write_bytes(b"\x00\x01")
    elif kind == "folder":
        shard.mkdir()
    elif kind == "dangling-symlink":
        shard.symlink_to(library / "nothing")
    listed, err = _listed(capsys, library)
    assert listed[ids["Harbours"]] == 1  # the backup: the version before the last save
    assert ids["Harbours"] in err and ".bak1" in err
    assert _listed(capsys, library)[1] == ""


def test_one_bad_shard_never_stops_the_others(
        library: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
        ) -> None:
    ids = _build(library)
    rivers = ids["Rivers"]
    with Store(library) as s:
        plain = parse_markdown(s.read_markdown(rivers)).plain_text
        s.add_highlight(make_highlight(rivers, plain, 0, 6))
    shard = library / "annotations" / f"{rivers}.json"
    shard.unlink()  # its only file: no backup to fall back on
    shard.mkdir()
    from tuireader.library import filecheck

    def refuse(path: Path, label: str = "corrupt") -> Path:  # a folder that cannot be moved
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(filecheck, "move_aside", refuse)
    listed, err = _listed(capsys, library)
    assert listed[ids["Harbours"]] == 2 and listed[rivers] == 0
    assert rivers in err and "could not repair" in err
    code, out, err = _cli(capsys, library, "highlights")
    assert code == 0 and len(out.splitlines()) == 2 and rivers in err
    code, out, _ = _cli(capsys, library, "export", "--article", ids["Harbours"])
    assert code == 0 and "Harbours" in out


def test_shard_folder_without_backup_is_moved_aside_and_the_rest_works(
        library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = _build(library)
    rivers = ids["Rivers"]
    shard = library / "annotations" / f"{rivers}.json"
    shard.mkdir()
    (shard / "inside").write_text("kept")
    listed, err = _listed(capsys, library)
    assert listed == {ids["Rivers"]: 0, ids["Bridges"]: 0, ids["Harbours"]: 2}
    assert rivers in err
    for args in (["highlights"], ["show", ids["Harbours"]], ["export"]):
        code, _, err = _cli(capsys, library, *args)
        assert code == 0, (args, err)
    kept = [p for p in shard.parent.iterdir() if ".corrupt-" in p.name]
    assert len(kept) == 1 and (kept[0] / "inside").read_text() == "kept"


def test_body_not_utf8_is_read_leniently(library: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    ids = _build(library)
    aid = ids["Harbours"]  # exports take the articles with highlights
    body = library / "articles" / f"{aid}.md"
    body.write_bytes(b"\xff\xfe" + body.read_bytes())
    (index_file(library).parent / "parsed" / f"{aid}.doc").unlink()  # per machine
    for args in (["show", aid], ["export", "--article", aid], ["export", "--format", "annotated"]):
        code, out, err = _cli(capsys, library, *args)
        assert code == 0, (args, err)
        assert "not valid UTF-8" in err and len(err.splitlines()) == 1
    # The reader's path (``open``, and plain ``tuireader`` reopening the last article).
    with Store(library) as s:
        opening = s.read_opening(aid)
        assert opening.markdown.startswith("\ufffd\ufffdHarbours")
        assert any("not valid UTF-8" in w for w in s.warnings)
    code, out, err = _cli(capsys, library, "check")
    assert code == 1 and aid in out


def test_body_that_is_a_folder(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = _build(library)
    aid = ids["Bridges"]
    body = library / "articles" / f"{aid}.md"
    body.unlink()
    body.mkdir()
    code, out, _ = _cli(capsys, library, "check")
    assert code == 1 and aid in out and "not a file" in out
    code, out, err = _cli(capsys, library, "show", aid)
    assert code == 1 and len(err.strip().splitlines()) >= 1 and "error:" in err
    listed, _ = _listed(capsys, library)
    assert len(listed) == 3  # listed, its text reported missing, never a traceback
    assert [p for p in body.parent.iterdir() if ".damaged-" in p.name and p.is_dir()]
    with Store(library) as s:
        assert s.read_opening(ids["Rivers"]).markdown  # the others open


def test_check_reports_then_repairs(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = _build(library)
    code, out, _ = _cli(capsys, library, "check")
    assert code == 0 and "healthy" in out
    index_file(library).write_bytes(b"garbage")
    shard = library / "annotations" / f"{ids['Harbours']}.json"
    shard.write_bytes(b"[1, 2]")
    code, out, _ = _cli(capsys, library, "check", "--json")
    report = json.loads(out)
    assert code == 1 and report["healthy"] is False
    assert {f["kind"] for f in report["findings"]} >= {"unindexed", "shard-damaged"}
    assert index_file(library).read_bytes() == b"garbage"  # check alone writes nothing
    code, out, _ = _cli(capsys, library, "check", "--repair")
    assert code == 0, out
    assert "moved aside" in out
    code, out, _ = _cli(capsys, library, "check")
    assert code == 0 and "healthy" in out
    listed, _ = _listed(capsys, library)
    assert set(listed) == set(ids.values())


def test_read_command_while_another_holds_the_lock_shows_what_is_on_disk(
        library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = _build(library)
    with Store(library):  # another writer holds the lock meanwhile
        index_file(library).write_bytes(b"garbage")
        listed, err = _listed(capsys, library)
    assert set(listed) == set(ids.values())
    assert "left in place (opened read-only)" in err  # the read-only damage note is shown
    assert "check --repair" in err
    assert index_file(library).read_bytes() == b"garbage"


def test_old_layout_library_migrates_with_a_backup(library: Path) -> None:
    ids = _build(library)
    for aid in ids.values():
        (library / "articles" / f"{aid}.json").unlink()
    path = index_file(library)
    data = json.loads(path.read_text())
    data["_meta"]["1"]["schema_version"] = 1
    path.write_text(json.dumps(data))
    original = path.read_bytes()
    with Store(library) as s:
        assert any("migrated the library from schema 1" in w for w in s.warnings), s.warnings
        assert {a.id for a in s.list_articles()} == set(ids.values())
    assert index_file(library).with_name("library.json.v1-backup").read_bytes() == original
    for aid in ids.values():
        sidecar = json.loads((library / "articles" / f"{aid}.json").read_text())
        assert sidecar["id"] == aid and sidecar["text_hash"]
    with Store(library) as s:
        assert s.warnings == []


async def test_app_reopens_a_last_article_whose_text_is_not_utf8(library: Path) -> None:
    """Plain ``tuireader`` reopens the article read last; its body damaged (``\\xff\\xfe`` in
    front, no parse cache) and the index damaged too: the reader shows the text with
    replacement characters and each problem is a notification, never a crash."""
    from app_support import make_config, wait_for
    from tuireader.app import make_app
    from tuireader.widgets.reader import ReaderView

    ids = _build(library)
    aid = ids["Harbours"]
    with Store(library) as s:
        article = s.get_article(aid)
        assert article is not None
        article.last_opened = "2030-01-01T00:00:00+00:00"
        s.update_article(article)
    body = library / "articles" / f"{aid}.md"
    body.write_bytes(b"\xff\xfe" + body.read_bytes())
    (index_file(library).parent / "parsed" / f"{aid}.doc").unlink()  # per machine
    index_file(library).write_bytes(b"garbage")
    store = Store(library, preload=True)
    try:
        app = make_app(store, make_config())
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            reader = app.screen.query_one(ReaderView)
            await wait_for(pilot, lambda: reader.document.complete, what="the article loaded")
            assert reader.document.plain_text.startswith("\ufffd\ufffdHarbours")
            messages = [str(n.message) for n in app._notifications]
            assert any("not valid UTF-8" in m for m in messages), messages
            assert any(".corrupt-" in m for m in messages), messages
            assert app.is_running
    finally:
        store.close()
