"""What every importer produces, and how it fails."""

from __future__ import annotations

import dataclasses
from typing import Any

from tuireader.core.model import ImportedArticle
from tuireader.core.safety import strip_controls

__all__ = ["ImportFailed", "ImportedArticle", "clean_metadata"]


class ImportFailed(Exception):
    """An import could not produce an article.  ``str(exc)`` is a one-line reason for the user."""


#: The one-line fields a page chooses freely and that end up on terminals and in file names.
_METADATA = ("title", "author", "site", "published", "language", "url", "excerpt")


def clean_metadata(article: ImportedArticle) -> ImportedArticle:
    """``article`` with ESC, C0 (but tab and newline), DEL and C1 stripped from its metadata.

    Why at import: a page's ``<title>Hi &#x1b;]52;...&#x7;</title>`` would otherwise be stored
    and reach every terminal and export that shows the title.  The body is left alone: the
    reader and the exports show its controls as visible characters (``document.sanitize``).
    """
    changes: dict[str, Any] = {name: strip_controls(getattr(article, name)) for name in _METADATA}
    if all(changes[name] == getattr(article, name) for name in _METADATA):
        return article
    return dataclasses.replace(article, **changes)
