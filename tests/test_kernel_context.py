"""Kernel context: the calls found in executed cells, resolved against a real namespace of real pandas / numpy
objects, described safely (no user code runs, no value is read), and used by drafts, the prompt and the cache.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest

from docgen_magic import api
from docgen_magic.core.cell import parse_cell
from docgen_magic.core.facts import Param, ParamKind, extract_targets
from docgen_magic.core.observed import (
    FRAME,
    Observation,
    Seen,
    contradicts,
    phrase,
    report,
    seen_line,
    type_text,
    unsaid,
)
from docgen_magic.infra.namespace import describe, gather
from tests.fake_openai import FakeOpenAI

PLANTED = "PLANTED-7Q-value"
"""A value planted in the data: it must never reach a request, a cache entry, an output or a log."""

DEFINING = '''import pandas as pd


def clean(df, col):
    return df.dropna(subset=[col])


def scale(values, factor: int = 2):
    return values * factor


def load(path, sep=","):
    return pd.read_csv(path, sep=sep)


def report_on(table, limit):
    return summarise(table, limit)


class Meter:
    def __init__(self, readings):
        self.readings = readings

    def push(self, x):
        self.readings.append(x)
        return self

    @classmethod
    def empty(cls, size):
        return cls([0] * size)
'''

HELPER = '''def summarise(frame, limit):
    """Summarise a frame.

    Args:
        frame: The frame to summarise.
        limit: Rows kept per group, at most.
    """
    return frame.head(limit)
'''

CALLS = '''sales = pd.DataFrame({"city": ["Oslo", PLANTED], "month": [1, 2], "temp_c": [3.5, 4.0]})
weights = np.linspace(0.0, 1.0, 12).reshape(4, 3)
clean(sales, "temp_c")
clean(col="month", df=sales)
m = Meter([])
m.push(weights)
Meter.empty(3)
for name, part in {"a": weights[0]}.items():
    scale(part)
scale(values=weights, factor=0.5)
'''


def namespace() -> dict[str, Any]:
    """A kernel-like namespace after running the cells: its objects, and the cells in ``In``."""
    ns: dict[str, Any] = {"PLANTED": PLANTED, "In": ["", "import numpy as np", DEFINING, HELPER, CALLS]}
    exec("import numpy as np", ns)
    exec(DEFINING, ns)
    exec(HELPER, ns)
    exec(CALLS, ns)
    return ns


def observations(ns: dict[str, Any], mode: str = "schema") -> dict[str, Observation]:
    cell = parse_cell(DEFINING)
    return gather(extract_targets(cell), ns, history=ns["In"], mode=mode)


# -- gathering ----------------------------------------------------------------------------------------------


def test_positional_keyword_method_classmethod_and_loop_variable_calls_are_resolved() -> None:
    seen = observations(namespace())
    clean = seen["clean"]
    assert clean.calls == 2
    assert [s.type for s in clean.params["df"]] == ["pandas.DataFrame"]
    frame = clean.params["df"][0]
    assert frame.kind == FRAME and [name for name, _ in frame.fields] == ["city", "month", "temp_c"]
    assert dict(frame.fields)["temp_c"] == "float64" and frame.index == "RangeIndex"
    assert type_text(clean.params["col"]) == "str"
    push = seen["Meter.push"].params["x"][0]  # m.push(weights): the method of m's class
    assert (push.type, push.dtype, push.shape) == ("numpy.ndarray", "float64", (4, 3))
    assert type_text(seen["Meter.empty"].params["size"]) == "int"  # Meter.empty(3)
    assert type_text(seen["Meter.__init__"].params["readings"]) == "list"  # Meter([])
    scale = seen["scale"]  # scale(part) with the loop variable still bound, and scale(values=weights, ...)
    assert {s.shape for s in scale.params["values"]} == {(3,), (4, 3)}
    assert type_text(scale.params["factor"]) == "float"


def test_inherited_descriptions_come_from_a_library_and_from_a_helper_of_an_earlier_cell() -> None:
    seen = observations(namespace())
    load = seen["load"].inherited
    assert load["sep"].source == "pandas.read_csv" and load["sep"].name == "sep"
    assert load["sep"].description.startswith("Character or regex pattern")
    assert load["path"].name == "filepath_or_buffer"  # positional: mapped through the signature
    helper = seen["report_on"].inherited
    assert helper["table"].source == "summarise" and helper["table"].description == "The frame to summarise."
    assert helper["limit"].description == "Rows kept per group, at most."


def test_globals_a_function_reads_are_described() -> None:
    ns = namespace()
    ns["THRESHOLD"] = 0.5
    cell = parse_cell("def hot(df):\n    return df[df.temp_c > THRESHOLD], sales\n")
    seen = gather(extract_targets(cell), ns, history=[], mode="schema")
    assert {name: s.type for name, s in seen["hot"].globals.items()} == {"THRESHOLD": "float",
                                                                          "sales": "pandas.DataFrame"}


def test_the_cell_itself_counts_as_history_and_a_name_not_in_the_namespace_is_skipped() -> None:
    ns = {"xs": [1, 2.5]}
    cell = parse_cell("def total(values):\n    return sum(values)\n\ntotal(xs)\ntotal(missing)\n")
    seen = gather(extract_targets(cell), ns, cell=cell, mode="schema")
    assert seen["total"].calls == 2 and type_text(seen["total"].params["values"]) == "list[int | float]"


def test_off_observes_nothing_and_types_lists_no_names() -> None:
    ns = namespace()
    assert observations(ns, "off") == {}
    frame = observations(ns, "types")["clean"].params["df"][0]
    assert frame.fields == () and frame.field_count == 3
    assert "city" not in seen_line(extract_targets(parse_cell(DEFINING))[0], observations(ns, "types")["clean"])


# -- describing safely --------------------------------------------------------------------------------------


class Trap:
    """Every hook that could run user code records that it ran."""

    ran: ClassVar[list[str]] = []

    def __repr__(self) -> str:
        Trap.ran.append("repr")
        return "Trap"

    def __len__(self) -> int:
        Trap.ran.append("len")
        return 1

    def __iter__(self) -> Any:
        Trap.ran.append("iter")
        return iter([PLANTED])

    def __getattr__(self, name: str) -> Any:
        Trap.ran.append("getattr " + name)
        return PLANTED

    def __eq__(self, other: object) -> bool:
        Trap.ran.append("eq")
        return False

    def __hash__(self) -> int:
        Trap.ran.append("hash")
        return 1

    @property
    def value(self) -> str:
        Trap.ran.append("property")
        return PLANTED


class TrapList(list):  # type: ignore[type-arg]
    def __iter__(self) -> Any:
        Trap.ran.append("list iter")
        return super().__iter__()


class TrapMeta(type):
    def __getattribute__(cls, name: str) -> Any:
        Trap.ran.append("meta " + name)
        return super().__getattribute__(name)


class Sneaky(metaclass=TrapMeta):
    pass


def test_no_user_code_runs_while_describing_and_resolving() -> None:
    Trap.ran = []
    ns = {"t": Trap(), "tl": TrapList([1]), "s": Sneaky()}
    cell = parse_cell("def use(a, b, c, d, e):\n    return t\n\n"
                      "use(t, t.value, t.anything, tl, s)\n")
    seen = gather(extract_targets(cell), ns, cell=cell, mode="schema")
    assert Trap.ran == []
    params = seen["use"].params
    assert type_text(params["a"]).endswith("test_kernel_context.Trap") and "b" not in params and "c" not in params
    assert type_text(params["d"]).endswith("test_kernel_context.TrapList")  # a list subclass: its type only
    assert type_text(params["e"]).endswith("test_kernel_context.Sneaky")
    assert describe(Trap()).kind == "" and Trap.ran == []


def test_a_dict_is_a_record_only_with_few_identifier_keys() -> None:
    record = describe({"city": "x", "temp": 1.5})
    assert record.kind == "record" and record.fields == (("city", "str"), ("temp", "float"))
    words = describe({PLANTED: 3, "other words": 1})
    assert words.kind == "mapping" and words.fields == () and words.short == "dict[str, int]"
    many = describe({f"k{i}": i for i in range(21)})
    assert many.kind == "mapping" and PLANTED not in repr(words)


def test_column_labels_that_are_data_are_not_listed() -> None:
    pivot = pd.DataFrame([[1, 2]], columns=pd.to_datetime(["2024-01-01", "2024-02-01"]))
    seen = describe(pivot)
    assert seen.fields == () and seen.field_count == 2
    assert describe(pd.Series([PLANTED])).dtype in ("object", "str")


# -- the core's uses ----------------------------------------------------------------------------------------


def test_calls_that_disagree_list_every_type_and_an_annotation_that_disagrees_is_reported() -> None:
    ints, floats = Seen("int", bases=("int", "object")), Seen("float", bases=("float", "object"))
    assert type_text([ints, floats]) == "int | float"
    assert contradicts("str", [ints]) and not contradicts("float", [ints]) and not contradicts("Sequence", [ints])
    assert not contradicts("int | None", [ints]) and contradicts("Optional[str]", [floats])
    target = extract_targets(parse_cell("def f(n: str):\n    pass\n"))[0]
    lines = report(target, Observation(params={"n": (ints,)}, calls=1))
    assert lines == ["1 call seen", "n: annotated str, seen called with int; the annotation is kept"]


def test_a_frame_phrase_lists_the_columns_every_call_shares() -> None:
    one = Seen("pandas.DataFrame", kind=FRAME, fields=(("a", "int64"), ("b", "object")), field_count=2)
    two = Seen("pandas.DataFrame", kind=FRAME, fields=(("a", "int64"),), field_count=1)
    assert phrase([one]) == "Frame with columns a (int64), b (object)."
    assert phrase([one, two]) == "Frame with columns a (int64)."
    assert phrase([Seen("int")]) == ""


def test_check_says_when_a_frame_is_not_mentioned() -> None:
    target = extract_targets(parse_cell("def f(df, n):\n    pass\n"))[0]
    seen = Observation(params={"df": (Seen("pandas.DataFrame", kind=FRAME),), "n": (Seen("int"),)})
    assert unsaid(target, seen, {"df": "The input.", "n": "A count."}) == ["df (seen called with a DataFrame)"]
    assert unsaid(target, seen, {"df": "The sales frame.", "n": "A count."}) == []
    assert Param("x", ParamKind.POSITIONAL_OR_KEYWORD).name == "x"


def test_offline_drafts_write_the_types_and_columns(tmp_path: Path) -> None:
    result = api.document(DEFINING, provider="offline", namespace=namespace(), cache_dir=str(tmp_path))
    code = " ".join(result.code.split())  # rendered lines wrap
    text = pd.DataFrame({"s": ["x"]}).dtypes["s"]  # pandas 3 infers its str dtype, pandas 2 object
    assert f"df (pandas.DataFrame): Frame with columns city ({text}), month (int64), temp_c (float64)." in code
    assert "col (str):" in code
    assert "x (numpy.ndarray): Array of float64 (seen with shape (4, 3))." in code
    assert "values (numpy.ndarray): Array of float64 (seen with shape (3,) and (4, 3))." in code
    assert "factor (int): Used in" in code  # the annotation wins over the float it was called with
    scale = next(t for t in result.targets if t.name == "scale")
    assert "factor: annotated int, seen called with float; the annotation is kept" in scale.kernel
    assert "(as ``sep`` of ``pandas.read_csv``)" in code
    assert PLANTED not in code
    clean = next(t for t in result.targets if t.name == "clean")
    assert any(line.startswith("df: pandas.DataFrame with columns city") for line in clean.kernel)
    assert clean.to_dict()["kernel"] == clean.kernel


def test_off_writes_exactly_what_the_code_alone_gives(tmp_path: Path) -> None:
    alone = api.document(DEFINING, provider="offline", cache_dir=str(tmp_path))
    off = api.document(DEFINING, provider="offline", namespace=namespace(), kernel_context="off",
                       cache_dir=str(tmp_path))
    def outcomes(result: Any) -> list[dict[str, Any]]:
        return [{k: v for k, v in t.to_dict().items() if k != "elapsed_s"} for t in result.targets]

    assert off.code == alone.code and outcomes(off) == outcomes(alone)


def _messages(fake: FakeOpenAI) -> list[str]:
    return [json.dumps(r["body"]) for r in fake.requests if r.get("body")]


def test_the_request_carries_the_context_line_and_the_cache_key_follows_it(
        azure_env: dict[str, str], fake_openai: FakeOpenAI, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ns = namespace()
    result = api.document(DEFINING, namespace=ns)
    assert result.ok
    bodies = {json.loads(b)["messages"][1]["content"].split("Target: ")[1].split("`")[1]: b
              for b in _messages(fake_openai)}
    clean = json.loads(bodies["clean"])["messages"][1]["content"]
    text = pd.DataFrame({"s": ["x"]}).dtypes["s"]
    assert (f"Seen in this kernel: df: pandas.DataFrame with columns city ({text}), month (int64), temp_c (float64);"
            " index RangeIndex; col: str.") in clean
    assert "passed as sep to pandas.read_csv" in json.loads(bodies["load"])["messages"][1]["content"]
    everything = "\n".join(_messages(fake_openai)) + result.code + json.dumps(result.to_dict()) + caplog.text
    cache = Path(azure_env["DOCGEN_CACHE_DIR"])
    for path in cache.rglob("*"):
        if path.is_file():
            everything += path.read_bytes().decode("utf-8", "replace")
    assert PLANTED not in everything and "Oslo" not in everything

    asked = len(fake_openai.requests)
    again = api.document(DEFINING, namespace=ns)  # same observations: every target from the cache
    assert len(fake_openai.requests) == asked and all(t.cached for t in again.documented)
    ns["In"].append("clean(sales.temp_c, 'x')")  # a column read through __getattr__ is not resolved: no change
    api.document(DEFINING, namespace=ns)
    assert len(fake_openai.requests) == asked
    ns["In"].append("clean(weights, 'x')")  # a new observation of clean: only clean is asked again
    api.document(DEFINING, namespace=ns)
    assert len(fake_openai.requests) == asked + 1


def test_off_sends_exactly_what_the_code_alone_sends(azure_env: dict[str, str], fake_openai: FakeOpenAI) -> None:
    api.document(DEFINING, use_cache=False)
    alone = sorted(_messages(fake_openai))
    fake_openai.requests.clear()
    api.document(DEFINING, use_cache=False, namespace=namespace(), kernel_context="off")
    assert sorted(_messages(fake_openai)) == alone and "Seen in this kernel" not in "".join(alone)


def test_check_reports_a_frame_the_docstring_does_not_mention() -> None:
    cell = ('def clean(df, col):\n    """Drop the gaps.\n\n    Args:\n        df: Rows to clean, one order each.\n'
            '        col: A column name.\n\n    Returns:\n        The rows kept.\n    """\n'
            '    return df.dropna(subset=[col])\n')
    ns = namespace()
    alone = api.check(cell)
    seen = api.check(cell, namespace=ns)
    assert alone.ok and not seen.ok and seen.complete == 0
    assert "df (seen called with a DataFrame)" in seen.findings[0].message
    assert seen.findings[0].codes == ("unsaid-type",)
    said = api.check(cell.replace("Rows to clean", "Sales frame to clean"), namespace=ns)
    assert said.ok
    assert api.check(cell, namespace=ns, kernel_context="off").ok


def test_a_very_wide_frame_is_counted_not_read_column_by_column() -> None:
    wide = pd.DataFrame(np.zeros((2, 2500)), columns=[f"c{i}" for i in range(2500)])
    seen = describe(wide)
    assert seen.kind == FRAME and seen.field_count == 2500 and seen.fields == ()
    assert phrase([seen]) == "Frame with 2500 columns."


def test_libraries_are_described_only_when_the_user_imported_them() -> None:
    import subprocess
    import sys

    code = ("import sys\nfrom docgen_magic.infra.namespace import describe\n"
            "print(describe({'a': [1.5]}).short, describe(object()).type)\n"
            "print(sorted(m for m in ('numpy', 'pandas', 'polars') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["dict[str, list] object", "[]"]


def test_a_polars_frame_is_described_from_its_schema_when_polars_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    polars = types.ModuleType("polars")

    class DataFrame:  # polars' own shape: a schema mapping names to dtypes
        schema: ClassVar[dict[str, str]] = {"city": "String", "temp_c": "Float64"}

    class Series:
        dtype = "Int64"

    polars.DataFrame, polars.Series = DataFrame, Series  # type: ignore[attr-defined]
    monkeypatch.setitem(__import__("sys").modules, "polars", polars)
    frame = describe(DataFrame())
    assert frame.kind == FRAME and frame.fields == (("city", "String"), ("temp_c", "Float64"))
    assert describe(Series()).dtype == "Int64"


def test_only_real_module_level_calls_count_however_the_history_is_written() -> None:
    ns = {"xs": [1], "ys": {"a": 1.0}}
    cell = parse_cell("def total(values):\n    return sum(values)\n")
    history = [
        'doc = """\ntotal(ys)\n"""\n',  # a call inside a string is no call
        "def later():\n    total(ys)\n",  # inside a function: its names are not the namespace's
        "[total(v) for v in ys]\n",  # a comprehension's variable is gone
        "s = ')'\ntotal(\nxs)\nq = [1,\n2]; total(xs)\n",  # brackets in strings, calls over lines, semicolons
        "x = (\n1\ntotal(ys)\n",  # not Python: skipped
    ]
    seen = gather(extract_targets(cell), ns, history=history, mode="schema")
    assert seen["total"].calls == 2 and type_text(seen["total"].params["values"]) == "list[int]"


def test_a_target_no_answer_of_which_passed_is_written_from_the_code_with_the_kernel_types(
        azure_env: dict[str, str], fake_openai: FakeOpenAI) -> None:
    cell = "def scale(values, factor: int = 2):\n    return values * factor\n"
    fake_openai.enqueue("malformed", "malformed", "malformed")
    result = api.document(cell, namespace=namespace(), use_cache=False)
    (outcome,) = result.targets
    assert outcome.origin == "code" and len(fake_openai.requests) == 3
    assert "values (numpy.ndarray): Array of float64" in " ".join(result.code.split())


def test_a_method_called_on_an_instance_of_a_subclass_is_seen() -> None:
    ns = namespace()
    exec("class Special(Meter):\n    pass\n\nspecial = Special([])\n", ns)
    cell = parse_cell(DEFINING)
    seen = gather(extract_targets(cell), ns, history=["special.push(3)"], mode="schema")
    assert type_text(seen["Meter.push"].params["x"]) == "int"
    assert "Meter.push" not in gather(extract_targets(cell), ns, history=["sales.push(3)"], mode="schema")


def test_a_method_a_subclass_overrides_is_not_the_one_called() -> None:
    ns = namespace()
    exec("class Loud(Meter):\n    def push(self, x):\n        return x\n\nloud = Loud([])\n", ns)
    cell = parse_cell(DEFINING)
    assert "Meter.push" not in gather(extract_targets(cell), ns, history=["loud.push(3)"], mode="schema")


def test_an_observation_that_contradicts_the_annotation_is_not_sent() -> None:
    target = extract_targets(parse_cell("def f(n: int, df):\n    pass\n"))[0]
    seen = Observation(params={"n": (Seen("float", bases=("float", "object")),), "df": (Seen("int"),)})
    assert seen_line(target, seen) == "Seen in this kernel: df: int."
