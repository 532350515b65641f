"""This machine's device id: who made a change, in a library shared between machines.

Made once per machine (random, not the host name: two containers or two clones of one
virtual machine may share a host name) and kept in the per-machine state folder (see
:mod:`~.machine`), not in any library.  ``name`` is for people ("merged changes from
laptop"): the host name when the id was made, editable in ``device.json``.
"""

from __future__ import annotations

import datetime as _dt
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

import orjson

from tuireader.library.durable import atomic_write_bytes
from tuireader.library.machine import base_dirs

DEVICE_FILE = "device.json"


@dataclass(frozen=True)
class Device:
    id: str
    name: str


_lock = threading.Lock()
_cached: dict[Path, Device] = {}


def _clean(value: object, default: str) -> str:
    text = "".join(ch for ch in str(value) if ch.isprintable())[:64].strip()
    return text or default


def this_device() -> Device:
    """This machine's device (made and written the first time it is asked for)."""
    state, _ = base_dirs()
    path = state / DEVICE_FILE
    with _lock:
        known = _cached.get(path)
        if known is not None:
            return known
        device = _read(path)
        if device is None:
            import secrets

            device = Device(secrets.token_hex(6), _clean(socket.gethostname(), "this machine"))
            try:
                state.mkdir(parents=True, exist_ok=True)
                atomic_write_bytes(path, orjson.dumps(
                    {"id": device.id, "name": device.name}, option=orjson.OPT_INDENT_2))
            except OSError:
                pass  # an unwritable home: the id still holds for this run
        _cached[path] = device
        return device


def _read(path: Path) -> Device | None:
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(data, dict) or not str(data.get("id", "")).isalnum():
        return None
    return Device(str(data["id"]), _clean(data.get("name", ""), str(data["id"])))


_last_stamp = ""


def stamp() -> str:
    """The time of a change, in UTC with microseconds, strictly later than the last stamp
    this process gave (two changes in one microsecond still have an order)."""
    global _last_stamp
    with _lock:
        now = _dt.datetime.now(_dt.timezone.utc)
        text = now.isoformat(timespec="microseconds")
        if text <= _last_stamp:
            last = _dt.datetime.fromisoformat(_last_stamp)
            text = (last + _dt.timedelta(microseconds=1)).isoformat(timespec="microseconds")
        _last_stamp = text
        return text
