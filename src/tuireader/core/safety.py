"""Making untrusted one-line text (titles, sites, tags, notes in lists) safe to show.

Two dangers: markup and terminal control sequences.  Markup is avoided by never parsing: widgets
get :class:`~textual.content.Content` built from plain strings.  Control characters are made
visible and inert here, with the same mapping as the article text (:func:`document.sanitize`):
ESC becomes ``␛``, C1 controls become U+FFFD, so no byte from a title can reach the terminal as a
control sequence.  Line breaks and tabs fold to single spaces: these are one-line labels.
"""

from __future__ import annotations

import re

from tuireader.core.document import sanitize


def inert(text: str) -> str:
    """``text`` as one safe line."""
    return " ".join(sanitize(text).split())


def inert_block(text: str) -> str:
    """``text`` keeping its line breaks (notes), controls made visible."""
    return sanitize(text).replace("\t", "    ")


#: Terminal controls that metadata never needs: C0 but tab and newline, DEL, C1 (ESC, CSI U+009B,
#: OSC U+009D ... start escape sequences; BEL ends an OSC).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Bidi embeddings, overrides and isolates, and the invisible marks: in a file name they make
#: ``evil\u202etxt.exe`` look like ``evilexe.txt``.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
#: What the export writers do with a control character in their output: show it as the App
#: does (C0 as Control Pictures, DEL as ␡, C1 as U+FFFD), so nothing reaches a terminal that
#: ``cat``\ s the file, and the reader of the file still sees something was there.
_SHOWN = {c: chr(0x2400 + c) for c in range(0x20) if c not in (9, 10)}
_SHOWN[0x7F] = "\u2421"
_SHOWN.update({c: "\ufffd" for c in range(0x80, 0xA0)})


def strip_controls(text: str) -> str:
    """``text`` without ESC, C0 (tab and newline kept), DEL and C1: what a stored title, author
    or site may contain (an importer's page is untrusted, and these end up on terminals)."""
    return _CONTROLS.sub("", text) if _CONTROLS.search(text) else text


def strip_bidi(text: str) -> str:
    """``text`` without bidi overrides, embeddings, isolates and marks (for file names)."""
    return _BIDI.sub("", text)


def inert_output(text: str) -> str:
    """A whole exported document made inert: every control but tab and newline shown as a
    visible character (see ``_SHOWN``).  Idempotent; the text is returned as is when clean."""
    if _CONTROLS.search(text) is None:
        return text
    return _CONTROLS.sub(lambda m: _SHOWN[ord(m.group())], text)


def inert_json(text: str) -> str:
    """JSON text with DEL and C1 written as ``\\u00XX`` escapes (``json.dumps`` with
    ``ensure_ascii=False`` escapes C0 but writes these raw).  Such characters can only be inside
    JSON strings, where the escape means the same character: the data is unchanged."""
    if _CONTROLS.search(text) is None:
        return text
    return _CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
