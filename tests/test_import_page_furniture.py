"""Whole-page rules around extraction: maths kept, furniture dropped, titles chosen well."""

from __future__ import annotations

import json

from tuireader.importers.html import _first_words, import_html

BODY = " ".join(["The committee met on Tuesday to discuss the new reading list for autumn."] * 6)


def page(body: str, head: str = "<title>Test page</title>", before: str = "") -> bytes:
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>{head}</head><body>"
        f"{before}<article><h1>Test page</h1><p>{BODY}</p>{body}<p>{BODY} Last.</p>"
        "</article></body></html>"
    ).encode()


def test_mathml_is_kept_as_inline_code() -> None:
    maths = (
        "<p>A square matrix is denoted by <span class='mwe-math-element'><span "
        "style='display: none;'><math alttext='{\\displaystyle A}'><mi>A</mi></math></span>"
        "<img class='mwe-math-fallback-image-inline' alt='{\\displaystyle A}' src='a.svg'>"
        "</span>, then its transpose by <math><semantics><mrow><msup><mi>A</mi><mi>T</mi>"
        "</msup></mrow><annotation encoding='application/x-tex'>A^T</annotation></semantics>"
        "</math>, in the text of the proof below.</p>"
    )
    md = import_html(page(maths)).markdown
    assert "denoted by `A`, then its transpose by `A^T`, in the text" in md
    assert "displaystyle" not in md and "a.svg" not in md


def test_mediawiki_edit_and_jump_links_are_dropped() -> None:
    before = (
        "<a class='mw-jump-link' href='#mw-head'>Jump to navigation</a> "
        "<a class='mw-jump-link' href='#searchInput'>Jump to search</a>"
    )
    body = (
        "<h2>History<span class='mw-editsection'><span class='mw-editsection-bracket'>[</span>"
        "<a href='/w/index.php?action=edit&amp;section=1'>edit</a><span "
        "class='mw-editsection-bracket'>]</span></span></h2>"
        f"<p>{BODY} History.</p><a href='#content'>Skip to content</a>"
    )
    md = import_html(page(body, before=before)).markdown
    assert "## History\n" in md
    for furniture in ("[edit]", "edit]", "Jump to", "Skip to"):
        assert furniture not in md


def test_share_and_like_widgets_are_dropped() -> None:
    body = (
        "<div class='sharedaddy sd-sharing-enabled'><h3 class='sd-title'>Share this:</h3>"
        "<ul><li><a href='https://twitter.com/share'>Twitter</a></li></ul></div>"
        "<div class='sharedaddy sd-block sd-like jetpack-likes-widget-wrapper'>"
        "<h3 class='sd-title'>Like this:</h3><span>Like</span> <span>Loading...</span></div>"
    )
    md = import_html(page(body)).markdown
    for widget in ("Share this", "Like this", "Loading..."):
        assert widget not in md


def test_json_ld_name_wins_over_a_description_headline() -> None:
    ld = {
        "@context": "https://schema.org",
        "@type": "Article",
        "name": "Hermitian matrix",
        "headline": "matrix equal to its conjugate-transpose",
    }
    head = (
        f"<title>Hermitian matrix - Wikipedia</title><script type='application/ld+json'>"
        f"{json.dumps(ld)}</script>"
    )
    assert import_html(page("", head=head)).title == "Hermitian matrix"


def test_json_ld_headline_wins_when_it_matches_the_title() -> None:
    ld = {
        "@type": "NewsArticle",
        "name": "Example News",
        "headline": "Rivers rise after a week of rain",
    }
    head = (
        f"<title>Rivers rise after a week of rain | Example News</title>"
        f"<script type='application/ld+json'>{json.dumps(ld)}</script>"
    )
    assert import_html(page("", head=head)).title == "Rivers rise after a week of rain"


def test_titles_from_text_keep_apostrophes_and_drop_marks() -> None:
    assert _first_words("**AI hasn't meaningfully** changed [how](https://x) we work here\n") == (
        "AI hasn't meaningfully changed how we work here"
    )
    assert _first_words("## Usage¶\n\ntext") == "Usage"
    html = (f"<html><body><div><h2>It’s a page¶</h2><p>{BODY}</p></div></body></html>").encode()
    assert import_html(html).title == "It’s a page"
