"""KOReader highlights: the ``<book>.sdr/metadata.<ext>.lua`` sidecars, and the exporter's JSON.

A path may be one sidecar file, one ``.sdr`` folder, a whole tree of them (a device's book
folder, KOReader's ``docsettings``/``hashdocsettings``), or the JSON the exporter plugin writes
(one book, or ``{"documents": [...]}``).  The Lua is read as data by :mod:`._lua` and never
run; the walk is bounded (depth, entries, sidecars), symlinks are not followed, and each file's
size is bounded.

Two layouts of annotations exist and both are read:

* current (2024 on): ``annotations``, a list of ``{text, note, chapter, datetime, drawer, color,
  pos0, pos1, page, pageno}``; an entry without ``drawer`` is a page bookmark (counted, not
  imported);  ``chapter`` (in every layout, the exporter's JSON too) becomes
  ``ForeignHighlight.chapter``;
* legacy: ``bookmarks`` (``notes`` holds the quote, ``text`` the user's note, or an automatic
  "Page N <quote> @ <datetime>" that is dropped; ``highlighted`` marks a highlight) beside
  ``highlight`` (per page: the drawn highlights, with ``color``/``drawer``), paired by time as
  KOReader pairs them; a highlight with no bookmark is kept too.

Positions: an xpointer's ``/body/DocFragment[N]`` gives ``Position.spine_index`` (the raw
xpointer stays in ``location`` for the engine); a page number over the page count gives
``Position.fraction``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tuireader.core.bridge import ForeignExport, ForeignHighlight, ForeignWork, Position, Skip
from tuireader.core.safety import strip_controls
from tuireader.importers.foreign import ForeignFormat, ForeignFormatError, Progress
from tuireader.importers.foreign._clip_common import (
    ReadRefused,
    clean_text,
    colour_kind,
    epoch_utc,
    head,
    iso_utc,
    read_bounded,
    spine_index,
)
from tuireader.importers.foreign._lua import LuaDataError, as_list, loads

NAME = "koreader"
#: A sidecar larger than this is refused (real ones are a few KB to a few hundred KB).
MAX_SIDECAR_BYTES = 16 << 20
#: The exporter's JSON for a whole library stays well under this.
MAX_JSON_BYTES = 64 << 20
#: The walk of a folder stops after this many entries, this deep, or this many sidecars.
MAX_WALK_ENTRIES = 200_000
MAX_WALK_DEPTH = 24
MAX_SIDECARS = 50_000
#: Detection looks at no more than this many entries of a folder before saying "not mine".
SNIFF_WALK_ENTRIES = 20_000

#: ``metadata.epub.lua`` in a ``.sdr`` folder, or one copied out as ``<book>.metadata.epub.lua``.
_SIDECAR = re.compile(r"(?:.+\.)?metadata\.[A-Za-z0-9]{1,12}\.lua")
_LUA_HEAD = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:--[^\n]*\n\s*)*return\s*\{")
_PAGE_TEXT = re.compile(r"@ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\Z")
#: A chapter title longer than this is cut (it is a label, shown on one line).
MAX_CHAPTER_CHARS = 200


# -- finding sidecars ---------------------------------------------------------------------------

def _sidecars(root: Path, limit: int | None = None, entries: int | None = None,
              stopped: list[str] | None = None) -> Iterator[Path]:
    """Sidecar files below ``root`` (sorted per folder), without following symlinks; a file
    named like one that is not (KOReader's ``metadata.epub.lua.old`` backups) is not listed.
    Where a bound stopped the walk, the reason is added to ``stopped``."""
    limit = MAX_SIDECARS if limit is None else limit
    entries = MAX_WALK_ENTRIES if entries is None else entries
    seen = 0
    root_depth = len(root.parts)
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        seen += len(dirs) + len(files)
        if len(here.parts) - root_depth >= MAX_WALK_DEPTH and dirs:
            dirs[:] = []
            if stopped is not None:
                stopped.append(f"folders deeper than {MAX_WALK_DEPTH} levels were not read")
        dirs.sort()
        for name in sorted(files):
            path = here / name
            if _SIDECAR.fullmatch(name) and not path.is_symlink():
                yield path
                limit -= 1
                if limit <= 0:
                    if stopped is not None:
                        stopped.append(f"the folder holds more than {MAX_SIDECARS} sidecars; "
                                       "the rest were not read")
                    return
        if seen > entries:
            if stopped is not None:
                stopped.append(f"the walk stopped after {entries} files and folders")
            return


def sniff(path: Path) -> bool:
    """A sidecar (by name, or a ``.lua`` file that starts as one), a ``.sdr`` folder or a
    folder holding sidecars, or the exporter's JSON (``entries`` of ``sort``-ed clippings)."""
    if path.is_dir():
        return next(_sidecars(path, limit=1, entries=SNIFF_WALK_ENTRIES), None) is not None
    suffix = path.suffix.lower()
    if suffix == ".lua":
        return bool(_LUA_HEAD.match(head(path, 8192)))
    if suffix == ".json":
        start = head(path, 65536)
        return (b'"entries"' in start and b'"sort"' in start
                and start.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{")
    return False


# -- reading ------------------------------------------------------------------------------------

def read(path: Path, progress: Progress | None = None) -> ForeignExport:
    """Every book with highlights in ``path`` (see the module's docstring)."""
    result = ForeignExport(format=NAME)
    if path.is_dir():
        stopped: list[str] = []
        files = list(_sidecars(path, stopped=stopped))
        result.skipped += [Skip(reason, str(path)) for reason in dict.fromkeys(stopped)]
        if not files:
            raise ForeignFormatError(f"{path}: no KOReader sidecar (metadata.*.lua) in this "
                                     "folder")
        for done, file in enumerate(files, 1):
            where = str(file.relative_to(path)) if file != path else file.name
            try:
                _read_sidecar(file, where, result)
            except (ReadRefused, LuaDataError) as exc:
                result.skipped.append(Skip(f"not a readable KOReader sidecar: {exc}", where))
            if progress is not None:
                progress(done, len(files))
        return result
    if path.suffix.lower() == ".json":
        _read_json(path, result)
    else:
        try:
            _read_sidecar(path, path.name, result)
        except (ReadRefused, LuaDataError) as exc:
            raise ForeignFormatError(f"{path}: not a readable KOReader sidecar: {exc}") from exc
    if progress is not None:
        progress(1, 1)
    return result


def _read_sidecar(path: Path, where: str, result: ForeignExport) -> None:
    data = loads(read_bounded(path, MAX_SIDECAR_BYTES))
    if not isinstance(data, dict):
        raise LuaDataError("the file returns no table")
    work = _work(data, _fallback_title(path), where)
    if "annotations" in data:
        _annotations(data, work, result)
    else:
        _legacy(data, work, result)
    _keep(work, result)


def _keep(work: ForeignWork, result: ForeignExport) -> None:
    if work.highlights or work.notes:
        result.works.append(work)
    else:
        result.ignored["books without highlights"] = (
            result.ignored.get("books without highlights", 0) + 1)


def _fallback_title(path: Path) -> str:
    """The book's file name, from its sidecar folder (``Moby Dick.sdr`` → "Moby Dick")."""
    folder = path.parent.name
    if folder.endswith(".sdr"):
        return folder[:-4]
    name = path.name
    return name.split(".metadata.")[0] if ".metadata." in name else path.stem


# -- the book -----------------------------------------------------------------------------------

def _work(data: dict[Any, Any], fallback: str, where: str) -> ForeignWork:
    props, stats = _table(data.get("doc_props")), _table(data.get("stats"))
    doc_path = clean_text(data.get("doc_path"))
    from_path = Path(doc_path).stem if doc_path else ""
    title = (clean_text(props.get("title")) or clean_text(stats.get("title")) or from_path
             or fallback)
    authors = next((a for a in (clean_text(props.get("authors")), clean_text(props.get("author")),
                                clean_text(stats.get("authors"))) if a and a != "N/A"), "")
    author = " & ".join(a.strip() for a in authors.splitlines() if a.strip())
    language = clean_text(props.get("language")) or clean_text(data.get("text_lang"))
    progress = _num(data.get("percent_finished"))
    return ForeignWork(
        title=title, author=author, language=language, where=where,
        identifiers=_identifiers(props.get("identifiers"), data.get("partial_md5_checksum")),
        progress=progress if progress is not None and 0 <= progress <= 1 else None,
        archived=_table(data.get("summary")).get("status") == "complete",
    )


def _table(value: object) -> dict[Any, Any]:
    """A Lua table's dict, or {} for anything else."""
    return value if isinstance(value, dict) else {}


def _num(value: object) -> float | None:
    """A number (not a boolean, not NaN), or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return None
    return float(value)


def _is_number(value: object) -> bool:
    return _num(value) is not None


def _identifiers(listed: object, md5: object) -> list[str]:
    """``md5:<partial checksum>`` and the ISBNs / UUIDs / ASINs the book's metadata lists."""
    found: list[str] = []
    if isinstance(md5, str) and re.fullmatch(r"[0-9a-fA-F]{32}", md5.strip()):
        found.append("md5:" + md5.strip().lower())
    for line in listed.splitlines() if isinstance(listed, str) else ():
        value = line.strip()
        low = value.lower()
        if low.startswith("urn:"):
            value, low = value[4:], low[4:]
        scheme, _, rest = value.partition(":")
        scheme = scheme.lower() if rest else ""
        bare = re.sub(r"[\s-]", "", rest if rest else value)
        if scheme in ("", "isbn") and re.fullmatch(r"\d{9}[\dXx]|\d{13}", bare):
            found.append("isbn:" + bare.upper())
        elif scheme == "uuid" and rest.strip():
            found.append("uuid:" + rest.strip().lower())
        elif scheme in ("asin", "mobi-asin", "amazon") and re.fullmatch(r"[A-Za-z0-9]{10}", bare):
            found.append("asin:" + bare.upper())
    return list(dict.fromkeys(found))


def _pages(data: dict[Any, Any]) -> int | None:
    for value in (_num(data.get("doc_pages")), _num(_table(data.get("stats")).get("pages"))):
        if value is not None and value >= 1:
            return int(value)
    return None


def _fraction(page: object, pages: int | None) -> float | None:
    """The middle of page ``page`` of ``pages``, as a fraction of the book."""
    number = _num(page)
    if number is None or not pages or not 1 <= number <= pages:
        return None
    return round((number - 0.5) / pages, 6)


def _chapter(*tables: dict[Any, Any]) -> str:
    """The first chapter title the tables give, on one line, without control characters."""
    for table in tables:
        title = " ".join(strip_controls(clean_text(table.get("chapter"))).split())
        if title:
            return title[:MAX_CHAPTER_CHARS]
    return ""


def _where(pos: object, page: object, pages: int | None) -> tuple[str, Position]:
    """``location`` and ``Position`` from a start position (an xpointer, or a PDF position
    table) and a page number."""
    position = Position(fraction=_fraction(page, pages))
    if isinstance(pos, str) and pos:
        position.spine_index = spine_index(pos)
        return pos, position
    number = _num(page)
    if number is None and isinstance(pos, dict):
        number = _num(pos.get("page"))
        position.fraction = _fraction(number, pages)
    if number is not None:
        return f"page {int(number)}", position
    return "", position


# -- the current layout -------------------------------------------------------------------------

def _annotations(data: dict[Any, Any], work: ForeignWork, result: ForeignExport) -> None:
    pages = _pages(data)
    for number, item in enumerate(as_list(data.get("annotations")), 1):
        where = f"{work.where}: annotation {number}"
        if not isinstance(item, dict):
            result.skipped.append(Skip("an annotation that is not a table", where))
            continue
        if not item.get("drawer"):
            result.ignored["bookmarks"] = result.ignored.get("bookmarks", 0) + 1
            continue
        quote = clean_text(item.get("text"))
        if not quote:
            result.skipped.append(Skip("a highlight with no text (an image highlight?)", where))
            continue
        page = item.get("pageno") if _is_number(item.get("pageno")) else item.get("page")
        location, position = _where(item.get("pos0") or item.get("page"), page, pages)
        work.highlights.append(ForeignHighlight(
            quote=quote, note=clean_text(item.get("note")), kind=colour_kind(item.get("color")),
            created=iso_utc(item.get("datetime")), location=location, chapter=_chapter(item),
            position=position))


# -- the legacy layout --------------------------------------------------------------------------

def _is_auto_text(text: str, quote: str, datetime: object) -> bool:
    """KOReader's automatic bookmark text ("Page 12 <quote> @ 2023-01-24 04:36:02", in the
    device's language), which is not a note."""
    if not text or text == quote:
        return True
    stamp = datetime if isinstance(datetime, str) else ""
    return bool(_PAGE_TEXT.search(text)) and text.endswith("@ " + stamp) and quote in text


def _legacy(data: dict[Any, Any], work: ForeignWork, result: ForeignExport) -> None:
    pages = _pages(data)
    drawn: list[tuple[Any, dict[Any, Any]]] = []
    highlight = data.get("highlight")
    for page, items in (highlight.items() if isinstance(highlight, dict) else ()):
        drawn += [(page, hl) for hl in as_list(items) if isinstance(hl, dict)]
    used: set[int] = set()
    # KOReader keeps bookmarks newest page first; it reads them from the end.
    for number, bm in reversed(list(enumerate(as_list(data.get("bookmarks")), 1))):
        where = f"{work.where}: bookmark {number}"
        if not isinstance(bm, dict):
            result.skipped.append(Skip("a bookmark that is not a table", where))
            continue
        if not bm.get("highlighted"):
            result.ignored["bookmarks"] = result.ignored.get("bookmarks", 0) + 1
            continue
        match = _pair(bm, drawn, used)
        hl = drawn[match][1] if match is not None else {}
        quote = clean_text(bm.get("notes")) or clean_text(hl.get("text"))
        if not quote:
            result.skipped.append(Skip("a highlight with no text (an image highlight?)", where))
            continue
        note = clean_text(bm.get("text"))
        if _is_auto_text(note, quote, bm.get("datetime")):
            note = ""
        page = bm.get("page") if _is_number(bm.get("page")) else None
        location, position = _where(bm.get("pos0") or bm.get("page"), page, pages)
        work.highlights.append(ForeignHighlight(
            quote=quote, note=note, kind=colour_kind(hl.get("color")),
            created=iso_utc(bm.get("datetime")), location=location, chapter=_chapter(bm, hl),
            position=position))
    for index, (page, hl) in enumerate(drawn):
        if index in used:
            continue
        quote = clean_text(hl.get("text"))
        if not quote:
            result.skipped.append(Skip("a highlight with no text (an image highlight?)",
                                       f"{work.where}: highlight on page {page}"))
            continue
        location, position = _where(hl.get("pos0"), page if _is_number(page) else None, pages)
        work.highlights.append(ForeignHighlight(
            quote=quote, kind=colour_kind(hl.get("color")), created=iso_utc(hl.get("datetime")),
            location=location, chapter=_chapter(hl), position=position))


def _pair(bm: dict[Any, Any], drawn: list[tuple[Any, dict[Any, Any]]],
          used: set[int]) -> int | None:
    """The drawn highlight a bookmark stands for: the same time (and, when several share it,
    the same start), else the same start and end."""
    stamp, pos0, pos1 = bm.get("datetime"), bm.get("pos0"), bm.get("pos1")
    same_time = [i for i, (_, hl) in enumerate(drawn)
                 if i not in used and stamp is not None and hl.get("datetime") == stamp]
    same_place = [i for i, (_, hl) in enumerate(drawn)
                  if i not in used and pos0 is not None and hl.get("pos0") == pos0
                  and hl.get("pos1") == pos1]
    both = [i for i in same_time if i in same_place]
    for choice in (both, same_time, same_place):
        if choice:
            used.add(choice[0])
            return choice[0]
    return None


# -- the exporter plugin's JSON -----------------------------------------------------------------

def _read_json(path: Path, result: ForeignExport) -> None:
    try:
        data = json.loads(read_bounded(path, MAX_JSON_BYTES))
    except ReadRefused as exc:
        raise ForeignFormatError(f"{path}: {exc}") from exc
    except (ValueError, RecursionError) as exc:
        raise ForeignFormatError(f"{path}: not JSON ({str(exc)[:80]})") from exc
    if isinstance(data, dict) and isinstance(data.get("documents"), list):
        documents = data["documents"]
    elif isinstance(data, dict) and isinstance(data.get("entries"), list):
        documents = [data]
    else:
        raise ForeignFormatError(f"{path}: not a KOReader highlights export (no entries)")
    for number, doc in enumerate(documents, 1):
        where = f"document {number}"
        if not isinstance(doc, dict) or not isinstance(doc.get("entries"), list):
            result.skipped.append(Skip("a document without entries", where))
            continue
        book = clean_text(doc.get("file"))
        work = ForeignWork(
            title=clean_text(doc.get("title")) or (Path(book).stem if book else "") or where,
            author=" & ".join(a.strip() for a in clean_text(doc.get("author")).splitlines()
                              if a.strip()),
            where=where)
        count = _num(doc.get("number_of_pages"))
        pages = int(count) if count is not None and count >= 1 else None
        for index, entry in enumerate(doc["entries"], 1):
            _json_entry(entry, pages, work, result, f"{where}: entry {index}")
        _keep(work, result)


def _json_entry(entry: object, pages: int | None, work: ForeignWork, result: ForeignExport,
                where: str) -> None:
    if not isinstance(entry, dict):
        result.skipped.append(Skip("an entry that is not an object", where))
        return
    sort = entry.get("sort", "highlight")
    if sort != "highlight":
        label = f"{sort}s" if isinstance(sort, str) and sort else "entries of no kind"
        result.ignored[label] = result.ignored.get(label, 0) + 1
        return
    quote = clean_text(entry.get("text"))
    if not quote:
        result.skipped.append(Skip("a highlight with no text (an image highlight?)", where))
        return
    page = entry.get("page")
    location, position = _where(entry.get("pos0_xp") or entry.get("pn_xp"), page, pages)
    work.highlights.append(ForeignHighlight(
        quote=quote, note=clean_text(entry.get("note")), kind=colour_kind(entry.get("color")),
        created=epoch_utc(entry.get("time")), location=location, chapter=_chapter(entry),
        position=position))


FORMAT: ForeignFormat = ForeignFormat(
    NAME, "KOReader (metadata.*.lua sidecars, exporter JSON)", sniff, read)
