"""Exporting highlights and notes: Markdown notes, W3C Web Annotation JSON, annotated articles.

No Textual imports: the command line, the App (in a thread worker) and scripts all use this.

Per article (pure functions of their inputs; pass ``exported`` for byte-identical output):

* :func:`export_markdown` -- YAML front matter, ``# Title``, one block quote per highlight with
  its colour, location, ``#tags``, note and ``^block-id``  (``markdown.py``);
* :func:`export_json` -- a W3C Web Annotation ``AnnotationCollection`` (``webannotation.py``);
* :func:`export_annotated` -- the whole article with ``==highlights==`` and notes as footnotes
  (``annotated.py``);
* :func:`render_template` -- a user Jinja2 template, sandboxed (``templates.py``).

From a library (``batch.py``): :func:`export_to_folder` (one file per article, stable names
from :func:`safe_filename`, re-export updates the same file) and :func:`export_combined` (one
document), composed of :func:`select` (``selection.py``: which articles and highlights), a
:class:`Renderer` (``formats.py``: which function makes which format), a :class:`FolderWriter`
(``folder.py``: names, manifest, atomic writes) and, for a library-wide export from the command
line, ``parallel.py`` (a second process).  See ``docs/export.md``.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> module that defines it.  Loaded on first use (PEP 562) so that importing
#: ``tuireader.cli.export`` (done by every ``tuireader`` start) stays cheap.
_WHERE: dict[str, str] = {
    "decode_note": "_text", "encode_note_lines": "_text", "sanitise_tag": "_text",
    "sanitise_tags": "_text", "SHOWN_CONTROLS": "_text",
    "export_annotated": "annotated",
    "export_combined": "batch", "export_to_folder": "batch",
    "FolderReport": "folder", "FolderWriter": "folder", "write_folder": "folder",
    "EXTENSIONS": "formats", "FORMATS": "formats", "ExportError": "formats",
    "Recipe": "formats", "Renderer": "formats",
    "resolve_exported": "context",
    "safe_filename": "filenames",
    "parse_since": "selection", "select": "selection",
    "export_markdown": "markdown",
    "export_readwise_csv": "readwise_csv",
    "Location": "outline", "Locator": "outline",
    "ExportTemplateError": "templates", "compile_template": "templates",
    "render_template": "templates", "template_context": "templates",
    "export_json": "webannotation",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'tuireader.export' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"tuireader.export.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "SHOWN_CONTROLS",
    "ExportError",
    "ExportTemplateError",
    "FolderReport",
    "FolderWriter",
    "Location",
    "Locator",
    "Recipe",
    "Renderer",
    "compile_template",
    "decode_note",
    "encode_note_lines",
    "export_annotated",
    "export_combined",
    "export_json",
    "export_markdown",
    "export_readwise_csv",
    "export_to_folder",
    "parse_since",
    "render_template",
    "resolve_exported",
    "safe_filename",
    "sanitise_tag",
    "sanitise_tags",
    "select",
    "template_context",
    "write_folder",
]
