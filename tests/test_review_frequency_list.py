"""``F`` on the library list (or the open article) sets how often an article comes back in
the daily review, as the review screen's ``F`` does."""

from __future__ import annotations

from pathlib import Path

from app_support import make_config, make_library, wait_for
from tuireader.app import make_app
from tuireader.screens.dialogs import ChoiceScreen
from tuireader.widgets.article_list import ArticleList


async def test_f_on_the_list_sets_the_article_review_frequency(tmp_path: Path) -> None:
    store = make_library(tmp_path / "lib", long=False)
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
            assert store.review.article_frequency(article_id) == "normal"
            await pilot.press("F")
            await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen),
                           what="the frequency choice")
            await pilot.press("end", "enter")  # the last choice: "more"
            await wait_for(pilot, lambda: store.review.article_frequency(article_id) == "more",
                           what="the frequency saved")
            await pilot.press("F")
            await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen),
                           what="the frequency choice")
            await pilot.press("home", "enter")  # "never": it will not come back at all
            await wait_for(pilot, lambda: store.review.article_frequency(article_id) == "never",
                           what="the frequency saved")
    finally:
        store.close()
