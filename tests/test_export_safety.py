"""Exports are never harmful and never stuck (issue 14): no terminal control in any output,
no file name too long for its temporary file, one failed article never stops the others, stale
temporary files of dead exports removed, template files bounded."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tuireader.cli.main import main
from tuireader.core.document import parse_markdown
from tuireader.core.model import make_highlight
from tuireader.importers import import_bytes
from tuireader.importers.base import ImportedArticle
from tuireader.library.store import Store

PAGE = (b"<html><head><title>Hi &#x1b;]52;c;SEVMTE8=&#x7; &#x1b;[2J &#x9b;31m</title>"
        b'<meta name="author" content="A &#x1b;[5m"></head><body><article>'
        b"<p>The first paragraph has enough words to be the article text here.</p>"
        b"<p>A second paragraph, with more words, so extraction keeps it all.</p>"
        b"</article></body></html>")
RAW_TITLE = "Old \x1b]52;c;SEVMTE8=\x07 \x1b[2J \x9b31m\u202egpj.exe"
#: ESC, BEL and every other C0 but tab and newline, DEL, C1.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.fixture(autouse=True)
def _fixed_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735700645")


def _add(store: Store, imported: ImportedArticle, note: str = "") -> str:
    article = store.add_article(imported, tags=["t\x1b[2J", "\u202eevil"]).article
    text = parse_markdown(store.read_markdown(article.id)).plain_text
    h = make_highlight(article.id, text, 4, 20)
    h.note = note
    store.save_highlights([h])
    return article.id


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """A library with the issue's page imported, and an article stored before import-time
    stripping existed (its title holds the raw controls)."""
    library = tmp_path / "library"
    with Store(library) as store:
        _add(store, import_bytes(PAGE, source="https://example.org/p", kind="html"))
        _add(store, ImportedArticle(title=RAW_TITLE, markdown="Some words in the body text.\n",
                                    author="\x9b2J", site="s\x1bP"), note="n \x1b[31m red")
    return library


def test_import_strips_controls_from_metadata_and_tags(hostile: Path) -> None:
    imported = import_bytes(PAGE, source="https://example.org/p", kind="html")
    assert not CONTROL.search(imported.title) and imported.title.startswith("Hi ")
    assert not CONTROL.search(imported.author)
    md = import_bytes(b'---\ntitle: "a\\e[2Jb\\x9b"\nauthor: "\\x07z"\n---\nBody text.\n',
                      source="x.md", kind="markdown")
    assert (md.title, md.author) == ("a[2Jb", "z")
    with Store(hostile, read_only=True) as store:
        for article in store.list_articles():
            assert all(not CONTROL.search(tag) and "\u202e" not in tag for tag in article.tags)


@pytest.mark.parametrize("args", [
    [], ["--format", "json"], ["--format", "annotated"], ["--template", "TEMPLATE"],
])
def test_no_control_reaches_stdout_or_a_file(hostile: Path, tmp_path: Path, args: list[str],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    template = tmp_path / "t.j2"
    template.write_text("{{ title }} {{ author }} {{ site }} {{ tags }}\n"
                        "{% for h in highlights %}{{ h.note }} {{ h.raw_tags }}{% endfor %}\n"
                        "{{ '\\x1b[2J' }}\n")
    args = [str(template) if a == "TEMPLATE" else a for a in args]
    assert main(["--library", str(hostile), "export", *args]) == 0
    out, _ = capsys.readouterr()
    assert "Hi " in out and "Old " in out
    assert not CONTROL.search(out), repr(CONTROL.findall(out))
    folder = tmp_path / "out"
    assert main(["--library", str(hostile), "export", *args, "-o", str(folder)]) == 0
    files = [p for p in folder.iterdir() if not p.name.startswith(".")]
    assert len(files) == 2
    for path in [*files, folder / ".tuireader-export.json"]:
        data = path.read_bytes().decode("utf-8")
        assert not CONTROL.search(data), (path.name, CONTROL.findall(data))
        assert not CONTROL.search(path.name) and "\u202e" not in path.name


def test_json_keeps_the_characters_escaped(hostile: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["--library", str(hostile), "export", "--format", "json"]) == 0
    out, _ = capsys.readouterr()
    assert "\\u009b" in out  # escaped, not raw, and the data is unchanged:
    labels = [a["author"] for a in json.loads(out)["tuireader:articles"]]
    assert "\x9b2J" in labels


def test_single_article_to_stdout_is_the_folder_note(hostile: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    with Store(hostile, read_only=True) as store:
        article = next(a for a in store.list_articles() if a.title.startswith("Hi"))
    for fmt in ("markdown", "json", "annotated"):
        assert main(["--library", str(hostile), "export", "--format", fmt,
                     "--article", article.id]) == 0
        out, _ = capsys.readouterr()
        folder = tmp_path / f"one-{fmt}"
        assert main(["--library", str(hostile), "export", "--format", fmt,
                     "--article", article.id, "-o", str(folder)]) == 0
        capsys.readouterr()
        (note,) = [p for p in folder.iterdir() if not p.name.startswith(".")]
        assert out == note.read_text("utf-8")
    assert out.count("title: ") >= 1 and "tuireader export" not in out


@pytest.mark.parametrize("title", ["漢" * 80, "é" * 120, "a" * 300, "漢" * 200])
def test_long_titles_fit_with_their_temporary_files(tmp_path: Path, title: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    library = tmp_path / "library"
    with Store(library) as store:
        for n in range(3):
            _add(store, ImportedArticle(title=f"{title}{n}", markdown=f"Body number {n} "
                                        "with some words in it.\n"))
    for run in range(2):  # the first run makes the files, the second rewrites them
        code = main(["--library", str(library), "export", "-o", str(tmp_path / "out"),
                     "--format", "json" if run else "markdown"])
        _, err = capsys.readouterr()
        assert code == 0, err
    names = [p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")]
    assert len(names) == 6
    # every name leaves room for ".<name>.tmp-<pid>-<hex>" within 255 bytes
    assert all(len(f".{n}.tmp-{2**31}-{'f' * 8}".encode()) <= 255 for n in names)


def test_one_failed_article_never_stops_the_rest(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    library = tmp_path / "library"
    with Store(library) as store:
        ids = [_add(store, ImportedArticle(title=f"Article {n}", markdown=f"Body {n} with "
                                           "enough words to highlight.\n")) for n in range(4)]
    out = tmp_path / "out"
    out.mkdir()
    # the manifest gives article 1 a file name that is now a folder (not empty)
    (out / ".tuireader-export.json").write_text(
        '{"version": 1, "files": {"markdown:' + ids[1] + '": "Blocked.md"}}')
    (out / "Blocked.md").mkdir()
    (out / "Blocked.md" / "x").write_text("keep me")
    code = main(["--library", str(library), "export", "-o", str(out)])
    stdout, err = capsys.readouterr()
    assert code == 1
    assert stdout.count("written ") == 3
    assert "1 article(s) not exported, 3 exported" in err
    assert "Traceback" not in err and all(line.startswith("error: ") for line in
                                          err.splitlines())
    assert (out / "Blocked.md" / "x").read_text() == "keep me"


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_later_export_removes_stale_temporary_files(hostile: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    dead = _dead_pid()
    stale = [f".export-3.tmp-{dead}", f".Note (abc).md.tmp-{dead}-a1b2c3",
             f".Note (abc).md.tmp-{dead}"]
    live = [f".export-4.tmp-{os.getpid()}", ".my own .tmp- notes"]
    for name in [*stale, *live]:
        (out / name).write_text("partial")
    assert main(["--library", str(hostile), "export", "-o", str(out)]) == 0
    _, err = capsys.readouterr()
    left = {p.name for p in out.iterdir()}
    assert not left & set(stale) and set(live) <= left
    assert "removed 3 temporary file(s)" in err


@pytest.mark.parametrize("source", ["/dev/zero", "/dev/urandom", "fifo", "folder", "big",
                                    "binary"])
def test_template_file_is_bounded(hostile: Path, tmp_path: Path, source: str) -> None:
    path = Path(source)
    if source == "fifo":
        path = tmp_path / "t.fifo"
        os.mkfifo(path)
    elif source == "folder":
        path = tmp_path
    elif source == "big":
        path = tmp_path / "big.j2"
        path.write_text("x" * (1 << 20 + 1))
    elif source == "binary":
        path = tmp_path / "bin.j2"
        path.write_bytes(b"\xff\xfe{{ title }}")
    if not path.exists():
        pytest.skip(f"{path} missing")
    result = subprocess.run([sys.executable, "-m", "tuireader", "--library", str(hostile),
                             "export", "--template", str(path)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr


@pytest.mark.parametrize(("template", "message"), [
    ("{{ ([1]*10**9)|length }}", "longer than"),
    ("{% set s = 'x' * 3000000 %}{{ (s ~ s)|length }}", "longer than"),
    ("{{ 'x'|center(10**9) }}", "longer than"),
    ("{{ 'x'.ljust(10**9) }}", "longer than"),
    ("{{ '{:>999999999}'.format(1) }}", "width"),
    ("{{ '%999999999s' % 1 }}", "width"),
    ("{{ range(10**9)|length }}", "range"),
    ("{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}", "output longer"),
    ("{{ 'ab'|replace('', 'x' * 3000000) }}", "longer than"),
    ("{{ 99999999**99999999 }}", "bits"),
])
def test_template_bombs_stop_with_a_message(hostile: Path, tmp_path: Path, template: str,
                                            message: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bomb.j2"
    path.write_text(template)
    assert main(["--library", str(hostile), "export", "--template", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and message in err, err


def test_template_loops_stop_at_the_deadline(hostile: Path) -> None:
    from tuireader.core.model import Article
    from tuireader.export._sandbox import Limits
    from tuireader.export.templates import ExportTemplateError, render_template

    article = Article(id="abc", title="T", source="x")
    loops = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    with pytest.raises(ExportTemplateError, match=r"took longer than 0\.2 s"):
        render_template(loops, article, [], limits=Limits(seconds=0.2))
    ordinary = "{{ title }} {{ range(3)|list }} {{ [1, 2]|join(',') }} {{ 'ab' * 2 }}"
    assert render_template(ordinary, article, []) == "T [0, 1, 2] 1,2 abab"


def test_without_a_report_a_failed_article_raises_after_the_others(tmp_path: Path) -> None:
    """The App's call (no report): the failure is an ExportError it shows, the rest written."""
    from tuireader.export import ExportError, export_to_folder

    library = tmp_path / "library"
    with Store(library) as store:
        ids = [_add(store, ImportedArticle(title=f"Article {n}", markdown=f"Body {n} with "
                                           "enough words to highlight.\n")) for n in range(3)]
    out = tmp_path / "out"
    out.mkdir()
    (out / ".tuireader-export.json").write_text(
        '{"version": 1, "files": {"markdown:' + ids[0] + '": "Blocked.md"}}')
    (out / "Blocked.md").mkdir()
    (out / "Blocked.md" / "x").write_text("keep me")
    with Store(library, read_only=True) as store, pytest.raises(
            ExportError, match=r"1 article\(s\) not exported .*; 2 exported"):
        export_to_folder(store, ids, out)
    assert len([p for p in out.glob("Article *.md")]) == 2


def test_join_of_an_iterator_is_not_consumed_by_the_check() -> None:
    from tuireader.core.model import Article
    from tuireader.export.templates import render_template

    article = Article(id="abc", title="T", source="x")
    assert render_template("{{ ','.join(range(3)|map('string')) }}", article, []) == "0,1,2"
