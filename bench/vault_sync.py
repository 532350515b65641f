"""Benchmark the vault sync: a vault of 2,000 notes / 50,000 highlights.

Run with ``.venv/bin/python bench/vault_sync.py`` (``--articles`` / ``--highlights`` to change
the size).  The library is written in the store's on-disk format by ``bench/store.py``'s
``build_library`` (the other benches' library); the first sync writes the vault.  Then, each
through the public API (``sync_vault`` on an open store):

* no change: a sync when nothing changed, median of 5.  Target: under 2 s.  Beside it, the
  floor: walking the vault with a ``stat`` of every file, reading the bases' index and looking
  every note up in it, plus a ``stat`` of every highlights file (what any sync must do to know
  that nothing changed);
* one edit each way: one note edited in the vault (a note added to a highlight) and one
  highlight added in tuireader (another article), then one sync; median of 3 such rounds.
  Target: under 0.5 s plus the floor.  Both changes are checked to have arrived;
* peak RSS of the process (all of the above, the first sync included).  Target: under 300 MB.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from store import build_library  # bench/store.py
from tuireader.export.vault import sync_vault
from tuireader.export.vault.scan import walk
from tuireader.library.editing import Annotator
from tuireader.library.store import Store
from tuireader.library.vault_base import VaultBases


def floor(store: Store, vault: Path, state: Path, ids: list[str]) -> float:
    t0 = time.perf_counter()
    files, _ = walk(vault, clean_temp=False)
    index = VaultBases(store.dir, vault, state).load_index()
    by_path = {rec["path"]: rec for rec in index["notes"].values()}
    hits = sum(1 for f in files if by_path.get(f.rel, {}).get("stat") == f.stat)
    for aid in ids:
        os.stat(store.shards.path(aid))
    elapsed = time.perf_counter() - t0
    assert hits == len(ids), (hits, len(ids))
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--highlights", type=int, default=50_000)
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        ids = build_library(root / "library", args.articles, args.highlights)
        print(f"library: {args.articles} articles, {args.highlights} highlights "
              f"(built in {time.perf_counter() - t0:.1f} s)")
        vault, state = root / "vault", root / "state"
        vault.mkdir()
        with Store(root / "library") as store:
            t0 = time.perf_counter()
            report = sync_vault(store, vault, state_dir=state)
            print(f"first sync: {len(report.created)} notes written in "
                  f"{time.perf_counter() - t0:.1f} s")

            times = []
            for _ in range(5):
                t0 = time.perf_counter()
                report = sync_vault(store, vault, state_dir=state)
                times.append(time.perf_counter() - t0)
                assert report.unchanged == len(ids) and not report.updated, report.counts()
            floors = [floor(store, vault, state, ids) for _ in range(5)]
            nochange, base = statistics.median(times), statistics.median(floors)
            good = nochange < 2.0
            ok &= good
            print(f"no change:        {nochange * 1000:7.0f} ms   (floor {base * 1000:.0f} ms; "
                  f"target < 2000 ms) {'ok' if good else 'SLOW'}")

            rounds = []
            for n in range(3):
                note = next(vault.glob(f"*({ids[7 + n]}).md"))
                text = note.read_text("utf-8")
                at = text.index("\n\n^hl-")
                note.write_text(text[:at] + "\n- Note:\n  Edited in the vault." + text[at:],
                                "utf-8")
                target = ids[(1234 + n) % len(ids)]
                added, _ = Annotator(store).add(target, store.read_markdown(target), 10, 60)
                t0 = time.perf_counter()
                report = sync_vault(store, vault, state_dir=state)
                rounds.append(time.perf_counter() - t0)
                assert report.read_back == 1 and report.blocks_added == 1, report.counts()
                assert f"^hl-{added.id}" in next(vault.glob(f"*({target}).md")).read_text()
            edited = statistics.median(rounds)
            good = edited < 0.5 + base
            ok &= good
            print(f"one edit each way:{edited * 1000:7.0f} ms   (target < 500 ms + floor "
                  f"{base * 1000:.0f} ms) {'ok' if good else 'SLOW'}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    good = peak < 300
    ok &= good
    print(f"peak RSS:         {peak:7.0f} MB   (target < 300 MB) {'ok' if good else 'HIGH'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
