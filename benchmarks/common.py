"""Shared helpers for the benchmark scripts: synthetic cells and a median timer."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def synthetic_cell(functions: int, *, seed: str = "") -> str:
    """A cell of small, varied, undocumented functions and a class.

    Args:
        functions: How many functions.
        seed: Text mixed into names so different seeds never share cache entries.

    Returns:
        The cell text.
    """
    parts = []
    for i in range(functions):
        if i % 4 == 0:
            parts.append(f"def load_{seed}{i}(path: str, limit: int = 10, *, strict: bool = False) -> list[str]:\n"
                         f"    if limit < 0:\n        raise ValueError('limit')\n"
                         f"    return open(path).read().splitlines()[:limit]\n")
        elif i % 4 == 1:
            parts.append(f"def scale_{seed}{i}(values, factor=2.0):\n"
                         f"    for v in values:\n        yield v * factor\n")
        elif i % 4 == 2:
            parts.append(f"async def fetch_{seed}{i}(url: str, *args, **kwargs) -> bytes:\n"
                         f"    return url.encode()\n")
        else:
            parts.append(f"class Model{seed}{i}:\n    def __init__(self, alpha: float = 0.5):\n"
                         f"        self.alpha = alpha\n\n    def fit(self, x, y=None):\n"
                         f"        return self\n")
    return "\n\n".join(parts)


def median_seconds(run: Callable[[], object], repeat: int = 5, warmup: int = 1) -> float:
    """The median wall time of a callable.

    Args:
        run: The work to time.
        repeat: Timed runs.
        warmup: Untimed runs first.

    Returns:
        The median in seconds.
    """
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def table(rows: list[tuple[str, str, str]]) -> str:
    """A Markdown table of (measure, value, goal) rows.

    Args:
        rows: The rows.

    Returns:
        The table text.
    """
    lines = ["| measure | median | goal |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)
