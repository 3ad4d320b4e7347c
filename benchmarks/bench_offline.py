"""Offline template speed: document 1,000 functions with the embedded provider (goal: under 1 s)."""

from __future__ import annotations

import ast

from common import median_seconds, synthetic_cell, table

from docgen_magic.api import document


def plain_functions(n: int) -> str:
    """A cell of ``n`` undocumented functions, each with parameters, a default, a raise and a return.

    Args:
        n: How many functions.

    Returns:
        The cell text.
    """
    return "\n\n".join(f"def step_{i}(frame, column: str = 'x', *, inplace: bool = False) -> int:\n"
                       f"    if column is None:\n        raise ValueError(column)\n    return len(column) + {i}\n"
                       for i in range(n))


def main() -> list[tuple[str, str, str]]:
    """Run the benchmark and print its table.

    Returns:
        The table rows.
    """
    rows = []
    for label, cell in (("1,000 module-level functions", plain_functions(1000)),
                        ("mixed cell: 750 functions + 250 classes with 2 methods", synthetic_cell(1000))):
        targets = sum(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                      for n in ast.walk(ast.parse(cell)))
        result = document(cell, provider="offline")
        assert result.ok and len(result.documented) == targets, result.failed[:3]
        seconds = median_seconds(lambda cell=cell: document(cell, provider="offline"), repeat=5)
        rows.append((f"offline, {label} ({targets} targets, one cell)", f"{seconds:.3f} s",
                     "< 1 s" if targets == 1000 else ""))
        rows.append(("  per target", f"{seconds / targets * 1e6:.0f} µs", ""))
    print(table(rows))
    return rows


if __name__ == "__main__":
    main()
