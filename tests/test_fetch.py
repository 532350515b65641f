"""URL import against a local HTTP server started by the tests (127.0.0.1, port 0)."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tuireader.importers.base import ImportFailed
from tuireader.importers.fetch import fetch_url, import_url

GOOD_PAGE = (
    b"<html><head><title>Local article</title></head><body><article>"
    b"<h1>Local article</h1>"
    + b"<p>This paragraph is the article text served by the local test server. "
    b"It links to <a href='/other'>another page</a>.</p>" * 5
    + b"</article></body></html>"
)


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, Callable[[BaseHTTPRequestHandler], None]] = {}

    def do_GET(self) -> None:
        route = self.routes.get(self.path.split("?")[0])
        if route is None:
            self.send_error(404, "Not Found")
            return
        try:
            route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up on purpose (deadline / size cap)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


def _send(handler: BaseHTTPRequestHandler, body: bytes, ctype: str = "text/html; charset=utf-8",
          status: int = 200, headers: dict[str, str] | None = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", ctype)
    handler.send_header("Content-Length", str(len(body)))
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(body)


def _redirect(to: str) -> Callable[[BaseHTTPRequestHandler], None]:
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", to)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    return route


#: Set when the client hangs up on the trickling server before it sent the whole body (15 s).
_slow_cut = threading.Event()


def _slow(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    try:
        for _ in range(60):
            handler.wfile.write(b"<")
            handler.wfile.flush()
            time.sleep(0.25)
    except (BrokenPipeError, ConnectionResetError):
        _slow_cut.set()
        raise


def _endless(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    chunk = b"<p>more and more text</p>" * 4000
    for _ in range(10_000):
        handler.wfile.write(chunk)


def _gzip_bomb(handler: BaseHTTPRequestHandler) -> None:
    body = gzip.compress(b"<p>" + b"A" * 20_000_000 + b"</p>", compresslevel=9)
    _send(handler, body, headers={"Content-Encoding": "gzip"})


_Handler.routes = {
    "/good": lambda h: _send(h, GOOD_PAGE),
    "/latin1": lambda h: _send(
        h, "<html><body><p>Crème brûlée à la façon de grand-mère, très bon.</p></body></html>"
        .encode("cp1252"), "text/html; charset=windows-1252"),
    "/slow": _slow,
    "/endless": _endless,
    "/bomb": _gzip_bomb,
    "/loop": _redirect("/loop"),
    "/to-file": _redirect("file:///etc/passwd"),
    "/hop1": _redirect("/hop2"),
    "/hop2": _redirect("/good"),
    "/pdf": lambda h: _send(h, b"%PDF-1.4 fake", "application/pdf"),
    "/notype": lambda h: _send(h, GOOD_PAGE, ""),
}


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_good_page(server: str) -> None:
    page = fetch_url(server + "/good")
    assert page.content_type == "text/html"
    assert page.charset == "utf-8"
    article = import_url(server + "/good")
    assert article.title == "Local article"
    assert "article text served by the local test server" in article.markdown
    assert f"[another page]({server}/other)" in article.markdown
    assert article.source == server + "/good"


def test_header_charset_is_used(server: str) -> None:
    article = import_url(server + "/latin1")
    assert "Crème brûlée" in article.markdown


def test_redirects_are_followed_and_final_url_reported(server: str) -> None:
    page = fetch_url(server + "/hop1")
    assert page.url == server + "/good"


def test_redirect_loop(server: str) -> None:
    with pytest.raises(ImportFailed, match="too many redirects"):
        fetch_url(server + "/loop")


def test_redirect_to_file_scheme(server: str) -> None:
    with pytest.raises(ImportFailed, match="redirect to a non-http URL"):
        fetch_url(server + "/to-file")


def test_404(server: str) -> None:
    with pytest.raises(ImportFailed, match="HTTP 404"):
        fetch_url(server + "/missing")


def test_wrong_content_type(server: str) -> None:
    with pytest.raises(ImportFailed, match="unsupported content type application/pdf"):
        fetch_url(server + "/pdf")


def test_missing_content_type_is_accepted(server: str) -> None:
    assert fetch_url(server + "/notype").content_type == ""


def test_slow_server_fails_at_overall_deadline(server: str) -> None:
    """A byte every 0.25 s never trips a per-read timeout: the overall deadline cuts the
    request, and the client hangs up mid-body rather than reading the 15 s to the end."""
    _slow_cut.clear()
    with pytest.raises(ImportFailed, match=r"timed out after 1\.5 s"):
        fetch_url(server + "/slow", deadline=1.5)
    # The server notices at its next write; the wait is only a guard against hanging.
    assert _slow_cut.wait(timeout=60), "the client read the slow body to its end"


def test_endless_body_is_capped(server: str) -> None:
    with pytest.raises(ImportFailed, match="too large"):
        fetch_url(server + "/endless", max_bytes=1_000_000)


def test_gzip_bomb_is_capped_after_decompression(server: str) -> None:
    with pytest.raises(ImportFailed, match="too large"):
        fetch_url(server + "/bomb", max_bytes=1_000_000)


def test_connection_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ImportFailed, match="could not connect"):
        fetch_url(f"http://127.0.0.1:{port}/", deadline=5)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "javascript:x"])
def test_non_http_urls_are_refused(url: str) -> None:
    with pytest.raises(ImportFailed, match="only http and https"):
        fetch_url(url)
