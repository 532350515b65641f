"""Archived articles: hidden from the default list (CLI and TUI), listed with ``--all`` and the
``is:archived`` filter term; ``a`` archives and brings back through the app's writer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app_support import make_config, make_library, wait_for
from tuireader.app import make_app
from tuireader.cli.main import main
from tuireader.library.store import Store
from tuireader.widgets.article_list import ArticleList


def _archive_one(library: Path) -> tuple[str, list[str]]:
    store = make_library(library)
    try:
        articles = store.list_articles()
        target = articles[0]
        target.archived = True
        store.update_article(target)
        return target.id, [a.id for a in articles]
    finally:
        store.close()


def test_list_hides_archived_unless_all(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    library = tmp_path / "lib"
    archived_id, all_ids = _archive_one(library)
    assert len(all_ids) >= 2

    assert main(["list", "--library", str(library), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert archived_id not in [a["id"] for a in listed]
    assert all(a["archived"] is False for a in listed)
    assert len(listed) == len(all_ids) - 1

    assert main(["list", "--library", str(library), "--json", "--all"]) == 0
    everything = {a["id"]: a["archived"] for a in json.loads(capsys.readouterr().out)}
    assert set(everything) == set(all_ids) and everything[archived_id] is True

    assert main(["list", "--library", str(library)]) == 0
    assert archived_id not in capsys.readouterr().out
    assert main(["list", "--library", str(library), "--all"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith(archived_id))
    assert line.endswith("[archived]")


async def test_a_archives_and_is_archived_lists_them(tmp_path: Path) -> None:
    store = make_library(tmp_path / "lib")
    try:
        count = len(store.list_articles())
        app = make_app(store, make_config())
        async with app.run_test(size=(160, 40)) as pilot:
            article_list = app.screen.query_one(ArticleList)
            await wait_for(pilot, lambda: article_list.current_id is not None,
                           what="the list loaded")
            article_list.options.focus()
            await pilot.pause()
            article_id = article_list.current_id
            assert article_id is not None and len(article_list.shown_ids) == count

            await pilot.press("a")
            await wait_for(pilot, lambda: article_id not in article_list.shown_ids,
                           what="the archived article hidden")
            app.writer.wait_idle(5)
            saved = store.get_article(article_id)
            assert saved is not None and saved.archived
            assert len(article_list.shown_ids) == count - 1

            await pilot.press("slash", *"is:archived", "escape")
            await wait_for(pilot, lambda: article_list.shown_ids == [article_id],
                           what="only the archived article listed")
            assert "archived" in article_list.describe(article_id)

            article_list.options.focus()
            await pilot.pause()
            await pilot.press("a")  # bring it back
            await wait_for(pilot, lambda: article_list.shown_ids == [],
                           what="unarchived: no longer under is:archived")
            app.writer.wait_idle(5)
            saved = store.get_article(article_id)
            assert saved is not None and not saved.archived
    finally:
        store.close()
    reopened = Store(tmp_path / "lib")
    try:
        again = reopened.get_article(article_id)
        assert again is not None and again.archived is False
    finally:
        reopened.close()


async def test_archiving_from_the_list_keeps_a_newer_reading_position(tmp_path: Path) -> None:
    """The list's copy of an article may hold an older reading position (the reader saved a
    newer one since): archiving it writes the archived flag, not that old position."""
    store = make_library(tmp_path / "lib")
    try:
        app = make_app(store, make_config())
        async with app.run_test(size=(160, 40)) as pilot:
            article_list = app.screen.query_one(ArticleList)
            await wait_for(pilot, lambda: article_list.current_id is not None,
                           what="the list loaded")
            article_list.options.focus()
            await pilot.pause()
            article_id = article_list.current_id
            assert article_id is not None
            newer = store.get_article(article_id)
            assert newer is not None
            newer.position, newer.progress, newer.last_opened = 7, 0.5, "2099-01-01T00:00:00+00:00"
            store.save_reading(newer)  # another save than the list's copy knows of

            await pilot.press("a")
            await wait_for(pilot, lambda: article_id not in article_list.shown_ids,
                           what="the archived article hidden")
            app.writer.wait_idle(5)
            saved = store.get_article(article_id)
            assert saved is not None and saved.archived
            assert (saved.position, saved.progress) == (7, 0.5)
    finally:
        store.close()
