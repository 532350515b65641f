"""The HTML importer over the shared test corpus: no crash, and F1 floors below the measured means.

Skipped cleanly when ``../shared/corpus`` (next to the repository) is absent.  Each set is run
once per module; the floors sit a little under the figures ``bench/import_quality.py`` printed
(readability 0.96, extraction benchmark 0.97 mean F1), so a real regression fails the test.
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tuireader.importers.html import import_html

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not (CORPUS / "readability").is_dir(), reason="shared corpus not present"),
]


def _bench() -> ModuleType:
    """Load bench/import_quality.py (it brings the F1 helper with it)."""
    sys.path.insert(0, str(REPO / "bench"))
    spec = importlib.util.spec_from_file_location("import_quality", REPO / "bench" /
                                                  "import_quality.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["import_quality"] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def results() -> dict[str, list[float]]:
    bench = _bench()
    scores: dict[str, list[float]] = {}
    for set_name in bench.SETS:
        pages = bench.load_set(set_name, CORPUS)
        scores[set_name] = []
        for page in pages:
            # No try/except: any exception is a crash and fails the test.
            article = import_html(page.html, source=page.name)
            text = bench.markdown_visible_text(article.markdown)
            scores[set_name].append(bench.score(text, page.truth).f1)
    return scores


@pytest.mark.parametrize(("set_name", "floor"),
                         [("readability", 0.94), ("extraction-benchmark", 0.955)])
def test_mean_f1_floor(results: dict[str, list[float]], set_name: str, floor: float) -> None:
    assert statistics.mean(results[set_name]) >= floor


def test_every_page_gives_an_article(results: dict[str, list[float]]) -> None:
    for set_name, scores in results.items():
        assert len(scores) > 50, set_name
        assert sum(1 for s in scores if s < 0.3) <= 2, set_name
