"""Model-side benchmarks against the loopback fake of Azure OpenAI (real SDK, real HTTP on 127.0.0.1).

Measures: the concurrency ratio (a cell of 20 functions vs one function at 500 ms model latency; goal
<= 1.3x), a cold run vs a cached rerun, and the pipeline's own overhead against bare SDK calls.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from typing import Any

from common import median_seconds, synthetic_cell, table

from docgen_magic.api import document
from docgen_magic.infra.loop_thread import run_sync
from docgen_magic.settings import Settings, resolve_settings
from tests.fake_openai import FakeOpenAI

KEY = "bench-key-not-secret"
DEPLOYMENT = "bench-deployment"


def _settings(fake: FakeOpenAI, cache_dir: str, **changes: object) -> Settings:
    env = {"AZURE_OPENAI_ENDPOINT": fake.url, "AZURE_OPENAI_API_KEY": KEY, "AZURE_OPENAI_DEPLOYMENT": DEPLOYMENT}
    return resolve_settings({"cache_dir": cache_dir, **changes}, environ=env)  # default concurrency


def functions_only(n: int, seed: str) -> str:
    return "\n\n".join(f"def step_{seed}_{i}(frame, column: str = 'x', *, inplace: bool = False) -> int:\n"
                       f"    return len(column) + {i}\n" for i in range(n))


def concurrency_ratio(fake: FakeOpenAI, cache_dir: str) -> tuple[float, float]:
    fake.latency = 0.5
    settings = _settings(fake, cache_dir, use_cache=False)
    one = median_seconds(lambda: document(functions_only(1, "a"), settings=settings), repeat=3)
    twenty = median_seconds(lambda: document(functions_only(20, "b"), settings=settings), repeat=3)
    return one, twenty


def cold_vs_cached(fake: FakeOpenAI, cache_dir: str) -> tuple[float, float, int]:
    fake.latency = 0.5
    settings = _settings(fake, cache_dir)
    colds, warms = [], []
    requests_on_rerun = 0
    for i in range(3):
        cell = synthetic_cell(20, seed=f"c{i}_")
        start = time.perf_counter()
        document(cell, settings=settings)
        colds.append(time.perf_counter() - start)
        start = time.perf_counter()
        rerun = document(cell, settings=settings)
        warms.append(time.perf_counter() - start)
        requests_on_rerun += rerun.usage.requests
    return statistics.median(colds), statistics.median(warms), requests_on_rerun


class BareSDK:
    """Bare SDK calls for the same requests, with one client reused on the private loop (as the pipeline does)."""

    def __init__(self, fake: FakeOpenAI, n: int) -> None:
        """Build the requests of a cell of n functions.

        Args:
            fake: The running fake.
            n: How many functions.
        """
        from docgen_magic.core.cell import parse_cell
        from docgen_magic.core.facts import extract_targets
        from docgen_magic.core.ports import GenerationRequest
        from docgen_magic.core.prompt import build_context, build_messages, tool_definition

        cell = parse_cell(functions_only(n, "bare"))
        self.fake = fake
        self.requests = [(build_messages(GenerationRequest(target=t, context=build_context(cell, t))),
                          tool_definition(t)) for t in extract_targets(cell)]
        self.client: Any = None

    async def _calls(self) -> None:
        from openai import AsyncAzureOpenAI

        from docgen_magic.core.prompt import tool_choice

        if self.client is None:
            self.client = AsyncAzureOpenAI(azure_endpoint=self.fake.url, api_key=KEY, api_version="2024-10-21")
        await asyncio.gather(*(self.client.chat.completions.create(
            model=DEPLOYMENT, messages=m, tools=[tool], tool_choice=tool_choice(),
            max_completion_tokens=1024) for m, tool in self.requests))

    def run(self) -> None:
        """Send the requests concurrently and wait for every answer."""
        run_sync(self._calls())

    def close(self) -> None:
        """Close the client."""
        if self.client is not None:
            run_sync(self.client.close())


def overhead(fake: FakeOpenAI, cache_dir: str, n: int = 20) -> tuple[float, float]:
    """Bare SDK calls vs the pipeline for the same n functions, at 0 ms model latency, no cache.

    Args:
        fake: The running fake.
        cache_dir: A scratch cache folder.
        n: How many functions.

    Returns:
        (bare seconds, pipeline seconds), medians.
    """
    fake.latency = 0.0
    settings = _settings(fake, cache_dir, use_cache=False)
    bare_sdk = BareSDK(fake, n)
    try:
        bare = median_seconds(bare_sdk.run, repeat=5)
    finally:
        bare_sdk.close()
    pipeline = median_seconds(lambda: document(functions_only(n, "ovh"), settings=settings), repeat=5)
    return bare, pipeline


def main() -> list[tuple[str, str, str]]:
    """Run the benchmarks and print their table.

    Returns:
        The table rows.
    """
    with FakeOpenAI(api_key=KEY) as fake, tempfile.TemporaryDirectory() as cache_dir:
        one, twenty = concurrency_ratio(fake, cache_dir)
        cold, warm, rerun_requests = cold_vs_cached(fake, cache_dir)
        bare, pipeline = overhead(fake, cache_dir)
    rows = [
        ("1 function, 500 ms model latency", f"{one:.3f} s", ""),
        ("20 functions, 500 ms model latency", f"{twenty:.3f} s", ""),
        ("concurrency ratio (20 / 1)", f"{twenty / one:.2f}x", "<= 1.3x"),
        ("cold run, cell of 20 functions + classes", f"{cold:.3f} s", ""),
        ("cached rerun of the same cell", f"{warm * 1000:.1f} ms ({rerun_requests} requests)", "0 requests"),
        ("20 bare SDK calls, 0 ms latency", f"{bare * 1000:.1f} ms", ""),
        ("pipeline for 20 functions, 0 ms latency", f"{pipeline * 1000:.1f} ms", ""),
        ("pipeline overhead per function", f"{(pipeline - bare) / 20 * 1000:.2f} ms", ""),
    ]
    print(table(rows))
    return rows


if __name__ == "__main__":
    main()
