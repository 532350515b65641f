"""The import engine: matching works with articles, anchoring with priors, idempotence,
duplicates, highlights-only articles that move onto their text, link-only, URL merge, dry run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuireader.core.bridge import ForeignExport, ForeignHighlight, ForeignWork, Position
from tuireader.core.model import ImportedArticle, SpineItem
from tuireader.library.bridge.apply import apply_plan, plan_import
from tuireader.library.store import Store

REPEAT = "And the sea rolled on as it rolled five thousand years ago."
PARAS = [f"Paragraph {i} tells of whale number {i} and of the ship that chased it across the "
         f"grey water for {i + 3} days." for i in range(60)]
PARAS[5] = REPEAT
PARAS[50] = REPEAT
BOOK = "\n\n".join(PARAS) + "\n"


def store_with_book(library: Path, **fields: object) -> tuple[Store, str]:
    store = Store(library)
    imported = ImportedArticle(title=str(fields.pop("title", "Moby-Dick")), markdown=BOOK,
                               source=str(fields.pop("source", "/books/moby-dick.txt")))
    for key, value in fields.items():
        setattr(imported, key, value)
    return store, store.add_article(imported).article.id


def kindle(*highlights: ForeignHighlight, title: str = "Moby-Dick; or, The Whale",
           author: str = "Melville, Herman") -> ForeignExport:
    return ForeignExport("kindle", [ForeignWork(title=title, author=author,
                                                highlights=list(highlights))])


def fh(quote: str, fraction: float | None = None, **kw: object) -> ForeignHighlight:
    h = ForeignHighlight(quote=quote, position=Position(fraction=fraction),
                         location=str(kw.pop("location", f"Loc. {fraction}")))
    for key, value in kw.items():
        setattr(h, key, value)
    return h


def run(store: Store, export: ForeignExport, **kw: object):  # type: ignore[no-untyped-def]
    return apply_plan(store, plan_import(store, export), **kw)  # type: ignore[arg-type]


def test_title_and_author_match_and_prior_picks_the_repeat(library: Path) -> None:
    store, aid = store_with_book(library, author="Herman Melville")
    export = kindle(
        fh(PARAS[10].replace("whale", "whale ", 1).replace("'", "’"), 0.16,
           note="a note", created="2020-02-23T14:58:27"),
        fh(REPEAT, 0.83),  # the second copy (paragraph 50 of 60)
        fh("Words that this book never held, not anywhere at all.", 0.5),
    )
    report = run(store, export)
    assert (report.articles_matched, report.articles_created) == (1, 0)
    assert (report.highlights_added, report.notes) == (3, 1)
    assert (report.anchored_ok, report.anchored_fuzzy, report.unanchored) == (1, 1, 1)
    highlights = {h.anchor: h for h in store.highlights(aid)}
    text = BOOK.replace("\n\n", "\n\n")
    ok = highlights["ok"]
    assert ok.exact == PARAS[10] and ok.note == "a note"
    assert (ok.origin, ok.origin_location, ok.created) == ("kindle", "Loc. 0.16",
                                                           "2020-02-23T14:58:27")
    repeat = highlights["fuzzy"]
    assert repeat.start > text.index(REPEAT) + 10  # the later copy, as the location said
    assert highlights["orphan"].exact.startswith("Words that")
    store.close()


def test_no_title_match_found_by_its_quotes(library: Path) -> None:
    store, aid = store_with_book(library, title="moby-dick")
    other = store.add_article(ImportedArticle(title="Other", markdown="Nothing alike here.\n",
                                              source="/o.txt")).article.id
    export = kindle(fh(PARAS[3], 0.05), fh(PARAS[40], 0.7), title="The Whale")
    report = run(store, export)
    assert (report.articles_matched, report.articles_created, report.anchored_ok) == (1, 0, 2)
    assert len(store.highlights(aid)) == 2 and not store.highlights(other)
    store.close()


def test_title_match_needs_its_quotes(library: Path) -> None:
    store, aid = store_with_book(library)
    report = run(store, kindle(fh("A different Moby-Dick with different words in it.", 0.3),
                               title="Moby-Dick"))
    assert report.articles_created == 1 and not store.highlights(aid)
    store.close()


def test_idempotent_and_duplicates(library: Path) -> None:
    store, aid = store_with_book(library)
    export = kindle(fh(PARAS[3], 0.05), fh(PARAS[20], 0.33), fh(PARAS[30], 0.5, note="n"))
    first = run(store, export)
    assert first.highlights_added == 3
    again = run(store, export)
    assert (again.highlights_added, again.duplicates_skipped, again.notes) == (0, 3, 0)
    assert (again.articles_created, again.articles_matched) == (0, 1)
    assert len(store.highlights(aid)) == 3
    store.close()


def test_highlights_only_then_the_text_arrives(library: Path) -> None:
    store = Store(library)
    export = kindle(fh(PARAS[20], 0.33, note="mine", tags=["sea"]), fh(PARAS[3], 0.05),
                    fh("<You have reached the clipping limit for this item>", 0.9,
                       warning="clipping limit"))
    report = run(store, export)
    assert (report.articles_created, report.highlights_added) == (1, 3)
    assert (report.anchored_ok, report.unanchored, len(report.warnings)) == (2, 1, 1)
    (article,) = store.list_articles()
    assert article.kind == "highlights-only" and article.author == "Melville, Herman"
    text = store.read_markdown(article.id)
    assert text.index("Paragraph 3 ") < text.index("Paragraph 20 ")  # in book order
    assert {h.exact for h in store.query_highlights(search="whale number 20")} == {PARAS[20]}
    # The same file again adds nothing; a grown file adds only the new quote.
    assert run(store, export).highlights_added == 0
    grown = kindle(*export.works[0].highlights, fh(PARAS[45], 0.75))
    assert run(store, grown).highlights_added == 1
    assert len(store.highlights(article.id)) == 4
    # The book is added: they move onto it, and the stand-in goes.
    book = store.add_article(ImportedArticle(title="Moby Dick", author="Herman Melville",
                                             markdown=BOOK, source="/b.txt")).article
    assert [a.id for a in store.list_articles()] == [book.id]
    moved = store.highlights(book.id)
    assert len(moved) == 4
    assert sorted(h.anchor for h in moved) == ["ok", "ok", "ok", "orphan"]
    noted = next(h for h in moved if h.note)
    assert (noted.exact, noted.tags, noted.origin) == (PARAS[20], ["sea"], "kindle")
    assert BOOK[noted.start:noted.end] == PARAS[20]
    assert run(store, grown).highlights_added == 0
    store.close()


def test_spine_prior(library: Path) -> None:
    store = Store(library)
    plain_start = BOOK.rindex(REPEAT)
    imported = ImportedArticle(title="Book", markdown=BOOK, source="/b.epub", kind="book",
                               spine=[SpineItem(1, "a.xhtml", 0, plain_start - 2),
                                      SpineItem(2, "b.xhtml", plain_start, len(BOOK) - 1)])
    aid = store.add_article(imported).article.id
    h = fh(REPEAT, None)
    h.position = Position(spine_index=2, spine_offset=3)
    run(store, kindle(h, fh(PARAS[1], None), title="Book", author=""))
    placed = next(x for x in store.highlights(aid) if x.exact == REPEAT)
    assert placed.start == plain_start and placed.anchor == "ok"
    store.close()


def test_link_only_retry_and_content(library: Path) -> None:
    store = Store(library)
    work = ForeignWork(title="A page", url="https://example.com/p?utm_source=x",
                       tags=["later"], notes=["page note"], missing_reason="HTTP 404")
    plan = plan_import(store, ForeignExport("pocket", [work]))
    assert plan.needs_text() == [work]
    report = apply_plan(store, plan)
    assert (report.articles_created, report.link_only, report.notes) == (1, 1, 1)
    (article,) = store.list_articles()
    assert (article.kind, article.tags, article.note) == ("link-only", ["later"], "page note")
    assert "HTTP 404" in store.read_markdown(article.id)
    # Run again: the link-only article is asked for again; this time the fetch worked.
    work2 = ForeignWork(title="A page", url="https://example.com/p")
    plan = plan_import(store, ForeignExport("pocket", [work2]))
    assert plan.needs_text() == [work2]
    work2.content = ImportedArticle(title="A page", markdown="The page's words at last.\n",
                                    url="https://example.com/p")
    work2.highlights = [fh("page’s words at last", None, note="fetched")]
    report = apply_plan(store, plan)
    (article,) = store.list_articles()
    assert article.kind == "article" and "at last" in store.read_markdown(article.id)
    assert article.tags == ["later"]
    assert (report.articles_matched, report.anchored_ok, report.notes) == (1, 1, 1)
    (h,) = store.highlights(article.id)
    assert (h.exact, h.note) == ("page's words at last", "fetched")
    store.close()


def test_url_merge_keeps_the_library_state(library: Path) -> None:
    store = Store(library)
    article = store.add_article(ImportedArticle(
        title="Page", markdown="Some text of the page, long enough to quote from here.\n",
        url="https://www.example.com/a/", source="https://www.example.com/a/")).article
    article.progress = 0.4
    store.update_article(article)
    work = ForeignWork(title="Page", url="http://example.com/a?utm_medium=rss#top",
                       tags=["Imported"], archived=True, progress=0.9,
                       highlights=[fh("text of the page, long enough", None)])
    plan = plan_import(store, ForeignExport("wallabag", [work]))
    assert plan.needs_text() == []
    report = apply_plan(store, plan)
    assert (report.articles_matched, report.articles_created, report.anchored_ok) == (1, 0, 1)
    (merged,) = store.list_articles()
    assert (merged.tags, merged.progress, merged.archived) == (["imported"], 0.4, False)
    store.close()


def test_url_taken_when_the_library_has_none(library: Path) -> None:
    store = Store(library)
    store.add_article(ImportedArticle(title="Page", markdown="Words.\n",
                                      url="https://example.com/b", source="/x.html"))
    work = ForeignWork(title="Page", url="https://example.com/b", archived=True, progress=1.0)
    apply_plan(store, plan_import(store, ForeignExport("wallabag", [work])))
    (merged,) = store.list_articles()
    assert (merged.archived, merged.progress) == (True, 1.0)
    store.close()


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".lock"}


@pytest.mark.parametrize("with_book", [True, False])
def test_dry_run_writes_nothing_and_counts_the_same(library: Path, with_book: bool) -> None:
    store = store_with_book(library)[0] if with_book else Store(library)
    export = kindle(fh(PARAS[3], 0.05, note="n"), fh(PARAS[20], 0.33),
                    fh("<You have reached the clipping limit for this item>", 0.9,
                       warning="limit"))
    export.works.append(ForeignWork(title="Link", url="https://example.com/z"))
    store.close()
    before = _snapshot(library)
    store = Store(library)
    dry = run(store, export, dry_run=True)
    store.close()
    assert _snapshot(library) == before
    store = Store(library)
    real = run(store, export)
    store.close()
    assert dry.to_json() | {"dry_run": False} == real.to_json()
    assert "dry run" in dry.summary()


def test_should_stop_keeps_what_was_done(library: Path) -> None:
    store = Store(library)
    export = ForeignExport("kindle", [ForeignWork(title=f"Book {i}", author="A",
                                                  highlights=[fh(f"Quote of book {i} here.",
                                                                 0.1)])
                                      for i in range(3)])
    calls = iter([False, True])
    report = apply_plan(store, plan_import(store, export), should_stop=lambda: next(calls))
    assert report.stopped and report.articles_created == 1
    report = run(store, export)
    assert (report.articles_created, report.articles_matched, report.highlights_added) == (2, 1, 2)
    store.close()


def test_a_work_with_notes_only_keeps_them(library: Path) -> None:
    store = Store(library)
    export = ForeignExport("kindle", [ForeignWork(title="Notes Only", author="A",
                                                  notes=["Loc. 90: a thought"])])
    report = run(store, export)
    (article,) = store.list_articles()
    assert (article.kind, article.note, report.notes) == ("highlights-only",
                                                          "Loc. 90: a thought", 1)
    assert run(store, export).notes == 0
    store.close()


def test_a_quote_inside_a_longer_one_is_placed_at_its_own(library: Path) -> None:
    store = Store(library)
    short = "An effort pact prevents distraction by making it harder."
    export = kindle(fh(short, 0.2), fh(f"First point. {short} Second point follows here.", 0.3),
                    title="Indistractable", author="Eyal")
    report = run(store, export)
    assert report.anchored_ok == 2
    (article,) = store.list_articles()
    placed = sorted(store.highlights(article.id), key=lambda h: h.start)
    assert [h.exact for h in placed] == [short, f"First point. {short} Second point follows here."]
    store.close()


def test_context_hints_pick_the_copy(library: Path) -> None:
    store, aid = store_with_book(library)
    second = BOOK.rindex(REPEAT)
    h = fh(REPEAT, None)
    h.position = Position(prefix=BOOK[second - 30:second], suffix=BOOK[second + len(REPEAT):
                                                                      second + len(REPEAT) + 30])
    report = run(store, kindle(h, fh(PARAS[7], None)))
    assert report.anchored_ok == 2
    placed = next(x for x in store.highlights(aid) if x.exact == REPEAT)
    assert placed.start == second
    store.close()


def test_a_reimport_moves_the_stand_in_onto_a_book_found_by_quotes(library: Path) -> None:
    store = Store(library)
    run(store, kindle(fh(PARAS[20], 0.33, note="kept")))
    (stand_in,) = store.list_articles()
    # One quote is too little for the add to decide by quotes alone: the stand-in stays.
    book = store.add_article(ImportedArticle(title="file-1234", markdown=BOOK,
                                             source="/f.txt")).article
    assert {a.kind for a in store.list_articles()} == {"highlights-only", "article"}
    report = run(store, kindle(fh(PARAS[20], 0.33), fh(PARAS[30], 0.5), fh(PARAS[40], 0.66)))
    assert (report.articles_matched, report.moved) == (1, 1)
    assert [a.id for a in store.list_articles()] == [book.id]
    placed = store.highlights(book.id)
    assert len(placed) == 3 and all(h.anchor == "ok" for h in placed)
    assert [h.note for h in placed if h.exact == PARAS[20]] == ["kept"]
    assert stand_in.id not in {a.id for a in store.list_articles()}
    store.close()
