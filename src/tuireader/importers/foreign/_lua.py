"""A reader for the Lua *data* KOReader writes: ``return { ... }``, parsed, never run.

KOReader keeps each book's settings and annotations in ``<book>.sdr/metadata.<ext>.lua``, a Lua
chunk that returns one table.  That file comes from outside (a device, a sync folder, a
download), so it is treated as data: this module understands the subset KOReader's serializer
writes (tables with ``["key"] =``, ``[1] =``, ``name =`` and positional fields; strings with every
Lua escape, ``\\ddd`` and ``\\xXX`` bytes included, and long brackets ``[[...]]``/``[==[...]==]``;
numbers, including hex and ``inf``/``nan`` spellings; ``true``/``false``/``nil``; comments) and
refuses anything else (a function call, an operator, a variable) with one line naming the place.
Nothing is evaluated, nesting is bounded, and the caller bounds the file's size.

Lua strings are bytes: the text is read as Latin-1 (one character per byte) so an escape such
as ``\\226\\128\\153`` builds the same bytes as the raw UTF-8 around it, and each string is
decoded as UTF-8 at the end.
"""

from __future__ import annotations

import math
import re
from typing import Any

#: Tables nested deeper than this are refused (KOReader writes 5 or 6 levels).
MAX_DEPTH = 64

LuaValue = Any  # str | int | float | bool | None | dict[LuaKey, LuaValue]


class LuaDataError(ValueError):
    """The text is not Lua data this reader accepts (one line, with the line number)."""


_SPACE = re.compile(r"(?:\s+|--\[(=*)\[.*?\]\1\]|--[^\n]*)+", re.S)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(
    r"0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?"
    r"|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_LONG_OPEN = re.compile(r"\[(=*)\[")
_SHORT_PLAIN = {'"': re.compile(r'[^"\\\n]+'), "'": re.compile(r"[^'\\\n]+")}
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
            "\\": "\\", '"': '"', "'": "'", "\n": "\n"}
_KEYWORDS = {"true": True, "false": False, "nil": None}
# The fast path for what KOReader writes most: ``["key"] =`` / ``[12] =`` and a plain string,
# integer or boolean.  Anything else takes the general path below.
_FAST_KEY = re.compile(r'\s*\[(?:"([^"\\\n]*)"|(\d{1,15}))\]\s*=')
_FAST_VALUE = re.compile(r'\s*(?:"([^"\\\n]*)"|(-?\d{1,15})(?![\w.])|(true|false)(?!\w))')


def _utf8(raw: str) -> str:
    """A Lua string (Latin-1 characters standing for bytes) as text."""
    if raw.isascii():
        return raw
    return raw.encode("latin-1").decode("utf-8", errors="replace")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    # -- errors and spacing ------------------------------------------------------------------

    def fail(self, what: str, pos: int | None = None) -> LuaDataError:
        at = self.pos if pos is None else pos
        line = self.text.count("\n", 0, at) + 1
        return LuaDataError(f"line {line}: {what}")

    def skip(self) -> None:
        match = _SPACE.match(self.text, self.pos)
        if match:
            self.pos = match.end()
        if self.text.startswith("--[", self.pos) and _LONG_OPEN.match(self.text, self.pos + 2):
            raise self.fail("unterminated long comment")

    def peek(self) -> str:
        self.skip()
        return self.text[self.pos : self.pos + 1]

    def expect(self, token: str) -> None:
        if self.peek() != token:
            raise self.fail(f"expected {token!r}, found {self.found()}")
        self.pos += 1

    def found(self) -> str:
        if self.pos >= len(self.text):
            return "the end of the file"
        word = _NAME.match(self.text, self.pos)
        if word:
            return repr(word.group())
        return repr(self.text[self.pos])

    # -- the chunk ---------------------------------------------------------------------------

    def chunk(self) -> LuaValue:
        self.skip()
        word = _NAME.match(self.text, self.pos)
        if not word or word.group() != "return":
            raise self.fail(f"expected 'return {{...}}', found {self.found()} (only data "
                            "is read, nothing is run)")
        self.pos = word.end()
        value = self.value(0)
        if self.peek() == ";":
            self.pos += 1
        if self.peek():
            raise self.fail(f"unexpected {self.found()} after the returned value (only data "
                            "is read, nothing is run)")
        return value

    def value(self, depth: int) -> LuaValue:
        char = self.peek()
        if char == "{":
            if depth >= MAX_DEPTH:
                raise self.fail(f"tables nested deeper than {MAX_DEPTH}")
            return self.table(depth + 1)
        if char in ('"', "'"):
            return _utf8(self.short_string(char))
        if char == "[" and _LONG_OPEN.match(self.text, self.pos):
            return _utf8(self.long_string())
        if char == "-":  # a negative number (and nothing else: no recursion on "- - - ...")
            self.pos += 1
            char = self.peek()
            if char.isdigit() or char == ".":
                return -self.number()
            if re.compile(r"math\s*\.\s*huge\b").match(self.text, self.pos):
                return -self.value(depth)
            raise self.fail("'-' before something that is not a number")
        if char.isdigit() or (char == "." and self.text[self.pos + 1 : self.pos + 2].isdigit()):
            return self.number()
        word = _NAME.match(self.text, self.pos)
        if word:
            name = word.group()
            if name in _KEYWORDS:
                self.pos = word.end()
                return _KEYWORDS[name]
            if name == "math":  # math.huge, as some serializers write infinity
                tail = re.compile(r"math\s*\.\s*huge\b").match(self.text, self.pos)
                if tail:
                    self.pos = tail.end()
                    return math.inf
            raise self.fail(f"{name!r} is code, not data (only data is read, nothing is run)")
        raise self.fail(f"unexpected {self.found()}")

    def table(self, depth: int) -> dict[Any, LuaValue]:
        self.expect("{")
        result: dict[Any, LuaValue] = {}
        index = 1
        while True:
            char = self.peek()
            if char == "}":
                self.pos += 1
                return result
            if not char:
                raise self.fail("unterminated table")
            fast = _FAST_KEY.match(self.text, self.pos)
            if fast:
                self.pos = fast.end()
                text_key, number_key = fast.groups()
                key = _utf8(text_key) if text_key is not None else int(number_key)
                result[key] = self.fast_value(depth)
            elif char == "[" and not _LONG_OPEN.match(self.text, self.pos):
                self.pos += 1
                key_at = self.pos
                key = self.value(depth)
                self.expect("]")
                self.expect("=")
                if key is None or isinstance(key, dict) or (isinstance(key, float)
                                                            and math.isnan(key)):
                    raise self.fail("a table key that is nil, NaN or a table", key_at)
                if isinstance(key, float) and key.is_integer():
                    key = int(key)
                result[key] = self.value(depth)
            else:
                word = _NAME.match(self.text, self.pos)
                after = _SPACE.match(self.text, word.end()) if word else None
                end = after.end() if after else (word.end() if word else 0)
                if (word and word.group() not in _KEYWORDS and self.text[end : end + 1] == "="
                        and self.text[end + 1 : end + 2] != "="):
                    self.pos = end + 1
                    result[word.group()] = self.value(depth)
                else:
                    result[index] = self.value(depth)
                    index += 1
            char = self.peek()
            if char in (",", ";"):
                self.pos += 1
            elif char != "}":
                raise self.fail(f"expected ',' or '}}' in a table, found {self.found()}")

    def fast_value(self, depth: int) -> LuaValue:
        match = _FAST_VALUE.match(self.text, self.pos)
        if not match:
            return self.value(depth)
        self.pos = match.end()
        text, number, boolean = match.groups()
        if text is not None:
            return _utf8(text)
        if number is not None:
            return int(number)
        return boolean == "true"

    # -- scalars -----------------------------------------------------------------------------

    def number(self) -> int | float:
        match = _NUMBER.match(self.text, self.pos)
        if not match:
            raise self.fail("a malformed number")
        self.pos = match.end()
        if _NAME.match(self.text, self.pos):
            raise self.fail("a malformed number")
        token = match.group()
        try:
            if token[:2] in ("0x", "0X"):
                if "." in token or "p" in token.lower()[2:]:
                    return float.fromhex(token)
                return int(token, 16)
            if any(c in token for c in ".eE"):
                return float(token)
            return int(token)
        except (ValueError, OverflowError) as exc:
            raise self.fail(f"a malformed number {token[:20]!r}") from exc

    def short_string(self, quote: str) -> str:
        text, plain = self.text, _SHORT_PLAIN[quote]
        start = self.pos
        self.pos += 1
        parts: list[str] = []
        while True:
            match = plain.match(text, self.pos)
            if match:
                parts.append(match.group())
                self.pos = match.end()
            char = text[self.pos : self.pos + 1]
            if char == quote:
                self.pos += 1
                return "".join(parts)
            if char in ("", "\n"):
                raise self.fail("unterminated string", start)
            self.pos += 1  # a backslash
            parts.append(self.escape())

    def escape(self) -> str:
        text = self.text
        char = text[self.pos : self.pos + 1]
        if char in _ESCAPES:
            self.pos += 1
            return _ESCAPES[char]
        if char == "\r":  # a backslash before CR LF (or a lone CR) is one newline
            self.pos += 2 if text[self.pos + 1 : self.pos + 2] == "\n" else 1
            return "\n"
        if char.isdigit():
            digits = re.compile(r"[0-9]{1,3}").match(text, self.pos)
            assert digits is not None
            value = int(digits.group())
            if value > 255:
                raise self.fail(f"escape '\\{digits.group()}' is not a byte")
            self.pos = digits.end()
            return chr(value)
        if char == "x":
            hexa = re.compile(r"[0-9a-fA-F]{2}").match(text, self.pos + 1)
            if not hexa:
                raise self.fail("malformed '\\x' escape")
            self.pos = hexa.end()
            return chr(int(hexa.group(), 16))
        if char == "z":
            space = re.compile(r"\s*").match(text, self.pos + 1)
            assert space is not None
            self.pos = space.end()
            return ""
        if char == "u":
            code = re.compile(r"\{([0-9a-fA-F]{1,8})\}").match(text, self.pos + 1)
            if not code or int(code.group(1), 16) > 0x7FFFFFFF:
                raise self.fail("malformed '\\u{...}' escape")
            self.pos = code.end()
            value = int(code.group(1), 16)
            raw = chr(value).encode("utf-8", "surrogatepass") if value <= 0x10FFFF else b"?"
            return raw.decode("latin-1")
        raise self.fail(f"invalid escape '\\{char}'")

    def long_string(self) -> str:
        opening = _LONG_OPEN.match(self.text, self.pos)
        assert opening is not None
        close = "]" + opening.group(1) + "]"
        end = self.text.find(close, opening.end())
        if end < 0:
            raise self.fail("unterminated long string")
        body = self.text[opening.end() : end]
        self.pos = end + len(close)
        if body.startswith("\r\n"):
            return body[2:]
        return body[1:] if body[:1] in ("\n", "\r") else body


def loads(data: bytes | str) -> LuaValue:
    """The value a Lua data chunk (``return <value>``) returns; :class:`LuaDataError` (one
    line) for anything that is not plain data.  Bytes are read as Lua reads them (Latin-1 for
    the parse, each string decoded as UTF-8); a leading UTF-8 BOM is ignored."""
    if isinstance(data, bytes):
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        text = data.decode("latin-1")
    else:
        text = data.lstrip("\ufeff").encode("utf-8", "surrogatepass").decode("latin-1")
    if text.startswith("#"):  # a shebang line, which Lua skips
        text = "--" + text
    return _Parser(text).chunk()


def as_list(value: LuaValue) -> list[LuaValue]:
    """A Lua array (a table keyed 1..n, possibly sparse or out of order) as a list in key
    order; string keys are left out.  Anything that is not a table gives []."""
    if not isinstance(value, dict):
        return []
    keys = sorted(k for k in value if isinstance(k, int) and not isinstance(k, bool))
    return [value[k] for k in keys]
