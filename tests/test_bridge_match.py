"""Matching a work from another tool with the library's articles: URLs, identifiers, titles
and authors normalised."""

from __future__ import annotations

from pathlib import Path

from tuireader.core.bridge import ForeignExport, ForeignHighlight, ForeignWork
from tuireader.core.model import ImportedArticle
from tuireader.library.bridge.apply import apply_plan, plan_import
from tuireader.library.bridge.match import normalise_title, normalise_url, same_work
from tuireader.library.store import Store


def test_urls() -> None:
    assert normalise_url("https://www.Example.com/a/b/?utm_source=x&id=3&utm_medium=y#frag") == (
        normalise_url("http://example.com/a/b?id=3"))
    assert normalise_url("https://example.com/a?id=3") != normalise_url("https://example.com/a")
    assert normalise_url("not a url") == ""
    assert normalise_url("http://[::1") == "" and normalise_url("http://a.b:port/") == ""


def test_titles_and_authors() -> None:
    assert normalise_title("Der Process (German Edition)") == normalise_title("Der Process")
    assert normalise_title("Moby-Dick; or, The Whale") == normalise_title("moby dick")
    assert normalise_title("Sapiens: A Brief History of Humankind") == "sapiens"
    assert normalise_title("moby-dick.txt") == "moby dick"
    assert same_work("Moby-Dick; or, The Whale", "Melville, Herman", "Moby Dick",
                     "Herman Melville")
    assert not same_work("Moby-Dick", "Melville, Herman", "Moby Dick", "Someone Else")
    assert same_work("Moby-Dick", "", "Moby Dick", "Herman Melville")
    assert not same_work("Kindle4RSS - Jun 04", "Kindle4rss", "Kindle4RSS - Jun 07",
                         "Kindle4rss")


def test_identifier_match_needs_no_title(tmp_path: Path) -> None:
    with Store(tmp_path / "lib") as store:
        aid = store.add_article(ImportedArticle(
            title="Some file name", markdown="A sentence of the book that was highlighted.\n",
            source="/x.epub", identifiers=["isbn:9780142437247"])).article.id
        work = ForeignWork(title="Totally different", identifiers=["ISBN:9780142437247"],
                           highlights=[ForeignHighlight(quote="sentence of the book that was")])
        report = apply_plan(store, plan_import(store, ForeignExport("readwise", [work])))
        assert (report.articles_matched, report.anchored_ok) == (1, 1)
        assert len(store.highlights(aid)) == 1
