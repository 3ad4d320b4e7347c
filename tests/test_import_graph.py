"""The package's import graph flows one way: no cycle (hidden in a function or not), no back edge, no private name.

Every import statement of every module counts: top-level, inside functions and (for the layers, not for cycles:
it never runs) under ``TYPE_CHECKING``. The
layers, lowest first: ``core`` (pure); ``infra`` and ``views``; ``settings``; ``providers``; ``api`` (the one
door); the shells ``kernel`` and ``cli``; the package's own ``__init__`` / ``__main__``. A module imports only
from its own layer's package or lower ones, and a shell reaches the core through the API: it imports the API,
the settings table (its options are generated from it), ``views``, its own package and, for the command line's
file handling, ``infra``. A function-local import of the package's own modules says why it waits, in a comment
on its line (start-up time is the one reason).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "docgen_magic"

LAYERS = {"core": 0, "infra": 1, "views": 1, "settings": 2, "providers": 3, "api": 4, "kernel": 5, "cli": 5,
          "": 6, "__main__": 6}
"""Rank of each part of the package (``""`` is the package's ``__init__``)."""

SHELL_MAY_IMPORT = {"kernel": {"api", "settings", "views", "kernel"}, "cli": {"api", "settings", "infra", "cli"}}



def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "labextension" not in p.parts}


def part_of(module: str) -> str:
    """The part of the package a module belongs to: ``core``, ``api``, ``kernel``... (``""`` for the root)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


@dataclass(frozen=True)
class Import:
    module: str
    line: int
    names: tuple[str, ...]
    local: bool
    typing_only: bool
    text: str


def _resolve(module: str, name: str | None) -> str:
    """``from module import name``: the module ``module.name`` when it is one, else ``module``."""
    if name is not None and f"{module}.{name}" in MODULES:
        return f"{module}.{name}"
    return module


def imports_of(name: str) -> Iterator[Import]:
    """Every import of the package's own modules by one module, resolved to the modules it loads."""
    source = MODULES[name].read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    local = {id(n) for f in functions for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom))}
    guarded = [n for n in ast.walk(tree) if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test)]
    typing_only = {id(n) for g in guarded for s in g.body for n in ast.walk(s)}
    is_package = MODULES[name].name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [(a.name, ()) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name if is_package else name.rpartition(".")[0]
                package = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{package}.{base}" if base else package
            targets = [(_resolve(base, a.name), (a.name,)) for a in node.names]
        else:
            continue
        for target, names in targets:
            if target == "docgen_magic" or target.startswith("docgen_magic."):
                yield Import(target, node.lineno, names, id(node) in local, id(node) in typing_only,
                             lines[node.lineno - 1])


GRAPH = {name: sorted({i.module for i in imports_of(name) if not i.typing_only} - {name}) for name in MODULES}
"""What each module loads when it runs (``TYPE_CHECKING`` imports left out), function-local imports included."""


def find_cycle(graph: dict[str, list[str]]) -> list[str]:
    """One cycle of the graph, as the modules along it, or an empty list."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return []

    for node in graph:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def test_the_graph_has_no_cycle() -> None:
    assert find_cycle(GRAPH) == []


def test_the_cycle_finder_finds_a_hidden_cycle() -> None:
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"], "d": []}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": ["b"], "b": [], "c": ["a"]}) == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_go_down_the_layers(name: str) -> None:
    part = part_of(name)
    wrong = []
    for imported in imports_of(name):
        other = part_of(imported.module)
        if other == part:
            continue
        if LAYERS[other] >= LAYERS[part] or (part in SHELL_MAY_IMPORT and other not in SHELL_MAY_IMPORT[part]):
            wrong.append(f"line {imported.line}: {imported.text.strip()}")
    assert list(dict.fromkeys(wrong)) == [], f"{name} imports against the layers"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_imports_another_modules_private_names(name: str) -> None:
    private = [f"line {i.line}: {i.text.strip()}" for i in imports_of(name)
               if any(n.startswith("_") and not n.endswith("__") for n in i.names)]
    assert private == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_a_function_local_import_says_why_it_waits(name: str) -> None:
    silent = [f"line {i.line}: {i.text.strip()}" for i in imports_of(name) if i.local and "#" not in i.text]
    assert silent == []


def test_the_rules_catch_what_they_should() -> None:
    assert part_of("docgen_magic.kernel.magic") == "kernel" and part_of("docgen_magic") == ""
    assert set(LAYERS) >= {part_of(name) for name in MODULES}
    assert "docgen_magic.kernel.protocol" in GRAPH["docgen_magic.kernel.magic"]
    assert len(MODULES) > 50
