"""A book's export: its metadata in the front matter, the chapter in each highlight's place."""

from __future__ import annotations

from pathlib import Path

import yaml

from epub_support import chapter, make_book
from tuireader.core.document import parse_markdown
from tuireader.core.model import make_highlight
from tuireader.export.markdown import export_markdown
from tuireader.export.templates import compile_template, render_template
from tuireader.importers import import_file
from tuireader.library.store import Store


def _highlighted_book(tmp_path: Path) -> tuple[Store, str]:
    chapters = [chapter("c1.xhtml", "Chapter 1", "<p>The first chapter opens here.</p>"),
                chapter("c2.xhtml", "Chapter 2", "<p>Call me Ishmael, said the sailor.</p>")]
    store = Store(tmp_path / "lib")
    book = store.add_article(import_file(make_book(tmp_path / "b.epub", chapters))).article
    plain = parse_markdown(store.read_markdown(book.id)).plain_text
    start = plain.index("Call me Ishmael")
    store.add_highlight(make_highlight(book.id, plain, start, start + len("Call me Ishmael")))
    return store, book.id


def test_front_matter_and_locations_of_a_book(tmp_path: Path) -> None:
    store, book_id = _highlighted_book(tmp_path)
    with store:
        article = store.get_article(book_id)
        assert article is not None
        text = export_markdown(article, store.highlights(book_id),
                               markdown=store.read_markdown(book_id), exported="2026-01-01")
    meta = yaml.safe_load(text.split("---")[1])
    assert meta["author"] == "Ada Author" and meta["publisher"] == "Test Press"
    assert meta["isbn"] == "9780000000002" and meta["identifiers"] == ["isbn:9780000000002"]
    assert list(meta)[:5] == ["title", "author", "publisher", "series", "isbn"]
    assert "by Ada Author · Test Press" in text
    assert "Chapter 2 · " in text and "Call me Ishmael" in text


def test_a_template_sees_the_book(tmp_path: Path) -> None:
    store, book_id = _highlighted_book(tmp_path)
    template = compile_template(
        "{{ category }} {{ isbn }} {{ publisher }}\n"
        "{% for h in highlights %}{{ h.section }}: {{ h.text }}\n{% endfor %}")
    with store:
        article = store.get_article(book_id)
        assert article is not None
        out = render_template(template, article, store.highlights(book_id),
                              markdown=store.read_markdown(book_id))
    assert out.startswith("book 9780000000002 Test Press\nChapter 2: Call me Ishmael")
