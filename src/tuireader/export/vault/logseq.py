"""The Logseq flavour: each highlight one top-level outline block::

    - ● yellow · Section heading · 42%
      id:: 6f1c2b0e-8f55-5d7a-9d1e-6a0c2f2f6c3b
      tags:: idea, to-read
      > The quoted text, literal,
      > every line quoted.
      The note, encoded as in the Markdown export (one line per note line).

Logseq reads a block as its first line (the title), then its properties (``key:: value``, right
after the title: elsewhere they are not properties), then the body; so the colour and location
line is the title, the ``id::`` and ``tags::`` properties follow, then the quote and the note.
Logseq block ids are UUIDs, so the id is derived from the highlight's id (UUID 5: the same
highlight always has the same one, and a user's ``((uuid))`` reference keeps working).

The block is found by its ``id::`` line; it runs from its ``- `` line through the lines indented
under it, up to a child block (``  - `` or a tab: the user's), a line at the margin, or the end.
Properties Logseq adds itself (``collapsed:: true``) count as the user's edit of the block and
are kept while tuireader does not rewrite it.  The front matter is the same YAML as the Obsidian
flavour's (Logseq reads it as the page's properties).
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
        lines = [f"- {_info(highlight, section, percent)}",
                 f"  id:: {logseq_id(highlight.id)}"]
        tags = sanitise_tags(highlight.tags)
        if tags:
            lines.append("  tags:: " + ", ".join(tags))
        quote = quote_lines(highlight.exact) if highlight.exact else [">"]
        lines += [f"  {line}" for line in quote]
        lines += [f"  {line}" for line in encode_note_lines(highlight.note)]
        return "\n".join(lines) + "\n"

    def parse(self, text: str) -> tuple[Fields | None, str]:
        lines = [bare(line) for line in split_lines(text)]
        if not lines or not lines[0].startswith("- "):
            return None, "\n".join(lines)
        body = [line[2:] if line.startswith("  ") else line.lstrip("\t") for line in lines[1:]]
        fixed = [lines[0][2:]]
        tags: list[str] = []
        i = 0
        while i < len(body) and _PROPERTY.match(body[i]):
            if body[i].startswith("tags:: "):
                tags += [t.strip().strip("[]#") for t in body[i][len("tags:: "):].split(",")]
            i += 1
        while i < len(body) and body[i].startswith(">"):
            fixed.append(body[i])
            i += 1
        note = body[i:]
        while note and not note[-1].strip():
            note.pop()
        return Fields(decode_note("\n".join(note)).rstrip(), sanitise_tags(tags)), "\n".join(fixed)

    def find(self, lines: list[str], body: int, ids: dict[str, str]) -> list[Block]:
        blocks: list[Block] = []
        seen: set[str] = set()
        floor = body
        for i, line in readable_lines(lines, body):
            match = _ID_LINE.match(line)
            if i < floor or match is None or match.group(1) not in ids \
                    or match.group(1) in seen:
                continue
            start = i - 1
            while start >= floor and _PROPERTY.match(lines[start][2:]) \
                    and lines[start].startswith("  "):
                start -= 1
            if start < floor or not lines[start].startswith("- "):
                continue  # an id:: that is not a property of a top-level block: not ours
            seen.add(match.group(1))
            end = _block_end(lines, i + 1)
            text = "".join(lines[start:end])
            fields, fixed = self.parse(text)
            blocks.append(Block(ids[match.group(1)], start, end, text, fields, fixed))
            floor = end
        return blocks

    def head(self, article: Article, count: int) -> str:
        return f"- {title_text(article)} · {metadata_line(article, count)}\n"

    def separator(self) -> str:
        return ""


def _block_end(lines: list[str], at: int) -> int:
    """The line after the last one indented under a top-level block (children excluded)."""
    end = at
    j = at
    while j < len(lines):
        line = bare(lines[j])
        if not line.strip():
            j += 1
            continue
        if not line.startswith("  ") or line.startswith("  - ") or line.startswith("  -\t") \
                or line == "  -":
            break
        j += 1
        end = j
    return end
