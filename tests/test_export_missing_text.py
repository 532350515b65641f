"""An article whose text is missing from the library never stops an export: the others are
exported, it is named on stderr, and the exit status is 1 (issue #14: one bad article)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tuireader.cli.main import main
from tuireader.core.document import parse_markdown
from tuireader.core.model import ImportedArticle, make_highlight
from tuireader.library.store import Store


def _library(path: Path) -> tuple[str, str]:
    with Store(path) as store:
        ids = []
        for title in ("Kept article", "Damaged article"):
            body = f"{title} opening words.\n\nA second paragraph of {title.lower()}."
            imported = ImportedArticle(title=title, markdown=body,
                                       source=f"https://x.example/{title}")
            article = store.add_article(imported).article
            text = parse_markdown(body).plain_text
            store.add_highlight(make_highlight(article.id, text, 0, 12))
            ids.append(article.id)
        store.body_path(ids[1]).unlink()
    return ids[0], ids[1]


@pytest.mark.parametrize("fmt", ["markdown", "annotated"])
def test_folder_export_skips_an_article_without_text(tmp_path: Path, fmt: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    _kept, damaged = _library(tmp_path / "lib")
    out = tmp_path / "notes"
    status = main(["--library", str(tmp_path / "lib"), "export", "--format", fmt,
                   "-o", str(out)])
    err = capsys.readouterr().err
    assert status == 1
    assert damaged in err and "missing" in err and "Traceback" not in err
    files = [p for p in out.iterdir() if not p.name.startswith(".")]
    assert len(files) == 1 and "Kept article" in files[0].read_text("utf-8")


def test_combined_export_skips_it_and_json_keeps_it(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    _kept, damaged = _library(tmp_path / "lib")
    status = main(["--library", str(tmp_path / "lib"), "export"])
    captured = capsys.readouterr()
    assert status == 1 and damaged in captured.err
    assert "Kept article" in captured.out and "Damaged article" not in captured.out
    # JSON needs no article text (the quotes are stored with the highlights): both are there.
    status = main(["--library", str(tmp_path / "lib"), "export", "--format", "json"])
    captured = capsys.readouterr()
    assert status == 0
    items = json.loads(captured.out)["first"]["items"]
    assert len(items) == 2
