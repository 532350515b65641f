"""Reading state in one file per device (issue #21): a position save writes only this
device's ``reading/<device>.json``; the newest record across device files is what every
machine shows; conflict copies of a device file merge; older libraries move their positions
there on the first open, with a backup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app_support import make_config, make_library
from sync_support import Machine, clone, engine_sync, files, index_file
from tuireader.app import make_app
from tuireader.importers.base import ImportedArticle
from tuireader.library import reading
from tuireader.library.device import this_device
from tuireader.library.machine import LIBRARY_FILE, machine_dir, write_library_file
from tuireader.library.merge_files import merge_file
from tuireader.library.store import Store
from tuireader.widgets.reader import ReaderView

TEXT = "Rivers carve valleys slowly, and towns grow along their banks for centuries."


def _add(store: Store, title: str = "Rivers", text: str = TEXT) -> str:
    return store.add_article(ImportedArticle(title=title, markdown=text)).article.id


def _read(store: Store, aid: str, position: int, opened: str = "") -> None:
    article = store.get_article(aid)
    assert article is not None
    article.position, article.progress = position, position / len(TEXT)
    article.last_opened = opened or article.last_opened
    store.save_reading(article)


def _own_file(library: Path) -> Path:
    return library / "reading" / f"{this_device().id}.json"


def test_a_position_save_writes_only_this_devices_reading_file(library: Path) -> None:
    with Store(library) as s:
        aid = _add(s)
        _add(s, "Other", "Another text, about harbours and their walls of stone.")
        before = files(library)
        index_before = index_file(library).read_bytes()
        _read(s, aid, 17, "2026-12-04T10:00:00+00:00")
        after = files(library)
        assert {k for k in after if after[k] != before.get(k)} == {
            str(_own_file(library).relative_to(library))}
        assert index_file(library).read_bytes() == index_before  # nor the per-machine index
        sidecar = json.loads((library / "articles" / f"{aid}.json").read_text())
        assert not {"position", "progress", "last_opened"} & set(sidecar)
    with Store(library) as s:  # kept, and shown everywhere an Article is
        article = s.get_article(aid)
        assert article is not None and article.position == 17
        assert article.last_opened == "2026-12-04T10:00:00+00:00"
        assert [a.position for a in s.list_articles() if a.id == aid] == [17]
        assert s.resolve(aid[:6]).position == 17
        assert s.most_recent() == aid


def test_a_metadata_save_writes_the_reading_state_only_when_it_changed(library: Path) -> None:
    with Store(library) as s:
        aid = _add(s)
        _read(s, aid, 9)
        before = _own_file(library).read_bytes()
        article = s.get_article(aid)
        assert article is not None
        article.tags = ["rivers"]
        s.update_article(article)  # the tags only: the reading file is as it was
        assert _own_file(library).read_bytes() == before
        sidecar = (library / "articles" / f"{aid}.json").read_bytes()
        article.position = 21  # a position given with the metadata (an import's progress)
        s.update_article(article)
        assert reading.parse(_own_file(library).read_bytes())[aid]["position"] == 21
        # ... and the metadata, the same, is not written again (a sync tool would see a change)
        assert (library / "articles" / f"{aid}.json").read_bytes() == sidecar
    with Store(library) as s:
        assert (s.get_article(aid).position, s.get_article(aid).tags) == (21, ["rivers"])  # type: ignore[union-attr]


def test_the_device_file_is_deterministic_one_record_per_line(library: Path) -> None:
    with Store(library) as s:
        ids = [_add(s, f"T{n}", f"Text number {n}, with words enough to read.") for n in range(5)]
        for n, aid in enumerate(reversed(ids)):
            _read(s, aid, n + 1)
    data = _own_file(library).read_bytes()
    lines = data.decode().splitlines()
    assert len(lines) == 2 + len(ids)  # the table's opening and closing, a line per record
    keys = [json.loads("{" + line.rstrip(",") + "}") for line in lines[1:-1]]
    assert [next(iter(k)) for k in keys] == sorted(ids)
    assert reading.dumps(reading.parse(data)) == data


def test_removing_an_article_drops_its_reading_record(library: Path) -> None:
    with Store(library) as s:
        aid, other = _add(s), _add(s, "Other", "Another text about harbours.")
        _read(s, aid, 5)
        _read(s, other, 3)
        s.remove_article(aid)
    assert set(reading.parse(_own_file(library).read_bytes())) == {other}


def test_a_removal_on_another_machine_drops_the_record_here(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = Machine("a", tmp_path, monkeypatch), Machine("b", tmp_path, monkeypatch)
    with a.store() as s:
        aid, other = _add(s), _add(s, "Other", "Another text about harbours.")
        _read(s, aid, 5)
        _read(s, other, 3)
    clone(a.library, b.library)
    base = files(a.library)
    with b.store() as s:
        s.remove_article(aid)
    engine_sync(a.library, b.library, base, naming="syncthing")
    with a.store() as s:
        assert s.get_article(aid) is None
    with a.on():
        assert set(reading.parse(_own_file(a.library).read_bytes())) == {other}


def test_another_devices_file_is_read_again_when_it_changes(
        library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "RECHECK_SECONDS", 0.0)
    with Store(library) as s:
        aid = _add(s)
        _read(s, aid, 5, "2026-12-04T10:00:00+00:00")
        laptop = library / "reading" / "0123456789ab.json"
        newer = reading.make_record(aid, 40, 0.5, "2026-12-04T11:00:00+00:00",
                                    "2099-01-01T00:00:00+00:00")
        laptop.write_bytes(reading.dumps({aid: newer}))
        article = s.get_article(aid)
        assert article is not None and (article.position, article.progress) == (40, 0.5)
        assert s.most_recent() == aid
        older = {**newer, "position": 9, "updated": "2000-01-01T00:00:00+00:00"}
        laptop.write_bytes(reading.dumps({aid: older}) + b"\n")  # changed again: older now
        assert s.get_article(aid).position == 5  # type: ignore[union-attr]


def test_a_damaged_device_file_is_said_once_and_the_others_still_count(library: Path) -> None:
    with Store(library) as s:
        aid = _add(s)
        _read(s, aid, 7)
    (library / "reading" / "0123456789ab.json").write_bytes(b"{not json")
    with Store(library) as s:
        assert s.get_article(aid).position == 7  # type: ignore[union-attr]
        assert sum("unreadable" in w for w in s.warnings) == 1, s.warnings


def test_conflict_copy_of_a_device_file_merges_newest_per_article(library: Path) -> None:
    with Store(library) as s:
        a, b = _add(s), _add(s, "Other", "Another text, about harbours and stone walls.")
        _read(s, a, 5)
        _read(s, b, 6)
        mine = reading.parse(_own_file(library).read_bytes())
    # The same device file as another copy had it (a cloned machine): newer for ``a``,
    # older for ``b``.
    theirs = {a: {**mine[a], "position": 50, "updated": "2099-01-01T00:00:00+00:00"},
              b: {**mine[b], "position": 1, "updated": "2000-01-01T00:00:00+00:00"}}
    own = _own_file(library)
    copy = own.with_name(own.stem + ".sync-conflict-20261204-101500-ABCDEFG.json")
    copy.write_bytes(reading.dumps(theirs))
    with Store(library) as s:
        assert any(w.startswith("merged ") for w in s.warnings), s.warnings
        assert s.get_article(a).position == 50  # type: ignore[union-attr]
        assert s.get_article(b).position == 6  # type: ignore[union-attr]
    assert not copy.exists()
    merged = reading.parse(own.read_bytes())
    assert (merged[a]["position"], merged[b]["position"]) == (50, 6)


def test_git_driver_merges_a_device_file() -> None:
    old = reading.make_record("a1", 1, 0.1, "", "2026-01-01T00:00:00+00:00")
    new = reading.make_record("a1", 9, 0.9, "", "2026-02-01T00:00:00+00:00")
    other = reading.make_record("b2", 3, 0.3, "", "2026-01-05T00:00:00+00:00")
    result = merge_file("reading/0123456789ab.json", b"", reading.dumps({"a1": new}),
                        reading.dumps({"a1": old, "b2": other}))
    assert result is not None
    data, _ = result
    assert reading.parse(data) == {"a1": new, "b2": other}
    again = merge_file("reading/0123456789ab.json", b"", reading.dumps({"a1": old, "b2": other}),
                       reading.dumps({"a1": new}))
    assert again is not None and again[0] == data  # either order: the same bytes


def test_two_machines_read_the_same_article_newest_wins_nothing_conflicts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = Machine("a", tmp_path, monkeypatch), Machine("b", tmp_path, monkeypatch)
    with a.store() as s:
        aid = _add(s)
    clone(a.library, b.library)
    base = files(a.library)
    with a.store() as s:  # the laptop reads first ...
        _read(s, aid, 10, "2026-12-04T09:00:00+00:00")
    with b.store() as s:  # ... the desktop later, further on
        _read(s, aid, 30, "2026-12-04T10:00:00+00:00")
    for newer in ("a", "b"):  # whichever copy the engine thinks newer
        made = engine_sync(a.library, b.library, base, naming="syncthing", newer=newer)
        assert made == []  # no shared file was written by both
        base = files(a.library)
    for machine in (a, b):
        with machine.store() as s:
            article = s.get_article(aid)
            assert article is not None and article.position == 30
            assert article.last_opened == "2026-12-04T10:00:00+00:00"
            assert not [w for w in s.warnings if w.startswith("merged ")]
    with a.store() as s:  # the laptop reads on: now it is the newest
        _read(s, aid, 45)
    engine_sync(a.library, b.library, base, naming="dropbox")
    with b.store() as s:
        assert s.get_article(aid).position == 45  # type: ignore[union-attr]


def _layout_3(library: Path) -> dict[str, int]:
    """A library as layout 3 wrote it: the reading state inside each sidecar."""
    positions = {}
    with Store(library) as s:
        for n in range(3):
            aid = _add(s, f"T{n}", f"Text number {n}, long enough to have a position in it.")
            positions[aid] = 4 * n
    for aid, position in positions.items():
        path = library / "articles" / f"{aid}.json"
        side = json.loads(path.read_text())
        side.update(position=position, progress=position / 50,
                    last_opened="2026-12-01T00:00:00+00:00" if position else "")
        side["stamps"]["reading"] = "2026-12-01T00:00:00.000000+00:00"
        path.write_text(json.dumps(side))
    write_library_file(library, layout=3)
    (library / "reading").joinpath(f"{this_device().id}.json").unlink(missing_ok=True)
    return positions


def test_layout_3_moves_positions_to_the_device_file_with_a_backup(library: Path) -> None:
    positions = _layout_3(library)
    olds = {aid: (library / "articles" / f"{aid}.json").read_bytes() for aid in positions}
    with Store(library) as s:
        assert any("reading positions moved" in w for w in s.warnings), s.warnings
        assert {a.id: a.position for a in s.list_articles()} == positions
        assert s.most_recent() in {aid for aid, p in positions.items() if p}
    assert json.loads((library / LIBRARY_FILE).read_text())["layout"] == 4
    for aid in positions:
        side = json.loads((library / "articles" / f"{aid}.json").read_text())
        assert not {"position", "progress", "last_opened"} & set(side)
        assert "reading" not in side["stamps"]
    moved = reading.parse(_own_file(library).read_bytes())
    assert {aid: r["position"] for aid, r in moved.items()} == \
        {aid: p for aid, p in positions.items() if p}
    backups = list(machine_dir(library).backups.glob("layout-4-*"))
    assert len(backups) == 1
    assert {aid: (backups[0] / "articles" / f"{aid}.json").read_bytes()
            for aid in positions} == olds
    with Store(library) as s:  # once only
        assert s.warnings == []
        assert {a.id: a.position for a in s.list_articles()} == positions


async def test_the_reader_saves_its_position_in_the_device_file_only(tmp_path: Path) -> None:
    store = make_library(tmp_path / "lib")
    try:
        long_id = next(a.id for a in store.list_articles() if a.title == "The Long Read")
        sidecar = tmp_path / "lib" / "articles" / f"{long_id}.json"
        before = sidecar.read_bytes()
        app = make_app(store, make_config(), open_article=long_id)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("space", "space")
            await pilot.pause()
            position = app.screen.query_one(ReaderView).position
            await pilot.press("q")
        assert sidecar.read_bytes() == before
        mine = reading.parse(_own_file(tmp_path / "lib").read_bytes())
        assert mine[long_id]["position"] == position > 0
        assert mine[long_id]["last_opened"]
    finally:
        store.close()
