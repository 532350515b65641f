"""Helpers for the export tests: a small fixed library, and a parser that reads exports back.

The library is built through the public Store API with fixed ids and dates (``new_id`` is
patched), so exports of it are byte-for-byte stable and can be compared with golden files in
``tests/golden/export/``.  Set ``TUIREADER_UPDATE_GOLDEN=1`` to rewrite the golden files.

``read_markdown_export`` is the round-trip reader the format tests share: it parses an export
with markdown-it-py (front matter plugin) and PyYAML and recovers, per highlight, the quote text,
the note (``decode_note`` of the lines under ``- Note:``) and the ``#tags``.
"""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt
from mdit_py_plugins.front_matter import front_matter_plugin

from tuireader.core.model import Article, Highlight
from tuireader.export import decode_note
from tuireader.importers.base import ImportedArticle
from tuireader.library.store import Store

GOLDEN = Path(__file__).parent / "golden" / "export"
UPDATE = os.environ.get("TUIREADER_UPDATE_GOLDEN") == "1"
EXPORTED = "2025-01-02T03:04:05+00:00"

RIVERS_MD = """# Rivers

Rivers carve valleys over *millions* of years, and a **river** remembers every flood.

## How rivers move

Water moves fastest at the surface, slower near the [bed](https://example.org/bed).
The bed is shaped by what the water carries.

A second paragraph about meanders and the slow work of erosion on the outer bank.

```python
def flow(x):
    return x * 2
```

> Quoted: the river is never the same twice.

- gravel
- sand
  - fine sand

| Name | Length |
|------|--------|
| Nile | 6650 km |

## Deltas

Deltas form where rivers meet the sea and drop their load.
"""

HOSTILE_TITLE = 'Evil: "title" # one\nand ../../etc/passwd\x00 | [x] *y*'
HOSTILE_MD = """# Evil title

Plain text with <script>alert(1)</script> inline and 50% of a *thing*.

- [ ] not a task
"""

HOSTILE_NOTE = (
    "---\ntitle: injected\ntags: [a, b]\n---\n# heading in a note\n```python\nunclosed fence\n"
    "<script>alert('x')</script>\n%% obsidian comment\n^hl-fake\n1. a list\n> a quote\n"
    "    indented code\n| a | b |\n|---|---|\n[ref]: http://x\n&amp; literal entity \\# escaped"
)


@dataclass
class Library:
    """The fixed library: its folder and the objects stored in it."""

    path: Path
    articles: dict[str, Article] = field(default_factory=dict)
    highlights: dict[str, list[Highlight]] = field(default_factory=dict)

    def store(self) -> Store:
        return Store(self.path, read_only=True)


def _hl(article: Article, text: str, start: int, end: int, n: int, **kw: object) -> Highlight:
    from tuireader.core.model import quote_selector

    prefix, exact, suffix = quote_selector(text, start, end)
    stamp = f"2024-05-0{n % 9 + 1}T10:00:00+00:00"
    fields: dict[str, object] = {"created": stamp, "updated": stamp, "exact": exact,
                                 "prefix": prefix, "suffix": suffix}
    fields.update(kw)
    return Highlight(id=f"c0ffee{n:02d}", article_id=article.id, start=start, end=end,
                     **fields)  # type: ignore[arg-type]


def build_library(root: Path, monkeypatch: pytest.MonkeyPatch) -> Library:
    """Three articles (one hostile, one without highlights) with fixed ids and dates."""
    from tuireader.core.document import parse_markdown

    ids = itertools.chain(["3fa2b1c0", "0badc0de", "5eed1234"], (f"{n:08x}" for n in range(99)))
    monkeypatch.setattr("tuireader.library.store.new_id", lambda: next(ids))
    from tuireader.library.device import DEVICE_FILE
    from tuireader.library.machine import base_dirs

    state = base_dirs()[0]  # a fixed device id: the JSON export says which device saved
    state.mkdir(parents=True, exist_ok=True)
    (state / DEVICE_FILE).write_text('{"id": "0dev1ce0f1xd", "name": "golden"}', "utf-8")
    lib = Library(root)
    with Store(root) as store:
        specs = [
            (ImportedArticle(title='Rivers: a "field" guide #1', markdown=RIVERS_MD,
                             author="Ann Hydro", site="Example Water", published="2023-03-01",
                             url="https://example.org/rivers", source="https://example.org/rivers"),
             ["Nature", "long reads"]),
            (ImportedArticle(title=HOSTILE_TITLE, markdown=HOSTILE_MD, source="/tmp/evil.md"),
             ["x y", "42"]),
            (ImportedArticle(title="Unread", markdown="Nothing highlighted here.",
                             source="/tmp/unread.md"), []),
        ]
        for n, (imported, tags) in enumerate(specs):
            article = store.add_article(imported, tags=tags).article
            article.added = f"2024-01-0{n + 1}T09:00:00+00:00"
            store.update_article(article)
            lib.articles[article.id] = article
        rivers, evil, _ = lib.articles.values()
        text = parse_markdown(RIVERS_MD).plain_text
        at = text.index
        hs = [
            _hl(rivers, text, at("Rivers carve"), at(" over"), 1, note="Plain note.",
                tags=["idea"]),
            _hl(rivers, text, at("slower near"), at("meanders") + 8, 2, kind=2,
                note=HOSTILE_NOTE, tags=["to read", "1984", "c++", "a/b"]),
            _hl(rivers, text, at("return x"), at("return x") + 12, 3, kind=3),
            _hl(rivers, text, at("valleys"), at("remembers"), 4, kind=4,
                note="Overlaps the first one."),
            _hl(rivers, text, at("the river is"), at("twice") + 5, 5, kind=5, anchor="fuzzy"),
            _hl(rivers, text, at("Nile"), at("Nile") + 4, 6, note="In a table."),
            _hl(rivers, text, at("Deltas form"), at("the sea") + 7, 7, tags=["geo"]),
            _hl(rivers, text, 5, 20, 8, anchor="orphan", note="\nLost, with blank edges.\n",
                exact="a passage that was removed"),
            _hl(rivers, text, at("fine sand"), at("fine sand") + 9, 9, kind=2),
        ]
        store.save_highlights(hs)
        etext = parse_markdown(HOSTILE_MD).plain_text
        eh = [_hl(evil, etext, etext.index("<script>"), etext.index(" inline"), 10,
                  note="key: value\nother: [1, 2]\n...\n---", tags=["with space"]),
              _hl(evil, etext, etext.index("50%"), etext.index("thing") + 5, 11, kind=4)]
        store.save_highlights(eh)
        for article in lib.articles.values():
            lib.highlights[article.id] = store.highlights(article.id)
            lib.articles[article.id] = store.get_article(article.id)  # type: ignore[assignment]
    return lib


def check_golden(name: str, text: str) -> None:
    """Compare ``text`` with ``tests/golden/export/<name>`` (rewrite it when updating)."""
    path = GOLDEN / name
    if UPDATE or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        if not UPDATE:
            pytest.fail(f"golden file {name} was missing and has been written; run again")
        return
    assert text == path.read_bytes().decode("utf-8"), (
        f"{name} differs from the golden file (TUIREADER_UPDATE_GOLDEN=1 to accept)")


# -- reading an export back ---------------------------------------------------------------------


@dataclass
class ReadHighlight:
    quote: str
    note: str
    tags: list[str]
    info: str
    block_id: str


@dataclass
class ReadExport:
    front_matter: dict[str, object]
    front_matter_blocks: int
    h1: list[str]
    highlights: list[ReadHighlight]


def parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).use(front_matter_plugin)


def _inline_text(token: object) -> str:
    parts = []
    for child in getattr(token, "children", None) or []:
        if child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        else:
            parts.append(child.content)
    return "".join(parts)


def read_markdown_export(text: str) -> ReadExport:
    """Parse a Markdown export (see the module docstring)."""
    tokens = parser().parse(text)
    lines = text.split("\n")
    fm = [t for t in tokens if t.type == "front_matter"]
    meta = yaml.safe_load(fm[0].content) if fm else {}
    h1 = [_inline_text(tokens[i + 1]) for i, t in enumerate(tokens)
          if t.type == "heading_open" and t.tag == "h1"]
    found: list[ReadHighlight] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.type == "blockquote_open" and t.level == 0:
            j = i
            quote_parts: list[str] = []
            while not (tokens[j].type == "blockquote_close" and tokens[j].level == 0):
                if tokens[j].type == "inline":
                    quote_parts.append(_inline_text(tokens[j]))
                j += 1
            k = j + 1
            block = tokens[k + 1].content if tokens[k].type == "paragraph_open" else ""
            while tokens[k].type != "bullet_list_open":
                k += 1
            info, note, tags = "", "", []
            depth = 0
            m = k
            while True:
                tok = tokens[m]
                if tok.type == "bullet_list_open":
                    depth += 1
                elif tok.type == "bullet_list_close":
                    depth -= 1
                    if depth == 0:
                        break
                elif tok.type == "list_item_open" and depth == 1:
                    content = tokens[m + 2].content
                    start, end = tok.map  # type: ignore[misc]
                    if content.startswith("Note:"):
                        body = lines[start + 1 : end]
                        while body and body[-1] == "":
                            body.pop()
                        assert all(b == "" or b.startswith("  ") for b in body)
                        note = decode_note("\n".join(b[2:] for b in body))
                    elif content.startswith("#"):
                        tags = re.findall(r"#(\S+)", content)
                    else:
                        info = content
                m += 1
            found.append(ReadHighlight("\n\n".join(quote_parts), note, tags, info, block))
            i = m
        i += 1
    return ReadExport(meta or {}, len(fm), h1, found)
