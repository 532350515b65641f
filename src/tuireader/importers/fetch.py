"""URL import: fetch a page over HTTP(S) with hard limits, then hand it to the right importer.

httpx's timeouts are per operation (a server trickling one byte a second never trips a read
timeout), so the body is streamed and an overall deadline is checked on every chunk and passed as
the remaining budget to each phase.  Redirects are followed by hand so that every hop is checked
(http/https only, at most :data:`MAX_REDIRECTS`).  The size cap counts *decoded* bytes, so a
gzip bomb stops at the cap.  Every failure is an :class:`ImportFailed` with a one-line reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urljoin, urlsplit

import httpx

from tuireader import __version__ as _version
from tuireader.importers.base import ImportedArticle, ImportFailed

MAX_REDIRECTS = 5
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_ALLOWED_TYPES = _HTML_TYPES | {"text/plain", "text/markdown", "text/x-markdown"}
_HEADERS = {
    "User-Agent": f"tuireader/{_version} (+terminal article reader)",
    "Accept": "text/html,application/xhtml+xml,text/markdown;q=0.9,text/plain;q=0.8",
}


class HTTPStatusFailed(ImportFailed):
    """The server answered with an error status; ``retry_after`` is its Retry-After header
    ("" when none), for callers that retry (the bulk fetcher)."""

    def __init__(self, message: str, status: int, retry_after: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


@dataclass
class FetchedPage:
    """A fetched response body and what the server said about it."""

    data: bytes
    #: The final URL, after redirects.
    url: str
    #: Media type without parameters, lower-cased ("" when the server sent none).
    content_type: str
    charset: str | None


def _parse_content_type(header: str) -> tuple[str, str | None]:
    message = Message()
    message["content-type"] = header
    media = message.get_content_type() if header.strip() else ""
    charset = message.get_param("charset")
    return media.lower(), (str(charset).strip() if charset else None)


def _check_url(url: str, *, redirect: bool = False) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        what = "redirect to" if redirect else "unsupported URL scheme"
        scheme = parts.scheme or "no scheme"
        raise ImportFailed(f"{what} a non-http URL ({scheme}): {url}" if redirect
                           else f"{what} {scheme!r}: only http and https URLs can be imported")
    if not parts.hostname:
        raise ImportFailed(f"not a valid URL (no host): {url}")


def fetch_url(url: str, *, deadline: float = 30.0, max_bytes: int = 25_000_000,
              client: httpx.Client | None = None) -> FetchedPage:
    """Fetch ``url`` within ``deadline`` seconds overall and ``max_bytes`` of decoded body.

    ``client``: a shared client (made by :func:`make_client`) whose connections are reused;
    by default one is made for this page."""
    _check_url(url)
    end = time.monotonic() + deadline

    def remaining() -> float:
        left = end - time.monotonic()
        if left <= 0:
            raise ImportFailed(f"timed out after {deadline:g} s fetching {url}")
        return left

    current = url
    try:
        with make_client() if client is None else nullcontext(client) as client:
            for _hop in range(MAX_REDIRECTS + 1):
                request = client.build_request("GET", current, timeout=httpx.Timeout(remaining()))
                response = client.send(request, stream=True)
                try:
                    if response.is_redirect:
                        location = response.headers.get("location", "")
                        if not location:
                            raise ImportFailed(f"HTTP {response.status_code} redirect without a "
                                               f"Location header from {current}")
                        current = urljoin(current, location)
                        _check_url(current, redirect=True)
                        continue
                    return _read(response, current, remaining, max_bytes)
                finally:
                    response.close()
            raise ImportFailed(f"too many redirects (more than {MAX_REDIRECTS}) from {url}")
    except httpx.TimeoutException as exc:
        raise ImportFailed(f"timed out after {deadline:g} s fetching {url}") from exc
    except httpx.ConnectError as exc:
        raise ImportFailed(f"could not connect to {urlsplit(current).netloc}: "
                           f"{_reason(exc)}") from exc
    except httpx.DecodingError as exc:
        raise ImportFailed(f"the server sent a corrupt compressed body: {url}") from exc
    except httpx.HTTPError as exc:
        raise ImportFailed(f"could not fetch {url}: {_reason(exc)}") from exc


def make_client(**limits: int) -> httpx.Client:
    """A client as :func:`fetch_url` needs it (no automatic redirects, no proxy from the
    environment); ``limits`` go to :class:`httpx.Limits` (``max_connections`` ...)."""
    return httpx.Client(headers=_HEADERS, follow_redirects=False, trust_env=False,
                        limits=httpx.Limits(**limits) if limits else httpx.Limits())


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    if "refused" in text.lower():
        return "connection refused"
    return text.splitlines()[0][:200]


def _read(
    response: httpx.Response, url: str, remaining: Callable[[], float], max_bytes: int
) -> FetchedPage:
    """Check status and type, then read the body under the size cap and the deadline."""
    if response.status_code >= 400:
        raise HTTPStatusFailed(f"HTTP {response.status_code} {response.reason_phrase} for {url}",
                               response.status_code, response.headers.get("retry-after", ""))
    media, charset = _parse_content_type(response.headers.get("content-type", ""))
    if media and media not in _ALLOWED_TYPES:
        raise ImportFailed(f"unsupported content type {media} at {url}")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ImportFailed(f"too large: {url} is {int(declared):,} bytes "
                           f"(the limit is {max_bytes:,})")
    chunks: list[bytes] = []
    size = 0
    # No chunk_size: chunks arrive as the network delivers them, so a trickling server meets
    # the deadline check on every read instead of after 64 KiB.
    for chunk in response.iter_bytes():
        remaining()
        size += len(chunk)
        if size > max_bytes:
            raise ImportFailed(f"too large: {url} is over {max_bytes:,} bytes")
        chunks.append(chunk)
    remaining()
    return FetchedPage(b"".join(chunks), url, media, charset)


def import_url(url: str, **kw: object) -> ImportedArticle:
    """Fetch ``url`` (keyword arguments go to :func:`fetch_url`) and import it by content type."""
    return import_page(fetch_url(url, **kw))  # type: ignore[arg-type]


def import_page(page: FetchedPage) -> ImportedArticle:
    """Import a fetched page by its content type (HTML through main-content extraction)."""
    if page.content_type in ("text/markdown", "text/x-markdown"):
        from tuireader.importers.text import import_markdown_bytes

        return import_markdown_bytes(page.data, source=page.url, charset=page.charset)
    if page.content_type == "text/plain":
        from tuireader.importers.text import import_text_bytes

        return import_text_bytes(page.data, source=page.url, charset=page.charset)
    from tuireader.importers.html import import_html

    return import_html(page.data, source=page.url, base_url=page.url, charset=page.charset)
