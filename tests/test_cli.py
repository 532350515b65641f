"""The command line, through the real entry points (``python -m tuireader`` and the installed
``tuireader`` script).  No test runs the bare command: that starts the full-screen app."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sync_support import index_file
from tuireader import __version__
from tuireader.core.document import parse_markdown
from tuireader.core.model import make_highlight
from tuireader.library.store import Store

COMMANDS = ["add", "list", "show", "remove", "convert", "highlights", "open", "check"]


def run(*args: str, library: Path | None = None, stdin: str | None = None,
        script: bool = False, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    if script:
        exe = shutil.which("tuireader", path=str(Path(sys.executable).parent)) or shutil.which(
            "tuireader")
        if exe is None:
            pytest.skip("the tuireader console script is not installed")
        cmd = [exe]
    else:
        cmd = [sys.executable, "-m", "tuireader"]
    if library is not None:
        cmd += ["--library", str(library)]
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run([*cmd, *args], input=stdin if stdin is not None else "",
                          capture_output=True, text=True, timeout=120, env=full_env)


def assert_clean_error(proc: subprocess.CompletedProcess[str], code: int) -> None:
    assert proc.returncode == code, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    d = tmp_path / "docs"
    (d / "sub").mkdir(parents=True)
    (d / "one.md").write_text("# First Doc\n\nThe first document talks about rivers.\n")
    (d / "two.txt").write_text("Second Doc\n\nPlain text about *cities* and [@click=app.quit].\n")
    (d / "sub" / "three.md").write_text("# Third Doc\n\nDeep in a folder.\n")
    return d


def added_ids(stdout: str) -> dict[str, str]:
    """title -> id from ``added <id> <title>`` lines."""
    result = {}
    for line in stdout.splitlines():
        status, ident, title = line.split(" ", 2)
        assert status in {"added", "exists", "updated"}
        result[title] = ident
    return result


def test_version_with_both_entry_points() -> None:
    for script in (False, True):
        proc = run("--version", script=script)
        assert proc.returncode == 0 and proc.stdout.strip() == f"tuireader {__version__}"


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_everywhere(command: str | None) -> None:
    proc = run(*([command] if command else []), "--help")
    assert proc.returncode == 0 and proc.stdout.startswith("usage: tuireader")
    assert proc.stderr == ""


@pytest.mark.parametrize("args", [["list", "--bogus"], ["bogus"], ["show"], ["add"],
                                  ["highlights", "--tag"]])
def test_usage_errors_exit_2_one_line(args: list[str], library: Path) -> None:
    proc = run(*args, library=library)
    assert_clean_error(proc, 2)
    assert proc.stderr.startswith("tuireader")


def test_add_files_folder_and_stdin_with_a_failure(docs: Path, library: Path) -> None:
    proc = run("add", "--tag", "Reading", str(docs / "one.md"), str(docs / "missing.txt"),
               str(docs / "sub"), "-", library=library, stdin="From Stdin\n\nPiped text.\n")
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"error: {docs / 'missing.txt'}: no such file"
    ids = added_ids(proc.stdout)
    assert set(ids) == {"First Doc", "Third Doc", "From Stdin"}
    assert all(line.startswith("added ") for line in proc.stdout.splitlines())
    again = run("add", str(docs / "one.md"), library=library)
    assert again.returncode == 0
    assert again.stdout.strip() == f"exists {ids['First Doc']} First Doc"
    listing = json.loads(run("list", "--json", library=library).stdout)
    assert {a["title"] for a in listing} == set(ids)
    assert all(a["tags"] == ["reading"] for a in listing)


def test_list_show_remove_with_installed_script(docs: Path, library: Path) -> None:
    proc = run("add", str(docs), library=library, script=True)
    assert proc.returncode == 0, proc.stderr
    ids = added_ids(proc.stdout)
    assert set(ids) == {"First Doc", "Second Doc", "Third Doc"}

    listing = run("list", library=library)
    assert listing.returncode == 0
    assert len(listing.stdout.splitlines()) == 3
    assert all(ident in listing.stdout for ident in ids.values())
    data = json.loads(run("list", "--json", library=library).stdout)
    assert {a["id"] for a in data} == set(ids.values())
    assert all(a["highlight_count"] == 0 for a in data)

    second = ids["Second Doc"]
    show = run("show", second[:5], library=library)
    assert show.returncode == 0
    assert "title:      Second Doc" in show.stdout
    assert "\\[@click=app.quit\\]" in show.stdout  # the stored Markdown, escaped
    shown = json.loads(run("show", second, "--json", library=library).stdout)
    assert shown["id"] == second and shown["title"] == "Second Doc"
    assert "cities" in shown["markdown"]

    refused = run("remove", second, library=library)  # stdin is not a terminal
    assert_clean_error(refused, 1)
    assert "--yes" in refused.stderr
    removed = run("remove", second, "--yes", library=library, script=True)
    assert removed.returncode == 0 and removed.stdout.startswith(f"removed {second} Second Doc")
    assert len(json.loads(run("list", "--json", library=library).stdout)) == 2
    assert len(list((library / "trash").iterdir())) == 1

    missing = run("show", "zzzz", library=library)
    assert_clean_error(missing, 1)
    assert missing.stderr.startswith("error: no article")


def test_library_from_environment(docs: Path, tmp_path: Path) -> None:
    lib = tmp_path / "envlib"
    proc = run("add", str(docs / "one.md"), env={"TUIREADER_LIBRARY": str(lib)})
    assert proc.returncode == 0, proc.stderr
    assert index_file(lib).exists()


def test_convert_text_and_json(docs: Path, library: Path) -> None:
    proc = run("convert", str(docs / "two.txt"), library=library)
    assert proc.returncode == 0
    assert parse_markdown(proc.stdout).plain_text.strip() == (
        "Plain text about *cities* and [@click=app.quit].")
    data = json.loads(run("convert", str(docs / "two.txt"), "--json").stdout)
    assert data["title"] == "Second Doc" and data["source"] == str((docs / "two.txt").resolve())
    assert not library.exists()  # convert stores nothing
    bad = run("convert", str(docs / "nope.md"))
    assert_clean_error(bad, 1)


def test_highlights_json_and_filters(docs: Path, library: Path) -> None:
    ids = added_ids(run("add", str(docs / "one.md"), str(docs / "two.txt"),
                        library=library).stdout)
    with Store(library) as store:
        for title, quote, tags in (("First Doc", "rivers", ["geo"]),
                                   ("Second Doc", "cities", ["geo", "urban"])):
            aid = ids[title]
            text = parse_markdown(store.read_markdown(aid)).plain_text
            start = text.index(quote)
            h = make_highlight(aid, text, start, start + len(quote))
            h.tags = tags
            h.note = f"note on {quote}"
            store.add_highlight(h)
    every = json.loads(run("highlights", "--json", library=library).stdout)
    assert sorted(h["exact"] for h in every) == ["cities", "rivers"]
    urban = json.loads(run("highlights", "--tag", "urban", "--json", library=library).stdout)
    assert [h["exact"] for h in urban] == ["cities"]
    by_article = json.loads(run("highlights", "--article", ids["First Doc"][:6], "--json",
                                library=library).stdout)
    assert [h["exact"] for h in by_article] == ["rivers"]
    found = json.loads(run("highlights", "--search", "NOTE ON RIV", "--json",
                           library=library).stdout)
    assert [h["exact"] for h in found] == ["rivers"]
    text_out = run("highlights", "--tag", "geo", library=library)
    assert text_out.returncode == 0 and len(text_out.stdout.splitlines()) == 2
    assert "#urban" in text_out.stdout
    counts = {a["title"]: a["highlight_count"]
              for a in json.loads(run("list", "--json", library=library).stdout)}
    assert counts == {"First Doc": 1, "Second Doc": 1}


def test_second_instance_read_only_refuses_writes(docs: Path, library: Path) -> None:
    run("add", str(docs / "one.md"), library=library)
    with Store(library):
        listing = run("list", library=library)
        assert listing.returncode == 0 and "First Doc" in listing.stdout
        proc = run("add", str(docs / "two.txt"), library=library)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        assert "another tuireader" in proc.stderr and "nothing was changed" in proc.stderr


def test_library_is_a_file(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    proc = run("list", library=f)
    assert_clean_error(proc, 1)
    assert "not a folder" in proc.stderr


def test_library_option_after_the_command(tmp_path: Path) -> None:
    lib = tmp_path / "after"
    note = tmp_path / "note.txt"
    note.write_text("A title\n\nSome words here.\n", encoding="utf-8")
    added = run("add", "--library", str(lib), str(note))
    assert added.returncode == 0, added.stderr
    listed = run("list", "--json", "--library", str(lib))
    assert [a["title"] for a in json.loads(listed.stdout)] == ["A title"]
    # Given before the command and not repeated after it, the first one still counts.
    before = run("--library", str(lib), "list", "--json")
    assert [a["title"] for a in json.loads(before.stdout)] == ["A title"]


def test_samples_added_again_from_their_files_all_exist(library: Path) -> None:
    """The same text from another path is the same article: the seeded samples (sources are
    their URLs) added again from the files (relative links resolved differently) all exist."""
    from tuireader.cli.samples import sample_entries, seed_library
    from tuireader.locations import samples_dir

    with Store(library) as s:
        assert {o.status for o in seed_library(s)} == {"added"}
    files = [str(samples_dir() / e["file"]) for e in sample_entries()]
    proc = run("add", *files, library=library)
    assert proc.returncode == 0, proc.stderr
    statuses = [line.split()[0] for line in proc.stdout.splitlines()]
    assert statuses == ["exists"] * len(files), proc.stdout
    proc = run("list", "--json", library=library)
    assert len(json.loads(proc.stdout)) == len(files)


def test_front_matter_with_surrogate_escapes(tmp_path: Path, library: Path) -> None:
    """YAML escapes giving UTF-16 surrogates: a pair is joined (😀), a lone one replaced; the
    article is added whole and nothing else is left behind."""
    doc = tmp_path / "smile.md"
    doc.write_text('---\ntitle: "\\ud83d\\ude00 smile"\nauthor: "\\ud83d"\n---\n\nBody text.\n')
    proc = run("add", str(doc), library=library)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split(maxsplit=2)[2].strip() == "😀 smile"
    aid = proc.stdout.split()[1]
    shown = json.loads(run("show", aid, "--json", library=library).stdout)
    assert shown["author"] == "\ufffd"
    # The parse cache is kept per machine, outside the library (library/parse_cache.py).
    assert sorted(p.name for p in (library / "articles").iterdir()) == [
        f"{aid}.json", f"{aid}.md"]


def test_lone_surrogate_refused_with_nothing_left(library: Path) -> None:
    from tuireader.core.model import ImportedArticle
    from tuireader.library.store import StoreError

    with Store(library) as s:
        with pytest.raises(StoreError, match="lone surrogate"):
            s.add_article(ImportedArticle(title="bad \ud83d", markdown="Some text."))
        assert s.list_articles() == []
    assert list((library / "articles").iterdir()) == []
