"""Where things live: the library folder, the config file, and the files shipped in the package."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir

APP_NAME = "tuireader"
LIBRARY_ENV = "TUIREADER_LIBRARY"
CONFIG_ENV = "TUIREADER_CONFIG"


def default_library_dir() -> Path:
    """``$TUIREADER_LIBRARY`` if set, else the platform's data folder
    (``~/.local/share/tuireader`` on Linux)."""
    env = os.environ.get(LIBRARY_ENV)
    if env:
        return Path(env).expanduser()
    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_config_file() -> Path:
    """``$TUIREADER_CONFIG`` if set, else ``~/.config/tuireader/config.toml``
    (platform-specific)."""
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    return Path(user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def _shipped_dir(name: str) -> Path:
    """A folder shipped with the package.

    In a wheel, ``styles/`` and ``sample_articles/`` are force-included inside the package; in a
    source checkout (editable install) they sit at the top of the repository.
    """
    here = Path(__file__).resolve().parent
    inside = here / name
    if inside.is_dir():
        return inside
    return here.parents[1] / name


def styles_dir() -> Path:
    return _shipped_dir("styles")


def samples_dir() -> Path:
    return _shipped_dir("sample_articles")
