"""The search index: query language, ranking, folding, CJK, updates on every change, catch-up."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tuireader.core.document import parse_markdown
from tuireader.core.model import Highlight, ImportedArticle, make_highlight
from tuireader.library.fulltext import QueryError, parse
from tuireader.library.fulltext.query import compile_query
from tuireader.library.store import Store

WAR = ("# Book One\n\nNatásha Rostóva ran into the drawing room. Prince Andréi watched her.\n\n"
       "Pierre Bezúkhov thought about the war and about peace.\n\n"
       + "Filler words about the weather and the road. " * 40 + "\n\n"
       "Moscow burned in the autumn.")
NOTES = "# Notes\n\nA short note on gardening: tomatoes need sun. The war on weeds goes on."
CJK = "# 日本\n\n東京は日本の首都です。京都は古い都です。\n\nSome English too."


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "lib", index_path=tmp_path / "index.sqlite3")
    yield s
    s.close()


def add(store: Store, title: str, markdown: str, source: str, **kw: object) -> str:
    imported = ImportedArticle(title=title, markdown=markdown, source=source, **kw)  # type: ignore[arg-type]
    return store.add_article(imported).article.id


def highlight(store: Store, article_id: str, word: str) -> Highlight:
    text = parse_markdown(store.read_markdown(article_id)).plain_text
    start = text.index(word)
    h = make_highlight(article_id, text, start, start + len(word))
    store.add_highlight(h)
    return h


def ids(store: Store, query: str) -> list[tuple[str, str]]:
    return [(h.article_id, h.where) for h in store.fulltext.search(query).hits]


# -- parsing -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, message", [
    ('"war and', "quote is not closed"),
    ("*", "* goes at the end of a word"),
    ("war OR", "OR goes between"),
    ("OR war", "OR goes between"),
    ("-war", "add a word"),
    ("in:everywhere", "in: takes"),
    ("is:gone", "is: takes"),
    ("x" * 10_000, "too long"),
    (" ".join(["w"] * 40), "too many words"),
])
def test_unreadable_queries_say_why(store: Store, text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message.replace("*", r"\*")):
        parse(text)
    result = store.fulltext.search(text)
    assert result.hits == [] and message in result.message


@pytest.mark.parametrize("text", [
    'war" AND "peace', "NEAR(war peace)", "war:*", "{body}: war", "^war", "war + peace",
    "war' OR 1=1; --", "(war", "war)", "col:war", "\"\"", "\x00war", "war*peace*", "-\"\"",
    "'; DROP TABLE docs; --", "%_\\", "#", "a:\"", "日*", "NOT", "AND",
])
def test_syntax_characters_never_reach_sqlite(store: Store, text: str) -> None:
    add(store, "War and Peace", WAR, "war")
    result = store.fulltext.search(text)  # no exception, whatever the text
    assert isinstance(result.message, str)
    assert not result.message.startswith("search failed")


def test_fts_expression_is_built_from_quoted_words_only() -> None:
    compiled = compile_query(parse('Natásha "war and peace" pier* -weather'), 10)
    match = compiled.params[0]
    assert match == '(("natasha") AND ("war and peace") AND ("pier" *)) NOT ("weather")'


def test_or_binds_the_words_beside_it() -> None:
    query = parse("moscow war OR peace burned")
    assert [[t.words for t in g] for g in query.groups] == [
        [("moscow",)], [("war",), ("peace",)], [("burned",)]]


# -- searching ------------------------------------------------------------------------------------


def test_diacritics_and_case_are_ignored_both_ways(store: Store) -> None:
    war = add(store, "War and Peace", WAR, "war")
    assert ids(store, "natasha") == [(war, "text")]
    assert ids(store, "NATÁSHA") == [(war, "text")]
    hit = store.fulltext.search("andrei").hits[0]
    text = parse_markdown(WAR).plain_text
    assert text[hit.start:hit.end] == "Andréi"
    assert hit.snippet[hit.marks[0][0]:hit.marks[0][1]] == "Andréi"


def test_phrases_prefixes_exclusion_or(store: Store) -> None:
    war = add(store, "War and Peace", WAR, "war")
    notes = add(store, "Garden", NOTES, "notes")
    assert {a for a, _ in ids(store, "war")} == {war, notes}
    assert ids(store, '"war and about peace"') == [(war, "text")]
    assert ids(store, '"peace and war"') == []
    assert {a for a, _ in ids(store, "garden*")} == {notes}
    assert {a for a, _ in ids(store, "war -pierre")} == {notes}
    assert {a for a, _ in ids(store, "tomatoes OR moscow")} == {war, notes}


def test_ranking_prefers_the_piece_dense_with_the_word(store: Store) -> None:
    dense = add(store, "Dense", "# Bees\n\nBees, bees and more bees: the bees of the hive.", "d")
    add(store, "Sparse", "# Other\n\n" + "Something else entirely. " * 30 + "One bee: bees.", "s")
    assert store.fulltext.search("bees").hits[0].article_id == dense


def test_cjk_found_by_substring(store: Store) -> None:
    cjk = add(store, "日本の本", CJK, "cjk")
    add(store, "War and Peace", WAR, "war")
    assert ids(store, "首都") == [(cjk, "text")]       # two characters: LIKE
    assert ids(store, "日本の首都") == [(cjk, "text")]  # trigram index
    assert ids(store, "大阪") == []
    hit = store.fulltext.search("京都は").hits[0]
    assert parse_markdown(CJK).plain_text[hit.start:hit.end] == "京都は"
    assert ids(store, "首都 english") == [(cjk, "text")]


def test_filters(store: Store) -> None:
    war = add(store, "War and Peace", WAR, "war", author="Lev Tolstóy", site="gutenberg.org")
    notes = add(store, "Garden notes", NOTES, "notes", author="Someone")
    article = store.get_article(notes)
    assert article is not None
    article.archived = True
    article.tags = ["gardening"]
    store.update_article(article)
    assert {a for a, _ in ids(store, "war a:peace")} == {war}
    assert {a for a, _ in ids(store, "war author:tolstoy")} == {war}
    assert {a for a, _ in ids(store, "war site:gutenberg")} == {war}
    assert {a for a, _ in ids(store, "war is:archived")} == {notes}
    assert {a for a, _ in ids(store, "war -is:archived")} == {war}
    assert {a for a, _ in ids(store, "war #garden")} == {notes}
    assert {a for a, _ in ids(store, "war -#garden")} == {war}
    assert ids(store, "in:tags garden*") == [(notes, "tag")]
    # Filters alone list what they name once: the tagged pieces, each article's opening.
    assert ids(store, "#garden") == [(notes, "tag")]
    assert ids(store, "is:archived") == [(notes, "text")]
    assert ids(store, "-is:archived") == [(war, "text")]
    assert ids(store, "a:peace") == [(war, "text")]
    h = highlight(store, war, "Moscow burned")
    h.tags = ["gardens"]
    store.save_highlights([h])
    assert sorted(ids(store, "#garden")) == sorted([(notes, "tag"), (war, "tag")])


def test_highlights_notes_and_tags_are_found_where_they_are(store: Store) -> None:
    war = add(store, "War and Peace", WAR, "war")
    h = highlight(store, war, "Moscow burned")
    h.note = "Compare with Napoleón's retreat"
    h.tags = ["fire"]
    store.save_highlights([h])
    assert (war, "highlight") in ids(store, "moscow")
    assert ids(store, "in:notes napoleon") == [(war, "note")]
    assert ids(store, "in:tags fire") == [(war, "tag")]
    assert ids(store, "#fire in:highlights") == [(war, "highlight")]
    assert ids(store, "moscow in:highlights") == [(war, "highlight")]
    assert ids(store, "moscow in:text") == [(war, "text")]
    assert sorted(ids(store, "moscow in:text in:highlights")) == [(war, "highlight"),
                                                                   (war, "text")]
    assert ids(store, "moscow -burned in:highlights") == []
    hit = store.fulltext.search("in:notes napoleon").hits[0]
    assert (hit.start, hit.end, hit.highlight_id) == (h.start, h.end, h.id)


# -- keeping up with the library -------------------------------------------------------------------


def test_every_kind_of_change_is_indexed(store: Store, tmp_path: Path) -> None:
    war = add(store, "War and Peace", WAR, "war")
    h = highlight(store, war, "drawing room")
    h.note = "cosy"
    store.save_highlights([h])
    assert ids(store, "in:notes cosy") == [(war, "note")]
    h.note = "grand"                                    # note edited
    store.save_highlights([h])
    assert ids(store, "cosy") == [] and ids(store, "in:notes grand") == [(war, "note")]
    h.tags = ["salon"]                                  # tag added
    store.save_highlights([h])
    assert ids(store, "in:tags salon") == [(war, "tag")]
    store.delete_highlight(h)                           # highlight deleted
    assert ids(store, "grand") == [] and ids(store, "salon") == []
    article = store.get_article(war)
    assert article is not None
    article.title, article.note = "Voina i mir", "Read in winter"   # metadata edited
    store.update_article(article)
    assert ids(store, "war a:voina") and ids(store, "war a:peace") == []
    assert ids(store, "in:notes winter") == [(war, "note")]
    add(store, "War and Peace", WAR.replace("Moscow", "Petersburg"), "war")  # re-import
    assert ids(store, "moscow") == [] and ids(store, "petersburg") == [(war, "text")]
    store.remove_article(war)                           # removed
    assert ids(store, "petersburg") == [] and ids(store, "winter") == []
    assert store.fulltext.stale() == []


def test_a_crash_before_the_index_update_is_caught_up_on_the_next_open(tmp_path: Path) -> None:
    index = tmp_path / "index.sqlite3"
    with Store(tmp_path / "lib", index_path=index) as store:
        war = add(store, "War and Peace", WAR, "war")
        # The index update never happens (a crash between the store's write and it):
        store.articles.on_change = store.shards.on_change = lambda article_id: None
        notes = add(store, "Garden", NOTES, "notes")
        h = highlight(store, war, "Moscow burned")
        h.note = "fire"
        store.save_highlights([h])
    with Store(tmp_path / "lib", index_path=index) as store:
        assert sorted(store.fulltext.stale()) == sorted([war, notes])
        assert store.fulltext.catch_up() == 2
        assert store.fulltext.stale() == []
        assert ids(store, "tomatoes") == [(notes, "text")]
        assert ids(store, "in:notes fire") == [(war, "note")]


def test_a_hit_that_leads_nowhere_is_never_shown(tmp_path: Path) -> None:
    index = tmp_path / "index.sqlite3"
    with Store(tmp_path / "lib", index_path=index) as store:
        war = add(store, "War and Peace", WAR, "war")
        h = highlight(store, war, "Moscow burned")
        store.articles.on_change = store.shards.on_change = lambda article_id: None
        store.delete_highlight(h)       # the index still has it
        add(store, "War and Peace", WAR.replace("Natásha", "Sónya"), "war")  # and the old text
        assert ids(store, "natasha") == []
        assert (war, "highlight") not in ids(store, "moscow")
        store.articles.on_change = store.shards.on_change = store.fulltext.article_changed
        assert ids(store, "sonya") == [(war, "text")]  # the dropped hit's article caught up


def test_a_damaged_index_file_is_rebuilt(tmp_path: Path) -> None:
    index = tmp_path / "index.sqlite3"
    with Store(tmp_path / "lib", index_path=index) as store:
        add(store, "War and Peace", WAR, "war")
        store.fulltext.search("war")
    db = sqlite3.connect(index)
    db.execute("UPDATE meta SET value = '0' WHERE key = 'version'")  # an older schema
    db.commit()
    db.close()
    with Store(tmp_path / "lib", index_path=index) as store:
        assert len(store.fulltext.stale()) == 1
        store.fulltext.catch_up()
        assert ids(store, "natasha")


def test_default_location_is_outside_the_library(tmp_path: Path) -> None:
    with Store(tmp_path / "lib") as store:
        add(store, "War and Peace", WAR, "war")
        assert tmp_path / "lib" not in store.fulltext.path.parents
        assert store.fulltext.path.exists()


def test_an_interrupted_rebuild_keeps_whole_articles_and_resumes(tmp_path: Path) -> None:
    index = tmp_path / "index.sqlite3"
    with Store(tmp_path / "lib", index_path=index) as store:
        ids_added = [add(store, f"Article {n}", f"# A{n}\n\nUnique{n} words here.", f"s{n}")
                     for n in range(6)]
        store.fulltext.rebuild()
        assert len(store.fulltext.stale()) == 6

        def interrupt(done: int, total: int) -> None:
            if done == 3:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            store.fulltext.catch_up(progress=interrupt)
    with Store(tmp_path / "lib", index_path=index) as store:
        left = store.fulltext.stale()
        assert 0 < len(left) <= 6  # nothing half-indexed is taken for done
        assert store.fulltext.catch_up() == len(left)
        assert store.fulltext.stale() == []
        for n, aid in enumerate(ids_added):
            assert ids(store, f"unique{n}") == [(aid, "text")]


def test_an_index_that_cannot_be_opened_never_stops_the_library(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with Store(tmp_path / "lib", index_path=blocker / "index.sqlite3") as store:
        war = add(store, "War and Peace", WAR, "war")  # saved, whatever the index
        assert store.get_article(war) is not None
        result = store.fulltext.search("natasha")
        assert result.hits == [] and "cannot be opened" in result.message
        assert any("search index" in w for w in store.warnings)


def test_closing_the_store_stops_a_catch_up_cleanly(tmp_path: Path) -> None:
    store = Store(tmp_path / "lib", index_path=tmp_path / "index.sqlite3")
    for n in range(4):
        add(store, f"Article {n}", f"# A{n}\n\nWords {n}.", f"s{n}")
    store.fulltext.rebuild()

    def close_midway(done: int, total: int) -> None:
        if done == 2:
            store.close()

    store.fulltext.catch_up(progress=close_midway)  # returns; nothing raised
    with Store(tmp_path / "lib", index_path=tmp_path / "index.sqlite3") as again:
        assert again.fulltext.stale()  # what was not committed is still to do
        again.fulltext.catch_up()
        assert again.fulltext.stale() == []


def test_snippets_carry_no_terminal_controls(store: Store) -> None:
    add(store, "Escapes", "# E\n\nBefore \x1b]0;pwned\x07 the keyword zebra \x1b[2J after.", "e")
    hit = store.fulltext.search("zebra").hits[0]
    assert "\x1b" not in hit.snippet and "\x07" not in hit.snippet
    assert hit.snippet[hit.marks[0][0]:hit.marks[0][1]] == "zebra"
