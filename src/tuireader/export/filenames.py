"""Safe, stable file names for exported articles.

``safe_filename("Title: of it", "3fa2b1c0")`` -> ``"Title - of it (3fa2b1c0).md"``.

Why this shape: the short article id makes the name unique and lets a re-export find its file
again; the title keeps it readable in a file manager and as an Obsidian note name.  The title is
cleaned so the name is valid on Linux, macOS and Windows and inside Obsidian links:

* path separators, ``: * ? " < > |``, controls and NUL, and Obsidian's link characters
  ``# ^ [ ] |`` become `` - ``-style separators; whitespace runs fold to one space;
* leading dots and spaces go (no hidden files, no ``..``), trailing dots and spaces go (Windows);
* Windows device names (``CON``, ``NUL``, ``COM1`` ... also as ``CON.txt``) get a ``_`` prefix;
* an empty title becomes ``Untitled``;
* bidi overrides, embeddings, isolates and marks go (``\u202e`` makes ``gpj.exe`` read as
  ``exe.jpg``);
* the whole name is at most :data:`MAX_NAME_BYTES` of UTF-8: the common file-system limit is
  255, and the temporary file written beside it (``.<name>.tmp-<pid>-<hex>``) must fit too.
  The title is cut on a character boundary, never the id or the extension.
"""

from __future__ import annotations

import re
import unicodedata

from tuireader.core.safety import strip_bidi
from tuireader.library.durable import TMP_MARK

#: The file-system limit on one name (ext4, APFS, NTFS in UTF-16 units, mostly).
FS_NAME_BYTES = 255
#: What a temporary file adds to the final name: ``.`` + TMP_MARK + a pid (at most 10 digits)
#: + ``-`` + the random hex (durable.py uses 6; room for 8).
TMP_OVERHEAD = 1 + len(TMP_MARK) + 10 + 1 + 8
#: The longest final name, so that every file the folder writer makes fits in FS_NAME_BYTES.
MAX_NAME_BYTES = FS_NAME_BYTES - TMP_OVERHEAD
_BAD = re.compile(r'[/\\:*?"<>|#^\[\]\x00-\x1f\x7f\u0080-\u009f\u2028\u2029]+')
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", "clock$"}
    | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
    | {"com¹", "com²", "com³", "lpt¹", "lpt²", "lpt³"}
)
_ID_BAD = re.compile(r"[^A-Za-z0-9_-]+")


def clean_title(title: str) -> str:
    """The title as the readable part of a file name (may be empty)."""
    text = unicodedata.normalize("NFC", strip_bidi(title))
    text = _BAD.sub(" - ", text)
    text = " ".join(text.split())
    text = re.sub(r"(?:\s*-\s*){2,}", " - ", text)
    text = text.strip(" .-")
    if text.split(".", 1)[0].strip().casefold() in _RESERVED:
        text = "_" + text
    return text


def _cut_utf8(text: str, max_bytes: int) -> str:
    """``text`` shortened to at most ``max_bytes`` of UTF-8, on a character boundary."""
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    cut = data[:max_bytes].decode("utf-8", errors="ignore")
    # Do not leave a base character without its combining marks, nor end in a separator.
    while cut and unicodedata.combining(cut[-1]):
        cut = cut[:-1]
    if cut and unicodedata.combining(text[len(cut)] if len(cut) < len(text) else " "):
        cut = cut[:-1]
    return cut.rstrip(" .-")


def safe_filename(
    title: str,
    article_id: str,
    ext: str = ".md",
    *,
    suffix: str = "",
    max_bytes: int = MAX_NAME_BYTES,
) -> str:
    """``"<clean title> (<id>)<suffix><ext>"``, safe in any folder (see the module docstring).

    ``suffix`` distinguishes names that would collide (``" 2"``).
    """
    ident = _ID_BAD.sub("", article_id)[:32] or "x"
    tail = f" ({ident}){suffix}{ext}"
    room = max_bytes - len(tail.encode("utf-8"))
    stem = _cut_utf8(clean_title(title), max(0, room)) or "Untitled"
    return stem + tail


def is_plain_name(name: str) -> bool:
    """True when ``name`` is one path component we could have written (for manifest entries)."""
    return (
        bool(name)
        and name not in (".", "..")
        and not name.startswith(".")
        and "/" not in name
        and "\\" not in name
        and "\x00" not in name
        and len(name.encode("utf-8")) <= MAX_NAME_BYTES
    )
