"""The house's rules, checked: the import contracts, mypy, ruff and the size of modules.

The contracts (what each wing may import, no cycles) live in ``pyproject.toml`` under
``[tool.importlinter]`` and are described in ``docs/architecture.md``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "tuireader"
BIN = Path(sys.executable).parent

#: A module past this many lines is asking to be split (STYLE.md, habit 1).
MAX_LINES = 500


def _tool(name: str) -> str:
    found = BIN / name
    if found.exists():
        return str(found)
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: it is part of the test extras")
    return path


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600,
                          check=False)


def test_import_contracts_are_kept() -> None:
    result = _run(_tool("lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "KEPT" in result.stdout and "BROKEN" not in result.stdout


def test_mypy_is_clean() -> None:
    result = _run(_tool("mypy"), "--no-incremental")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_ruff_is_clean() -> None:
    result = _run(_tool("ruff"), "check", "src", "tests", "bench")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_no_module_is_over_the_size_limit() -> None:
    long = {str(path.relative_to(ROOT)): n for path in sorted(SRC.rglob("*.py"))
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_core_and_library_never_import_textual() -> None:
    offenders = [str(path.relative_to(ROOT)) for wing in ("core", "library", "importers", "export")
                 for path in sorted((SRC / wing).rglob("*.py"))
                 if "import textual" in (text := path.read_text(encoding="utf-8"))
                 or "from textual" in text]
    assert offenders == []
