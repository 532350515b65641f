"""Turning bytes into text: BOMs, declared charsets, detection; binary input is refused.

The rule throughout is "never silent mojibake": every path either decodes with a charset that
fits the bytes or raises :class:`ImportFailed` with a one-line reason.  Stray control characters
do not make a file binary (a log saved from a terminal has colour codes): :func:`inert_controls`
removes ANSI escape sequences and shows the other C0/C1 controls as visible placeholders.  Binary
means magic numbers, NUL bytes, or control characters on more than one character in twenty.
A declared charset is only trusted when the bytes decode cleanly with it, and a single-byte
declaration (``latin-1`` and friends, often a stale server default) loses to valid multi-byte
UTF-8.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from tuireader.importers.base import ImportFailed

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or an office document)"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"\x7fELF", "an executable"),
    (b"RIFF", "a RIFF media file"),
    (b"BZh", "bzip2-compressed data"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x00\x00\x01\x00", "an icon image"),
    (b"OggS", "an Ogg media file"),
    (b"fLaC", "a FLAC audio file"),
    (b"ID3", "an MP3 audio file"),
    (b"\x1aE\xdf\xa3", "a Matroska/WebM video"),
    (b"wOFF", "a web font"),
    (b"wOF2", "a web font"),
    (b"MZ", "a Windows executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
    (b"SQLite format 3\x00", "an SQLite database"),
)

#: Charsets that any byte string decodes with, so a clean decode proves nothing.
_SINGLE_BYTE_DEFAULTS = frozenset(
    {"latin-1", "iso8859-1", "cp1252", "ascii", "iso8859-15", "cp1250", "iso8859-2"}
)

_SAMPLE = 65_536
_CONTROLS = re.compile(r"[\x01-\x08\x0e-\x1f]")
#: Any character :func:`inert_controls` changes (fast test before the real work).
_ANY_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Terminal escape sequences (ECMA-48): CSI (colours and cursor moves: ESC [ ... final byte),
#: OSC (titles, hyperlinks: ESC ] ... BEL or ST), DCS/SOS/PM/APC strings, and the short
#: two-character ESC sequences; the 8-bit CSI (U+009B) and OSC (U+009D) forms too.  String
#: payloads are bounded, so an unterminated one costs no more than its bound.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])[^\x07\x1b\x9c]{0,4096}(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[!-/]*[0-~]"
)
_C0_C1 = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
#: A stray character is more than this fraction of the text: binary, not text with a few.
_MAX_CONTROL_SHARE = 20


def _placeholder(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␀ ... ␟
    return "\u2421" if code == 0x7F else "\ufffd"  # ␡ for DEL, � for C1 controls


def inert_controls(text: str) -> str:
    """``text`` with terminal escape sequences removed and other controls made visible.

    SGR colours, cursor moves and OSC titles/hyperlinks vanish; a form feed (a page break)
    becomes a blank line; every other C0 control shows as its Control Pictures symbol (U+2400
    block: ``␛``, ``␇``), DEL as ``␡``, and C1 controls as U+FFFD.  Tab and newlines stay.
    """
    if not _ANY_CONTROL.search(text):
        return text
    text = _ESCAPES.sub("", text).replace("\x0c", "\n\n")
    return _C0_C1.sub(_placeholder, text)


def sniff_binary(data: bytes) -> str | None:
    """Name the kind of binary file ``data`` looks like, or None if it may be text."""
    for magic, name in _BINARY_MAGIC:
        if data.startswith(magic):
            return name
    head = data[:32]
    if head[4:12] in (b"ftypisom", b"ftypmp42", b"ftypheic", b"ftypavif") or head[4:8] == b"ftyp":
        return "an MP4/HEIF media file"
    if head.startswith(b"RIFF") or head[8:12] == b"WEBP":
        return "a RIFF media file"
    return None


def _lookup(name: str | None) -> str | None:
    """Normalise a charset label to a Python codec name, or None when unknown."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    # WHATWG: these labels mean windows-1252 in practice, and GB2312 pages are GBK or wider.
    # WHATWG also decodes every Shift_JIS label as windows-31J (cp932: NEC and IBM extensions
    # such as circled digits, common on Japanese news pages, which strict shift_jis refuses).
    label = {
        "iso-8859-1": "cp1252",
        "latin1": "cp1252",
        "us-ascii": "cp1252",
        "gb2312": "gb18030",
        "gbk": "gb18030",
        "x-sjis": "cp932",
        "shift-jis": "cp932",
        "shift_jis": "cp932",
        "sjis": "cp932",
        "ms_kanji": "cp932",
        "csshiftjis": "cp932",
        "windows-31j": "cp932",
        "x-user-defined": "cp1252",
    }.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def sniff_utf16(data: bytes) -> str | None:
    """Recognise BOM-less UTF-16 by its zero bytes: ASCII text puts NULs in every other byte."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even = sample[0::2]
    odd = sample[1::2]
    zeros_even = even.count(0) / len(even)
    zeros_odd = odd.count(0) / max(1, len(odd))
    if zeros_odd > 0.3 and zeros_even < 0.05:
        return "utf-16-le"
    if zeros_even > 0.3 and zeros_odd < 0.05:
        return "utf-16-be"
    return None


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """The encoding named by a byte-order mark and the mark's length, if there is one."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    return None


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")


def _mostly_utf8(data: bytes, *, declared: bool = False) -> bool:
    """True when ``data`` is UTF-8 with at most a few broken sequences (truncated or patched).

    Decoding such text as UTF-8 with replacement characters loses a handful of characters, while
    handing it to detection would turn every accented letter into mojibake.
    """
    sample = data[: _SAMPLE * 4]
    text = sample.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(_UTF8_MULTIBYTE.findall(sample))
    if declared:  # the page says UTF-8: a few broken bytes do not make it something else
        return bad <= max(8, len(sample) // 200)
    return good >= bad and bad <= max(8, len(sample) // 2000)


def _check_not_binary(data: bytes) -> None:
    kind = sniff_binary(data)
    if kind:
        raise ImportFailed(f"not a text or HTML file: it looks like {kind}")


def _check_text(text: str) -> str:
    """Refuse decoded text that is really binary (NULs, or control characters everywhere).

    Escape sequences do not count: a terminal log is full of colour codes and is still text.
    """
    sample = text[:_SAMPLE]
    if "\x00" in sample:
        raise ImportFailed("not a text file: it contains binary data (NUL bytes)")
    if _CONTROLS.search(sample):
        controls = len(_CONTROLS.findall(_ESCAPES.sub("", sample)))
        if controls > len(sample) // _MAX_CONTROL_SHARE + 2:
            raise ImportFailed("not a text file: it contains binary data (control characters)")
    return text


_UNICODE_CODECS = frozenset(
    {"utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}
)


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Decode ``data`` to text.

    Order: a byte-order mark wins; then BOM-less UTF-16 (recognised by its NUL pattern); then the
    ``declared`` charset if the bytes decode cleanly with it (any legacy declaration yields to
    valid multi-byte UTF-8); then UTF-8; then charset-normalizer's detection.  Binary data (known
    magic numbers, NUL bytes, control characters) raises :class:`ImportFailed`, never mojibake.
    """
    _check_not_binary(data)
    bom = bom_encoding(data)
    if bom:
        encoding, skip = bom
        return _check_text(data[skip:].decode(encoding, errors="replace"))
    utf16 = sniff_utf16(data)
    if utf16:
        try:
            return _check_text(data.decode(utf16))
        except UnicodeDecodeError:
            pass
    codec = _lookup(declared)
    # EUC-JP pages use the same vendor extensions; JIS X 0213's EUC form decodes them.
    fallback = "euc_jis_2004" if codec == "euc_jp" else None
    # Bytes that decode as UTF-8 with multi-byte sequences are UTF-8 whatever a page declares:
    # legacy text (single- or multi-byte, e.g. Shift-JIS kanji) almost never forms valid UTF-8
    # sequences, while pages saved as UTF-8 with a stale charset declaration are common.
    if codec and not (codec not in _UNICODE_CODECS and _is_utf8_with_multibyte(data)):
        try:
            return _check_text(data.decode(codec))
        except UnicodeDecodeError:
            if codec == "utf-8" and _mostly_utf8(data, declared=True):
                return _check_text(data.decode("utf-8", errors="replace"))
            if fallback:
                try:
                    return _check_text(data.decode(fallback))
                except UnicodeDecodeError:
                    pass
    try:
        return _check_text(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:_SAMPLE]:
        raise ImportFailed("not a text file: it contains binary data (NUL bytes)")
    if _mostly_utf8(data):
        return _check_text(data.decode("utf-8", errors="replace"))
    detected = _detect(data[: _SAMPLE * 4])
    if detected:
        try:
            return _check_text(data.decode(_lookup(detected) or detected, errors="replace"))
        except LookupError:
            pass
    raise ImportFailed("cannot tell the text encoding (not UTF-8, and no charset was declared)")


#: The legacy charset most unlabelled Western pages use (WHATWG's default for them too).
_WESTERN = "cp1252"
#: How much worse (chaos) and less language-like (coherence) cp1252 may score than the detector's
#: first choice and still be preferred: on short text the scores tie and the order is arbitrary.
_TIE = 0.01


def _detect(data: bytes) -> str | None:
    """charset-normalizer's guess for ``data``, with cp1252 winning ties.

    Short Western text ("crème brûlée, café") fits cp1250, cp1252 and others equally well by
    every measure the detector has, and it lists cp1250 first; decoding it so gives "crčme".
    When cp1252 scores as well as the first choice, it is the far likelier charset.
    """
    results = from_bytes(data)
    best = results.best()
    if best is None or not best.encoding:
        return None
    if best.encoding == _WESTERN or _WESTERN in best.could_be_from_charset:
        return _WESTERN
    for match in results:
        if (
            match.encoding == _WESTERN
            and match.chaos <= best.chaos + _TIE
            and match.coherence >= best.coherence - _TIE
        ):
            return _WESTERN
    return best.encoding


def _is_utf8_with_multibyte(data: bytes) -> bool:
    """True when ``data`` is valid UTF-8 and uses non-ASCII characters (so it is not Latin-1)."""
    if not _UTF8_MULTIBYTE.search(data[: _SAMPLE * 4]):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
