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
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import yaml

from tuireader.core.model import Article, Highlight
from tuireader.export._text import link_target, sanitise_tags

if TYPE_CHECKING:  # the stubs know the pure-Python dumper; both have the same interface
    _BaseDumper = yaml.SafeDumper
else:
    # libyaml is ~10x faster; both emit the same text for the plain values used here
    _BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


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
    """The front matter of one article's export; always the same keys, in the same order
    (a book's: with its :func:`book_fields` after the author)."""
    fields = {
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
    if article.kind != "book":
        return fields
    keys = list(fields)
    at = keys.index("author") + 1
    book = book_fields(article)
    return {k: {**fields, **book}[k] for k in [*keys[:at], *book, *keys[at:]]}


def book_fields(article: Article) -> dict[str, Any]:
    """A book's publisher, series, ISBN and identifiers (the file's md5, an internal key for
    finding the same file again, left out)."""
    identifiers = [i for i in article.identifiers if not i.startswith("md5:")]
    isbn = next((i.removeprefix("isbn:") for i in identifiers if i.startswith("isbn:")), "")
    return {"publisher": article.publisher, "series": article.series, "isbn": isbn,
            "identifiers": identifiers}


class _Dumper(_BaseDumper):
    """Strings with line breaks or control characters are double-quoted (one escaped line)."""


_STR_TAG = "tag:yaml.org,2002:str"


def _str_style(value: str) -> str | None:
    # Line breaks ("\n", "\r", NEL, U+2028, U+2029) are not printable either.
    return None if value.isprintable() else '"'


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar(_STR_TAG, value, style=_str_style(value))


_Dumper.add_representer(str, _represent_str)

_RESOLVER = yaml.resolver.Resolver()


@lru_cache(maxsize=4096)
def _plain_is_str(value: str) -> bool:
    """Whether ``value`` written plain reads back as a string (else PyYAML's emitter quotes it)."""
    return _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == _STR_TAG


def _scalar_events(value: Any, out: list[yaml.Event]) -> bool:
    """Append the events of ``value`` (str, int, list of those); False for anything else."""
    if isinstance(value, str):
        out.append(yaml.ScalarEvent(None, None, (_plain_is_str(value), True), value,
                                    style=_str_style(value)))
    elif isinstance(value, int) and not isinstance(value, bool):
        out.append(yaml.ScalarEvent(None, None, (True, False), str(value)))
    elif isinstance(value, list):
        out.append(yaml.SequenceStartEvent(None, None, True, flow_style=False))
        for item in value:
            if not _scalar_events(item, out):
                return False
        out.append(yaml.SequenceEndEvent())
    else:
        return False
    return True


def _events(fields: dict[str, Any]) -> list[yaml.Event] | None:
    """The event stream ``yaml.dump`` would emit for ``fields``, or None if not plain data."""
    out: list[yaml.Event] = [yaml.StreamStartEvent(), yaml.DocumentStartEvent(explicit=False),
                             yaml.MappingStartEvent(None, None, True, flow_style=False)]
    for key, value in fields.items():
        if not isinstance(key, str) or not _scalar_events(key, out):
            return None
        if not _scalar_events(value, out):
            return None
    out += [yaml.MappingEndEvent(), yaml.DocumentEndEvent(explicit=False), yaml.StreamEndEvent()]
    return out


def front_matter(fields: dict[str, Any]) -> str:
    """``---`` YAML ``---`` written with PyYAML, so any title or tag is quoted correctly.

    For the plain fields every export has (strings, ints, lists of strings) the events are made
    here and handed to PyYAML's (libyaml) emitter, which does the quoting and escaping: the same
    text as :func:`dumped_front_matter`, without ``yaml.dump``'s generic representer (3x faster:
    this ran once per article, a third of a library export's formatting time).
    """
    events = _events(fields)
    if events is None:
        return dumped_front_matter(fields)
    body = yaml.emit(events, Dumper=_Dumper, allow_unicode=True, width=1_000_000)
    return f"---\n{body}---\n"


def dumped_front_matter(fields: dict[str, Any]) -> str:
    """The front matter as ``yaml.dump`` writes it: what :func:`front_matter` writes by
    definition (its fallback for other values, and what its fast path is tested against)."""
    body = yaml.dump(fields, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=1_000_000)
    return f"---\n{body}---\n"
