"""Omnivore's export: the real metadata file and hand-made zips (content, highlights, hostile)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tuireader.importers.foreign import ForeignFormatError, by_name, detect
from tuireader.importers.foreign.omnivore import parse_highlights

READ = by_name("omnivore").read

HIGHLIGHTS = """A first thought about the whole piece.

> The quick brown fox jumps over the lazy dog. [⤴️](https://omnivore.app/me/fox#abc)

#animals #classic

This is my note
on two lines.

> A second quote
> on two lines.

> A third one, no labels.

A note on the third.
"""

CONTENT = """<html><head><title>Ignored title</title></head><body>
<div><span>Saved from the web, 3 min read</span></div>
<p>The quick brown fox jumps over the lazy dog. A second quote on two lines.</p>
<p>A third one, no labels. And a closing paragraph.</p></body></html>"""


def _entry(slug: str, **kw: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "id": f"id-{slug}", "slug": slug, "title": f"Title of {slug}", "author": "Ann Author",
        "url": f"https://example.org/{slug}", "state": "Active", "readingProgress": 40,
        "labels": ["Reading", "Later"], "savedAt": "2024-10-29T16:30:11.000Z",
        "publishedAt": "2024-01-02T03:04:05.000Z"}
    entry.update(kw)
    return entry


def _zip(path: Path, members: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_real_metadata_file(shared_corpus: Path) -> None:
    path = shared_corpus / "bridges/readlater/wallabag/omnivore.json"
    assert detect(path).name == "omnivore"
    export = READ(path, None)
    raw = json.loads(path.read_text("utf-8"))
    assert len(export.works) + len(export.skipped) == len(raw) == 20
    first = export.works[0]
    assert first.title.startswith("Malgré la crise du marché des montres")
    assert first.author == "Juliette Garnier"
    assert first.url.startswith("https://www.lemonde.fr/")
    assert first.archived is True and first.tags == ["RSS"]
    assert first.added == "2024-10-29T16:30:11+00:00"
    assert first.content is None  # the metadata alone: the page is fetched later
    archived = sum(w.archived for w in export.works)
    assert archived == sum(1 for e in raw if e["state"] == "Archived")


def test_zip_with_content_and_highlights(tmp_path: Path) -> None:
    meta = [_entry("fox"), _entry("gone", state="Archived", readingProgress=100, labels=[])]
    path = _zip(tmp_path / "Omnivore.zip", {
        "metadata_0_to_2.json": json.dumps(meta),
        "content/fox.html": CONTENT,
        "highlights/fox.md": HIGHLIGHTS,
    })
    assert detect(path).name == "omnivore"
    export = READ(path, None)
    assert not export.skipped
    fox, gone = export.works
    assert fox.title == "Title of fox" and fox.author == "Ann Author"
    assert fox.tags == ["Reading", "Later"] and not fox.archived
    assert fox.progress == pytest.approx(0.4)
    assert fox.published == "2024-01-02T03:04:05+00:00"
    assert fox.content is not None
    # No main-content extraction: the whole readable copy is kept, even a byline-ish line.
    assert "Saved from the web, 3 min read" in fox.content.markdown
    assert "closing paragraph" in fox.content.markdown
    assert fox.content.title == "Title of fox" and fox.content.url == "https://example.org/fox"
    quotes = [h.quote for h in fox.highlights]
    assert quotes == ["The quick brown fox jumps over the lazy dog.",
                      "A second quote\non two lines.", "A third one, no labels."]
    assert fox.highlights[0].tags == ["animals", "classic"]
    assert fox.highlights[0].note == "This is my note\non two lines."
    assert fox.highlights[2].note == "A note on the third." and fox.highlights[2].tags == []
    assert fox.notes == ["A first thought about the whole piece."]
    assert gone.archived and gone.progress == 1.0 and gone.content is None


def test_unpacked_folder_under_a_top_folder(tmp_path: Path) -> None:
    root = tmp_path / "export"
    (root / "content").mkdir(parents=True)
    (root / "metadata_0_to_1.json").write_text(json.dumps([_entry("fox")]), "utf-8")
    (root / "content" / "fox.html").write_text(CONTENT, "utf-8")
    assert detect(root).name == "omnivore"
    export = READ(root, None)
    assert export.works[0].content is not None


def test_hostile_zip_members_are_refused_and_counted(tmp_path: Path) -> None:
    meta = [_entry("fox"), _entry("../../etc/passwd"), "not an entry",
            _entry("nourl", url="")]
    path = _zip(tmp_path / "bad.zip", {
        "metadata_0_to_4.json": json.dumps(meta),
        "../evil.html": "<p>x</p>",
        "/abs/path.md": "> x",
        "content/fox.html": b"<p>" + b"a" * (33 * 1024 * 1024) + b"</p>",  # over the cap
        "highlights/stray.md": "> a quote with no entry",
    })
    export = READ(path, None)
    reasons = [s.reason for s in export.skipped]
    assert sum("unsafe path" in r for r in reasons) == 2
    assert any("not a JSON object" in r for r in reasons)
    assert any("no URL and no readable copy" in r for r in reasons)
    assert any("highlights file with no entry" in r for r in reasons)
    fox = next(w for w in export.works if w.url.endswith("/fox"))
    assert fox.content is None and "too large" in fox.missing_reason
    # Every metadata entry is a work or a skip.
    entry_skips = [s for s in export.skipped if "entry" in s.where]
    assert len(export.works) + len(entry_skips) == len(meta)


def test_highlights_parser_quirks() -> None:
    found, notes = parse_highlights("> \n\nA page note under an empty quote\n\r\n> q\r\n#one\r\n")
    assert [h.quote for h in found] == ["q"]
    assert found[0].tags == ["one"]
    assert notes == ["A page note under an empty quote"]


def test_not_json_is_one_clear_error(tmp_path: Path) -> None:
    path = _zip(tmp_path / "broken.zip", {"metadata_0_to_1.json": "{not json"})
    export = READ(path, None)
    assert export.works == [] and "not valid JSON" in export.skipped[0].reason
    with pytest.raises(ForeignFormatError):
        READ(_zip(tmp_path / "empty.zip", {"other.txt": "x"}), None)


def test_member_count_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tuireader.importers.foreign import _readlater

    monkeypatch.setattr(_readlater, "MAX_MEMBERS", 3)
    path = _zip(tmp_path / "many.zip", {
        "metadata_0_to_1.json": json.dumps([_entry("fox")]),
        **{f"content/x{i}.html": "<p>x</p>" for i in range(4)}})
    with pytest.raises(ForeignFormatError, match="members"):
        READ(path, None)
