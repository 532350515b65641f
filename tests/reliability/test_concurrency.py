"""Suite 4: concurrent writers, a second instance, the library replaced from outside.

Within one process (the App's writer thread, CLI helpers, the preload thread), writes are
serialised by the store's lock: 2 threads x 200 writes give 400/400.  Across processes the file
lock decides: the second process is read-only and every write it tries is refused cleanly
(ReadOnlyError, nothing half-written); writes are *not* queued between processes.  A second
process that wants to write waits for the lock (re-opens the store until it is writable) and
then saves: 200 + 200 = 400/400.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sync_support import index_file
from tuireader.core.document import parse_markdown
from tuireader.core.model import make_highlight
from tuireader.importers.base import ImportedArticle
from tuireader.library.editing import Annotator
from tuireader.library.store import Store

TEXT = "\n\n".join(f"Paragraph {i}: rivers carve valleys, and towns grow along them."
                   for i in range(40))


def _articles(library: Path, n: int = 2) -> list[str]:
    with Store(library) as s:
        return [s.add_article(ImportedArticle(title=f"t{i}", markdown=f"{TEXT}\n\nEnd {i}."))
                .article.id for i in range(n)]


@pytest.mark.parametrize("same_article", [True, False])
def test_two_threads_200_writes_each(library: Path, same_article: bool) -> None:
    ids = _articles(library)
    with Store(library) as s:
        annotator = Annotator(s)
        texts = {aid: parse_markdown(s.read_markdown(aid)).plain_text for aid in ids}
        made: list[list[str]] = [[], []]
        errors: list[BaseException] = []
        barrier = threading.Barrier(2)

        def writer(n: int) -> None:
            aid = ids[0] if same_article else ids[n]
            text = texts[aid]
            barrier.wait()
            try:
                for k in range(200):
                    start = (k * 7 + n * 3) % (len(text) - 40)
                    h = make_highlight(aid, text, start, start + 20 + n)
                    h.note = f"w{n}-{k}"
                    s.add_highlight(h)
                    made[n].append(h.id)
                    if k % 20 == 0:  # edits interleaved with the adds
                        annotator.set_tags(h, [f"w{n}"])
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(n,)) for n in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
    with Store(library) as s:
        found = {h.id: h for h in s.all_highlights()}
    wanted = made[0] + made[1]
    print(f"2 threads x 200 writes ({'same' if same_article else 'different'} article): "
          f"{sum(hid in found for hid in wanted)}/400")
    assert len(wanted) == 400 and all(hid in found for hid in wanted)
    assert sum(1 for hid in wanted if found[hid].tags) == 20


WRITER = r"""
import json, sys, time
from pathlib import Path
from tuireader.core.model import make_highlight
from tuireader.core.document import parse_markdown
from tuireader.library.store import ReadOnlyError, Store
library, aid, name = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
go, wait = Path(sys.argv[4]), sys.argv[5] == "wait"
print("WAITING", flush=True)
while not go.exists():
    time.sleep(0.005)
store = Store(library)
refused = 0
if store.read_only:
    text = parse_markdown(store.read_markdown(aid)).plain_text
    for k in range(200):
        try:
            store.add_highlight(make_highlight(aid, text, k, k + 10))
        except ReadOnlyError:
            refused += 1
    if wait:
        store.close()
        deadline = time.monotonic() + 60
        while True:  # wait for the lock
            store = Store(library)
            if not store.read_only or time.monotonic() > deadline:
                break
            store.close()
            time.sleep(0.05)
text = parse_markdown(store.read_markdown(aid)).plain_text
saved = []
if not store.read_only:
    for k in range(200):
        h = make_highlight(aid, text, k, k + 12)
        store.add_highlight(h)
        saved.append(h.id)
store.close()
print(json.dumps({"name": name, "refused": refused, "saved": saved}))
"""


@pytest.mark.parametrize("wait", [False, True], ids=["refused", "waits-for-lock"])
def test_two_processes_200_writes_each(library: Path, tmp_path: Path, wait: bool) -> None:
    aid = _articles(library, 1)[0]
    go = tmp_path / "go"
    children = [subprocess.Popen([sys.executable, "-c", WRITER, str(library), aid, name, str(go),
                                  "wait" if wait else "no"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for name in ("a", "b")]
    for child in children:  # both started and polling
        assert child.stdout is not None and child.stdout.readline() == "WAITING\n"
    go.touch()
    results = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        assert "Traceback" not in err
        results.append(json.loads(out))
    with Store(library) as s:
        present = {h.id for h in s.highlights(aid)}
    saved = [hid for r in results for hid in r["saved"]]
    refused = sum(r["refused"] for r in results)
    print(f"2 processes x 200 writes ({'waiting' if wait else 'no waiting'}): "
          f"{len(saved)} saved, {sum(h in present for h in saved)} present, {refused} refused")
    assert all(hid in present for hid in saved)
    if wait:
        assert len(saved) == 400 and refused == 200  # refused while read-only, then saved
    else:
        assert len(saved) == 200 and refused == 200  # one writer; the other refused cleanly


def _outside_copy_with_extra(path: Path, extra_table: str, extra: dict) -> None:
    """What a sync tool does: write a new version elsewhere and rename it over the file."""
    data = json.loads(path.read_text())
    table = data.setdefault(extra_table, {})
    if all(k.isdigit() for k in table):  # TinyDB's numbered keys (library.json)
        table[str(max((int(k) for k in table), default=0) + 100)] = extra
    else:  # keyed by the record's own id (highlight shards, see library/records.py)
        table[extra["id"]] = extra
    tmp = path.with_name("sync-tool-download.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def test_shard_replaced_from_outside_is_merged_before_next_write(library: Path) -> None:
    aid = _articles(library, 1)[0]
    with Store(library) as s:
        text = parse_markdown(s.read_markdown(aid)).plain_text
        mine = make_highlight(aid, text, 0, 20)
        s.add_highlight(mine)
        theirs = make_highlight(aid, text, 30, 60)
        theirs.note = "from the other computer"
        _outside_copy_with_extra(library / "annotations" / f"{aid}.json", "highlights",
                                 theirs.to_record())
        after = make_highlight(aid, text, 70, 90)
        s.add_highlight(after)
        assert any("changed by another program" in w for w in s.warnings), s.warnings
    with Store(library) as s:
        ids = {h.id for h in s.highlights(aid)}
    assert ids == {mine.id, theirs.id, after.id}  # nothing from either side lost


def test_library_replaced_from_outside_is_merged_before_next_write(library: Path) -> None:
    _articles(library, 1)
    with Store(library) as s:
        s.list_articles()
        record = s.list_articles()[0].to_record()
        record.update(id="outside1", title="Synced in", content_hash="x")
        (library / "articles" / "outside1.md").write_text("Synced text.")
        _outside_copy_with_extra(index_file(library), "articles", record)
        s.add_article(ImportedArticle(title="Mine", markdown="Mine, added after the sync."))
        assert any("library.json was changed by another program" in w for w in s.warnings)
    with Store(library) as s:
        assert sorted(a.title for a in s.list_articles()) == ["Mine", "Synced in", "t0"]
