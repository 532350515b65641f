"""User configuration: ``config.toml`` read with tomllib, written with tomlkit.

Example::

    theme = "textual-dark"
    reading_width = 80        # columns of text in the reader
    smooth_scroll = false     # animate key jumps (off: jumps are instant)
    export_dir = "~/Notes/tuireader"
    vault = "~/Obsidian/Reading"   # where `tuireader vault sync` and V write (no default)
    vault_flavor = "obsidian"      # or "logseq"

    [keys]                    # binding id = "key[,key...]"
    "reader.next_block" = "j,down"

A broken file never stops the app: the problem is reported and the defaults are used.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from tuireader.library.durable import atomic_write_bytes
from tuireader.locations import default_config_file


@dataclass
class Config:
    theme: str = "textual-dark"
    reading_width: int = 80
    smooth_scroll: bool = False
    export_dir: str = "~/tuireader-notes"
    #: The vault folder of ``tuireader vault sync`` ("" = none set).
    vault: str = ""
    #: Its kind: "obsidian" or "logseq".
    vault_flavor: str = "obsidian"
    keys: dict[str, str] = field(default_factory=dict)
    #: Problems found while reading the file (shown to the user, never fatal).
    problems: list[str] = field(default_factory=list)
    #: The file read (settings changed in the app are written back there); None: keep nothing.
    path: Path | None = None


class ConfigError(Exception):
    """A setting could not be written to the config file (the file is left as it was)."""


def load_config(path: Path | None = None) -> Config:
    path = path or default_config_file()
    config = Config(path=path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return config
    except OSError as exc:
        config.problems.append(f"cannot read {path}: {exc.strerror or exc}")
        return config
    try:
        data: dict[str, Any] = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        config.problems.append(f"{path}: {exc}; using the defaults")
        return config

    def take(name: str, kind: type, check: Any = None) -> None:
        if name not in data:
            return
        value = data[name]
        if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool) or (
            check is not None and not check(value)
        ):
            config.problems.append(f"{path}: {name} = {value!r} is not valid; using the default")
            return
        setattr(config, name, value)

    take("theme", str)
    take("reading_width", int, lambda v: 20 <= v <= 400)
    take("smooth_scroll", bool)
    take("export_dir", str)
    take("vault", str)
    take("vault_flavor", str, lambda v: v in ("obsidian", "logseq"))
    keys = data.get("keys", {})
    if isinstance(keys, dict):
        for binding_id, key in keys.items():
            if isinstance(key, str) and key.strip():
                config.keys[str(binding_id)] = key.replace(" ", "")
            else:
                config.problems.append(
                    f"{path}: keys.{binding_id} must be a string like \"j,down\""
                )
    else:
        config.problems.append(f"{path}: [keys] must be a table")
    return config


def save_setting(name: str, value: Any, path: Path | None = None) -> None:
    """Change one top-level setting, keeping the user's comments and layout (tomlkit).

    Raises :class:`ConfigError` (one line, naming the file) when the file cannot be read,
    parsed or written; a file that does not parse is never overwritten.  Blocking: call it on a
    writer's thread, not the event loop.
    """
    import tomlkit  # deferred: only a settings change needs it, not every start
    from tomlkit.exceptions import TOMLKitError

    path = path or default_config_file()
    try:
        doc = tomlkit.parse(path.read_text("utf-8")) if path.exists() else tomlkit.document()
        doc[name] = value
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, tomlkit.dumps(doc).encode("utf-8"))
    except (OSError, UnicodeDecodeError, TOMLKitError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"{name} not saved to {path}: {reason}") from exc
