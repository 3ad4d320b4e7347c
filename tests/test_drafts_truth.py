"""Offline drafts say only what is so, mark every gap so that every reader and ``--check`` sees it, and sit
where linters accept them: the corpus shapes and a sample of the standard library (docstrings stripped),
in every style.

1. One placeholder form, read as text (never as a type) by docstring_parser, Napoleon and numpydoc, and
   reported by ``--check`` in every section it can occur in.
2. docgen's own output passes its own check, placeholders aside, and every placeholder is reported.
3. "Whether" only for truth values; ``a or b`` says which operand it gives.
4. A default is given unless the text states that very value as the default.
5. Placement: a blank line under a function's header is taken by its docstring (D202); a class's docstring
   gets the blank line its convention asks for (D204).
"""

from __future__ import annotations

import ast
import functools
import json
import os
import re
import subprocess
from pathlib import Path

import docstring_parser
import pytest

from docgen_magic import api
from docgen_magic.core import drafts
from docgen_magic.core.cell import parse_cell
from docgen_magic.core.check import gaps
from docgen_magic.core.facts import Target, extract_targets, own_scope_nodes
from docgen_magic.core.model import ArgDoc, Docstring, ReturnsDoc
from docgen_magic.core.render import render
from docgen_magic.core.rules import PREDICATE_CALLS, Code, is_placeholder, states_default
from tests.shapes import SHAPES
from tests.stdlib_corpus import stdlib_modules, strip_docstrings

ROOT = Path(__file__).resolve().parent.parent
TOOLS_PYTHON = ROOT / ".venv-tools" / "bin" / "python"
RUFF = ROOT / ".venv" / "bin" / "ruff"
STYLES = ("google", "numpy", "sphinx")
RUFF_CONVENTION = {"google": "google", "numpy": "numpy", "sphinx": "pep257"}
SAMPLE_MODULES = 10

GAPS = '''\
import dataclasses


def pick(a, b):
    return (a_rather_long_function_name(a) + another_rather_long_function_name(a, a))


def walk(items):
    yield items[0]
    yield items[-1]


def fail(x):
    if x:
        pass
    raise LookupError


class Point:
    x: int


MISSING = object()


def field(*, default=MISSING, default_factory=MISSING):
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError('cannot specify both default and default_factory')
    return dataclasses.field(default=default, default_factory=default_factory)


def first(a, b):
    return a or b


def both(a, b):
    return a and b


def get(table, key, default=None):
    return table.get(key, default)


def blank(x):

    return x + 1


class Blank:


    y = 2
'''


def _document(source: str, style: str) -> str:
    return api.document(source, provider="offline", style=style, use_cache=False).code


def _targets(code: str) -> dict[str, Target]:
    return {t.qualname: t for t in extract_targets(parse_cell(code)) if t.docstring}


@functools.lru_cache(maxsize=1)
def _sample() -> tuple[tuple[str, str], ...]:
    return tuple((p.stem, strip_docstrings(p.read_text(encoding="utf-8"))) for p in stdlib_modules(SAMPLE_MODULES))


@functools.lru_cache(maxsize=3)
def _documented_sample(style: str) -> tuple[tuple[str, str], ...]:
    return tuple((name, _document(source, style)) for name, source in _sample())


# 1. One placeholder form ---------------------------------------------------------------------------------


@pytest.mark.parametrize("style", STYLES)
def test_check_reports_a_placeholder_in_every_section(style: str) -> None:
    found = _targets(_document(GAPS, style))
    expected = {"pick": ["parameter b", "Returns"], "walk": ["Yields"], "fail": ["Raises LookupError"],
                "Point": ["attribute x"]}
    for name, labels in expected.items():
        reported = dict(gaps(found[name])).get(Code.PLACEHOLDER, "")
        for label in labels:
            assert label in reported, (style, name, found[name].docstring)


@pytest.mark.parametrize("style", STYLES)
def test_docstring_parser_reads_placeholders_as_text(style: str) -> None:
    for target in _targets(_document(GAPS, style)).values():
        parsed = docstring_parser.parse(target.docstring or "")
        for meta in parsed.many_returns:
            assert not is_placeholder(meta.type_name), (style, target.qualname, target.docstring)
    returns = docstring_parser.parse(_targets(_document(GAPS, style))["pick"].docstring or "").returns
    assert returns is not None and is_placeholder(returns.description)


def test_napoleon_and_numpydoc_read_placeholders_as_text() -> None:
    if not TOOLS_PYTHON.exists():
        message = "Sphinx's and numpydoc's tool environment is missing: run `make tools`"
        pytest.fail(message) if os.environ.get("DOCGEN_REQUIRE_TOOLS") else pytest.skip(message)
    items = [{"style": style, "text": ast.get_docstring(t.node) or ""} for style in ("google", "numpy")
             for t in _targets(_document(GAPS, style)).values() if t.name in ("pick", "walk")]
    proc = subprocess.run([str(TOOLS_PYTHON), str(ROOT / "tests" / "readers_judge.py")], input=json.dumps(items),
                          capture_output=True, text=True, timeout=120, check=True)
    read = json.loads(proc.stdout)
    for item, found in zip(items, read, strict=True):
        rest = found["napoleon"]
        assert ":rtype: TODO" not in rest and "*TODO*" not in rest, rest  # never a type
        assert any(line.startswith((":returns:", ":Yields:")) and "TODO describe" in line
                   for line in rest.splitlines()), rest
        if item["style"] == "numpy":
            values = found["numpydoc"]["Returns"] + found["numpydoc"]["Yields"]
            assert values and all(is_placeholder(desc) and not is_placeholder(kind) for _, kind, desc in values)


def test_check_reports_placeholders_other_writers_left() -> None:
    code = ('def f(x):\n    """Do it.\n\n    Args:\n        x: The x value in metres.\n\n    Returns:\n'
            '        TODO: describe the return value.\n    """\n    return x\n\n\n'
            'class C:\n    """Hold.\n\n    :ivar size: TODO describe ``size``.\n    """\n\n    size = 1\n\n\n'
            'def g(x):\n    """Do it.\n\n    Parameters\n    ----------\n    x\n        FIXME.\n    """\n')
    found = {t.qualname: dict(gaps(t)) for t in extract_targets(parse_cell(code))}
    assert found["f"][Code.PLACEHOLDER].endswith(": Returns")
    assert found["C"][Code.PLACEHOLDER].endswith(": attribute size")
    assert found["g"][Code.PLACEHOLDER].endswith(": parameter x")


# 2. Own output passes own check ----------------------------------------------------------------------------


def _own_check_failures(documented: list[tuple[str, str]]) -> list[str]:
    wrong = []
    for name, code in documented:
        for target in _targets(code).values():
            codes = {c for c, _ in gaps(target)}
            if codes - {Code.PLACEHOLDER}:
                wrong.append(f"{name}: {target.qualname}: {gaps(target)}")
            if "TODO" in (target.docstring or "") and Code.PLACEHOLDER not in codes:
                wrong.append(f"{name}: {target.qualname}: placeholder not reported")
    return wrong


@pytest.mark.parametrize("style", STYLES)
def test_own_output_passes_own_check_on_the_shapes(style: str) -> None:
    documented = [(sid, r.code) for (sid, _), r in zip(SHAPES, api.document_cells_sync(
        [text for _, text in SHAPES], provider="offline", style=style, overwrite=True, use_cache=False),
        strict=True)]
    assert _own_check_failures([*documented, ("gaps", _document(GAPS, style))]) == []


@pytest.mark.parametrize("style", STYLES)
def test_own_output_passes_own_check_on_the_standard_library(style: str) -> None:
    assert _own_check_failures(list(_documented_sample(style))) == []


def test_a_raise_condition_about_defaults_is_prose_that_says_something() -> None:
    target = _targets(_document(GAPS, "google"))["field"]
    assert "If ``default is not MISSING`` and ``default_factory is not MISSING``" in (target.docstring or "")
    assert {code for code, _ in gaps(target)} <= {Code.PLACEHOLDER}  # its Returns: the call is too long to quote


# 3. Only true sentences -----------------------------------------------------------------------------------


def test_an_or_gives_one_of_its_operands() -> None:
    found = {t.qualname: t for t in extract_targets(parse_cell(GAPS))}
    assert drafts.returns_text(found["first"]) == "``a`` if it is truthy, else ``b``."
    assert drafts.returns_text(found["both"]) == "``b`` if ``a`` is truthy, else ``a``."
    code = "def f(a, b, c):\n    return a or b or c\n\ndef g(a, b):\n    return isinstance(a, int) or b > 1\n"
    f, g = extract_targets(parse_cell(code))
    assert drafts.returns_text(f) == "The first of ``a``, ``b`` and ``c`` that is truthy, else ``c``."
    assert drafts.returns_text(g) == "Whether ``isinstance(a, int) or b > 1``."


def _bool_valued(value: ast.expr) -> bool:
    """The test's own reading of a truth value: what Python's operators and the known predicates give."""
    if isinstance(value, ast.Compare) or (isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.Not)):
        return True
    if isinstance(value, ast.BoolOp):
        return all(_bool_valued(v) for v in value.values)
    if isinstance(value, ast.Constant):
        return value.value is True or value.value is False
    if isinstance(value, ast.Call):
        func = value.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name in PREDICATE_CALLS or name.lstrip("_").startswith(("is_", "has_"))
    return False


def test_every_whether_belongs_to_a_truth_valued_return_over_the_standard_library() -> None:
    checked = 0
    for name, source in _sample():
        for target in extract_targets(parse_cell(source)):
            if not isinstance(target.node, (ast.FunctionDef, ast.AsyncFunctionDef)) or not target.returns_value:
                continue
            values = [ast.dump(n.value) for n in own_scope_nodes(target.node) if isinstance(n, ast.Return)
                      and n.value is not None]
            for part in drafts.returns_text(target).split("; or "):  # one phrase per return
                if not part.lower().startswith("whether"):
                    continue
                checked += 1
                quoted = re.match(r"whether ``(.+?)``(?: |\.|$)", part, re.IGNORECASE)
                assert quoted, f"{name}: {target.qualname}: {part}"
                claim = ast.parse(quoted.group(1), mode="eval").body
                assert _bool_valued(claim) and ast.dump(claim) in values, f"{name}: {target.qualname}: {part}"
    assert checked >= 5


# 4. Defaults by value --------------------------------------------------------------------------------------


def test_a_parameter_named_default_gets_its_default() -> None:
    found = {t.qualname: t for t in extract_targets(parse_cell(GAPS))}
    get = found["get"]
    (default,) = [p for p in get.params if p.name == "default"]
    assert drafts.param_text(get, default).endswith("Defaults to None.")
    assert drafts.with_default("The value when missing, ``None`` by default.", default).count("None") == 1
    assert drafts.with_default("The default table to read.", default).endswith("Defaults to None.")
    assert not states_default("Defaults to 10.", "1")


def test_every_default_is_given_over_the_standard_library() -> None:
    lost = [f"{name}: {t.qualname}({p.name})" for name, source in _sample()
            for t in extract_targets(parse_cell(source)) for p in t.params
            if p.default is not None and not states_default(drafts.param_text(t, p), p.default)]
    assert lost == []


# 5. Placement -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("style", STYLES)
def test_the_docstring_takes_the_blank_line_under_the_header(style: str) -> None:
    code = _document(GAPS, style)
    assert ast.dump(ast.parse(GAPS)) == ast.dump(_strip(ast.parse(code)))
    lines = code.splitlines()
    after = lines[lines.index("def blank(x):") + 1:]
    closing = next(i for i, line in enumerate(after) if line.strip().endswith('"""') and i > 0)
    assert after[closing + 1] == "    return x + 1"
    after = lines[lines.index("class Blank:") + 1:]
    closing = next(i for i, line in enumerate(after) if line.strip().endswith('"""'))
    wanted = ["", "    y = 2"] if style != "google" else ["", "", "    y = 2"]
    assert after[closing + 1: closing + 1 + len(wanted)] == wanted


def _strip(tree: ast.Module) -> ast.Module:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and \
                ast.get_docstring(node, clean=False) is not None:
            node.body = node.body[1:] or [ast.Pass()]
    return tree


@pytest.mark.parametrize("style", STYLES)
def test_ruff_accepts_the_placement_over_the_standard_library(style: str, tmp_path: Path) -> None:
    for name, code in [*_documented_sample(style), ("gaps", _document(GAPS, style))]:
        (tmp_path / f"{name}.py").write_text(code, encoding="utf-8")
    proc = subprocess.run([str(RUFF), "check", "--isolated", "--select", "D2",
                           "--config", f"lint.pydocstyle.convention='{RUFF_CONVENTION[style]}'",
                           "--output-format", "concise", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert [line for line in proc.stdout.splitlines() if ": D" in line] == []


# 6. Richer drafts, where they can be true ---------------------------------------------------------------------

USES = '''\
class Reader:
    def __init__(self, path, verbose=False, strict=True, ctx=None, rest=(), name="x", options=None):
        self.path = path
        if verbose:
            print("opening")
        if not strict:
            return
        width = ctx.prec + ctx.rounding
        label = f"{name}!"
        super().__init__(**options)
        super(Reader, self).setup(path=path)

        def inner():
            return rest


def same(x, y):
    y = y + 1
    return x if y else y


def nested(flag, other):
    if other:
        if flag:
            print(flag)
    return other


def changed(x):
    x = str(x)
    print(x)
    return x
'''


def test_parameter_drafts_say_how_the_body_uses_them() -> None:
    found = {t.qualname: t for t in extract_targets(parse_cell(USES))}
    init = found["Reader.__init__"]
    texts = {p.name: drafts.param_text(init, p) for p in init.params}
    assert texts == {
        "path": "Stored as ``self.path``.",
        "verbose": "Whether to call ``print('opening')``. Defaults to False.",
        "strict": "When false, ``None`` is returned. Defaults to True.",
        "ctx": "Its ``.prec`` and ``.rounding`` are read. Defaults to None.",
        "rest": "Read by the nested ``inner``. Defaults to ().",
        "name": "Formatted into ``f'{name}!'``. Defaults to \"x\".",
        "options": "Its items are passed to the parent class's ``__init__`` as keyword arguments. Defaults to None.",
    }


def test_a_rebound_parameter_is_not_described_by_what_follows() -> None:
    found = {t.qualname: t for t in extract_targets(parse_cell(USES))}
    changed = found["changed"]
    (x,) = changed.params
    assert drafts.param_text(changed, x) == "Passed to ``str``."  # not "Returned unchanged", not print's
    assert drafts.returns_text(changed) == "``x``."  # not "The given ``x``": it was rebound
    nested = found["nested"]
    assert drafts.param_text(nested, nested.params[0]) == "Passed to ``print``."  # not "When true, ...": nested


@pytest.mark.parametrize("text", ["A mapping: names to their values.", "Note: the rows, sorted.",
                                  "TODO: describe the return value.", "The ``a: b`` pairs: one per row."])
def test_a_google_value_without_a_type_is_never_read_as_one(text: str) -> None:
    (target,) = extract_targets(parse_cell("def f(x):\n    return x\n"))
    doc = Docstring(summary="Do it.", args=[ArgDoc("x", None, "The input, in metres.")],
                    returns=ReturnsDoc(None, text))
    value = render(doc, target, style="google").value
    parsed = docstring_parser.parse(value)
    assert parsed.returns is not None and parsed.returns.type_name is None, value
    first = value.split("Returns:\n", 1)[1].splitlines()[0]
    assert ":" not in re.sub(r"``.+?``", "", first), value  # Napoleon splits the first line at a colon


FLAGS = '''\
def run(verbose=False, strict=False, quiet=False, log=None):
    if verbose:
        print("hi")
    if strict:
        raise ValueError("strict")
    if quiet:
        log = None
    if log:
        log.write("x")
    return log


def shown(echo):
    if echo:
        print(echo)
    return echo
'''


def test_a_parameter_only_used_as_a_flag_says_whether_to_do_what_its_branch_does() -> None:
    found = {t.qualname: t for t in extract_targets(parse_cell(FLAGS))}
    run = found["run"]
    texts = {p.name: drafts.param_text(run, p) for p in run.params}
    assert texts["verbose"] == "Whether to call ``print('hi')``. Defaults to False."
    assert texts["strict"] == "Whether to raise ``ValueError``. Defaults to False."
    assert texts["quiet"] == "Whether to set ``log`` to ``None``. Defaults to False."
    shown = found["shown"]  # also printed and returned: not only a flag, so not "Whether to ..."
    assert not drafts.param_text(shown, shown.params[0]).startswith("Whether")


NAMES = '''\
def f(x):
    return x + 1


def g(verbose=False):
    if verbose:
        print("hi")
    return 1


def isfinite(x):
    return x == x


def load_rows(path):
    return open(path).readlines()


def by_city(rows):
    return {r: r for r in rows}


def config_path():
    return "a"
'''


def test_a_summary_that_only_restates_a_one_word_name_is_a_placeholder() -> None:
    summaries = {t.qualname: drafts.summary_for(t) for t in extract_targets(parse_cell(NAMES))}
    assert summaries == {"f": "TODO summarize ``f``.", "g": "TODO summarize ``g``.",
                         "isfinite": "TODO summarize ``isfinite``.", "load_rows": "Load the rows.",
                         "by_city": "Group by city.", "config_path": "Return the config path."}


def test_check_says_a_verb_and_the_name_says_nothing_beyond_the_name() -> None:
    code = ('def f(x):\n    """Return the f.\n\n    Args:\n        x: The number to add one to.\n\n    Returns:\n'
            '        ``x + 1``.\n    """\n    return x + 1\n\n\n'
            'def load_rows(path):\n    """Load the rows.\n\n    Args:\n        path: Passed to ``open``.\n\n'
            '    Returns:\n        The lines read.\n    """\n    return open(path).readlines()\n')
    found = {t.qualname: dict(gaps(t)) for t in extract_targets(parse_cell(code))}
    assert "says nothing beyond the name" in found["f"][Code.VACUOUS_SUMMARY]
    assert found["load_rows"] == {}
