"""The docstring cache: round trip, keys, degradation to no cache."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
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


class Planted:
    """What an attacker with write access to a shared cache folder stores: a pickle that runs a command."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (os.system, (f"touch {self.marker}",))


def test_a_planted_pickle_is_never_executed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import diskcache

    folder, marker = tmp_path / "shared", tmp_path / "PWNED"
    key = cache_key(source="def f(): pass", model="m")
    with diskcache.Cache(str(folder)) as attacker:  # diskcache's default disk pickles the value
        attacker.set(key, Planted(marker))
        attacker.set(cache_key(source="other"), {"summary": "A pickled dict is refused too."})
    cache = DocstringCache(str(folder))
    with caplog.at_level(logging.WARNING):
        assert cache.get(key) is None
        assert cache.get(cache_key(source="other")) is None
    assert not marker.exists()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "never decoded" in warnings[0], warnings
    assert cache.available  # one bad entry is a miss; the cache keeps working
    cache.set(key, {"summary": "Do f."})
    assert cache.get(key) == {"summary": "Do f."}
    assert not marker.exists()


def test_values_are_stored_as_json_text(tmp_path: Path) -> None:
    cache = DocstringCache(str(tmp_path / "c"))
    cache.set("k", {"summary": "Do f — now.", "args": []})
    cache.close()
    with sqlite3.connect(tmp_path / "c" / "cache.db") as db:
        rows = db.execute("SELECT key, raw, mode, filename, value FROM Cache").fetchall()
    assert len(rows) == 1
    key, raw, _mode, filename, value = rows[0]
    assert (key, raw, filename) == ("k", 1, None)
    assert json.loads(bytes(value).decode("utf-8")) == {"summary": "Do f — now.", "args": []}


@pytest.mark.timeout(40)  # the old default waited 60 s for the lock
def test_a_locked_cache_is_given_up_quickly_with_one_warning(tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "locked"
    DocstringCache(str(folder)).set("k", {"summary": "x"})
    holder = sqlite3.connect(folder / "cache.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process in the middle of a long write
    try:
        cache = DocstringCache(str(folder))
        with caplog.at_level(logging.WARNING):
            for _ in range(5):
                cache.set("k2", {"summary": "y"})
                cache.get("k2")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "locked by another process" in warnings[0], warnings
    assert not cache.available


def test_a_planted_row_cannot_delete_files_outside_the_cache(tmp_path: Path) -> None:
    folder, victim = tmp_path / "shared", tmp_path / "work" / "analysis.py"
    victim.parent.mkdir()
    victim.write_text("precious = True\n")
    cache = DocstringCache(str(folder))
    cache.set("k", {"summary": "x"})
    cache.close()
    with sqlite3.connect(folder / "cache.db") as db:  # a row whose value file is the user's script
        db.execute("INSERT INTO Cache (key, raw, store_time, expire_time, access_time, access_count, tag, size,"
                   " mode, filename, value) VALUES ('planted', 1, 0, 1, 0, 0, NULL, 0, 2, ?, NULL)",
                   (os.path.relpath(victim, folder),))
    reopened = DocstringCache(str(folder))
    assert reopened.get("planted") is None  # expired: diskcache deletes the row and the file it names
    assert reopened.clear() >= 1
    assert victim.read_text() == "precious = True\n"
