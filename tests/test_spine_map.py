"""A book's spine map is stored with its article, survives a re-open and leaves with it."""

from __future__ import annotations

from pathlib import Path

from tuireader.core.model import ImportedArticle, SpineItem
from tuireader.library.store import Store


def _book(spine: list[SpineItem]) -> ImportedArticle:
    return ImportedArticle(title="A Book", markdown="# One\n\nFirst.\n\n# Two\n\nSecond.\n",
                           source="/books/a.epub", kind="book",
                           identifiers=["isbn:9780000000001"], publisher="P", spine=spine)


def test_spine_round_trips_and_goes_to_the_trash(tmp_path: Path) -> None:
    spine = [SpineItem(1, "one.xhtml", 0, 10, "One"), SpineItem(2, "two.xhtml", 10, 21, "Two")]
    with Store(tmp_path / "lib") as store:
        added = store.add_article(_book(spine)).article
        assert added.kind == "book" and added.identifiers == ["isbn:9780000000001"]
    with Store(tmp_path / "lib") as store:
        assert store.spine(added.id) == spine
        assert store.get_article(added.id).publisher == "P"  # type: ignore[union-attr]
        assert not store.reconciler.scan()  # the map is not taken for a stray article
        folder = store.remove_article(added.id)
        assert store.spine(added.id) == []
        assert (folder / "article.spine.json").exists()


def test_an_article_has_no_spine(tmp_path: Path) -> None:
    with Store(tmp_path / "lib") as store:
        added = store.add_article(ImportedArticle(title="t", markdown="text\n")).article
        assert store.spine(added.id) == [] and added.kind == "article"
