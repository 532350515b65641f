"""Temporary files of a killed export are removed by the next one, even while the killed
process is a zombie that nobody has reaped yet."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tuireader.export.folder import remove_stale


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="zombies are read from /proc")
def test_files_of_an_unreaped_dead_process_are_stale(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        stat = Path(f"/proc/{dead.pid}/stat")
        for _ in range(500):  # until it has exited (a zombie: not reaped, still listed)
            if stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":
                break
            time.sleep(0.01)
        os.kill(dead.pid, 0)  # still found by signal 0
        (tmp_path / f".note.md.tmp-{dead.pid}-ab12").write_text("half")
        (tmp_path / f".export-3.tmp-{dead.pid}").write_text("half")
        (tmp_path / f".other.md.tmp-{os.getpid()}-cd34").write_text("mine, running")
        assert remove_stale(str(tmp_path)) == 2
        assert [p.name for p in tmp_path.iterdir()] == [f".other.md.tmp-{os.getpid()}-cd34"]
    finally:
        dead.wait()
