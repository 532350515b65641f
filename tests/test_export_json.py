"""The JSON export: W3C Web Annotation, validated against the packaged JSON Schema."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from export_support import (
    EXPORTED,
    HOSTILE_NOTE,
    Library,
    build_library,
    check_golden,
)
from tuireader.core.model import Article, Highlight
from tuireader.export import export_combined, export_json


@pytest.fixture
def fixed_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Library:
    return build_library(tmp_path / "library", monkeypatch)


def schema() -> dict[str, object]:
    path = resources.files("tuireader") / "schemas" / "web-annotation.schema.json"
    return json.loads(path.read_text("utf-8"))


def validate(text: str) -> dict[str, object]:
    data = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema())
    jsonschema.validate(data, schema(), cls=jsonschema.Draft202012Validator)
    return data


def test_golden_and_schema(fixed_library: Library) -> None:
    article = fixed_library.articles["3fa2b1c0"]
    text = export_json(article, fixed_library.highlights[article.id], exported=EXPORTED)
    check_golden("rivers.json", text)
    data = validate(text)
    items = data["first"]["items"]  # type: ignore[index]
    stored = fixed_library.highlights[article.id]
    assert data["total"] == len(stored) == len(items)
    by_id = {item["id"]: item for item in items}
    for h in stored:
        item = by_id[f"urn:tuireader:highlight:{h.id}"]
        quote, position = item["target"]["selector"]
        assert (quote["exact"], quote["prefix"], quote["suffix"]) == (h.exact, h.prefix, h.suffix)
        assert (position["start"], position["end"]) == (h.start, h.end)
        bodies = item.get("body", [])
        notes = [b["value"] for b in bodies if b["purpose"] == "commenting"]
        tags = [b["value"] for b in bodies if b["purpose"] == "tagging"]
        assert notes == ([h.note] if h.note else [])
        assert tags == h.tags
        assert item["motivation"] == ("commenting" if h.note else "highlighting")
        assert item["target"]["source"] == "https://example.org/rivers"
    assert HOSTILE_NOTE in [b["value"] for i in items for b in i.get("body", [])]


def test_combined_is_one_valid_collection(fixed_library: Library) -> None:
    with fixed_library.store() as store:
        text = export_combined(store, None, "json", exported=EXPORTED)
    check_golden("combined.json", text)
    data = validate(text)
    assert data["total"] == 11
    assert [a["id"] for a in data["tuireader:articles"]] == ["3fa2b1c0", "0badc0de"]  # type: ignore[index]


def test_local_article_gets_a_urn(fixed_library: Library) -> None:
    article = fixed_library.articles["0badc0de"]
    data = validate(export_json(article, fixed_library.highlights[article.id], exported=EXPORTED))
    assert data["first"]["items"][0]["target"]["source"] == "urn:tuireader:article:0badc0de"  # type: ignore[index]


def test_schema_rejects_a_broken_annotation(fixed_library: Library) -> None:
    article = fixed_library.articles["3fa2b1c0"]
    data = json.loads(export_json(article, fixed_library.highlights[article.id]))
    del data["first"]["items"][0]["target"]["selector"][1]["start"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema(), cls=jsonschema.Draft202012Validator)


def test_empty_and_odd_values_are_valid() -> None:
    article = Article(id="a", title="\x00\n", added=EXPORTED)
    hs = [Highlight(id="h", article_id="a", start=0, end=0, exact="", note="\ud7ff", tags=[],
                    created=EXPORTED, updated=EXPORTED)]
    validate(export_json(article, hs, exported=EXPORTED))
    validate(export_json(article, [], exported=EXPORTED))
