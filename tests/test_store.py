"""The library store: articles, highlights, the lock, schema versions, and surviving kill -9."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sync_support import index_file
from tuireader.core.document import parse_markdown
from tuireader.core.model import Highlight, make_highlight
from tuireader.importers.base import ImportedArticle
from tuireader.library import shards as shards_module
from tuireader.library.durable import DurableStorage
from tuireader.library.store import SCHEMA_VERSION, NotFound, ReadOnlyError, Store, StoreError

TEXT = (
    "The first paragraph talks about rivers and the way they carve valleys over time.\n\n"
    "The second paragraph is about cities, which grow along those rivers.\n\n"
    "The third paragraph returns to rivers once more, to close the essay."
)


def article(markdown: str = TEXT, *, title: str = "Rivers", source: str = "") -> ImportedArticle:
    return ImportedArticle(title=title, markdown=markdown, source=source)


def plain(store: Store, article_id: str) -> str:
    return parse_markdown(store.read_markdown(article_id)).plain_text


def highlight(store: Store, article_id: str, quote: str, nth: int = 0, **kw: object) -> Highlight:
    text = plain(store, article_id)
    start = -1
    for _ in range(nth + 1):
        start = text.index(quote, start + 1)
    h = make_highlight(article_id, text, start, start + len(quote))
    for key, val in kw.items():
        setattr(h, key, val)
    return store.add_highlight(h)


@pytest.fixture
def store(library: Path):
    s = Store(library)
    yield s
    s.close()


# -- articles ----------------------------------------------------------------------------------

def test_new_library_layout_and_schema(store: Store, library: Path) -> None:
    assert (library / "articles").is_dir() and (library / "annotations").is_dir()
    data = json.loads(index_file(library).read_text())
    assert data["_meta"]["1"]["schema_version"] == SCHEMA_VERSION
    assert store.warnings == [] and not store.read_only


def test_add_then_exists_with_merged_tags(store: Store) -> None:
    first = store.add_article(article(), tags=["Essays"])
    assert first.status == "added"
    again = store.add_article(article(), tags=["Long Reads"])
    assert again.status == "exists" and again.article.id == first.article.id
    assert store.get_article(first.article.id).tags == ["essays", "long-reads"]
    assert len(store.list_articles()) == 1
    assert store.read_markdown(first.article.id) == TEXT
    assert store.get_article(first.article.id).word_count == len(TEXT.split())


def test_reimport_changed_text_keeps_id_and_reanchors(store: Store) -> None:
    a = store.add_article(article(source="/x/rivers.md")).article
    h = highlight(store, a.id, "grow along those rivers", note="n", tags=["geo"])
    changed = "A new opening paragraph was added here.\n\n" + TEXT
    result = store.add_article(article(changed, source="/x/rivers.md"))
    assert result.status == "updated" and result.article.id == a.id
    assert len(store.list_articles()) == 1
    [moved] = store.highlights(a.id)
    text = plain(store, a.id)
    assert moved.id == h.id and moved.note == "n" and moved.tags == ["geo"]
    assert moved.start > h.start
    assert text[moved.start : moved.end] == "grow along those rivers"
    assert moved.anchor == "ok"


def test_reimport_tells_identical_copies_apart_with_the_old_text(store: Store) -> None:
    """The store re-anchors with the text the highlights were made in (read before the new
    body replaces it), so a highlight in the second of two identical passages stays there."""
    block = "Notes for the {} day, each one different from the others in its own words.\n\n" \
            "Breakfast: oats with 1 tsp. nut butter and berries, then tea.\n\n"
    text = "".join(block.format(day) for day in ("first", "second", "third")) + "End."
    a = store.add_article(article(text, source="/recipes.md")).article
    old_plain = plain(store, a.id)
    second = old_plain.index("nut butter", old_plain.index("second day"))
    h = store.add_highlight(make_highlight(a.id, old_plain, second, second + len("nut butter")))
    intro = "A new introduction that pushes everything down the page by a long way. " * 4
    store.add_article(article(intro + "\n\n" + text, source="/recipes.md"))
    new_plain = plain(store, a.id)
    [moved] = store.highlights(a.id)
    assert moved.id == h.id and moved.anchor == "ok"
    assert moved.start == new_plain.index("nut butter", new_plain.index("second day"))


def test_resolve_by_prefix(store: Store, monkeypatch) -> None:
    ids = iter(["abc11111", "abc22222", "def33333"])
    monkeypatch.setattr("tuireader.library.store.new_id", lambda: next(ids))
    for n in range(3):
        store.add_article(article(f"text {n}", title=f"T{n}"))
    assert store.resolve("def").id == "def33333"
    assert store.resolve("abc1").id == "abc11111"
    assert store.resolve(" abc22222 ").id == "abc22222"
    with pytest.raises(NotFound, match="ambiguous"):
        store.resolve("abc")
    with pytest.raises(NotFound, match="no article"):
        store.resolve("zzz")
    with pytest.raises(NotFound):
        store.resolve("")


def test_update_article_unknown_raises(store: Store) -> None:
    a = store.add_article(article()).article
    a.position = 10
    store.update_article(a)
    assert store.get_article(a.id).position == 10
    a.id = "nope"
    with pytest.raises(NotFound):
        store.update_article(a)


def test_read_opening_and_most_recent(store: Store) -> None:
    first = store.add_article(article()).article
    second = store.add_article(article("Another text.", title="Two")).article
    assert store.most_recent() is None  # nothing opened yet
    opening = store.read_opening(first.id)
    assert opening.article.id == first.id
    assert opening.markdown == store.read_markdown(first.id)
    assert opening.highlights == []
    highlight(store, first.id, "cities")
    assert [h.exact for h in store.read_opening(first.id).highlights] == ["cities"]
    second.last_opened = "2026-01-02T00:00:00+00:00"
    store.update_article(second)
    first.last_opened = "2026-01-01T00:00:00+00:00"
    store.update_article(first)
    assert store.most_recent() == second.id
    with pytest.raises(NotFound):
        store.read_opening("nope")
    store.body_path(first.id).unlink()
    with pytest.raises(StoreError, match="missing"):
        store.read_opening(first.id)


# -- highlights --------------------------------------------------------------------------------

def test_highlights_crud_in_text_order(store: Store) -> None:
    a = store.add_article(article()).article
    late = highlight(store, a.id, "to close the essay")
    early = highlight(store, a.id, "The first paragraph")
    mid = highlight(store, a.id, "cities")
    assert [h.id for h in store.highlights(a.id)] == [early.id, mid.id, late.id]
    mid.note = "growth"
    mid.kind = 3
    store.save_highlights([mid])
    got = {h.id: h for h in store.highlights(a.id)}
    assert got[mid.id].note == "growth" and got[mid.id].kind == 3
    assert len(got) == 3
    store.delete_highlight(early)
    assert [h.id for h in store.highlights(a.id)] == [mid.id, late.id]
    assert store.get_highlight(late.id).exact == "to close the essay"
    assert store.get_highlight("missing") is None


def test_highlight_survives_reopen(library: Path) -> None:
    with Store(library) as s:
        a = s.add_article(article()).article
        h = highlight(s, a.id, "rivers", tags=["Water Ways"])
    with Store(library) as s:
        [got] = s.highlights(a.id)
        assert got.id == h.id and got.tags == ["water-ways"]


def test_save_highlights_for_unknown_article_or_mixed(store: Store) -> None:
    a = store.add_article(article()).article
    b = store.add_article(article("other text here", title="B")).article
    with pytest.raises(NotFound):
        store.add_highlight(make_highlight("nope", "abc def", 0, 3))
    with pytest.raises(StoreError, match="one article"):
        store.save_highlights([make_highlight(a.id, "abcdef", 0, 3),
                               make_highlight(b.id, "abcdef", 0, 3)])


def test_queries_by_tag_article_search_and_counts(store: Store) -> None:
    a = store.add_article(article()).article
    b = store.add_article(article("Cities and RIVERS again.\n\nMore on cities.", title="B")).article
    h1 = highlight(store, a.id, "rivers", tags=["water"])
    h2 = highlight(store, a.id, "cities", note="Urban Growth")
    h3 = highlight(store, b.id, "RIVERS", tags=["water", "caps"])
    assert {h.id for h in store.query_highlights(tag="Water")} == {h1.id, h3.id}
    assert [h.id for h in store.query_highlights(article_id=a.id)] == [h1.id, h2.id]
    assert {h.id for h in store.query_highlights(search="rivers")} == {h1.id, h3.id}
    assert [h.id for h in store.query_highlights(search="urban")] == [h2.id]  # in the note
    assert [h.id for h in store.query_highlights(search="CAPS")] == [h3.id]  # in a tag
    assert [h.id for h in store.query_highlights(tag="water", article_id=b.id)] == [h3.id]
    assert [h.id for h in store.query_highlights(tag="caps", search="riv")] == [h3.id]
    assert store.query_highlights(tag="none") == []
    assert len(store.all_highlights()) == 3
    assert store.highlight_counts() == {a.id: 2, b.id: 1}
    assert store.all_tags() == ["caps", "water"]
    # A save shows in the next library-wide query at once (no stale cache).
    highlight(store, b.id, "cities", tags=["water"])
    assert len(store.query_highlights(tag="water")) == 3
    assert store.highlight_counts()[b.id] == 2


def test_highlight_index_columns_and_recheck_of_outside_changes(
        store: Store, library: Path) -> None:
    a = store.add_article(article()).article
    b = store.add_article(article("Deep valleys and more.", title="Two")).article
    h1 = highlight(store, a.id, "rivers", tags=["Water"], kind=2)
    highlight(store, a.id, "cities")
    highlight(store, b.id, "valleys", anchor="orphan")
    index = store.highlight_index()
    assert index.runs == [(a.id, 2), (b.id, 1)]
    assert [r["exact"] for r in index.records] == ["rivers", "cities", "valleys"]
    assert index.haystacks[0] == "rivers\0\0water"
    assert index.tag_texts == ["\0water", "", ""]
    assert index.kinds == [2, 1, 1] and index.anchors == ["ok", "ok", "orphan"]
    assert store.titles() == {a.id: "Rivers", b.id: "Two"}
    assert not store.recheck_shards()
    # Another program (a sync tool) replaces a shard: an index without a recheck still has
    # the old copy; the recheck sees the change, and the next index has it.
    shard = library / "annotations" / f"{a.id}.json"
    data = json.loads(shard.read_text(encoding="utf-8"))
    table = next(iter(data.values()))
    record = next(r for r in table.values() if r["id"] == h1.id)
    record["note"] = "edited elsewhere"
    other = shard.with_name("synced.tmp")
    other.write_text(json.dumps(data), encoding="utf-8")
    os.replace(other, shard)  # a new file (inode): seen as changed whatever the clock
    assert "edited elsewhere" not in store.highlight_index(recheck=False).haystacks[0]
    assert store.recheck_shards()
    assert "edited elsewhere" in store.highlight_index(recheck=False).haystacks[0]
    assert not store.recheck_shards()


def test_preload_builds_the_caches_of_views_a_query_made_first(
        library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The library list's counts at start make views before the preload reaches them: the
    preload still builds their search caches, so the highlights view does not have to."""
    with Store(library) as s:
        ids = [s.add_article(article(f"text number {n} here", title=str(n))).article.id
               for n in range(4)]
        for aid in ids:
            highlight(s, aid, "number", tags=["n"])
    with Store(library) as s:
        assert s.highlight_counts() == dict.fromkeys(ids, 1)  # views, without caches
        s.start_preload()
        assert s.wait_preload(10) and not s.preloading
        built: list[object] = []
        monkeypatch.setattr(shards_module, "haystack", built.append)
        monkeypatch.setattr(shards_module, "record_columns", built.append)
        index = s.highlight_index()
        assert len(index.records) == 4 and len(index.haystacks) == len(index.tag_texts) == 4
        assert built == []  # everything the highlights view needs was built by the preload


def test_a_save_does_not_wait_for_a_library_wide_count(
        library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The library list's counts read every shard the preload has not read yet: a save made
    meanwhile goes through, even while the count is held up reading another article's shard."""
    with Store(library) as s:
        ids = [s.add_article(article(f"text number {n} here", title=str(n))).article.id
               for n in range(3)]
    reading, saved = threading.Event(), threading.Event()
    went_through: list[bool] = []
    real_read = DurableStorage.read

    def slow_read(storage: DurableStorage, **kwargs: float) -> object:
        # Slow I/O for the counting thread on the second article's shard: it waits there
        # (holding that shard) until the save has returned, or gives up after 10 s.
        if (threading.current_thread().name == "counter"
                and storage.path.name == f"{ids[1]}.json"):
            reading.set()
            went_through.append(saved.wait(10))
        return real_read(storage, **kwargs)

    monkeypatch.setattr(DurableStorage, "read", slow_read)
    with Store(library) as s:
        counter = threading.Thread(target=s.highlight_counts, name="counter")
        counter.start()
        assert reading.wait(10)
        highlight(s, ids[0], "number")
        saved.set()
        counter.join()
        assert went_through == [True]  # the save did not wait for the count
        assert s.highlight_counts() == {ids[0]: 1, ids[1]: 0, ids[2]: 0}


def test_query_results_are_copies(store: Store) -> None:
    a = store.add_article(article()).article
    highlight(store, a.id, "rivers", tags=["t"])
    [h] = store.query_highlights(tag="t")
    h.tags.append("changed")
    h.note = "not saved"
    [again] = store.query_highlights(tag="t")
    assert again.tags == ["t"] and again.note == ""


def test_preload_then_queries(library: Path) -> None:
    with Store(library) as s:
        ids = [s.add_article(article(f"text number {n} here", title=str(n))).article.id
               for n in range(5)]
        for aid in ids:
            highlight(s, aid, "number", tags=["n"])
    with Store(library, preload=True) as s:
        assert len(s.query_highlights(tag="n")) == 5
        highlight(s, ids[0], "here", tags=["n"])
        assert len(s.query_highlights(tag="n")) == 6


# -- remove / trash ----------------------------------------------------------------------------

def test_remove_moves_to_trash_with_highlights(store: Store, library: Path) -> None:
    a = store.add_article(article()).article
    h = highlight(store, a.id, "cities", note="keep me")
    highlight(store, a.id, "rivers")  # a second save, so shard backups exist
    trash = store.remove_article(a.id)
    assert store.get_article(a.id) is None and store.list_articles() == []
    assert trash.parent == library / "trash"
    record = json.loads((trash / "article.json").read_text())
    assert record["article"]["id"] == a.id
    assert h.id in {x["id"] for x in record["highlights"]}
    assert (trash / "article.md").read_text() == TEXT
    assert (trash / "annotations.json").exists()
    assert not list((library / "annotations").iterdir())  # backups went along too
    # Only the removal's tombstone is left (a synchronised copy must not bring it back).
    assert [p.name for p in (library / "articles").iterdir()] == [f"{a.id}.deleted.json"]
    with pytest.raises(NotFound):
        store.remove_article(a.id)


def test_a_save_into_a_removed_article_is_refused(store: Store, library: Path) -> None:
    """An edit that arrives after its article went to the trash (an App's writer queue) is
    refused, not saved into a shard that no article lists."""
    a = store.add_article(article()).article
    late = make_highlight(a.id, plain(store, a.id), 4, 9)
    store.remove_article(a.id)
    with pytest.raises(NotFound):
        store.add_highlight(late)
    assert not list((library / "annotations").iterdir())


# -- the lock, read-only -----------------------------------------------------------------------

def test_second_store_is_read_only_and_says_so(store: Store, library: Path) -> None:
    a = store.add_article(article()).article
    second = Store(library)
    try:
        assert second.read_only
        assert any("another tuireader" in w and "read-only" in w for w in second.warnings)
        assert [x.id for x in second.list_articles()] == [a.id]
        with pytest.raises(ReadOnlyError):
            second.add_article(article("other", title="x"))
        with pytest.raises(ReadOnlyError):
            second.add_highlight(make_highlight(a.id, TEXT, 0, 5))
        # The reader sees the writer's new saves.
        highlight(store, a.id, "rivers")
        assert len(second.highlights(a.id)) == 1
        assert not any("another program" in w for w in second.warnings)
    finally:
        second.close()
    store.close()
    third = Store(library)
    try:
        assert not third.read_only and third.warnings == []
    finally:
        third.close()


CHILD_HOLD = """
import sys, time
from tuireader.library.store import Store
s = Store(sys.argv[1])
print("RO" if s.read_only else "READY", flush=True)
time.sleep(60)
"""


def test_lock_freed_after_kill_9(library: Path) -> None:
    Store(library).close()
    child = subprocess.Popen([sys.executable, "-c", CHILD_HOLD, str(library)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "READY"
        with Store(library) as s:
            assert s.read_only
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    with Store(library) as s:
        assert not s.read_only


def test_read_only_request_on_missing_library_creates_nothing(library: Path) -> None:
    with Store(library, read_only=True) as s:
        assert s.list_articles() == [] and s.query_highlights() == []
    assert not library.exists()


def test_library_path_is_a_file(tmp_path: Path) -> None:
    f = tmp_path / "lib"
    f.write_text("x")
    with pytest.raises(StoreError, match="not a folder"):
        Store(f)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_folder_opens_read_only(library: Path) -> None:
    with Store(library) as s:
        s.add_article(article())
    library.chmod(0o555)
    try:
        with Store(library) as s:
            assert s.read_only and len(s.list_articles()) == 1
            assert any("read-only" in w for w in s.warnings)
    finally:
        library.chmod(0o755)


def test_unwritable_folder_simulated(library: Path, monkeypatch) -> None:
    """Root bypasses permissions, so simulate the refusal where it happens: creating the
    lock file and the subfolders."""
    with Store(library) as s:
        s.add_article(article())

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("tuireader.library.lock.FileLock.acquire", refuse)
    with Store(library) as s:
        assert s.read_only and len(s.list_articles()) == 1
        assert any("cannot lock" in w for w in s.warnings)
    monkeypatch.undo()
    monkeypatch.setattr(Path, "mkdir", refuse)
    with Store(library) as s:
        assert s.read_only
        assert any("not writable" in w for w in s.warnings)


# -- schema ------------------------------------------------------------------------------------

def _set_schema(library: Path, version: int | None) -> None:
    path = index_file(library)
    data = json.loads(path.read_text())
    if version is None:
        del data["_meta"]
    else:
        data["_meta"]["1"]["schema_version"] = version
    path.write_text(json.dumps(data))


def test_newer_schema_opens_read_only_and_frees_lock(library: Path) -> None:
    with Store(library) as s:
        a = s.add_article(article()).article
    _set_schema(library, SCHEMA_VERSION + 1)
    with Store(library) as s:
        assert s.read_only
        assert any("newer tuireader" in w for w in s.warnings)
        assert s.get_article(a.id) is not None
        with pytest.raises(ReadOnlyError):
            s.add_article(article("x", title="x"))
        # It does not keep the newer program out.
        with Store(library) as other:
            assert not any("another tuireader" in w for w in other.warnings)


def test_old_schema_migrates_with_backup(library: Path) -> None:
    with Store(library) as s:
        a = s.add_article(article()).article
    _set_schema(library, None)  # version 0: written before the version was recorded
    original = index_file(library).read_bytes()
    with Store(library) as s:
        assert any("migrated" in w and "v0-backup" in w for w in s.warnings)
        assert s.get_article(a.id) is not None
        s.add_article(article("more", title="more"))
    assert index_file(library).with_name("library.json.v0-backup").read_bytes() == original
    data = json.loads(index_file(library).read_text())
    assert data["_meta"]["1"]["schema_version"] == SCHEMA_VERSION
    with Store(library) as s:
        assert s.warnings == []


def test_corrupt_library_json_recovered_from_backup(library: Path) -> None:
    with Store(library) as s:
        a = s.add_article(article()).article
        b = s.add_article(article("second", title="2")).article
    index_file(library).write_bytes(b"\x00garbage")
    with Store(library) as s:
        # The backup before the last save, and the article added last from its files on disk.
        assert sorted(x.id for x in s.list_articles()) == sorted([a.id, b.id])
        assert any("library.json.bak1" in w and ".corrupt-" in w for w in s.warnings)
        assert any("1 article(s) on disk but missing" in w for w in s.warnings), s.warnings


def test_stale_temp_files_removed_on_open(library: Path) -> None:
    Store(library).close()
    for sub in ("", "articles", "annotations"):
        (library / sub / ".x.json.tmp-1-abc").write_text("half")
    Store(library).close()
    assert not [p for p in library.rglob("*") if ".tmp-" in p.name]


# -- kill -9 while saving ----------------------------------------------------------------------

CHILD_SAVE = """
import sys
from tuireader.core.model import make_highlight
from tuireader.core.document import parse_markdown
from tuireader.importers.base import ImportedArticle
from tuireader.library.store import Store

store = Store(sys.argv[1])
if store.read_only:
    print("RO", store.warnings, flush=True)
    sys.exit(3)
texts = {a.id: parse_markdown(store.read_markdown(a.id)).plain_text
         for a in store.list_articles()}
ids = sorted(texts)
print("READY", flush=True)
n = int(sys.argv[2])
while True:
    n += 1
    if n % 5 == 0:
        added = store.add_article(ImportedArticle(title=f"a{n}", markdown=f"article {n} text"))
        print("A", added.article.id, flush=True)
    aid = ids[n % len(ids)]
    text = texts[aid]
    start = n % (len(text) - 20)
    h = make_highlight(aid, text, start, start + 15)
    h.note = "x" * (n % 300)
    store.add_highlight(h)
    print("H", h.id, flush=True)
"""


def run_kill_loop(library: Path, rounds: int, seed: int) -> None:
    rng = random.Random(seed)
    with Store(library) as s:
        for n in range(3):
            s.add_article(article(TEXT + f" Version {n}.", title=f"base {n}"))
    highlights: set[str] = set()
    articles: set[str] = set()
    for round_no in range(rounds):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD_SAVE, str(library), str(round_no * 1000)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            assert child.stdout is not None
            first = child.stdout.readline()
            assert first.strip() == "READY", first + child.stderr.read()  # type: ignore[union-attr]
            # Kill after a random number of acknowledged changes: the child goes on saving
            # while the signal is on its way, so the kill lands anywhere in a save.
            acked = [child.stdout.readline() for _ in range(rng.randint(0, 12))]
            child.send_signal(signal.SIGKILL)
            # Read what is left through the same buffered file (communicate() would skip
            # lines readline() has already buffered).
            out = "".join(acked) + child.stdout.read()
            err = child.stderr.read()  # type: ignore[union-attr]
            child.wait(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        assert child.returncode == -signal.SIGKILL, err  # killed, not failed on its own
        for line in out.splitlines(keepends=True):
            if not line.endswith("\n"):
                continue  # killed while printing: not acknowledged
            kind, _, ident = line.strip().partition(" ")
            (highlights if kind == "H" else articles).add(ident)
    with Store(library) as s:
        assert not s.read_only
        assert not [w for w in s.warnings if "unreadable" in w or "corrupt" in w], s.warnings
        present = {h.id for h in s.all_highlights()}
        assert highlights <= present, f"lost {len(highlights - present)} acknowledged saves"
        known = {a.id for a in s.list_articles()}
        assert articles <= known
        for aid in known:
            s.read_markdown(aid)  # every listed article has its text
    assert not [p for p in library.rglob("*") if ".tmp-" in p.name]
    assert len(highlights) > rounds  # the loop really saved while being killed


@pytest.mark.slow
def test_kill_9_while_saving_loses_nothing_acknowledged(library: Path) -> None:
    run_kill_loop(library, rounds=30, seed=7)
