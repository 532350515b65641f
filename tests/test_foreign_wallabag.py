"""wallabag's JSON export: the real v1 and v2 files, and annotations (hand-made)."""

from __future__ import annotations

import json
from pathlib import Path

from tuireader.importers.foreign import by_name, detect

READ = by_name("wallabag").read


def test_real_v2(shared_corpus: Path) -> None:
    path = shared_corpus / "bridges/readlater/wallabag/wallabag-v2.json"
    assert detect(path).name == "wallabag"
    export = READ(path, None)
    raw = json.loads(path.read_text("utf-8"))
    assert len(export.works) + len(export.skipped) == len(raw) == 6
    first = export.works[0]
    assert first.tags == ["mediapart", "blog", "starred"]  # is_starred becomes a tag
    assert first.language == "fr" and first.added == "2016-09-08T11:55:58+02:00"
    assert first.content is not None and "CAMédia" in first.content.markdown
    assert first.content.title == first.title
    read = READ(shared_corpus / "bridges/readlater/wallabag/wallabag-v2-read.json", None)
    assert [w.archived for w in read.works] == [True, False]


def test_real_v1(shared_corpus: Path) -> None:
    path = shared_corpus / "bridges/readlater/wallabag/wallabag-v1.json"
    assert detect(path).name == "wallabag"
    first, second = READ(path, None).works
    assert first.title == "Framabag, un nouveau service libre et gratuit"
    assert first.tags == ["Framabag"] and not first.archived
    assert second.archived  # is_read
    assert first.content is not None and "consommation de contenus" in first.content.markdown


def test_annotations_and_quirks(tmp_path: Path) -> None:
    entries = [
        {"title": "Annotated", "url": "https://w.example/a", "is_archived": 1, "is_starred": 0,
         "content": "<p>Alpha beta gamma delta. Epsilon zeta.</p>",
         "tags": [{"label": "science"}, "maths"], "published_by": ["A. One", "B. Two"],
         "annotations": [
             {"quote": "beta gamma", "text": "my note", "created_at": "2020-01-02T03:04:05+0000",
              "ranges": [{"start": "/p[1]", "startOffset": "6", "end": "/p[1]",
                          "endOffset": "16"}]},
             {"quote": "", "text": "about the whole article"},
             {"quote": "", "text": ""},
             "junk"]},
        {"title": "No content", "url": "https://w.example/b", "content": ""},
        {"title": "Nothing at all"},
        42,
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(entries), "utf-8")
    assert detect(path).name == "wallabag"
    export = READ(path, None)
    annotated, empty = export.works
    assert annotated.archived and annotated.tags == ["science", "maths"]
    assert annotated.author == "A. One, B. Two"
    (hl,) = annotated.highlights
    assert (hl.quote, hl.note, hl.created) == ("beta gamma", "my note",
                                               "2020-01-02T03:04:05+00:00")
    assert hl.location == "/p[1]:6–/p[1]:16"
    assert annotated.notes == ["about the whole article"]
    assert empty.content is None and empty.url == "https://w.example/b"  # fetched later
    reasons = [s.reason for s in export.skipped]
    assert reasons == ["an empty annotation", "an annotation that is not a JSON object",
                       "no URL and no content", "not an entry (not a JSON object)"]


def test_other_json_is_not_wallabag(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    path.write_text(json.dumps([{"uri": "https://x", "text": "", "target": []}]), "utf-8")
    assert not by_name("wallabag").sniff(path)
    assert not by_name("omnivore").sniff(path)
