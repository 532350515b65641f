"""Bytes to text: BOMs, declarations, detection, and refusing binary data."""

from __future__ import annotations

import pytest

from tuireader.importers.base import ImportFailed
from tuireader.importers.encoding import decode_text, sniff_binary, sniff_utf16

TEXT = "Ünïcödé text with accents — and a dash, repeated for detection. " * 20


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32"])
def test_bom_wins(encoding: str) -> None:
    assert decode_text(TEXT.encode(encoding), declared="latin-1") == TEXT


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom(encoding: str) -> None:
    data = TEXT.encode(encoding)
    assert sniff_utf16(data) == encoding
    assert decode_text(data) == TEXT


def test_declared_charset_used_when_it_fits() -> None:
    assert decode_text("Grüße".encode("cp1252") * 3, declared="windows-1252") == "Grüße" * 3


def test_single_byte_declaration_loses_to_real_utf8() -> None:
    assert decode_text(TEXT.encode(), declared="iso-8859-1") == TEXT


def test_unknown_declaration_is_ignored() -> None:
    assert decode_text(TEXT.encode(), declared="no-such-charset") == TEXT


def test_utf8_with_nul_is_binary() -> None:
    with pytest.raises(ImportFailed, match="binary"):
        decode_text(b"hello\x00world, this is not text" * 10)


@pytest.mark.parametrize("magic", [b"%PDF-1.4", b"\x89PNG\r\n", b"GIF89a", b"PK\x03\x04"])
def test_magic_numbers(magic: bytes) -> None:
    assert sniff_binary(magic + b"rest") is not None
    with pytest.raises(ImportFailed, match="looks like"):
        decode_text(magic + b"rest of file")


def test_mostly_utf8_with_a_broken_byte_is_not_mojibake() -> None:
    text = decode_text(TEXT.encode() + b"\xff")
    assert text.startswith(TEXT)


def test_legacy_encoding_detected() -> None:
    sample = ("Привет, мир! Это проверка определения кодировки текста без объявления. " * 10)
    assert decode_text(sample.encode("cp1251")) == sample


@pytest.mark.parametrize(
    "text",
    ["crème brûlée, café", "Grüße aus Köln, schöne Straße", "naïve café résumé à la carte",
     "Señor Muñoz, ¿qué tal? Año nuevo"],
)
def test_short_western_text_is_cp1252_not_cp1250(text: str) -> None:
    # Detection cannot tell these apart from cp1250 by its scores; cp1252 must win the tie.
    assert decode_text(text.encode("cp1252")) == text


def test_short_latin1_bytes_from_the_bug_report() -> None:
    assert decode_text(b"cr\xe8me br\xfbl\xe9e, caf\xe9") == "crème brûlée, café"


def test_central_european_text_still_detected() -> None:
    sample = "Příliš žluťoučký kůň úpěl ďábelské ódy. Zażółć gęślą jaźń. " * 10
    assert decode_text(sample.encode("cp1250")) == sample
