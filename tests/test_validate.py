"""Validation of answers (schema + facts), conforming, coverage checks and the offline templates."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import jsonschema
import pytest

from docgen_magic.core.cell import parse_cell
from docgen_magic.core.check import check_target, coverage
from docgen_magic.core.facts import Target, extract_targets
from docgen_magic.core.model import Docstring, docstring_schema
from docgen_magic.core.ports import GenerationRequest
from docgen_magic.core.rules import Code, is_placeholder, words
from docgen_magic.core.validate import (
    conform,
    parse_arguments,
    schema_problems,
    schema_valid,
    validate,
    yielded_type,
)
from docgen_magic.providers.offline import OfflineProvider, summary_for, template
from tests.shapes import SHAPES

CELL = '''
import os

def load(path: str, *cols, limit: int = 10, **opts) -> list[str]:
    if limit < 0:
        raise ValueError("negative")
    try:
        return open(path).read().splitlines()[:limit]
    except KeyError:
        raise
    finally:
        pass

def stream(items) -> "Iterator[int]":
    for item in items:
        yield item

def note(x):
    print(x)

class Point:
    x: int
    y: int = 0

    def __init__(self, x: int) -> None:
        self.x = x
        self.label = "p"

    @property
    def norm(self) -> float:
        return abs(self.x)
'''


def targets() -> dict[str, Target]:
    return {t.qualname: t for t in extract_targets(parse_cell(CELL))}


def good(target: Target) -> dict[str, Any]:
    """A draft made a model's answer: a placeholder is not an answer, so each is written as prose."""
    data = template(target)
    data["summary"] = "Do the thing."
    for key in ("args", "raises", "attributes", "returns", "yields"):
        for entry in data[key] if isinstance(data[key], list) else [data[key]] if data[key] else []:
            if is_placeholder(entry["description"]):
                entry["description"] = "Model prose on what it means."
    return data


def codes(data: object, target: Target) -> list[str]:
    return [p.code for p in validate(data, target)]


def test_templates_pass_for_every_target() -> None:
    for target in targets().values():
        assert validate(good(target), target) == [], target.qualname


def test_missing_unknown_and_duplicate_params() -> None:
    target = targets()["load"]
    data = good(target)
    data["args"] = [a for a in data["args"] if a["name"] != "limit"]
    data["args"].append({"name": "lmit", "type": None, "description": "Typo."})
    data["args"].append(dict(data["args"][0]))
    found = validate(data, target)
    assert sorted(p.code for p in found) == ["duplicate-param", "missing-param", "unknown-param"]
    message = next(p.message for p in found if p.code == "missing-param")
    assert "`limit`" in message


def test_star_names_match_with_or_without_stars() -> None:
    target = targets()["load"]
    data = good(target)
    for arg in data["args"]:
        arg["name"] = arg["name"].lstrip("*")
    assert validate(data, target) == []
    doc = conform(Docstring.from_dict(data), target)
    assert [a.name for a in doc.args] == ["path", "*cols", "limit", "**opts"]


def test_returns_yields_and_raises_follow_the_code() -> None:
    found = targets()
    load = good(found["load"])
    load["returns"] = None
    load["raises"] = [{"exception": "IndexError", "description": "Never."}]
    assert sorted(codes(load, found["load"])) == ["missing-raise", "missing-returns", "unknown-raise"]
    note = good(found["note"])
    note["returns"] = {"type": None, "description": "Nothing."}
    note["yields"] = {"type": None, "description": "Nothing."}
    assert sorted(codes(note, found["note"])) == ["unexpected-returns", "unexpected-yields"]
    stream = good(found["stream"])
    stream["yields"] = None
    assert codes(stream, found["stream"]) == ["missing-yields"]


def test_class_attributes_checked() -> None:
    point = targets()["Point"]
    data = good(point)
    data["attributes"] = [a for a in data["attributes"] if a["name"] != "label"]
    data["attributes"].append({"name": "z", "type": None, "description": "Invented."})
    assert sorted(codes(data, point)) == ["missing-attribute", "unknown-attribute"]
    assert [a.name for a in point.attributes] == ["x", "y", "label"]


def test_schema_problems_are_reported_with_a_path() -> None:
    target = targets()["note"]
    data = good(target)
    data["args"][0]["name"] = 3
    del data["raises"]
    data["extra"] = True
    found = validate(data, target)
    assert {p.code for p in found} == {"schema"}
    text = " ".join(p.message for p in found)
    assert "args/0/name" in text and "'raises' is a required property" in text and "'extra'" in text


@pytest.mark.parametrize("strict", [True, False])
def test_schema_problems_are_exactly_jsonschemas_verdict(strict: bool) -> None:
    schema = docstring_schema(strict=strict)
    jsonschema.Draft202012Validator.check_schema(schema)
    reference = jsonschema.Draft202012Validator(schema)
    rng = random.Random(7)
    base = good(targets()["Point"])
    mutations = [None, 1, 1.5, "x", [], {}, [{"name": "a"}], {"type": None, "description": "d"}, True]
    for _ in range(400):
        data = json.loads(json.dumps(base))
        for _ in range(rng.randint(0, 3)):
            key = rng.choice([*list(data), "bogus"])
            if rng.random() < 0.2 and key in data:
                del data[key]
            else:
                data[key] = rng.choice(mutations)
        problems = schema_problems(data, strict=strict)
        assert (not problems) == reference.is_valid(data) == schema_valid(data, strict=strict), data
        assert all(p.code == "schema" and p.message.startswith("Schema error at ") for p in problems)


def test_a_float_is_not_an_integer_and_an_any_of_names_its_closest_branch() -> None:
    integer = {"type": "integer"}
    assert not jsonschema.Draft202012Validator(integer).is_valid(1.5)  # the hand-written engine said valid
    target = targets()["note"]
    data = good(target)
    data["returns"] = {"type": None, "description": 7}
    (problem,) = schema_problems(data, strict=True)
    assert "returns/description" in problem.message and "7 is not of type 'string'" in problem.message


def test_offline_drafts_skip_the_schema_check() -> None:
    target = targets()["note"]
    broken = good(target)
    broken["extra"] = 1  # a schema error the facts check does not see
    assert validate(broken, target, check_schema=False) == []
    assert [p.code for p in validate(broken, target)] == ["schema"]


def test_parse_arguments_problems() -> None:
    assert parse_arguments(None)[1][0].code == "no-tool-call"
    assert parse_arguments('{"summary": ')[1][0].code == "malformed-json"
    assert parse_arguments("[1]")[1][0].code == "malformed-json"
    assert parse_arguments('{"a": 1}') == ({"a": 1}, [])


def test_conform_takes_types_from_the_code_and_drops_inventions() -> None:
    found = targets()
    data = good(found["load"])
    data["args"] = [*reversed(data["args"]), {"name": "ghost", "type": "int", "description": "No."}]
    data["args"][0]["type"] = "WRONG"
    data["returns"]["type"] = "dict"
    data["raises"].append({"exception": "OSError", "description": "Invented."})
    doc = conform(Docstring.from_dict(data), found["load"])
    assert [(a.name, a.type) for a in doc.args] == [("path", "str"), ("*cols", None), ("limit", "int"),
                                                    ("**opts", "WRONG")]
    assert doc.returns is not None and doc.returns.type == "list[str]"
    assert [r.exception for r in doc.raises] == ["ValueError", "KeyError"]  # KeyError: the bare re-raise
    stream = conform(Docstring.from_dict(good(found["stream"])), found["stream"])
    assert stream.yields is not None and stream.yields.type == "int"


def test_yielded_type() -> None:
    assert yielded_type("Generator[str, None, None]") == "str"
    assert yielded_type("AsyncIterator[dict[str, int]]") == "dict[str, int]"
    assert yielded_type("int") is None and yielded_type(None) is None and yielded_type("[[") is None


def test_raise_caught_by_its_own_try_is_not_a_fact() -> None:
    cell = parse_cell("def f(x):\n    try:\n        raise KeyError(x)\n    except KeyError:\n        return 0\n"
                      "    raise TypeError\n")
    (target,) = extract_targets(cell)
    assert target.raises == ("TypeError",)


def test_check_reports_gaps_of_existing_docstrings() -> None:
    cell = parse_cell('''
def a(x, y):
    """Only a summary."""
    return x

def b(x):
    """Sum.

    Args:
        x: First term.
        z: Gone.

    Raises:
        ValueError: Bad.
    """
    raise ValueError

def c(items):
    """Stream.

    Parameters
    ----------
    items : list
        Values to stream.

    Yields
    ------
    int
        Each value, unchanged.
    """
    yield from items

def d():
    pass
''')
    found = {t.qualname: check_target(t) for t in extract_targets(cell)}
    assert found["a"] is not None and found["a"].codes == ("missing-param", "missing-returns")
    assert "x, y" in found["a"].message
    assert found["b"] is not None and found["b"].codes == ("unknown-param",)
    assert found["c"] is None
    assert found["d"] is not None and found["d"].codes == ("no-docstring",)
    assert coverage(extract_targets(cell)) == (1, 4)


def test_template_summaries_read_naturally() -> None:
    found = targets()
    assert words("loadCSVFile") == ["load", "CSV", "file"]
    assert summary_for(found["load"]) == "Load the path."
    assert summary_for(found["Point"]) == "Point holding the x, y and label."
    assert summary_for(found["Point.__init__"]) == "Initialize the Point."
    assert summary_for(found["Point.norm"]) == "The norm."
    assert summary_for(found["stream"]) == "TODO summarize ``stream``."  # "Yield the stream." restates it
    cell = parse_cell("def is_valid(x): return bool(x)\ndef to_float(v): return float(v)\n")
    is_valid, to_float = extract_targets(cell)
    assert summary_for(is_valid) == "Return whether it is valid."
    assert summary_for(to_float) == "Convert to float."


@pytest.mark.parametrize(("shape_id", "text"), SHAPES, ids=[s[0] for s in SHAPES])
def test_offline_answers_validate_for_every_shape(shape_id: str, text: str) -> None:
    provider = OfflineProvider()
    for target in extract_targets(parse_cell(text)):
        reply = asyncio.run(provider.generate(GenerationRequest(target=target)))
        data, problems = parse_arguments(reply.arguments)
        # As a model's answer (schema and prose judged), a draft passes but for its honest placeholders.
        found = [p for p in validate(data, target) if p.code != Code.PLACEHOLDER]
        assert problems == [] and found == [], (shape_id, target.qualname)


def test_offline_runs_never_import_jsonschema() -> None:
    """Its import costs about 0.1 s of CPU; offline drafts are valid by construction."""
    import subprocess
    import sys

    code = ("import sys, docgen_magic; docgen_magic.document('def f(a):\\n    return a\\n', provider='offline'); "
            "print('jsonschema' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_schema_check_does_not_build_rfc3987_syntax_grammar_and_iri_checks_still_work() -> None:
    """jsonschema's ``iri`` checkers (used by e.g. jupyter_events) load the real module when first used."""
    import importlib.util
    import subprocess
    import sys

    if importlib.util.find_spec("rfc3987_syntax") is None or importlib.util.find_spec("rfc3987") is not None:
        pytest.skip("jsonschema does not use rfc3987_syntax here")
    code = """if True:
        import json, sys
        from docgen_magic.core.validate import prepare_schema_check, schema_valid
        prepare_schema_check()
        loaded = 'rfc3987_syntax' in sys.modules or 'lark' in sys.modules
        from jsonschema import Draft7Validator
        samples = ['https://例え.jp/a?b=1#c', 'a b', '../x', 'http://[::1', '']
        checker = Draft7Validator.FORMAT_CHECKER
        verdicts = [checker.conforms(s, f) for s in samples for f in ('iri', 'iri-reference')]
        import rfc3987_syntax
        real = [rfc3987_syntax.is_valid_syntax(t, s) for s in samples for t in ('iri', 'iri_reference')]
        print(json.dumps([loaded, verdicts, real, type(rfc3987_syntax).__name__, schema_valid({}, strict=True)]))
    """
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded, verdicts, real, module_type, valid = json.loads(out.stdout)
    assert not loaded
    assert verdicts == real and True in real and False in real
    assert module_type == "module" and valid is False
