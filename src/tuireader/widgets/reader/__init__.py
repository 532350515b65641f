"""The reader: a ScrollView on Textual's Line API (``ReaderView``) and the small objects it holds.

``view`` is the widget; ``loader`` (the document, its layout, parsing in workers, the parse
cache), ``navigator`` (scrolling and focus motion), ``focus``, ``selection``, ``overlays``,
``finder`` and ``painter`` are the helpers it holds; ``render`` builds one line's Strip,
``messages`` and ``keys`` are the messages it posts and its bindings.
"""

from __future__ import annotations

from tuireader.widgets.reader.loader import SYNC_LAYOUT_CHARS
from tuireader.widgets.reader.overlays import Highlight
from tuireader.widgets.reader.view import ReaderView

__all__ = ["SYNC_LAYOUT_CHARS", "Highlight", "ReaderView"]
