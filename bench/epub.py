"""Benchmark EPUB books, each figure printed with the same text as a ``.txt`` file beside it.

Run with ``.venv/bin/python bench/epub.py`` (``--reps N``, ``--keep DIR``).  Needs tmux and
the corpus in ``../shared/corpus`` (``long/`` and ``bridges/epub/``).

* The book: War and Peace then Moby-Dick (``../shared/corpus/long``), one chapter per spine
  item (each BOOK/EPILOGUE line a heading at the start of its first chapter), written with
  ebooklib with a nested nav and an NCX; the ``.txt`` is the same text in one file.
* Import: ``tuireader add`` of each into a fresh library, wall time (median of ``--reps``) and
  the process's peak RSS (``wait4``'s ``ru_maxrss``).  Targets: EPUB within 3x the ``.txt``
  time, peak RSS under 300 MB.
* First screen: as ``bench/reader.py`` measures it (its tmux harness: spawn ``tuireader open``
  in a 120x40 window until the first screen's phrase is on it), median of ``--reps``, as a ratio
  to the Textual hello-world floor measured in the same run; target: the EPUB's ratio no more
  than the ``.txt``'s.
* Outline jump: in the open book (fully loaded, screen settled), ``o``, End and Up k times
  (untimed), then Enter: seconds until the chosen chapter's first words are on screen, for
  ten chapters across the book.  Target: under 0.1 s (the median; the slowest is shown).
* Text fidelity: token F1 of each EPUB's Markdown (visible text, ``bench/_f1.py``) against its
  spine's visible text (``bench/_epub_truth.py``, lxml only) for every book in
  ``../shared/corpus/bridges/epub``.  Target: >= 0.99 each.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import reader as harness  # noqa: E402 - bench/reader.py: the tmux harness and the floor
from _epub_truth import spine_texts  # noqa: E402
from _f1 import markdown_visible_text, score  # noqa: E402

CORPUS = HERE.parents[1] / "shared" / "corpus"
LONG = [CORPUS / "long" / "war_and_peace.txt", CORPUS / "long" / "moby-dick.txt"]
BOOKS = CORPUS / "bridges" / "epub"
FIRST_PHRASE = "Buonapartes"
TARGET_IMPORT_RATIO = 3.0
TARGET_RSS_MB = 300.0
TARGET_JUMP_S = 0.1
TARGET_F1 = 0.99
_PART = re.compile(r"^(BOOK [A-Z]+.*|[A-Z]+ EPILOGUE.*)$")
_CHAPTER = re.compile(r"^CHAPTER [IVXLC\d]+\b.*$")


def log(message: str) -> None:
    print(f"[epub bench] {message}", file=sys.stderr, flush=True)


def _paragraphs(lines: list[str]) -> list[str]:
    text = "\n".join(lines)
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def chapters_of(text: str) -> list[tuple[str, str, list[str]]]:
    """(part heading or "", chapter heading, paragraphs) for each chapter of ``text``."""
    out: list[tuple[str, str, list[str]]] = []
    part, title, body = "", "Opening", []
    pending_part = ""
    for line in text.splitlines():
        stripped = line.strip()
        if _PART.match(stripped) or _CHAPTER.match(stripped):
            if body or title != "Opening":
                out.append((part, title, _paragraphs(body)))
                part = ""
            if _PART.match(stripped):
                pending_part, title, body = stripped, "", []
                continue
            part, pending_part, title, body = pending_part, "", stripped, []
            continue
        body.append(line)
    out.append((part, title, _paragraphs(body)))
    return [c for c in out if c[1] or c[2]]


def make_epub(path: Path, txt: Path) -> int:
    """Write the benchmark book (and the same text as ``txt``); returns its chapter count."""
    from html import escape

    from ebooklib import epub

    text = "\n\n".join(p.read_text("utf-8") for p in LONG)
    txt.write_text(text, "utf-8")
    book = epub.EpubBook()
    book.set_identifier("urn:uuid:7d3c52f0-0000-4000-8000-00000000bench")
    book.set_title("War and Peace, and Moby-Dick")
    book.set_language("en")
    book.add_author("Leo Tolstoy")
    book.add_author("Herman Melville")
    toc: list[object] = []
    spine: list[epub.EpubHtml] = []
    for n, (part, title, paragraphs) in enumerate(chapters_of(text), start=1):
        item = epub.EpubHtml(title=title, file_name=f"text/ch{n:04d}.xhtml", lang="en")
        head = f"<h1>{escape(part)}</h1>" if part else ""
        item.content = ("<html><body>" + head + f"<h2>{escape(title)}</h2>"
                        + "".join(f"<p>{escape(p)}</p>" for p in paragraphs) + "</body></html>")
        book.add_item(item)
        spine.append(item)
        link = epub.Link(item.file_name, title, f"c{n}")
        if part:
            toc.append((epub.Section(part, href=item.file_name), [link]))
        elif toc and isinstance(toc[-1], tuple):
            toc[-1][1].append(link)
        else:
            toc.append(link)
    book.toc = toc
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = spine
    epub.write_epub(str(path), book, {})
    return len(spine)


def timed_add(cli: Path, library: Path, source: Path,
              env: dict[str, str]) -> tuple[float, float, str, float]:
    """(seconds, peak RSS in MB, article id, CPU seconds) of ``tuireader add SOURCE`` in a
    fresh library.  CPU time is shown too: on a shared machine it moves less than wall time."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(cli), "--library", str(library), "add", str(source)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    out = proc.stdout.read().decode() if proc.stdout else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        sys.exit(f"bench: tuireader add {source.name} failed: {err.strip()}")
    return seconds, usage.ru_maxrss / 1024, out.split()[1], usage.ru_utime + usage.ru_stime


def jump_targets(library: Path, article_id: str,
                 ups: list[int]) -> list[tuple[int, str, str]]:
    """(Up presses after End, that outline entry's title, the first words of its text)."""
    from tuireader.core.document import parse_markdown
    from tuireader.library.store import Store

    with Store(library) as store:
        document = parse_markdown(store.read_markdown(article_id))
    headings, blocks = document.headings, document.blocks
    out = []
    for up in ups:
        if up >= len(headings):
            continue
        index = headings[-1 - up].block + 1
        while index < len(blocks) and blocks[index].kind == "heading":
            index += 1
        if index < len(blocks):
            out.append((up, headings[-1 - up].title, " ".join(blocks[index].text.split()[:4])))
    return out


def outline_jumps(tmux: harness.Tmux, argv: list[str],
                  targets: list[tuple[int, str, str]]) -> list[float]:
    """Seconds from Enter in the outline to the chosen chapter's first words on screen."""
    pane, pid, t0 = tmux.spawn(argv)
    out: list[float] = []
    try:
        if harness.poll(tmux, pane, harness.contains(FIRST_PHRASE), t0, 60) is None:
            log("the book's first screen never came")
            return out
        harness.poll(tmux, pane, lambda s: not any("Loading" in line for line in s),
                     time.perf_counter(), 60)
        harness.wait_stable(tmux, pane, harness.whole_screen, quiet=0.5)
        for up, title, phrase in targets:
            # The outline lists the headings parsed so far: wait until the whole book is in
            # it (the chosen entry is on screen after End and the Ups).
            deadline = time.perf_counter() + 60
            while True:
                tmux.send(pane, "o")
                harness.poll(tmux, pane, harness.contains("Outline"), time.perf_counter(), 10)
                tmux.send(pane, "End", *(["Up"] * up))
                screen = harness.wait_stable(tmux, pane, harness.whole_screen, quiet=0.4)
                if harness.contains(title)(screen) or time.perf_counter() > deadline:
                    break
                tmux.send(pane, "Escape")
                time.sleep(1)
            t = time.perf_counter()
            tmux.send(pane, "Enter")
            seconds = harness.poll(tmux, pane, harness.contains(phrase), t, 10)
            if seconds is None:
                log(f"jump to {phrase!r} ({up} above the last entry) not seen")
                continue
            out.append(seconds)
            harness.wait_stable(tmux, pane, harness.whole_screen, quiet=0.3)
    finally:
        harness.finish(tmux, pane, pid)
    return out


def lines_cached(library: Path) -> bool:
    """Whether the library's one article has its display lines in its parse cache."""
    import marshal

    for path in (library / "articles").glob("*.doc"):
        try:
            return marshal.loads(path.read_bytes())[5] is not None
        except (OSError, EOFError, ValueError, TypeError, IndexError):
            return False
    return False


def fidelity() -> list[tuple[str, float]]:
    from tuireader.importers.epub import import_epub

    rows = []
    for path in sorted(BOOKS.glob("*.epub")):
        book = import_epub(path)
        rows.append((path.name, score(markdown_visible_text(book.markdown),
                                      " ".join(spine_texts(path))).f1))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=3, help="runs per timed figure")
    parser.add_argument("--keep", metavar="DIR", type=Path, help="work in DIR and leave it")
    args = parser.parse_args(argv)
    if not all(p.exists() for p in LONG) or not BOOKS.is_dir():
        sys.exit(f"bench: the corpus is missing ({CORPUS})")
    work = args.keep or Path(tempfile.mkdtemp(prefix="tuireader-epub-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    home = work / "home"
    for folder in (home / ".config", home / ".local" / "share", home / ".cache"):
        folder.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TUIREADER_", "TMUX", "XDG_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local" / "share"), XDG_CACHE_HOME=str(home / ".cache"),
               LANG="C.UTF-8", LC_ALL="C.UTF-8", TUIREADER_CONFIG=str(work / "none.toml"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")

    book, txt = work / "war-and-peace-moby-dick.epub", work / "war-and-peace-moby-dick.txt"
    chapters = make_epub(book, txt)
    import zipfile

    with zipfile.ZipFile(book) as zf:
        inflated = sum(i.file_size for i in zf.infolist())
    log(f"book: {chapters} spine items, {inflated / 1e6:.1f} MB of XHTML "
        f"({book.stat().st_size / 1e6:.1f} MB zipped); text file {txt.stat().st_size / 1e6:.1f} MB")

    cli = harness.tuireader_cmd()
    for source in (txt, book):  # bytecode and disk cache, untimed
        timed_add(cli, work / f"warm-{source.suffix[1:]}", source, env)
    imports: dict[str, list[tuple[float, float, str, float]]] = {"txt": [], "epub": []}
    for rep in range(args.reps):
        for kind, source in (("txt", txt), ("epub", book)):
            imports[kind].append(timed_add(cli, work / f"lib-{kind}-{rep}", source, env))
    t_txt = statistics.median(r[0] for r in imports["txt"])
    t_epub = statistics.median(r[0] for r in imports["epub"])
    rss_txt = max(r[1] for r in imports["txt"])
    rss_epub = max(r[1] for r in imports["epub"])
    cpu_txt = statistics.median(r[3] for r in imports["txt"])
    cpu_epub = statistics.median(r[3] for r in imports["epub"])
    log("imports done")

    lib_txt, id_txt = work / "lib-txt-0", imports["txt"][0][2]
    lib_epub, id_epub = work / "lib-epub-0", imports["epub"][0][2]
    python = sys.executable
    tmux = harness.Tmux(work / "tmux.sock", env, work)
    floor: list[float] = []
    first: dict[str, list[float]] = {"txt": [], "epub": []}
    try:
        hello = [python, str(harness.VIEWERS / "hello.py")]
        harness.first_screen(tmux, hello, "hello-world-floor", 60)
        for library, article in ((lib_txt, id_txt), (lib_epub, id_epub)):
            # Untimed, and to the end of the background layout, so that both get the line
            # cache a finished open leaves: the timed opens then take the same path.
            pane, pid, t0 = tmux.spawn([str(cli), "--library", str(library), "open", article])
            harness.poll(tmux, pane, harness.contains(FIRST_PHRASE), t0, 60)
            deadline = time.perf_counter() + 90
            while not lines_cached(library) and time.perf_counter() < deadline:
                time.sleep(0.5)
            harness.finish(tmux, pane, pid)
        log(f"line caches: .txt {lines_cached(lib_txt)}, .epub {lines_cached(lib_epub)}")
        for _ in range(args.reps):
            run = harness.first_screen(tmux, hello, "hello-world-floor", 30)
            floor.append(run.seconds or float("inf"))
            for kind, library, article in (("txt", lib_txt, id_txt),
                                           ("epub", lib_epub, id_epub)):
                run = harness.first_screen(
                    tmux, [str(cli), "--library", str(library), "open", article],
                    FIRST_PHRASE, 30)
                first[kind].append(run.seconds or float("inf"))
        log("first screens done")
        ups = [3, 40, 90, 150, 220, 300, 380, 450, 480, 510]
        jumps = outline_jumps(tmux, [str(cli), "--library", str(lib_epub), "open", id_epub],
                              jump_targets(lib_epub, id_epub, ups))
        jumps_txt = outline_jumps(tmux, [str(cli), "--library", str(lib_txt), "open", id_txt],
                                  jump_targets(lib_txt, id_txt, ups))
    finally:
        tmux.close()
    f1 = fidelity()

    base = statistics.median(floor)
    f_txt, f_epub = statistics.median(first["txt"]), statistics.median(first["epub"])
    def verdict(good: bool) -> str:
        return "ok" if good else "MISSED"

    print(f"EPUB benchmark ({args.reps} runs each, medians; {chapters} chapters, "
          f"{inflated / 1e6:.1f} MB of XHTML, {book.stat().st_size / 1e6:.1f} MB zipped)")
    print(f"{'':<28}{'.epub':>10}{'.txt':>10}   target")
    print(f"{'import (tuireader add)':<28}{t_epub:>9.2f}s{t_txt:>9.2f}s   "
          f"<= {TARGET_IMPORT_RATIO:.0f}x .txt: {t_epub / t_txt:.2f}x "
          f"{verdict(t_epub <= TARGET_IMPORT_RATIO * t_txt)}")
    print(f"{'import, CPU time':<28}{cpu_epub:>9.2f}s{cpu_txt:>9.2f}s   "
          f"{cpu_epub / cpu_txt:.2f}x")
    print(f"{'import peak RSS':<28}{rss_epub:>8.0f}MB{rss_txt:>8.0f}MB   "
          f"< {TARGET_RSS_MB:.0f} MB {verdict(rss_epub < TARGET_RSS_MB)}")
    print(f"{'first screen':<28}{f_epub:>9.2f}s{f_txt:>9.2f}s   "
          f"hello-world floor {base:.2f}s")
    print(f"{'first screen / floor':<28}{f_epub / base:>9.2f}x{f_txt / base:>9.2f}x   "
          f"<= the .txt's ratio (+10%): {verdict(f_epub / base <= 1.1 * f_txt / base)}")
    if jumps:
        beside = f"{statistics.median(jumps_txt):>9.3f}s" if jumps_txt else f"{'n/a':>10}"
        print(f"{'outline jump (painted)':<28}{statistics.median(jumps):>9.3f}s{beside}   "
              f"< {TARGET_JUMP_S}s, median of {len(jumps)} (max {max(jumps):.3f}s) "
              f"{verdict(statistics.median(jumps) < TARGET_JUMP_S)}")
    else:
        print(f"{'outline jump (painted)':<28}{'n/a':>10}")
    print(f"text fidelity (token F1, visible text vs the spine), target >= {TARGET_F1}:")
    for name, value in f1:
        print(f"  {name:<42}{value:.4f} {verdict(value >= TARGET_F1)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
