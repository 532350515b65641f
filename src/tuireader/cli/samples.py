"""The bundled sample articles, imported into a new library on first start."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tuireader.importers import import_bytes
from tuireader.importers.base import ImportFailed
from tuireader.library.store import Store
from tuireader.locations import samples_dir

SAMPLE_TAG = "sample"


@dataclass
class SampleOutcome:
    file: str
    status: str  # "added", "exists", "updated" or "error: <reason>"


def sample_entries(folder: Path | None = None) -> list[dict[str, str]]:
    folder = folder or samples_dir()
    entries: list[dict[str, str]] = json.loads((folder / "index.json").read_text("utf-8"))
    return entries


def seed_library(store: Store, folder: Path | None = None) -> list[SampleOutcome]:
    """Import every bundled sample (tagged "sample") and mark the library as seeded."""
    folder = folder or samples_dir()
    results: list[SampleOutcome] = []
    for entry in sample_entries(folder):
        path = folder / entry["file"]
        kind = "html" if path.suffix == ".html" else "text"
        source = entry.get("url") or f"sample:{entry['file']}"
        try:
            data = path.read_bytes()
            imported = import_bytes(data, source=source, kind=kind)
        except (OSError, ImportFailed) as exc:
            results.append(SampleOutcome(entry["file"], f"error: {exc}"))
            continue
        if not imported.author and entry.get("author"):
            imported.author = entry["author"]
        result = store.add_article(imported, tags=[SAMPLE_TAG])
        results.append(SampleOutcome(entry["file"], result.status))
    store.mark_seeded()
    return results
