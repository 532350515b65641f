"""The Logseq flavour: each highlight one top-level outline block, ending in its ``id::``::

    - > The quoted text, literal,
      > every line quoted.
      ● yellow · Section heading · 42%
      The note, encoded as in the Markdown export (one line per note line).
      tags:: idea, to-read
      id:: 6f1c2b0e-8f55-5d7a-9d1e-6a0c2f2f6c3b

Logseq block ids are UUIDs, so the id is derived from the highlight's id (UUID 5: the same
highlight always has the same one, and a user's ``((uuid))`` reference keeps working).  The
block runs from its ``- `` line to the ``id::`` line; the user's own blocks, and children they
indent under a highlight (after its ``id::`` line), are theirs.  The front matter is the same
YAML as the Obsidian flavour's (Logseq reads it as the page's properties).
"""

from __future__ import annotations

import re
import uuid

from tuireader.core.model import Article, Highlight
from tuireader.export._text import decode_note, encode_note_lines, sanitise_tags
from tuireader.export.markdown import ANCHOR_NOTES, metadata_line, quote_lines, title_text
from tuireader.export.vault.blocks import Block, Fields, bare, readable_lines, split_lines

_NAMESPACE = uuid.UUID("5b0c6a52-7f0e-4a57-9a53-3b8f0a1f7e21")
_ID_LINE = re.compile(r"^  id:: ([0-9a-f-]{36})[ \t]*\r?\n?$")
_PROPERTY = re.compile(r"^[A-Za-z][\w-]*:: ")


def logseq_id(highlight_id: str) -> str:
    """The block's ``id::``: a UUID derived from the highlight id."""
    return str(uuid.uuid5(_NAMESPACE, highlight_id))


def _info(highlight: Highlight, section: str, percent: int) -> str:
    info = f"{highlight.glyph} {highlight.kind_name}"
    if highlight.anchor != "orphan":
        info += f" · {section} · {percent}%" if section else f" · {percent}%"
    if highlight.anchor in ANCHOR_NOTES:
        info += f" · {ANCHOR_NOTES[highlight.anchor]}"
    return info


class Logseq:
    """The Logseq flavour (see the module docstring)."""

    name = "logseq"

    def key(self, highlight_id: str) -> str:
        return logseq_id(highlight_id)

    def render(self, highlight: Highlight, section: str, percent: int) -> str:
        quote = quote_lines(highlight.exact) if highlight.exact else [">"]
        lines = [f"- {quote[0]}"] + [f"  {line}" for line in quote[1:]]
        lines.append(f"  {_info(highlight, section, percent)}")
        lines += [f"  {line}" if line else "" for line in encode_note_lines(highlight.note)]
        tags = sanitise_tags(highlight.tags)
        if tags:
            lines.append("  tags:: " + ", ".join(tags))
        lines.append(f"  id:: {logseq_id(highlight.id)}")
        return "\n".join(lines) + "\n"

    def parse(self, text: str) -> tuple[Fields | None, str]:
        lines = [bare(line) for line in split_lines(text)]
        if not lines or not lines[0].startswith("- "):
            return None, "\n".join(lines)
        body = [lines[0][2:]] + [line[2:] if line.startswith("  ") else line for line in lines[1:]]
        fixed: list[str] = []
        i = 0
        while i < len(body) and body[i].startswith(">"):
            fixed.append(body[i])
            i += 1
        if i >= len(body) or _PROPERTY.match(body[i]):
            return None, "\n".join(fixed)
        fixed.append(body[i])  # the info line
        note: list[str] = []
        tags: list[str] = []
        for line in body[i + 1:]:
            if line.startswith("tags:: "):
                tags += [t.strip().strip("[]#") for t in line[len("tags:: "):].split(",")]
            elif _PROPERTY.match(line):
                continue
            else:
                note.append(line)
        while note and not note[-1].strip():
            note.pop()
        return Fields(decode_note("\n".join(note)).rstrip(), sanitise_tags(tags)), "\n".join(fixed)

    def find(self, lines: list[str], body: int, ids: dict[str, str]) -> list[Block]:
        blocks: list[Block] = []
        seen: set[str] = set()
        floor = body
        for i, line in readable_lines(lines, body):
            match = _ID_LINE.match(line)
            if match is None or match.group(1) not in ids or match.group(1) in seen:
                continue
            seen.add(match.group(1))
            start = i
            for j in range(i - 1, floor - 1, -1):
                if lines[j].startswith("- "):
                    start = j
                    break
                if lines[j][:1] not in (" ", "\t", "\n", "\r", ""):
                    break  # column-0 text that is not a block: the block's start is gone
            text = "".join(lines[start:i + 1])
            fields, fixed = self.parse(text) if start < i else (None, "")
            blocks.append(Block(ids[match.group(1)], start, i + 1, text, fields, fixed))
            floor = i + 1
        return blocks

    def head(self, article: Article, count: int) -> str:
        return f"- {title_text(article)} · {metadata_line(article, count)}\n"

    def separator(self) -> str:
        return ""
