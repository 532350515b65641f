"""``export --format json`` against the W3C Web Annotation test suite's MUST assertions.

The suite (w3c/web-annotation-tests) checks an implementation with JSON Schemas:
``annotations/annotationMusts.test`` lists twelve MUST assertions on an Annotation and
``collections/collectionMusts.test`` ten on an Annotation Collection.  There is no network here,
so each assertion is rebuilt below from its schema and the model's text
(https://www.w3.org/TR/annotation-model/), under the same name, and run with ``jsonschema``.
Every Annotation is checked taken out of its collection (it must be valid on its own), and the
section 4.4 rule the suite's optional 4.4 test looks at: a ``styleClass`` needs the
Annotation's ``stylesheet`` (one CssStylesheet, with an ``id`` or a ``value``, not both), and
the class must be defined in it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from export_support import Library, build_library
from tuireader.cli.main import main

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
#: An absolute IRI (RFC 3987: a scheme, then a colon); the suite's ``format: uri``.
URI: dict[str, Any] = {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$"}
#: xsd:dateTime (the suite's ``format: date-time``, RFC 3339).
DATE_TIME: dict[str, Any] = {
    "type": "string",
    "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"}


def _one(schema: dict[str, Any]) -> dict[str, Any]:
    """A single value: the value itself, or an array of exactly one."""
    return {"oneOf": [schema, {"type": "array", "minItems": 1, "maxItems": 1, "items": schema}]}


def _value_or_in_array(value: str) -> dict[str, Any]:
    return {"oneOf": [{"const": value}, {"type": "array", "contains": {"const": value}}]}


def _if_present(key: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {key: schema}}


def _found(key: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": [key], "properties": {key: schema}}


_RESOURCE: dict[str, Any] = {"oneOf": [
    URI,  # a string of format uri
    {"type": "object", "required": ["source"], "properties": {  # a Specific Resource
        "source": {"oneOf": [URI, {"type": "object", "required": ["id"],
                                   "properties": {"id": URI}}]},
        "selector": {"oneOf": [{"type": "object", "required": ["type"]},
                               {"type": "array", "items": {"type": "object",
                                                           "required": ["type"]}}]},
        "styleClass": {"type": "string"}}},
    {"type": "object", "required": ["id"], "not": {"required": ["source"]},  # External Web
     "properties": {"id": URI}},  # Resource
    {"type": "object", "required": ["type", "items"],  # a Choice, Set, List...
     "properties": {"type": {"enum": ["Choice", "Composite", "List", "Independents"]}}},
]}

#: annotations/annotationMusts.test
ANNOTATION_MUSTS: dict[str, dict[str, Any]] = {
    "3.1-annotationContextValidated": _found("@context", _value_or_in_array(CONTEXT)),
    "3.1-annotationIdValidated": _found("id", _one(URI)),
    "3.1-annotationTypeValidated": _found("type", _value_or_in_array("Annotation")),
    "3.1-targetKeyFound": {"type": "object", "required": ["target"]},
    "3.2-targetObjectsRecognized": _if_present(
        "target", {"oneOf": [_RESOURCE, {"type": "array", "minItems": 1, "items": _RESOURCE}]}),
    "3.2.5-notBodyBodyValue": {"not": {"required": ["body", "bodyValue"]}},
    "3.3.1-annotationCreatedValidated": _if_present("created", _one(DATE_TIME)),
    "3.3.1-annotationModifiedValidated": _if_present("modified", _one(DATE_TIME)),
    "3.3.1-annotationGeneratedValidated": _if_present("generated", _one(DATE_TIME)),
    "3.3.6-annotationRightsValidated": _if_present(
        "rights", {"oneOf": [URI, {"type": "array", "minItems": 1, "items": URI}]}),
    "3.3.7-annotationCanonicalValidated": _if_present("canonical", _one(URI)),
    "3.3.7-annotationViaValidated": _if_present(
        "via", {"oneOf": [URI, {"type": "array", "minItems": 1, "items": URI}]}),
}

_STYLESHEET: dict[str, Any] = {"oneOf": [
    _one(URI),
    {"type": "object", "properties": {"type": {"const": "CssStylesheet"}, "id": URI,
                                      "value": {"type": "string"}},
     "not": {"required": ["id", "value"]},
     "oneOf": [{"required": ["id"]}, {"required": ["value"]}]},
]}

_PAGE: dict[str, Any] = {
    "type": "object", "required": ["type", "items"],
    "properties": {"type": _value_or_in_array("AnnotationPage"),
                   "startIndex": _one({"type": "integer", "minimum": 0}),
                   "items": {"type": "array", "items": {"oneOf": [
                       URI, {"type": "object", "required": ["type"],
                             "properties": {"type": _value_or_in_array("Annotation")}}]}}}}

#: collections/collectionMusts.test
COLLECTION_MUSTS: dict[str, dict[str, Any]] = {
    "5.1-collectionContextValidated": _found("@context", _value_or_in_array(CONTEXT)),
    "5.1-collectionIdValidated": _found("id", _one(URI)),
    "5.1-collectionTypeValidated": _found("type", _value_or_in_array("AnnotationCollection")),
    "5.1-collectionLabelValidated": _if_present(
        "label", {"oneOf": [{"type": "string"},
                            {"type": "array", "minItems": 1, "items": {"type": "string"}}]}),
    "5.1-collectionTotalValidated": _if_present("total", _one({"type": "integer",
                                                               "minimum": 0})),
    "5.1-collectionFirstValidated": {
        "allOf": [_if_present("first", _one({"oneOf": [URI, _PAGE]})),
                  {"if": _found("total", _one({"type": "integer", "minimum": 1})),
                   "then": {"required": ["first"]}}]},
    "5.1-collectionLastValidated": _if_present("last", _one(URI)),
    "3.3.1-collectionCreatedValidated": _if_present("created", _one(DATE_TIME)),
    "3.3.1-collectionModifiedValidated": _if_present("modified", _one(DATE_TIME)),
    "3.3.6-collectionRightsValidated": _if_present(
        "rights", {"oneOf": [URI, {"type": "array", "minItems": 1, "items": URI}]}),
}


def _style_classes(annotation: dict[str, Any]) -> list[str]:
    parts = [annotation.get(key) for key in ("target", "body")]
    found: list[str] = []
    for part in parts:
        for item in part if isinstance(part, list) else [part]:
            if isinstance(item, dict) and isinstance(item.get("styleClass"), str):
                found.append(item["styleClass"])
    return found


def annotation_failures(annotation: dict[str, Any]) -> list[str]:
    """The names of the MUST assertions ``annotation`` (on its own) fails."""
    failed = [name for name, schema in ANNOTATION_MUSTS.items()
              if not jsonschema.Draft202012Validator(schema).is_valid(annotation)]
    classes = _style_classes(annotation)
    if classes:
        sheet = annotation.get("stylesheet")
        if not jsonschema.Draft202012Validator(_STYLESHEET).is_valid(sheet):
            failed.append("4.4-stylesheetWithStyleClass")
        elif isinstance(sheet, dict) and "value" in sheet and not all(
                re.search(rf"\.{re.escape(c)}\b", sheet["value"]) for c in classes):
            failed.append("4.4-styleClassDefinedInStylesheet")
    return failed


def collection_failures(collection: dict[str, Any]) -> list[str]:
    failed = [name for name, schema in COLLECTION_MUSTS.items()
              if not jsonschema.Draft202012Validator(schema).is_valid(collection)]
    for n, item in enumerate(collection.get("first", {}).get("items", [])):
        failed += [f"item {n}: {name}" for name in annotation_failures(item)]
    return failed


@pytest.fixture
def fixed_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Library:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735700645")
    return build_library(tmp_path / "library", monkeypatch)


def test_combined_export_passes_every_must(fixed_library: Library,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--library", str(fixed_library.path), "export", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    items = data["first"]["items"]
    assert len(items) == 11
    assert collection_failures(data) == []
    # each annotation taken out of the file is a valid Annotation on its own
    for item in items:
        alone = json.loads(json.dumps(item))
        assert annotation_failures(alone) == [], item["id"]
    checked = len(COLLECTION_MUSTS) + len(items) * (len(ANNOTATION_MUSTS) + 1)
    print(f"W3C MUST assertions checked: {checked}, failed: 0")


def test_folder_export_files_pass_every_must(fixed_library: Library, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["--library", str(fixed_library.path), "export", "--format", "json",
                 "-o", str(out)]) == 0
    files = sorted(p for p in out.glob("*.json") if not p.name.startswith("."))
    assert len(files) == 2
    for path in files:
        assert collection_failures(json.loads(path.read_text("utf-8"))) == [], path.name


def test_the_assertions_catch_what_the_issue_found() -> None:
    """The shape exported before: no ``@context`` on the annotation, ``styleClass`` without a
    ``stylesheet``; and other broken annotations and collections."""
    old = {"id": "urn:tuireader:highlight:x", "type": "Annotation",
           "created": "2024-05-02T10:00:00+00:00",
           "target": {"source": "https://example.org/a", "styleClass": "tuireader-red"}}
    assert annotation_failures(old) == ["3.1-annotationContextValidated",
                                        "4.4-stylesheetWithStyleClass"]
    wrong_class = {**old, "@context": CONTEXT,
                   "stylesheet": {"type": "CssStylesheet", "value": ".other { color: red }"}}
    assert annotation_failures(wrong_class) == ["4.4-styleClassDefinedInStylesheet"]
    broken = {"@context": "http://example.org/ctx", "id": "not an iri", "type": "Note",
              "body": [], "bodyValue": "x", "created": "yesterday", "via": 3}
    assert annotation_failures(broken) == [
        "3.1-annotationContextValidated", "3.1-annotationIdValidated",
        "3.1-annotationTypeValidated", "3.1-targetKeyFound", "3.2.5-notBodyBodyValue",
        "3.3.1-annotationCreatedValidated", "3.3.7-annotationViaValidated"]
    assert collection_failures({"@context": CONTEXT, "id": "urn:x", "type": "Collection",
                                "total": 2}) == ["5.1-collectionTypeValidated",
                                                 "5.1-collectionFirstValidated"]
