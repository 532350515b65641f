"""``tuireader review``: --due --json for scripts, --json, --stats, --tag / --article, and clear
errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from test_review_screen import Clock, build
from tuireader.cli.main import main
from tuireader.library.store import Store


@pytest.fixture
def library(tmp_path: Path) -> Path:
    store, highlights = build(tmp_path / "lib")
    # Mastered two months ago: due now, whatever today is.
    store.review.clock = Clock(dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=60))
    store.review.master(highlights[0])
    highlights[1].tags = ["idea"]
    store.save_highlights([highlights[1]])
    store.close()
    return tmp_path / "lib"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_due_json_lists_the_due_cards(library: Path, capsys) -> None:
    code, out, _ = run(capsys, "--library", str(library), "review", "--due", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [r["quote"] for r in rows] == [
        "The first idea is that attention is the scarcest thing a reader owns."]
    assert rows[0]["due_card"] is True and rows[0]["ratings"] == 0
    assert dt.datetime.fromisoformat(rows[0]["due"]) < dt.datetime.now(dt.timezone.utc)
    code, out, err = run(capsys, "--library", str(library), "review", "--due")
    assert code == 0 and "attention is the scarcest" in out and "1 due" in err


def test_session_json_is_seeded_and_records_nothing(library: Path, capsys) -> None:
    args = ["--library", str(library), "review", "--json", "--seed", "3", "--count", "2"]
    code, out, _ = run(capsys, *args)
    assert code == 0
    first = json.loads(out)
    assert len(first) == 2 and first[0]["due_card"] is True  # the due card comes first
    assert json.loads(run(capsys, *args)[1]) == first
    with Store(library, read_only=True) as store:
        assert store.review.stats().today == 0


def test_tag_and_article_filters(library: Path, capsys) -> None:
    code, out, _ = run(capsys, "--library", str(library), "review", "--json", "--tag", "#Idea")
    assert code == 0
    assert [r["tags"] for r in json.loads(out)] == [["idea"]]
    with Store(library, read_only=True) as store:
        article = store.list_articles()[0].id
    code, out, _ = run(capsys, "--library", str(library), "review", "--json", "--article",
                       article[:4])
    assert code == 0 and len(json.loads(out)) == 3


def test_stats_and_errors(library: Path, capsys) -> None:
    code, out, _ = run(capsys, "--library", str(library), "review", "--stats")
    assert code == 0 and "1 due · 1 cards" in out
    code, _, err = run(capsys, "--library", str(library), "review", "--json", "--article",
                       "zzzz")
    assert code == 1 and err.startswith("error: ") and "zzzz" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["--library", str(library), "review", "--count", "0"])
    assert exit_info.value.code == 2
