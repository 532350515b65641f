"""The regions of a vault note that tuireader owns: front-matter keys and one block per highlight.

Everything else in a note (text between blocks, after the last one, the user's own front-matter
keys, comments, code) is the user's and is carried through byte for byte: a note is split into
lines *with* their line ends and only owned lines are ever replaced.

An Obsidian highlight block (the Markdown export's parts, ending in the block id)::

    > The quoted text, literal (Markdown punctuation escaped).

    - ● yellow · Section heading · 42%
    - #idea #to-read
    - Note:
      The note, encoded so nothing in it becomes structure (export._text).

    ^hl-3fa2b1c0

The id line is found first (exactly ``^hl-<id>`` alone on a line, outside code fences, ``%%``
comments and the front matter, and naming a highlight of this article); the block runs back from
it to its info line (``- <glyph> ...``) and the block quote just above that.  A block whose info
line is gone (the user rewrote it) is *damaged*: its id line alone is the region and nothing is
read back from it.  A quote in the article that looks like an id (``^hl-…``) or a note containing
``---`` or a fence cannot be mistaken for structure: quotes are escaped and notes encoded.

The Logseq flavour (``logseq.py``) has the same interface: :class:`Flavor`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml

from tuireader.core.model import KINDS, Article, Highlight
from tuireader.export._text import block_id, decode_note, sanitise_tags
from tuireader.export.context import front_matter, web_url
from tuireader.export.markdown import _highlight_block, metadata_line, title_text

#: The front-matter key naming the article: how a note is found wherever the user moved it.
ID_KEY = "tuireader-id"


def split_lines(text: str) -> list[str]:
    """``text`` as lines keeping their ``\\n`` (only ``\\n`` splits; ``"".join`` undoes it)."""
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def bare(line: str) -> str:
    """A line without its line end (``\\n`` or ``\\r\\n``)."""
    return line.rstrip("\r\n")


# -- front matter ------------------------------------------------------------------------------

_KEY = re.compile(r"""^(?:"([^"]+)"|'([^']+)'|([^\s#'"\-:][^:]*?))\s*:(?:\s|$)""")


@dataclass
class FrontMatter:
    """The front matter's lines, cut into entries: ``(key or None, raw lines)`` in order."""

    #: Line index of the opening ``---`` and of the closing one.
    start: int
    end: int
    entries: list[tuple[str | None, list[str]]] = field(default_factory=list)

    def raw(self, key: str) -> str | None:
        for name, lines in self.entries:
            if name == key:
                return "".join(lines)
        return None

    def value(self, key: str) -> Any:
        raw = self.raw(key)
        if raw is None:
            return None
        try:
            loaded = yaml.safe_load(raw)
        except yaml.YAMLError:
            return None
        return loaded.get(key) if isinstance(loaded, dict) else None


def parse_front_matter(lines: list[str], limit: int = 2000) -> FrontMatter | None:
    """The YAML front matter at the top of the note, or None (no ``---`` first line, or none
    closing it within ``limit`` lines)."""
    if not lines or bare(lines[0]) != "---":
        return None
    for end in range(1, min(len(lines), limit)):
        if bare(lines[end]) in ("---", "..."):
            break
    else:
        return None
    fm = FrontMatter(0, end)
    for line in lines[1:end]:
        match = _KEY.match(line) if line[:1] not in (" ", "\t") else None
        if match is not None:
            name = next(g for g in match.groups() if g is not None).strip()
            fm.entries.append((name, [line]))
        elif fm.entries:
            fm.entries[-1][1].append(line)
        else:
            fm.entries.append((None, [line]))
    return fm


def owned_front(article: Article, count: int, tags: list[str]) -> dict[str, str]:
    """Each owned front-matter key's raw text (``key: value\\n``, YAML quoted as needed)."""
    fields: dict[str, Any] = {
        ID_KEY: article.id,
        "title": article.title,
        "author": article.author,
        "url": web_url(article),
        "published": article.published,
        "added": article.added,
        "highlights": count,
        "tags": tags,
    }
    out: dict[str, str] = {}
    for key, value in fields.items():
        text = front_matter({key: value})
        out[key] = text[len("---\n"):-len("---\n")]
    return out


def article_id_of(lines: list[str]) -> str | None:
    """The ``tuireader-id`` in the note's front matter, or None."""
    fm = parse_front_matter(lines)
    if fm is None:
        return None
    value = fm.value(ID_KEY)
    return str(value) if isinstance(value, (str, int)) and str(value) else None


# -- highlight blocks --------------------------------------------------------------------------


@dataclass
class Fields:
    """What is read back from a block: the note and the tags (None: could not be read)."""

    note: str
    tags: list[str]


@dataclass
class Block:
    """One highlight's owned region as found in a note: lines ``start:end`` (end exclusive)."""

    highlight_id: str
    start: int
    end: int
    text: str
    #: The note and tags written in it; None for a damaged block.
    fields: Fields | None
    #: The part that is not read back (quote and info line), to tell what the user changed.
    fixed: str


class Flavor(Protocol):
    """Rendering and finding highlight blocks in one kind of vault."""

    name: str

    def key(self, highlight_id: str) -> str:
        """The id the block carries for ``highlight_id``."""

    def render(self, highlight: Highlight, section: str, percent: int) -> str:
        """The block's text (lines joined with ``\\n``, with a final ``\\n``)."""

    def parse(self, text: str) -> tuple[Fields | None, str]:
        """A block's fields and fixed part (``render`` then ``parse`` gives the stored values)."""

    def find(self, lines: list[str], body: int, ids: dict[str, str]) -> list[Block]:
        """The blocks in ``lines[body:]`` whose ids are in ``ids`` (block id -> highlight id),
        in file order, the first of each id only."""

    def head(self, article: Article, count: int) -> str:
        """What a new note has between its front matter and its first block."""

    def separator(self) -> str:
        """The text put between two blocks."""


_ID_LINE = re.compile(r"^\^(hl-[A-Za-z0-9-]+)[ \t]*\r?\n?$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_GLYPHS = "".join(glyph for _name, glyph in KINDS.values())
_INFO = re.compile(rf"^- [{re.escape(_GLYPHS)}] ")
_TAG = re.compile(r"(?<![\w&])#([^\s#,;]+)")


def readable_lines(lines: list[str], body: int) -> Iterable[tuple[int, str]]:
    """``(index, line)`` of the lines outside code fences and ``%%`` comments, from ``body``."""
    fence: str | None = None
    comment = False
    for i in range(body, len(lines)):
        line = bare(lines[i])
        if fence is not None:
            stripped = line.strip()
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                fence = None
            continue
        if not comment:
            match = _FENCE.match(line)
            if match is not None:
                fence = match.group(1)
                continue
        toggles = line.count("%%") % 2
        if comment:
            comment = not toggles  # an odd count closes the comment; the line is inside it
            continue
        if toggles:
            comment = True  # opens a comment that runs past this line
            continue
        yield i, line


def parse_tags(text: str) -> list[str]:
    return list(dict.fromkeys(m.group(1) for m in _TAG.finditer(text)))


class Obsidian:
    """The Obsidian flavour (see the module docstring)."""

    name = "obsidian"

    def key(self, highlight_id: str) -> str:
        return block_id(highlight_id)

    def render(self, highlight: Highlight, section: str, percent: int) -> str:
        # The export's block (quote, id, info, tags, note), re-ordered so the id ends it.
        lines = _highlight_block(highlight, section, percent).split("\n")
        ident = f"^{block_id(highlight.id)}"
        at = lines.index(ident)
        rest = lines[:at - 1] + lines[at + 1:]
        return "\n".join(rest) + f"\n\n{ident}\n"

    def parse(self, text: str) -> tuple[Fields | None, str]:
        lines = [bare(line) for line in split_lines(text)]
        if lines and _ID_LINE.match(lines[-1]):
            lines.pop()
        info = next((i for i, line in enumerate(lines) if _INFO.match(line)), None)
        if info is None:
            return None, "\n".join(lines)
        fixed = "\n".join(lines[:info + 1])
        tags: list[str] = []
        note: list[str] | None = None
        for line in lines[info + 1:]:
            if line.startswith("- #"):
                tags += parse_tags(line)
            elif note is None and line.startswith("- Note:"):
                first = line[len("- Note:"):].strip()
                note = [first] if first else []
            elif note is not None:
                note.append(line[2:] if line.startswith("  ") else line.lstrip("\t"))
            elif line.strip():  # a note written without its "- Note:" line
                note = [line[2:] if line.startswith("  ") else line]
        while note and not note[-1].strip():
            note.pop()
        text_note = decode_note("\n".join(note)) if note else ""
        return Fields(text_note.rstrip(), sanitise_tags(tags)), fixed

    def find(self, lines: list[str], body: int, ids: dict[str, str]) -> list[Block]:
        blocks: list[Block] = []
        seen: set[str] = set()
        floor = body
        readable = list(readable_lines(lines, body))
        outside = {i for i, _ in readable}
        for i, line in readable:
            match = _ID_LINE.match(line)
            if match is None or match.group(1) not in ids or match.group(1) in seen:
                continue
            seen.add(match.group(1))
            start = self._start(lines, outside, floor, i)
            text = "".join(lines[start:i + 1])
            fields, fixed = self.parse(text) if start < i else (None, "")
            blocks.append(Block(ids[match.group(1)], start, i + 1, text, fields, fixed))
            floor = i + 1
        return blocks

    @staticmethod
    def _start(lines: list[str], outside: set[int], floor: int, id_line: int) -> int:
        """Where the block ending at ``id_line`` begins (``id_line`` itself when damaged)."""
        info = None
        for j in range(id_line - 1, floor - 1, -1):
            if j not in outside:
                break
            if _INFO.match(lines[j]):
                info = j
                break
        if info is None:
            return id_line
        start = info
        if info - 1 >= floor and not bare(lines[info - 1]).strip():
            j = info - 2
            while j >= floor and j in outside and bare(lines[j]).startswith(">"):
                j -= 1
            if j + 1 <= info - 2:
                start = j + 1
        return start

    def head(self, article: Article, count: int) -> str:
        return f"# {title_text(article)}\n\n{metadata_line(article, count)}\n"

    def separator(self) -> str:
        return "\n"


def conflict_callout(kept: str, flavor: str,
                     what: str = "your vault version of the block above, kept") -> str:
    """The vault's version of a block, kept visibly after tuireader's: not owned (no id line),
    so the next sync leaves it alone; the user merges by hand and deletes it."""
    lines = [bare(line) for line in split_lines(kept)]
    lines = [line for line in lines  # no id: the block above keeps it, alone
             if not _ID_LINE.match(line) and not line.lstrip().startswith("id:: ")]
    title = f"tuireader sync conflict: {what}"
    if flavor == "logseq":
        body = [f"- {title}"] + [f"  > {line}" for line in lines if line.strip()]
        return "\n".join(body) + "\n"
    body = [f"> [!warning] {title}"] + [f"> {line}" if line else ">" for line in lines]
    return "\n".join(body) + "\n"


__all__ = [
    "ID_KEY", "Block", "Fields", "Flavor", "FrontMatter", "Obsidian", "article_id_of",
    "bare", "conflict_callout", "owned_front", "parse_front_matter",
    "parse_tags", "readable_lines", "split_lines",
]
