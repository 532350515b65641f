"""An EPUB's zip, opened with every check made before any of it is parsed.

Data from outside is data: the zip's directory is read first and the book refused in one line
when it cannot be read safely — not a zip, too many members, a member whose path is absolute
or climbs out with ``..``, a member that inflates past :data:`MAX_MEMBER_BYTES` (or all of them
past :data:`MAX_TOTAL_BYTES`: a zip bomb), or DRM (``META-INF/encryption.xml`` naming anything
but fonts; font obfuscation is not DRM and such books open in every reader).  Members are then
read with a bound, whatever their directory entry says.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path

from lxml import etree

from tuireader.importers.base import ImportFailed

#: One member (a chapter, the OPF) inflated: no real chapter is near this.
MAX_MEMBER_BYTES = 64 * 1024 * 1024
#: All members inflated, as the directory declares them.
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
#: Members in the zip (a long book with images has a few thousand).
MAX_MEMBERS = 20_000

#: Font obfuscation (IDPF, Adobe): resources "encrypted" so that fonts are not reused; readers
#: undo it without any key.
FONT_OBFUSCATION = frozenset({
    "http://www.idpf.org/2008/embedding",
    "http://ns.adobe.com/pdf/enc#RC",
})
_FONT_SUFFIXES = (".otf", ".ttf", ".woff", ".woff2", ".odttf", ".eot", ".pfb", ".pfm")
_DRIVE = re.compile(r"^[A-Za-z]:")
_ENC = "{http://www.w3.org/2001/04/xmlenc#}"


def _unsafe(name: str) -> bool:
    """An absolute path, a drive, or a ``..`` step: a member that points outside the book."""
    path = name.replace("\\", "/")
    return path.startswith("/") or bool(_DRIVE.match(path)) or ".." in path.split("/")


class BookZip:
    """The members of an EPUB's zip, read on demand and bounded (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        try:
            self._zip = zipfile.ZipFile(path)
        except zipfile.BadZipFile as exc:
            raise ImportFailed("not an EPUB: the file is not a zip archive") from exc
        except OSError as exc:
            raise ImportFailed(exc.strerror or str(exc)) from exc
        try:
            self._check_directory()
            self._check_drm()
        except BaseException:
            self._zip.close()
            raise

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> BookZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_directory(self) -> None:
        infos = self._zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise ImportFailed(f"the EPUB holds too many files ({len(infos):,}; the limit is "
                               f"{MAX_MEMBERS:,})")
        total = 0
        self._names: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            if _unsafe(info.filename):
                raise ImportFailed(f"the EPUB holds a file with an unsafe path "
                                   f"({info.filename!r}: absolute or with '..')")
            if info.file_size > MAX_MEMBER_BYTES:
                raise ImportFailed(f"the EPUB looks like a zip bomb: {info.filename!r} inflates "
                                   f"to {info.file_size // (1024 * 1024):,} MB (the limit is "
                                   f"{MAX_MEMBER_BYTES // (1024 * 1024)} MB)")
            total += info.file_size
            self._names[info.filename] = info
        if total > MAX_TOTAL_BYTES:
            raise ImportFailed(f"the EPUB looks like a zip bomb: it inflates to "
                               f"{total // (1024 * 1024):,} MB (the limit is "
                               f"{MAX_TOTAL_BYTES // (1024 * 1024)} MB)")

    def _check_drm(self) -> None:
        data = self.read_optional("META-INF/encryption.xml")
        if not data:
            return
        parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
        try:
            root = etree.fromstring(data, parser=parser)
        except etree.XMLSyntaxError:
            root = None
        if root is None:
            raise ImportFailed("this book is DRM-protected (its encryption.xml is unreadable)")
        for encrypted in root.iter(f"{_ENC}EncryptedData"):
            method = encrypted.find(f"{_ENC}EncryptionMethod")
            algorithm = method.get("Algorithm", "") if method is not None else ""
            uris = [ref.get("URI", "") for ref in encrypted.iter(f"{_ENC}CipherReference")]
            fonts = bool(uris) and all(uri.lower().endswith(_FONT_SUFFIXES) for uri in uris)
            if not (algorithm in FONT_OBFUSCATION and fonts):
                raise ImportFailed("this book is DRM-protected: its text is encrypted and "
                                   "cannot be read without the seller's key")

    def __contains__(self, name: str) -> bool:
        return name in self._names

    def names(self) -> list[str]:
        return list(self._names)

    def find(self, name: str) -> str | None:
        """The member called ``name`` (normalised; case-insensitive as a last resort)."""
        name = posixpath.normpath(name.replace("\\", "/")).lstrip("/")
        if name in self._names:
            return name
        folded = name.casefold()
        return next((n for n in self._names if n.casefold() == folded), None)

    def read(self, name: str) -> bytes:
        """The member's bytes (KeyError when it is missing), never more than the bound."""
        found = self.find(name)
        if found is None:
            raise KeyError(name)
        try:
            with self._zip.open(self._names[found]) as member:
                data = member.read(MAX_MEMBER_BYTES + 1)
        except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as exc:
            raise ImportFailed(f"the EPUB is damaged: cannot read {found!r} ({exc})") from exc
        except RuntimeError as exc:  # an encrypted (password) zip member
            raise ImportFailed(f"the EPUB is damaged: cannot read {found!r} ({exc})") from exc
        if len(data) > MAX_MEMBER_BYTES:
            raise ImportFailed(f"the EPUB looks like a zip bomb: {found!r} inflates past "
                               f"{MAX_MEMBER_BYTES // (1024 * 1024)} MB")
        return data

    def read_optional(self, name: str) -> bytes:
        """The member's bytes, or b"" when it is missing."""
        try:
            return self.read(name)
        except KeyError:
            return b""
