"""The per-target docstring cache (diskcache), storing validated structured docstrings.

Keys hash everything that shapes an answer: the target's source, the context sent, provider, endpoint,
model, prompt and schema versions. Values are the structured docstring as plain data, never rendered text
(so a style change costs no request) and never credentials. Any cache failure degrades to no cache with a
single warning.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from typing import Any

logger = logging.getLogger(__name__)

_FORMAT = 1


def cache_key(**parts: Any) -> str:
    """A stable key from the parts that shape an answer.

    Args:
        **parts: JSON-serialisable values (source, context, provider, model, versions...).

    Returns:
        A hex digest.
    """
    text = json.dumps({"format": _FORMAT, **parts}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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

    def _open(self) -> Any:
        if self._cache is None and not self._broken:
            try:
                import diskcache

                os.makedirs(self.directory, exist_ok=True)
                self._cache = diskcache.Cache(self.directory)
            except Exception as exc:  # corrupt database, unwritable folder, ...
                self._disable(f"cannot open the cache at {self.directory}: {exc}")
        return self._cache

    def _disable(self, why: str) -> None:
        if not self._broken:
            logger.warning("docgen cache disabled: %s; continuing without a cache", why)
            logger.debug("cache failure", exc_info=True)
        self._broken = True
        self._cache = None

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
        except Exception as exc:
            self._disable(f"cannot read the cache: {exc}")
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
            self._disable(f"cannot write the cache: {exc}")

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
