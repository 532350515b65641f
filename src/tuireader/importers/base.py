"""What every importer produces, and how it fails."""

from __future__ import annotations

from dataclasses import dataclass


class ImportFailed(Exception):
    """An import could not produce an article.  ``str(exc)`` is a one-line reason for the user."""


@dataclass
class ImportedArticle:
    """An article as an importer made it, before it is stored."""

    title: str
    #: The article body as clean Markdown.
    markdown: str
    author: str = ""
    site: str = ""
    #: ISO 8601 date (or date-time) when known.
    published: str = ""
    language: str = ""
    #: Canonical URL when the page named one.
    url: str = ""
    #: Where it came from (absolute path, URL, or "-").
    source: str = ""
    excerpt: str = ""
