"""Unit tests of the layout: wrapping, wide characters, offset <-> line maps, pieces."""

from __future__ import annotations

from rich.cells import cell_len

from tuireader.core.document import Document, iter_parse, parse_markdown
from tuireader.core.layout import BLANK, RULE, DocumentLayout, line_pieces, wrap_text


def test_wrap_covers_every_character_once() -> None:
    text = "the quick brown fox jumps over the lazy dog " * 20 + "\nsecond\n\nfourth"
    lines = wrap_text(text, 30)
    covered = "".join(text[a:b] for a, b in lines)
    assert covered == text.replace("\n", "")
    for a, b in lines:
        assert cell_len(text[a:b].rstrip()) <= 30
    assert any(a == b for a, b in lines)  # the empty logical line


def test_wrap_long_word_and_wide_characters() -> None:
    assert wrap_text("x" * 25, 10) == [(0, 10), (10, 20), (20, 25)]
    cjk = "漢字かな交じり文 " * 10 + "😀" * 12
    lines = wrap_text(cjk, 12)
    assert "".join(cjk[a:b] for a, b in lines) == cjk
    for a, b in lines:
        assert cell_len(cjk[a:b].rstrip()) <= 12


def test_layout_lines_map_offsets_both_ways() -> None:
    markdown = "\n\n".join(f"Paragraph {i} " + "word " * (i * 7) for i in range(60))
    doc = parse_markdown(markdown)
    layout = DocumentLayout(doc, 40)
    layout.extend()
    assert layout.laid_out_blocks == len(doc.blocks)
    for index, block in enumerate(doc.blocks):
        first, end = layout.block_lines(index)
        assert layout.lines[first].start == block.start
        assert layout.lines[end - 1].end == block.end
        assert layout.line_at_offset(block.start) == first
        assert layout.block_at_line(first) == index
        assert layout.offset_at_line(first) == block.start
        if index:
            assert layout.lines[first - 1].role == BLANK
    # Every offset maps to a line that contains it.
    for offset in range(0, len(doc.plain_text), 37):
        line = layout.lines[layout.line_at_offset(offset)]
        if doc.plain_text[offset] != "\n":
            assert line.start <= offset < max(line.end, line.start + 1)


def test_incremental_layout_equals_full_layout() -> None:
    markdown = "\n\n".join(f"# H{i}\n\nText *{i}* " + "abc " * i for i in range(200))
    full = DocumentLayout(parse_markdown(markdown), 50)
    full.extend()
    doc = Document()
    part = DocumentLayout(doc, 50)
    for blocks in iter_parse(markdown, chunk_chars=400, first_chunk_chars=100):
        doc.extend(blocks)
        part.extend()
    assert part.lines == full.lines


def test_pieces_styles_and_prefixes() -> None:
    doc = parse_markdown("> quoted *emph* [link](u)\n\n- item\n\n---\n\n```\ncode\n```")
    layout = DocumentLayout(doc, 60)
    layout.extend()
    quote = layout.lines[0]
    prefix, pieces, _fill = line_pieces(doc, quote, 60)
    assert prefix == [("▌ ", "quote-bar")]
    assert [(t, s) for t, _, s in pieces] == [
        ("quoted ", ("quote",)),
        ("emph", ("quote", "emph")),
        (" ", ("quote",)),
        ("link", ("quote", "link")),
    ]
    assert all(doc.plain_text[o : o + len(t)] == t for t, o, _ in pieces)
    item = layout.lines[layout.block_lines(1)[0]]
    assert line_pieces(doc, item, 60)[0][-1] == ("• ", "list-marker")
    rule = layout.lines[layout.block_lines(2)[0]]
    assert rule.role == RULE
    code = layout.lines[layout.block_lines(3)[0]]
    assert line_pieces(doc, code, 60)[2] == "code-block"


def test_list_continuation_lines_hang() -> None:
    doc = parse_markdown("- " + "word " * 40)
    layout = DocumentLayout(doc, 30)
    layout.extend()
    assert layout.height > 1
    second = line_pieces(doc, layout.lines[1], 30)[0]
    assert second == [("", ""), ("  ", "")] or "".join(t for t, _ in second) == "  "
