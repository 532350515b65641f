"""Benchmark the library search: a library of 10,000 articles of 5,000 words made here from
slices of the corpus books (``../shared/corpus/long``), then:

* index build: ``tuireader reindex`` from nothing (``FullText.catch_up`` + optimize), and the
  index's size against the text's;
* ranked queries with snippets, top 50: median, p95, max over a mix of words, names with
  diacritics, phrases, prefixes, OR, exclusions and filters (each run 5 times);
* one article added, one note edited: the index update alone (the store's write is done first,
  with the hook off, then the hook is timed);
* side by side: ``grep -ril`` over the same texts as files (the floor without an index), and
  what it misses (``natasha`` vs ``Natásha``);
* in the App (Pilot): each keystroke typed on the search screen to its results listed (p95
  under 100 ms).

Run ``.venv/bin/python bench/search.py`` (``--articles 500`` for a quick run; ``--keep DIR``
to build in DIR and leave it).  The library is written in the store's on-disk format with each
body's parse cache (as ``tuireader add`` leaves it), so the build measures the index, not the
Markdown parser.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tuireader.core.document import BLOCK_SEP, Block, Document, parse_markdown
from tuireader.core.model import Article, ImportedArticle, make_highlight, new_id
from tuireader.library.machine import MACHINE_ENV
from tuireader.library.parse_cache import save_parsed
from tuireader.library.reconcile import text_hash
from tuireader.library.store import SCHEMA_VERSION, Store, content_hash

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "long"

QUERIES = [
    "natasha", "pierre bezukhov", '"the old prince"', "whale*", "harpoon OR lance",
    "moscow -napoleon", "kutuzov", "ahab", "queequeg", "borodino", "\"white whale\"",
    "andrei in:text", "natasha in:highlights", "ocean in:notes", "#idea sea", "a:moscow war",
    "is:archived moscow", "rostov*", "starbuck stubb", "countess", "love",
]

TARGETS = {"build s": 30.0, "size ratio": 1.5, "query p95 ms": 30.0, "add ms": 50.0,
           "note ms": 50.0, "keystroke ms": 100.0}


def corpus_words() -> list[str]:
    words: list[str] = []
    for path in sorted(CORPUS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"[*_#>\[\]<&`|~\\{}=+^$@%]", " ", text)  # nothing Markdown would read
        words += text.split()
    return words


def paragraphs(words: list[str], rng: random.Random) -> list[str]:
    out, i = [], 0
    while i < len(words):
        n = rng.randint(60, 140)
        out.append(" ".join(words[i:i + n]))
        i += n
    return out


def build(root: Path, n: int, words_each: int,
          rng: random.Random) -> tuple[list[str], int, list[tuple[Path, str, Document]]]:
    """The library on disk; returns the ids, the bytes of plain text, and each body with its
    parse (cached by :func:`cache_parses` once the store has placed its caches)."""
    words = corpus_words()
    (root / "articles").mkdir(parents=True)
    (root / "annotations").mkdir()
    ids, records, text_bytes = [], {}, 0
    parses: list[tuple[Path, str, Document]] = []
    for k in range(n):
        aid = new_id()
        while aid in records:
            aid = new_id()
        start = rng.randrange(0, len(words) - words_each)
        paras = paragraphs(words[start:start + words_each], rng)
        paras[0] = f"{k}: {paras[0]}"  # every text distinct
        body = BLOCK_SEP.join(paras)
        blocks, offset = [], 0
        for p in paras:
            blocks.append(Block("paragraph", p, offset, offset + len(p)))
            offset += len(p) + len(BLOCK_SEP)
        document = Document()
        document.extend(blocks)
        if k < 3:  # the blocks made here are what the parser makes
            assert parse_markdown(body).plain_text == document.plain_text
        plain = document.plain_text
        text_bytes += len(plain.encode("utf-8"))
        article = Article(id=aid, title=f"Article {k}: {' '.join(paras[0].split()[1:6])}",
                          source=f"https://example.org/{aid}", word_count=words_each,
                          char_count=len(plain), content_hash=content_hash(body),
                          tags=rng.sample(["idea", "war", "sea", "history"], rng.randint(0, 2)),
                          archived=rng.random() < 0.1)
        body_path = root / "articles" / f"{aid}.md"
        body_path.write_text(body, encoding="utf-8")
        parses.append((body_path, body, document))
        (root / "articles" / f"{aid}.json").write_text(
            json.dumps({**article.to_record(), "text_hash": text_hash(plain)}), encoding="utf-8")
        shard = {}
        for j in range(3):
            s = rng.randrange(0, len(plain) - 200)
            h = make_highlight(aid, plain, s, s + rng.randint(80, 160))
            h.note = "about the ocean and the war" if rng.random() < 0.3 else ""
            h.tags = rng.sample(["idea", "quote"], rng.randint(0, 1))
            shard[str(j + 1)] = h.to_record()
        (root / "annotations" / f"{aid}.json").write_text(json.dumps({"highlights": shard}),
                                                          encoding="utf-8")
        records[str(k + 1)] = article.to_record()
        ids.append(aid)
    (root / "library.json").write_text(json.dumps(
        {"articles": records, "_meta": {"1": {"schema_version": SCHEMA_VERSION}}}),
        encoding="utf-8")
    return ids, text_bytes, parses


def cache_parses(parses: list[tuple[Path, str, Document]]) -> None:
    """Each body's parse cache, where the store reads it (its per-machine folder, placed when
    the store opened), as ``tuireader add`` leaves it."""
    for body_path, body, document in parses:
        save_parsed(body_path, body, document)


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def grep(folder: Path, word: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    out = subprocess.run(["grep", "-ril", word, str(folder)], capture_output=True, text=True,
                         check=False).stdout
    return time.perf_counter() - t0, len(out.splitlines())


def run(root: Path, n: int, words_each: int) -> bool:
    rng = random.Random(1)
    t0 = time.perf_counter()
    os.environ[MACHINE_ENV] = str(root / "machine")  # the store's caches: not in $HOME
    ids, text_bytes, parses = build(root / "lib", n, words_each, rng)
    store = Store(root / "lib", index_path=root / "index.sqlite3")
    cache_parses(parses)
    del parses
    print(f"built {n:,} articles of {words_each:,} words ({text_bytes / 1e6:.0f} MB of text) "
          f"in {time.perf_counter() - t0:.0f} s at {root}")
    fig: dict[str, float] = {}

    t0 = time.perf_counter()
    done = store.fulltext.catch_up()
    t1 = time.perf_counter()
    store.fulltext.optimize()
    fig["build s"] = time.perf_counter() - t0
    size = store.fulltext.size()
    fig["size ratio"] = size / text_bytes
    print(f"index build: {done:,} articles in {t1 - t0:.1f} s + optimize "
          f"{fig['build s'] - (t1 - t0):.1f} s = {fig['build s']:.1f} s; "
          f"{size / 1e6:.0f} MB = {fig['size ratio']:.2f}x the text")

    timings: list[float] = []
    for query in QUERIES:
        runs = []
        for _ in range(5):
            q0 = time.perf_counter()
            results = store.fulltext.search(query, limit=50)
            runs.append((time.perf_counter() - q0) * 1000)
        assert not results.message, (query, results.message)
        timings += runs
        print(f"  {query:<24} {len(results.hits):>3} hits  median {statistics.median(runs):6.1f} ms"
              f"  max {max(runs):6.1f} ms")
    fig["query p95 ms"] = pct(timings, 0.95)
    print(f"ranked query + snippets, top 50: median {statistics.median(timings):.1f} ms, "
          f"p95 {fig['query p95 ms']:.1f} ms, max {max(timings):.1f} ms ({len(timings)} runs)")

    # One article added / one note edited: the store's write first (hook off), then the hook.
    hook = store.fulltext.article_changed
    store.articles.on_change = store.shards.on_change = lambda article_id: None
    words = corpus_words()
    adds, notes = [], []
    for k in range(10):
        start = rng.randrange(0, len(words) - words_each)
        body = BLOCK_SEP.join(paragraphs(words[start:start + words_each], rng))
        added = store.add_article(ImportedArticle(title=f"New {k}", markdown=f"new {k} " + body,
                                                  source=f"new-{k}")).article
        q0 = time.perf_counter()
        hook(added.id)
        adds.append((time.perf_counter() - q0) * 1000)
        h = store.highlights(rng.choice(ids))[0]
        h.note = f"edited note {k} about harpoons"
        store.save_highlights([h])
        q0 = time.perf_counter()
        hook(h.article_id)
        notes.append((time.perf_counter() - q0) * 1000)
    assert store.fulltext.search("in:notes edited harpoons").hits
    fig["add ms"], fig["note ms"] = statistics.median(adds), statistics.median(notes)
    print(f"index update: article added median {fig['add ms']:.1f} ms (max {max(adds):.1f}), "
          f"note edited median {fig['note ms']:.1f} ms (max {max(notes):.1f})")

    grep_s, grep_files = grep(root / "lib" / "articles", "natasha")
    grep_s2, grep_files2 = grep(root / "lib" / "articles", "natásha")
    q0 = time.perf_counter()
    hits = store.fulltext.search("natasha", limit=1000).hits
    search_ms = (time.perf_counter() - q0) * 1000
    print(f"grep -ril natasha over the {n:,} bodies: {grep_s * 1000:.0f} ms, {grep_files:,} files "
          f"(natásha: {grep_files2:,} more files, {grep_s2 * 1000:.0f} ms); "
          f"search natasha: {search_ms:.0f} ms, {len({h.article_id for h in hits}):,} articles "
          f"in the top 1,000 hits, both spellings")
    store.close()

    typed = asyncio.run(_typing(root))
    fig["keystroke ms"] = pct(typed, 0.95)
    print(f"the search screen, {len(typed)} keystrokes ({', '.join(TYPED)}): results listed "
          f"after median {statistics.median(typed):.0f} ms, p95 {fig['keystroke ms']:.0f} ms, "
          f"max {max(typed):.0f} ms")

    ok = True
    for name, target in TARGETS.items():
        good = fig[name] <= target
        ok &= good
        print(f"{'ok  ' if good else 'SLOW'} {name:<14} {fig[name]:8.2f}  (target {target})")
    return ok


TYPED = ["natasha", "whale*", "moscow -napoleon", "#idea sea"]


async def _typing(root: Path) -> list[float]:
    """In the App (Pilot, 120x40): ``S``, then each query typed a key at a time; per key, the
    time from the key to its results listed on the search screen (a frame follows at once)."""
    from textual.widgets import Input

    from tuireader.app import make_app
    from tuireader.config import Config
    from tuireader.screens.search import SearchScreen
    from tuireader.widgets.search_results import SearchResults

    store = Store(root / "lib", preload=True, index_path=root / "index.sqlite3")
    app = make_app(store, Config())
    times: list[float] = []
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            deadline = time.monotonic() + 60
            while not isinstance(app.screen, SearchScreen):  # `S` once the App takes keys
                if time.monotonic() > deadline:
                    raise RuntimeError("the search screen did not open")
                await pilot.pause(0.5)
                await pilot.press("S")
            results = app.screen.query_one(SearchResults)
            box = app.screen.query_one("#search-query", Input)
            for query in TYPED:
                for key in query:
                    before = results.hits
                    t0 = time.perf_counter()
                    box.insert_text_at_cursor(key)  # as a key does (Pilot's press also waits
                    deadline = t0 + 5               # for the App to be idle: not timed here)
                    while results.hits is before and time.perf_counter() < deadline:
                        await asyncio.sleep(0.0005)
                    times.append((time.perf_counter() - t0) * 1000)
                box.value = ""
                await pilot.pause(0.2)
    finally:
        store.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--words", type=int, default=5_000)
    parser.add_argument("--keep", type=Path, help="build in this folder and leave it")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"no corpus at {CORPUS}", file=sys.stderr)
        return 2
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        return 0 if run(args.keep, args.articles, args.words) else 1
    root = Path(tempfile.mkdtemp(prefix="tuireader-search-bench-"))
    try:
        return 0 if run(root, args.articles, args.words) else 1
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
