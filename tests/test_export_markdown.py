"""The Markdown export: golden files, and every export read back with markdown-it and PyYAML."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from export_support import (
    EXPORTED,
    HOSTILE_NOTE,
    HOSTILE_TITLE,
    Library,
    build_library,
    check_golden,
    read_markdown_export,
)
from tuireader.core.document import parse_markdown
from tuireader.core.model import Article, Highlight
from tuireader.core.safety import inert
from tuireader.export import (
    SHOWN_CONTROLS,
    decode_note,
    encode_note_lines,
    export_combined,
    export_markdown,
    sanitise_tag,
    sanitise_tags,
)
from tuireader.export.outline import Locator, outline_of

SAMPLES = Path(__file__).resolve().parents[1] / "sample_articles"


@pytest.fixture
def fixed_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Library:
    return build_library(tmp_path / "library", monkeypatch)


def _export(lib: Library, article_id: str) -> str:
    with lib.store() as store:
        return export_markdown(lib.articles[article_id], lib.highlights[article_id],
                               markdown=store.read_markdown(article_id), exported=EXPORTED)


def check_structure(text: str, article: Article, highlights: list[Highlight]) -> None:
    """One front matter, one H1, one quote per highlight; notes and tags as stored."""
    read = read_markdown_export(text)
    assert read.front_matter_blocks == 1
    assert read.front_matter["title"] == article.title
    assert read.front_matter["tuireader_id"] == article.id
    assert read.front_matter["tags"] == sanitise_tags(article.tags)
    assert read.front_matter["highlights"] == len(highlights)
    assert read.front_matter["exported"] == EXPORTED
    assert read.h1 == [inert(article.title).translate(SHOWN_CONTROLS) or "Untitled"]
    assert len(read.highlights) == len(highlights)
    by_block = {h.block_id: h for h in read.highlights}
    for h in highlights:
        got = by_block[f"^hl-{h.id}"]
        assert got.note == h.note  # the round trip: exactly what was stored
        assert got.tags == sanitise_tags(h.tags)
        assert got.info.startswith(f"{h.glyph} {h.kind_name}")
        if h.exact.strip():
            expected = h.exact.translate(SHOWN_CONTROLS)  # controls are shown as pictures
            assert " ".join(got.quote.split()) == " ".join(expected.split())


def test_golden_rivers(fixed_library: Library) -> None:
    article_id = "3fa2b1c0"
    text = _export(fixed_library, article_id)
    check_golden("rivers.md", text)
    check_structure(text, fixed_library.articles[article_id], fixed_library.highlights[article_id])


def test_golden_hostile_title(fixed_library: Library) -> None:
    text = _export(fixed_library, "0badc0de")
    check_golden("hostile.md", text)
    check_structure(text, fixed_library.articles["0badc0de"], fixed_library.highlights["0badc0de"])
    assert "\x00" not in text and "<script>" not in text


def test_golden_combined(fixed_library: Library) -> None:
    with fixed_library.store() as store:
        text = export_combined(store, None, "markdown", exported=EXPORTED)
    check_golden("combined.md", text)
    read = read_markdown_export(text)
    assert read.front_matter_blocks == 1 and read.h1 == ["tuireader export"]
    assert read.front_matter["articles"] == 2  # "Unread" has no highlights
    assert len(read.highlights) == sum(len(hs) for hs in fixed_library.highlights.values())


def test_location_is_section_and_percentage(fixed_library: Library) -> None:
    read = read_markdown_export(_export(fixed_library, "3fa2b1c0"))
    infos = {h.block_id: h.info for h in read.highlights}
    assert infos["^hl-c0ffee07"].endswith("· Deltas · 88%")
    assert "How rivers move" in infos["^hl-c0ffee02"]
    assert "not found in the current text" in infos["^hl-c0ffee08"]
    assert "position approximate" in infos["^hl-c0ffee05"]


HOSTILE_NOTES = [
    HOSTILE_NOTE, "", "\n", "  leading spaces", "trailing\n\n\n", "---", "***", "===",
    "```", "~~~", "<!-- open comment", "$$\nmath", "%%", "[^1]: footnote", "- [ ] task",
    "\ttab", "a\r\nb", "\x1b[31mred\x1b[0m", "&#8203;", "&amp;", "\u2028line sep", "#tag",
    "> [!note] callout", "text ^block-id", "1) one", "+ plus", "| table |", "\\", "\\\\#",
]


@pytest.mark.parametrize("note", HOSTILE_NOTES)
def test_note_codec_round_trip(note: str) -> None:
    lines = encode_note_lines(note)
    assert decode_note("\n".join(lines)) == note
    assert not any(line[:1].isspace() for line in lines)
    assert not lines or (lines[0] != "" and lines[-1] != "")


def test_random_hostile_notes_and_titles_keep_the_structure() -> None:
    rng = random.Random(7)
    alphabet = [*"#>-+*=_`~|[]:$!{}<>&%^\\ \t\n\r\x00\x1bab1.", "---", "```", "\n\n"]
    pieces = ["# ", "---\n", "```\n", "<script>", "title: x\n", "\n", "> ", "1. "]
    for n in range(150):
        note = "".join(rng.choice(alphabet + pieces) for _ in range(rng.randint(0, 40)))
        title = "".join(rng.choice(alphabet + pieces) for _ in range(rng.randint(0, 25)))
        tags = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6)))]
        article = Article(id=f"{n:08x}", title=title, tags=tags, added=EXPORTED)
        text = "Some words here and more words there for the quote."
        hs = [Highlight(id=f"h{n}x{k}", article_id=article.id, start=5 * k, end=5 * k + 9,
                        exact=(note if k == 2 else text[5 * k : 5 * k + 9]), note=note,
                        tags=tags, created=EXPORTED, updated=EXPORTED) for k in range(3)]
        out = export_markdown(article, hs, exported=EXPORTED)
        check_structure(out, article, hs)


def test_sanitised_tags() -> None:
    assert sanitise_tag("long-reads") == "long-reads"
    assert sanitise_tag("with space") == "with-space"
    assert sanitise_tag("1984") == "_1984"
    assert sanitise_tag("a/b") == "a/b"
    assert sanitise_tag("日本") == "日本"
    assert sanitise_tag("#!?") == ""


def test_deterministic(fixed_library: Library) -> None:
    assert _export(fixed_library, "3fa2b1c0") == _export(fixed_library, "3fa2b1c0")


def test_hostile_title_in_front_matter_and_heading(fixed_library: Library) -> None:
    text = _export(fixed_library, "0badc0de")
    read = read_markdown_export(text)
    assert read.front_matter["title"] == HOSTILE_TITLE
    assert text.count("\n---\n") == 1  # only the front matter's closing line


def _sample_markdowns() -> list[str]:
    from tuireader.importers import import_source

    found = []
    for path in sorted(SAMPLES.iterdir()):
        if path.suffix in (".html", ".txt"):
            outcome = next(iter(import_source(str(path))))
            if outcome.article is not None:
                found.append(outcome.article.markdown)
    return found


def test_fast_locator_agrees_with_the_parser() -> None:
    """The source-search path must give the same sections as the full parse."""
    from export_support import RIVERS_MD

    sources = [RIVERS_MD, *_sample_markdowns()]
    checked = 0
    for markdown in sources:
        document = parse_markdown(markdown)
        plain = document.plain_text
        article = Article(id="x", title="t", char_count=len(plain))
        reference = outline_of(document)
        fast = Locator(article, markdown=markdown)
        rng = random.Random(len(plain))
        for _ in range(60):
            if len(plain) < 50:
                break
            start = rng.randrange(0, len(plain) - 40)
            h = Highlight(id="h", article_id="x", start=start, end=start + 40,
                          exact=plain[start : start + 40], prefix=plain[max(0, start - 32) : start])
            assert fast.locate(h) == reference.locate(start)
            checked += 1
    assert checked > 100
