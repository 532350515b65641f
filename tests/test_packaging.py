"""The wheel ships the stylesheet and the sample articles inside the package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_contains_styles_and_samples(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    wheels = list(tmp_path.glob("tuireader-*.whl"))
    assert len(wheels) == 1
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    assert "tuireader/styles/app.tcss" in names
    assert "tuireader/sample_articles/index.json" in names
    assert "tuireader/sample_articles/ATTRIBUTION.md" in names
    for entry in (ROOT / "sample_articles").iterdir():
        assert f"tuireader/sample_articles/{entry.name}" in names
    assert "tuireader/py.typed" in names
    assert "tuireader/cli/main.py" in names


def test_shipped_folders_found_from_source_tree() -> None:
    from tuireader.locations import samples_dir, styles_dir

    assert (styles_dir() / "app.tcss").is_file()
    assert (samples_dir() / "index.json").is_file()
