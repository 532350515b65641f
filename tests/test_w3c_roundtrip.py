"""The W3C JSON export says where an imported highlight came from (``tuireader:origin``: its
tool, location and chapter; the device in ``tuireader:highlight``), and the reader behind
``tuireader import`` (the Hypothesis one, which reads W3C collections too) brings it all back."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from tuireader.core.document import parse_markdown
from tuireader.core.model import Highlight, ImportedArticle, make_highlight
from tuireader.export.webannotation import combined_json
from tuireader.importers.foreign import detect
from tuireader.importers.foreign.hypothesis import read
from tuireader.library.bridge.apply import apply_plan, plan_import
from tuireader.library.store import Store

SCHEMA = Path(__file__).resolve().parents[1] / "src" / "tuireader" / "schemas" / \
    "web-annotation.schema.json"
WEB = ("The walrus and the carpenter were walking close at hand. They wept like anything to "
       "see such quantities of sand. If this were only cleared away, they said, it would be "
       "grand.\n\nIf seven maids with seven mops swept it for half a year, do you suppose, the "
       "walrus said, that they could get it clear?\n")
BOOK = ("It was the best of times, it was the worst of times, it was the age of wisdom, it "
        "was the age of foolishness.\n\nThere were a king with a large jaw and a queen with a "
        "plain face, on the throne of England.\n")


def _texts(store: Store) -> dict[str, str]:
    web = store.add_article(ImportedArticle(title="The Walrus", markdown=WEB, author="L. C.",
                                            url="https://example.org/walrus",
                                            source="https://example.org/walrus")).article
    book = store.add_article(ImportedArticle(title="Two Cities", markdown=BOOK,
                                             author="C. Dickens", source="/books/two.epub",
                                             kind="book")).article
    return {"web": web.id, "book": book.id}


def _highlight(article_id: str, text: str, quote: str, **fields: object) -> Highlight:
    start = text.index(quote)
    h = make_highlight(article_id, text, start, start + len(quote))
    for key, value in fields.items():
        setattr(h, key, value)
    return h


def _exported(tmp_path: Path) -> tuple[Path, list[Highlight]]:
    with Store(tmp_path / "a") as store:
        ids = _texts(store)
        web_text = parse_markdown(store.read_markdown(ids["web"])).plain_text
        book_text = parse_markdown(store.read_markdown(ids["book"])).plain_text
        made = [
            _highlight(ids["web"], web_text, "They wept like anything", note="sad", kind=3,
                       tags=["sea"]),
            _highlight(ids["book"], book_text, "it was the age of wisdom", kind=2,
                       origin="koreader", origin_location="/body/DocFragment[2]/body/p[1]",
                       origin_chapter="Book the First, Recalled to Life",
                       created="2024-02-03T04:05:06+00:00"),
            _highlight(ids["web"], web_text, "seven maids with seven mops", origin="kindle",
                       origin_location="Loc. 145-146"),
        ]
        for h in made:
            store.add_highlight(h)
        items = [(a, store.highlights(a.id)) for a in store.list_articles()]
        path = tmp_path / "export.json"
        path.write_text(combined_json(items), encoding="utf-8")
        return path, [h for _, hs in items for h in hs]


def test_the_export_says_where_each_came_from(tmp_path: Path) -> None:
    path, saved = _exported(tmp_path)
    data = json.loads(path.read_text("utf-8"))
    jsonschema.validate(data, json.loads(SCHEMA.read_text("utf-8")))
    by_quote = {a["target"]["selector"][0]["exact"]: a for a in data["first"]["items"]}
    book = by_quote["it was the age of wisdom"]
    assert book["tuireader:origin"] == {"tool": "koreader",
                                        "location": "/body/DocFragment[2]/body/p[1]",
                                        "chapter": "Book the First, Recalled to Life"}
    assert by_quote["seven maids with seven mops"]["tuireader:origin"] == {
        "tool": "kindle", "location": "Loc. 145-146"}
    assert "tuireader:origin" not in by_quote["They wept like anything"]  # made here
    devices = {a["tuireader:highlight"]["device"] for a in data["first"]["items"]}
    assert devices == {h.device for h in saved} and "" not in devices


def test_the_import_reads_it_back(tmp_path: Path) -> None:
    path, saved = _exported(tmp_path)
    assert detect(path).name == "hypothesis"
    export = read(path)
    works = {w.title: w for w in export.works}
    assert set(works) == {"The Walrus", "Two Cities"} and export.skipped == []
    assert works["The Walrus"].url == "https://example.org/walrus"
    assert (works["Two Cities"].url, works["Two Cities"].author) == ("", "C. Dickens")
    [wisdom] = works["Two Cities"].highlights
    assert (wisdom.origin, wisdom.location, wisdom.chapter, wisdom.kind) == (
        "koreader", "/body/DocFragment[2]/body/p[1]", "Book the First, Recalled to Life", 2)
    wept = next(h for h in works["The Walrus"].highlights if h.quote == "They wept like anything")
    assert (wept.origin, wept.note, wept.tags, wept.kind) == ("w3c", "sad", ["sea"], 3)

    with Store(tmp_path / "b") as store:
        _texts(store)
        report = apply_plan(store, plan_import(store, export))
        assert report.highlights_added == 3 and report.articles_created == 0
        back = {h.exact: h for h in store.all_highlights()}
        before = {h.exact: h for h in saved}
        assert set(back) == set(before)
        for quote, h in back.items():
            old = before[quote]
            assert (h.start, h.end, h.kind, h.note, h.tags, h.anchor) == (
                old.start, old.end, old.kind, old.note, old.tags, "ok")
        wisdom_back = back["it was the age of wisdom"]
        assert (wisdom_back.origin, wisdom_back.origin_location, wisdom_back.origin_chapter,
                wisdom_back.created) == ("koreader", "/body/DocFragment[2]/body/p[1]",
                                         "Book the First, Recalled to Life",
                                         "2024-02-03T04:05:06+00:00")
        assert back["seven maids with seven mops"].origin_location == "Loc. 145-146"
        assert back["They wept like anything"].origin == "w3c"
        again = apply_plan(store, plan_import(store, read(path)))
        assert again.highlights_added == 0  # a second import adds nothing
