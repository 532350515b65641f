"""Kill -9 torture: a writer adding, editing and deleting highlights is killed at random moments.

Run with ``.venv/bin/python bench/torture.py [--rounds 500]``.  The library is built first with
``bench/store.py``'s ``build_library`` (150 articles, 11,000 highlights: over 5 MB of highlight
shards).  Each round starts a child that opens the library and changes it in a loop -- new
highlights, note edits, deletions, now and then a new article -- announcing each change before
it starts (``B ...``) and acknowledging it only after the store method returned (``K``).  The
parent kills it with SIGKILL after a random delay (one round in ten, while it is still opening
the library).  ``tests/reliability/test_kill_loop.py`` runs the same loop with 20 rounds.

``--exports N`` then kills ``tuireader export -o DIR`` (220 articles, so it runs in two
processes) N times, at random moments, alternately the main process and its worker
(:func:`export_torture`).  Counts, each must be 0: workers still running after their parent was
killed, tracebacks (a ``BrokenPipeError`` from the orphaned worker ...), temporary files left
after the next export, next exports that failed or wrote a file different from an uninterrupted
export.

Counts printed at the end (each must be 0):

* unreadable libraries: a start (the next child, or the final open) that failed, or had to
  repair a file (a "was unreadable" warning);
* acknowledged changes missing: a highlight whose state (absent, or its note) is not the last
  acknowledged one -- the change in flight at the kill may be either before or after;
  acknowledged articles not listed; listed articles without their text;
* temp files left after the next start: temporary files still there once a child (or the final
  open) has opened the library.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from store import build_library
from tuireader.library.store import Store

CHILD = r"""
import random, sys
from pathlib import Path
from tuireader.core.model import make_highlight
from tuireader.core.document import parse_markdown
from tuireader.importers.base import ImportedArticle
from tuireader.library.store import Store

library, seed = Path(sys.argv[1]), int(sys.argv[2])
store = Store(library)
if store.read_only:
    print("RO", store.warnings, flush=True)
    sys.exit(3)
temps = sum(1 for p in library.rglob("*") if ".tmp-" in p.name)
repairs = sum(1 for w in store.warnings if "unreadable" in w)
print("READY", temps, repairs, flush=True)
rng = random.Random(seed)
ids = [a.id for a in store.list_articles() if not a.title.startswith("new ")]
texts = {}
n = 0
while True:
    n += 1
    aid = rng.choice(ids)
    if aid not in texts:
        texts[aid] = parse_markdown(store.read_markdown(aid)).plain_text
        before = len(store.warnings)
        existing = store.highlights(aid)
        if any("unreadable" in w for w in store.warnings[before:]):
            print("W", store.warnings[-1].replace("\n", " "), flush=True)
    else:
        existing = store.highlights(aid)
    text = texts[aid]
    r = rng.random()
    if r < 0.45 or not existing:
        start = rng.randrange(0, len(text) - 200)
        h = make_highlight(aid, text, start, start + rng.randint(20, 180))
        h.note = f"n{seed}-{n} " + "x" * rng.randrange(200)
        print("B add", h.id, h.note, flush=True)
        store.add_highlight(h)
        print("K", flush=True)
    elif r < 0.75:
        h = rng.choice(existing)
        h.note = f"e{seed}-{n}"
        print("B note", h.id, h.note, flush=True)
        store.save_highlights([h])
        print("K", flush=True)
    elif r < 0.95:
        h = rng.choice(existing)
        print("B del", h.id, flush=True)
        store.delete_highlight(h)
        print("K", flush=True)
    else:
        print("B art", flush=True)
        added = store.add_article(ImportedArticle(
            title=f"new {seed}-{n}", markdown=f"Article {seed}-{n}: " + "words " * 50))
        print("K", added.article.id, flush=True)
"""

ABSENT = "\0absent"


@dataclass
class Counts:
    rounds: int = 0
    acknowledged: int = 0
    unreadable: int = 0
    missing: int = 0
    temps_after_start: int = 0
    articles_without_text: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.unreadable or self.missing or self.temps_after_start
                    or self.articles_without_text)


def _notes(library: Path) -> dict[str, str]:
    with Store(library) as s:
        return {h.id: h.note for h in s.all_highlights()}


def torture(library: Path, rounds: int, *, seed: int = 1, max_delay: float = 0.5,
            articles: int = 150, highlights: int = 11_000, report: bool = True) -> Counts:
    """Build a library, kill a writer ``rounds`` times, check it; return the counts."""
    rng = random.Random(seed)
    build_library(library, articles, highlights, seed=seed)
    size = sum(p.stat().st_size for p in (library / "annotations").iterdir())
    if report:
        print(f"library: {articles} articles, {highlights} highlights, "
              f"{size / 1e6:.1f} MB of highlight shards")
    # allowed[hid]: the states (note text, or ABSENT) the highlight may be found in.
    allowed: dict[str, set[str]] = {hid: {note} for hid, note in _notes(library).items()}
    acked_articles: set[str] = set()
    counts = Counts()
    t0 = time.perf_counter()
    for round_no in range(rounds):
        counts.rounds += 1
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(library),
                                  str(seed * 100_000 + round_no)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert child.stdout is not None
        during_start = rng.random() < 0.1
        if during_start:
            time.sleep(rng.uniform(0.0, 0.5))
        else:
            first = child.stdout.readline().split()
            if not first or first[0] != "READY":
                child.kill()
                _, err = child.communicate()
                counts.unreadable += 1
                counts.problems.append(f"round {round_no}: child did not start: {first} {err}")
                continue
            counts.temps_after_start += int(first[1])
            counts.unreadable += int(first[2]) > 0
            time.sleep(rng.uniform(0.0, max_delay))
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate(timeout=60)
        if child.returncode != -signal.SIGKILL:
            counts.unreadable += 1
            counts.problems.append(f"round {round_no}: child ended on its own "
                                   f"({child.returncode}):\n{err}")
            continue
        pending: list[str] | None = None
        for line in out.splitlines(keepends=True):
            if not line.endswith("\n"):
                break  # killed while printing: not acknowledged
            words = line.rstrip("\n").split(" ", 3)
            if words[0] == "READY":
                counts.temps_after_start += int(words[1])
                counts.unreadable += int(words[2]) > 0
            elif words[0] == "W":
                counts.unreadable += 1
                counts.problems.append(f"round {round_no}: {line.strip()}")
            elif words[0] == "B":
                pending = words[1:]
            elif words[0] == "K" and pending is not None:
                counts.acknowledged += 1
                kind = pending[0]
                if kind == "art":
                    acked_articles.add(words[1])
                else:
                    allowed[pending[1]] = {ABSENT if kind == "del" else pending[2]}
                pending = None
        if pending is not None and pending[0] != "art":  # in flight at the kill: either
            kind, hid = pending[0], pending[1]
            allowed.setdefault(hid, {ABSENT}).add(ABSENT if kind == "del" else pending[2])
        if report and (round_no + 1) % 50 == 0:
            print(f"{round_no + 1} rounds, {counts.acknowledged} changes acknowledged, "
                  f"{time.perf_counter() - t0:.0f} s", flush=True)
    # The next start: the library must open cleanly and hold every acknowledged change.
    try:
        with Store(library) as s:
            found = {h.id: h.note for h in s.all_highlights()}
            known = {a.id for a in s.list_articles()}
            counts.articles_without_text = sum(1 for aid in known
                                               if not s.body_path(aid).exists())
            counts.unreadable += any("unreadable" in w for w in s.warnings)
            counts.problems += [w for w in s.warnings if "unreadable" in w]
            counts.temps_after_start += sum(1 for p in library.rglob("*") if ".tmp-" in p.name)
    except Exception as exc:
        counts.unreadable += 1
        counts.problems.append(f"final open failed: {exc!r}")
        return counts
    for hid, states in allowed.items():
        if found.get(hid, ABSENT) not in states:
            counts.missing += 1
            counts.problems.append(f"highlight {hid}: found {found.get(hid, ABSENT)[:30]!r}, "
                                   f"expected one of {[x[:30] for x in states]}")
    for hid in found.keys() - allowed.keys():
        counts.missing += 1
        counts.problems.append(f"highlight {hid} was never written")
    lost_articles = acked_articles - known
    counts.missing += len(lost_articles)
    counts.problems += [f"article {aid} acknowledged but not listed" for aid in lost_articles]
    if report:
        print(f"{counts.rounds} rounds in {time.perf_counter() - t0:.0f} s; "
              f"{counts.acknowledged} changes acknowledged")
        print(f"unreadable libraries: {counts.unreadable}  "
              f"acknowledged changes missing: {counts.missing}  "
              f"temp files after next start: {counts.temps_after_start}  "
              f"articles without text: {counts.articles_without_text}")
        for problem in counts.problems[:20]:
            print("  ", problem)
        print("PASS" if counts.ok else "FAIL")
    return counts


EXPORT_ARTICLES = 220


@dataclass
class ExportCounts:
    rounds: int = 0
    parents_killed: int = 0
    workers_killed: int = 0
    workers_left_running: int = 0
    tracebacks: int = 0
    temps_after_next_export: int = 0
    bad_next_exports: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.workers_left_running or self.tracebacks
                    or self.temps_after_next_export or self.bad_next_exports)


def _children(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux /proc; empty elsewhere)."""
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _worker_of(pid: int) -> int | None:
    """The export's worker among ``pid``'s children (not multiprocessing's resource tracker,
    which a "spawn" start launches first)."""
    for kid in _children(pid):
        try:
            cmdline = Path(f"/proc/{kid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmdline:
            return kid
    return None


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"  # a zombie has exited; only its exit status is left


def _export(library: Path, folder: Path, errors: Path) -> subprocess.Popen[bytes]:
    """Start an export; its stderr (and its worker's) goes to the file ``errors``, not a pipe,
    so that waiting for the main process does not wait for an orphaned worker too."""
    with errors.open("wb") as sink:
        return subprocess.Popen([sys.executable, "-m", "tuireader", "--library", str(library),
                                 "export", "-o", str(folder)], stdout=subprocess.DEVNULL,
                                stderr=sink, start_new_session=True)


def _folder_digest(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()
            if not p.name.startswith(".") and p.is_file()}


def export_torture(library: Path, rounds: int, *, seed: int = 1, max_delay: float = 0.6,
                   report: bool = True) -> ExportCounts:
    """Kill ``tuireader export -o`` (main process or worker) ``rounds`` times; after each kill
    check the worker is gone, then run the export again to the end and check the folder."""
    rng = random.Random(seed)
    build_library(library, EXPORT_ARTICLES, EXPORT_ARTICLES * 25, seed=seed)
    os.environ["SOURCE_DATE_EPOCH"] = "1735700645"  # the same bytes in every run
    reference = library.parent / "reference"
    done = subprocess.run([sys.executable, "-m", "tuireader", "--library", str(library),
                           "export", "-o", str(reference)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    expected = _folder_digest(reference)
    counts = ExportCounts()
    for round_no in range(rounds):
        counts.rounds += 1
        folder = library.parent / f"out-{round_no % 3}"  # folders reused: stale files meet
        errors = library.parent / "stderr.txt"
        child = _export(library, folder, errors)
        kill_worker = round_no % 2 == 1
        worker: int | None = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and child.poll() is None:
            worker = _worker_of(child.pid)
            if worker is not None:
                break
            time.sleep(0.01)
        # the worker has just started: it is still opening the library or rendering
        time.sleep(rng.uniform(0.0, max_delay))
        if kill_worker and worker is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker, signal.SIGKILL)
            counts.workers_killed += 1
            child.wait(timeout=120)  # the parent goes on without it
            err = errors.read_text(errors="replace")
            if child.returncode != 0 or "Traceback" in err:
                counts.bad_next_exports += 1
                counts.problems.append(f"round {round_no}: export with its worker killed: "
                                       f"{child.returncode} {err[-300:]}")
        else:
            child.send_signal(signal.SIGKILL)
            counts.parents_killed += 1
            child.wait(timeout=60)
            if worker is not None:
                gone = time.monotonic() + 1.0  # PDEATHSIG: at once; the fallback: 0.2 s
                while _alive(worker) and time.monotonic() < gone:
                    time.sleep(0.05)
                if _alive(worker):
                    counts.workers_left_running += 1
                    counts.problems.append(f"round {round_no}: worker {worker} still running")
                    while _alive(worker) and time.monotonic() < gone + 60:
                        time.sleep(0.05)  # let it finish: what it prints is counted below
            err = errors.read_text(errors="replace")
        counts.tracebacks += "Traceback" in err
        # The next export: completes, leaves no temporary file, same files as uninterrupted.
        again = subprocess.run([sys.executable, "-m", "tuireader", "--library", str(library),
                                "export", "-o", str(folder)], capture_output=True, text=True)
        counts.tracebacks += "Traceback" in again.stderr
        if again.returncode != 0 or _folder_digest(folder) != expected:
            counts.bad_next_exports += 1
            counts.problems.append(f"round {round_no}: next export {again.returncode} "
                                   f"{again.stderr[-300:]}")
        counts.temps_after_next_export += sum(1 for p in folder.iterdir()
                                              if ".tmp-" in p.name)
    if report:
        print(f"export kill -9: {counts.rounds} kills ({counts.parents_killed} main process, "
              f"{counts.workers_killed} worker); workers left running: "
              f"{counts.workers_left_running}  tracebacks: {counts.tracebacks}  "
              f"temp files after next export: {counts.temps_after_next_export}  "
              f"bad next exports: {counts.bad_next_exports}")
        for problem in counts.problems[:20]:
            print("  ", problem)
        print("PASS" if counts.ok else "FAIL")
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-delay", type=float, default=0.5,
                        help="longest wait (s) before the kill")
    parser.add_argument("--highlights", type=int, default=11_000)
    parser.add_argument("--exports", type=int, default=100,
                        help="kills of tuireader export -o (0: none)")
    args = parser.parse_args()
    ok = True
    if args.rounds:
        with tempfile.TemporaryDirectory(prefix="tuireader-torture-") as tmp:
            ok = torture(Path(tmp) / "library", args.rounds, seed=args.seed,
                         max_delay=args.max_delay, highlights=args.highlights).ok
    if args.exports:
        with tempfile.TemporaryDirectory(prefix="tuireader-torture-") as tmp:
            ok = export_torture(Path(tmp) / "library", args.exports, seed=args.seed).ok and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
