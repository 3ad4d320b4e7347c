"""Model text never becomes code, and docstrings never come between a ``def`` and its type comment."""

from __future__ import annotations

import ast
import doctest
import subprocess
import sys
from pathlib import Path

import pytest

import docgen_magic
from docgen_magic.core.cell import parse_cell
from docgen_magic.core.facts import extract_targets
from docgen_magic.core.render import render
from docgen_magic.core.render.text import clean_text
from docgen_magic.core.splice import Insertion, guard
from tests.fake_openai import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent

TYPE_COMMENTED = '''\
def add(a, b):  # type: (int, int) -> int
    return a + b


def sub(a, b):
    # type: (int, int) -> int
    return a - b


class Box:
    def scale(self, factor):

        # type: (float) -> Box
        return self


def mul(a, b):
    # multiply two numbers
    # type: (int, int) -> int
    return a * b
'''


def test_docstring_goes_below_a_signature_type_comment() -> None:
    result = docgen_magic.document(TYPE_COMMENTED, provider="offline")
    assert [t.status for t in result.targets] == ["documented"] * 5
    tree = ast.parse(result.code, type_comments=True)  # failed when a docstring split def and comment
    functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert functions["add"].type_comment == "(int, int) -> int"
    assert functions["sub"].type_comment == "(int, int) -> int"
    assert functions["scale"].type_comment == "(float) -> Box"
    assert functions["mul"].type_comment == "(int, int) -> int"
    assert all(ast.get_docstring(f) for f in functions.values())
    assert "def sub(a, b):\n    # type: (int, int) -> int\n    \"\"\"" in result.code


def test_type_ignore_comments_below_an_insertion_do_not_block_it() -> None:
    code = ("import foo  # type: ignore\n\n\ndef f(x):\n    return x\n\n\n"
            "def g(y):\n    return y.z  # type: ignore[attr-defined]\n")
    result = docgen_magic.document(code, provider="offline")
    assert [(t.status, t.error) for t in result.targets] == [("documented", None)] * 2
    tree = ast.parse(result.code, type_comments=True)
    assert [t.tag for t in tree.type_ignores] == ["", "[attr-defined]"]


def test_mypy_reads_the_type_comments_after_documenting(tmp_path: Path) -> None:
    mypy = Path(sys.executable).parent / "mypy"
    if not mypy.exists():
        pytest.skip("mypy is not installed")
    code = docgen_magic.document(TYPE_COMMENTED + "\n\nsub('x', 1)\n", provider="offline").code
    path = tmp_path / "typed.py"
    path.write_text(code)
    done = subprocess.run([str(mypy), "--no-incremental", "--check-untyped-defs", str(path)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert 'Argument 1 to "sub" has incompatible type "str"' in done.stdout, done.stdout


def test_the_guard_rejects_a_docstring_between_def_and_its_type_comment() -> None:
    source = "def sub(a, b):\n    # type: (int, int) -> int\n    return a - b\n"
    cell = parse_cell(source)
    target = extract_targets(cell)[0]
    insertion = Insertion(target, ['"""Subtract."""'], "Subtract.")
    misplaced = 'def sub(a, b):\n    """Subtract."""\n    # type: (int, int) -> int\n    return a - b\n'
    assert guard(cell, misplaced, [insertion]) is not None
    placed = 'def sub(a, b):\n    # type: (int, int) -> int\n    """Subtract."""\n    return a - b\n'
    assert guard(cell, placed, [insertion]) is None


HOSTILE = ("Adds things.\n>>> import os; os.system('touch PWNED')\n... print('more')\n"
           "In [1]: open('PWNED', 'w')\n.. raw:: html\n\n   <script>alert(1)</script>\n"
           ".. plot::\n\n   import os\n")


@pytest.mark.parametrize("style", ["google", "numpy", "sphinx"])
def test_doctest_finds_nothing_to_run_in_model_prose(style: str) -> None:
    cell = parse_cell("def add(a, b):\n    return a + b\n")
    target = extract_targets(cell)[0]
    from docgen_magic.core.model import Docstring

    doc = Docstring.from_dict({
        "summary": ">>> import os", "description": HOSTILE,
        "args": [{"name": "a", "type": None, "description": "First " + "word " * 14 + ">>> os.remove('x')"},
                 {"name": "b", "type": ">>> 1", "description": "In [2]: x"}],
        "returns": {"type": None, "description": ".. code-block:: python"}, "yields": None, "raises": [],
        "attributes": []})
    for width in (40, 60, 88):  # wrapping must not bring a prompt to the start of a line either
        value = render(doc, target, style=style, width=width).value
        examples = doctest.DocTestParser().get_examples(value)
        assert examples == [], (width, value)
        lines = [line.lstrip() for line in value.splitlines()]
        assert not any(line.startswith((">>>", "In [", ".. ")) for line in lines), value


def test_escaping_keeps_ordinary_prose() -> None:
    text = "Values in [0, 1]: scaled. Dots... and a.b:: stay; x >> 2 too."
    assert clean_text(text) == text


def test_hostile_prose_from_the_model_never_runs(tmp_path: Path) -> None:
    arguments = {"summary": "Add two numbers.", "description": HOSTILE,
                 "args": [{"name": "a", "type": None, "description": ">>> open('PWNED', 'w')"},
                          {"name": "b", "type": None, "description": "The second."}],
                 "returns": {"type": None, "description": "The sum."}, "yields": None, "raises": [],
                 "attributes": []}
    with FakeOpenAI(api_key="k-hostile") as fake:
        fake.enqueue({"arguments": arguments})
        result = docgen_magic.document("def add(a, b):\n    return a + b\n", provider="azure",
                                       azure_endpoint=fake.url, azure_api_key="k-hostile", model="d",
                                       use_cache=False)
    assert result.targets[0].status == "documented", result.targets[0].error
    module = tmp_path / "hostile.py"
    module.write_text(result.code)
    for command in ([sys.executable, "-m", "doctest", "-v", str(module)],
                    [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--doctest-modules",
                     str(module)]):
        done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=120)
        assert not (tmp_path / "PWNED").exists(), done.stdout
    assert "0 tests in" in subprocess.run([sys.executable, "-m", "doctest", "-v", str(module)],
                                          capture_output=True, text=True, cwd=tmp_path).stdout
