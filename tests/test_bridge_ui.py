"""Where an imported highlight came from, shown: the side panel's row, the Markdown export's
location line; highlights-only and link-only articles marked in the library list."""

from __future__ import annotations

from pathlib import Path

from app_support import make_config, wait_for
from tuireader.app import make_app
from tuireader.core.bridge import ForeignExport, ForeignHighlight, ForeignWork, Position
from tuireader.core.model import Highlight
from tuireader.export.markdown import export_markdown
from tuireader.library.bridge.apply import apply_plan, plan_import
from tuireader.library.bridge.origin import origin_words
from tuireader.library.store import Store
from tuireader.widgets.article_list import ArticleList
from tuireader.widgets.side_panel import HighlightList

QUOTE = "It is not down on any map; true places never are."


def imported(library: Path) -> Store:
    store = Store(library)
    export = ForeignExport("kindle", [
        ForeignWork(title="Moby-Dick", author="Melville, Herman", highlights=[
            ForeignHighlight(quote=QUOTE, note="[bold]not markup[/]", location="Loc. 145-146",
                             created="2020-02-23T14:58:27", position=Position(fraction=0.1))]),
        ForeignWork(title="A page", url="https://example.com/gone", missing_reason="HTTP 404"),
    ])
    apply_plan(store, plan_import(store, export))
    return store


def test_markdown_export_says_where_it_came_from(tmp_path: Path) -> None:
    store = imported(tmp_path / "lib")
    article = next(a for a in store.list_articles() if a.kind == "highlights-only")
    note = export_markdown(article, store.highlights(article.id),
                           markdown=store.read_markdown(article.id))
    info = next(line for line in note.splitlines() if line.startswith("- ● yellow"))
    assert info.endswith("· from Kindle, Loc. 145-146, 2020-02-23")
    store.close()


async def test_side_panel_and_list_marks(tmp_path: Path) -> None:
    store = imported(tmp_path / "lib")
    ho = next(a for a in store.list_articles() if a.kind == "highlights-only")
    link = next(a for a in store.list_articles() if a.kind == "link-only")
    app = make_app(store, make_config(), open_article=ho.id)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        panel = app.screen.query_one(HighlightList)
        await wait_for(pilot, lambda: bool(panel.highlights))
        rows = panel.render_row(0, 70, False)
        text = "\n".join("".join(seg.text for seg in strip) for strip in rows)
        assert "Kindle, Loc. 145-146, 2020-02-23" in text
        listing = app.screen.query_one(ArticleList)
        assert listing.describe(ho.id).startswith("❝ highlights only")
        assert listing.describe(link.id).startswith("↗ link only")
    store.close()


def koreader_imported(library: Path) -> Store:
    store = Store(library)
    export = ForeignExport("koreader", [
        ForeignWork(title="Eighty-Six", author="Asato Asato", highlights=[
            ForeignHighlight(quote=QUOTE, location="page 12", chapter="Chapter 1: I Utter, Twice",
                             created="2024-05-06T07:08:09", position=Position(fraction=0.1))])])
    apply_plan(store, plan_import(store, export))
    return store


def test_the_chapter_is_kept_and_said_in_the_export(tmp_path: Path) -> None:
    store = koreader_imported(tmp_path / "lib")
    [article] = store.list_articles()
    [h] = store.highlights(article.id)
    assert (h.origin, h.origin_location, h.origin_chapter) == (
        "koreader", "page 12", "Chapter 1: I Utter, Twice")
    note = export_markdown(article, [h], markdown=store.read_markdown(article.id))
    info = next(line for line in note.splitlines() if line.startswith("- ● yellow"))
    assert info.endswith("· from KOReader, “Chapter 1: I Utter, Twice”, page 12, 2024-05-06")
    store.close()


def test_a_record_from_before_the_chapter_reads_as_before(tmp_path: Path) -> None:
    store = imported(tmp_path / "lib")
    [h] = [h for h in store.all_highlights() if h.origin == "kindle"]
    record = h.to_record()
    del record["origin_chapter"]  # as a library written before the field was added
    old = Highlight.from_record(record)
    assert old.origin_chapter == "" and origin_words(old) == "Kindle, Loc. 145-146, 2020-02-23"
    store.close()


async def test_side_panel_says_the_chapter(tmp_path: Path) -> None:
    store = koreader_imported(tmp_path / "lib")
    [article] = store.list_articles()
    app = make_app(store, make_config(), open_article=article.id)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        panel = app.screen.query_one(HighlightList)
        await wait_for(pilot, lambda: bool(panel.highlights))
        rows = panel.render_row(0, 90, False)
        text = "\n".join("".join(seg.text for seg in strip) for strip in rows)
        assert "⤓ KOReader, “Chapter 1: I Utter, Twice”, page 12, 2024-05-06" in text
    store.close()
