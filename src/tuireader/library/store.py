"""The library: articles, their Markdown bodies, and their highlights, in one folder.

The folder's layout and the per-machine folder beside it: ``docs/architecture.md`` ("The
library on disk"); it can be synchronised between machines (see :mod:`~.merge`).

:class:`Store` is the front door: it opens the folder (the lock, read-only or not, the schema)
and holds the rooms, each an object with its own state: :class:`~.articles.Articles`
(``library.json`` and the bodies), :class:`~.shards.ShardSet` (the highlight shards, their
copies in memory and their locks), :class:`~.preload.Preload` (reading the shards in the
background) and :class:`~.trash.Trash`.  Its methods are what the App, the command line and the
exporters call; the few that span rooms (an import, a removal) are written here.

Every write goes through :class:`~tuireader.library.durable.DurableStorage` (temp file, fsync,
atomic rename, fsync of the folder): when a method returns, the change is on disk.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tuireader.core.document import parse_markdown
from tuireader.core.model import (
    Article,
    Highlight,
    ImportedArticle,
    SpineItem,
    new_id,
    normalise_tag,
)
from tuireader.library.articles import AddResult, Articles, Opening, content_hash, refuse_surrogates
from tuireader.library.bridge.adopt import adopt_highlights
from tuireader.library.durable import DurableStorage, atomic_write_bytes, remove_stale_temp_files
from tuireader.library.errors import (
    NotFound,
    ReadOnlyError,
    StorageError,
    StoreError,
    read_only_error,
)
from tuireader.library.fulltext import FullText, default_index_path
from tuireader.library.layout import open_index
from tuireader.library.lock import LibraryLock
from tuireader.library.migrations import MIGRATIONS, SCHEMA_VERSION, check_schema
from tuireader.library.parse_cache import parsed, save_parsed
from tuireader.library.preload import Preload
from tuireader.library.reconcile import AT_OPEN, Reconciler, Report, text_hash
from tuireader.library.review import Review
from tuireader.library.search import HighlightIndex
from tuireader.library.shards import SHARD_BACKUPS, SHARD_RECHECK_SECONDS, ShardSet
from tuireader.library.sync_state import SyncState
from tuireader.library.trash import Trash

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "SHARD_BACKUPS", "SHARD_RECHECK_SECONDS", "AddResult",
           "HighlightIndex", "NotFound", "Opening", "ReadOnlyError", "Store", "StoreError",
           "content_hash"]


def _merge_tags(current: Iterable[str], extra: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(t for t in map(normalise_tag, [*current, *extra]) if t))


class Store:
    """A library folder, opened for reading and (if the lock can be had) writing.

    Thread-safe: the App calls it from thread workers.  Open with ``Store(path)``; ``warnings``
    then lists anything the user must be told (read-only because another instance holds the lock,
    a corrupt file recovered from backup, a newer schema).  Close with :meth:`close`.

    ``repair=False`` leaves damage found at opening as it is (``tuireader check`` without
    ``--repair``); by default it is repaired, even when opened read-only if the lock is free.

    ``preload=True`` starts :meth:`start_preload` (reading every highlight shard in the
    background); the App wants it, a one-shot command line does not.  Warnings found later (a
    shard recovered from its backup during a query) are appended to ``warnings`` too.

    Attributes: ``articles`` (:class:`~.articles.Articles`), ``shards``
    (:class:`~.shards.ShardSet`: a highlight edit goes straight to ``shards.save``), ``preload``
    (:class:`~.preload.Preload`), ``trash`` (:class:`~.trash.Trash`).
    """

    def __init__(
        self, library_dir: str | Path, *, read_only: bool = False, preload: bool = False,
        repair: bool = True, index_path: Path | None = None,
    ) -> None:
        self.dir = Path(library_dir).expanduser()
        self.warnings: list[str] = []
        self.lock = LibraryLock(self.dir)
        self._forced_read_only = False
        if self.dir.exists() and not self.dir.is_dir():
            raise StoreError(f"library path {self.dir} exists and is not a folder")
        for parent in self.dir.parents:
            # A file on the way would otherwise read as an empty library.
            if parent.exists():
                if not parent.is_dir():
                    raise StoreError(f"library path {self.dir}: {parent} is not a folder")
                break
        self.read_only = read_only
        if not read_only:
            try:
                (self.dir / "articles").mkdir(parents=True, exist_ok=True)
                (self.dir / "annotations").mkdir(exist_ok=True)
            except OSError as exc:
                if not self.dir.is_dir():
                    raise StoreError(
                        f"cannot create the library folder {self.dir}: {exc.strerror or exc}"
                    ) from exc
                self._go_read_only(f"the library folder {self.dir} is not writable")
        if not self.read_only:
            self._acquire_lock()
        self.trash = Trash(self.dir / "trash")
        opened = len(self.warnings)  # what reading the index says is redone by a repair
        try:
            if not self.read_only:
                for sub in ("", "articles", "annotations", "reading"):
                    remove_stale_temp_files(self.dir / sub)
                self.trash.clean()
            place = open_index(self.dir, read_only=self.read_only, warn=self._warn)
            storage = DurableStorage(place.path, read_only=self.read_only,
                                     on_warning=self._warn, root=place.path.parent)
            newer = check_schema(storage, read_only=self.read_only, warn=self._warn)
            if newer is not None:
                self._go_read_only(newer)
                storage.read_only = True
                # Leave the library to the newer program: it may be started while this one runs.
                self._release_lock()
        except BaseException:
            self._release_lock()
            raise
        self.articles = Articles(self.dir, storage, self._warn)
        self.reconciler = Reconciler(self.articles, self.dir / "annotations", self._warn)
        #: Per-machine state and what a sync brought (see :mod:`~.sync_state`).
        self.sync = SyncState(self, first=place.first)
        if repair:
            self._reconcile(opened)
        self.shards = ShardSet(self.dir / "annotations", read_only=self.read_only, root=self.dir,
                               repair=self._repair_shard if repair else None,
                               article_ids=self.articles.ids, exists=self.articles.exists,
                               on_warning=self._warn, backups=self.sync.shard_backups)
        self.preload = Preload(self.shards, self.articles.ids)
        #: The search index (derived, per machine): told of every write through two hooks.
        self.fulltext = FullText(self, index_path or default_index_path(self.dir),
                                 writable=True, on_warning=self._warn)
        self.articles.on_change = self.shards.on_change = self.fulltext.article_changed
        #: The daily review's state (``review/``): see :mod:`~tuireader.library.review`.
        self.review = Review(self, self.dir / "review")
        self.sync.opened()
        if preload:
            self.start_preload()

    # -- opening ------------------------------------------------------------------------------

    def _warn(self, message: str) -> None:
        self.warnings.append(message)

    def _go_read_only(self, why: str) -> None:
        self.read_only = True
        self._forced_read_only = True
        self._warn(f"{why}: opened read-only, changes will not be saved")

    def _acquire_lock(self) -> None:
        why = self.lock.acquire()
        if why is not None:
            self._go_read_only(why)

    def _reconcile(self, mark: int) -> None:
        """Bring the index in line with the files on disk, saying once what was found and done
        (see :mod:`~.reconcile`).

        A library opened read-only by choice (the read commands) is still repaired when the
        lock is free: the first command to see the damage fixes it, ``list`` as much as
        ``add``.  When another program holds the lock, what was found is shown from memory and
        left to it.
        """
        findings = [f for f in self.reconciler.scan() if f.kind in AT_OPEN]
        if not findings and len(self.warnings) == mark:
            return
        storage = self.articles.storage
        if self.read_only and not self._forced_read_only and self.lock.acquire() is None:
            del self.warnings[mark:]  # said again below, with what was done
            storage.read_only = False
            storage.close()
            try:
                again = self.reconciler.scan()
                self.reconciler.repair_and_say([f for f in again if f.kind in AT_OPEN])
            finally:
                storage.read_only = True
                self._release_lock()
        elif not self.read_only:
            self.reconciler.repair_and_say(findings)
        elif findings:
            self.reconciler.show(findings)
            for line in Report(findings).summary(repaired=False):
                self._warn(line)

    def _repair_shard(self, path: Path) -> bool:
        """A damaged shard met by a store read-only by choice: repair it (moved aside, its
        backup restored) if the lock is free, as :meth:`_reconcile` does for the index."""
        if not self.read_only or self._forced_read_only or self.lock.acquire() is not None:
            return False
        try:
            return self.reconciler.repair_shard(path)
        finally:
            self.lock.release()

    def _release_lock(self) -> None:
        self.lock.release()

    def close(self) -> None:
        """Release the lock and the in-memory copies.  Waits for a running preload to stop."""
        self.preload.stop()
        self.fulltext.close()
        self.sync.close()
        self.shards.close()
        self.review.close()
        self.articles.close()
        self._release_lock()

    def start_preload(self) -> None:
        """Read every highlight shard in a background thread (see :class:`~.preload.Preload`),
        after the search index's start check."""
        self.preload.start(first=self.fulltext.check)

    @property
    def preloading(self) -> bool:
        """True while :meth:`start_preload`'s thread is still reading shards."""
        return self.preload.running

    def wait_preload(self, timeout: float | None = None) -> bool:
        """Wait until the preload has read every shard; True if it has (or never started)."""
        return self.preload.join(timeout)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _require_writable(self) -> None:
        if self.read_only:
            raise read_only_error()

    @property
    def seeded(self) -> bool:
        """True once the bundled samples were offered to this library (so they never come back)."""
        return bool(self.articles.meta().get("seeded"))

    def mark_seeded(self) -> None:
        self._require_writable()
        self.articles.set_meta(seeded=True)

    # -- articles -----------------------------------------------------------------------------

    def parse_cache_path(self, article_id: str) -> Path:
        """Where the reader keeps the parsed form of an article's body (derived, rebuildable)."""
        return self.articles.parse_cache_path(article_id)

    def body_path(self, article_id: str) -> Path:
        return self.articles.body_path(article_id)

    def list_articles(self) -> list[Article]:
        return self.articles.all()

    def get_article(self, article_id: str) -> Article | None:
        return self.articles.get(article_id)

    def resolve(self, ref: str) -> Article:
        """The article whose id is ``ref`` or starts with it (like git); NotFound otherwise."""
        return self.articles.resolve(ref)

    def find_by_hash(self, digest: str) -> Article | None:
        return self.articles.find("content_hash", digest)

    def find_by_source(self, source: str) -> Article | None:
        if not source or source == "-":
            return None
        return self.articles.find("source", source)

    def read_markdown(self, article_id: str) -> str:
        return self.articles.read_markdown(article_id)

    def spine(self, article_id: str) -> list[SpineItem]:
        """A book's spine map (see :class:`~tuireader.core.model.SpineItem`); [] otherwise."""
        return self.articles.read_spine(article_id)

    def read_opening(self, article_id: str) -> Opening:
        """The article, its text and its highlights (NotFound, StoreError or OSError)."""
        article = self.get_article(article_id)
        if article is None:
            raise NotFound(f"no article with id {article_id}")
        return Opening(article, self.read_markdown(article_id), self.highlights(article_id))

    def most_recent(self) -> str | None:
        """The id of the article opened last, if any has been opened."""
        return self.articles.most_recent()

    def titles(self) -> dict[str, str]:
        """Article id -> title, for every article (no :class:`Article` objects made)."""
        return self.articles.titles()

    def add_article(self, imported: ImportedArticle, tags: Iterable[str] = ()) -> AddResult:
        """Store an imported article.

        The same content (by hash) is reported as "exists".  New content from a source already in
        the library (same URL or path) replaces that article's text and keeps its id, tags,
        highlights and reading state: "updated".
        """
        self._require_writable()
        refuse_surrogates(imported, tags)
        markdown = imported.markdown
        digest = content_hash(markdown)
        clean_tags = _merge_tags([], tags)
        document = imported.parsed() or parse_markdown(markdown)  # an EPUB's: parsed once
        plain = document.plain_text
        same_text = text_hash(plain)
        with self.articles.lock:
            # The same text from another path or URL (its links resolved against another
            # base) is the same article, as much as the same bytes are.
            existing = self.find_by_hash(digest) or self.articles.find_text(same_text)
            if existing:
                if clean_tags and set(clean_tags) - set(existing.tags):
                    existing.tags = _merge_tags(existing.tags, clean_tags)
                    self.articles.put(existing)
                return AddResult(existing, "exists")
            previous = self.find_by_source(imported.source)
            article = previous or Article(id=self._fresh_id(), title=imported.title)
            article.title = imported.title or article.title or "Untitled"
            article.author = imported.author
            article.source = imported.source
            article.url = imported.url
            article.site = imported.site
            article.published = imported.published
            article.language = imported.language
            article.kind = imported.kind
            article.identifiers = list(dict.fromkeys([*article.identifiers,
                                                      *imported.identifiers]))
            article.publisher = imported.publisher
            article.series = imported.series
            article.content_hash = digest
            article.word_count = len(plain.split())
            article.char_count = len(plain)
            article.tags = _merge_tags(article.tags, clean_tags)
            # Order matters for a crash between steps: the body first, then the highlights
            # re-anchored to it, the metadata (sidecar, then index, with the new hash) last.
            # Until the metadata is written the import is not acknowledged, and running it
            # again redoes every step (re-anchoring works from each highlight's quote, so it
            # is idempotent).  A failure (disk full) of a new article removes what it wrote.
            old_text = self._old_plain_text(previous.id) if previous is not None else None
            body = self.body_path(article.id)
            try:
                atomic_write_bytes(body, markdown.encode("utf-8"))
                self.articles.write_spine(article.id, imported.spine)
                try:
                    # The import parsed the article anyway: keep the parse, so the first open
                    # in the reader shows the saved place at once, whatever its size.
                    save_parsed(body, markdown, document)
                except OSError as exc:
                    self._warn(f"cannot cache the parsed article {article.id}: {exc}")
                if previous is not None:
                    self.shards.reanchor(previous.id, plain, old_text)
                    article.position = min(article.position, len(plain))
                self.articles.put(article, text_hash=same_text)
            except (OSError, StorageError) as exc:
                if previous is None:
                    for path in (body, self.articles.spine_path(article.id),
                                 self.parse_cache_path(article.id),
                                 self.articles.sidecar_path(article.id)):
                        path.unlink(missing_ok=True)
                cause = exc if isinstance(exc, OSError) else exc.__cause__
                reason = (cause.strerror if isinstance(cause, OSError) and cause.strerror
                          else str(exc))
                raise StoreError(f"could not save the article: {reason}; "
                                 + ("nothing was added" if previous is None
                                    else "its highlights and metadata are unchanged")) from exc
            result = AddResult(article, "updated" if previous else "added")
        adopt_highlights(self, result)  # imported highlights waiting for this text move onto it
        return result

    def _old_plain_text(self, article_id: str) -> str | None:
        """The plain text an article's highlights are anchored in (before a re-import), or
        None if its body cannot be read (re-anchoring then works from the quotes alone)."""
        if not self.shards.view(article_id).records:
            return None
        try:
            return parsed(self.body_path(article_id), self.read_markdown(article_id)).plain_text
        except (OSError, StoreError):
            return None

    def _fresh_id(self) -> str:
        while True:
            candidate = new_id()
            if self.get_article(candidate) is None and not self.body_path(candidate).exists():
                return candidate

    def update_article(self, article: Article) -> None:
        """Save an article's metadata (title, tags ...; its reading state too if changed)."""
        self._require_writable()
        self.articles.update(article)

    def save_reading(self, article: Article) -> None:
        """Save where the reader is (position, progress, last opened): this device's reading
        file only (see :mod:`~.reading`), the reader's save each time it rests."""
        self._require_writable()
        self.articles.save_reading(article)

    def remove_article(self, article_id: str) -> Path:
        """Move an article, its text, highlights and review state to ``trash/``; return that
        folder."""
        self._require_writable()
        with self.articles.lock, self.shards.locked(article_id):
            article = self.get_article(article_id)
            if article is None:
                raise NotFound(f"no article with id {article_id!r}")
            record = {"article": article.to_record(),
                      "highlights": [h.to_record() for h in self.highlights(article_id)]}
            folder = self.trash.keep_record(article_id, record)
            # The trash record (metadata and every highlight) is durable before anything is
            # removed; the article leaves library.json next, and only then are its files moved,
            # so a crash in between leaves at worst an unreferenced file, never a listed article
            # without its text.  The shard's lock, held throughout, keeps a save out meanwhile.
            self.articles.remove(article_id)
            self.parse_cache_path(article_id).unlink(missing_ok=True)
            shard = self.shards.path(article_id).name
            # The review's state goes with it (and comes back with it: see Tombstones.revive).
            moves = [*self.articles.trash_moves(article_id), *self.review.files.detach(article_id)]
            moves += [(path, "annotations.json" + path.name.removeprefix(shard))
                      for path in self.shards.detach(article_id)]
            self.trash.move_in(folder, moves)
            return folder

    # -- highlights ---------------------------------------------------------------------------

    def highlights(self, article_id: str) -> list[Highlight]:
        """The article's highlights in text order (new objects: the caller may change them)."""
        return self.shards.highlights(article_id)

    def all_highlights(self) -> list[Highlight]:
        """Every highlight in the library (orphans included), article by article in text order."""
        return self.query_highlights()

    def highlight_index(self, *, recheck: bool = True) -> HighlightIndex:
        """Every highlight's record and folded search text, article by article in text order.

        For library-wide views of many highlights: no :class:`Highlight` objects are made.  The
        records are the store's own parsed dicts: callers must treat them as read-only (make a
        ``Highlight.from_record`` to change one).

        ``recheck=False``: use the shards as last read, without looking at their files (one
        ``stat`` each, 2,000 of them for a big library, which a thread sharing the GIL with a
        busy UI pays for in waits).  The caller then runs :meth:`recheck_shards` and builds the
        index again if it says something changed: correct a moment later, never slow to show.
        """
        return self.shards.index(recheck=recheck)

    def recheck_shards(self) -> bool:
        """Look at every highlight shard's file; True if any changed since it was read (by
        another program: this one's saves update the copies in memory)."""
        return self.shards.recheck_all()

    def highlight_counts(self) -> dict[str, int]:
        """How many highlights each article has (every article listed, 0 when none)."""
        return self.shards.counts()

    def query_highlights(
        self,
        *,
        tag: str | None = None,
        article_id: str | None = None,
        search: str | None = None,
    ) -> list[Highlight]:
        """Highlights filtered by tag, article and text (quote, note or tags, case-insensitive).

        The filters run on the raw records (pre-sorted, with their search text folded once per
        shard version) and only the matches become :class:`Highlight` objects: that keeps a
        query over 50,000 highlights well under 100 ms.
        """
        return self.shards.query(normalise_tag(tag) if tag else None, article_id,
                                 search.casefold() if search else None)

    def add_highlight(self, highlight: Highlight) -> Highlight:
        self.shards.save([highlight])
        return highlight

    def save_highlights(self, highlights: list[Highlight]) -> None:
        """Insert or update highlights (all of one article), durably, in one write."""
        self.shards.save(highlights)

    def delete_highlight(self, highlight: Highlight) -> None:
        self.shards.delete(highlight)

    def get_highlight(self, highlight_id: str) -> Highlight | None:
        return self.shards.find(highlight_id)

    def all_tags(self) -> list[str]:
        """Every tag used on an article or a highlight, sorted."""
        tags = self.shards.tags()
        for record in self.articles.records():
            tags.update(str(t) for t in record.get("tags") or ())
        return sorted(tags)
