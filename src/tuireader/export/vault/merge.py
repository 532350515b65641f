"""The three-way merge of one note: the base (last synced), tuireader's render, the vault's file.

For each owned region (a front-matter key tuireader owns, a highlight's block) the base keeps two
texts: what tuireader rendered at the last sync (``t``) and what the vault held then (``v``; the
same unless the user had edited it).  Now:

=====================  ==============================================================
only tuireader changed  the region is rewritten
only the vault changed  the block's note and tags are read back (``updates``); the file
                        keeps the user's text
both changed            fields merged one by one (note, tags) when each changed on one
                        side only; otherwise tuireader's block is written with the vault's
                        version kept under it in a visible conflict callout (reported)
neither                 nothing
=====================  ==============================================================

A block in the base that is gone from the vault was deleted by the user: reported, and deleted in
the library only with ``accept_deletions``; never re-added.  A highlight new in tuireader gets
its block in text order: just before the next highlight's block in the note, else just after the
previous one's.  Everything outside the owned regions is the user's and is kept byte for byte.

The merge is pure: the caller applies ``updates``/``deletions`` through the library's write path,
then writes ``text`` and the base, in that order (a crash between leaves a state the next merge
settles: see the tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tuireader.core.model import Article, Highlight, normalise_tag
from tuireader.export.vault.blocks import (
    Block,
    Fields,
    Flavor,
    FrontMatter,
    bare,
    conflict_callout,
    owned_front,
    parse_front_matter,
    split_lines,
)

Place = Callable[[Highlight], tuple[str, int]]


def _tags(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(t for t in (normalise_tag(x) for x in tags) if t))


def _fields(h: Highlight) -> Fields:
    return Fields(h.note.rstrip(), _tags(h.tags))


@dataclass
class NoteMerge:
    """What merging one note decided."""

    #: The note's new content; None: leave the file as it is.
    text: str | None
    #: The new base: {"front": {key: [t, v]}, "blocks": {highlight id: [t, v]}}.
    base: dict[str, Any]
    #: Read back from the vault: (highlight, note, tags) to save in the library.
    updates: list[tuple[Highlight, str, list[str]]] = field(default_factory=list)
    #: Deleted in the vault, to delete in the library (only with accept_deletions).
    deletions: list[Highlight] = field(default_factory=list)
    written: int = 0
    added: int = 0
    removed: int = 0
    read_back: int = 0
    conflicts: list[str] = field(default_factory=list)
    deleted_in_vault: list[str] = field(default_factory=list)


def _fixed(flavor: Flavor, text: str) -> str:
    return flavor.parse(text)[1]


def new_note(flavor: Flavor, article: Article, highlights: list[Highlight],
             place: Place) -> NoteMerge:
    """A note that is not in the vault yet."""
    owned = owned_front(article, len(highlights), _tags(article.tags))
    texts = [flavor.render(h, *place(h)) for h in highlights]
    body = flavor.separator().join([flavor.head(article, len(highlights)), *texts])
    text = "---\n" + "".join(owned.values()) + "---\n" + body
    base = {"front": {k: [v, v] for k, v in owned.items()},
            "blocks": {h.id: [t, t] for h, t in zip(highlights, texts, strict=True)}}
    return NoteMerge(text, base, written=len(texts), added=len(texts))


class _Edits:
    """Replacements of line ranges and insertions at line positions, applied at the end."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.replace: dict[int, tuple[int, str]] = {}
        self.before: dict[int, list[str]] = {}
        self.after: dict[int, list[str]] = {}

    def covers(self, index: int) -> bool:
        """Whether line ``index`` is already inside a replaced range."""
        return any(start <= index < end for start, (end, _) in self.replace.items())

    def apply(self) -> str:
        out: list[str] = []
        i = 0
        n = len(self.lines)
        while i <= n:
            out += self.before.get(i, [])
            if i == n:
                break
            if i in self.replace:
                end, text = self.replace[i]
                out.append(text)
                i = end
                continue
            out.append(self.lines[i])
            i += 1
        text = "".join(out)
        return text


def _merge_front(fm: FrontMatter | None, lines: list[str], owned: dict[str, str],
                 base: dict[str, list[str | None]], result: NoteMerge, edits: _Edits,
                 flavor: str) -> dict[str, list[str | None]]:
    new_base: dict[str, list[str | None]] = {}
    if fm is None:  # the user removed the whole front matter: found by path only; leave it
        return {k: [t, None] for k, t in owned.items()}
    entries = {name: i for i, (name, _) in enumerate(fm.entries) if name is not None}
    changed = False
    additions: list[str] = []
    clashes: list[str] = []  # tuireader's text of the keys both sides changed
    for key, t in owned.items():
        tb, vb = base.get(key, [None, None])
        v = fm.raw(key)
        if t == tb or v == t:  # tuireader did not change it, or both agree
            new_base[key] = [t, v]
            continue
        if v is not None and (tb is None or v != vb):
            if tb is not None:
                result.conflicts.append(f"front matter {key}: changed in both; the vault's kept")
                clashes.append(t)
            new_base[key] = [t, v]
            continue
        if v is None and tb is not None:
            new_base[key] = [t, None]  # the user removed the key: it stays removed
            continue
        new_base[key] = [t, t]
        changed = True
        if key in entries:
            fm.entries[entries[key]] = (key, [t])
        else:
            additions.append(t)
    if changed:
        body = "".join("".join(chunk) for _, chunk in fm.entries) + "".join(additions)
        last = body[-1:] if body else "\n"
        if last != "\n":
            body += "\n"
        edits.replace[fm.start] = (fm.end + 1, lines[fm.start] + body + lines[fm.end])
    if clashes:  # shown under the front matter: the user's value stays, tuireader's is there
        kept = "".join(clashes).rstrip("\n")
        edits.before.setdefault(fm.end + 1, []).append(
            conflict_callout(kept, flavor, "front matter changed here and in tuireader; yours "
                             "is kept, tuireader's was") + ("\n" if flavor == "obsidian" else ""))
    return new_base


def merge_note(flavor: Flavor, text: str, article: Article, highlights: list[Highlight],
               place: Place, base: dict[str, Any], *, accept_deletions: bool) -> NoteMerge:
    """Merge one existing note (see the module docstring)."""
    lines = split_lines(text)
    result = NoteMerge(None, {})
    edits = _Edits(lines)
    fm = parse_front_matter(lines)
    owned = owned_front(article, len(highlights), _tags(article.tags))
    result.base["front"] = _merge_front(fm, lines, owned, base.get("front", {}), result, edits,
                                        flavor.name)

    base_blocks: dict[str, list[str]] = base.get("blocks", {})
    by_id = {h.id: h for h in highlights}
    ids = {flavor.key(hid): hid for hid in (*by_id, *base_blocks)}
    body = fm.end + 1 if fm is not None else 0
    found = {b.highlight_id: b for b in flavor.find(lines, body, ids)}
    new_blocks: dict[str, list[str]] = {}
    sep = flavor.separator()

    for hid, block in found.items():
        h = by_id.get(hid)
        if h is None:  # deleted in tuireader
            tb, vb = base_blocks.get(hid, [None, None])
            if block.text == vb or tb is None:
                _remove(edits, lines, block, sep)
                result.removed += 1
            else:
                edits.replace[block.start] = (block.end, conflict_callout(block.text, flavor.name))
                result.conflicts.append(f"{hid}: deleted in tuireader, edited in the vault; "
                                        "the vault's text kept as a callout")
            continue
        t = flavor.render(h, *place(h))
        tb, vb = base_blocks.get(hid) or [t, t]
        new_blocks[hid] = _merge_block(flavor, h, block, t, tb, vb, place, edits, result)

    for hid, pair in base_blocks.items():
        if hid in found or hid not in by_id:
            continue  # merged above, or gone from both sides
        result.deleted_in_vault.append(hid)
        if accept_deletions:
            result.deletions.append(by_id[hid])
        else:
            new_blocks[hid] = pair  # remembered, so it is neither re-added nor forgotten

    order = [h for h in highlights if h.id not in base_blocks and h.id not in found]
    if order:
        _insert_new(flavor, highlights, order, found, lines, edits, place, sep, new_blocks,
                    result)
    result.base["blocks"] = new_blocks
    new_text = edits.apply()
    result.text = new_text if new_text != text else None
    return result


def _remove(edits: _Edits, lines: list[str], block: Block, sep: str) -> None:
    start, end = block.start, block.end
    if sep:  # and the blank line that separated it (the one before it, else after)
        if start > 0 and not bare(lines[start - 1]).strip() and not edits.covers(start - 1):
            start -= 1
        elif end < len(lines) and not bare(lines[end]).strip():
            end += 1
    edits.replace[start] = (end, "")


def _merge_block(flavor: Flavor, h: Highlight, block: Block, t: str, tb: str, vb: str,
                 place: Place, edits: _Edits, result: NoteMerge) -> list[str]:
    v = block.text
    t_changed, v_changed = t != tb, v != vb
    if not v_changed:
        if t_changed:
            edits.replace[block.start] = (block.end, t)
            result.written += 1
            return [t, t]
        return [t, v]
    if v == t:
        return [t, t]
    mine, theirs, before = _fields(h), block.fields, flavor.parse(tb)[0]
    if theirs is None or before is None:
        if not t_changed:
            return [t, v]  # a damaged block: left as the user made it, nothing read back
        return _conflict(flavor, h, block, t, edits, result)
    note = _pick(before.note, mine.note, theirs.note.rstrip())
    tags = _pick(before.tags, mine.tags, _tags(theirs.tags))
    if note is None or tags is None:
        return _conflict(flavor, h, block, t, edits, result)
    if (note, tags) != (mine.note, mine.tags):
        result.updates.append((h, note, tags))
        result.read_back += 1
    merged = Highlight.from_record({**h.to_record(), "note": note, "tags": tags})
    t2 = flavor.render(merged, *place(h))
    same_fixed = _fixed(flavor, t2) == _fixed(flavor, tb)
    if same_fixed and Fields(theirs.note.rstrip(), _tags(theirs.tags)) == Fields(note, tags):
        return [t2, v]  # the vault already says it all
    if _fixed(flavor, v) != _fixed(flavor, vb):  # the user's own changes to the quote/info
        return _conflict(flavor, h, block, t2, edits, result)
    edits.replace[block.start] = (block.end, t2)
    result.written += 1
    return [t2, t2]


def _pick(base: Any, mine: Any, theirs: Any) -> Any:
    """One field's three-way merge: the side that changed it; None when both did, differently."""
    if theirs in (base, mine):
        return mine
    if mine == base:
        return theirs
    return None


def _conflict(flavor: Flavor, h: Highlight, block: Block, t: str, edits: _Edits,
              result: NoteMerge) -> list[str]:
    edits.replace[block.start] = (block.end, t + flavor.separator()
                                  + conflict_callout(block.text, flavor.name))
    result.written += 1
    result.conflicts.append(f"{h.id}: changed in tuireader and in the vault; both kept")
    return [t, t]


def _insert_new(flavor: Flavor, highlights: list[Highlight], new: list[Highlight],
                found: dict[str, Block], lines: list[str], edits: _Edits, place: Place,
                sep: str, new_blocks: dict[str, list[str]], result: NoteMerge) -> None:
    """Each new highlight's block in text order among the blocks in the note."""
    position = {h.id: i for i, h in enumerate(highlights)}
    present = sorted((position[hid], b) for hid, b in found.items() if hid in position)
    for h in new:
        t = flavor.render(h, *place(h))
        new_blocks[h.id] = [t, t]
        result.written += 1
        result.added += 1
        after = [b for p, b in present if p > position[h.id]]
        if after:
            edits.before.setdefault(after[0].start, []).append(t + sep)
            continue
        earlier = [b for p, b in present if p < position[h.id]]
        at = earlier[-1].end if earlier else len(lines)
        lead = "\n" if at > 0 and not lines[at - 1].endswith("\n") else ""
        pending = edits.before.setdefault(at, [])
        if not pending and lead:
            pending.append(lead)
        pending.append(sep + t)
