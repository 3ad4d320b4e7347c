"""The docstring cache: round trip, keys, degradation to no cache."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from docgen_magic.infra.cache import DocstringCache, cache_key


def test_round_trip_and_clear(tmp_path: Path) -> None:
    cache = DocstringCache(str(tmp_path / "c"))
    key = cache_key(source="def f(): pass", model="m")
    assert cache.get(key) is None
    cache.set(key, {"summary": "Do f."})
    assert cache.get(key) == {"summary": "Do f."}
    assert len(cache) == 1
    cache.close()
    reopened = DocstringCache(str(tmp_path / "c"))
    assert reopened.get(key) == {"summary": "Do f."}
    assert reopened.clear() == 1
    assert reopened.get(key) is None


def test_key_depends_on_every_part() -> None:
    base = {"source": "def f(): pass", "context": "", "provider": "azure", "model": "m", "prompt": 1}
    keys = {cache_key(**base)}
    for name, value in [("source", "def f(): return 1"), ("context", "import os"), ("provider", "openai"),
                        ("model", "n"), ("prompt", 2)]:
        keys.add(cache_key(**{**base, name: value}))
    assert len(keys) == 6
    assert cache_key(**base) == cache_key(**dict(reversed(list(base.items()))))


def test_corrupt_cache_degrades_with_one_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "cache.db").write_bytes(b"this is not a sqlite database" * 100)
    cache = DocstringCache(str(folder))
    with caplog.at_level(logging.WARNING):
        assert cache.get("k") is None
        cache.set("k", {"summary": "x"})
        assert cache.get("k") is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "continuing without a cache" in warnings[0].getMessage()
    assert not cache.available




def test_file_in_place_of_folder_degrades(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = DocstringCache(str(blocker / "cache"))
    cache.set("k", {"summary": "x"})
    assert cache.get("k") is None and not cache.available
