"""Hypothesis annotations (the client's JSON export, the API's search rows) as works.

No real file is in the corpus; these are made by hand in the shapes the Hypothesis client
(``AnnotationsExporter``: ``export_date``, ``export_userid``, ``client_version``,
``annotations``) and the API (``/api/search``: ``total``, ``rows``) produce.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tuireader.importers.foreign import ForeignFormatError, detect
from tuireader.importers.foreign.hypothesis import read, sniff

URI = "https://example.com/essay?id=3"


def _annotation(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "a1", "created": "2023-05-06T07:08:09.123456+00:00",
        "updated": "2023-05-06T07:08:09.123456+00:00", "user": "acct:reader@hypothes.is",
        "uri": URI, "text": "", "tags": [], "group": "__world__",
        "permissions": {"read": ["group:__world__"]},
        "document": {"title": ["An Essay"]},
        "links": {"html": "https://hypothes.is/a/a1", "incontext": "https://hyp.is/a1/x"},
        "target": [{"source": URI, "selector": [
            {"type": "RangeSelector", "startContainer": "/div[1]/p[2]", "startOffset": 0,
             "endContainer": "/div[1]/p[2]", "endOffset": 20},
            {"type": "TextPositionSelector", "start": 120, "end": 140},
            {"type": "TextQuoteSelector", "exact": "the quoted passage",
             "prefix": "before ", "suffix": " after"},
        ]}],
        "flagged": False, "hidden": False,
    }
    base.update(fields)
    return base


ANNOTATIONS = [
    _annotation(text="my note", tags=["idea", " ", 3]),
    _annotation(id="a2", uri=URI + "#section-2", created="2023-05-07T00:00:00Z",
                target=[{"source": URI, "selector": [
                    {"type": "TextQuoteSelector", "exact": "second passage"}]}]),
    _annotation(id="r1", text="a reply", references=["a1"],
                target=[{"source": URI}]),
    _annotation(id="p1", text="a note on the whole page", tags=["to-read"],
                target=[{"source": URI}]),
    _annotation(id="p2", text="", target=[{"source": URI}]),
    _annotation(id="b1", uri="", document={}),
    _annotation(id="b2", target=[{"source": URI, "selector": [
        {"type": "RangeSelector", "startContainer": "/p", "startOffset": 0}]}]),
    "junk",
    _annotation(id="pdf", uri="urn:x-pdf:abcdef", document={"title": "A Paper"},
                target=[{"source": "urn:x-pdf:abcdef", "selector": [
                    {"type": "TextQuoteSelector", "exact": "pdf words"},
                    {"type": "PageSelector", "index": 4, "label": "5"}]}]),
    _annotation(id="untitled", uri="https://example.org/no-title", document=None,
                created="yesterday"),
]


def _check(export: Any) -> None:
    assert export.format == "hypothesis"
    assert [w.title for w in export.works] == ["An Essay", "A Paper",
                                               "https://example.org/no-title"]
    essay, paper, untitled = export.works
    assert essay.url == URI and essay.notes == ["a note on the whole page"]
    assert essay.tags == ["to-read"]
    first, second = essay.highlights
    assert (first.quote, first.note, first.tags) == ("the quoted passage", "my note", ["idea"])
    assert first.created == "2023-05-06T07:08:09+00:00" and first.kind == 1
    assert (first.position.prefix, first.position.suffix) == ("before ", " after")
    assert (first.position.start, first.position.end) == (120, 140)
    assert first.location == "characters 120-140"
    assert second.quote == "second passage" and second.created == "2023-05-07T00:00:00+00:00"
    assert second.position.start is None and second.location == ""
    [pdf] = paper.highlights
    assert paper.url == "urn:x-pdf:abcdef" and pdf.location == "page 5"
    assert untitled.highlights[0].created == ""
    assert export.ignored == {"replies": 1}
    reasons = sorted(s.reason for s in export.skipped)
    assert reasons == ["an annotation that is not an object", "an annotation with no quoted text",
                       "an annotation with no uri", "an empty page note"]


def test_client_export(tmp_path: Path) -> None:
    path = tmp_path / "hypothesis-export.json"
    path.write_text(json.dumps({"export_date": "2024-01-01T00:00:00.000Z",
                                "export_userid": "acct:reader@hypothes.is",
                                "client_version": "1.1400.0", "annotations": ANNOTATIONS}),
                    encoding="utf-8")
    assert sniff(path) and detect(path).name == "hypothesis"
    _check(read(path))


def test_api_search_rows_and_a_bare_list(tmp_path: Path) -> None:
    path = tmp_path / "search.json"
    path.write_text(json.dumps({"rows": ANNOTATIONS, "total": len(ANNOTATIONS)}),
                    encoding="utf-8")
    assert sniff(path) and detect(path).name == "hypothesis"
    _check(read(path))
    bare = tmp_path / "rows.json"
    bare.write_text(json.dumps(ANNOTATIONS, indent=2), encoding="utf-8")
    assert sniff(bare)
    _check(read(bare))


def test_not_hypothesis(tmp_path: Path) -> None:
    wallabag = tmp_path / "wallabag.json"
    wallabag.write_text(json.dumps([{"title": "x", "url": "u", "annotations": [
        {"quote": "q", "ranges": []}]}]), encoding="utf-8")
    assert not sniff(wallabag)
    with pytest.raises(ForeignFormatError, match="not a Hypothesis export"):
        read(_broken(tmp_path))
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"something": 1}), encoding="utf-8")
    with pytest.raises(ForeignFormatError, match="no annotations"):
        read(other)
    csv = tmp_path / "a.csv"
    csv.write_text('"uri","target","rows"\n', encoding="utf-8")
    assert not sniff(csv)


def _broken(tmp_path: Path) -> Path:
    path = tmp_path / "broken.json"
    path.write_text('{"rows": [', encoding="utf-8")
    return path


def test_many_annotations_report_progress(tmp_path: Path) -> None:
    rows = [_annotation(id=f"n{i}", uri=f"https://example.com/{i % 7}") for i in range(2500)]
    path = tmp_path / "many.json"
    path.write_text(json.dumps({"total": 2500, "rows": rows}), encoding="utf-8")
    seen: list[tuple[int, int]] = []
    export = read(path, lambda done, total: seen.append((done, total)))
    assert len(export.works) == 7 and sum(len(w.highlights) for w in export.works) == 2500
    assert seen == [(1000, 2500), (2000, 2500), (2500, 2500)]


def test_real_files_of_other_tools_are_not_claimed(shared_corpus: Path) -> None:
    """Kindle clippings, Pocket / Instapaper / wallabag / Omnivore exports and EPUBs are not
    taken by the KOReader, Readwise or Hypothesis readers (each sniff claims its own only)."""
    from tuireader.importers.foreign import by_name

    mine = [by_name(name) for name in ("koreader", "readwise", "hypothesis")]
    bridges = shared_corpus / "bridges"
    others = [p for p in sorted(bridges.rglob("*")) if p.is_file()
              and p.parent.name != "koreader" and not p.name.startswith("readwise")]
    assert len(others) > 10
    for path in others:
        assert [f.name for f in mine if f.sniff(path)] == [], path.name
    assert not mine[0].sniff(bridges / "readlater")  # a folder with no sidecar
