"""Exporting highlights and notes: Markdown notes, W3C Web Annotation JSON, annotated articles.

No Textual imports: the command line, the App (in a thread worker) and scripts all use this.

Per article (pure functions of their inputs; pass ``exported`` for byte-identical output):

* :func:`export_markdown` -- YAML front matter, ``# Title``, one block quote per highlight with
  its colour, location, ``#tags``, note and ``^block-id``  (``markdown.py``);
* :func:`export_json` -- a W3C Web Annotation ``AnnotationCollection`` (``webannotation.py``);
* :func:`export_annotated` -- the whole article with ``==highlights==`` and notes as footnotes
  (``annotated.py``);
* :func:`render_template` -- a user Jinja2 template, sandboxed (``templates.py``).

From a library: :func:`export_to_folder` (one file per article, stable names from
:func:`safe_filename`, re-export updates the same file) and :func:`export_combined` (one
document).  See ``docs/export.md``.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> module that defines it.  Loaded on first use (PEP 562) so that importing
#: ``tuireader.cli.export`` (done by every ``tuireader`` start) stays cheap.
_WHERE: dict[str, str] = {
    "decode_note": "_text", "encode_note_lines": "_text", "sanitise_tag": "_text",
    "export_annotated": "annotated",
    "EXTENSIONS": "batch", "FORMATS": "batch", "ExportError": "batch", "FolderReport": "batch",
    "export_combined": "batch", "export_to_folder": "batch", "select": "batch",
    "resolve_exported": "context",
    "safe_filename": "filenames",
    "export_markdown": "markdown",
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
    "ExportError",
    "ExportTemplateError",
    "FolderReport",
    "Location",
    "Locator",
    "compile_template",
    "decode_note",
    "encode_note_lines",
    "export_annotated",
    "export_combined",
    "export_json",
    "export_markdown",
    "export_to_folder",
    "render_template",
    "resolve_exported",
    "safe_filename",
    "sanitise_tag",
    "select",
    "template_context",
]
