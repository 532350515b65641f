"""The parse cache: a round trip gives exactly the parse, and a bad cache is never trusted."""

from __future__ import annotations

import marshal
from pathlib import Path

import pytest

from tuireader.core.document import Document, parse_markdown
from tuireader.core.layout import layout_blocks
from tuireader.library import parse_cache as doccache

MARKDOWN = "\n\n".join(
    [
        "# Title *x*",
        "Text with **bold**, [a link](http://example.com) and `code`.",
        "> quoted\n> > nested",
        "- one\n- two\n  - deeper",
        "```py\nx = 1\n```",
        "| a | b |\n|---|---|\n| 1 | 2 |",
        "---",
        "<div>raw</div>",
    ]
    + [f"Paragraph {i} " + "words " * (i % 40) for i in range(300)]
)


def signature(document: Document) -> list[tuple[object, ...]]:
    return [
        (b.kind, b.text, b.start, b.end, b.level, b.marker, b.quote_depth, b.info, b.spans)
        for b in document.blocks
    ]


def test_round_trip_is_identical_to_a_parse(tmp_path: Path) -> None:
    path = tmp_path / "a.doc"
    parsed = parse_markdown(MARKDOWN)
    lines = layout_blocks(parsed.blocks, 0, 70)
    key = doccache.digest(MARKDOWN)
    doccache.save(path, key, parsed.blocks, 70, lines)
    cached = doccache.load(path, key)
    assert cached is not None
    assert cached.document.complete
    assert cached.document.plain_text == parsed.plain_text
    assert len(cached.document) == len(parsed)
    assert signature(cached.document) == signature(parsed)
    assert cached.document.headings == parsed.headings
    assert cached.width == 70 and cached.lines == lines


def test_without_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.doc"
    parsed = parse_markdown(MARKDOWN)
    doccache.save(path, "k", parsed.blocks)
    cached = doccache.load(path, "k")
    assert cached is not None and cached.lines is None
    assert signature(cached.document) == signature(parsed)


def test_empty_document(tmp_path: Path) -> None:
    path = tmp_path / "a.doc"
    doccache.save(path, "k", [])
    cached = doccache.load(path, "k")
    assert cached is not None and cached.document.blocks == [] and len(cached.document) == 0


@pytest.mark.parametrize(
    "damage",
    [
        lambda blob: b"",
        lambda blob: blob[: len(blob) // 2],
        lambda blob: b"not marshal at all",
        lambda blob: marshal.dumps(("something", "else")),
        lambda blob: marshal.dumps((doccache.CACHE_VERSION + 1, *marshal.loads(blob)[1:])),
        lambda blob: marshal.dumps((*marshal.loads(blob)[:2], "other text",
                                    *marshal.loads(blob)[3:])),
    ],
)
def test_a_damaged_or_foreign_cache_is_ignored(tmp_path: Path, damage: object) -> None:
    path = tmp_path / "a.doc"
    parsed = parse_markdown(MARKDOWN)
    doccache.save(path, "k", parsed.blocks)
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    assert doccache.load(path, "k") is None


def test_stale_or_missing_cache_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "a.doc"
    assert doccache.load(path, "k") is None
    doccache.save(path, doccache.digest(MARKDOWN), parse_markdown(MARKDOWN).blocks)
    assert doccache.load(path, doccache.digest(MARKDOWN + "!")) is None


def test_save_failure_raises_oserror_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        doccache.save(tmp_path / "missing" / "a.doc", "k", parse_markdown("x").blocks)
    assert list(tmp_path.iterdir()) == []


def test_cache_path_for() -> None:
    assert doccache.cache_path_for(Path("lib/articles/ab12.md")) == Path("lib/articles/ab12.doc")


def test_save_parsed_next_to_the_body(tmp_path: Path) -> None:
    body = tmp_path / "ab12.md"
    parsed = parse_markdown(MARKDOWN)
    doccache.save_parsed(body, MARKDOWN, parsed)
    cached = doccache.load(tmp_path / "ab12.doc", doccache.digest(MARKDOWN))
    assert cached is not None and cached.lines is None
    assert signature(cached.document) == signature(parsed)


def test_parsed_uses_a_valid_cache_and_parses_without_one(tmp_path: Path, monkeypatch) -> None:
    body = tmp_path / "ab12.md"
    document = parse_markdown(MARKDOWN)
    assert signature(doccache.parsed(body, MARKDOWN)) == signature(document)  # no cache: parsed
    doccache.save_parsed(body, MARKDOWN, document)
    monkeypatch.setattr(doccache, "parse_markdown", lambda _markdown: pytest.fail("parsed"))
    assert signature(doccache.parsed(body, MARKDOWN)) == signature(document)
