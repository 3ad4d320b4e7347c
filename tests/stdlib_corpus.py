"""The standard library as a corpus of real code: its modules, with their docstrings stripped.

Used by the drafts tests (a sample) and by ``benchmarks/bench_drafts_stdlib.py`` (the whole set).
"""

from __future__ import annotations

import ast
import sysconfig
from pathlib import Path

_SKIPPED = frozenset({"this.py", "antigravity.py", "__phello__.foo.py"})


def stdlib_modules(limit: int | None = None) -> list[Path]:
    """Return the standard library's top-level modules that parse, sorted by name.

    Args:
        limit: Keep only this many (spread evenly over the sorted list); all when None.

    Returns:
        The module files.
    """
    folder = Path(sysconfig.get_paths()["stdlib"])
    found = []
    for path in sorted(folder.glob("*.py")):
        if path.name in _SKIPPED:
            continue
        try:
            ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        found.append(path)
    if limit is None or limit >= len(found):
        return found
    step = len(found) / limit
    return [found[int(i * step)] for i in range(limit)]


def strip_docstrings(source: str) -> str:
    """Remove every docstring of a module (its own, its classes' and functions'), keeping the code.

    A body left empty gets ``pass``; a docstring sharing a line with other code is left in place.

    Args:
        source: The module's text.

    Returns:
        The text without docstrings (it parses to the same code).
    """
    lines = source.splitlines(keepends=True)
    tree = ast.parse(source)
    cuts: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if ast.get_docstring(node, clean=False) is None:
            continue
        doc = node.body[0]
        end = doc.end_lineno or doc.lineno
        header_end = node.lineno if not isinstance(node, ast.Module) else 0
        if doc.lineno == header_end or _shares_line(lines, doc):
            continue
        if len(node.body) > 1 and node.body[1].lineno == end:
            continue
        indent = lines[doc.lineno - 1][: doc.col_offset]
        cuts.append((doc.lineno, end, f"{indent}pass\n" if len(node.body) == 1 else ""))
    for start, end, replacement in sorted(cuts, reverse=True):
        lines[start - 1:end] = [replacement] if replacement else []
    return "".join(lines)


def _shares_line(lines: list[str], doc: ast.stmt) -> bool:
    """Whether anything but whitespace stands before the docstring on its first line or after it on its last."""
    first = lines[doc.lineno - 1]
    last = lines[(doc.end_lineno or doc.lineno) - 1]
    before = first.encode("utf-8")[: doc.col_offset].decode("utf-8", "replace")
    after = last.encode("utf-8")[doc.end_col_offset or 0:].decode("utf-8", "replace")
    return bool(before.strip()) or bool(after.split("#", 1)[0].strip())
