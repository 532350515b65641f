"""The JSON export: the W3C Web Annotation Data Model (https://www.w3.org/TR/annotation-model/).

One ``Annotation`` per highlight, gathered in an ``AnnotationCollection`` whose first (and only)
``AnnotationPage`` holds them all, so any Web Annotation consumer can load the file:

* ``target.source``: the article's web address, else ``urn:tuireader:article:<id>``;
* ``target.selector``: a ``TextQuoteSelector`` (exact, prefix, suffix) and a
  ``TextPositionSelector`` (start, end: offsets into the article's plain text);
* ``body``: the note as a ``TextualBody`` with purpose ``commenting`` (format text/markdown),
  and one ``TextualBody`` with purpose ``tagging`` per tag, as stored (not sanitised);
* ``motivation``: ``commenting`` when there is a note, else ``highlighting``;
* ``created`` / ``modified``; the colour as ``target.styleClass`` (``tuireader-yellow`` ...),
  with the CSS rule for that class in the Annotation's ``stylesheet`` (section 4.4: a
  ``styleClass`` names a class of the Annotation's stylesheet);
* every Annotation carries its own ``@context``, so one taken out of the collection is a valid
  Annotation on its own (the W3C test suite's MUST assertions, run in
  ``tests/test_export_w3c.py``);
* tuireader's own fields under ``tuireader:highlight`` (kind, colour, anchor status, article id,
  and the device that last changed it when known), ``tuireader:origin`` on a highlight
  imported from another tool (``tool``: "kindle", "koreader" ...; ``location``: the tool's own
  words for where it was; ``chapter`` when it named one) and, on the collection,
  ``tuireader:articles`` (each article's metadata).  JSON-LD consumers drop unknown keys;
  nothing standard depends on them.  The Hypothesis reader (``tuireader import``) reads this
  file back, ``tuireader:origin`` included.

The schema of this output is ``tuireader/schemas/web-annotation.schema.json``.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable
from typing import Any

from tuireader.core.model import Article, Highlight
from tuireader.export.context import in_text_order, resolve_exported, web_url

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
#: The CSS colour of each highlight kind (the App's highlight colours, light enough for text).
STYLE_COLOURS = {"yellow": "#fff176", "green": "#a5d6a7", "blue": "#90caf9", "red": "#ef9a9a",
                 "purple": "#ce93d8"}
GENERATOR = {"id": "https://pypi.org/project/tuireader/", "type": "Software", "name": "tuireader"}


def article_iri(article: Article) -> str:
    return f"urn:tuireader:article:{article.id}"


#: ``review(highlight)``: the daily review's state of a highlight, or None (see
#: :meth:`tuireader.library.review.Review.export_state`).
ReviewState = Callable[[Highlight], "dict[str, Any] | None"]


def annotation(
    article: Article, highlight: Highlight, source: str | None = None,
    review: ReviewState | None = None,
) -> dict[str, Any]:
    """One highlight as a Web Annotation, complete on its own (``@context``, ``stylesheet``).

    ``source``: the target IRI when the caller has it already (computed once per article).
    ``review``: adds ``tuireader:review`` (last shown, times shown, discarded, FSRS due)
    to a highlight the daily review has seen.
    """
    body: list[dict[str, Any]] = []
    if highlight.note:
        body.append({"type": "TextualBody", "purpose": "commenting", "value": highlight.note,
                     "format": "text/markdown"})
    body += [{"type": "TextualBody", "purpose": "tagging", "value": tag} for tag in highlight.tags]
    style = f"tuireader-{highlight.kind_name}"
    colour = STYLE_COLOURS.get(highlight.kind_name, STYLE_COLOURS["yellow"])
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "id": f"urn:tuireader:highlight:{highlight.id}",
        "type": "Annotation",
        "motivation": "commenting" if highlight.note else "highlighting",
        "created": highlight.created,
        "modified": highlight.updated,
    }
    if body:
        data["body"] = body
    data["stylesheet"] = {"type": "CssStylesheet",
                          "value": f".{style} {{ background-color: {colour}; }}"}
    data["target"] = {
        "source": source or web_url(article) or article_iri(article),
        "styleClass": style,
        "selector": [
            {"type": "TextQuoteSelector", "exact": highlight.exact, "prefix": highlight.prefix,
             "suffix": highlight.suffix},
            {"type": "TextPositionSelector", "start": highlight.start, "end": highlight.end},
        ],
    }
    own: dict[str, Any] = {"id": highlight.id, "article": article.id, "kind": highlight.kind,
                           "colour": highlight.kind_name, "anchor": highlight.anchor}
    if highlight.device:
        own["device"] = highlight.device
    data["tuireader:highlight"] = own
    if highlight.origin:
        data["tuireader:origin"] = origin_record(highlight)
    state = review(highlight) if review is not None else None
    if state:
        data["tuireader:review"] = state
    return data


def origin_record(highlight: Highlight) -> dict[str, str]:
    """``tuireader:origin``: the tool an imported highlight was made in, its words for where,
    and the chapter when it named one."""
    record = {"tool": highlight.origin, "location": highlight.origin_location}
    if highlight.origin_chapter:
        record["chapter"] = highlight.origin_chapter
    return record


def _article_record(article: Article, count: int) -> dict[str, Any]:
    return {"id": article.id, "iri": article_iri(article), "title": article.title,
            "author": article.author, "site": article.site, "url": web_url(article),
            "source": article.source, "published": article.published, "added": article.added,
            "tags": list(article.tags), "highlights": count}


def collection(
    items: list[tuple[Article, list[Highlight]]],
    *,
    label: str,
    exported: str | _dt.datetime | None = None,
    review: ReviewState | None = None,
) -> dict[str, Any]:
    """An ``AnnotationCollection`` of the given articles' highlights, in text order."""
    stamp = resolve_exported(exported)
    annotations: list[dict[str, Any]] = []
    articles: list[dict[str, Any]] = []
    for article, highlights in items:
        ordered = in_text_order(highlights)
        articles.append(_article_record(article, len(ordered)))
        source = web_url(article) or article_iri(article)
        annotations += [annotation(article, h, source, review) for h in ordered]
    ident = (f"{article_iri(items[0][0])}:annotations" if len(items) == 1
             else "urn:tuireader:export")
    return {
        "@context": CONTEXT,
        "id": ident,
        "type": "AnnotationCollection",
        "label": label,
        "generator": GENERATOR,
        "generated": stamp,
        "total": len(annotations),
        "tuireader:articles": articles,
        "first": {"id": f"{ident}:page1", "type": "AnnotationPage", "startIndex": 0,
                  "items": annotations},
    }


def dumps(data: dict[str, Any]) -> str:
    """Stable JSON text: two-space indent down to the annotations, one annotation per line.

    ``json.dumps`` with ``indent`` runs the pure-Python encoder (about 2 ms per article of 25
    highlights); the annotations, which are most of the bytes, go through the C encoder instead
    and stay easy to diff line by line.
    """
    page = data["first"]
    items = page["items"]
    shell = {**data, "first": {**page, "items": "\x00ITEMS\x00"}}
    text = json.dumps(shell, ensure_ascii=False, indent=2)
    if items:
        rows = ",\n      ".join(json.dumps(item, ensure_ascii=False) for item in items)
        listing = f"[\n      {rows}\n    ]"
    else:
        listing = "[]"
    return text.replace('"\\u0000ITEMS\\u0000"', listing, 1) + "\n"


def export_json(
    article: Article,
    highlights: list[Highlight],
    *,
    exported: str | _dt.datetime | None = None,
    review: ReviewState | None = None,
    **_unused: Any,
) -> str:
    """One article's highlights as a Web Annotation collection (JSON text)."""
    return dumps(collection([(article, highlights)], label=article.title, exported=exported,
                            review=review))


def combined_json(
    items: list[tuple[Article, list[Highlight]]],
    *,
    exported: str | _dt.datetime | None = None,
    review: ReviewState | None = None,
) -> str:
    """Several articles' highlights in one collection."""
    return dumps(collection(items, label="tuireader export", exported=exported,
                            review=review))
