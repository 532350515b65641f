"""A large index build: texts read in another process, the same index as reading them here;
the fast CJK check; no per-article flush of the word index."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from tuireader.core.model import ImportedArticle
from tuireader.library.fulltext.prepare import TextJob, TextReader, read_text
from tuireader.library.fulltext.text import _CJK_RANGES, cjk_runs, maybe_cjk
from tuireader.library.store import Store

TEXTS = [
    "# Natásha\n\nNatásha Rostóva ran into the drawing room. Prince Andréi watched her.",
    "# 日本\n\n東京は日本の首都です。京都は古い都です。\n\nSome English too.",
    "# Moby\n\nCall me Ishmael. The whale — “white” — swam; Queequeg’s harpoon.",
    "# Москва\n\nМосква горела осенью. Пьер думал о войне.",
    "# Kangxi\n\nRadicals ⺀⻳ and ⼀⿕ in a line.",
]


def fill(store: Store, n: int) -> list[str]:
    ids = []
    for k in range(n):
        text = TEXTS[k % len(TEXTS)] + f"\n\nMarker{k} ends article {k}."
        ids.append(store.add_article(ImportedArticle(title=f"T{k}", markdown=text,
                                                     source=f"s{k}")).article.id)
    return ids


def answers(store: Store) -> list[list[tuple[str, str, int, int, str]]]:
    queries = ["natasha", "首都", "whale", "москва", "marker7", "⻳", '"the whale"', "harpoon*"]
    return [[(h.article_id, h.where, h.start, h.end, h.snippet)
             for h in store.fulltext.search(q, limit=100).hits] for q in queries]


def test_reading_in_another_process_builds_the_same_index(tmp_path: Path) -> None:
    with Store(tmp_path / "lib", index_path=tmp_path / "here.sqlite3") as store:
        fill(store, 24)
        store.fulltext.rebuild()
        assert store.fulltext.catch_up(processes=0) == 24
        here = answers(store)
    with Store(tmp_path / "lib", index_path=tmp_path / "there.sqlite3") as store:
        assert len(store.fulltext.stale()) == 24
        assert store.fulltext.catch_up(processes=1) == 24
        assert store.fulltext.stale() == []
        assert answers(store) == here
    assert all(here), [len(a) for a in here]  # every query found something


@pytest.mark.parametrize("processes", [0, 1])
def test_an_unreadable_text_is_said_and_skipped_in_either_place(tmp_path: Path,
                                                              processes: int) -> None:
    with Store(tmp_path / "lib", index_path=tmp_path / "index.sqlite3") as store:
        ids = fill(store, 6)
        store.body_path(ids[1]).unlink()
        store.body_path(ids[2]).write_bytes(b"# Latin-1\n\ncaf\xe9 zebra")
    with Store(tmp_path / "lib", index_path=tmp_path / "index.sqlite3") as store:
        store.fulltext.rebuild()
        assert store.fulltext.catch_up(processes=processes) == 5
        assert store.fulltext.stale() == [ids[1]]  # stays to do; the others are all done
        assert any("could not be updated" in w for w in store.warnings), store.warnings
        assert any("not valid UTF-8" in w for w in store.warnings), store.warnings
        assert [h.article_id for h in store.fulltext.search("zebra").hits] == [ids[2]]


def test_the_reader_gives_texts_in_order_and_reads_here_when_a_process_fails(
        tmp_path: Path) -> None:
    body = tmp_path / "a.md"
    body.write_text("# A\n\nAlpha words.", encoding="utf-8")
    jobs = [TextJob(f"id{k}", str(body), str(tmp_path / "none.doc"), str(tmp_path))
            for k in range(40)]
    reader = TextReader(jobs, 1)
    assert reader.in_processes
    try:
        got = [reader.get(job.article_id) for job in jobs]
    finally:
        reader.close()
    assert [r.article_id for r in got] == [j.article_id for j in jobs]
    assert all(r.packed and r.packed[0].piece.body == "A\n\nAlpha words." for r in got)
    outside = TextJob("x", str(tmp_path / ".." / "elsewhere.md"), str(tmp_path / "x.doc"),
                      str(tmp_path))
    assert read_text(outside).packed is None and "missing" in read_text(outside).error


def test_the_fast_cjk_check_never_misses_a_cjk_character() -> None:
    for low, high in re.findall(r"(.)-(.)", _CJK_RANGES):
        for cp in (*range(ord(low), ord(high) + 1, 97), ord(high)):
            text = f"a{chr(cp)}b"
            assert cjk_runs(text) and maybe_cjk(text.encode("utf-8")), hex(cp)
    for text in ("Natásha — “quoted” ’", "Москва", "العربية", "ελληνικά", "emoji-free …"):
        assert not maybe_cjk(text.encode("utf-8")), text


def test_a_build_writes_the_word_index_in_few_segments(tmp_path: Path) -> None:
    """Each statement that may change several rows flushes FTS5's words to a new segment; a
    new article runs none, so a build of many articles in one transaction leaves few."""
    with Store(tmp_path / "lib", index_path=tmp_path / "index.sqlite3") as store:
        fill(store, 40)
        store.fulltext.rebuild()
        store.fulltext.catch_up(processes=0)
    db = sqlite3.connect(tmp_path / "index.sqlite3")
    try:
        segments = db.execute("SELECT count(DISTINCT segid) FROM fts_idx").fetchone()[0]
    finally:
        db.close()
    assert segments <= 4, segments


@pytest.mark.parametrize("processes", [0, 1])
def test_a_re_index_of_changed_articles_replaces_their_words(tmp_path: Path,
                                                           processes: int) -> None:
    with Store(tmp_path / "lib", index_path=tmp_path / "index.sqlite3") as store:
        ids = fill(store, 5)
        store.fulltext.catch_up()
        store.articles.on_change = store.shards.on_change = lambda article_id: None
        for k, aid in enumerate(ids):  # re-imported with the index not told: found stale
            again = store.add_article(ImportedArticle(
                title=f"T{k}", markdown=f"# New\n\nReplaced{k} text.", source=f"s{k}"))
            assert again.article.id == aid
        assert sorted(store.fulltext.stale()) == sorted(ids)
        assert store.fulltext.catch_up(processes=processes) == 5
        assert store.fulltext.search("natasha").hits == []
        for k, aid in enumerate(ids):
            assert [h.article_id for h in store.fulltext.search(f"replaced{k}").hits] == [aid]


def test_the_start_check_runs_before_the_preload_and_survives_a_damaged_index(
        tmp_path: Path) -> None:
    with Store(tmp_path / "lib", index_path=tmp_path / "index.sqlite3") as store:
        ids = fill(store, 3)
    with Store(tmp_path / "lib", preload=True, index_path=tmp_path / "index.sqlite3") as store:
        assert store.wait_preload(timeout=30)
        assert store.fulltext.ready()  # found up to date by the start check
        assert store.highlights(ids[0]) == []
    (tmp_path / "index.sqlite3").write_bytes(b"not a database" * 100)
    with Store(tmp_path / "lib", preload=True, index_path=tmp_path / "index.sqlite3") as store:
        assert store.wait_preload(timeout=30)  # the check failed quietly, the preload ran
        assert store.get_article(ids[0]) is not None
        assert not store.fulltext.ready() or store.fulltext.stale() == []


def test_the_index_lives_as_search_sqlite3_and_an_earlier_name_is_removed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tuireader.library.fulltext import default_index_path

    monkeypatch.setenv("TUIREADER_MACHINE_DIR", str(tmp_path / "machine"))
    with Store(tmp_path / "lib") as store:
        fill(store, 1)
        path = store.fulltext.path
        assert path.name == "search.sqlite3" and path.exists()
    earlier = path.with_name("search.search.sqlite3")
    earlier.write_bytes(b"an index of an older schema")
    assert default_index_path(tmp_path / "lib") == path
    assert not earlier.exists()


def test_tidying_merges_the_word_index_a_step_at_a_time(tmp_path: Path) -> None:
    def segments() -> int:
        db = sqlite3.connect(tmp_path / "index.sqlite3")
        try:
            return int(db.execute("SELECT count(DISTINCT segid) FROM fts_idx").fetchone()[0])
        finally:
            db.close()

    with Store(tmp_path / "lib", index_path=tmp_path / "index.sqlite3") as store:
        fill(store, 15)  # each added article its own transaction: segments pile up
        before = segments()
        here = answers(store)
        store.fulltext.tidy()
        assert before > 1 and segments() == 1
        assert answers(store) == here


def test_no_process_to_be_had_reads_the_texts_here(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from tuireader.library.fulltext import prepare

    def refused(*args: object, **kwargs: object) -> None:
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(prepare, "ProcessPoolExecutor", refused)
    with Store(tmp_path / "lib", index_path=tmp_path / "index.sqlite3") as store:
        fill(store, 8)
        store.fulltext.rebuild()
        assert store.fulltext.catch_up(processes=1) == 8
        assert store.fulltext.stale() == []
        assert [h.article_id for h in store.fulltext.search("marker3").hits]


def test_the_preload_gives_the_collector_back_and_its_records_are_whole(tmp_path: Path) -> None:
    import gc

    from tuireader.core.model import make_highlight

    with Store(tmp_path / "lib", index_path=tmp_path / "index.sqlite3") as store:
        ids = fill(store, 20)
        for aid in ids:
            text = store.read_markdown(aid)
            store.add_highlight(make_highlight(aid, text, 0, 5))
    assert gc.isenabled()
    with Store(tmp_path / "lib", preload=True, index_path=tmp_path / "index.sqlite3") as store:
        assert store.wait_preload(timeout=30)
        assert gc.isenabled()  # paused while the shards were read, then back
        assert all(len(store.highlights(aid)) == 1 for aid in ids)
