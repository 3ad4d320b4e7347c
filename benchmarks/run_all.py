"""Run every benchmark and print one table (the README quotes it)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from common import table  # noqa: E402


def main() -> None:
    """Run the benchmark modules in turn and print the combined table."""
    rows = []
    for name in ("bench_offline", "bench_validate", "bench_model", "bench_load", "bench_startup", "bench_scale",
                 "bench_context", "bench_drafts_stdlib"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            print(f"(skipping {name}: {exc})")
            continue
        print(f"\n## {name}")
        rows += module.main()
    print("\n## all\n" + table(rows))


if __name__ == "__main__":
    main()
