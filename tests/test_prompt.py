"""What a model is sent: the compact context (imports and other signatures, no bodies) and the facts lines."""

from __future__ import annotations

from docgen_magic.core.cell import parse_cell
from docgen_magic.core.facts import extract_targets
from docgen_magic.core.ports import GenerationRequest
from docgen_magic.core.prompt import build_context, build_messages

CELL = '''import numpy as np
from pathlib import Path
%matplotlib inline

def load(path: Path, *, limit: int = 10) -> list[str]:
    secret_body_marker = 1
    return path.read_text().splitlines()[:limit]

class Model:
    def fit(self, x, y=None):
        body_of_fit = 2
        return self

def clean(rows):
    return [r.strip() for r in rows]
'''


def test_context_is_imports_and_other_signatures_without_bodies() -> None:
    cell = parse_cell(CELL)
    targets = {t.qualname: t for t in extract_targets(cell)}
    context = build_context(cell, targets["clean"])
    assert context.splitlines() == [
        "import numpy as np",
        "from pathlib import Path",
        "def load(path: Path, *, limit: int=10) -> list[str]:",
        "    ...",
        "class Model:",
        "",
        "    def fit(self, x, y=None):",
        "        ...",
    ]
    assert "secret_body_marker" not in context and "body_of_fit" not in context and "matplotlib" not in context
    assert "def clean" not in context  # the target's own definition is sent once, as its source


def test_messages_carry_the_source_the_context_and_the_names_to_cover() -> None:
    cell = parse_cell(CELL)
    load = extract_targets(cell)[0]
    context = build_context(cell, load)
    system, user = build_messages(GenerationRequest(target=load, context=context))
    assert system["role"] == "system" and user["role"] == "user"
    text = user["content"]
    assert "Target: function `load`." in text
    assert "Parameters to document, in order: path, limit." in text
    assert "It returns a value: fill returns." in text
    assert f"Source:\n```python\n{load.source}\n```" in text
    assert f"signatures only):\n```python\n{context}\n```" in text


def test_refinement_lists_the_problems_with_the_previous_answer() -> None:
    from docgen_magic.core.validate import Problem

    load = extract_targets(parse_cell(CELL))[0]
    problem = Problem("missing-param", "Parameter `limit` is not documented.")
    messages = build_messages(GenerationRequest(target=load, attempt=2, previous_arguments='{"summary": "x"}',
                                                problems=(problem,)))
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[2]["content"].endswith('{"summary": "x"}')
    assert "- Parameter `limit` is not documented." in messages[3]["content"]


def test_source_block_of_a_method_is_dedented_as_a_whole() -> None:
    from docgen_magic.core.cell import parse_cell
    from docgen_magic.core.facts import extract_targets
    from docgen_magic.core.prompt import source_block

    code = ("class A:\n    @property\n    def x(self):\n        if self:\n            return 1\n        return 2\n\n"
            "    def outer(self):\n        def inner(y):\n            return y\n        return inner\n")
    found = {t.qualname: t for t in extract_targets(parse_cell(code), nested_functions=True)}
    assert source_block(found["A.x"]) == "@property\ndef x(self):\n    if self:\n        return 1\n    return 2"
    assert source_block(found["A.outer.inner"]) == "def inner(y):\n    return y"
    tabs = extract_targets(parse_cell("class T:\n\tdef m(self):\n\t\treturn 1\n"))[1]
    assert source_block(tabs) == "def m(self):\n\treturn 1"
