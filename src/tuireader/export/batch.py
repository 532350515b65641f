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

A library-wide export from the command line (``workers=2``) renders the second half of the
articles in a second process (started with "spawn"; it reads the library read-only and writes
its files to temporary names); this process renders and writes the first half meanwhile, then
names and renames the second half's files in article order, so the result is the same file for
file as with one process.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tuireader.export.context import resolve_exported
from tuireader.export.filenames import is_plain_name, safe_filename
from tuireader.export.markdown import combined_markdown, export_markdown
from tuireader.library.durable import TMP_MARK, atomic_write_bytes, fsync_dir

# The other formats are imported when used (Jinja2 and markdown-it take a while to load, and
# the worker process of a parallel export loads only what its format needs).

if TYPE_CHECKING:
    from tuireader.core.model import Article, Highlight
    from tuireader.library.store import Store

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


def _ordered_articles(
    store: Store, article_ids: Iterable[str] | None
) -> tuple[list[Article], bool]:
    """The articles to consider, by date added then id, and whether they were named."""
    named = [store.resolve(ref) for ref in article_ids or ()]
    articles = named or store.list_articles()
    ordered = sorted({a.id: a for a in articles}.values(), key=lambda a: (a.added, a.id))
    return ordered, bool(named)


@dataclass(frozen=True)
class _Filter:
    """What :func:`select` keeps (see there); picklable, for the render worker."""

    wanted: str | None = None
    cutoff: str | None = None
    keep_empty: bool = False

    @classmethod
    def of(cls, tag: str | None, since: str | None, keep_empty: bool) -> _Filter:
        from tuireader.core.model import normalise_tag

        return cls(normalise_tag(tag) if tag else None, parse_since(since) if since else None,
                   keep_empty)


def _choose(
    store: Store, articles: list[Article], what: _Filter
) -> list[tuple[Article, list[Highlight]]]:
    wanted, cutoff = what.wanted, what.cutoff
    chosen: list[tuple[Article, list[Highlight]]] = []
    for article in articles:
        highlights = store.highlights(article.id)
        if wanted is not None and wanted not in article.tags:
            highlights = [h for h in highlights if wanted in h.tags]
        if cutoff is not None:
            highlights = [h for h in highlights
                          if max(_utc(h.created), _utc(h.updated)) >= cutoff]
        if highlights or what.keep_empty:
            chosen.append((article, highlights))
    return chosen


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
    article_ids = list(article_ids or ())
    articles, named = _ordered_articles(store, article_ids)
    return _choose(store, articles, _Filter.of(tag, since, named))


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
        from tuireader.export.webannotation import export_json

        return export_json(article, highlights, exported=exported)
    markdown = store.read_markdown(article.id)
    if fmt == "annotated":
        from tuireader.export.annotated import export_annotated

        return export_annotated(article, highlights, markdown=markdown, exported=exported)
    if fmt == "template":
        from tuireader.export.templates import render_template

        return render_template(template, article, highlights, markdown=markdown,
                               exported=exported, name=template_name)
    return export_markdown(article, highlights, markdown=markdown, exported=exported)


def _compile(template: str, name: str) -> Any:
    from tuireader.export.templates import compile_template

    return compile_template(template, name)


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
        from tuireader.export.webannotation import combined_json

        return combined_json(chosen, exported=stamp)
    if fmt == "annotated":
        from tuireader.core.document import parse_markdown
        from tuireader.export.annotated import combined_annotated

        return combined_annotated(
            [(a, hs, parse_markdown(store.read_markdown(a.id))) for a, hs in chosen],
            exported=stamp)
    if fmt == "template":
        compiled = _compile(template or "", template_name)
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

_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def _write_new(path: str, data: bytes) -> None:
    """Create or truncate ``path`` and write ``data`` (no fsync)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _quick_write(folder: str, name: str, data: bytes) -> None:
    """Atomic (temporary file, rename) without the fsync (see DURABLE_MAX_FILES)."""
    tmp = os.path.join(folder, f".{name}{TMP_MARK}{os.getpid()}")
    try:
        _write_new(tmp, data)
        os.replace(tmp, os.path.join(folder, name))
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class _FolderWriter:
    """Writes outputs into a folder in order (naming, unchanged check, atomic write), then the
    manifest (see the module docstring).  :func:`write_folder` in steps, so that a parallel
    export writes the first part while the rest is still being rendered."""

    def __init__(self, folder: Path) -> None:
        folder = Path(folder).expanduser()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ExportError(f"cannot create {folder}: {exc.strerror or exc}") from exc
        if not folder.is_dir():
            raise ExportError(f"{folder} is not a folder")
        self.folder = folder
        self.dir = os.fspath(folder)
        self.manifest = _load_manifest(folder)
        self._claimed = {name.casefold(): key for key, name in self.manifest.items()}
        self._existing = {entry.name.casefold() for entry in os.scandir(folder)}
        self.report = FolderReport()

    def _name(self, key: str, article: Article, ext: str) -> str:
        name = self.manifest.get(key)
        if name is None:
            n = 1
            while True:
                name = safe_filename(article.title, article.id, ext,
                                     suffix="" if n == 1 else f" {n}")
                owner = self._claimed.get(name.casefold())
                if owner == key or (owner is None and (
                        name.casefold() not in self._existing
                        or _mentions(self.folder / name, article.id))):
                    break
                n += 1
        self._claimed[name.casefold()] = key
        self.manifest[key] = name
        return name

    def write(
        self,
        outputs: list[tuple[str, Article, str, str]],
        *,
        durable: bool,
        staged: dict[str, str] | None = None,
    ) -> None:
        """Write ``outputs`` in order.  ``staged``: key -> a temporary file in the folder that
        already holds the output (written by the worker process): it is renamed into place,
        or removed when the file is unchanged (the caller removes any left over)."""
        folder = self.folder
        for key, article, ext, text in outputs:
            name = self._name(key, article, ext)
            if not is_plain_name(name):  # pragma: no cover - _load_manifest/safe_filename
                raise ExportError(f"refusing to write outside {folder}: {name!r}")
            path = folder / name
            tmp = staged.pop(key, None) if staged else None
            if name.casefold() in self._existing and _same_content(
                    path, text.encode("utf-8", errors="replace")):
                if tmp is not None:
                    with contextlib.suppress(OSError):
                        os.unlink(os.path.join(self.dir, tmp))
                self.report.unchanged.append(path)
                continue
            try:
                if tmp is not None:
                    os.replace(os.path.join(self.dir, tmp), os.path.join(self.dir, name))
                elif durable:
                    atomic_write_bytes(path, text.encode("utf-8", errors="replace"),
                                       sync_dir=False)
                else:
                    _quick_write(self.dir, name, text.encode("utf-8", errors="replace"))
            except OSError as exc:
                raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
            self.report.written.append(path)

    def finish(self) -> FolderReport:
        """Write the manifest and sync the folder."""
        body = json.dumps({"version": 1, "files": dict(sorted(self.manifest.items()))},
                          ensure_ascii=False, indent=1)
        atomic_write_bytes(self.folder / MANIFEST, body.encode("utf-8"), sync_dir=False)
        fsync_dir(self.folder)
        return self.report


def write_folder(
    folder: Path, outputs: list[tuple[str, Article, str, str]], *, durable: bool | None = None
) -> FolderReport:
    """Write ``(key, article, extension, text)`` outputs into ``folder`` (module docstring)."""
    writer = _FolderWriter(folder)
    writer.write(outputs, durable=len(outputs) <= DURABLE_MAX_FILES if durable is None
                 else durable)
    return writer.finish()


# -- rendering in parallel (the command line, for library-wide exports) -----------------------

#: With ``workers`` > 1, an export of at least this many articles is rendered by two processes.
PARALLEL_MIN_ARTICLES = 200
#: The part of the articles the calling process renders itself (the first ones); the worker
#: renders the rest, and writes them too, but starts late (a new interpreter, its imports).
_OWN_SHARE = 0.5


@dataclass(frozen=True)
class _Job:
    """How to render (picklable, for the worker process)."""

    fmt: str
    template: str | None
    template_name: str
    exported: str
    what: _Filter


def _render_part(
    store: Store, articles: list[Article], job: _Job, compiled: Any = None
) -> list[tuple[Article, str]]:
    if job.template is not None and compiled is None:
        compiled = _compile(job.template, job.template_name)
    return [(a, render(store, a, hs, job.fmt, template=compiled, template_name=job.template_name,
                       exported=job.exported))
            for a, hs in _choose(store, articles, job.what)]


def _outputs(parts: list[tuple[Article, str]], fmt: str) -> list[tuple[str, Article, str, str]]:
    return [(f"{fmt}:{a.id}", a, EXTENSIONS[fmt], text) for a, text in parts]


def _ids_digest(articles: list[Article]) -> str:
    import hashlib

    return hashlib.sha256("\0".join(a.id for a in articles).encode()).hexdigest()


def _stage(folder: str, outputs: list[tuple[str, Article, str, str]]) -> list[str | None]:
    """Write each output to a new temporary file in ``folder``; their names, None for an output
    whose file (named in the manifest) is unchanged.  All None when one cannot be written: the
    parent then writes them itself, and reports the error."""
    try:
        manifest = _load_manifest(Path(folder))
    except ExportError:
        manifest = {}
    names: list[str | None] = []
    try:
        for n, (key, _, _, text) in enumerate(outputs):
            data = text.encode("utf-8", errors="replace")
            old = manifest.get(key)
            if old is not None and _same_content(Path(folder, old), data):
                names.append(None)  # the parent finds it unchanged too: nothing to write
                continue
            name = f".export-{n}{TMP_MARK}{os.getpid()}"
            _write_new(os.path.join(folder, name), data)
            names.append(name)
    except OSError:
        for name in names:
            if name is not None:
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(folder, name))
        return [None] * len(outputs)
    return names


def _worker_main(
    conn: Any, library: str, article_ids: list[str], cut: int, digest: str, job: _Job,
    folder: str,
) -> None:
    """In the worker process: open the library read-only, take the articles from ``cut`` on
    (checking they are the parent's: ``digest``), render them and (more than DURABLE_MAX_FILES
    of them) write each to a temporary file in ``folder``; send back ``("ok", [(article id,
    text, temporary file name or None), ...])`` or ``("error", message)``."""
    try:
        from tuireader.library.store import Store

        with Store(library, read_only=True) as store:
            articles = _ordered_articles(store, article_ids)[0][cut:]
            if _ids_digest(articles) != digest:
                raise ExportError("the library changed during the export")
            rendered = _render_part(store, articles, job)
        staged = (_stage(folder, _outputs(rendered, job.fmt))
                  if len(rendered) > DURABLE_MAX_FILES else [None] * len(rendered))
        result: tuple[str, Any] = ("ok", [(a.id, text, tmp) for (a, text), tmp
                                          in zip(rendered, staged, strict=True)])
    except BaseException as exc:  # reported to the parent, which renders the part itself
        result = ("error", f"{type(exc).__name__}: {exc}")
    conn.send(result)
    conn.close()


class _Worker:
    """A second process rendering (and writing) the articles from ``cut`` on.

    Started with "spawn", never "fork": the caller may have threads, whose locks a fork would
    copy.  The worker is sent a few short values, not the articles: ``multiprocessing`` writes
    them into a pipe whose reading end it holds itself until the write ends, so a child dying
    before reading more than a pipe buffer would leave this process blocked for ever.
    :meth:`start` returns None when no process can be started (the caller renders everything
    itself); :meth:`result` raises when the worker failed.
    """

    def __init__(self, process: Any, conn: Any) -> None:
        self._process = process
        self._conn = conn

    @classmethod
    def start(
        cls, library: Path, article_ids: list[str], cut: int, rest: list[Article], job: _Job,
        folder: str,
    ) -> _Worker | None:
        import multiprocessing

        try:
            context = multiprocessing.get_context("spawn")
            receive, send = context.Pipe(duplex=False)
            process = context.Process(
                target=_worker_main, name="tuireader-export", daemon=True,
                args=(send, os.fspath(library), article_ids, cut, _ids_digest(rest), job,
                      folder))
            process.start()
        except Exception:  # no process (a sandbox, resource limits): render here instead
            return None
        send.close()
        return cls(process, receive)

    def result(self) -> list[tuple[str, str, str | None]]:
        status, value = self._conn.recv()  # EOFError if the worker died
        if status != "ok":
            raise RuntimeError(value)
        return value  # type: ignore[no-any-return]

    def stop(self) -> None:
        """Close the pipe; a worker still running (the export failed here) is terminated."""
        self._conn.close()
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(1.0)

    def remove_staged(self, folder: str) -> None:
        """Stop the worker and remove its temporary files still in ``folder``."""
        self.stop()
        mark = f"{TMP_MARK}{self._process.pid}"
        with contextlib.suppress(OSError), os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(".export-") and entry.name.endswith(mark):
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)


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
    workers: int = 1,
) -> list[Path]:
    """One file per selected article in ``folder``; returns every target path (sorted).

    ``article_ids`` None or empty: every article with selected highlights.  Pass a
    :class:`FolderReport` as ``report`` to learn which files were written or unchanged.

    ``workers`` > 1 (the command line): an export of :data:`PARALLEL_MIN_ARTICLES` or more is
    rendered by this process and a second one started with "spawn", which reads the library
    from disk (read-only) and writes its files to temporary names that this process then
    renames in order; the output is the same.  The App keeps the default: it exports a few
    articles, from a thread.
    """
    fmt = _check_format(fmt, template)
    stamp = resolve_exported(exported)
    compiled = _compile(template, template_name) if template is not None else None
    article_ids = list(article_ids or ())
    articles, named = _ordered_articles(store, article_ids)
    job = _Job(fmt, template, template_name, stamp, _Filter.of(tag, since, named))
    if workers > 1 and len(articles) >= PARALLEL_MIN_ARTICLES:
        writer = _FolderWriter(Path(folder))
        result = _export_in_parallel(store, article_ids, articles, job, compiled, writer)
    else:
        outputs = _outputs(_render_part(store, articles, job, compiled), fmt)
        writer = _FolderWriter(Path(folder))
        writer.write(outputs, durable=len(outputs) <= DURABLE_MAX_FILES)
        result = writer.finish()
    if report is not None:
        report.written += result.written
        report.unchanged += result.unchanged
    return result.paths


def _export_in_parallel(
    store: Store,
    article_ids: list[str],
    articles: list[Article],
    job: _Job,
    compiled: Any,
    writer: _FolderWriter,
) -> FolderReport:
    """:func:`export_to_folder` with a worker process for the second part of ``articles``."""
    cut = round(len(articles) * _OWN_SHARE)
    worker = _Worker.start(store.dir, article_ids, cut, articles[cut:], job, writer.dir)
    if worker is None:
        cut = len(articles)
    try:
        first = _outputs(_render_part(store, articles[:cut], job, compiled), job.fmt)
        if worker is None:
            writer.write(first, durable=len(first) <= DURABLE_MAX_FILES)
            return writer.finish()
        if len(first) > DURABLE_MAX_FILES:  # so more than that in all: no fsync per file;
            writer.write(first, durable=False)  # write while the worker renders
            first = []
        try:
            by_id = {a.id: a for a in articles[cut:]}
            done = worker.result()
            second = _outputs([(by_id[i], text) for i, text, _ in done], job.fmt)
            staged = {f"{job.fmt}:{i}": tmp for i, _, tmp in done if tmp is not None}
        except Exception:  # the worker failed: render its part here
            second = _outputs(_render_part(store, articles[cut:], job, compiled), job.fmt)
            staged = {}
        outputs = first + second
        writer.write(outputs, durable=len(outputs) <= DURABLE_MAX_FILES, staged=staged)
        return writer.finish()
    finally:
        if worker is not None:  # stop it; remove any temporary file not renamed into place
            worker.remove_staged(writer.dir)  # (the export or the worker failed)
