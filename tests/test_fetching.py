"""The bulk fetcher against a local server (127.0.0.1, port 0) that misbehaves on purpose:
slow, 429 with Retry-After, 500 then 200, a redirect loop, a response that never ends, a gzip
bomb; and a stop in the middle that returns what was done."""

from __future__ import annotations

import gzip
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tuireader.core.bridge import ForeignWork
from tuireader.importers.foreign import fetching
from tuireader.importers.foreign.fetching import STOPPED, FetchStats, fetch_missing


def _page(n: str) -> bytes:
    para = (f"<p>Paragraph of the local article number {n}, long enough to count as the "
            "article text the importer keeps when it extracts the main content.</p>")
    return (f"<html><head><title>Page {n}</title></head><body><article><h1>Page {n}</h1>"
            + para * 6 + "</article></body></html>").encode()


class Server:
    """The misbehaving server: counts requests per path, and the most in flight at once."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        self.hold = threading.Event()  # /held waits for it
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                with server.lock:
                    server.hits[path] += 1
                    hit = server.hits[path]
                    server.in_flight += 1
                    server.most_in_flight = max(server.most_in_flight, server.in_flight)
                try:
                    server.route(self, path, hit)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with server.lock:
                        server.in_flight -= 1

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return self.base + path

    @staticmethod
    def send(h: BaseHTTPRequestHandler, body: bytes, status: int = 200,
             headers: dict[str, str] | None = None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            h.send_header(key, value)
        h.end_headers()
        h.wfile.write(body)

    def route(self, h: BaseHTTPRequestHandler, path: str, hit: int) -> None:
        if path.startswith("/page/"):
            self.send(h, _page(path.rsplit("/", 1)[1]))
        elif path.startswith("/slow/"):
            time.sleep(0.2)
            self.send(h, _page(path.rsplit("/", 1)[1]))
        elif path.startswith("/held/"):
            self.hold.wait(10)
            self.send(h, _page("held"))
        elif path == "/429":
            if hit == 1:
                self.send(h, b"slow down", 429, {"Retry-After": "1"})
            else:
                self.send(h, _page("after 429"))
        elif path == "/always429":
            self.send(h, b"slow down", 429, {"Retry-After": "3600"})
        elif path == "/500":
            if hit == 1:
                self.send(h, b"oops", 500)
            else:
                self.send(h, _page("after 500"))
        elif path in ("/loop-a", "/loop-b"):
            h.send_response(302)
            h.send_header("Location", "/loop-b" if path == "/loop-a" else "/loop-a")
            h.send_header("Content-Length", "0")
            h.end_headers()
        elif path == "/forever":
            h.send_response(200)
            h.send_header("Content-Type", "text/html")
            h.end_headers()
            for _ in range(400):
                h.wfile.write(b"<p>more</p>")
                h.wfile.flush()
                time.sleep(0.05)
        elif path == "/bomb":
            body = gzip.compress(b"<p>" + b"a" * 40_000_000 + b"</p>", compresslevel=9)
            self.send(h, body, headers={"Content-Encoding": "gzip"})
        else:
            self.send(h, b"not found", 404)


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.hold.set()
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetching, "BACKOFF", 0.05)
    monkeypatch.setattr(fetching, "MAX_RETRY_AFTER", 1.0)


def _works(*urls: str) -> list[ForeignWork]:
    return [ForeignWork(title=f"Saved {i}", url=url) for i, url in enumerate(urls)]


def test_pages_fetched_and_imported_with_the_saved_title(server: Server) -> None:
    works = _works(*(server.url(f"/page/{i}") for i in range(6)))
    seen: list[FetchStats] = []
    stats = fetch_missing(works, progress=seen.append)
    assert (stats.done, stats.failed, stats.left, stats.stopped) == (6, 0, 0, False)
    for i, work in enumerate(works):
        assert work.content is not None and not work.missing_reason
        assert f"local article number {i}" in work.content.markdown
        assert work.content.title == f"Saved {i}"
    assert seen and seen[-1].done == 6


def test_works_with_text_or_no_url_are_left_alone(server: Server) -> None:
    works = _works(server.url("/page/1"), "")
    from tuireader.core.model import ImportedArticle
    kept = ImportedArticle(title="Kept", markdown="Already here.\n")
    works.append(ForeignWork(title="Has text", url=server.url("/page/2"), content=kept))
    stats = fetch_missing(works)
    assert stats.total == 1 and works[2].content is kept
    assert server.hits["/page/2"] == 0


def test_at_most_per_host_at_once(server: Server) -> None:
    works = _works(*(server.url(f"/slow/{i}") for i in range(8)))
    stats = fetch_missing(works, concurrency=8, per_host=2)
    assert stats.failed == 0
    assert server.most_in_flight <= 2


def test_429_with_retry_after_then_200(server: Server) -> None:
    (work,) = works = _works(server.url("/429"))
    stats = fetch_missing(works)
    assert work.content is not None and "after 429" in work.content.markdown
    assert server.hits["/429"] == 2 and stats.retries == 1


def test_500_then_200(server: Server) -> None:
    (work,) = works = _works(server.url("/500"))
    fetch_missing(works)
    assert work.content is not None and server.hits["/500"] == 2


def test_retries_are_bounded(server: Server) -> None:
    (work,) = works = _works(server.url("/always429"))
    stats = fetch_missing(works, retries=2)
    assert work.content is None and "HTTP 429" in work.missing_reason
    assert server.hits["/always429"] == 3 and stats.failed == 1


def test_no_retry_on_404(server: Server) -> None:
    (work,) = works = _works(server.url("/missing"))
    fetch_missing(works)
    assert "HTTP 404" in work.missing_reason and server.hits["/missing"] == 1


def test_redirect_loop_never_ending_response_and_gzip_bomb(server: Server) -> None:
    loop, forever, bomb, good = works = _works(
        server.url("/loop-a"), server.url("/forever"), server.url("/bomb"),
        server.url("/page/ok"))
    stats = fetch_missing(works, deadline=2.0, max_bytes=1_000_000)
    assert "too many redirects" in loop.missing_reason
    assert "timed out" in forever.missing_reason
    assert "too large" in bomb.missing_reason
    assert good.content is not None
    assert (stats.done, stats.failed) == (4, 3)


def test_stop_in_the_middle_returns_what_was_done(server: Server) -> None:
    quick = [server.url(f"/page/{i}") for i in range(3)]
    held = [server.url(f"/held/{i}") for i in range(4)]
    works = _works(*quick, *held)
    seen: list[int] = []

    def should_stop() -> bool:
        return len(seen) > 0 and seen[-1] >= 3

    stats = fetch_missing(works, concurrency=2, per_host=2,
                          progress=lambda s: seen.append(s.done), should_stop=should_stop)
    assert stats.stopped and stats.done == 3 and stats.left == 4
    assert all(w.content is not None for w in works[:3])
    assert all(w.content is None and w.missing_reason == STOPPED for w in works[3:])
    server.hold.set()  # the abandoned requests end; nothing changes on the works
    time.sleep(0.3)
    assert all(w.content is None for w in works[3:])

    # Running again completes the rest.
    rest = [w for w in works if w.content is None]
    again = fetch_missing(rest)
    assert (again.done, again.failed) == (4, 0)
    assert all(w.content is not None and not w.missing_reason for w in works)


def test_transient_failures_retried_only_when_asked(server: Server) -> None:
    closed = "http://127.0.0.1:9/"  # the discard port: nothing listens
    (work,) = works = _works(closed)
    stats = fetch_missing(works, retries=1)
    assert work.content is None and stats.retries == 0
    (work,) = works = _works(closed)
    stats = fetch_missing(works, retries=1, retry_transient=True)
    assert work.content is None and stats.retries == 1


def _args(*argv: str) -> object:
    import argparse

    from tuireader.cli.importing_fetch import add_fetch_options

    parser = argparse.ArgumentParser()
    add_fetch_options(parser)
    return parser.parse_args(list(argv))


def test_cli_fetcher_no_fetch_and_summary(server: Server) -> None:
    import io

    from rich.console import Console

    from tuireader.cli.importing_fetch import DRY_RUN, NO_FETCH, make_fetcher

    out = io.StringIO()
    console = Console(file=out, width=200)
    works = _works(server.url("/page/1"), server.url("/missing"))
    make_fetcher(_args("--no-fetch"), console)(works)  # type: ignore[arg-type]
    assert all(w.missing_reason == NO_FETCH and w.content is None for w in works)
    assert sum(server.hits.values()) == 0

    args = _args()
    args.dry_run = True  # type: ignore[attr-defined]  # the import command's --dry-run
    works = _works(server.url("/page/1"))
    make_fetcher(args, console)(works)  # type: ignore[arg-type]
    assert works[0].missing_reason == DRY_RUN and sum(server.hits.values()) == 0

    works = _works(server.url("/page/1"), server.url("/missing"))
    make_fetcher(_args("--concurrency", "3", "--per-host", "1"), console)(works)  # type: ignore[arg-type]
    assert works[0].content is not None and "HTTP 404" in works[1].missing_reason
    assert "Fetched 1 of 2 pages; 1 failed, kept as link-only articles (HTTP 404" in out.getvalue()


def test_cli_fetch_options_are_checked() -> None:
    with pytest.raises(SystemExit):
        _args("--concurrency", "0")
    with pytest.raises(SystemExit):
        _args("--per-host", "many")


def test_ctrl_c_in_the_calling_thread_keeps_what_was_fetched(server: Server) -> None:
    works = _works(*(server.url(f"/page/{i}") for i in range(2)),
                   *(server.url(f"/held/{i}") for i in range(3)))

    pressed: list[bool] = []

    def progress(stats: FetchStats) -> None:
        if stats.done >= 2 and not pressed:
            pressed.append(True)
            raise KeyboardInterrupt  # what Ctrl+C does in the thread that waits

    stats = fetch_missing(works, concurrency=2, per_host=2, progress=progress)
    assert stats.stopped and stats.fetched == 2
    assert [w.content is not None for w in works] == [True, True, False, False, False]
    assert all(w.missing_reason == STOPPED for w in works[2:])
