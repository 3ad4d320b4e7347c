"""The tests, and the package's modules among themselves, use docgen_magic through public names only.

No ``obj._private`` read, no ``_private`` import. A test that reads a private name pins an implementation detail
instead of a behaviour, and breaks (or, worse, keeps passing) when the implementation changes; a module that
reads another module's private name makes two modules one. Private names stay usable on ``self`` / ``cls``
(a class's own), inside the loopback fake (test code with internals of its own), and in the few places of the
package listed in :data:`PACKAGE_EXCEPTIONS` with their reasons.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
PACKAGE = TESTS.parent / "docgen_magic"
OWN_INTERNALS = {TESTS / "fake_openai.py"}
PACKAGE_EXCEPTIONS = {
    # ast's own public list of a node's fields.
    "core/splice.py": {"left._fields"},
    "infra/namespace.py": {"node._fields"},
    # Secret.__eq__ compares with another Secret.
    "settings.py": {"other._value"},
    # ipykernel >= 7.4's reply routing of a comm (no public API): see runtime._route_replies_here.
    "kernel/runtime.py": {"getattr(..., '_reply_subshell_lock')", "hasattr(..., '_reply_subshell_id')",
                          "comm._reply_subshell_id"},
}


def is_private(name: str) -> bool:
    """Whether a name is private: one leading underscore, and not a dunder or a ``_sunder_`` protocol name."""
    return name.startswith("_") and not name.endswith("_")


def private_reads(source: str) -> list[str]:
    """Every private name a test module reads from something other than itself, as ``line: text``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and is_private(node.attr):
            if not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("docgen_magic"):
            found += [f"{node.lineno}: from {node.module} import {a.name}" for a in node.names if is_private(a.name)]
        elif isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
            called = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            if called in ("getattr", "setattr", "delattr", "hasattr"):
                found += [f"{node.lineno}: {called}(..., {a.value!r})" for a in node.args
                          if isinstance(a, ast.Constant) and isinstance(a.value, str) and is_private(a.value)]
    return found


@pytest.mark.parametrize("path", sorted(set(TESTS.rglob("*.py")) - OWN_INTERNALS),
                         ids=lambda p: str(p.relative_to(TESTS)))
def test_reads_no_private_name(path: Path) -> None:
    assert private_reads(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", sorted(p for p in PACKAGE.rglob("*.py") if "labextension" not in p.parts),
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_package_reads_no_other_modules_private_name(path: Path) -> None:
    allowed = PACKAGE_EXCEPTIONS.get(path.relative_to(PACKAGE).as_posix(), set())
    found = [r for r in private_reads(path.read_text(encoding="utf-8")) if r.partition(": ")[2] not in allowed]
    assert found == []


def test_the_rule_catches_each_kind_of_private_read() -> None:
    source = ("from docgen_magic.api import _connections\n"
              "provider._client\n"
              "monkeypatch.setattr(api, '_session_usage', None)\n"
              "self._mine\n"
              "result._repr_mimebundle_()\n"
              "value.__class__\n")
    assert private_reads(source) == ["1: from docgen_magic.api import _connections", "2: provider._client",
                                     "3: setattr(..., '_session_usage')"]
