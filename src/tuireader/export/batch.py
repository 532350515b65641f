"""Exporting from a library: choosing highlights, rendering, writing files into a folder.

Folder exports are meant to be run again and again into the same notes folder:

* each article keeps its file: ``.tuireader-export.json`` in the folder (a small manifest)
  records which file holds which article in which format, so a re-export updates that file even
  after the article's title changed (links to it keep working);
* a name already taken by a file that is not ours (not in the manifest and not mentioning the
  article id) is never overwritten: the new file gets a suffix (`` 2``, `` 3`` ...); names are
  compared case-insensitively, as macOS and Windows do;
* a file whose content would only differ in the ``exported`` time is left untouched, so sync
  tools and ``git`` see no change;
* every file is written atomically (temporary file in the same folder, then rename), the
  manifest last.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tuireader.document import parse_markdown
from tuireader.export.annotated import combined_annotated, export_annotated
from tuireader.export.context import resolve_exported
from tuireader.export.filenames import is_plain_name, safe_filename
from tuireader.export.markdown import combined_markdown, export_markdown
from tuireader.export.templates import compile_template, render_template
from tuireader.export.webannotation import combined_json, export_json
from tuireader.storage import TMP_MARK, atomic_write_bytes, fsync_dir

if TYPE_CHECKING:
    from tuireader.model import Article, Highlight
    from tuireader.store import Store

FORMATS = ("markdown", "json", "annotated")
EXTENSIONS = {"markdown": ".md", "json": ".json", "annotated": ".annotated.md",
              "template": ".md"}
MANIFEST = ".tuireader-export.json"
_VOLATILE = re.compile(r'^(?:exported: .*|  "generated": .*)$', re.MULTILINE)


class ExportError(Exception):
    """An export could not be done; ``str(exc)`` is one line for the user."""


@dataclass
class FolderReport:
    """What :func:`write_folder` did."""

    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)

    @property
    def paths(self) -> list[Path]:
        return sorted([*self.written, *self.unchanged])


# -- choosing ---------------------------------------------------------------------------------


def parse_since(text: str) -> str:
    """A date or date-time as a sortable UTC ISO string; raises ValueError when invalid."""
    moment = _dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    return moment.astimezone(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _utc(stamp: str) -> str:
    try:
        return parse_since(stamp)
    except ValueError:
        return ""


def select(
    store: Store,
    article_ids: Iterable[str] | None = None,
    *,
    tag: str | None = None,
    since: str | None = None,
) -> list[tuple[Article, list[Highlight]]]:
    """(article, highlights) pairs to export, articles ordered by date added then id.

    ``tag``: highlights carrying the tag, or all highlights of an article carrying it.
    ``since`` (ISO date/time): highlights created or changed at or after it.
    Articles named in ``article_ids`` are kept even with no highlight left; otherwise articles
    without selected highlights are skipped.
    """
    from tuireader.model import normalise_tag

    named = [store.resolve(ref) for ref in article_ids or ()]
    articles = named or store.list_articles()
    articles = sorted({a.id: a for a in articles}.values(), key=lambda a: (a.added, a.id))
    wanted = normalise_tag(tag) if tag else None
    cutoff = parse_since(since) if since else None
    chosen: list[tuple[Article, list[Highlight]]] = []
    for article in articles:
        highlights = store.highlights(article.id)
        if wanted is not None and wanted not in article.tags:
            highlights = [h for h in highlights if wanted in h.tags]
        if cutoff is not None:
            highlights = [h for h in highlights
                          if max(_utc(h.created), _utc(h.updated)) >= cutoff]
        if highlights or named:
            chosen.append((article, highlights))
    return chosen


# -- rendering --------------------------------------------------------------------------------


def render(
    store: Store,
    article: Article,
    highlights: list[Highlight],
    fmt: str,
    *,
    template: Any = None,
    template_name: str = "template",
    exported: str | None = None,
) -> str:
    """One article in one format (``template``: text or a compiled template, for fmt "template")."""
    if fmt == "json":
        return export_json(article, highlights, exported=exported)
    markdown = store.read_markdown(article.id)
    if fmt == "annotated":
        return export_annotated(article, highlights, markdown=markdown, exported=exported)
    if fmt == "template":
        return render_template(template, article, highlights, markdown=markdown,
                               exported=exported, name=template_name)
    return export_markdown(article, highlights, markdown=markdown, exported=exported)


def _check_format(fmt: str, template: str | None) -> str:
    if template is not None:
        return "template"
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    return fmt


def export_combined(
    store: Store,
    article_ids: Iterable[str] | None = None,
    fmt: str = "markdown",
    template: str | None = None,
    exported: str | _dt.datetime | None = None,
    *,
    tag: str | None = None,
    since: str | None = None,
    template_name: str = "template",
) -> str:
    """Everything selected as one document (what ``tuireader export`` prints on stdout)."""
    fmt = _check_format(fmt, template)
    stamp = resolve_exported(exported)
    chosen = select(store, article_ids, tag=tag, since=since)
    if fmt == "json":
        return combined_json(chosen, exported=stamp)
    if fmt == "annotated":
        return combined_annotated(
            [(a, hs, parse_markdown(store.read_markdown(a.id))) for a, hs in chosen],
            exported=stamp)
    if fmt == "template":
        compiled = compile_template(template or "", template_name)
        parts = [render(store, a, hs, fmt, template=compiled, template_name=template_name,
                        exported=stamp) for a, hs in chosen]
        return "\n".join(part.rstrip("\n") + "\n" for part in parts)
    return combined_markdown([(a, hs, store.read_markdown(a.id)) for a, hs in chosen],
                             exported=stamp)


# -- writing ----------------------------------------------------------------------------------


def _load_manifest(folder: Path) -> dict[str, str]:
    try:
        data = json.loads((folder / MANIFEST).read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ExportError(f"{folder / MANIFEST}: unreadable ({exc}); move it away and retry"
                          ) from exc
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    return {str(k): str(v) for k, v in files.items() if isinstance(v, str) and is_plain_name(v)}


def _mentions(path: Path, article_id: str) -> bool:
    """Whether an existing file looks like an export of this article (its id is in it)."""
    try:
        with path.open("rb") as handle:
            return article_id.encode() in handle.read(65536)
    except OSError:
        return False


def _same_content(path: Path, data: bytes) -> bool:
    try:
        old = path.read_bytes()
    except FileNotFoundError:
        return False
    if old == data:
        return True
    new_text = data.decode("utf-8", errors="replace")
    old_text = old.decode("utf-8", errors="replace")
    return _VOLATILE.sub("", old_text, count=1) == _VOLATILE.sub("", new_text, count=1)


#: Up to this many files, each is fsynced before its rename; above it (a library-wide export)
#: the renames stay atomic but only the folder is synced at the end: fsyncing 2,000 files costs
#: seconds, and an interrupted export is simply run again from the library.
DURABLE_MAX_FILES = 20


def write_folder(
    folder: Path, outputs: list[tuple[str, Article, str, str]], *, durable: bool | None = None
) -> FolderReport:
    """Write ``(key, article, extension, text)`` outputs into ``folder`` (module docstring)."""
    if durable is None:
        durable = len(outputs) <= DURABLE_MAX_FILES
    folder = Path(folder).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create {folder}: {exc.strerror or exc}") from exc
    if not folder.is_dir():
        raise ExportError(f"{folder} is not a folder")
    manifest = _load_manifest(folder)
    claimed = {name.casefold(): key for key, name in manifest.items()}
    existing = {entry.name.casefold() for entry in os.scandir(folder)}
    report = FolderReport()
    for key, article, ext, text in outputs:
        name = manifest.get(key)
        if name is None:
            n = 1
            while True:
                name = safe_filename(article.title, article.id, ext,
                                     suffix="" if n == 1 else f" {n}")
                owner = claimed.get(name.casefold())
                if owner == key or (owner is None and (
                        name.casefold() not in existing or _mentions(folder / name, article.id))):
                    break
                n += 1
        claimed[name.casefold()] = key
        manifest[key] = name
        path = folder / name
        if path.parent != folder:  # pragma: no cover - is_plain_name/safe_filename forbid it
            raise ExportError(f"refusing to write outside {folder}: {name!r}")
        data = text.encode("utf-8", errors="replace")
        if name.casefold() in existing and _same_content(path, data):
            report.unchanged.append(path)
            continue
        try:
            atomic_write_bytes(path, data, sync_dir=False) if durable else _quick_write(path, data)
        except OSError as exc:
            raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
        report.written.append(path)
    body = json.dumps({"version": 1, "files": dict(sorted(manifest.items()))},
                      ensure_ascii=False, indent=1)
    atomic_write_bytes(folder / MANIFEST, body.encode("utf-8"), sync_dir=False)
    fsync_dir(folder)
    return report


def _quick_write(path: Path, data: bytes) -> None:
    """Atomic (temporary file, rename) without the fsync (see DURABLE_MAX_FILES)."""
    tmp = path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def export_to_folder(
    store: Store,
    article_ids: Iterable[str] | None,
    folder: str | Path,
    fmt: str = "markdown",
    template: str | None = None,
    exported: str | _dt.datetime | None = None,
    *,
    tag: str | None = None,
    since: str | None = None,
    template_name: str = "template",
    report: FolderReport | None = None,
) -> list[Path]:
    """One file per selected article in ``folder``; returns every target path (sorted).

    ``article_ids`` None or empty: every article with selected highlights.  Pass a
    :class:`FolderReport` as ``report`` to learn which files were written or unchanged.
    """
    fmt = _check_format(fmt, template)
    stamp = resolve_exported(exported)
    compiled = compile_template(template, template_name) if template is not None else None
    chosen = select(store, article_ids, tag=tag, since=since)
    outputs = [(f"{fmt}:{a.id}", a, EXTENSIONS[fmt],
                render(store, a, hs, fmt, template=compiled, template_name=template_name,
                       exported=stamp))
               for a, hs in chosen]
    result = write_folder(Path(folder), outputs)
    if report is not None:
        report.written += result.written
        report.unchanged += result.unchanged
    return result.paths
