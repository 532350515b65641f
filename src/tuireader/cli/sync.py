"""``tuireader sync`` and ``tuireader merge-file``: a library on two machines.

    tuireader sync                  merge the conflict copies a sync tool left (Syncthing,
                                    Dropbox, Nextcloud, OneDrive, git markers), re-index,
                                    say what was merged; exit 1 when something needs a look
    tuireader sync --dry-run        only say what would be merged
    tuireader sync --git            in a library that is a git repository: set up the merge
                                    driver, commit, pull --no-rebase, push
    tuireader sync --init syncthing|git   write .stignore / .gitignore and .gitattributes,
                                    and say the steps
    tuireader merge-file O A B [P]  git's merge driver (set up by --git / --init git)
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from pathlib import Path

from tuireader.cli.common import EXIT_FAILED, EXIT_OK, CliError, Subcommands, clean, library_dir

#: What never travels: derived per machine (see library/machine.py), or a tool's own files.
IGNORED = [
    ".lock", "library.json", "library.json.*", "*.bak[0-9]", "*.doc", "*.corrupt-*",
    ".*.tmp-*", "*.sync-conflict-*", "trash/conflicts/",
]
STIGNORE = "// tuireader: files derived on each machine (tuireader sync --init syncthing)\n" + \
    "".join(f"{p}\n" for p in IGNORED)
GITIGNORE = "# tuireader: files derived on each machine (tuireader sync --init git)\n" + \
    "".join(f"{p}\n" for p in IGNORED)
GITATTRIBUTES = (
    "# tuireader: merge the library's records by id (tuireader sync --git)\n"
    "annotations/*.json merge=tuireader\n"
    "articles/*.json merge=tuireader\n"
    "review/*.json merge=tuireader\n"
    "reading/*.json merge=tuireader\n"
    "tuireader-library.json merge=tuireader\n"
)


def add_parsers(commands: Subcommands) -> None:
    p = commands.add("sync", help="merge what a sync tool (Syncthing, Dropbox, git) left: "
                     "conflict copies, removals; with --git, pull and push")
    p.add_argument("--dry-run", action="store_true", help="say what would be merged, change "
                   "nothing")
    p.add_argument("--git", action="store_true", help="the library is a git repository: "
                   "commit, pull --no-rebase (merging with tuireader's driver), push")
    p.add_argument("--init", choices=("syncthing", "git"), help="write the ignore (and "
                   "attributes) files for this sync tool and say the steps")
    m = commands.add("merge-file", help="git merge driver for library files "
                     "(tuireader merge-file %%O %%A %%B %%P)")
    m.add_argument("base", type=Path)
    m.add_argument("ours", type=Path)
    m.add_argument("theirs", type=Path)
    m.add_argument("path", nargs="?", default="", help="the file's path in the library")


def _write_once(path: Path, text: str) -> bool:
    """Add ``text`` to ``path`` unless it is already there; True if written."""
    current = path.read_text("utf-8") if path.exists() else ""
    if text in current:
        return False
    path.write_text(current + ("\n" if current and not current.endswith("\n") else "") + text,
                    "utf-8")
    return True


def _git(folder: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True,
                              text=True, timeout=600)
    except FileNotFoundError as exc:
        raise CliError("git is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise CliError(f"git {args[0]} took more than 10 minutes; stopped") from exc
    if check and done.returncode != 0:
        raise CliError(f"git {args[0]} failed: {clean(done.stderr.strip() or done.stdout)}")
    return done


def _driver_setup(folder: Path) -> None:
    _write_once(folder / ".gitignore", GITIGNORE)
    _write_once(folder / ".gitattributes", GITATTRIBUTES)
    command = (f"{shlex.quote(sys.executable)} -m tuireader merge-file %O %A %B %P")
    _git(folder, "config", "merge.tuireader.name", "tuireader: merge library records by id")
    _git(folder, "config", "merge.tuireader.driver", command)


def _init(folder: Path, tool: str) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    if tool == "syncthing":
        _write_once(folder / ".stignore", STIGNORE)
        print(f"wrote {folder / '.stignore'}\n"
              "steps: 1. in Syncthing, share this folder with your other machines;\n"
              "       2. on each, open it once with tuireader (it merges what Syncthing "
              "keeps as .sync-conflict files by itself);\n"
              "       3. `tuireader sync` at any time says what was merged.")
        return EXIT_OK
    if not (folder / ".git").exists():
        _git(folder, "init", "-q")
    _driver_setup(folder)
    print(f"wrote {folder / '.gitignore'} and {folder / '.gitattributes'}; merge driver set "
          "in .git/config\n"
          "steps: 1. `git -C LIBRARY remote add origin URL` (a bare repository you can reach);\n"
          "       2. `tuireader sync --git` commits, pulls (merging by record) and pushes;\n"
          "       3. on the other machine: `git clone URL LIBRARY`, then `tuireader sync --git`"
          " there too (it sets the driver up in that clone).")
    return EXIT_OK


def cmd_sync(args: argparse.Namespace) -> int:
    from tuireader.library.lock import LibraryLock
    from tuireader.library.store import Store

    folder = library_dir(args)
    if args.init:
        return _init(folder, args.init)
    if not folder.is_dir():
        raise CliError(f"no library at {folder}")
    if args.dry_run:
        lock = LibraryLock(folder)
        why = lock.acquire()
        if why is not None:
            raise CliError(f"{why}; close it and run `tuireader sync` again")
        lock.release()
        with Store(folder, read_only=True) as store:
            report = store.sync.merge_conflicts(dry_run=True)
        lines = list(report.lines())
        for line in lines:
            print(clean(line))
        if not lines:
            print("nothing to merge")
        return EXIT_OK
    if args.git and not (folder / ".git").exists():
        raise CliError(f"{folder} is not a git repository (tuireader sync --init git)")
    store = Store(folder)
    try:
        if store.read_only:
            raise CliError("another tuireader is using this library (or it cannot be "
                           "written); close it and run `tuireader sync` again")
        report = store.sync.last
        store.sync.resolve_markers(report)
        from tuireader.library.icloud import dataless

        report.needs_look += [(path, "an iCloud placeholder, not downloaded")
                              for path in dataless(folder)]
        if args.git:
            _driver_setup(folder)
            _git(folder, "add", "-A")
            if _git(folder, "diff", "--cached", "--quiet", check=False).returncode != 0:
                _git(folder, "commit", "-q", "-m", "tuireader sync")
            if _git(folder, "remote", check=False).stdout.strip():
                log = store.sync.machine.conflicts_log
                before = log.stat().st_size if log.exists() else 0
                pulled = _git(folder, "pull", "-q", "--no-rebase", "--no-edit", check=False)
                if log.exists():  # what the merge driver wrote, run by git
                    with open(log, "rb") as fh:
                        fh.seek(before)
                        report.conflicts += [line.split(" ", 1)[-1] for line in
                                             fh.read().decode("utf-8", "replace").splitlines()]
                if pulled.returncode != 0:
                    unmerged = _git(folder, "diff", "--name-only", "--diff-filter=U",
                                    check=False).stdout.split()
                    if not unmerged:
                        raise CliError(f"git pull failed: {clean(pulled.stderr.strip())}")
                    # Markers (a file merged without the driver) merged by record; a file
                    # edited here and removed there is kept, and the removal's tombstone
                    # decides when the library opens (see library/tombstones.py).
                    store.sync.resolve_markers(report)
                    _git(folder, "add", "-A")
                    if _git(folder, "diff", "--cached", "--quiet", check=False).returncode:
                        _git(folder, "commit", "-q", "--no-edit")
                store.close()
                store = Store(folder)  # re-index what the pull brought
                pushed = _git(folder, "push", "-q", check=False)
                if pushed.returncode != 0:
                    report.needs_look.append((folder, "git push failed: "
                                              + pushed.stderr.strip()))
    finally:
        warnings = list(store.warnings)
        store.close()
    for line in warnings:
        print(clean(line))
    for line in report.lines():
        if line not in warnings:
            print(clean(line))
    if report.needs_look or report.conflicts:
        print("something needs a look: see above (older notes are kept in the conflicts log)",
              file=sys.stderr)
        return EXIT_FAILED
    if not warnings and not report.merged:
        print("nothing to merge")
    return EXIT_OK


def cmd_merge_file(args: argparse.Namespace) -> int:
    """git's merge driver: merge ``theirs`` into ``ours`` (written in place), 0 when merged."""
    from tuireader.library.machine import machine_dir
    from tuireader.library.merge_files import merge_file

    try:
        base = args.base.read_bytes() if args.base.exists() else b""
        result = merge_file(args.path, base, args.ours.read_bytes(), args.theirs.read_bytes())
    except (OSError, ValueError) as exc:
        print(f"tuireader merge-file: {clean(str(exc))}", file=sys.stderr)
        return EXIT_FAILED
    if result is None:
        print(f"tuireader merge-file: {clean(args.path or str(args.ours))} is not a file "
              "tuireader merges", file=sys.stderr)
        return EXIT_FAILED
    data, out = result
    args.ours.write_bytes(data)
    if out.conflicts:
        from tuireader.library.sync_state import write_log

        write_log(machine_dir(Path.cwd()).conflicts_log, out.conflicts)
        for line in out.conflicts:
            print(f"tuireader: {clean(line)}", file=sys.stderr)
    return EXIT_OK
