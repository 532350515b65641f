"""What every importer produces, and how it fails."""

from __future__ import annotations

from tuireader.core.model import ImportedArticle

__all__ = ["ImportFailed", "ImportedArticle"]


class ImportFailed(Exception):
    """An import could not produce an article.  ``str(exc)`` is a one-line reason for the user."""
