"""Model-side benchmarks against the loopback fake of Azure OpenAI (real SDK, real HTTP on 127.0.0.1).

Measures: the concurrency ratio (a cell of 20 functions vs one function at 500 ms model latency; goal
<= 1.3x), a cold run vs a cached rerun, and the pipeline's own overhead against bare SDK calls.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time

from common import median_seconds, synthetic_cell, table
from tests.fake_openai import FakeOpenAI

from docgen_magic.api import document
from docgen_magic.settings import resolve_settings

KEY = "bench-key-not-secret"
DEPLOYMENT = "bench-deployment"


def _settings(fake: FakeOpenAI, cache_dir: str, **changes: object):  # type: ignore[no-untyped-def]
    env = {"AZURE_OPENAI_ENDPOINT": fake.url, "AZURE_OPENAI_API_KEY": KEY, "AZURE_OPENAI_DEPLOYMENT": DEPLOYMENT}
    return resolve_settings({"cache_dir": cache_dir, "concurrency": 20, **changes}, environ=env)


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


async def _bare_sdk_calls(fake: FakeOpenAI, n: int) -> None:
    from openai import AsyncAzureOpenAI

    from docgen_magic.core.cell import parse_cell
    from docgen_magic.core.facts import extract_targets
    from docgen_magic.core.prompt import build_messages, tool_choice, tool_definition
    from docgen_magic.providers.base import GenerationRequest

    cell = parse_cell(functions_only(n, "bare"))
    messages = [build_messages(GenerationRequest(target=t)) for t in extract_targets(cell)]
    client = AsyncAzureOpenAI(azure_endpoint=fake.url, api_key=KEY, api_version="2024-10-21")
    try:
        await asyncio.gather(*(client.chat.completions.create(
            model=DEPLOYMENT, messages=m, tools=[tool_definition(strict=True)], tool_choice=tool_choice(),
            max_completion_tokens=1024) for m in messages))
    finally:
        await client.close()


def overhead(fake: FakeOpenAI, cache_dir: str, n: int = 20) -> tuple[float, float]:
    fake.latency = 0.0
    settings = _settings(fake, cache_dir, use_cache=False)
    bare = median_seconds(lambda: asyncio.run(_bare_sdk_calls(fake, n)), repeat=5)
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
