"""Tests for splicing docstrings into cells and for the AST guard."""

from __future__ import annotations

import ast

import pytest

from docgen_magic.core.cell import Cell, parse_cell, parse_python
from docgen_magic.core.facts import Target, extract_targets
from docgen_magic.core.splice import OK, Insertion, body_indent, guard, indent_literal, literal_value, splice
from tests.shapes import SHAPE_IDS, SHAPE_TEXT, SHAPES

DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
DOC = ['"""Do the thing.', "", "Args:", "    x: A value.", '"""']


def insertion(cell: Cell, target: Target, lines: list[str] | None = None) -> Insertion:
    """An insertion whose expected value is what ``lines`` evaluate to at the target's indentation."""
    lines = lines or [f'"""Document {target.name}."""']
    return Insertion(target, lines, literal_value(lines, body_indent(cell, target)))


def document_all(text: str, lines: list[str] | None = None, *,
                 nested: bool = False) -> tuple[str, dict[str, str]]:
    cell = parse_cell(text)
    targets = extract_targets(cell, nested_functions=nested)
    result = splice(cell, [insertion(cell, t, lines) for t in targets])
    return result.text, result.outcomes


def strip_docstrings(text: str) -> str:
    _, module = parse_python(text)
    for node in ast.walk(module):
        if isinstance(node, DEFS) and ast.get_docstring(node, clean=False) is not None:
            del node.body[0]
    return ast.dump(module)


def test_plain_function_gets_a_block_docstring() -> None:
    text, outcomes = document_all("def add(a, b):\n    return a + b\n", DOC)
    assert text == (
        'def add(a, b):\n'
        '    """Do the thing.\n'
        '\n'
        '    Args:\n'
        '        x: A value.\n'
        '    """\n'
        '    return a + b\n')
    assert outcomes == {"add": OK}


def test_one_liner_becomes_a_block_and_the_comment_moves_with_the_body() -> None:
    text, _ = document_all(SHAPE_TEXT["one_liner_comment"])
    assert text == 'def ident(x):\n    """Document ident."""\n    return x  # keep this note\n'
    text, _ = document_all(SHAPE_TEXT["one_liner_class"])
    assert text == 'class Empty:\n    """Document Empty."""\n    pass\n'


def test_one_liners_in_a_class_and_with_semicolons() -> None:
    text, outcomes = document_all(SHAPE_TEXT["ellipsis_bodies"])
    assert text == (
        'class Base:\n'
        '    """Document Base."""\n'
        '    def area(self) -> float:\n'
        '        """Document area."""\n'
        '        ...\n'
        '\n'
        '    def name(self) -> str:\n'
        '        """Document name."""\n'
        '        ...\n')
    assert set(outcomes.values()) == {OK}
    text, _ = document_all(SHAPE_TEXT["semicolons"])
    assert text == (
        'import math; x = 1; y = 2\n'
        'def hyp(a, b):\n'
        '    """Document hyp."""\n'
        '    return math.hypot(a, b)\n'
        'z = hyp(x, y); print(z)\n')


def test_multiline_signature_and_line_continuation() -> None:
    text, _ = document_all(SHAPE_TEXT["multiline_signature"])
    assert text == (
        'def connect(\n'
        '    host: str,\n'
        '    port: int = 5432,\n'
        '    *,\n'
        '    timeout: float = 3.0,\n'
        ') -> None:\n'
        '    """Document connect."""\n'
        '    print(host, port, timeout)\n')
    text, _ = document_all(SHAPE_TEXT["line_continuation"])
    assert text == (
        'def total(a, \\\n'
        '          b):\n'
        '    """Document total."""\n'
        '    return a + \\\n'
        '        b\n')


def test_comments_after_the_def_line_stay_below_the_docstring() -> None:
    text, _ = document_all(SHAPE_TEXT["comment_after_def"])
    assert text == (
        'def load(path):\n'
        '    """Document load."""\n'
        '    # read the whole file; files are small\n'
        '\n'
        '    # second comment\n'
        '    with open(path) as fh:\n'
        '        return fh.read()\n')
    text, _ = document_all("def f(a):  # note: a is small\n    return a\n")
    assert text == 'def f(a):  # note: a is small\n    """Document f."""\n    return a\n'
    text, _ = document_all("def f(a):  # C:\\\n    return a\n")
    assert text == 'def f(a):  # C:\\\n    """Document f."""\n    return a\n'


def test_decorators_and_nested_functions() -> None:
    text, outcomes = document_all(SHAPE_TEXT["decorators_with_args"], nested=True)
    assert outcomes == {"fib": OK, "retry": OK, "retry.wrap": OK, "retry.wrap.inner": OK, "fetch": OK}
    assert '@functools.lru_cache(maxsize=128)\ndef fib(n: int) -> int:\n    """Document fib."""\n' in text
    assert (
        '        @functools.wraps(fn)\n'
        '        def inner(*a, **k):\n'
        '            """Document inner."""\n'
        '            for _ in range(times):\n') in text
    assert strip_docstrings(text) == strip_docstrings(SHAPE_TEXT["decorators_with_args"])


def test_crlf_is_used_for_inserted_lines_and_kept_elsewhere() -> None:
    text, _ = document_all(SHAPE_TEXT["crlf"], DOC)
    assert text == (
        'def add(a, b):\r\n'
        '    """Do the thing.\r\n'
        '\r\n'
        '    Args:\r\n'
        '        x: A value.\r\n'
        '    """\r\n'
        '    return a + b\r\n'
        '\r\n'
        'class K:\r\n'
        '    """Do the thing.\r\n'
        '\r\n'
        '    Args:\r\n'
        '        x: A value.\r\n'
        '    """\r\n'
        '    def m(self):\r\n'
        '        """Do the thing.\r\n'
        '\r\n'
        '        Args:\r\n'
        '            x: A value.\r\n'
        '        """\r\n'
        '        return 1\r\n')


def test_mixed_line_endings_keep_their_own() -> None:
    text, _ = document_all(SHAPE_TEXT["mixed_newlines"])
    assert text == (
        'x = 1\r\n'
        'def f(a):\n'
        '    """Document f."""\r\n'
        '    return a\r\n'
        '\n'
        'def g():\r\n'
        '    """Document g."""\r\n'
        '    pass\r\n')


def test_tabs_stay_tabs() -> None:
    text, _ = document_all(SHAPE_TEXT["tabs"], DOC)
    assert text == (
        'def tabbed(a):\n'
        '\t"""Do the thing.\n'
        '\n'
        '\tArgs:\n'
        '\t    x: A value.\n'
        '\t"""\n'
        '\tif a:\n'
        '\t\treturn a\n'
        '\treturn None\n'
        '\n'
        'class T:\n'
        '\t"""Do the thing.\n'
        '\n'
        '\tArgs:\n'
        '\t    x: A value.\n'
        '\t"""\n'
        '\tdef m(self):\n'
        '\t\t"""Do the thing.\n'
        '\n'
        '\t\tArgs:\n'
        '\t\t    x: A value.\n'
        '\t\t"""\n'
        '\t\treturn 2\n')
    text, _ = document_all("class A:\n\tdef f(self): return 1  # hi\n")
    assert text == (
        'class A:\n\t"""Document A."""\n\tdef f(self):\n\t\t"""Document f."""\n\t\treturn 1  # hi\n')


def test_magics_and_escapes_between_functions_are_untouched() -> None:
    text, outcomes = document_all(SHAPE_TEXT["shell_escapes"])
    assert text == (
        '!pip list\n'
        'files = !ls\n'
        '\n'
        'def count(items):\n'
        '    """Document count."""\n'
        '    return len(items)\n'
        '\n'
        '!echo done\n'
        'len?\n'
        '\n'
        'def last():\n'
        '    """Document last."""\n'
        '    return None\n')
    assert outcomes == {"count": OK, "last": OK}
    text, _ = document_all(SHAPE_TEXT["continued_magic"])
    assert text == '%time x = \\\n    1\ndef after(a):\n    """Document after."""\n    return a\n'


def test_a_magic_as_the_first_body_line() -> None:
    text, outcomes = document_all("def f():\n    !ls\n    return 1\n")
    assert text == 'def f():\n    """Document f."""\n    !ls\n    return 1\n'
    assert outcomes == {"f": OK}


def test_existing_docstrings_are_replaced_in_place() -> None:
    text, outcomes = document_all(SHAPE_TEXT["partial_docstrings"])
    assert text == (
        'def documented(a):\n'
        '    """Document documented."""\n'
        '    return a\n'
        '\n'
        'def half(a, b):\n'
        '    """Document half."""\n'
        '    return a, b\n'
        '\n'
        'class Thing:\n'
        '    """Document Thing."""\n'
        '\n'
        '    def act(self):\n'
        '        """Document act."""\n'
        '        return 1\n')
    assert set(outcomes.values()) == {OK}
    text, _ = document_all('def f():\n    """old"""\n', DOC)
    assert text == 'def f():\n    """Do the thing.\n\n    Args:\n        x: A value.\n    """\n'
    text, _ = document_all('def f():\r\n    """old\r\n    text"""')  # the last line has no ending
    assert text == 'def f():\r\n    """Document f."""'


SHARED = "the existing docstring shares its line with other code or a comment"


@pytest.mark.parametrize(("text", "reason"), [
    ('def f(): "old"\n', "the existing docstring shares its line with the definition"),
    ('def f():\n    "old"  # keep\n    return 1\n', SHARED),
    ('def f():\n    "old"; x = 1\n', SHARED),
    ('def f(): \\\n    return 1\n', "the definition header ends with a line continuation"),
    ('def f(a,\n      b): \\\n    return 1\n', "the definition header ends with a line continuation"),
    ('  def f():\n      return 1\n', "line 1 is rewritten by IPython and cannot be edited"),
])
def test_ambiguous_places_fail_and_leave_the_text_alone(text: str, reason: str) -> None:
    new_text, outcomes = document_all(text)
    assert new_text == text
    assert outcomes == {"f": reason}


@pytest.mark.parametrize(("lines", "expected", "reason"), [
    (['"""Doc."""; import os'], "Doc.", "the result would change the code"),
    (['"""Doc.', '"""', "x = 1"], "Doc.\n    ", "the result would change the code"),
    (['"""Doc.'], "Doc.", "the result would not parse"),
    (['"""Doc."""'], "Something else.", "the inserted docstring does not evaluate to the expected text"),
    (['"""Doc."""', '"""Another."""'], "Doc.", "the result would change the code"),
    (['b"""Doc."""'], "Doc.", "the inserted docstring does not evaluate to the expected text"),
    (['"""Doc.', '   """'], "Doc.\n", "the inserted docstring does not evaluate to the expected text"),
    (["def g(): pass"], "", "the result would change"),
    (['"""a\nb"""'], "a\nb", "the docstring literal contains a line break inside a line"),
    (["", "  "], "", "the docstring literal is empty"),
])
def test_guard_rejects_bad_literals_and_keeps_the_text_byte_identical(
        lines: list[str], expected: str, reason: str) -> None:
    original = SHAPE_TEXT["crlf"]
    cell = parse_cell(original)
    add, k, m = extract_targets(cell)
    good = [insertion(cell, t) for t in (k, m)]
    result = splice(cell, [Insertion(add, lines, expected), *good])
    assert result.outcomes["add"].startswith(reason)
    assert result.ok == ["K", "K.m"]
    assert result.text.startswith("def add(a, b):\r\n    return a + b\r\n\r\nclass K:\r\n")
    alone = splice(cell, [Insertion(add, lines, expected)])
    assert alone.text == original
    assert alone.failures == {"add": result.outcomes["add"]}


def test_every_insertion_failing_returns_the_original_object_text() -> None:
    text = SHAPE_TEXT["class_with_methods"]
    cell = parse_cell(text)
    bad = [Insertion(t, ['"""x"""'], "y") for t in extract_targets(cell)]
    result = splice(cell, bad)
    assert result.text == text
    assert result.ok == []
    assert len(result.failures) == 6


def test_duplicate_insertions_and_foreign_targets_fail() -> None:
    cell = parse_cell("def f():\n    return 1\n")
    (f,) = extract_targets(cell)
    result = splice(cell, [insertion(cell, f), insertion(cell, f)])
    assert result.text == cell.text
    assert result.failures == {"f": "more than one docstring was given for this target"}
    other = parse_cell("def f():\n    return 1\n")
    (foreign,) = extract_targets(other)
    result = splice(cell, [insertion(other, foreign)])
    assert result.failures == {"f": "the target does not come from this cell"}
    assert result.text == cell.text


@pytest.mark.parametrize(("shape_id", "text"), SHAPES, ids=SHAPE_IDS)
def test_every_shape_splices_and_only_docstrings_change(shape_id: str, text: str) -> None:
    cell = parse_cell(text)
    targets = extract_targets(cell, nested_functions=True)
    result = splice(cell, [insertion(cell, t, DOC) for t in targets])
    assert result.outcomes == {t.qualname: OK for t in targets}
    if targets:
        assert guard(cell, result.text, [insertion(cell, t, DOC) for t in targets]) is None
    else:
        assert result.text == text
    assert strip_docstrings(result.text) == strip_docstrings(text)
    new_targets = extract_targets(parse_cell(result.text), nested_functions=True)
    assert [t.qualname for t in new_targets] == [t.qualname for t in targets]
    for old, new in zip(targets, new_targets, strict=True):
        assert new.docstring == literal_value(DOC, body_indent(cell, old))
        assert new.params == old.params and new.raises == old.raises
    # Every original line is still there, in order, except split one-liners and replaced docstrings.
    changed = set()
    for target in targets:
        assert isinstance(target.node, DEFS)
        first = target.node.body[0]
        if target.docstring is not None:
            changed.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
        elif first.lineno == target.lineno or target.source.count("\n") == 0:
            changed.add(first.lineno)
    remaining = iter(result.text.splitlines(keepends=True))
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        if number not in changed:
            assert any(candidate == line for candidate in remaining), line


def test_body_indent() -> None:
    cell = parse_cell(SHAPE_TEXT["nested_classes"])
    indents = {t.qualname: body_indent(cell, t) for t in extract_targets(cell, nested_functions=True)}
    assert indents == {"Outer": "    ", "Outer.Inner": "        ", "Outer.Inner.method": "            ",
                       "Outer.run": "        ", "Outer.run.step": "            "}
    cell = parse_cell("if True:\n  def f(): return 1\n")
    assert body_indent(cell, extract_targets(cell)[0]) == "    "


def test_literal_helpers() -> None:
    assert indent_literal(DOC, "\t") == ['\t"""Do the thing.', "", "\tArgs:", "\t    x: A value.", '\t"""']
    assert literal_value(DOC, "  ") == "Do the thing.\n\n  Args:\n      x: A value.\n  "
    with pytest.raises(ValueError):
        literal_value(["b'x'"], "")


def test_one_thousand_functions_all_pass_on_the_fast_path() -> None:
    text = "".join(f"def f{i}(a, b: int = {i}) -> int:\n    # c\n    return a + b\n\n" for i in range(1000))
    cell = parse_cell(text)
    targets = extract_targets(cell)
    result = splice(cell, [insertion(cell, t) for t in targets])
    assert len(result.ok) == 1000
    assert result.text.count('"""Document f') == 1000
    assert strip_docstrings(result.text) == strip_docstrings(text)


def test_culprits_are_isolated_among_many_good_insertions() -> None:
    text = "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(20))
    cell = parse_cell(text)
    targets = extract_targets(cell)
    bad = {3: ['"""Doc."""; x = 1'], 11: ['"""Doc.'], 17: ['"""Doc."""']}
    insertions = [Insertion(t, bad[i], "Doc.\n") if i in bad else insertion(cell, t)
                  for i, t in enumerate(targets)]
    result = splice(cell, insertions)
    assert sorted(result.failures) == ["f11", "f17", "f3"]
    assert len(result.ok) == 17
    assert "def f3(x):\n    return x + 3\n" in result.text
    assert "def f4(x):\n    " + '"""Document f4."""' in result.text
    assert strip_docstrings(result.text) == strip_docstrings(text)


@pytest.mark.parametrize("text", [
    "def f(x):\n\x0c    return x\n",  # a form feed before the body's indentation
    "\x0cdef f(x): return x\n",  # a one-liner after a form feed
    "class A:\n    \x0c    def m(self):\n        return 1\n",  # the form feed resets the column count
    "def f(x):\n\x0c    'Old.'\n    return x\n",  # an old docstring after a form feed
])
def test_form_feeds_in_the_indentation_are_not_copied_into_the_docstring(text: str) -> None:
    cell = parse_cell(text)
    targets = extract_targets(cell)
    for target in targets:
        assert "\x0c" not in body_indent(cell, target)
    result = splice(cell, [insertion(cell, t, DOC) for t in targets])
    assert result.failures == {}
    assert strip_docstrings(result.text) == strip_docstrings(text)
    assert "\x0c" in result.text and result.text.count("\x0c") == text.count("\x0c")
    assert not any("\x0c" in line and '"""' not in line and "Args" in line for line in result.text.split("\n"))
