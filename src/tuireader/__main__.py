"""`python -m tuireader`."""

from __future__ import annotations

from tuireader.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
