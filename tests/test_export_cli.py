"""``tuireader export`` on the command line.

Most tests run ``tuireader.cli.main.main`` in this process (output captured); the last ones
run the real entry point, ``python -m tuireader``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from export_support import (
    Library,
    build_library,
    read_markdown_export,
)
from tuireader.cli.main import build_parser, main


@pytest.fixture
def fixed_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Library:
    return build_library(tmp_path / "library", monkeypatch)


def run(lib: Library, *argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--library", str(lib.path), "export", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _fixed_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735700645")


def test_stdout_is_one_combined_markdown_document(fixed_library: Library,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(fixed_library, capsys=capsys)
    assert code == 0 and err == ""
    read = read_markdown_export(out)
    assert read.front_matter_blocks == 1 and len(read.highlights) == 11
    assert read.front_matter["exported"] == "2025-01-01T03:04:05+00:00"


def test_filters(fixed_library: Library, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(fixed_library, "--tag", "idea", "--format", "json", capsys=capsys)
    assert code == 0 and json.loads(out)["total"] == 1
    # an article tag selects all of that article's highlights
    code, out, _ = run(fixed_library, "--tag", "x y", "--format", "json", capsys=capsys)
    assert json.loads(out)["total"] == 2
    code, out, _ = run(fixed_library, "--since", "2024-05-08", "--format", "json", capsys=capsys)
    assert sorted(i["id"][-2:] for i in json.loads(out)["first"]["items"]) == ["07", "08"]
    code, out, _ = run(fixed_library, "--article", "3fa", "--format", "json", capsys=capsys)
    assert json.loads(out)["total"] == 9


def test_folder_output_and_rerun(fixed_library: Library, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "notes"
    code, out, _ = run(fixed_library, "-o", str(out_dir), capsys=capsys)
    assert code == 0
    assert out.count("written ") == 2
    code, out, _ = run(fixed_library, "-o", str(out_dir), capsys=capsys)
    assert code == 0 and out.count("unchanged ") == 2


def test_single_file_output(fixed_library: Library, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "all.json"
    code, _, _ = run(fixed_library, "--format", "json", "-o", str(target), capsys=capsys)
    assert code == 0 and json.loads(target.read_text())["total"] == 11


def test_template(fixed_library: Library, tmp_path: Path,
                  capsys: pytest.CaptureFixture[str]) -> None:
    template = tmp_path / "t.md.j2"
    template.write_text("# {{ title | md }}\n{% for h in highlights %}\n{{ h.text | quote }}\n"
                        "- {{ h.colour }} · {{ h.location }}{% if h.note %} · {{ h.note | note }}"
                        "{% endif %}\n{% endfor %}\n")
    code, out, err = run(fixed_library, "--article", "3fa2b1c0", "--template", str(template),
                         capsys=capsys)
    assert code == 0, err
    assert out.startswith("# Rivers: a \"field\" guide \\#1\n")
    assert "- green · How rivers move · 29% · &#45;--" in out


@pytest.mark.parametrize(("body", "needle"), [
    ("{{ nope }}", "line 1: 'nope' is undefined"),
    ("{% for %}", "line 1"),
    ("{{ ''.__class__.__mro__ }}", "unsafe"),
    ("\n\n{{ 1 / 0 }}", "line 3: ZeroDivisionError"),
])
def test_template_errors_are_one_line(fixed_library: Library, tmp_path: Path, body: str,
                                      needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    template = tmp_path / "bad.j2"
    template.write_text(body)
    code, out, err = run(fixed_library, "--template", str(template), capsys=capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and needle in err


def test_errors(fixed_library: Library, tmp_path: Path,
                capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(fixed_library, "--article", "zzzz", capsys=capsys)
    assert code == 1 and err.startswith("error: no article")
    code, _, err = run(fixed_library, "--template", str(tmp_path / "missing.j2"), capsys=capsys)
    assert code == 1 and "missing.j2" in err
    template = tmp_path / "t.j2"
    template.write_text("x")
    code, _, err = run(fixed_library, "--template", str(template), "--format", "json",
                       capsys=capsys)
    assert code == 2
    with pytest.raises(SystemExit) as exc:
        run(fixed_library, "--since", "yesterday", capsys=capsys)
    assert exc.value.code == 2


def test_real_entry_point(fixed_library: Library, tmp_path: Path) -> None:
    base = [sys.executable, "-m", "tuireader", "--library", str(fixed_library.path), "export"]
    env = {"SOURCE_DATE_EPOCH": "1735700645", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([*base, "--format", "json"], capture_output=True, text=True,
                          env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["total"] == 11
    done = subprocess.run([*base, "-o", str(tmp_path / "out")], capture_output=True, text=True,
                          env=env, timeout=60, check=False)
    assert done.returncode == 0 and done.stdout.count("written ") == 2
    done = subprocess.run([*base, "--format", "nope"], capture_output=True, text=True, env=env,
                          timeout=60, check=False)
    assert done.returncode == 2


def test_help_lists_export() -> None:
    help_text = build_parser().format_help()
    assert "export" in help_text


def test_the_parser_offers_every_format() -> None:
    # The parser keeps its own copy (building it must not load the formats): the same list.
    from tuireader.cli.export import FORMATS as OFFERED
    from tuireader.export import FORMATS

    assert OFFERED == FORMATS
