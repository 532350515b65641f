"""Page furniture the extractors keep, and maths they would drop: both handled before extraction.

- Maths: ``<math>`` becomes inline code holding its TeX (the ``alttext`` attribute or a TeX
  ``<annotation>``), or its plain text; when the MathML sat in a hidden wrapper next to a fallback
  image (MediaWiki, MathJax's assistive copy), the code takes the wrapper's place and the image
  goes.  Without this, "denoted by <math>, then" reads "denoted by , then".
- Furniture: MediaWiki's ``[edit]`` section links (which would also land in the outline),
  "Jump to navigation" / "Skip to content" links, and the share / like / related-posts widgets
  of WordPress (Jetpack's "Like this: Like Loading...").
"""

from __future__ import annotations

import re

from lxml import etree

from tuireader.importers._tree import drop_keeping_tail

_MATHML = "{http://www.w3.org/1998/Math/MathML}"
_TEX_ANNOTATION = etree.XPath(".//*[local-name()='annotation'][contains(@encoding, 'tex')]/text()")
_DISPLAYSTYLE = re.compile(r"^\s*\{\\(?:displaystyle|textstyle)\s*(.*)\}\s*$", re.S)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)

#: Class names and ids of furniture.  Each is a naming convention many sites share (MediaWiki
#: skins, WordPress/Jetpack), not the markup of one page.
_FURNITURE_NAMES = frozenset(
    {
        "mw-editsection",
        "editsection",
        "mw-jump",
        "mw-jump-link",
        "jump-to-nav",
        "sharedaddy",
        "jp-relatedposts",
        "sd-sharing",
        "jetpack-likes-widget-wrapper",
    }
)
#: Candidate attributes, read as values (far cheaper for libxml2 than a predicate per element).
_FURNITURE_ATTRS = etree.XPath(
    "//@class[contains(., 'edit') or contains(., 'jump') or contains(., 'share')"
    " or contains(., 'jp-') or contains(., 'sd-') or contains(., 'likes')]"
    " | //@id[contains(., 'jump')]"
)
#: In-page links that only move the focus ("Jump to navigation", "Skip to main content").
_IN_PAGE_LINKS = etree.XPath("//a[starts-with(normalize-space(@href), '#')]")
_SKIP_TEXT = re.compile(r"^\s*(?:jump|skip) to\b", re.I)


def _tex(math: etree._Element) -> str:
    """The TeX (or failing that the text) of a MathML element, on one line."""
    tex = (math.get("alttext") or "").strip()
    if not tex:
        annotation = _TEX_ANNOTATION(math)
        tex = str(annotation[0]).strip() if annotation else ""
    if tex:
        match = _DISPLAYSTYLE.match(tex)
        tex = match.group(1) if match else tex
    else:  # no TeX: the MathML's own text ("a ≠ 0")
        tex = " ".join(part.strip() for part in math.itertext() if part.strip())
    return " ".join(tex.split())


def _is_hidden(el: etree._Element) -> bool:
    return (
        el.get("hidden") is not None
        or el.get("aria-hidden") == "true"
        or bool(_HIDDEN.search(el.get("style") or ""))
    )


def keep_math(root: etree._Element) -> None:
    """Replace each ``<math>`` by ``<code>`` with its TeX, out of hidden wrappers (see above)."""
    maths = list(root.iter("math", _MATHML + "math"))
    for math in maths:
        alttext = (math.get("alttext") or "").strip()
        tex = _tex(math)
        parent = math.getparent()
        if parent is None:
            continue
        code = etree.Element("code")
        code.text = tex
        # Climb out of wrappers that hide the MathML (a fallback image shows it instead).
        target = math
        for ancestor in list(math.iterancestors())[:3]:
            if _is_hidden(ancestor) or ancestor.tag.startswith("mjx-"):
                target = ancestor
            else:
                break
        wrapper = target.getparent()
        code.tail = target.tail
        if wrapper is None or not tex:
            drop_keeping_tail(target)
            continue
        wrapper.replace(target, code)
        for img in wrapper.iter("img"):
            alt = (img.get("alt") or "").strip()
            if alt and (alt == alttext or "math" in (img.get("class") or "")):
                drop_keeping_tail(img)
    for holder in list(root.iter("mjx-container")):  # MathJax's rendered glyphs: no text
        for glyphs in list(holder.iter("mjx-math")):
            drop_keeping_tail(glyphs)


def remove(root: etree._Element) -> None:
    """Drop edit links, skip links and share widgets (see the module docstring)."""
    doomed = [
        value.getparent()
        for value in _FURNITURE_ATTRS(root)
        if not _FURNITURE_NAMES.isdisjoint(value.split())
    ]
    doomed += [a for a in _IN_PAGE_LINKS(root) if _SKIP_TEXT.match("".join(a.itertext()))]
    for el in doomed:
        drop_keeping_tail(el)
