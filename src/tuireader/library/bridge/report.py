"""What an import did, counted: the summary line and the ``--json`` object say the same."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ImportReport:
    format: str = ""
    dry_run: bool = False
    articles_matched: int = 0
    articles_created: int = 0
    #: Of the created: link-only articles (a URL whose page is not in the library).
    link_only: int = 0
    highlights_added: int = 0
    anchored_ok: int = 0
    anchored_fuzzy: int = 0
    unanchored: int = 0
    notes: int = 0
    duplicates_skipped: int = 0
    #: Entries left out, and why: ``(reason, where)``.
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: Counted and not imported by design (bookmarks, superseded edits), by what they are.
    ignored: dict[str, int] = field(default_factory=dict)
    #: Highlights kept with a warning (Kindle's clipping limit), one line each.
    warnings: list[str] = field(default_factory=list)
    #: Highlights moved from a highlights-only article onto the real text.
    moved: int = 0
    #: True when the import was interrupted (what was done is kept; running it again resumes).
    stopped: bool = False

    def count(self, status: str) -> None:
        self.highlights_added += 1
        if status == "ok":
            self.anchored_ok += 1
        elif status == "fuzzy":
            self.anchored_fuzzy += 1
        else:
            self.unanchored += 1

    def skip_reasons(self) -> dict[str, int]:
        return dict(Counter(reason for reason, _where in self.skipped))

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format, "dry_run": self.dry_run,
            "articles_matched": self.articles_matched,
            "articles_created": self.articles_created, "link_only": self.link_only,
            "highlights_added": self.highlights_added, "anchored_ok": self.anchored_ok,
            "anchored_fuzzy": self.anchored_fuzzy, "unanchored": self.unanchored,
            "notes": self.notes, "duplicates_skipped": self.duplicates_skipped,
            "entries_skipped": len(self.skipped), "skip_reasons": self.skip_reasons(),
            "ignored": dict(self.ignored), "warnings": len(self.warnings),
            "moved": self.moved, "stopped": self.stopped,
        }

    def summary(self) -> str:
        """One line: every count the JSON has (reasons included)."""
        parts = [
            f"{self.articles_matched} articles matched",
            f"{self.articles_created} created"
            + (f" ({self.link_only} link-only)" if self.link_only else ""),
            f"{self.highlights_added} highlights added ({self.anchored_ok} anchored, "
            f"{self.anchored_fuzzy} fuzzy, {self.unanchored} unanchored)",
            f"{self.notes} notes",
            f"{self.duplicates_skipped} duplicates skipped",
        ]
        reasons = self.skip_reasons()
        skipped = f"{len(self.skipped)} entries skipped"
        if reasons:
            skipped += " (" + ", ".join(f"{n} {r}" for r, n in sorted(reasons.items())) + ")"
        parts.append(skipped)
        parts += [f"{n} {what} not imported" for what, n in sorted(self.ignored.items())]
        if self.moved:
            parts.append(f"{self.moved} moved onto the real text")
        if self.warnings:
            parts.append(f"{len(self.warnings)} with warnings")
        head = f"{self.format}: " if self.format else ""
        tail = " (dry run: nothing written)" if self.dry_run else ""
        if self.stopped:
            tail += " (interrupted: run it again to finish)"
        return head + "; ".join(parts) + tail
