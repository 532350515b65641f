"""The document model: an article's Markdown parsed into blocks over one plain text.

Why a plain text?  Highlights, find matches and the reading position are anchored to character
offsets of ``Document.plain_text`` -- never to screen rows, which change with the terminal width.
Every block's text is a slice of it: ``plain_text[block.start:block.end] == block.text`` and the
blocks are joined by ``"\\n\\n"``.

Choices made here (the rest of the program relies on them):

* **Sanitising.**  The Markdown source is cleaned *before* parsing, so nothing from an article can
  reach the terminal as a control sequence: CRLF and lone CR become LF; C0 controls other than
  ``\\n`` and ``\\t`` become their Control Pictures glyph (ESC -> ``␛`` U+241B, BEL -> ``␇``);
  DEL becomes ``␡``; C1 controls (U+0080-U+009F) become U+FFFD.  Tabs are expanded (to 4 columns)
  in code blocks and become one space elsewhere, so a character is never wider than measured.
* **Images** render as ``[image: alt]`` (or ``[image]`` without alt text) with an ``image`` span.
* **Links** keep their text; the URL is kept in the ``link`` span.
* **Tables** become one line per row, cells padded to the column width and separated by ``" │ "``;
  the header row carries a ``strong`` span.
* **Rules** are blocks with empty text (the layout draws them).
* Raw HTML (blocks and inline) is shown literally, never interpreted.

Large inputs: :func:`split_chunks` cuts the source at blank lines outside code fences, and
:func:`iter_parse` yields the blocks chunk by chunk with offsets that continue across chunks, so a
reader can show the first screen at once and :meth:`Document.extend` the rest from a worker.
Known limit of chunking: a link reference definition only resolves inside its own chunk.

No Textual imports: this module is core and is tested without a terminal.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from tuireader.core.inline import Span, render_inline, render_table

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

BlockKind = Literal["heading", "paragraph", "list_item", "code", "quote", "table", "rule", "html"]
SpanKind = Literal["emph", "strong", "code", "link", "strike", "image"]

#: Separator between blocks in the plain text.
BLOCK_SEP = "\n\n"


@dataclass(slots=True)
class Block:
    """One block of the article: a paragraph, heading, list item, code block, ..."""

    kind: str
    text: str
    #: Offsets of ``text`` in ``Document.plain_text``.
    start: int = 0
    end: int = 0
    #: Heading level (1-6), or list nesting depth (1 = top level); 0 otherwise.
    level: int = 0
    #: List marker ("•", "1.") on the first block of a list item; "" on its later paragraphs.
    marker: str = ""
    #: Number of enclosing block quotes.
    quote_depth: int = 0
    spans: list[Span] = field(default_factory=list)
    #: Fence info string for code blocks (e.g. "python").
    info: str = ""


@dataclass(slots=True)
class Heading:
    """One outline entry."""

    level: int
    title: str
    block: int
    offset: int


# --------------------------------------------------------------------------- sanitising

_CONTROL_MAP: dict[int, str] = {c: chr(0x2400 + c) for c in range(0x20) if c not in (9, 10)}
_CONTROL_MAP[0x7F] = "\u2421"
_CONTROL_MAP.update({c: "\ufffd" for c in range(0x80, 0xA0)})
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def sanitize(text: str) -> str:
    """Normalise line endings and make terminal control characters visible and inert."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL_RE.search(text) is None:
        return text
    return _CONTROL_RE.sub(lambda m: _CONTROL_MAP[ord(m.group())], text)


# --------------------------------------------------------------------------- chunking

_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.MULTILINE)


def _fence_intervals(markdown: str) -> list[tuple[int, int]]:
    """Character ranges covered by fenced code blocks (an unclosed fence runs to the end)."""
    intervals: list[tuple[int, int]] = []
    opener: tuple[str, int, int] | None = None
    for match in _FENCE_RE.finditer(markdown):
        fence = match.group(1)
        if opener is None:
            opener = (fence[0], len(fence), match.start())
        elif fence[0] == opener[0] and len(fence) >= opener[1]:
            line_end = markdown.find("\n", match.end())
            rest = markdown[match.end() : line_end if line_end >= 0 else len(markdown)]
            if rest.strip():  # a closing fence has no info string
                continue
            intervals.append((opener[2], match.end()))
            opener = None
    if opener is not None:
        intervals.append((opener[2], len(markdown)))
    return intervals


def split_chunks(
    markdown: str, chunk_chars: int = 200_000, first_chunk_chars: int | None = None
) -> list[str]:
    """Cut Markdown into pieces at blank lines that parse the same alone as together.

    A cut is made only at a blank line outside a code fence that is followed by an unindented,
    non-blank line, so list continuations and indented code are never split.  The concatenation
    of the chunks is the input.
    """
    if first_chunk_chars is None:
        first_chunk_chars = chunk_chars
    fences = _fence_intervals(markdown)
    fence_starts = [a for a, _ in fences]
    chunks: list[str] = []
    pos = 0
    size = first_chunk_chars
    n = len(markdown)
    while n - pos > size:
        search = pos + size
        cut = -1
        while True:
            blank = markdown.find("\n\n", search)
            if blank < 0:
                break
            nxt = blank + 2
            while nxt < n and markdown[nxt] == "\n":
                nxt += 1
            i = bisect_right(fence_starts, blank) - 1
            if i >= 0 and fences[i][0] <= blank < fences[i][1]:
                search = fences[i][1]
                continue
            if nxt < n and markdown[nxt] not in " \t":
                cut = nxt
                break
            search = nxt
        if cut < 0:
            break
        chunks.append(markdown[pos:cut])
        pos = cut
        size = chunk_chars
    chunks.append(markdown[pos:])
    return chunks


# --------------------------------------------------------------------------- parsing


def _make_parser() -> MarkdownIt:
    # Imported here: markdown-it costs ~50 ms to import, which an open served from the parse
    # cache (tuireader.library.parse_cache) and the app's start-up never need.
    from markdown_it import MarkdownIt

    # The core "inline" (and its "text_join") rule is off: _BlockBuilder runs the inline parser
    # itself, and only on text that has inline syntax (see _INLINE_SYNTAX).
    return (
        MarkdownIt("commonmark")
        .enable(["table", "strikethrough"])
        .disable(["inline", "text_join"])
    )


#: Characters that can start inline syntax in CommonMark + strikethrough (emphasis, code, links,
#: images, autolinks, raw HTML, entities, escapes, strikethrough) or a line break.  Inline text
#: with none of them is one plain text run: markdown-it's inline parser would return it as is.
#: Skipping the parser for it halves the parse of a typical book.
_INLINE_SYNTAX = re.compile(r"[!&*<\\\[\]_`~\n]")
#: A source line break inside a paragraph: a soft break (one space), or a hard break after two
#: or more spaces; markdown-it drops one trailing space (soft) or all (hard) and the next line's
#: leading spaces and tabs.
_LINE_BREAK = re.compile(r"( *)\n[ \t]*")
#: Anything but a line break that needs the inline parser.
_INLINE_MARKUP = re.compile(r"[!&*<\\\[\]_`~]")


def _line_break(match: re.Match[str]) -> str:
    return "\n" if len(match.group(1)) >= 2 else " "


class _BlockBuilder:
    """Turns markdown-it's token stream into Blocks, keeping offsets across chunks."""

    def __init__(self) -> None:
        self.md = _make_parser()
        self.offset = 0
        self.count = 0
        #: markdown-it's environment of the current chunk (link reference definitions).
        self.env: dict[str, object] = {}

    def inline(self, token: Token) -> tuple[str, list[Span]]:
        """Text and spans of an ``inline`` token, parsing inline syntax only where there is some."""
        content = token.content
        if _INLINE_SYNTAX.search(content) is not None:
            if "\n" in content and _INLINE_MARKUP.search(content) is None:
                content = _LINE_BREAK.sub(_line_break, content)
            else:
                children: list[Token] = []
                self.md.inline.parse(content, self.md, self.env, children)
                return render_inline(children)
        return (content.replace("\t", " ") if "\t" in content else content), []

    def parse(self, markdown: str) -> list[Block]:
        self.env = {}
        tokens = self.md.parse(markdown, self.env)
        blocks = list(self._blocks(tokens))
        for block in blocks:
            if self.count:
                self.offset += len(BLOCK_SEP)
            block.start = self.offset
            self.offset += len(block.text)
            block.end = self.offset
            self.count += 1
        return blocks

    def _blocks(self, tokens: list[Token]) -> Iterator[Block]:
        # list stack entries: [ordered, next number, bullet]
        lists: list[list[int | bool]] = []
        item_marker: str | None = None
        quote_depth = 0
        heading_level = 0
        i = 0
        n = len(tokens)
        while i < n:
            tok = tokens[i]
            t = tok.type
            if t == "blockquote_open":
                quote_depth += 1
            elif t == "blockquote_close":
                quote_depth -= 1
            elif t in ("bullet_list_open", "ordered_list_open"):
                start = int(tok.attrs.get("start", 1) or 1)
                lists.append([t == "ordered_list_open", start])
            elif t in ("bullet_list_close", "ordered_list_close"):
                lists.pop()
            elif t == "list_item_open":
                ordered, number = lists[-1]
                if ordered:
                    item_marker = f"{number}{tok.markup or '.'}"
                    lists[-1][1] = int(number) + 1
                else:
                    item_marker = ("•", "◦", "▪")[(len(lists) - 1) % 3]
            elif t == "list_item_close":
                if item_marker is not None:  # an empty item still shows its marker
                    yield Block("list_item", "", level=len(lists), marker=item_marker)
                item_marker = None
            elif t == "heading_open":
                heading_level = int(tok.tag[1:])
            elif t == "inline":
                text, spans = self.inline(tok)
                if heading_level:
                    yield Block("heading", text, level=heading_level, spans=spans)
                elif lists:
                    yield Block(
                        "list_item",
                        text,
                        level=len(lists),
                        marker=item_marker or "",
                        quote_depth=quote_depth,
                        spans=spans,
                    )
                    item_marker = None
                elif quote_depth:
                    yield Block("quote", text, quote_depth=quote_depth, spans=spans)
                else:
                    yield Block("paragraph", text, spans=spans)
            elif t == "heading_close":
                heading_level = 0
            elif t in ("fence", "code_block"):
                code = tok.content[:-1] if tok.content.endswith("\n") else tok.content
                code = "\n".join(line.expandtabs(4) for line in code.split("\n"))
                yield Block(
                    "code",
                    code,
                    level=len(lists),
                    quote_depth=quote_depth,
                    info=tok.info.strip(),
                )
            elif t == "html_block":
                yield Block("html", tok.content.rstrip("\n").replace("\t", " "))
            elif t == "hr":
                yield Block("rule", "", quote_depth=quote_depth)
            elif t == "table_open":
                j = i
                while tokens[j].type != "table_close":
                    j += 1
                text, spans = render_table(tokens[i : j + 1], self.inline)
                yield Block("table", text, quote_depth=quote_depth, spans=spans)
                i = j
            i += 1


@dataclass
class Document:
    """A parsed article: blocks, their joined plain text, and the heading outline."""

    blocks: list[Block] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    #: False while a background parse is still appending chunks.
    complete: bool = True
    _parts: list[str] = field(default_factory=list, repr=False)
    _plain: str | None = field(default="", repr=False)
    _length: int = field(default=0, repr=False)

    @property
    def plain_text(self) -> str:
        """The whole text (joined lazily, so extending chunk by chunk stays linear)."""
        if self._plain is None:
            self._plain = "".join(self._parts)
            self._parts = [self._plain]
        return self._plain

    def __len__(self) -> int:
        """Length of the plain text."""
        return self._length

    def extend(self, blocks: list[Block]) -> None:
        """Append blocks parsed by the same :func:`iter_parse` run (offsets must continue)."""
        for block in blocks:
            expected = self._length + (len(BLOCK_SEP) if self.blocks else 0)
            if block.start != expected:
                raise ValueError(f"block starts at {block.start}, expected {expected}")
            if self.blocks:
                self._parts.append(BLOCK_SEP)
            self._parts.append(block.text)
            self._length = block.end
            if block.kind == "heading":
                self.headings.append(
                    Heading(block.level, block.text, len(self.blocks), block.start)
                )
            self.blocks.append(block)
        if blocks:
            self._plain = None

    @classmethod
    def from_blocks(cls, blocks: list[Block], plain_text: str) -> Document:
        """A complete Document from blocks whose texts are slices of ``plain_text`` (a cache).

        Raises ValueError unless the blocks tile the text exactly as :meth:`extend` would.
        """
        expected = 0
        headings: list[Heading] = []
        for index, block in enumerate(blocks):
            if block.start != expected or block.end - block.start != len(block.text):
                raise ValueError(f"block {index} does not continue the text")
            expected = block.end + len(BLOCK_SEP)
            if block.kind == "heading":
                headings.append(Heading(block.level, block.text, index, block.start))
        length = blocks[-1].end if blocks else 0
        if length != len(plain_text):
            raise ValueError("blocks do not cover the text")
        return cls(blocks, headings, True, [plain_text], plain_text, length)

    def block_at(self, offset: int) -> int:
        """Index of the block containing ``offset`` (or the one before a separator)."""
        if not self.blocks:
            return 0
        starts = self.block_starts()
        return max(0, bisect_right(starts, offset) - 1)

    def block_starts(self) -> list[int]:
        """Start offsets of the blocks, cached until the next :meth:`extend`."""
        cache = getattr(self, "_starts_cache", None)
        if cache is None or len(cache) != len(self.blocks):
            cache = [b.start for b in self.blocks]
            self._starts_cache = cache
        return cache


def iter_parse(
    markdown: str, chunk_chars: int = 200_000, first_chunk_chars: int = 20_000
) -> Iterator[list[Block]]:
    """Parse Markdown chunk by chunk, yielding blocks whose offsets continue across chunks.

    The first chunk is small so the first screen can be shown at once.
    """
    for blocks, _ in iter_parse_chunks(markdown, chunk_chars, first_chunk_chars):
        yield blocks


def iter_parse_chunks(
    markdown: str, chunk_chars: int = 200_000, first_chunk_chars: int = 20_000
) -> Iterator[tuple[list[Block], bool]]:
    """Like :func:`iter_parse`, each chunk's blocks with True if it is the last chunk.

    So a reader knows after the first chunk whether the document is complete, without
    asking for (and so parsing) a next chunk.
    """
    builder = _BlockBuilder()
    for chunk, last in _iter_chunks(markdown, chunk_chars, first_chunk_chars):
        yield builder.parse(chunk), last


def _iter_chunks(
    markdown: str, chunk_chars: int, first_chunk_chars: int
) -> Iterator[tuple[str, bool]]:
    """Sanitised chunks of ``markdown`` (with "is the last one"), the first found in a prefix.

    Why: sanitising and scanning a 5 MB book for fences takes ~0.1 s, which the first screen
    should not wait for; the rest is done when the second chunk is asked for (in a worker).
    The first cut is the one :func:`split_chunks` makes on the whole text: whether a blank line
    is inside a fence depends only on the text before it (a fence still open at the end of the
    prefix covers the rest of the prefix, so no cut is made after its opening), and sanitising
    is character by character except CRLF, which is never cut in two.
    """
    limit = first_chunk_chars * 4
    chunks: list[str] | None = None
    if len(markdown) > 2 * limit:
        prefix = markdown[:limit]
        if prefix.endswith("\r"):
            prefix = prefix[:-1]
        clean = sanitize(prefix)
        pieces = split_chunks(clean, len(clean) + 1, first_chunk_chars)
        if len(pieces) > 1:
            yield pieces[0], False
            rest = clean[len(pieces[0]) :] + sanitize(markdown[len(prefix) :])
            chunks = split_chunks(rest, chunk_chars)
    if chunks is None:
        chunks = split_chunks(sanitize(markdown), chunk_chars, first_chunk_chars)
    for index, chunk in enumerate(chunks):
        yield chunk, index == len(chunks) - 1


def parse_parts(parts: Iterable[str], chunk_chars: int = 200_000) -> Iterator[list[Block]]:
    """The blocks of each Markdown part (a book's spine documents), parsed by one parser with
    offsets continuing as in the Document of the parts joined by blank lines: where each part's
    text lies, without a parser made per part (~1 ms each)."""
    builder = _BlockBuilder()
    for part in parts:
        yield [b for chunk, _ in _iter_chunks(part, chunk_chars, chunk_chars)
               for b in builder.parse(chunk)]


def parse_markdown(markdown: str) -> Document:
    """Parse a whole Markdown article into a :class:`Document`."""
    doc = Document()
    for blocks in iter_parse(markdown):
        doc.extend(blocks)
    return doc


# --------------------------------------------------------------------------- sentences / words

#: A run of sentence-final punctuation and the closing quotes/brackets after it.
