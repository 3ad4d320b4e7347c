"""Shared fixtures: the loopback fake of Azure OpenAI / OpenAI and an environment pointing at it."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_openai import DISTINCTIVE_KEY as FAKE_KEY
from tests.fake_openai import FakeOpenAI

MODEL_ENV_NAMES = ("AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_DEPLOYMENT", "OPENAI_API_KEY",
                   "OPENAI_BASE_URL", "OPENAI_API_VERSION", "OPENAI_MODEL", "AZURE_OPENAI_AD_TOKEN")


@pytest.fixture(autouse=True)
def fresh_session() -> Iterator[None]:
    """Close the session's SDK clients and rate limiters after each test.

    A session shares them per endpoint, as it should; but a later test's fake may get an earlier fake's port,
    and must not inherit that deployment's learned rate limits.
    """
    yield
    import docgen_magic.api

    docgen_magic.api.close()


def kernel_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The environment for a kernel under test: no model variables, a private cache, plus ``extra``.

    Args:
        tmp: A temporary folder for the cache.
        **extra: Variables to add.

    Returns:
        The environment.
    """
    env = {k: v for k, v in os.environ.items() if k not in MODEL_ENV_NAMES and not k.startswith("DOCGEN_")}
    env["DOCGEN_CACHE_DIR"] = str(tmp / "cache")
    env.update(extra)
    return env


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A running fake that accepts FAKE_KEY."""
    with FakeOpenAI(api_key=FAKE_KEY) as fake:
        yield fake


@pytest.fixture
def azure_env(fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """Point the process environment at the fake as an Azure OpenAI resource (cache in tmp_path).

    Returns:
        The variables set, for subprocesses.
    """
    for name in MODEL_ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    for name in [n for n in os.environ if n.startswith("DOCGEN_")]:
        monkeypatch.delenv(name, raising=False)
    env = {"AZURE_OPENAI_ENDPOINT": fake_openai.url, "AZURE_OPENAI_API_KEY": FAKE_KEY,
           "AZURE_OPENAI_DEPLOYMENT": "docgen-test", "DOCGEN_CACHE_DIR": str(tmp_path / "cache")}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def sigint_raises() -> Iterator[None]:
    """Python's own SIGINT handler for the test: a shell starts background jobs with SIGINT ignored.

    Tests that send themselves a SIGINT (as a kernel interrupt or Ctrl-C does) need it to raise
    KeyboardInterrupt, whatever the disposition the test run inherited.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
