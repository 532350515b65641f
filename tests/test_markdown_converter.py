"""The markdownify converter (importers/markdown.py) and its preparation (importers/_markdown.py).

Each rule on a small fragment; every output is also parsed with markdown-it (the reader's
parser) to check that what a reader sees is what the page said.
"""

from __future__ import annotations

import lxml.html
import pytest
from lxml import etree

from tuireader.core.document import parse_markdown
from tuireader.importers._chunks import CHUNK_CHARS, chunks
from tuireader.importers._markdown import to_markdown
from tuireader.importers.markdown import html_to_markdown


def convert(html: str) -> str:
    return to_markdown(lxml.html.fromstring(f"<div>{html}</div>"))


def plain(markdown: str) -> str:
    return parse_markdown(markdown).plain_text


@pytest.mark.parametrize(
    ("html", "fence"),
    [
        ("<pre class='language-python'><code>x = 1</code></pre>", "```python\nx = 1\n```"),
        ("<pre><code class='language-js'>let x;</code></pre>", "```js\nlet x;\n```"),
        ("<pre><code class='lang-rust'>fn x() {}</code></pre>", "```rust\nfn x() {}\n```"),
        ("<pre>plain</pre>", "```\nplain\n```"),
        ("<pre>a\n```\nb</pre>", "````\na\n```\nb\n````"),
    ],
)
def test_code_blocks_are_fenced_with_their_language(html: str, fence: str) -> None:
    assert fence in convert(html)


def test_tables_with_and_without_a_header_row() -> None:
    md = convert(
        "<table><tr><th>Name</th><th>Value</th></tr><tr><td>a|b</td><td>1</td></tr>"
        "</table><table><tr><td>x</td><td>y</td></tr><tr><td>z</td><td>w</td></tr>"
        "</table>"
    )
    assert "| Name | Value |\n| --- | --- |\n| a\\|b | 1 |" in md
    assert "| x | y |\n| --- | --- |\n| z | w |" in md


def test_layout_tables_become_blocks() -> None:
    md = convert("<table><tr><td><p>left column</p></td><td><p>right column</p></td></tr></table>")
    assert "left column\n\nright column" in md
    assert "|" not in md


def test_nested_lists() -> None:
    md = convert(
        "<ul><li>one<ul><li>one.a</li><li>one.b<ol><li>deep</li></ol></li></ul></li>"
        "<li>two</li></ul><ol start='7'><li>seven</li><li>eight</li></ol>"
    )
    assert "- one\n  - one.a\n  - one.b\n    1. deep\n- two" in md
    assert "7. seven\n8. eight" in md


def test_a_long_ordered_list_is_numbered_in_order() -> None:
    md = convert("<ol>" + "<li>item</li>" * 3000 + "</ol>")
    assert md.startswith("1. item\n2. item") and "3000. item" in md


def test_images_with_and_without_alt_text() -> None:
    md = convert(
        "<p><img src='https://e.org/a.png' alt='A chart'> text</p>"
        "<p><img src='https://e.org/b.png'></p><p><img src='https://e.org/c.png' alt=''>"
        "</p><p><a href='https://e.org/'><img src='d.png'></a></p>"
        "<p>after <img src='javascript:x' alt='bad'></p>"
    )
    assert "![A chart](https://e.org/a.png) text" in md
    assert "b.png" not in md and "c.png" not in md and "d.png" not in md
    assert not any(line.strip() in ("!", "![]") for line in md.splitlines())
    assert "javascript" not in md and "bad" not in md and "after" in md


def test_empty_unsafe_and_nested_links() -> None:
    md = convert(
        "<p>a <a href='https://e.org/x'></a> b <a href='javascript:alert(1)'>js</a> "
        "c <a href='https://e.org/y'>y <a href='https://e.org/z'>z</a></a> "
        "<a href='#top'>top</a> <a href='https://e.org/p(q)r'>paren</a> "
        "<a href='https://e.org/s'>https://e.org/s</a></p>"
    )
    assert "[](" not in md and "javascript" not in md and "b js c" in md
    assert "[y](https://e.org/y)" in md and "top" in md and "(#top)" not in md
    assert "[paren](https://e.org/p(q)r)" in md and "<https://e.org/s>" in md


def test_permalink_marks_leave_headings() -> None:
    md = convert("<h2>Usage<a class='headerlink' href='#usage'>¶</a></h2><p>Text.</p>")
    assert md.startswith("## Usage\n")


def test_breaks_runs_of_breaks_and_trailing_breaks() -> None:
    md = convert("<p>one<br>two<br><br>three<br></p><p>four</p>")
    assert "one\\\ntwo\n\nthree\n\nfour" in md
    assert plain(md).split("\n\n") == ["one\ntwo", "three", "four"]


@pytest.mark.parametrize(
    "text",
    [
        "snake_case_name stays",
        "2 * 3 * 4 is 24",
        "a <div> tag",
        "&copy; as written",
        "[x](y) literally",
        "~~not struck~~",
        "back\\slash and \\*",
        "`tick`",
        "_under_",
    ],
)
def test_text_reads_as_written(text: str) -> None:
    md = convert(f"<p>{_esc(text)}</p>")
    assert plain(md).strip() == text


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_no_needless_escapes() -> None:
    md = convert("<p>snake_case, C# and a-b, 100% + 2 = x | y, it's (fine).</p>")
    assert md.strip() == "snake_case, C# and a-b, 100% + 2 = x | y, it's (fine)."


@pytest.mark.parametrize(
    "text",
    [
        "1. Not a list",
        "- not a list",
        "# not a heading",
        "> not a quote",
        "+ plus",
        "2015) the year",
    ],
)
def test_block_markers_at_a_line_start_are_text(text: str) -> None:
    md = convert(f"<p>{_esc(text)}</p><p>x<br>{_esc(text)}</p>")
    assert plain(md).split("\n\n") == [text, f"x\n{text}"]


def test_unknown_block_tags_do_not_glue_text() -> None:
    md = convert(
        "<header>Posted 2015</header>The Arduino<figure><img src='https://e.org/i.png'"
        " alt='board'><figcaption>The board</figcaption></figure><p>Next</p>"
    )
    assert "Posted 2015\n\nThe Arduino" in md
    assert "The board\n\nNext" in md


def test_inline_code_written_as_pre_stays_in_its_sentence() -> None:
    # trafilatura builds this tree (an HTML parser would close the paragraph before <pre>).
    root = etree.Element("div")
    p = etree.SubElement(root, "p")
    p.text = "Call "
    pre = etree.SubElement(p, "pre")
    pre.text, pre.tail = "f(x)", " twice."
    md = to_markdown(root)
    assert "Call `f(x)` twice." in md


def test_output_round_trips_through_markdown_it() -> None:
    html = (
        "<h2>Heading</h2><p>Some <em>emphasis</em>, <strong>bold</strong> and "
        "<code>code</code>.</p><blockquote><p>Quoted.</p></blockquote>"
        "<ul><li>item <a href='https://e.org/'>link</a></li></ul>"
    )
    doc = parse_markdown(convert(html))
    assert [b.kind for b in doc.blocks][:2] == ["heading", "paragraph"]
    assert "Some emphasis, bold and code." in doc.plain_text
    assert "Quoted." in doc.plain_text and "item link" in doc.plain_text


# -- bounded cost ---------------------------------------------------------------------------------


def test_huge_article_is_converted_in_bounded_chunks() -> None:
    para = "<p>" + "word " * 200 + "</p>"
    root = lxml.html.fromstring("<div>" + para * 2000 + "</div>")
    pieces = list(chunks(root))
    assert len(pieces) > 10
    assert max(map(len, pieces)) < CHUNK_CHARS + 2_000
    md = to_markdown(root)
    assert md.count("word") == 400_000


def test_a_book_inside_one_container_is_opened() -> None:
    book = (
        "<div><section>"
        + "<p>"
        + "line " * 100
        + "</p>" * 0
        + "".join(f"<h2>Chapter {i}</h2>" + "<p>text of the chapter</p>" * 100 for i in range(60))
        + "</p></section></div>"
    )
    root = lxml.html.fromstring(book)
    assert len(list(chunks(root, limit=20_000))) > 5
    md = to_markdown(root)
    assert "## Chapter 0\n\ntext of the chapter" in md and "## Chapter 59" in md


def test_deep_nesting_is_bounded() -> None:
    root = etree.Element("div")
    node = root
    for _ in range(10_000):
        node = etree.SubElement(node, "div")
    node.text = "at the bottom"
    assert to_markdown(root).strip() == "at the bottom"


def test_html_to_markdown_converts_a_fragment() -> None:
    assert html_to_markdown("<h3>Title</h3><p>x</p>") == "### Title\n\nx"


def test_text_inside_a_void_element_is_kept() -> None:
    root = etree.Element("div")
    p = etree.SubElement(root, "p")
    img = etree.SubElement(p, "img")
    img.text = "Nintendo and Apple shocked the world."  # as trafilatura can leave it
    assert to_markdown(root).strip() == "Nintendo and Apple shocked the world."


def test_link_lists_go_unless_they_are_the_article() -> None:
    related = (
        "<ul>"
        + "".join(f"<li><a href='https://e.org/{i}'>Related story {i}</a></li>" for i in range(5))
        + "</ul>"
    )
    prose = "<p>" + "An ordinary sentence of the article. " * 20 + "</p>"
    md = convert(
        prose + "<ul><li>a point</li><li>another <a href='https://e.org/x'>point</a>"
        "</li><li>third point</li></ul><h3>More stories</h3>" + related
    )
    assert "Related story" not in md and "More stories" not in md
    assert "- a point\n- another [point](https://e.org/x)\n- third point" in md
    assert "Related story 4" in convert("<p>My links this week:</p>" + related)


def test_empty_headings_go_but_not_inside_code() -> None:
    md = convert(
        "<h2>Part</h2><h3>Sub</h3><p>Text.</p><h3>Comments</h3><h2>Code</h2>"
        "<pre># a comment\n\n# another\n</pre><h2>Most read</h2>"
    )
    assert md.startswith("## Part\n\n### Sub\n\nText.\n\n## Code\n\n```")
    assert "Comments" not in md and "Most read" not in md
    assert "# a comment\n\n# another" in md
