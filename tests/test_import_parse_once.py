"""One parse per import: an EPUB's parse (made for its spine map) travels with the import and
the store uses it instead of parsing again, but only when it is the parse of exactly that text."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import pytest

from epub_support import chapter, make_book
from tuireader.core.document import Document, parse_markdown, parse_parts
from tuireader.core.model import ImportedArticle
from tuireader.importers.epub import import_epub, parses_as_joined
from tuireader.library import store as store_module
from tuireader.library.parse_cache import parsed
from tuireader.library.store import Store

#: Spine documents' Markdown as the converter might give it, some of which read differently
#: when parsed alone than when joined to their neighbours.
PARTS = [
    "# One\n\nA first paragraph.",
    "Plain text, *emphasis* and a [web link](https://example.org).",
    "- an item\n- another item",
    "1. first\n2. second",
    "> a quote\n> on two lines",
    "```\ncode that is never closed",
    "```\nclosed code\n```",
    "    indented code at the start",
    "  two spaces in",
    "[label]: https://example.org/ref",
    "A use of [label] by reference.",
    "<pre>\nraw html\n\nwith a blank line</pre>",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "Setext\n======",
    "===",
    "\n\nLeading blank lines.",
]


def _document(parts: list[str]) -> Document:
    document = Document()
    for blocks in parse_parts(parts):
        document.extend(blocks)
    return document


@pytest.mark.parametrize("pair", list(itertools.permutations(PARTS, 2)))
def test_parts_taken_as_the_whole_parse_only_when_they_are(pair: tuple[str, str]) -> None:
    parts = [*pair, PARTS[0]]
    whole = "\n\n".join(p.rstrip("\n") for p in parts) + "\n"
    expected = parse_markdown(whole)
    if parses_as_joined([p.rstrip("\n") for p in parts], whole):
        got = _document(parts)
        assert got.blocks == expected.blocks and got.plain_text == expected.plain_text


def test_what_reads_differently_across_a_join_is_refused() -> None:
    for first, second in [("```\nopen fence", "Text after."),      # the fence runs on
                          ("Text.", "    indented"),               # code, or a continuation
                          ("[x]: https://e.org", "Use [x] here."),  # a reference
                          ("<!--\na comment", "that ends -->")]:   # an HTML block
        whole = f"{first}\n\n{second}\n"
        assert not parses_as_joined([first, second], whole)
    # ... and each of them really would be parsed otherwise (so refusing is needed).
    assert _document(["```\nopen fence", "Text after."]).blocks != \
        parse_markdown("```\nopen fence\n\nText after.\n").blocks


def test_a_kept_parse_is_used_only_for_its_own_text() -> None:
    article = ImportedArticle(title="t", markdown="First text.\n")
    assert article.parsed() is None
    article.keep_parse(parse_markdown(article.markdown))
    kept = article.parsed()
    assert kept is not None and kept.plain_text == "First text."
    assert dataclasses.replace(article, title="u").parsed() is kept  # same text: still good
    assert dataclasses.replace(article, markdown="Other.\n").parsed() is None
    article.markdown = "Changed after the parse.\n"
    assert article.parsed() is None


def test_the_store_never_uses_a_stale_parse(tmp_path: Path) -> None:
    article = ImportedArticle(title="t", markdown="The old text, much longer than the new.\n")
    article.keep_parse(parse_markdown(article.markdown))
    article.markdown = "The new text.\n"
    with Store(tmp_path / "lib") as store:
        added = store.add_article(article).article
        assert added.char_count == len("The new text.")
        body = store.body_path(added.id)
        assert parsed(body, store.read_markdown(added.id)).plain_text == "The new text."


def test_an_epub_is_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chapters = [chapter(f"c{n}.xhtml", f"Chapter {n}",
                        f"<h1>Chapter {n}</h1>" + "".join(f"<p>Paragraph {k} of {n}.</p>"
                                                          for k in range(40)))
                for n in range(1, 6)]
    imported = import_epub(make_book(tmp_path / "book.epub", chapters))
    whole = parse_markdown(imported.markdown)
    kept = imported.parsed()
    assert kept is not None and kept.blocks == whole.blocks

    def no_second_parse(markdown: str) -> Document:
        raise AssertionError("the store parsed the book again")

    monkeypatch.setattr(store_module, "parse_markdown", no_second_parse)
    with Store(tmp_path / "lib") as store:
        added = store.add_article(imported).article
        assert added.char_count == len(whole.plain_text)
        assert added.word_count == len(whole.plain_text.split())
        cached = parsed(store.body_path(added.id), store.read_markdown(added.id))
        assert cached.blocks == whole.blocks  # the reader's cache is that parse
        spine = store.spine(added.id)
        assert whole.plain_text[spine[2].start:spine[2].end].startswith("Chapter 3")
