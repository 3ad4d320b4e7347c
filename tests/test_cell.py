"""Tests for reading notebook cells: IPython syntax, line mapping, line endings, syntax errors."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from docgen_magic.core.cell import (
    CellSyntaxError,
    dominant_newline,
    find_cell_magic,
    map_lines,
    mask,
    parse_cell,
    parse_python,
    split_lines,
)
from tests.shapes import SHAPE_IDS, SHAPE_TEXT, SHAPES


@pytest.mark.parametrize(("shape_id", "text"), SHAPES, ids=SHAPE_IDS)
def test_every_shape_parses_and_keeps_the_text(shape_id: str, text: str) -> None:
    cell = parse_cell(text)
    assert cell.text == text
    assert "".join(cell.lines) == text


def test_empty_and_whitespace_cells_have_no_statements() -> None:
    for text in ("", "   \n\n\t\n"):
        cell = parse_cell(text)
        assert cell.module.body == []
        assert cell.cell_magic is None
        assert cell.text == text


@pytest.mark.parametrize(("text", "name"), [
    ("\n  \n%%bash -l\necho hi\n", "bash"),
    ("%%writefile out.py\nprint(1)\n", "writefile"),
    ("%%html\n<b>x</b>\n", "html"),
    ("%%sql\nselect 1\n", "sql"),
])
def test_cells_under_a_non_python_cell_magic_are_not_parsed(text: str, name: str) -> None:
    cell = parse_cell(text)
    assert cell.cell_magic == name
    assert cell.module.body == []
    assert cell.text == text


@pytest.mark.parametrize("line", ["%%time", "%%timeit -n 3 -r 1 y = 2", "%%capture out --no-stderr",
                                  "%%prun -s cumulative", "%%memit", "%%time  ", "\n\n%%time"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_python_bodied_cell_magics_are_read_through_their_body(line: str, newline: str) -> None:
    body = f"def timed(x):{newline}    %time y = x{newline}    return x{newline}"
    text = line.replace("\n", newline) + newline + body
    cell = parse_cell(text)
    assert cell.cell_magic is None
    assert cell.text == text
    assert [type(node).__name__ for node in cell.module.body] == ["FunctionDef"]
    body_line = text.count(newline, 0, text.index("def timed")) + 1
    assert cell.original_line(cell.module.body[0].lineno) == body_line


def test_a_python_bodied_cell_magic_with_a_syntax_error_names_the_body_line() -> None:
    with pytest.raises(CellSyntaxError) as error:
        parse_cell("%%time\nx = 1\ndef broken(:\n    pass\n")
    assert error.value.lineno == 3


def test_not_a_cell_magic() -> None:
    assert find_cell_magic("x = 1\n%%time\n") is None
    assert find_cell_magic("%%time?\n") is None
    assert find_cell_magic("%time x = 1\n") is None


def test_line_magics_and_escapes_become_python_and_map_back() -> None:
    cell = parse_cell(SHAPE_TEXT["line_magics"])
    assert "run_line_magic('matplotlib', 'inline')" in cell.python
    assert "names = get_ipython().run_line_magic('who_ls', '')" in cell.python
    # Rewritten lines are unusable for edits; the untouched ones map to themselves.
    assert cell.original_line(1) is None
    assert cell.original_line(3) is None
    assert cell.original_line(5) == 5
    assert cell.lines[4] == "def plot(data):\n"
    assert cell.nearest_line(1) == 1


def test_shell_escapes_and_help_syntax() -> None:
    cell = parse_cell(SHAPE_TEXT["shell_escapes"])
    assert "files = get_ipython().getoutput('ls')" in cell.python
    assert "get_ipython().run_line_magic('pinfo', 'len')" in cell.python
    names = [node.name for node in cell.module.body if isinstance(node, ast.FunctionDef)]
    assert names == ["count", "last"]


def test_backslash_continued_magic_shifts_lines_and_is_mapped_with_difflib() -> None:
    cell = parse_cell(SHAPE_TEXT["continued_magic"])
    assert len(cell.python_lines) == len(cell.lines) - 1
    function = cell.module.body[1]
    assert isinstance(function, ast.FunctionDef)
    assert function.lineno == 2
    assert cell.original_line(2) == 3
    assert cell.original_line(1) is None


def test_leading_blank_lines_dropped_by_ipython_still_map() -> None:
    cell = parse_cell("\n\n%ls\ndef f():\n    return 1\n")
    function = cell.module.body[1]
    assert isinstance(function, ast.FunctionDef)
    assert cell.original_line(function.lineno) == 4


def test_plain_python_is_used_as_it_is() -> None:
    text = "x = 1\r\n\r\ndef f():\r\n    return x\r\n"
    python, module = parse_python(text)
    assert python == text
    assert isinstance(module.body[1], ast.FunctionDef)
    cell = parse_cell(text)
    assert cell.line_map == {1: 1, 2: 2, 3: 3, 4: 4}


def test_mask_is_ipythons_transformation() -> None:
    assert mask("!ls\n") == "get_ipython().system('ls')\n"
    assert mask("x = %who_ls\n") == "x = get_ipython().run_line_magic('who_ls', '')\n"
    assert mask("") == ""


def test_top_level_await_and_match_parse() -> None:
    cell = parse_cell(SHAPE_TEXT["top_level_await"])
    assignments = [node for node in cell.module.body if isinstance(node, ast.Assign)]
    assert any(isinstance(node.value, ast.Await) for node in assignments)
    cell = parse_cell(SHAPE_TEXT["match_statement"])
    function = cell.module.body[0]
    assert isinstance(function, ast.FunctionDef)
    assert isinstance(function.body[0], ast.Match)


def test_line_endings_are_kept_per_line() -> None:
    cell = parse_cell(SHAPE_TEXT["mixed_newlines"])
    assert cell.lines == (
        "x = 1\r\n", "def f(a):\n", "    return a\r\n", "\n", "def g():\r\n", "    pass\r\n")
    assert cell.newline == "\r\n"
    assert parse_cell(SHAPE_TEXT["crlf"]).newline == "\r\n"
    assert parse_cell(SHAPE_TEXT["plain_function"]).newline == "\n"


def test_split_lines_breaks_only_where_python_does() -> None:
    assert split_lines("a\x0cb\r\nc\rd\ne") == ["a\x0cb\r\n", "c\r", "d\n", "e"]
    assert split_lines("") == []
    assert split_lines("x\u2028y\n") == ["x\u2028y\n"]


def test_dominant_newline_prefers_lf_on_a_tie_and_when_there_is_none() -> None:
    assert dominant_newline(["a\r\n", "b\n"]) == "\n"
    assert dominant_newline(["a\r\n", "b\r\n", "c\n"]) == "\r\n"
    assert dominant_newline(["a"]) == "\n"
    assert dominant_newline(["a\r", "b\r", "c"]) == "\r"


def test_indent_unit_follows_the_cell() -> None:
    assert parse_cell(SHAPE_TEXT["tabs"]).indent_unit == "\t"
    assert parse_cell("if x:\n  y = 1\n").indent_unit == "  "
    assert parse_cell("def f(): return 1\n").indent_unit == "    "


def test_unicode_identifiers() -> None:
    cell = parse_cell(SHAPE_TEXT["unicode_names"])
    function = cell.module.body[0]
    assert isinstance(function, ast.FunctionDef)
    assert function.name == "größe"
    assert cell.segment(function.args.args[1]) == "ширина: float"


@pytest.mark.parametrize(("text", "lineno"), [
    ("def f(:\n    pass\n", 1),
    ("x = 1\n%time y\ndef f(:\n  pass\n", 3),
    ("\n\n%ls\nx = (\n", 4),
    ("%time x = \\\n    1\n\ny = )\n", 4),
    ("x = 1\r\ny = 2\r\ndef (\r\n", 3),
    ("x = 'a\x00b'\n", 1),
])
def test_syntax_errors_point_at_the_original_line(text: str, lineno: int) -> None:
    with pytest.raises(CellSyntaxError) as caught:
        parse_cell(text)
    assert caught.value.lineno == lineno
    assert caught.value.message
    assert f"line {lineno}" in str(caught.value)


def test_map_lines_pairs_rewritten_lines_in_order() -> None:
    exact, approx = map_lines(["a\n", "%x \\\n", "  y\n", "b\n"], ["a\n", "call()\n", "b\n"])
    assert exact == {1: 1, 3: 4}
    assert approx == {1: 1, 2: 2, 3: 4}


def test_a_null_byte_is_reported_on_its_own_line() -> None:
    with pytest.raises(CellSyntaxError) as info:
        parse_cell("def f():\n    return 1\nx = '\x00'\n")
    assert info.value.lineno == 3


def test_plain_python_is_read_without_importing_ipython() -> None:
    code = ("import sys\n"
            "from docgen_magic.core.cell import parse_cell\n"
            "parse_cell('def f(x):\\n    return x\\n')\n"
            "print('IPython' in sys.modules)\n"
            "parse_cell('%time x = 1\\n')\n"
            "print('IPython' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.stdout.split() == ["False", "True"], done.stderr
