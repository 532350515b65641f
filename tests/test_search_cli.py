"""``tuireader search`` and ``tuireader reindex``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tuireader.cli.main import main
from tuireader.core.document import parse_markdown
from tuireader.core.model import ImportedArticle, make_highlight
from tuireader.library.store import Store

WAR = "# War\n\nNatásha ran into the room.\n\nMoscow burned in the autumn of that year."
GARDEN = "# Garden\n\nTomatoes need sun; the war on weeds goes on."


@pytest.fixture
def library(tmp_path: Path) -> Path:
    with Store(tmp_path / "lib") as store:
        war = store.add_article(ImportedArticle(title="War and Peace", markdown=WAR,
                                                source="w")).article.id
        store.add_article(ImportedArticle(title="Garden", markdown=GARDEN, source="g"))
        text = parse_markdown(WAR).plain_text
        start = text.index("Moscow burned")
        h = make_highlight(war, text, start, start + len("Moscow burned"))
        h.note = "the fire of 1812"
        store.add_highlight(h)
    return tmp_path / "lib"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_hits_best_first_with_offsets_in_the_text(library: Path, capsys) -> None:
    code, out, _ = run(capsys, "--library", str(library), "search", "natasha", "--json")
    assert code == 0
    hits = json.loads(out)
    assert [h["where"] for h in hits] == ["text"]
    hit = hits[0]
    assert hit["title"] == "War and Peace"
    assert parse_markdown(WAR).plain_text[hit["start"]:hit["end"]] == "Natásha"
    assert "Natásha" in hit["snippet"]


def test_one_line_per_hit_with_where(library: Path, capsys) -> None:
    code, out, _ = run(capsys, "--library", str(library), "search", "fire", "OR", "weeds")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 2
    assert any("note" in line and "War and Peace" in line for line in lines)
    assert any("text" in line and "Garden" in line for line in lines)


def test_limit_and_no_hits(library: Path, capsys) -> None:
    code, out, _ = run(capsys, "--library", str(library), "search", "the", "--limit", "1")
    assert code == 0 and len(out.splitlines()) == 1
    code, out, err = run(capsys, "--library", str(library), "search", "zeppelin")
    assert code == 1 and out == "" and "no hits" in err


def test_a_bad_query_is_one_clear_line(library: Path, capsys) -> None:
    code, out, err = run(capsys, "--library", str(library), "search", '"unclosed')
    assert code == 1 and out == ""
    assert err.strip() == 'error: a quote is not closed: add the closing " (or remove it)'
    assert "Traceback" not in err


def test_reindex_from_scratch_and_a_library_changed_behind_the_index(
        library: Path, capsys) -> None:
    code, out, _ = run(capsys, "--library", str(library), "reindex", "--from-scratch")
    assert code == 0 and "2 articles" in out
    with Store(library) as store:  # changed while the index was not told
        store.articles.on_change = store.shards.on_change = lambda article_id: None
        store.add_article(ImportedArticle(title="Bees", markdown="# Bees\n\nHives.", source="b"))
    code, out, _ = run(capsys, "--library", str(library), "search", "hives", "--json")
    assert code == 0 and [h["title"] for h in json.loads(out)] == ["Bees"]
