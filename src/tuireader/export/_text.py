"""Text encodings shared by the export formats: Markdown escaping, the note codec, tags, ids.

Why a codec for notes?  A note is the user's own text and may contain anything: ``---``, ``# x``,
an unclosed code fence, ``<script>``, a YAML block, a line that looks like an Obsidian block id.
Exports keep notes as *Markdown* (``**bold**``, links and ``[[wikilinks]]`` still work in
Obsidian) but no line of a note can start block structure, and nothing in it can become HTML or
an Obsidian comment.  The encoding is exactly reversible (:func:`decode_note`), which is how the
round-trip tests recover every stored note byte for byte:

* everywhere: ``&`` -> ``&amp;``, ``<`` -> ``&lt;``, ``%`` -> ``&#37;`` (Obsidian ``%%`` comments),
  ``^`` -> ``&#94;`` (block ids), and control characters other than tab -> ``&#N;``;
* at the start of each line: a character that could open a block (``#``, ``>``, ``-``, ``+``,
  ``*``, ``=``, ``_``, a backtick, ``~``, ``|``, ``[``, ``:``, ``$``, ``!``, ``{``, a digit, a
  space, a tab) -> its numeric reference ``&#N;`` (a line that starts with ``&`` is a paragraph);
* an empty line at the very start or end of a note -> ``&#8203;`` (so the note's extent is never
  confused with the blank lines around it).

Every ``&`` typed by the user becomes ``&amp;``, so any other ``&...;`` in an encoded note was put
there by the encoder: decoding is unambiguous.  Renderers show the note exactly as typed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: First characters that could start a block construct in CommonMark, GFM or Obsidian.
_LINE_START_DANGER = frozenset("#>-+*=_`~|[:$!{")
_EMPTY_EDGE_LINE = "&#8203;"
_NOTE_GLOBAL = re.compile(r"[&<%^\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ENTITY = re.compile(r"&(amp|lt|#\d{1,7});")

#: Inline characters escaped in literal text (quotes, titles, headings).
_LITERAL_SPECIAL = re.compile(r"[\\`*_\[\]~$#^]|=(?==)")
_LITERAL_ENTITY = re.compile(r"[&<%]")
#: Controls in literal text are shown as the App shows them (``document.sanitize``): C0 as
#: Control Pictures (``\r`` too: it must not become a line break), DEL as ␡, C1 as U+FFFD.
SHOWN_CONTROLS = {c: chr(0x2400 + c) for c in range(0x20) if c not in (9, 10)}
SHOWN_CONTROLS[0x7F] = "\u2421"
SHOWN_CONTROLS.update({c: "\ufffd" for c in range(0x80, 0xA0)})


def _char_ref(ch: str) -> str:
    return f"&#{ord(ch)};"


def guard_line(line: str) -> str:
    """Make ``line`` start as paragraph text, whatever its first character is."""
    if line and (line[0] in _LINE_START_DANGER or line[0].isdigit() or line[0].isspace()):
        return _char_ref(line[0]) + line[1:]
    return line


def _global_note(match: re.Match[str]) -> str:
    ch = match.group()
    if ch == "&":
        return "&amp;"
    if ch == "<":
        return "&lt;"
    return _char_ref(ch)


def encode_note_lines(note: str) -> list[str]:
    """The note as Markdown lines that cannot form structure (see the module docstring)."""
    if not note:
        return []
    lines = [guard_line(_NOTE_GLOBAL.sub(_global_note, line)) for line in note.split("\n")]
    filled = [i for i, line in enumerate(lines) if line]
    first, last = (filled[0], filled[-1]) if filled else (len(lines), -1)
    # Interior runs of empty lines stay (paragraph breaks); only the edges need the marker.
    return [_EMPTY_EDGE_LINE if (i < first or i > last) else line for i, line in enumerate(lines)]


def _entity_value(match: re.Match[str]) -> str:
    name = match.group(1)
    if name == "amp":
        return "&"
    if name == "lt":
        return "<"
    return chr(int(name[1:]))


def decode_note(encoded: str) -> str:
    """Inverse of :func:`encode_note_lines` (lines joined with ``\\n``): the note as stored."""
    if not encoded:
        return ""
    lines = ["" if line == _EMPTY_EDGE_LINE else line for line in encoded.split("\n")]
    return "\n".join(_ENTITY.sub(_entity_value, line) for line in lines)


def _literal_entity(match: re.Match[str]) -> str:
    ch = match.group()
    return "&amp;" if ch == "&" else "&lt;" if ch == "<" else "&#37;"


_LITERAL_ANY = re.compile(r"[\\`*_\[\]~$#^&<%=\x00-\x08\x0b-\x1f\x7f-\x9f]")


def escape_inline(text: str) -> str:
    """Text (no line breaks) that renders literally inside a Markdown line.

    Markdown punctuation gets a backslash; ``&``, ``<``, ``%`` become references; controls
    are shown as pictures (``SHOWN_CONTROLS``).
    """
    if _LITERAL_ANY.search(text) is None:  # most prose: nothing to escape
        return text
    text = text.translate(SHOWN_CONTROLS)
    text = _LITERAL_SPECIAL.sub(lambda m: "\\" + m.group(), text)
    return _LITERAL_ENTITY.sub(_literal_entity, text)


def escape_literal_line(line: str) -> str:
    """One line of literal text, safe at the start of a Markdown line too."""
    return guard_line(escape_inline(line))


def one_line(text: str) -> str:
    """Titles and other labels: all whitespace runs (line breaks too) folded to one space."""
    return " ".join(text.split())


# -- tags and ids ---------------------------------------------------------------------------

_TAG_BAD = re.compile(r"[^\w/-]+")


@lru_cache(maxsize=4096)
def sanitise_tag(tag: str) -> str:
    """A tag in Obsidian/Logseq syntax: letters, digits, ``_``, ``-``, ``/``; never only digits.

    Stored tags are already lower-case with ``-`` for spaces (``model.normalise_tag``), so for
    them this is the identity; anything else becomes ``-``.  Returns "" when nothing is left.
    """
    tag = unicodedata.normalize("NFC", tag.strip().lstrip("#"))
    tag = _TAG_BAD.sub("-", "-".join(tag.split()))
    tag = re.sub(r"-{2,}", "-", tag).strip("-/")
    tag = re.sub(r"/{2,}", "/", tag)
    if tag and all(part.isdigit() for part in re.split(r"[_/-]", tag) if part):
        tag = "_" + tag  # "#1984" is not a tag in Obsidian; "#_1984" is
    return tag


def sanitise_tags(tags: list[str]) -> list[str]:
    """Sanitised, de-duplicated, in the stored order."""
    out: list[str] = []
    for tag in tags:
        clean = sanitise_tag(tag)
        if clean and clean not in out:
            out.append(clean)
    return out


def block_id(highlight_id: str) -> str:
    """The Obsidian block id (without ``^``) of a highlight: ``hl-`` + its id, stable."""
    if highlight_id.isascii() and highlight_id.isalnum():
        return f"hl-{highlight_id}"
    clean = re.sub(r"[^A-Za-z0-9-]+", "-", highlight_id).strip("-")
    return f"hl-{clean or 'x'}"


_SAFE_SCHEMES = ("http://", "https://", "mailto:")


_URL_QUOTE = re.compile(r"[<>\\ \x00-\x1f\x7f]")


@lru_cache(maxsize=4096)
def link_target(url: str) -> str | None:
    """``url`` in the ``<...>`` link-destination form, or None if it is not a web/mail link."""
    url = url.strip()
    if not url.lower().startswith(_SAFE_SCHEMES):
        return None
    return "<" + _URL_QUOTE.sub(lambda m: f"%{ord(m.group()):02X}", url) + ">"
