"""Unit tests of the document model: blocks, offsets, sanitising, chunking, sentences."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuireader.core.document import (
    Document,
    iter_parse,
    parse_markdown,
    sanitize,
    split_chunks,
)
from tuireader.core.sentences import sentence_spans, word_spans

SHARED = Path(__file__).resolve().parents[1].parent / "shared"

SAMPLE = """# Title *x*

Hello **bold** and [link](http://example.com) ![a cat](cat.png) `code`
second line\\
hard break

> quote
> > nested

- a
- b
  - c

  para in b

3. three
4. four

```py
\tx = 1
```

| a | bb |
|---|----|
| **1** | 2 |

---

<div>raw html</div>
"""


def check_offsets(doc: Document) -> None:
    text = doc.plain_text
    for i, block in enumerate(doc.blocks):
        assert text[block.start : block.end] == block.text
        if i:
            assert text[doc.blocks[i - 1].end : block.start] == "\n\n"
        for span in block.spans:
            assert 0 <= span.start < span.end <= len(block.text)


def test_blocks_kinds_and_offsets() -> None:
    doc = parse_markdown(SAMPLE)
    check_offsets(doc)
    kinds = [b.kind for b in doc.blocks]
    assert kinds == [
        "heading", "paragraph", "quote", "quote", "list_item", "list_item", "list_item",
        "list_item", "list_item", "list_item", "code", "table", "rule", "html",
    ]  # fmt: skip
    heading, para = doc.blocks[0], doc.blocks[1]
    assert heading.level == 1 and heading.text == "Title x"
    assert doc.headings[0].title == "Title x" and doc.headings[0].offset == 0
    assert para.text == "Hello bold and link [image: a cat] code second line\nhard break"
    by_kind = {s.kind: s for s in para.spans}
    assert para.text[by_kind["strong"].start : by_kind["strong"].end] == "bold"
    assert by_kind["link"].url == "http://example.com"
    assert para.text[by_kind["image"].start : by_kind["image"].end] == "[image: a cat]"
    assert para.text[by_kind["code"].start : by_kind["code"].end] == "code"
    assert [b.quote_depth for b in doc.blocks[2:4]] == [1, 2]
    items = doc.blocks[4:10]
    assert [(b.level, b.marker) for b in items] == [
        (1, "•"), (1, "•"), (2, "◦"), (1, ""), (1, "3."), (1, "4."),
    ]  # fmt: skip
    assert doc.blocks[10].text == "    x = 1" and doc.blocks[10].info == "py"
    assert doc.blocks[11].text == "a │ bb\n1 │ 2"
    assert doc.blocks[12].text == ""
    assert doc.blocks[13].text == "<div>raw html</div>"


def test_sanitize_controls_and_line_endings() -> None:
    assert sanitize("a\r\nb\rc") == "a\nb\nc"
    assert sanitize("\x1b[31m\x07\x7f\x9b\t") == "␛[31m␇␡\ufffd\t"
    doc = parse_markdown("Esc \x1b]8;;http://x\x07 and \x85\r\n\r\nnext\r\n")
    check_offsets(doc)
    assert not any((ord(c) < 32 and c != "\n") or 0x7F <= ord(c) <= 0x9F for c in doc.plain_text)
    assert [b.text for b in doc.blocks] == ["Esc ␛]8;;http://x␇ and \ufffd", "next"]


def test_markup_like_text_is_kept_literally() -> None:
    doc = parse_markdown("[@click=app.quit] and [/] and [bold")
    assert doc.plain_text == "[@click=app.quit] and [/] and [bold"


def test_split_chunks_respects_fences_and_indentation() -> None:
    fence = "```\n" + "code line\n\nmore\n" * 50 + "```\n\n"
    markdown = ("para " * 20 + "\n\n") * 20 + fence + "- item\n\n    continued\n\n" * 30
    chunks = split_chunks(markdown, chunk_chars=200, first_chunk_chars=100)
    assert "".join(chunks) == markdown
    assert len(chunks) > 5
    for chunk in chunks:
        assert chunk.count("```") % 2 == 0
        assert not chunk.startswith((" ", "\n"))


def test_iter_parse_matches_whole_parse() -> None:
    markdown = "\n\n".join(
        f"## Part {i}\n\nSome *text* {i}.\n\n```\ncode {i}\n\nstill code\n```" for i in range(300)
    )
    whole = parse_markdown(markdown)
    doc = Document()
    chunks = list(iter_parse(markdown, chunk_chars=500, first_chunk_chars=200))
    assert len(chunks) > 10
    for blocks in chunks:
        doc.extend(blocks)
    check_offsets(doc)
    assert doc.plain_text == whole.plain_text
    assert [(b.kind, b.start) for b in doc.blocks] == [(b.kind, b.start) for b in whole.blocks]
    assert len(doc.headings) == 300


def test_extend_rejects_inconsistent_offsets() -> None:
    doc = parse_markdown("one\n\ntwo")
    again = next(iter_parse("three"))
    with pytest.raises(ValueError):
        doc.extend(again)


def test_block_at() -> None:
    doc = parse_markdown("one\n\ntwo\n\nthree")
    assert [doc.block_at(o) for o in (0, 2, 3, 4, 5, 8, 10, 99)] == [0, 0, 0, 0, 1, 1, 2, 2]


def test_sentence_and_word_spans() -> None:
    text = 'Mr. Smith went home. "Really?" she asked. It was 3 p.m. Fine!'
    sentences = [text[a:b] for a, b in sentence_spans(text)]
    assert sentences[0] == "Mr. Smith went home."
    assert sentences[1] == '"Really?" she asked.'
    assert sentences[-1].endswith("Fine!")
    phrase = "It's a well-known fact."
    words = [phrase[a:b] for a, b in word_spans(phrase)]
    assert words == ["It's", "a", "well-known", "fact"]


@pytest.mark.corpus
@pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="needs ../shared/corpus")
def test_moby_dick_crlf_is_normalised() -> None:
    raw = (SHARED / "corpus/long/moby-dick.txt").read_bytes().decode("utf-8", "replace")
    assert "\r\n" in raw
    doc = parse_markdown(raw[:200_000])
    assert "\r" not in doc.plain_text
    check_offsets(doc)


def _full_inline_parse(markdown: str, monkeypatch: pytest.MonkeyPatch) -> Document:
    """Parse with markdown-it's inline parser run on every inline token (no fast path)."""
    import re

    import tuireader.core.document as document

    with monkeypatch.context() as patch:
        patch.setattr(document, "_INLINE_SYNTAX", re.compile("(?s).?"))
        patch.setattr(document, "_INLINE_MARKUP", re.compile("(?s).?"))
        return parse_markdown(markdown)


def _signature(doc: Document) -> tuple[str, list[tuple[object, ...]]]:
    return doc.plain_text, [
        (b.kind, b.start, b.end, b.level, b.marker, b.quote_depth, b.info, b.spans)
        for b in doc.blocks
    ]


INLINE_CASES = [
    SAMPLE,
    "plain words only",
    "soft\nbreak",
    "one space \nbreak",
    "hard  \nbreak",
    "many    \n   indented\tnext",
    "tab\t\nbreak",
    "backslash\\\nbreak",
    "| a | b |\n|---|---|\n| c  d | e \t f |",
    "# heading with\ttab",
    "Entity &amp; <b>html</b> ~~gone~~ ![alt](x.png) [l]: /u\n\n[l]",
]


@pytest.mark.parametrize("markdown", INLINE_CASES)
def test_inline_fast_path_matches_markdown_it(
    markdown: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _signature(parse_markdown(markdown)) == _signature(
        _full_inline_parse(markdown, monkeypatch)
    )


@pytest.mark.corpus
@pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="needs ../shared/corpus")
def test_inline_fast_path_matches_markdown_it_on_the_commonmark_spec(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import json

    examples = json.loads((SHARED / "corpus/commonmark/spec.json").read_text("utf-8"))
    for example in examples:
        markdown = example["markdown"]
        assert _signature(parse_markdown(markdown)) == _signature(
            _full_inline_parse(markdown, monkeypatch)
        ), markdown


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_first_chunk_from_a_prefix_matches_whole_split(newline: str) -> None:
    from tuireader.core.document import _iter_chunks

    fence = f"```{newline}code{newline}{newline}more{newline}```{newline}{newline}"
    para = f"para *x* {'word ' * 30}{newline}{newline}"
    for markdown in (para * 2000, fence * 3000 + para * 500, (para + fence) * 900):
        lazy = [chunk for chunk, _ in _iter_chunks(markdown, 50_000, 2_000)]
        whole = split_chunks(sanitize(markdown), 50_000, 2_000)
        assert lazy[0] == whole[0]
        assert "".join(lazy) == "".join(whole)
        assert _signature(parse_markdown(markdown)) == _signature(
            _docs_from(split_chunks(sanitize(markdown), 10**9))
        )


def _docs_from(chunks: list[str]) -> Document:
    doc = Document()
    for chunk in chunks:
        for blocks in iter_parse(chunk, 10**9, 10**9):
            doc.extend(blocks)
    return doc
