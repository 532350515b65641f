"""The visible text of an EPUB's spine, read without the importer: the truth for token F1.

container.xml → the OPF → the spine's documents in order → each body's text as a browser shows
it (no head, scripts, styles or ``hidden`` elements).  lxml only, so the importer's own path
(ebooklib, markdownify) is not measured against itself.  Kept apart from ``bench/epub.py`` so
the corpus test measures with exactly the same rule.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from urllib.parse import unquote

import lxml.html
from lxml import etree

_OPF = "{http://www.idpf.org/2007/opf}"
_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"


def spine_texts(path: Path) -> list[str]:
    """The visible text of each spine document, in reading order."""
    with zipfile.ZipFile(path) as book:
        container = etree.fromstring(book.read("META-INF/container.xml"))
        opf_path = container.find(f".//{_CONTAINER}rootfile").get("full-path")
        opf = etree.fromstring(book.read(opf_path))
        base = posixpath.dirname(opf_path)
        manifest = {item.get("id"): item.get("href") for item in opf.iter(f"{_OPF}item")}
        texts = []
        for ref in opf.iter(f"{_OPF}itemref"):
            name = posixpath.normpath(posixpath.join(base, unquote(manifest[ref.get("idref")])))
            texts.append(visible_text(book.read(name)))
    return texts


def visible_text(data: bytes) -> str:
    root = lxml.html.document_fromstring(data)
    body = root.find("body")
    if body is None:
        return ""
    for el in body.xpath(".//script | .//style | .//*[@hidden]"):
        el.drop_tree()
    return " ".join(body.text_content().split())
