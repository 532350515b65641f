"""Where an imported highlight came from, shown: the side panel's row, the Markdown export's
location line; highlights-only and link-only articles marked in the library list."""

from __future__ import annotations

from pathlib import Path

from app_support import make_config, wait_for
from tuireader.app import make_app
from tuireader.core.bridge import ForeignExport, ForeignHighlight, ForeignWork, Position
from tuireader.export.markdown import export_markdown
from tuireader.library.bridge.apply import apply_plan, plan_import
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
