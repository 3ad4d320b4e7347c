"""The core depends only on itself: no module under docgen_magic/core imports a provider, the settings or a shell."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parent.parent / "docgen_magic" / "core"
# Third-party modules the core may use: IPython's input transformer (to read a cell as IPython runs it) and
# the docstring-parsing and schema libraries.
ALLOWED_THIRD_PARTY = ("IPython.core.inputtransformer2", "docstring_parser", "jsonschema")


def imports_of(path: Path) -> list[tuple[int, str]]:
    """Every absolute module a file imports, with its line (relative imports resolved against the core)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(("docgen_magic", *path.relative_to(CORE.parent).parent.parts))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                found.append((node.lineno, f"{base}.{node.module}" if node.module else base))
            else:
                found.append((node.lineno, node.module or ""))
    return found


def allowed(module: str) -> bool:
    """Whether the core may import a module: itself, the standard library or an allowed library."""
    if module == "docgen_magic.core" or module.startswith("docgen_magic.core."):
        return True
    top = module.split(".")[0]
    if top in sys.stdlib_module_names or top == "__future__":
        return True
    return any(module == name or module.startswith(name + ".") for name in ALLOWED_THIRD_PARTY)


CORE_FILES = sorted(CORE.rglob("*.py"))


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(CORE)))
def test_core_module_imports_only_the_core(path: Path) -> None:
    outside = [f"line {line}: {module}" for line, module in imports_of(path) if not allowed(module)]
    assert outside == [], f"{path.relative_to(CORE.parent.parent)} imports outside the core: {outside}"


def test_the_rule_catches_an_outside_import(tmp_path: Path) -> None:
    assert not allowed("docgen_magic.settings") and not allowed("docgen_magic.providers.chat")
    assert not allowed("openai") and not allowed("IPython.core.magic")
    assert allowed("docgen_magic.core.ports") and allowed("json") and allowed("IPython.core.inputtransformer2")
    assert len(CORE_FILES) > 10
