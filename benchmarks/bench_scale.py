"""Scale benchmarks against the loopback fake (real SDK, real HTTP on 127.0.0.1).

Prompt tokens per function for 1 / 20 / 100 functions of a realistic data-science cell (token proxy: the
request JSON, tools included, / 4 — what the fake reports), with the fake's prefix cache on (cached prompt
tokens as a provider that caches 1,024+-token prefixes reports them); whole-process wall times of the
``docgen`` command and in-process wall times of ``document()`` at 500 ms model latency; a 2,000-function run
against the fake's requests-per-minute and tokens-per-minute limits (429 share, throughput).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cells import data_science_cell, data_science_function
from common import ROOT, median_seconds, table

from docgen_magic.api import document
from docgen_magic.settings import resolve_settings
from tests.fake_openai import FakeOpenAI, charged_tokens

KEY = "bench-key-not-secret"
DEPLOYMENT = "bench-deployment"
SIZES = {1: data_science_function, 20: lambda: data_science_cell(1), 100: lambda: data_science_cell(5)}


def _env(fake: FakeOpenAI, cache_dir: str) -> dict[str, str]:
    return {"AZURE_OPENAI_ENDPOINT": fake.url, "AZURE_OPENAI_API_KEY": KEY, "AZURE_OPENAI_DEPLOYMENT": DEPLOYMENT,
            "DOCGEN_CACHE_DIR": cache_dir}


def prompt_tokens(fake: FakeOpenAI, cache_dir: str) -> list[tuple[str, str, str]]:
    """Prompt tokens per function, as sent and as not served from the prefix cache.

    Args:
        fake: The running fake.
        cache_dir: A scratch cache folder.

    Returns:
        Table rows.
    """
    fake.latency, fake.prefix_cache = 0.0, True
    settings = resolve_settings({"use_cache": False}, environ=_env(fake, cache_dir))
    rows = []
    for n, make in SIZES.items():
        result = document(make(), settings=settings)
        assert result.ok and len(result.targets) == n, result.targets
        usage = result.usage
        per, fresh = usage.prompt_tokens / n, (usage.prompt_tokens - usage.cached_tokens) / n
        rows.append((f"prompt tokens per function, {n} function(s)", f"{per:.0f}",
                     "<= 400" if n == 20 else ""))
        rows.append((f"  not served from a 1,024+-token prefix cache, {n}", f"{fresh:.0f} "
                     f"({usage.requests} requests)", "<= 300" if n == 20 else ""))
    fake.prefix_cache = False
    return rows


def whole_process(fake: FakeOpenAI, cache_dir: str, repeat: int = 3) -> list[tuple[str, str, str]]:
    """The ``docgen`` command on a file of 1 / 20 / 100 functions at 500 ms latency, cold (new process).

    Args:
        fake: The running fake.
        cache_dir: A scratch cache folder.
        repeat: Runs per size (median).

    Returns:
        Table rows.
    """
    fake.latency = 0.5
    env = {**os.environ, **_env(fake, cache_dir), "DOCGEN_USE_CACHE": "0"}
    docgen = [sys.executable, "-m", "docgen_magic"]  # this checkout's (the installed script may be another's)
    rows, times = [], {}
    with tempfile.TemporaryDirectory() as folder:
        for n, make in SIZES.items():
            path = Path(folder, f"cell{n}.py")
            path.write_text(make())
            runs = []
            for _ in range(repeat):
                start = time.perf_counter()
                done = subprocess.run([*docgen, str(path), "-q"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                      check=False)
                runs.append(time.perf_counter() - start)
                assert done.returncode == 0
            times[n] = statistics.median(runs)
            rows.append((f"whole process, {n} function(s), 500 ms latency", f"{times[n]:.2f} s", ""))
    rows.append(("whole process ratio 100 / 1", f"{times[100] / times[1]:.2f}x", ""))
    return rows


def in_process(fake: FakeOpenAI, cache_dir: str) -> list[tuple[str, str, str]]:
    """``document()`` on 1 / 20 / 100 functions at 500 ms latency, warmed up, no docstring cache.

    Args:
        fake: The running fake.
        cache_dir: A scratch cache folder.

    Returns:
        Table rows.
    """
    fake.latency = 0.5
    settings = resolve_settings({"use_cache": False}, environ=_env(fake, cache_dir))
    times = {n: median_seconds(lambda make=make: document(make(), settings=settings), repeat=3)
             for n, make in SIZES.items()}
    rows = [(f"in process, {n} function(s), 500 ms latency", f"{t:.2f} s", "") for n, t in times.items()]
    rows.append(("in process ratio 100 / 1", f"{times[100] / times[1]:.2f}x", "<= 1.5x"))
    return rows


def rate_limited(fake: FakeOpenAI, cache_dir: str, copies: int = 100, rpm: int = 3000,
                 tpm: int = 1_500_000) -> list[tuple[str, str, str]]:
    """A 2,000-function run against requests-per-minute and tokens-per-minute limits (200 ms latency).

    Args:
        fake: The running fake.
        cache_dir: A scratch cache folder.
        copies: Copies of the 20-definition data-science cell.
        rpm: The fake's requests-per-minute limit.
        tpm: The fake's tokens-per-minute limit.

    Returns:
        Table rows: the 429 share of all requests and the throughput against the allowed one.
    """
    fake.reset()
    fake.latency = 0.2
    fake.rate_limit(rpm, tpm)
    settings = resolve_settings({"use_cache": False}, environ=_env(fake, cache_dir))
    try:
        start = time.perf_counter()
        result = document(data_science_cell(copies), settings=settings)
        elapsed = time.perf_counter() - start
    finally:
        fake.rate_limit(None)
    n, sent = len(result.targets), len(fake.requests)
    charged = [charged_tokens(r["body"]) for r in fake.requests if r["status"] == 200]
    allowed = min(rpm / 60, tpm / 60 / statistics.mean(charged))
    rate = n / elapsed
    return [
        (f"{n:,} functions at {rpm:,} RPM / {tpm:,} TPM: 429s", f"{fake.rate_limited} of {sent:,} requests "
         f"({fake.rate_limited / sent:.1%}), {len(result.failed)} failed", "< 2%"),
        ("  throughput (whole run, startup included)", f"{rate:.1f} functions/s of {allowed:.1f} allowed "
         f"({rate / allowed:.0%}), {elapsed:.1f} s", "> 80%"),
    ]


def batch_run(fake: FakeOpenAI, cache_dir: str, copies: int = 5) -> list[tuple[str, str, str]]:
    """A 100-function cell in batch mode, end to end: upload, create, poll, download, validate, splice.

    Args:
        fake: The running fake.
        cache_dir: A scratch cache folder.
        copies: Copies of the 20-definition data-science cell.

    Returns:
        Table rows.
    """
    fake.reset()
    fake.latency, fake.batch_seconds = 0.0, 1.0
    settings = resolve_settings({"use_cache": False, "batch": True, "batch_poll": 0.5},
                                environ=_env(fake, cache_dir))
    start = time.perf_counter()
    result = document(data_science_cell(copies), settings=settings)
    elapsed = time.perf_counter() - start
    fake.batch_seconds = 0.0
    n = len(result.targets)
    return [(f"batch mode, {n} functions (1 s batch, 0.5 s polls)",
             f"{len(result.documented)} documented, {elapsed:.2f} s, {len(fake.batch_calls)} Batch API calls, "
             f"{len(fake.requests)} online requests, {result.usage.prompt_tokens:,} prompt tokens", "")]


def main() -> list[tuple[str, str, str]]:
    """Run the scale benchmarks and print their table.

    Returns:
        The table rows.
    """
    with FakeOpenAI(api_key=KEY) as fake, tempfile.TemporaryDirectory() as cache_dir:
        rows = prompt_tokens(fake, cache_dir)
        rows += whole_process(fake, cache_dir)
        rows += in_process(fake, cache_dir)
        rows += rate_limited(fake, cache_dir)
        rows += batch_run(fake, cache_dir)
    print(table(rows))
    return rows


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
