"""HTML import rules, each on a small hand-made page, plus hostile input."""

from __future__ import annotations

import pytest

from tuireader.importers.base import ImportFailed
from tuireader.importers.html import import_html

BODY = " ".join(["The committee met on Tuesday to discuss the new reading list for autumn."] * 6)


def page(body: str, head: str = "<title>Test page</title>", lang: str = "en") -> bytes:
    return (
        f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>{head}</head>"
        f"<body><nav><a href='/'>Home</a> <a href='/about'>About</a></nav>"
        f"<article>{body}</article><footer>Copyright footer</footer></body></html>"
    ).encode()


def article_body(extra: str = "") -> str:
    return (
        f"<h1>Test page</h1><p>{BODY}</p>{extra}<h2>Second part</h2>"
        f"<p>{BODY} Again.</p><ul><li>first point</li><li>second point</li></ul>"
        f"<p>{BODY} Last.</p>"
    )


def test_structure_is_kept_and_title_is_not_repeated() -> None:
    art = import_html(page(article_body()))
    assert art.title == "Test page"
    assert not art.markdown.startswith("# Test page")
    assert "## Second part" in art.markdown
    assert "- first point\n- second point" in art.markdown
    assert "Copyright footer" not in art.markdown


def test_links_resolved_and_unsafe_links_dropped() -> None:
    extra = (
        "<p>See <a href='docs/guide.html'>the guide</a>, <a href='javascript:alert(1)'>"
        "click</a>, <a href='data:text/html,x'>data</a>, <a href='file:///etc/passwd'>file"
        "</a> and <a href='https://example.org/x'></a>empty.</p>"
    )
    art = import_html(page(article_body(extra)), base_url="https://news.example.com/a/b.html")
    assert "[the guide](https://news.example.com/a/docs/guide.html)" in art.markdown
    for bad in ("javascript:", "data:", "file:", "[](", "[click]", "[data]", "[file]"):
        assert bad not in art.markdown
    assert "click" in art.markdown


def test_base_element_is_honoured() -> None:
    html = page(
        article_body("<p>A <a href='x.html'>relative link</a> here.</p>"),
        head="<title>Test page</title><base href='https://cdn.example.net/dir/'>",
    )
    art = import_html(html, base_url="https://example.com/page")
    assert "(https://cdn.example.net/dir/x.html)" in art.markdown


def test_no_script_style_or_leftover_html() -> None:
    extra = (
        "<script>var secret = 'SCRIPTTEXT';</script><style>.x{color:red} STYLETEXT</style>"
        "<noscript>NOSCRIPTTEXT</noscript><p>Inline <span class='x'>span</span> "
        "<font color=red>font</font> text.</p><div hidden>HIDDENTEXT</div>"
    )
    md = import_html(page(article_body(extra))).markdown
    for junk in ("SCRIPTTEXT", "STYLETEXT", "NOSCRIPTTEXT", "HIDDENTEXT", "<span", "<font", "</"):
        assert junk not in md
    assert "Inline span font text." in md


def test_whitespace_is_sane() -> None:
    extra = "<p>   spaced \n\n\n   out   </p><p></p><p> </p>"
    md = import_html(page(article_body(extra))).markdown
    assert "\n\n\n" not in md
    assert not any(line != line.rstrip() for line in md.splitlines())
    assert md.endswith("\n") and not md.endswith("\n\n")


def test_metadata_from_meta_tags_and_json_ld() -> None:
    head = """<title>Fallback title - Example News</title>
    <meta property="og:title" content="OG title">
    <meta property="og:site_name" content="Example News">
    <meta name="author" content="Jane Doe">
    <meta property="article:published_time" content="2024-05-01T10:00:00Z">
    <link rel="canonical" href="/articles/1">
    <script type="application/ld+json">{"@context": "https://schema.org",
      "@type": "NewsArticle", "headline": "LD headline", "author": {"name": "John Roe"},
      "datePublished": "2024-05-02", "publisher": {"@type": "Organization", "name": "LD News"}}
    </script>"""
    art = import_html(
        page(article_body(), head=head, lang="en-GB"), base_url="https://example.com/x"
    )
    assert art.title == "LD headline"
    assert art.author == "John Roe"
    assert art.site == "LD News"
    assert art.published == "2024-05-02"
    assert art.language == "en-GB"
    assert art.url == "https://example.com/articles/1"


def test_title_falls_back_to_title_tag_and_strips_site() -> None:
    head = "<title>An interesting article about reading | Example Site</title>"
    art = import_html(page(article_body(), head=head))
    assert art.title == "An interesting article about reading"


def test_meta_charset_and_bom() -> None:
    latin = page(f"<p>{BODY} Crème brûlée et œuvre.</p>").replace(b"utf-8", b"windows-1252")
    art = import_html(latin.decode().encode("cp1252"))
    assert "Crème brûlée et œuvre." in art.markdown
    bom = b"\xef\xbb\xbf" + page(f"<p>{BODY} Grüße aus Köln.</p>").replace(b"utf-8", b"latin-1")
    assert "Grüße aus Köln." in import_html(bom).markdown


def test_header_charset_wins_over_meta() -> None:
    data = page(f"<p>{BODY} Ĉu vi parolas?</p>").replace(b"utf-8", b"windows-1252")
    data = data.decode().encode("iso-8859-3")
    assert "Ĉu vi parolas?" in import_html(data, charset="iso-8859-3").markdown


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("shift_jis", "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。"),
        ("gb18030", "中华人民共和国的首都是北京，这是一个历史悠久的城市。"),
    ],
)
def test_unlabelled_cjk_is_detected(encoding: str, text: str) -> None:
    html = f"<html><body><article><p>{text * 12}</p><p>{text * 10}</p></article></body></html>"
    art = import_html(html.encode(encoding))
    assert text in art.markdown


def test_invalid_utf8_keeps_the_good_text() -> None:
    data = page(f"<p>{BODY} Café naïve résumé.</p>") + b"\xff\xfe\xc3"
    assert "Café naïve résumé." in import_html(data).markdown


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n\t ", "empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG"),
        (bytes(range(256)) * 40, "binary"),
        (b"<html><body><div></div></body></html>", "no article text"),
    ],
)
def test_unusable_input_gives_one_line_error(data: bytes, reason: str) -> None:
    with pytest.raises(ImportFailed, match=reason) as info:
        import_html(data, source="x.html")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("depth", [330, 1_000, 10_000])
@pytest.mark.parametrize("tag", ["div", "b"])
def test_deep_nesting(depth: int, tag: str) -> None:
    html = (
        f"<html><body><{tag}>" * 1
        + f"<{tag}>" * depth
        + f"<p>{BODY}</p>" * 3
        + f"</{tag}>" * depth
        + "</body></html>"
    )
    art = import_html(html.encode())
    phrase = "committee met on Tuesday"
    assert art.markdown.count(phrase) == 3 * BODY.count(phrase)


def test_eight_megabyte_page_is_converted_whole() -> None:
    # Its speed and memory are measured by bench/import_quality.py (the bounded-cost section).
    para = f"<p>{BODY}</p>\n"
    html = (
        "<html><head><title>A big page</title></head><body><article><h2>Big</h2>"
        + para * (8_000_000 // len(para))
        + "</article>"
    )
    art = import_html(html.encode())
    assert art.markdown.startswith("## Big")
    assert art.markdown.count("committee met") > 10_000


def test_eight_megabytes_of_tiny_elements_import() -> None:
    # How long it takes is bench/import_quality.py's to measure; pytest-timeout guards a hang.
    html = "<html><body>" + "<div><span>word</span> <a href='/x'>link</a></div>\n" * 160_000
    art = import_html(html.encode())
    assert "word" in art.markdown


def test_oversized_input_is_refused_without_parsing() -> None:
    with pytest.raises(ImportFailed, match="too large"):
        import_html(b"<p>" + b"x" * 50_000_001)


def test_markdown_structure_from_the_tree() -> None:
    extra = (
        "<p>Some <em>emphasis</em>, <strong>strong words</strong>, <code>a_b*c</code> and "
        "<a href='https://example.org/x'>a link</a>.<br>After a break.</p>"
        "<ul><li>outer one<ul><li>inner one</li><li>inner two</li></ul></li><li>outer two</li></ul>"
        "<ol start='3'><li>third</li><li>fourth</li></ol>"
        "<blockquote><p>First quoted paragraph.</p><p>Second quoted paragraph.</p></blockquote>"
        "<pre><code>def f(x):\n    return x  # two  spaces<br>print(f(1))</code></pre>"
        "<table><tr><th>Name</th><th>Value</th></tr><tr><td>alpha</td><td>1 | 2</td></tr>"
        "<tr><td>beta</td><td>3</td></tr></table>"
        "<p><img src='/pic.png' alt='A small picture'> Caption text.</p>"
    )
    md = import_html(page(article_body(extra)), base_url="https://example.com/a/").markdown
    assert "Some *emphasis*, **strong words**, `a_b*c` and [a link](https://example.org/x)." in md
    assert "a link](https://example.org/x).\\\nAfter a break." in md
    assert "- outer one\n  - inner one\n  - inner two\n- outer two" in md
    assert "- third\n- fourth" in md or "3. third\n4. fourth" in md  # trafilatura drops "ol"
    assert "> First quoted paragraph.\n>\n> Second quoted paragraph." in md
    assert "```\ndef f(x):\n    return x  # two  spaces\nprint(f(1))\n```" in md
    assert "| Name | Value |\n| --- | --- |\n| alpha | 1 \\| 2 |\n| beta | 3 |" in md
    assert "![A small picture](https://example.com/pic.png) Caption text." in md


def test_link_around_blocks_keeps_its_text() -> None:
    extra = (
        "<a href='https://example.org/teaser'><div><h3>Teaser heading</h3>"
        "<p>Teaser paragraph text.</p></div></a>"
    )
    md = import_html(page(article_body(extra))).markdown
    assert "### Teaser heading" in md
    assert "Teaser paragraph text." in md
    assert "[](" not in md


def test_awkward_urls_stay_valid_markdown() -> None:
    extra = (
        "<p>See <a href='https://en.wikipedia.org/wiki/Python_(language)'>Python</a>, "
        "<a href='https://example.org/a)b'>odd</a> and "
        "<a href='https://example.org/plain'>https://example.org/plain</a>.</p>"
    )
    md = import_html(page(article_body(extra))).markdown
    assert "[Python](https://en.wikipedia.org/wiki/Python_(language))" in md
    assert "[odd](https://example.org/a%29b)" in md
    assert "<https://example.org/plain>" in md


def test_readability_runs_only_when_trafilatura_looks_short(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import lxml.html

    from tuireader.importers import _extract

    root = lxml.html.fromstring(page(article_body()).decode())
    long_text = _extract._text_of(root.find(".//article"))

    def candidate(name: str, text: str) -> _extract.Candidate:
        return _extract.Candidate(name, lxml.html.fromstring(f"<div><p>{text}</p></div>"), text)

    def no_readability(*_args: object) -> _extract.Candidate:
        raise AssertionError("readability should not run")

    monkeypatch.setattr(
        _extract, "trafilatura_candidate", lambda *_: candidate("trafilatura", long_text)
    )
    monkeypatch.setattr(_extract, "readability_candidate", no_readability)
    chosen = _extract.extract(root)
    assert chosen is not None and chosen.name == "trafilatura"

    monkeypatch.setattr(
        _extract, "trafilatura_candidate", lambda *_: candidate("trafilatura", "A teaser.")
    )
    monkeypatch.setattr(
        _extract, "readability_candidate", lambda *_: candidate("readability", long_text)
    )
    chosen = _extract.extract(root)
    assert chosen is not None and chosen.name == "readability"


def test_tree_converter_rules() -> None:
    import lxml.html

    from tuireader.importers._markdown import to_markdown

    html = (
        "<div><ol start='3'><li>third<ol><li>nested</li></ol></li><li>fourth</li></ol>"
        "<p>x <a href='javascript:alert(1)'>script</a> <a href='https://e.org/'><img src='a.png'"
        " alt='logo'></a> <a href='https://e.org/empty'> </a> <b> </b>end</p>"
        "<h2>Title <a href='https://e.org/h'>link</a><br>second line</h2>"
        "<table><tr><td><p>layout cell one</p></td><td><div>layout cell two</div></td></tr></table>"
        "<blockquote><ul><li>quoted item</li></ul></blockquote><hr><p>after rule</p></div>"
    )
    md = to_markdown(lxml.html.fromstring(html))
    assert "3. third\n   1. nested\n4. fourth" in md
    assert "x script [logo](https://e.org/) end" in md
    assert "## Title [link](https://e.org/h) second line" in md
    assert "layout cell one\n\nlayout cell two" in md
    assert "> - quoted item" in md
    assert "---\n\nafter rule" in md


def test_page_without_body_is_a_clean_failure() -> None:
    html = b"<html><head><title>Only a title, no body at all in this page</title></head></html>"
    with pytest.raises(ImportFailed, match="no article text"):
        import_html(html)


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://example.org/a:b", True),
        ("docs/guide.html", True),
        ("/x?y=a:b", True),
        ("mailto:me@example.org", True),
        ("javascript:alert(1)", False),
        (" JavaScript:x", False),
        ("java\nscript:alert(1)", False),
        ("\x01data:text/html,x", False),
        ("file:///etc", False),
        ("vbscript:x", False),
    ],
)
def test_is_safe_url(url: str, safe: bool) -> None:
    from tuireader.importers._tree import is_safe_url

    assert is_safe_url(url) is safe


# -- issue 14, "Also met": both already handled by the markdownify importer; kept as tests ------

_CYRILLIC_BODY = ("<p>Это первый абзац статьи, в нём достаточно слов для текста.</p>"
                  "<p>Второй абзац с ещё несколькими словами для проверки.</p>")


@pytest.mark.parametrize("meta", ["", '<meta charset="utf-8">'])
def test_cp1251_page_served_as_utf8_keeps_the_titles_first_letter(meta: str) -> None:
    page = (f"<html><head>{meta}<title>Кириллица</title></head><body><article>"
            f"{_CYRILLIC_BODY}</article></body></html>").encode("cp1251")
    article = import_html(page, source="https://example.org/ru", charset="utf-8")
    assert article.title == "Кириллица"
    assert article.markdown.startswith("Это первый абзац")


def test_ten_thousand_nested_divs_still_give_the_text() -> None:
    body = ("<div>" * 10_000 + "<p>Deep text with several words in it, enough for an article "
            "body here.</p>" + "</div>" * 10_000)
    page = f"<html><head><title>Deep</title></head><body>{body}</body></html>".encode()
    article = import_html(page, source="deep.html")
    assert article.title == "Deep"
    assert "Deep text with several words" in article.markdown
