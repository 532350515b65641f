"""The real EPUBs of ../shared/corpus/bridges/epub: text fidelity and the spine map."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tuireader.core.document import parse_markdown
from tuireader.importers.epub import import_epub

REPO = Path(__file__).resolve().parents[1]
BOOKS = REPO.parent / "shared" / "corpus" / "bridges" / "epub"
sys.path.insert(0, str(REPO / "bench"))

from _epub_truth import spine_texts  # noqa: E402
from _f1 import markdown_visible_text, score  # noqa: E402

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not BOOKS.is_dir(), reason="shared corpus not present"),
]
NAMES = sorted(p.name for p in BOOKS.glob("*.epub")) if BOOKS.is_dir() else []


@pytest.mark.parametrize("name", NAMES)
def test_real_book_text_and_spine_map(name: str) -> None:
    path = BOOKS / name
    book = import_epub(path)
    truth = spine_texts(path)
    assert score(markdown_visible_text(book.markdown), " ".join(truth)).f1 >= 0.99
    whole = parse_markdown(book.markdown)
    plain = whole.plain_text
    kept = book.parsed()  # the parse the store uses instead of its own: exactly the same
    assert kept is not None and kept.blocks == whole.blocks and kept.plain_text == plain
    assert [s.index for s in book.spine] == list(range(1, len(truth) + 1))
    previous_end = 0
    for item, text in zip(book.spine, truth, strict=True):
        assert previous_end <= item.start <= item.end <= len(plain)
        previous_end = item.end
        piece = plain[item.start:item.end]
        if len(text.split()) >= 50:  # a chapter: its own text, not a neighbour's
            assert score(piece, text).f1 >= 0.97, (item.index, item.href)
            assert piece.split()[-1] in text.split()[-8:] or score(
                " ".join(piece.split()[-30:]), " ".join(text.split()[-30:])).f1 > 0.8
    # The documents' texts tile the article's text, joined as its blocks are.
    pieces = [plain[s.start:s.end] for s in book.spine if s.end > s.start]
    assert "\n\n".join(pieces) == plain
