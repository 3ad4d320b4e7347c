"""The per-target docstring cache (diskcache), storing validated structured docstrings.

Keys hash everything that shapes an answer: the target's source, the context sent, provider, endpoint,
model, prompt and schema versions. Values are the structured docstring as plain data, never rendered text
(so a style change costs no request) and never credentials. Any cache failure degrades to no cache with a
single warning.

Nothing read from the cache folder can run code, even when someone else can write to it (a shared
``DOCGEN_CACHE_DIR``): values are stored as JSON text in the database (diskcache's own ``Disk`` would pickle
them, and unpickles whatever a row claims to be), rows in any other form are refused as unreadable, and the
caller checks the decoded value against the docstring schema. Nor can a row delete anything: diskcache removes
the value file a row names when the row goes (``../../somewhere`` included), and this disk deletes no file.
A cache locked or slowed down by another process is given up on after :data:`LOCK_TIMEOUT` seconds, and the
run goes on without it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from typing import Any

logger = logging.getLogger(__name__)

_FORMAT = 2  # 2: JSON values (entries of format 1 were pickled and are never looked up)
LOCK_TIMEOUT = 1.0
"""Seconds to wait for a database lock held by another process before running without the cache."""
_MAX_VALUE_BYTES = 1 << 20  # every value stays in the database row (no value files a row could point at)


class UnsafeEntry(ValueError):
    """A cache row that is not JSON text (a pickle, a value file): refused, never decoded."""


def _json_disk() -> type:
    """Return diskcache's ``Disk`` storing values and keys as JSON text only (built on first use: lazy import)."""
    import diskcache
    from diskcache.core import MODE_RAW

    class JSONOnlyDisk(diskcache.Disk):
        def put(self, key: Any) -> Any:
            if not isinstance(key, str):
                raise TypeError("cache keys are strings")
            return super().put(key)

        def get(self, key: Any, raw: bool) -> Any:
            if not raw:
                raise UnsafeEntry("a pickled key")
            return super().get(key, raw)

        def store(self, value: Any, read: bool, key: Any = diskcache.core.UNKNOWN) -> Any:
            data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            if read or len(data) > _MAX_VALUE_BYTES:
                raise ValueError("cache values are small JSON documents")
            return super().store(data, False, key=key)

        def remove(self, file_path: Any) -> None:
            """Delete no file: values never live in files, and a row's file name may point anywhere."""

        def fetch(self, mode: int, filename: Any, value: Any, read: bool) -> Any:
            if mode != MODE_RAW or filename is not None or read:
                raise UnsafeEntry(f"an entry of mode {mode}")
            data = super().fetch(mode, filename, value, read)
            return json.loads(data.decode("utf-8") if isinstance(data, bytes) else data)

    return JSONOnlyDisk


def cache_key(**parts: Any) -> str:
    """Return a stable key from the parts that shape an answer.

    Args:
        **parts: JSON-serialisable values (source, context, provider, model, versions...).

    Returns:
        A hex digest.
    """
    text = json.dumps({"format": _FORMAT, **parts}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _wait_for_lock(database: str) -> None:
    """Fail within :data:`LOCK_TIMEOUT` when another process holds the database's write lock.

    diskcache retries a locked database for 60 s while it opens, whatever its timeout says; this short
    write transaction finds out first.
    """
    if not os.path.exists(database):
        return
    import sqlite3

    connection = sqlite3.connect(database, timeout=LOCK_TIMEOUT, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
    finally:
        connection.close()


class DocstringCache:
    """A diskcache-backed store of structured docstrings that never raises."""

    def __init__(self, directory: str) -> None:
        """Prepare a cache in a folder; nothing is opened until first use.

        Args:
            directory: Folder of the diskcache store.
        """
        self.directory = directory
        self._cache: Any = None
        self._broken = False
        self._warned = False

    def _open(self) -> Any:
        if self._cache is None and not self._broken:
            try:
                import diskcache

                os.makedirs(self.directory, exist_ok=True)
                _wait_for_lock(os.path.join(self.directory, "cache.db"))
                self._cache = diskcache.Cache(self.directory, timeout=LOCK_TIMEOUT, disk=_json_disk(),
                                              disk_min_file_size=_MAX_VALUE_BYTES + 1)
            except Exception as exc:  # corrupt database, unwritable folder, locked, ...
                self._disable(f"cannot open the cache at {self.directory}: {self._why(exc)}")
        return self._cache

    def _disable(self, why: str) -> None:
        if not self._broken:
            logger.warning("docgen cache disabled: %s; continuing without a cache", why)
            logger.debug("cache failure", exc_info=True)
        self._broken = True
        self._cache = None

    @staticmethod
    def _why(exc: Exception) -> str:
        import diskcache

        if isinstance(exc, diskcache.Timeout) or "locked" in str(exc):
            return f"it is locked by another process (waited {LOCK_TIMEOUT:g} s)"
        return str(exc) or type(exc).__name__

    @property
    def available(self) -> bool:
        """False once the cache has failed and been disabled."""
        return not self._broken

    def get(self, key: str) -> dict[str, Any] | None:
        """Look a docstring up.

        Args:
            key: A key from :func:`cache_key`.

        Returns:
            The stored structured docstring, or None.
        """
        cache = self._open()
        if cache is None:
            return None
        try:
            value = cache.get(key)
        except (UnsafeEntry, ValueError) as exc:  # one bad row (planted or from a bug): a miss, not a failure
            level = logging.DEBUG if self._warned else logging.WARNING
            logger.log(level, "docgen cache: ignoring an entry that is not JSON (%s); it is never decoded", exc)
            self._warned = True
            return None
        except Exception as exc:
            self._disable(f"cannot read the cache: {self._why(exc)}")
            return None
        return value if isinstance(value, dict) else None

    def set(self, key: str, value: dict[str, Any]) -> None:
        """Store a validated structured docstring.

        Args:
            key: A key from :func:`cache_key`.
            value: The docstring as plain data.
        """
        cache = self._open()
        if cache is None:
            return
        try:
            cache.set(key, value)
        except Exception as exc:
            self._disable(f"cannot write the cache: {self._why(exc)}")

    def clear(self) -> int:
        """Remove every entry.

        Returns:
            The number of entries removed.
        """
        cache = self._open()
        if cache is None:
            return 0
        try:
            return int(cache.clear())
        except Exception as exc:
            self._disable(f"cannot clear the cache: {exc}")
            return 0

    def __len__(self) -> int:
        """Return the number of cached docstrings."""
        cache = self._open()
        try:
            return len(cache) if cache is not None else 0
        except Exception:
            return 0

    def close(self) -> None:
        """Close the underlying database."""
        if self._cache is not None:
            try:
                self._cache.close()
            except Exception:
                logger.debug("closing the cache failed", exc_info=True)
            self._cache = None
