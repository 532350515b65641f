"""Hypothesis annotations (the web client's JSON export, the API's search results), and W3C
Web Annotation files (tuireader's own JSON export among them).

Hypothesis has three shapes: the client's export (``{"export_date", "export_userid",
"client_version", "annotations": [...]}``), an API search response (``{"total", "rows":
[...]}``), or a bare list of annotations.  Each annotation has ``uri``, ``document.title``,
``text`` (the note), ``tags``, ``created`` and ``target[].selector``.  A W3C
``AnnotationCollection`` (its first page's ``items``) or ``AnnotationPage`` is read the same
way, the page being ``target.source``, the note and tags the ``commenting``/``tagging``
bodies; from tuireader's export also the titles (``tuireader:articles``), the colour
(``tuireader:highlight``) and where an imported highlight first came from
(``tuireader:origin``: its tool, location and chapter, kept as they were).  Other W3C
annotations are marked as from "w3c".  In both:

* a ``TextQuoteSelector`` gives the quote (``exact``) and ``Position.prefix``/``suffix``;
  a ``TextPositionSelector`` gives ``Position.start``/``end``; a ``PageSelector`` (PDFs, EPUBs)
  the page label for ``location``;
* an annotation with no selector is a page note: a note on the whole work;
* a reply (``references`` not empty) is counted and left out;
* highlights are grouped by page (``uri`` without its fragment).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tuireader.core.bridge import ForeignExport, ForeignHighlight, ForeignWork, Position, Skip
from tuireader.importers.foreign import ForeignFormat, ForeignFormatError, Progress
from tuireader.importers.foreign._clip_common import (
    ReadRefused,
    clean_text,
    head,
    iso_utc,
    read_bounded,
)

NAME = "hypothesis"
#: The largest file read (an account with 50,000 annotations exports to about 100 MB).
MAX_JSON_BYTES = 256 << 20


#: The origin of a W3C annotation that does not say where it was first made.
W3C = "w3c"
_W3C_TYPES = (b'"AnnotationCollection"', b'"AnnotationPage"')


def sniff(path: Path) -> bool:
    """JSON whose start names annotations' ``uri`` and ``target`` and one of the shapes'
    marks (the export's ``export_userid``, the API's ``rows``, or an ``acct:`` user), or a
    W3C annotation collection or page (the Web Annotation context and type)."""
    if path.suffix.lower() != ".json":
        return False
    start = head(path, 65536)
    if b"/ns/anno.jsonld" in start and any(kind in start for kind in _W3C_TYPES):
        return True
    return (b'"uri"' in start and b'"target"' in start
            and any(mark in start for mark in (b'"export_userid"', b'"rows"', b'"acct:')))


def _annotations(data: object) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in ("annotations", "rows", "items"):
            if isinstance(data.get(key), list):
                return list(data[key])
        first = data.get("first")
        if isinstance(first, dict) and isinstance(first.get("items"), list):
            return list(first["items"])  # an AnnotationCollection's first page
    raise ValueError("no annotations")


def _titles(data: object) -> dict[str, tuple[str, str]]:
    """Page -> (title, author), from a tuireader export's ``tuireader:articles``."""
    articles = data.get("tuireader:articles") if isinstance(data, dict) else None
    found: dict[str, tuple[str, str]] = {}
    for record in articles if isinstance(articles, list) else ():
        if isinstance(record, dict):
            named = (clean_text(record.get("title")), clean_text(record.get("author")))
            for key in (clean_text(record.get("url")), clean_text(record.get("iri"))):
                if key:
                    found.setdefault(key, named)
    return found


def read(path: Path, progress: Progress | None = None) -> ForeignExport:
    """The pages annotated in a Hypothesis export, each with its highlights and page notes."""
    try:
        data = json.loads(read_bounded(path, MAX_JSON_BYTES))
        items = _annotations(data)
    except ReadRefused as exc:
        raise ForeignFormatError(f"{path}: {exc}") from exc
    except (ValueError, RecursionError) as exc:
        raise ForeignFormatError(f"{path}: not a Hypothesis export ({str(exc)[:80]})") from exc
    result = ForeignExport(format=NAME)
    works: dict[str, ForeignWork] = {}
    titles = _titles(data)
    for number, item in enumerate(items, 1):
        _annotation(item, works, result, f"annotation {number}", titles)
        if progress is not None and number % 1000 == 0:
            progress(number, len(items))
    result.works = [w for w in works.values() if w.highlights or w.notes]
    if progress is not None:
        progress(len(items), len(items))
    return result


def _title(document: object) -> str:
    if not isinstance(document, dict):
        return ""
    title = document.get("title")
    if isinstance(title, list):
        title = next((t for t in title if isinstance(t, str) and t.strip()), "")
    return clean_text(title)


def _selectors(target: object) -> list[dict[str, Any]]:
    """Every selector of every target (usually one target)."""
    found: list[dict[str, Any]] = []
    for one in target if isinstance(target, list) else [target]:
        selectors = one.get("selector") if isinstance(one, dict) else None
        if isinstance(selectors, list):
            found += [s for s in selectors if isinstance(s, dict)]
    return found


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _bodies(item: dict[str, Any], purpose: str) -> list[str]:
    """The values of a W3C annotation's ``TextualBody`` bodies with ``purpose``."""
    body = item.get("body")
    return [b["value"].strip() for b in (body if isinstance(body, list) else [body])
            if isinstance(b, dict) and b.get("purpose") == purpose
            and isinstance(b.get("value"), str) and b["value"].strip()]


def _source(target: object) -> str:
    """A W3C target's page: its ``source`` (or the target itself, an IRI)."""
    first = target[0] if isinstance(target, list) and target else target
    return clean_text(first.get("source") if isinstance(first, dict) else first)


def _annotation(item: object, works: dict[str, ForeignWork], result: ForeignExport,
                where: str, titles: dict[str, tuple[str, str]]) -> None:
    if not isinstance(item, dict):
        result.skipped.append(Skip("an annotation that is not an object", where))
        return
    if item.get("references"):
        result.ignored["replies"] = result.ignored.get("replies", 0) + 1
        return
    w3c = item.get("type") == "Annotation"
    uri = clean_text(item.get("uri")) or (_source(item.get("target")) if w3c else "")
    if not uri:
        result.skipped.append(Skip("an annotation with no uri", where))
        return
    page = uri.split("#", 1)[0] or uri
    work = works.get(page)
    if work is None:
        title, author = titles.get(page, ("", ""))
        work = works[page] = ForeignWork(title=title or _title(item.get("document")) or page,
                                         author=author, where=where,
                                         # a tuireader article's urn is no address
                                         url="" if w3c and "://" not in page else page)
    note = clean_text(item.get("text")) or "\n\n".join(_bodies(item, "commenting"))
    tags = [t.strip() for t in item.get("tags") or [] if isinstance(t, str) and t.strip()]
    tags += [t for t in _bodies(item, "tagging") if t not in tags]
    selectors = _selectors(item.get("target"))
    if not selectors:  # a page note
        if not note and not tags:
            result.skipped.append(Skip("an empty page note", where))
            return
        if note:
            work.notes.append(note)
        work.tags += [t for t in tags if t not in work.tags]
        return
    by_type = {s.get("type"): s for s in selectors}
    quote_selector = by_type.get("TextQuoteSelector") or {}
    quote = quote_selector.get("exact")
    if not isinstance(quote, str) or not quote.strip():
        result.skipped.append(Skip("an annotation with no quoted text", where))
        return
    position = Position(prefix=_text(quote_selector.get("prefix")),
                        suffix=_text(quote_selector.get("suffix")))
    place = by_type.get("TextPositionSelector") or {}
    start, end = _int(place.get("start")), _int(place.get("end"))
    if start is not None and end is not None and start <= end:
        position.start, position.end = start, end
    label = (by_type.get("PageSelector") or {}).get("label")
    if isinstance(label, (str, int)) and str(label).strip():
        location = f"page {str(label).strip()}"
    elif position.start is not None:
        location = f"characters {position.start}-{position.end}"
    else:
        location = ""
    found = ForeignHighlight(quote=quote.strip(), note=note, tags=tags,
                             created=iso_utc(item.get("created")), location=location,
                             position=position)
    if w3c:
        _tuireader_fields(item, found)
    work.highlights.append(found)


def _tuireader_fields(item: dict[str, Any], found: ForeignHighlight) -> None:
    """What tuireader's export adds to a W3C annotation: the colour, and where an imported
    highlight first came from (kept as it was: a round trip does not make it a "w3c" one)."""
    own = item.get("tuireader:highlight")
    kind = own.get("kind") if isinstance(own, dict) else None
    if isinstance(kind, int) and not isinstance(kind, bool) and 1 <= kind <= 5:
        found.kind = kind
    origin = item.get("tuireader:origin")
    tool = clean_text(origin.get("tool")) if isinstance(origin, dict) else ""
    if not tool or not isinstance(origin, dict):
        found.origin = W3C
        return
    found.origin = " ".join(tool.split())[:40]
    found.location = clean_text(origin.get("location"))
    found.chapter = " ".join(clean_text(origin.get("chapter")).split())


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


FORMAT: ForeignFormat = ForeignFormat(
    NAME, "Hypothesis JSON (client export, API search rows)", sniff, read)
