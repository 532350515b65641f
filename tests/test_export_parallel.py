"""Library-wide folder exports in two processes, and the fast paths of the formatting.

The parallel export (``workers=2``, what ``tuireader export -o DIR`` does) must write exactly the
files a one-process export writes, leave no temporary file behind, and survive a worker that
fails or cannot start.  The YAML front matter is built from events for speed: it must be the
text ``yaml.dump`` writes.
"""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest
import yaml

from export_support import EXPORTED
from tuireader.core.model import make_highlight
from tuireader.export import FolderReport, export_to_folder, parallel, safe_filename, select
from tuireader.export.context import dumped_front_matter, front_matter
from tuireader.export.folder import MANIFEST
from tuireader.importers.base import ImportedArticle
from tuireader.library.durable import TMP_MARK
from tuireader.library.store import Store

N_ARTICLES = 48  # the worker gets 24: more than DURABLE_MAX_FILES, so it writes its files too

BODY = """## First part

Rivers carve valleys over thousands of years, and the water runs slower near the banks.

## Second part

Deltas form where a river meets the sea and drops the fine sand it carried.
"""


def _build(root: Path) -> Path:
    from tuireader.core.document import parse_markdown

    plain = parse_markdown(BODY).plain_text
    with Store(root) as store:
        for n in range(N_ARTICLES):
            title = "Same title" if n % 3 == 0 else f"Article {n}: rivers"
            imported = ImportedArticle(title=title, markdown=BODY + f"\nArticle {n}.\n",
                                       source=f"https://example.org/{n}")
            article = store.add_article(imported, tags=["geo"] if n % 2 else []).article
            article.added = f"2024-01-01T00:{n // 60:02d}:{n % 60:02d}+00:00"
            store.update_article(article)
            if n % 7 == 5:
                continue  # no highlights: not exported
            first = make_highlight(article.id, plain, plain.index("valleys"),
                                   plain.index("banks"), kind=n % 5 + 1)
            second = make_highlight(article.id, plain, plain.index("Deltas"),
                                    plain.index("sea") + 3)
            second.note = f"Note {n}: # not a heading\n- nor a list"
            second.tags = ["idea", "to-read"][: n % 3]
            store.save_highlights([first, second])
    return root


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("parallel") / "library")


def _export(library: Path, out: Path, workers: int, **kw: object) -> FolderReport:
    report = FolderReport()
    with Store(library, read_only=True) as store:
        export_to_folder(store, None, out, "markdown", exported=EXPORTED, report=report,
                         workers=workers, **kw)  # type: ignore[arg-type]
    return report


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _no_temporary_files(folder: Path) -> bool:
    return not any(TMP_MARK in p.name for p in folder.iterdir())


@pytest.fixture
def parallel_from_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_MIN_ARTICLES", 1)


def _foreign_file(library: Path, folder: Path) -> str:
    """A file not ours with the name the last exported article (the worker's) would get."""
    with Store(library, read_only=True) as store:
        last = select(store)[-1][0]
    name = safe_filename(last.title, last.id)
    folder.mkdir(parents=True)
    (folder / name).write_text("my own notes\n")
    return name


@pytest.mark.usefixtures("parallel_from_one")
def test_parallel_export_writes_what_one_process_writes(library: Path, tmp_path: Path) -> None:
    for folder in ("serial", "parallel"):
        foreign = _foreign_file(library, tmp_path / folder)
    serial = _export(library, tmp_path / "serial", workers=1)
    parallel = _export(library, tmp_path / "parallel", workers=2)
    expected = N_ARTICLES - len(range(5, N_ARTICLES, 7))
    assert len(serial.written) == len(parallel.written) == expected
    assert _files(tmp_path / "serial") == _files(tmp_path / "parallel")
    assert _no_temporary_files(tmp_path / "parallel")
    names = json.loads((tmp_path / "parallel" / MANIFEST).read_text())["files"].values()
    assert foreign not in names and foreign.replace(").md", ") 2.md") in names
    assert (tmp_path / "parallel" / foreign).read_text() == "my own notes\n"

    again = _export(library, tmp_path / "parallel", workers=2)  # nothing changed
    assert again.written == [] and len(again.unchanged) == expected
    assert _files(tmp_path / "serial") == _files(tmp_path / "parallel")
    assert _no_temporary_files(tmp_path / "parallel")


@pytest.mark.usefixtures("parallel_from_one")
def test_parallel_export_with_filters(library: Path, tmp_path: Path) -> None:
    options = {"tag": "geo", "since": "2000-01-01"}
    _export(library, tmp_path / "serial", workers=1, **options)
    _export(library, tmp_path / "parallel", workers=2, **options)
    assert _files(tmp_path / "serial") == _files(tmp_path / "parallel")


@pytest.mark.usefixtures("parallel_from_one")
def test_a_failing_worker_is_replaced(
    library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _export(library, tmp_path / "serial", workers=1)

    def fail(self: object) -> None:
        raise EOFError  # as when the worker died (after writing its temporary files)

    monkeypatch.setattr(parallel.Worker, "result", fail)
    _export(library, tmp_path / "failed", workers=2)
    assert _files(tmp_path / "serial") == _files(tmp_path / "failed")
    assert _no_temporary_files(tmp_path / "failed")

    def no_processes(method: str) -> None:
        raise OSError("no processes here")  # as in a sandbox, or at a process limit

    monkeypatch.setattr(multiprocessing, "get_context", no_processes)
    _export(library, tmp_path / "no-worker", workers=2)
    assert _files(tmp_path / "serial") == _files(tmp_path / "no-worker")


HOSTILE_VALUES = [
    "", " ", "plain", "yes", "No", "null", "~", "true", "1", "1.5", "0x1F", "1e3", ".inf",
    "2024-01-01", "2024-01-01T00:00:00+00:00", "12:30:00", "- item", "? key", ": x", "a: b",
    "# comment", "a # b", "'quoted'", '"double"', "back\\slash", "{x}", "[1, 2]", "&anchor",
    "*alias", "!tag", "|", ">", "%", "@", "`", "line\nbreak", "cr\rhere", "nel\x85", "ls\u2028",
    "tab\there", "nul\x00", "bell\x07", "del\x7f", "c1\x9b", "bom\ufeff", "é", "日本語", "🦆",
    "\u202eevil", "x" * 200, "trailing ", " leading", "---", "...", "=", "<<",
]


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_front_matter_is_what_yaml_dump_writes(value: str) -> None:
    fields = {"title": value, "n": 3, "tags": [value, "ok"], "empty": [], value or "k": "v"}
    assert front_matter(fields) == dumped_front_matter(fields)
    assert yaml.safe_load(front_matter(fields).strip("-\n")) == fields


def test_front_matter_falls_back_to_yaml_dump_for_other_values() -> None:
    fields = {"ratio": 0.5, "flag": True, "nested": {"a": None}}
    assert yaml.safe_load(front_matter(fields).strip("-\n")) == fields
