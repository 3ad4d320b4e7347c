"""Concurrency that fits the server, measured against the loopback fake (real SDK, real HTTP on 127.0.0.1).

- Azure-style limits: 60 functions against a deployment allowing 600 requests a minute, enforced as Azure
  does over 1 s and 10 s windows (10 a second) while its headers count the minute. Goals: at most 5% of the
  requests are 429s; wall time at most 1.3 x 6 s + 1 s.
- A one-slot server (``--slots 1``, 0.3 s an answer, as llama.cpp / Ollama / LM Studio by default, reached as
  they are: ``--provider openai`` with a base URL): default settings vs ``--concurrency 1``; goals: within
  1.25x, no timeouts, about two requests in flight.
- An unlimited server at 500 ms: 20 functions still take about one round trip.

The fake runs in its own process (``python -m tests.fake_openai``), as a real server does: in the client's
process it would share the interpreter lock, and on a busy machine its answers (a 429 above all) would wait for
the client's own work, which no real server does.

Run: ``.venv/bin/python benchmarks/bench_server_fit.py [--repeat N]``; prints medians (state the machine's load).
``.venv-model/bin/python benchmarks/bench_server_fit.py --real FILE [--repeat N]`` documents FILE against the real
llama.cpp server (``tests/real_server.py``) with default settings and with ``--concurrency 1``, N times each,
alternating, and prints wall time, requests, timeouts and where each docstring came from, then the medians.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from common import ROOT, table

from docgen_magic.api import close, document
from docgen_magic.settings import resolve_settings

KEY = "bench-key-not-secret"


def functions(n: int, seed: str) -> str:
    return "\n\n".join(f"def step_{seed}_{i}(frame, column: str = 'x') -> int:\n    return len(column) + {i}\n"
                       for i in range(n))


@dataclass
class FakeServer:
    """The fake in its own process: its URL, then (once stopped) what it saw."""

    url: str
    requests: list[tuple[float, int | None]] = field(default_factory=list)
    max_concurrent: int = 0

    @property
    def rate_limited(self) -> int:
        return sum(status == 429 for _, status in self.requests)


@contextlib.contextmanager
def fake_server(*options: str) -> Iterator[FakeServer]:
    command = [sys.executable, "-m", "tests.fake_openai", "--api-key", KEY, *options]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    server = FakeServer(process.stdout.readline().strip().removeprefix("FAKE_OPENAI_URL="))
    try:
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=30)
        for line in out.splitlines():
            if line.startswith("FAKE_OPENAI_REPORT="):
                report = json.loads(line.removeprefix("FAKE_OPENAI_REPORT="))
                server.requests = [(at, status) for at, status in report["requests"]]
                server.max_concurrent = report["max_concurrent"]


def run(fake: FakeServer, cell: str, cache_dir: str, *, local: bool = False, **changes: object) -> tuple[float, object]:
    """Document ``cell`` against the fake: as an Azure deployment, or (``local``) as a compatible server."""
    env = {"AZURE_OPENAI_ENDPOINT": fake.url, "AZURE_OPENAI_API_KEY": KEY, "AZURE_OPENAI_DEPLOYMENT": "bench"}
    if local:  # as llama.cpp, Ollama or LM Studio are reached: the openai provider with a base URL
        env = {"OPENAI_BASE_URL": fake.url + "/v1", "OPENAI_API_KEY": KEY}
        changes = {"provider": "openai", **changes}
    settings = resolve_settings({"cache_dir": cache_dir, "use_cache": False, **changes}, environ=env)
    start = time.perf_counter()
    result = document(cell, settings=settings)
    wall = time.perf_counter() - start
    close()  # a fresh limiter for the next run: each measures a first encounter with the server
    return wall, result


def azure_windows(cache_dir: str, repeat: int) -> tuple[float, float, int]:
    walls, shares, failed = [], [], 0
    for i in range(repeat):
        with fake_server("--latency", "0.2", "--rpm", "600", "--short-windows") as fake:
            wall, result = run(fake, functions(60, f"az{i}"), cache_dir)
        walls.append(wall)
        shares.append(fake.rate_limited / len(fake.requests))
        failed += len(result.failed)  # type: ignore[attr-defined]
    return statistics.median(walls), statistics.median(shares), failed


def one_slot(cache_dir: str, repeat: int) -> tuple[float, float, int, int]:
    defaults, ones, timeouts, peak = [], [], 0, 0
    for i in range(repeat):
        for concurrency, walls in ((None, defaults), (1, ones)):
            with fake_server("--latency", "0.3", "--slots", "1") as fake:
                changes = {} if concurrency is None else {"concurrency": concurrency}
                wall, result = run(fake, functions(9, f"slot{i}{concurrency}"), cache_dir, local=True, timeout=5.0,
                                   **changes)
            walls.append(wall)
            timeouts += sum("timed out" in (t.error or "") for t in result.targets)  # type: ignore[attr-defined]
            if concurrency is None:
                peak = max(peak, fake.max_concurrent)
    return statistics.median(defaults), statistics.median(ones), timeouts, peak


def round_trip(cache_dir: str, repeat: int) -> tuple[float, float]:
    ones, twenties = [], []
    with fake_server("--latency", "0.5") as fake:
        for i in range(repeat):
            ones.append(run(fake, functions(1, f"rt1_{i}"), cache_dir)[0])
            twenties.append(run(fake, functions(20, f"rt20_{i}"), cache_dir)[0])
    return statistics.median(ones), statistics.median(twenties)


def real_server(path: str, repeat: int) -> None:
    """Default settings vs ``--concurrency 1``, alternating (ABBA) so drift in the machine's load cancels out.

    Both send ``temperature=0``: the model then writes the same answers to the same prompts, and the two runs
    differ only in how they send them (at the server's default temperature the answers, and so the re-asks and
    the wall time, vary from run to run more than the two ways of sending do).
    """
    from tests.real_server import MODEL_NAME, real_server

    source = Path(path).read_text(encoding="utf-8")
    walls: dict[str, list[float]] = {"default settings": [], "--concurrency 1": []}
    order = [({}, "default settings"), ({"concurrency": 1}, "--concurrency 1")]
    with real_server() as url, tempfile.TemporaryDirectory() as cache_dir:
        for changes, label in [pair for i in range(repeat) for pair in (order if i % 2 == 0 else order[::-1])]:
            settings = resolve_settings({"provider": "openai", "openai_base_url": url, "model": MODEL_NAME,
                                         "cache_dir": cache_dir, "use_cache": False, "send_temperature": True,
                                         **changes}, environ={})
            start = time.perf_counter()
            result = document(source, settings=settings)
            wall = time.perf_counter() - start
            close()
            origins: dict[str, int] = {}
            for target in result.targets:
                key = target.status if target.status != "documented" else getattr(target, "origin", "documented")
                origins[key] = origins.get(key, 0) + 1
            timeouts = sum("timed out" in (t.error or "") for t in result.targets)
            walls[label].append(wall)
            print(f"{label}: {wall:.0f} s, {result.usage.requests} requests, {timeouts} timeouts, {origins}, "
                  f"load average {os.getloadavg()[0]:.1f}", flush=True)
    default, one = (statistics.median(w) for w in walls.values())
    print(f"median of {repeat}: default {default:.0f} s, --concurrency 1 {one:.0f} s: {default / one:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--real", metavar="FILE", help="document FILE against the real llama.cpp server instead")
    args = parser.parse_args()
    if args.real:
        real_server(args.real, args.repeat)
        return
    with tempfile.TemporaryDirectory() as cache_dir:
        az_wall, az_share, az_failed = azure_windows(cache_dir, args.repeat)
        default, one, timeouts, peak = one_slot(cache_dir, args.repeat)
        single, twenty = round_trip(cache_dir, args.repeat)
    print(f"load average: {os.getloadavg()[0]:.2f}")
    print(table([
        ("60 functions, 600 RPM over 1 s / 10 s windows: wall", f"{az_wall:.2f} s", "<= 8.8 s"),
        ("  share of requests answered 429", f"{az_share:.1%}", "<= 5%"),
        ("  targets failed", str(az_failed), "0"),
        ("one-slot server, 9 functions at 0.3 s: default / --concurrency 1", f"{default / one:.2f}x "
         f"({default:.2f} / {one:.2f} s)", "<= 1.25x"),
        ("  timeouts; most in flight at the server (default)", f"{timeouts}; {peak}", "0; about 2 after the start"),
        ("20 functions vs 1 at 500 ms", f"{twenty:.2f} / {single:.2f} s", "about one round trip"),
    ]))


if __name__ == "__main__":
    main()
