"""Offline template speed: document 1,000 functions with the embedded provider (goal: under 1 s)."""

from __future__ import annotations

import ast

from common import median_seconds, synthetic_cell, table

from docgen_magic.api import document


def main() -> list[tuple[str, str, str]]:
    """Run the benchmark and print its table.

    Returns:
        The table rows.
    """
    cell = synthetic_cell(1000)
    targets = sum(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                  for n in ast.walk(ast.parse(cell)))
    result = document(cell, provider="offline")
    assert result.ok and len(result.documented) == targets, result.failed[:3]
    seconds = median_seconds(lambda: document(cell, provider="offline"), repeat=5)
    rows = [(f"offline, {targets} targets in 1,000 functions (one cell)", f"{seconds:.3f} s", "< 1 s"),
            ("offline, per target", f"{seconds / targets * 1e6:.0f} µs", "")]
    print(table(rows))
    return rows


if __name__ == "__main__":
    main()
