"""What a model is sent: the lean context (only what the target uses, no bodies), the facts line, the tool cut
to the target's sections, and the cache keys that follow what a target uses.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

import docgen_magic
from docgen_magic.core.cell import parse_cell
from docgen_magic.core.facts import extract_targets
from docgen_magic.core.model import docstring_schema
from docgen_magic.core.ports import GenerationRequest
from docgen_magic.core.prompt import (
    answer_schema,
    build_context,
    build_messages,
    complete_answer,
    describe_target,
    shared_definitions,
    source_block,
    tool_definition,
    typed_by_code,
)
from docgen_magic.core.validate import validate
from tests.fake_openai import FakeOpenAI

CELL = '''import numpy as np
import json
from pathlib import Path
%matplotlib inline
LIMIT = 10

def load(path: Path, *, limit: int = LIMIT) -> list[str]:
    secret_body_marker = 1
    return path.read_text().splitlines()[:limit]

class Model:
    def __init__(self, alpha: float = 0.5):
        self.alpha = alpha

    def fit(self, x, y=None):
        body_of_fit = 2
        return self

    def score(self, x):
        return np.mean(self.fit(x).alpha)

def clean(rows):
    return [r.strip() for r in load(rows)]

def unrelated(a):
    raise ValueError(a)
'''


def _targets() -> tuple[object, dict[str, object]]:
    cell = parse_cell(CELL)
    return cell, {t.qualname: t for t in extract_targets(cell)}


def test_context_is_only_what_the_target_uses_as_signatures() -> None:
    cell, targets = _targets()
    assert build_context(cell, targets["clean"]).splitlines() == [
        "def load(path: Path, *, limit: int=LIMIT) -> list[str]: ...",
    ]
    assert build_context(cell, targets["load"]).splitlines() == ["from pathlib import Path", "LIMIT = 10"]
    assert build_context(cell, targets["unrelated"]) == ""
    every = "\n".join(build_context(cell, t) for t in targets.values())  # type: ignore[arg-type]
    assert "secret_body_marker" not in every and "body_of_fit" not in every and "matplotlib" not in every
    assert "import json" not in every  # no target names it


def test_a_method_sees_the_sibling_methods_it_calls_on_self() -> None:
    cell, targets = _targets()
    assert build_context(cell, targets["Model.score"]).splitlines() == [
        "import numpy as np",
        "class Model:",
        "    def fit(self, x, y=None): ...",
    ]


def test_a_class_is_sent_with_its_constructor_and_its_methods_as_signatures() -> None:
    _, targets = _targets()
    source = source_block(targets["Model"])  # type: ignore[arg-type]
    assert "self.alpha = alpha" in source and "body_of_fit" not in source
    assert "    def fit(self, x, y=None):\n        ...\n" in source
    assert "np.mean" not in source


def test_messages_put_the_context_first_and_the_target_last() -> None:
    cell, targets = _targets()
    load = targets["load"]
    context = build_context(cell, load)  # type: ignore[arg-type]
    system, user = build_messages(GenerationRequest(target=load, context=context))  # type: ignore[arg-type]
    assert system["role"] == "system" and user["role"] == "user"
    text = user["content"]
    assert text.index(context) < text.index("Target: function `load`.") < text.index("Source:\n```python\n")
    assert text.endswith(f"```python\n{load.source}\n```")  # type: ignore[attr-defined]
    assert describe_target(load) == "Target: function `load`. Args: path, limit. Returns: yes."  # type: ignore[arg-type]
    assert describe_target(targets["unrelated"]) == "Target: function `unrelated`. Args: a. Raises: ValueError."  # type: ignore[arg-type]


def test_refinement_lists_the_problems_with_the_previous_answer() -> None:
    from docgen_magic.core.validate import Problem

    _, targets = _targets()
    problem = Problem("missing-param", "Parameter `limit` is not documented.")
    messages = build_messages(GenerationRequest(target=targets["load"], attempt=2,  # type: ignore[arg-type]
                                                previous_arguments='{"summary": "x"}', problems=(problem,)))
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[2]["content"].endswith('{"summary": "x"}')
    assert "- Parameter `limit` is not documented." in messages[3]["content"]


def test_the_tool_offers_only_the_sections_the_target_can_have() -> None:
    _, targets = _targets()
    load = answer_schema(targets["load"])  # type: ignore[arg-type]
    assert list(load["properties"]) == ["summary", "description", "args", "returns"]
    assert load["required"] == list(load["properties"])
    assert load["properties"]["returns"].get("type") == "object"  # required and not nullable
    model = answer_schema(targets["Model"])  # type: ignore[arg-type]
    assert list(model["properties"]) == ["summary", "description", "attributes"]
    unrelated = answer_schema(targets["unrelated"])  # type: ignore[arg-type]
    assert list(unrelated["properties"]) == ["summary", "description", "args", "raises"]
    completed = complete_answer({"summary": "S.", "description": None, "args": [], "raises": []})
    jsonschema.validate(completed, docstring_schema(strict=True))


def test_the_tool_asks_no_type_the_code_states_and_validation_is_unchanged() -> None:
    _, targets = _targets()
    load, unrelated = targets["load"], targets["unrelated"]
    assert typed_by_code(load) == {"args", "returns"} and typed_by_code(unrelated) == set()  # type: ignore[arg-type]
    schema = answer_schema(load)  # type: ignore[arg-type]
    assert "type" not in schema["properties"]["args"]["items"]["properties"]
    assert "type" not in schema["properties"]["returns"]["properties"]
    assert "type" in answer_schema(unrelated)["properties"]["args"]["items"]["properties"]  # type: ignore[arg-type]
    lean = {"summary": "Read the lines of a file.", "description": None,
            "args": [{"name": "path", "description": "The file."}, {"name": "limit", "description": "At most."}],
            "returns": {"description": "The lines."}}
    jsonschema.validate(lean, answer_schema(load, strict=True))  # type: ignore[arg-type]
    assert validate(complete_answer(lean, load), load) == []  # type: ignore[arg-type]
    missing = {**lean, "args": lean["args"][:1]}
    assert [p.code for p in validate(complete_answer(missing, load), load)] == ["missing-param"]  # type: ignore[arg-type]
    untyped = {"summary": "Fail on a.", "description": None, "args": [{"name": "a", "description": "The value."}],
               "raises": [{"exception": "ValueError", "description": "Always."}]}
    assert [p.code for p in validate(complete_answer(untyped, unrelated), unrelated)] == ["schema"]  # type: ignore[arg-type]


@pytest.mark.parametrize("strict", [True, False])
def test_shared_definitions_accept_exactly_what_the_expanded_schema_accepts(strict: bool) -> None:
    full = docstring_schema(strict=strict)
    compact = shared_definitions(full)
    assert "$defs" in compact and len(json.dumps(compact)) < len(json.dumps(full))
    named = {"name": "x", "type": None, "description": "d."}
    typed = {"type": None, "description": "d."}
    good = {"summary": "S.", "description": None, "args": [named], "returns": typed, "yields": None,
            "raises": [{"exception": "E", "description": "d."}], "attributes": [named]}
    bad = [{**good, "args": [{"name": "x"}]}, {**good, "returns": {"description": "d.", "extra": 1}},
           {**good, "attributes": [typed]}, {**good, "yields": "text"}]
    for schema in (full, compact):
        jsonschema.validate(good, schema)
        for answer in bad:
            with pytest.raises(jsonschema.ValidationError):
                jsonschema.validate(answer, schema)
    assert tool_definition(None, strict=strict)["function"]["parameters"] == compact


SIX = '''def base(a, b=1):
    return a + b

def caller(x):
    return base(x)

def other(y):
    return y * 2

def fourth(z):
    return z

def fifth(w):
    return w

def sixth(v):
    return v
'''


def test_a_signature_edit_re_asks_that_target_and_its_callers_only(
        fake_openai: FakeOpenAI, azure_env: dict[str, str], tmp_path: Path) -> None:
    first = docgen_magic.document(SIX)
    assert first.ok and first.usage.requests == 6
    fake_openai.reset()
    edited = SIX.replace("def base(a, b=1):", "def base(a, b=1, *, c=0):")
    second = docgen_magic.document(edited)
    asked = sorted(t.name for t in second.targets if not t.cached)
    assert asked == ["base", "caller"] and second.usage.requests == 2
    body_edit = docgen_magic.document(edited.replace("return y * 2", "return y * 3"))
    assert [t.name for t in body_edit.targets if not t.cached] == ["other"]


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
