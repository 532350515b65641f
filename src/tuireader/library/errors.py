"""The library's errors, below every module that raises them (the store, its articles and its
shards), so none of those has to import another for them."""

from __future__ import annotations

from tuireader.library.durable import ReadOnlyError, StorageError

__all__ = ["NotFound", "ReadOnlyError", "StorageError", "StoreError", "read_only_error"]


class StoreError(StorageError):
    """A library operation failed; ``str(exc)`` is a one-line message for the user."""


class NotFound(StoreError, LookupError):
    """No article (or highlight) matches the given id."""


def read_only_error() -> ReadOnlyError:
    """What a change to a library opened read-only raises (from the store or its shards)."""
    return ReadOnlyError("the library is open read-only; the change was not saved")
