"""tuireader: a terminal reader with keyboard highlighting, notes, tags and Markdown export."""

from __future__ import annotations

__all__ = ["__version__"]

#: The single source of the version (pyproject.toml reads it from here through hatch).
__version__ = "0.1.0"
