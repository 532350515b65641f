"""Suite 8: hostile Unicode in highlights.

Paragraphs made of RTL overrides, combining marks, ZWJ emoji sequences, wide CJK text and tabs
are highlighted through the reader (keyboard focus, and a visual selection), and for each: the
stored quote equals the selected text of the document, it re-anchors after an edit elsewhere in
the article, and it comes out of the Markdown export with every special character intact.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app_support import make_config, wait_for
from tuireader.app import make_app
from tuireader.core.anchoring import reanchor
from tuireader.core.document import parse_markdown
from tuireader.export.markdown import export_markdown
from tuireader.importers.base import ImportedArticle
from tuireader.library.store import Store
from tuireader.widgets.reader import ReaderView

SAMPLES = {
    "rtl": "Bidi \u202egnirts desrever\u202c and \u2067isolated \u05e9\u05dc\u05d5\u05dd\u2069 "
           "with \u200fmarks\u200e around.",
    "combining": "Zalgo Z\u0351\u0364\u0341a\u0301\u0302\u0303l\u0336g\u0338o and e\u0301 "
                 "versus \u00e9, a\u030a ring.",
    "emoji": "Family \U0001F468\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466, flag "
             "\U0001F1EF\U0001F1F5, skin \U0001F44D\U0001F3FD and keycap 1\ufe0f\u20e3 here.",
    "cjk": "\u6f22\u5b57\u306e\u6587\u7ae0\u3068\u5168\u89d2\uff21\uff22\uff23\u3001"
           "\ud55c\uad6d\uc5b4 \u6587\u5b57\u5217\u3002",
    "tabs": "Columns\tseparated\tby\ttabs and a\u00a0non-breaking space.",
    "code-tabs": "```\nkey\tvalue\t\u6f22\u5b57\n\u202eright\tleft\u202c\n```",
}
MARKDOWN = "\n\n".join(["Intro paragraph of plain words.", *SAMPLES.values(),
                        "Closing paragraph."])


@pytest.mark.parametrize("how", ["focus", "visual"])
async def test_hostile_unicode_highlights_round_trip(tmp_path: Path, how: str) -> None:
    store = Store(tmp_path / "lib")
    try:
        aid = store.add_article(ImportedArticle(title="Unicode", markdown=MARKDOWN)).article.id
        app = make_app(store, make_config(), open_article=aid)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            reader = app.screen.query_one(ReaderView)
            await wait_for(pilot, lambda: reader.document.complete, what="the article loaded")
            reader.focus()
            await pilot.pause()
            document = reader.document
            for n in range(len(SAMPLES)):
                await pilot.press("j")  # the next paragraph (the first is the intro)
                if how == "visual":
                    await pilot.press("v", "h")  # select the focused paragraph, highlight
                else:
                    await pilot.press("h")
                await wait_for(pilot, lambda n=n: len(store.highlights(aid)) > n,
                               what=f"highlight {n} saved")
            await app.workers.wait_for_complete()
        plain = document.plain_text
        stored = store.highlights(aid)
        assert len(stored) == len(SAMPLES)
        for h, (name, sample) in zip(stored, SAMPLES.items(), strict=True):
            assert h.exact == plain[h.start:h.end], name
            # The whole paragraph, every code point, as the document shows it (the document
            # folds a paragraph's tabs to spaces and expands a code block's to tab stops).
            assert h.exact == parse_markdown(sample).plain_text.strip(), name
        # Tabs: the document expands them (tab stops in code, one space in prose), and the
        # quote is what the reader showed and selected.
        assert "\t" not in plain and "key value" in stored[-1].exact
        # An edit elsewhere: a new paragraph at the top; each highlight follows its text.
        edited = "A new first paragraph, inserted later.\n\n" + MARKDOWN
        new_plain = parse_markdown(edited).plain_text
        for h in stored:
            before = h.exact
            reanchor(h, new_plain)
            assert h.anchor == "ok" and h.exact == before
            assert new_plain[h.start:h.end] == before
        # The Markdown export keeps every special character of the quotes.
        article = store.get_article(aid)
        assert article is not None
        exported = export_markdown(article, store.highlights(aid),
                                   markdown=store.read_markdown(aid))
        for h, name in zip(stored, SAMPLES, strict=True):
            for ch in h.exact:
                if not ch.isascii():
                    assert ch in exported, (name, hex(ord(ch)))
            for line in h.exact.split("\n"):
                assert line in exported, (name, line)
    finally:
        store.close()
