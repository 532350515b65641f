"""What every format shares: the export time, article fields, highlight order, front matter.

Determinism: an export is a pure function of the stored data and the ``exported`` timestamp.
``exported`` defaults to now (UTC, seconds), or to ``$SOURCE_DATE_EPOCH`` when that is set (the
reproducible-builds convention); tests and the benchmark pass a fixed value.  Writing to a folder
leaves a file untouched when only its ``exported`` line would change (see ``batch.py``).
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Iterable
from typing import Any

import yaml

from tuireader.export._text import link_target, sanitise_tags
from tuireader.model import Article, Highlight

try:  # libyaml is ~10x faster; both emit the same text for the plain values used here
    _BaseDumper: type[yaml.SafeDumper] = yaml.CSafeDumper  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseDumper = yaml.SafeDumper


def resolve_exported(exported: str | _dt.datetime | None = None) -> str:
    """The ``exported`` timestamp as ISO 8601 text (see the module docstring)."""
    if isinstance(exported, _dt.datetime):
        return exported.replace(microsecond=0).isoformat()
    if exported:
        return str(exported)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        moment = _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc)
    else:
        moment = _dt.datetime.now(_dt.timezone.utc)
    return moment.replace(microsecond=0).isoformat()


def in_text_order(highlights: Iterable[Highlight]) -> list[Highlight]:
    """Highlights by position (ties: end, creation, id), so every run gives the same order.

    Orphans (no longer found in the text, so their offsets mean nothing) come last.
    """
    return sorted(highlights,
                  key=lambda h: (h.anchor == "orphan", h.start, h.end, h.created, h.id))


def web_url(article: Article) -> str:
    """The article's web address: the canonical URL, else a web source, else ""."""
    for candidate in (article.url, article.source):
        if link_target(candidate) is not None:
            return candidate.strip()
    return ""


def front_matter_fields(
    article: Article, highlights: list[Highlight], exported: str
) -> dict[str, Any]:
    """The front matter of one article's export; always the same keys, in the same order."""
    return {
        "title": article.title,
        "author": article.author,
        "site": article.site,
        "url": web_url(article),
        "source": article.source,
        "published": article.published,
        "added": article.added,
        "exported": exported,
        "tags": sanitise_tags(article.tags),
        "highlights": len(highlights),
        "tuireader_id": article.id,
    }


class _Dumper(_BaseDumper):  # type: ignore[misc,valid-type]
    """Strings with line breaks or control characters are double-quoted (one escaped line)."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if any(ch in value for ch in "\n\r\x85\u2028\u2029") or not value.isprintable():
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _represent_str)


def front_matter(fields: dict[str, Any]) -> str:
    """``---`` YAML ``---`` written with PyYAML, so any title or tag is quoted correctly."""
    body = yaml.dump(fields, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=1_000_000)
    return f"---\n{body}---\n"
