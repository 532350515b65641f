"""Page metadata (title, byline, site, date, language, canonical URL, excerpt).

Sources in the order Readability.js trusts them, since its expected output is our yardstick:
JSON-LD (schema.org Article and friends), then ``<meta>`` tags (Dublin Core, Open Graph, Twitter,
Parse.ly, plain ``name=author``), then ``<title>`` cleaned of the site suffix, then the first
heading.  Everything is read from the already-parsed tree; nothing is fetched.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html

_ARTICLE_TYPES = re.compile(
    r"^(Article|AdvertiserContentArticle|NewsArticle|AnalysisNewsArticle|AskPublicNewsArticle|"
    r"BackgroundNewsArticle|OpinionNewsArticle|ReportageNewsArticle|ReviewNewsArticle|Report|"
    r"SatiricalArticle|ScholarlyArticle|MedicalScholarlyArticle|SocialMediaPosting|BlogPosting|"
    r"LiveBlogPosting|DiscussionForumPosting|TechArticle|APIReference|WebPage)$"
)
_META_NAME = re.compile(
    r"^\s*(?:(dc|dcterm|og|twitter|parsely|weibo:(?:article|webpage))\s*[-\.:]\s*)?"
    r"(author|creator|description|title|site_name|published_time|pub-date|locale|url)\s*$",
    re.I,
)
_META_PROPERTY = re.compile(
    r"\s*(article|dc|dcterm|og|twitter)\s*:\s*"
    r"(author|creator|description|title|site_name|published_time|locale|url)\s*",
    re.I,
)
#: Permalink marks a heading's text carries ("Title¶", "Title #"), never part of a title.
_PERMALINK_MARKS = re.compile(r"\s*[¶§🔗](?=\s|$)|\s+#$")
_TITLE_SEPARATORS = re.compile(r"\s[\|\-–—\\/>»]\s")


@dataclass
class Metadata:
    """What the page says about itself."""

    title: str = ""
    author: str = ""
    site: str = ""
    published: str = ""
    language: str = ""
    url: str = ""
    excerpt: str = ""


def _text(element: Any) -> str:
    """All text inside ``element`` (works on plain lxml elements as well as HtmlElement)."""
    return "".join(element.itertext())


def _clean(value: Any) -> str:
    return " ".join(str(value).split()) if value else ""


def _meta_values(root: lxml.html.HtmlElement) -> dict[str, str]:
    """``<meta>`` values keyed like ``og:title`` / ``author`` (first occurrence wins)."""
    values: dict[str, str] = {}
    for meta in root.iter("meta"):
        content = _clean(meta.get("content"))
        if not content:
            continue
        prop = meta.get("property") or ""
        for match in _META_PROPERTY.finditer(prop):
            key = f"{match.group(1)}:{match.group(2)}".lower()
            values.setdefault(key, content)
        name = meta.get("name") or meta.get("itemprop") or ""
        named = _META_NAME.match(name)
        if named:
            prefix = (named.group(1) or "").lower()
            key = f"{prefix}:{named.group(2).lower()}" if prefix else named.group(2).lower()
            values.setdefault(key, content)
        equiv = (meta.get("http-equiv") or "").lower()
        if equiv == "content-language":
            values.setdefault("content-language", content)
    return values


def _json_ld(root: lxml.html.HtmlElement) -> dict[str, str]:
    """Title, byline, site and date from the first schema.org article object in JSON-LD."""
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        raw = (script.text or "").strip()
        raw = re.sub(r"^\s*<!\[CDATA\[|\]\]>\s*$", "", raw)
        try:
            parsed = json.loads(raw)
        except ValueError:
            continue
        for item in _ld_items(parsed):
            kind = item.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if not any(isinstance(k, str) and _ARTICLE_TYPES.match(k) for k in kinds):
                continue
            return {
                "title": _ld_title(item, root),
                "author": _ld_names(item.get("author")),
                "site": _ld_names(item.get("publisher")),
                "published": _clean(item.get("datePublished")),
                "excerpt": _clean(item.get("description")),
            }
    return {}


def _ld_title(item: dict[str, Any], root: lxml.html.HtmlElement) -> str:
    """``name`` or ``headline``, as Readability.js chooses between them.

    They should agree, but some sites put their own name in one of them, and Wikipedia puts the
    Wikidata description in ``headline`` ("matrix equal to its conjugate-transpose" for
    "Hermitian matrix").  The one that matches the page's ``<title>`` wins; ``name`` otherwise.
    """
    name = _clean(item.get("name")) if isinstance(item.get("name"), str) else ""
    headline = _clean(item.get("headline")) if isinstance(item.get("headline"), str) else ""
    if name and headline and name != headline:
        title = _page_title(root)
        if _similarity(headline, title) > 0.75 >= _similarity(name, title):
            return headline
        return name
    return name or headline


def _similarity(a: str, b: str) -> float:
    """Readability.js's text similarity: the share of ``b`` made of words also in ``a``."""
    words_a = set(re.split(r"\W+", a.lower())) - {""}
    words_b = [w for w in re.split(r"\W+", b.lower()) if w]
    if not words_a or not words_b:
        return 0.0
    unique_b = [w for w in words_b if w not in words_a]
    return 1 - len(" ".join(unique_b)) / len(" ".join(words_b))


def _ld_items(parsed: Any) -> list[dict[str, Any]]:
    """Flatten JSON-LD lists and ``@graph`` containers into a list of objects."""
    items: list[dict[str, Any]] = []
    stack = [parsed]
    while stack and len(items) < 200:
        node = stack.pop(0)
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            items.append(node)
            if isinstance(node.get("@graph"), list):
                stack.extend(node["@graph"])
    return items


def _ld_names(value: Any) -> str:
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, dict):
        return _clean(value.get("name"))
    if isinstance(value, list):
        names = [_ld_names(v) for v in value]
        return ", ".join(n for n in names if n)
    return ""


def _page_title(root: lxml.html.HtmlElement) -> str:
    """``<title>`` without the " | Site name" part, trimmed the way Readability.js trims it."""
    node = root.find(".//title")
    raw = _clean(_text(node)) if node is not None else ""
    if not raw:
        return ""
    title = raw
    hierarchical = False
    if _TITLE_SEPARATORS.search(raw):
        hierarchical = bool(re.search(r"\s[\\/>»]\s", raw))
        title = re.sub(r"(.*)\s[\|\-–—\\/>»]\s.*", r"\1", raw)
        if len(title.split()) < 3:
            title = re.sub(r"^[^\|\-–—\\/>»]*[\|\-–—\\/>»]\s(.*)", r"\1", raw)
    elif ": " in raw:
        headings = {_clean(_text(h)) for h in root.iter("h1", "h2")}
        if raw not in headings:
            title = raw[raw.rfind(":") + 1 :].strip()
            if len(title.split()) < 3:
                title = raw[raw.find(":") + 1 :].strip()
            elif len(raw[: raw.find(":")].split()) > 5:
                title = raw
    elif len(raw) > 150 or len(raw) < 15:
        h1s = list(root.iter("h1"))
        if len(h1s) == 1:
            title = _clean(_text(h1s[0])) or raw
    title = _clean(title)
    words = len(title.split())
    if words <= 4 and (
        not hierarchical or words != len(_TITLE_SEPARATORS.sub(" ", raw).split()) - 1
    ):
        title = raw
    return title


def _language(root: lxml.html.HtmlElement, values: dict[str, str]) -> str:
    lang = _clean(root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang"))
    lang = lang or values.get("content-language", "") or values.get("og:locale", "")
    return lang.replace("_", "-").split(",")[0].strip()


def extract(root: lxml.html.HtmlElement, base_url: str | None) -> Metadata:
    """Read :class:`Metadata` from a parsed page."""
    values = _meta_values(root)
    ld = _json_ld(root)

    def first(*keys: str) -> str:
        for key in keys:
            value = ld.get(key[3:]) if key.startswith("ld:") else values.get(key)
            if value:
                return value
        return ""

    title = first(
        "ld:title",
        "dc:title",
        "dcterm:title",
        "og:title",
        "weibo:article:title",
        "weibo:webpage:title",
        "title",
        "twitter:title",
        "parsely:title",
    )
    title = title or _page_title(root)
    if not title:
        heading = next(root.iter("h1", "h2"), None)
        title = _clean(_text(heading)) if heading is not None else ""
    title = _PERMALINK_MARKS.sub("", title).strip()
    author = first("ld:author", "dc:creator", "dcterm:creator", "author", "parsely:author")
    if not author:
        article_author = values.get("article:author", "")
        if article_author and not urlsplit(article_author).scheme:
            author = article_author
    if not author:
        byline = next(iter(root.xpath('//*[@rel="author" or @itemprop="author"]')), None)
        author = _clean(_text(byline)) if byline is not None else ""
    canonical = ""
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            canonical = link.get("href", "").strip()
            break
    canonical = canonical or values.get("og:url", "")
    if canonical and base_url:
        canonical = urljoin(base_url, canonical)
    if urlsplit(canonical).scheme not in ("http", "https"):
        canonical = ""
    return Metadata(
        title=title,
        author=author[:200],
        site=first("ld:site", "og:site_name"),
        published=first(
            "ld:published", "article:published_time", "parsely:pub-date", "og:published_time"
        ),
        language=_language(root, values),
        url=canonical,
        excerpt=first(
            "ld:excerpt",
            "dc:description",
            "dcterm:description",
            "og:description",
            "weibo:article:description",
            "description",
            "twitter:description",
        ),
    )
