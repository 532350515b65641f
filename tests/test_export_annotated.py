"""The annotated export: the article with ==highlights== inline and notes as footnotes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from export_support import (
    EXPORTED,
    Library,
    build_library,
    check_golden,
)
from tuireader.core.document import parse_markdown
from tuireader.core.model import Article, Highlight
from tuireader.export import decode_note, export_annotated, export_combined, sanitise_tags
from tuireader.export.annotated import ORPHANS_HEADING


@pytest.fixture
def fixed_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Library:
    return build_library(tmp_path / "library", monkeypatch)


def _parser() -> MarkdownIt:
    return (MarkdownIt("commonmark").enable(["table", "strikethrough"])
            .use(front_matter_plugin).use(footnote_plugin))


def _export(lib: Library, article_id: str) -> str:
    with lib.store() as store:
        return export_annotated(lib.articles[article_id], lib.highlights[article_id],
                                markdown=store.read_markdown(article_id), exported=EXPORTED)


def footnotes(text: str) -> dict[str, str]:
    """Footnote label -> the raw definition text (indent removed)."""
    result: dict[str, str] = {}
    lines = text.split("\n")
    for i, line in enumerate(lines):
        m = re.match(r"\[\^(\d+)\]: (.*)$", line)
        if m:
            body = [m.group(2)]
            for nxt in lines[i + 1 :]:
                if nxt.startswith("    ") or nxt == "":
                    body.append(nxt[4:])
                else:
                    break
            while body and body[-1] == "":
                body.pop()
            result[m.group(1)] = "\n".join(body)
    return result


def split_footnote(body: str) -> tuple[str, list[str]]:
    """(note, tags): a tag line starts with '#', which an encoded note line never does."""
    lines = body.split("\n")
    tags: list[str] = []
    if lines and lines[-1].startswith("#"):
        tags = re.findall(r"#(\S+)", lines.pop())
        if lines and lines[-1] == "":
            lines.pop()
    return decode_note("\n".join(lines)), tags


def test_golden_and_structure(fixed_library: Library) -> None:
    text = _export(fixed_library, "3fa2b1c0")
    check_golden("rivers.annotated.md", text)
    tokens = _parser().parse(text)
    assert sum(t.type == "front_matter" for t in tokens) == 1
    meta = yaml.safe_load(next(t for t in tokens if t.type == "front_matter").content)
    assert meta["title"] == fixed_library.articles["3fa2b1c0"].title
    assert [t.tag for t in tokens if t.type == "heading_open"].count("h1") == 1
    # Every highlight with a note or tags has its footnote, holding exactly what was stored.
    notes = footnotes(text)
    stored = [h for h in fixed_library.highlights["3fa2b1c0"] if h.note or h.tags]
    got = sorted(split_footnote(body) for body in notes.values())
    assert got == sorted((h.note, sanitise_tags(h.tags)) for h in stored)
    assert len(notes) == len(set(re.findall(r"\[\^(\d+)\](?!:)", text)))
    # The orphan is listed at the end, not inline.
    assert text.index(f"## {ORPHANS_HEADING}") > text.index("Deltas form")
    assert "> a passage that was removed[^" in text


def test_marks_cover_the_highlighted_text(fixed_library: Library) -> None:
    text = _export(fixed_library, "3fa2b1c0")
    assert "==Rivers carve valleys over *millions* of years, and a **river**==[^1][^2]" in text
    assert "==Deltas form where rivers meet the sea==" in text
    assert "Highlighted above: ==`return x * 2`==" in text
    assert "| ==Nile==[^" in text
    # The overlapping pair (1 and 4) is one merged mark.
    marked = re.findall(r"==(.+?)==", text.split("\n## How rivers move")[0])
    assert any("Rivers carve valleys" in m and "river" in m for m in marked)


def test_highlight_across_blocks_is_split() -> None:
    md = "First paragraph here.\n\nSecond paragraph there."
    doc = parse_markdown(md)
    start = doc.plain_text.index("paragraph here")
    end = doc.plain_text.index(" there")
    article = Article(id="a", title="T", added=EXPORTED)
    h = Highlight(id="h", article_id="a", start=start, end=end,
                  exact=doc.plain_text[start:end], note="n", created=EXPORTED, updated=EXPORTED)
    out = export_annotated(article, [h], document=doc, exported=EXPORTED)
    assert "First ==paragraph here.==" in out
    assert "==Second paragraph==[^1]" in out


def test_styles_and_marks_nest() -> None:
    md = "Some **bold words here** and *more*."
    doc = parse_markdown(md)
    start = doc.plain_text.index("words")
    end = doc.plain_text.index("more") + 2
    article = Article(id="a", title="T", added=EXPORTED)
    h = Highlight(id="h", article_id="a", start=start, end=end, exact="x", created=EXPORTED,
                  updated=EXPORTED)
    out = export_annotated(article, [h], document=doc, exported=EXPORTED)
    body = out.split("\n\n")[-1]
    assert body.strip() == "Some **bold ==words here==** ==and== *==mo==re*."


def test_hostile_article_stays_inert(fixed_library: Library) -> None:
    text = _export(fixed_library, "0badc0de")
    check_golden("hostile.annotated.md", text)
    assert "<script>" not in text
    tokens = _parser().parse(text)
    assert not any(t.type in ("html_block", "html_inline") for t in tokens
                   for t in [t, *(t.children or [])])


def test_combined_numbers_footnotes_across_articles(fixed_library: Library) -> None:
    with fixed_library.store() as store:
        text = export_combined(store, None, "annotated", exported=EXPORTED)
    labels = re.findall(r"^\[\^(\d+)\]:", text, re.MULTILINE)
    assert labels == [str(n) for n in range(1, len(labels) + 1)]
    assert text.count("\n# ") == 1
