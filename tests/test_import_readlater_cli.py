"""``tuireader import`` on read-later exports, end to end: Pocket (fetched from a local server,
and with ``--no-fetch``), wallabag and Omnivore (their text in the file), idempotence, a URL
already in the library merged, ``--dry-run``.

The command (``cli/importing.py``) and the engine (``library/bridge``) are built on another
branch: this module is skipped until they are merged.  It asserts on the library's state (read
through the store), not on the wording or the keys of the command's summary.
"""

from __future__ import annotations

import json
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytest.importorskip("tuireader.cli.importing")

from tuireader.cli.main import main
from tuireader.core.model import Article, ImportedArticle
from tuireader.library.store import Store


def _page(n: str) -> bytes:
    para = (f"<p>Paragraph of the saved page {n}, long enough to be the article text the "
            "importer keeps when it extracts the main content of the page.</p>")
    return (f"<html><head><title>Page {n}</title></head><body><article><h1>Page {n}</h1>"
            + para * 6 + "</article></body></html>").encode()


class Pages:
    """A local server: /ok/<n> pages, /gone (404 until ``revive``), counting requests."""

    def __init__(self) -> None:
        self.requests = 0
        self.gone = True
        pages = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

            def do_GET(self) -> None:
                pages.requests += 1
                if self.path.startswith("/ok/") or (self.path == "/gone" and not pages.gone):
                    body, status = _page(self.path.rsplit("/", 1)[-1]), 200
                else:
                    body, status = b"not found", 404
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def pages() -> Iterator[Pages]:
    server = Pages()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def _pocket_csv(path: Path, base: str) -> Path:
    path.write_text(
        "title,url,time_added,cursor,tags,status\n"
        f"One,{base}/ok/1,1600322788,c1,go|rust,unread\n"
        f"Two,{base}/ok/2,1600172739,c2,,archive\n"
        f"Gone,{base}/gone,1599806347,c3,lost,unread\n", "utf-8")
    return path


def _articles(library: Path) -> list[Article]:
    store = Store(library)
    try:
        return sorted(store.list_articles(), key=lambda a: a.title)
    finally:
        store.close()


def _snapshot(library: Path) -> list[tuple[str, str, str, bool, tuple[str, ...], int]]:
    store = Store(library)
    try:
        return sorted((a.id, a.kind, a.content_hash, a.archived, tuple(a.tags),
                       len(store.highlights(a.id))) for a in store.list_articles())
    finally:
        store.close()


def _run(*argv: str) -> int:
    return main(["import", *argv])


def test_pocket_fetched_failed_page_kept_as_link_only(tmp_path: Path, pages: Pages) -> None:
    library = tmp_path / "lib"
    export = _pocket_csv(tmp_path / "pocket.csv", pages.base)
    _run(str(export), "--library", str(library))
    gone, one, two = _articles(library)
    assert (one.title, one.kind, one.tags, one.archived) == ("One", "article", ["go", "rust"],
                                                              False)
    assert two.archived and two.kind == "article"
    store = Store(library)
    try:
        assert "saved page 2" in store.read_markdown(two.id)
    finally:
        store.close()
    assert gone.kind == "link-only" and gone.tags == ["lost"]
    assert gone.url == f"{pages.base}/gone" and gone.title == "Gone"

    # Running it again adds nothing.
    before = _snapshot(library)
    _run(str(export), "--library", str(library))
    assert _snapshot(library) == before

    # The page that failed is there now: running again fetches it (no new article).
    pages.gone = False
    _run(str(export), "--library", str(library))
    after = _articles(library)
    assert len(after) == 3
    revived = next(a for a in after if a.title == "Gone")
    assert revived.kind == "article" and revived.id == gone.id


def test_pocket_no_fetch_makes_link_only_articles_at_once(tmp_path: Path,
                                                          pages: Pages) -> None:
    library = tmp_path / "lib"
    export = _pocket_csv(tmp_path / "pocket.csv", pages.base)
    _run(str(export), "--library", str(library), "--no-fetch")
    articles = _articles(library)
    assert len(articles) == 3 and all(a.kind == "link-only" for a in articles)
    assert pages.requests == 0
    assert next(a for a in articles if a.title == "Two").archived


def test_dry_run_changes_nothing(tmp_path: Path, pages: Pages,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    library = tmp_path / "lib"
    Store(library).close()
    export = _pocket_csv(tmp_path / "pocket.csv", pages.base)
    assert _run(str(export), "--library", str(library), "--dry-run", "--json") == 0
    assert isinstance(json.loads(capsys.readouterr().out), dict)
    assert _articles(library) == []


def test_url_already_in_the_library_is_merged(tmp_path: Path, pages: Pages) -> None:
    library = tmp_path / "lib"
    store = Store(library)
    try:
        mine = store.add_article(ImportedArticle(
            title="Mine", markdown="My own copy of the first page, with words.\n",
            url=f"{pages.base}/ok/1", source=f"{pages.base}/ok/1"), tags=["mine"]).article
    finally:
        store.close()
    export = _pocket_csv(tmp_path / "pocket.csv", pages.base)
    _run(str(export), "--library", str(library), "--no-fetch")
    articles = _articles(library)
    assert len(articles) == 3
    merged = next(a for a in articles if a.id == mine.id)
    assert set(merged.tags) == {"mine", "go", "rust"} and merged.kind == "article"


def test_wallabag_real_file(tmp_path: Path, shared_corpus: Path) -> None:
    library = tmp_path / "lib"
    path = shared_corpus / "bridges/readlater/wallabag/wallabag-v2.json"
    _run(str(path), "--library", str(library), "--no-fetch")
    articles = _articles(library)
    assert len(articles) == 6
    assert all(a.kind == "article" for a in articles)  # the text was in the file
    starred = [a for a in articles if "starred" in a.tags]
    assert any("mediapart" in a.tags for a in starred)
    before = _snapshot(library)
    _run(str(path), "--library", str(library), "--no-fetch")
    assert _snapshot(library) == before


def test_omnivore_zip_with_highlights(tmp_path: Path) -> None:
    library = tmp_path / "lib"
    meta = [{"id": "1", "slug": "fox", "title": "The Fox", "author": "Ann Author",
             "url": "https://omnivore.example/fox", "state": "Archived",
             "readingProgress": 40, "labels": ["animals"],
             "savedAt": "2024-10-29T16:30:11.000Z"}]
    content = ("<html><body><p>The quick brown fox jumps over the lazy dog. It was a "
               "bright cold day in April.</p><p>A second paragraph closes it.</p></body></html>")
    highlights = ("A note on the whole article.\n\n"
                  "> The quick brown fox jumps over the lazy dog.\n\n#classic\n\nMy note.\n")
    path = tmp_path / "omnivore.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("metadata_0_to_1.json", json.dumps(meta))
        zf.writestr("content/fox.html", content)
        zf.writestr("highlights/fox.md", highlights)
    _run(str(path), "--library", str(library), "--no-fetch")
    (fox,) = _articles(library)
    assert fox.title == "The Fox" and fox.archived and "animals" in fox.tags
    assert fox.kind == "article"
    store = Store(library)
    try:
        (mark,) = store.highlights(fox.id)
        assert mark.exact == "The quick brown fox jumps over the lazy dog."
        assert mark.note == "My note." and "classic" in mark.tags
    finally:
        store.close()
    before = _snapshot(library)
    _run(str(path), "--library", str(library), "--no-fetch")
    assert _snapshot(library) == before


def test_not_an_export_is_one_line_and_non_zero(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "notes.bin"
    path.write_bytes(b"\x00\x01 nothing anyone exports")
    assert _run(str(path), "--library", str(tmp_path / "lib")) != 0
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err and "Traceback" not in err
