"""``tuireader add/show/convert`` with EPUBs: stored as books, re-added books re-anchor,
bad books leave nothing behind."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from epub_support import chapter, make_book, raw_book, simple_files
from test_cli import assert_clean_error, run
from tuireader.core.document import parse_markdown
from tuireader.core.model import make_highlight
from tuireader.library.store import Store


def _book(path: Path, extra: str = "") -> Path:
    chapters = [
        chapter("c1.xhtml", "Chapter 1", f"<p>{extra}The whale rose out of the sea.</p>"),
        chapter("c2.xhtml", "Chapter 2", "<p>Ishmael watched from the deck all night.</p>"),
    ]
    return make_book(path, chapters)


def test_add_show_and_convert_a_book(tmp_path: Path) -> None:
    library = tmp_path / "lib"
    path = _book(tmp_path / "whale.epub")
    added = run("add", str(path), library=library)
    assert added.returncode == 0, added.stderr
    status, article_id, title = added.stdout.split(" ", 2)
    assert status == "added" and title.strip() == "A Made Book"
    shown = run("show", article_id, library=library)
    assert "publisher:  Test Press" in shown.stdout and "isbn:9780000000002" in shown.stdout
    assert "# Chapter 2" in shown.stdout and "Ishmael watched" in shown.stdout
    with Store(library) as store:
        article = store.get_article(article_id)
        assert article is not None and article.kind == "book"
        spine = store.spine(article_id)
        plain = parse_markdown(store.read_markdown(article_id)).plain_text
    assert [s.index for s in spine] == [1, 2]
    assert plain[spine[1].start:spine[1].end] == (
        "Chapter 2\n\nIshmael watched from the deck all night.")
    converted = run("convert", "--json", str(path))
    data = json.loads(converted.stdout)
    assert data["kind"] == "book" and data["spine"][0]["href"] == "c1.xhtml"


def test_readding_the_same_book_from_elsewhere_reanchors_its_highlights(tmp_path: Path) -> None:
    library = tmp_path / "lib"
    first = _book(tmp_path / "whale.epub")
    article_id = run("add", str(first), library=library).stdout.split()[1]
    with Store(library) as store:
        plain = parse_markdown(store.read_markdown(article_id)).plain_text
        start = plain.index("Ishmael")
        store.add_highlight(make_highlight(article_id, plain, start, start + len("Ishmael")))
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    second = _book(moved / "whale-v2.epub", extra="A new preface sentence. ")
    again = run("add", str(second), library=library)
    assert again.stdout.split()[:2] == ["updated", article_id], again.stdout + again.stderr
    with Store(library) as store:
        (highlight,) = store.highlights(article_id)
        plain = parse_markdown(store.read_markdown(article_id)).plain_text
        assert plain[highlight.start:highlight.end] == "Ishmael"
        assert "A new preface sentence." in plain
        assert len(store.list_articles()) == 1
    same = tmp_path / "copy.epub"
    shutil.copy(second, same)
    assert run("add", str(same), library=library).stdout.split()[:2] == ["exists", article_id]


def test_a_bad_book_is_one_line_and_nothing_is_added(tmp_path: Path) -> None:
    library = tmp_path / "lib"
    files = simple_files()
    del files["OEBPS/c2.xhtml"]
    bad = raw_book(tmp_path / "bad.epub", files)
    proc = run("add", str(bad), library=library)
    assert_clean_error(proc, 1)
    assert "bad.epub" in proc.stderr and "does not hold" in proc.stderr
    with Store(library) as store:
        assert store.list_articles() == []
    articles = library / "articles"
    assert not articles.exists() or not any(articles.iterdir())
