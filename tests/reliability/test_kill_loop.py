"""Suite 1: kill -9 while adding, editing and deleting highlights in a 5 MB+ library.

The CI run is short (20 kills); ``bench/torture.py`` runs the same loop 500 times and prints
the counts.  The loop itself lives in the bench script so both run the same code.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _torture() -> ModuleType:
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("torture", BENCH / "torture.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["torture"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_kill_9_twenty_times_loses_nothing(tmp_path: Path) -> None:
    counts = _torture().torture(tmp_path / "library", rounds=20, seed=3, report=False)
    shards = sum(p.stat().st_size for p in (tmp_path / "library" / "annotations").iterdir()
                 if p.suffix == ".json")
    assert shards > 5_000_000
    print(f"kill -9: {counts.rounds} kills, {counts.acknowledged} acknowledged changes, "
          f"unreadable {counts.unreadable}, missing {counts.missing}, "
          f"temp files {counts.temps_after_start}")
    assert counts.problems == []
    assert (counts.unreadable, counts.missing, counts.temps_after_start,
            counts.articles_without_text) == (0, 0, 0, 0)
    assert counts.acknowledged >= 20  # the writer really worked between the kills


def test_kill_9_of_export_parents_and_workers(tmp_path: Path) -> None:
    """``tuireader export -o`` (two processes) killed 10 times, the main process or its
    worker: no worker outlives its parent, no traceback, the next export cleans up and writes
    what an uninterrupted one writes."""
    counts = _torture().export_torture(tmp_path / "library", rounds=10, seed=5, report=False)
    print(f"export kill -9: {counts.rounds} kills ({counts.parents_killed} main, "
          f"{counts.workers_killed} worker), left running {counts.workers_left_running}, "
          f"tracebacks {counts.tracebacks}, temp files {counts.temps_after_next_export}, "
          f"bad next exports {counts.bad_next_exports}")
    assert counts.problems == []
    assert (counts.workers_left_running, counts.tracebacks, counts.temps_after_next_export,
            counts.bad_next_exports) == (0, 0, 0, 0)
    assert counts.parents_killed >= 5 and counts.workers_killed >= 4
