"""An import in two steps, so a fetcher can sit between them.

``plan = plan_import(store, export)`` finds each work's article (nothing written);
``plan.needs_text()`` lists the works that name a page the library does not hold (a fetcher
fills their ``content``, or sets ``missing_reason``); ``apply_plan(store, plan, ...)`` writes:
per work, the article (matched, created from carried text, highlights-only or link-only),
its metadata merged, then its new highlights anchored and saved in one write.  Each work is
committed on its own, so an interrupted import keeps what it did and a second run adds only
the rest (duplicates are recognised by quote and source location).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tuireader.core.bridge import ForeignExport, ForeignWork, Position
from tuireader.core.document import parse_markdown
from tuireader.core.model import normalise_tag
from tuireader.library.bridge import build
from tuireader.library.bridge.adopt import adopt_into
from tuireader.library.bridge.match import (
    HIGHLIGHTS_ONLY,
    LINK_ONLY,
    Library,
    Match,
    Text,
    Texts,
    match_work,
    normalise_url,
    scan,
    work_key,
)
from tuireader.library.bridge.place import Placed, place, prior
from tuireader.library.bridge.report import ImportReport
from tuireader.library.bridge.text import normalise_quote, normalise_text
from tuireader.library.errors import StorageError

if TYPE_CHECKING:
    from tuireader.library.store import Store

#: (works done, works in all)
Progress = Callable[[int, int], None]


@dataclass
class WorkPlan:
    work: ForeignWork
    match: Match


@dataclass
class ImportPlan:
    """What an import will do: each work with the article it matched (if any)."""

    export: ForeignExport
    works: list[WorkPlan]
    library: Library = field(repr=False)
    texts: Texts = field(repr=False)

    def needs_text(self) -> list[ForeignWork]:
        """Works naming a page by URL, with no text carried, and no article holding it (or
        only a link-only one: a failed fetch of an earlier run is tried again)."""
        out = []
        for wp in self.works:
            work = wp.work
            if not work.url or work.content is not None:
                continue
            aid = wp.match.article_id
            if aid is None or self.library.kind(aid) == LINK_ONLY:
                out.append(work)
        return out

    @property
    def matched(self) -> int:
        return sum(1 for wp in self.works if wp.match.article_id is not None)


def plan_import(store: Store, export: ForeignExport) -> ImportPlan:
    """Match every work of ``export`` with the library (reads only)."""
    lib = Library.of(store)
    texts = Texts(store)
    plans = [WorkPlan(work, match_work(lib, texts, work)) for work in export.works]
    scan(store, lib, texts, [(p.work, p.match) for p in plans
                             if p.match.article_id is None and p.work.highlights])
    return ImportPlan(export, plans, lib, texts)


class _Run:
    def __init__(self, store: Store, plan: ImportPlan, dry_run: bool) -> None:
        self.store = store
        self.plan = plan
        self.dry = dry_run
        self.lib = plan.library
        self.texts = plan.texts
        self.fmt = plan.export.format
        self.report = ImportReport(format=self.fmt, dry_run=dry_run)
        self.report.skipped = [(s.reason, s.where) for s in plan.export.skipped]
        ignored = dict(plan.export.ignored)
        self.report.duplicates_skipped = ignored.pop("duplicates", 0)
        self.report.ignored = ignored

    def work(self, wp: WorkPlan) -> None:
        work, m = wp.work, wp.match
        aid = m.article_id
        if aid is None and work.url:
            aid = self.lib.by_url.get(normalise_url(work.url))
        if m.highlights_only is None or m.highlights_only not in self.lib.records:
            m.highlights_only = self.lib.by_key.get(work_key(work.title, work.author))
        if work.content is not None and (aid is None or self.lib.kind(aid) == LINK_ONLY):
            aid = self._add_text(work, aid)
            if aid is None:
                return
        elif aid is not None:
            self.report.articles_matched += 1
        elif work.highlights or (work.notes and not work.url):
            self._highlights_only(work, m.highlights_only)
            return
        elif work.url:
            self._link_only(work)
            return
        else:
            self.report.skipped.append(("nothing to import (no text, highlights or URL)",
                                        work.where or work.title))
            return
        self._merge(work, aid)
        ho = self.store.get_article(m.highlights_only) if m.highlights_only else None
        if ho is not None and ho.kind == HIGHLIGHTS_ONLY and ho.id != aid and not self.dry:
            # The work's stand-in, from an earlier import: its highlights (with what the
            # reader added to them since) join the real text first, the new ones after.
            # (Adding the text may have done it already: then the stand-in is gone.)
            self.report.moved += adopt_into(self.store, ho.id, aid)
            self.lib.records.pop(ho.id, None)
            self.lib.by_key.pop(ho.source, None)
        if aid in self.lib.records or not self.dry:
            self._anchor(work, aid)

    # -- articles -----------------------------------------------------------------------------

    def _register(self, aid: str) -> None:
        article = self.store.get_article(aid)
        if article is not None:
            record = article.to_record()
            self.lib.add(aid, record)
            if article.kind == HIGHLIGHTS_ONLY:
                self.lib.by_key[article.source] = aid
            for url in (article.url, article.source):
                if "://" in url:
                    self.lib.by_url.setdefault(normalise_url(url), aid)

    def _add_text(self, work: ForeignWork, link_id: str | None) -> str | None:
        link = self.store.get_article(link_id) if link_id else None
        content = build.with_defaults(work, link.source if link else "")
        if self.dry:
            self.report.articles_created += 1 if link is None else 0
            self.report.articles_matched += 1 if link is not None else 0
            plain = parse_markdown(content.markdown).plain_text
            self._count_dry(work, Text(plain, normalise_text(plain)))
            return None
        result = self.store.add_article(content, tags=work.tags)
        aid = result.article.id
        if result.status == "added":
            self.report.articles_created += 1
        else:
            self.report.articles_matched += 1
        self.texts.forget(aid)
        self._register(aid)
        return aid

    def _link_only(self, work: ForeignWork) -> None:
        self.report.articles_created += 1
        self.report.link_only += 1
        if self.dry:
            return
        result = self.store.add_article(build.link_only(work), tags=work.tags)
        self._register(result.article.id)
        self._merge(work, result.article.id)

    def _merge(self, work: ForeignWork, aid: str) -> None:
        """Tags added, notes appended, archived/progress taken only when the library has none."""
        article = self.store.get_article(aid)
        if article is None:
            return
        before = article.to_record()
        article.tags = list(dict.fromkeys(t for t in map(normalise_tag, [*article.tags,
                                                                          *work.tags]) if t))
        for note in work.notes:
            if note.strip() and note.strip() not in article.note:
                article.note = f"{article.note}\n\n{note.strip()}" if article.note else note.strip()
                self.report.notes += 1
        if not article.archived and not article.progress:
            article.archived = work.archived
            article.progress = max(0.0, min(1.0, work.progress or 0.0))
        if article.to_record() != before and not self.dry:
            self.store.update_article(article)

    def _highlights_only(self, work: ForeignWork, ho_id: str | None) -> None:
        existing: list[tuple[float, str]] = []
        seen = build.Seen([])
        if ho_id is not None:
            self.report.articles_matched += 1
            highlights = self.store.highlights(ho_id)
            seen = build.Seen(highlights)
            size = max(1, len(self.texts.get(ho_id).plain))
            existing = [(h.start / size, h.exact) for h in highlights if h.anchor != "orphan"]
        else:
            self.report.articles_created += 1
        fresh = [(h.position.fraction if h.position.fraction is not None else 2.0, h.quote)
                 for h in work.highlights
                 if not h.warning and not seen.duplicate(h.quote, h.location)]
        if self.dry:
            known = build.Seen(self.store.highlights(ho_id)) if ho_id else build.Seen([])
            self._count_dry(work, None, known)
            return
        quotes = [q for _f, q in sorted(existing + fresh, key=lambda fq: fq[0])]
        if fresh or ho_id is None:
            result = self.store.add_article(build.highlights_only(work, self.fmt, quotes),
                                            tags=work.tags)
            ho_id = result.article.id
            self.texts.forget(ho_id)
            self._register(ho_id)
        self._merge(work, ho_id)
        # Where each quote was written: the place to anchor it (a quote may also be part of
        # a longer one).
        norm, cursor = self.texts.get(ho_id).norm, 0
        starts: dict[str, list[int]] = {}
        for q in map(normalise_quote, quotes):
            at = norm.find(q, cursor)
            if at != -1:
                starts.setdefault(q, []).append(at)
                cursor = at + len(q)
        self._anchor(work, ho_id, starts)

    # -- highlights ---------------------------------------------------------------------------

    def _anchor(self, work: ForeignWork, aid: str,
                starts: dict[str, list[int]] | None = None) -> None:
        """Place the work's new highlights in the article and save them in one write
        (``starts``: where each quote is known to be, by normalised quote)."""
        text = self.texts.get(aid)
        spine = (self.store.spine(aid) if any(h.position.spine_index is not None
                                              for h in work.highlights) else [])
        seen = build.Seen(self.store.highlights(aid))
        new = []
        for fh in work.highlights:
            if seen.duplicate(fh.quote, fh.location):
                self.report.duplicates_skipped += 1
                continue
            if fh.warning:
                at = prior(text, fh.position, spine) or 0
                placed = Placed(at, at, "orphan")
                self.report.warnings.append(f"{work.title}: {fh.location}: {fh.warning}")
            else:
                position = fh.position
                known = starts.get(normalise_quote(fh.quote)) if starts else None
                if known:
                    position = Position(start=known.pop(0))
                placed = place(text, fh.quote, position, spine)
            new.append(build.highlight(aid, text, fh, placed, self.fmt))
            self.report.count(placed.status)
            if fh.note.strip():
                self.report.notes += 1
        if new and not self.dry:
            self.store.save_highlights(new)

    def _count_dry(self, work: ForeignWork, text: Text | None,
                   seen: build.Seen | None = None) -> None:
        """Dry run on a text not written (None: a highlights-only text, where every quote
        is found)."""
        seen = seen or build.Seen([])
        for fh in work.highlights:
            if seen.duplicate(fh.quote, fh.location):
                self.report.duplicates_skipped += 1
                continue
            status = "orphan" if fh.warning or not normalise_quote(fh.quote) else (
                "ok" if text is None else place(text, fh.quote, fh.position, []).status)
            if fh.warning:
                self.report.warnings.append(f"{work.title}: {fh.location}: {fh.warning}")
            self.report.count(status)
            if fh.note.strip():
                self.report.notes += 1


def apply_plan(store: Store, plan: ImportPlan, *, dry_run: bool = False,
               progress: Progress | None = None,
               should_stop: Callable[[], bool] | None = None) -> ImportReport:
    """Do what ``plan`` says, work by work (each committed on its own); ``dry_run`` writes
    nothing and counts the same.  ``should_stop`` is asked between works (Ctrl+C)."""
    run = _Run(store, plan, dry_run)
    total = len(plan.works)
    for done, wp in enumerate(plan.works, start=1):
        if should_stop is not None and should_stop():
            run.report.stopped = True
            break
        try:
            run.work(wp)
        except StorageError as exc:
            run.report.skipped.append((f"not saved: {exc}", wp.work.where or wp.work.title))
        if progress is not None:
            progress(done, total)
    return run.report
