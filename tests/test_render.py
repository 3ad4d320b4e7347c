"""Tests for docgen_magic.core.render: layout per style, wrapping, safe quoting, pydocstyle compliance."""

from __future__ import annotations

import ast
import inspect
import random
import textwrap
from pathlib import Path

import docstring_parser
import pytest
from pydocstyle.checker import check as pydocstyle_check
from pydocstyle.violations import conventions

from docgen_magic.core.facts import Attribute, Param, ParamKind, Target, TargetKind
from docgen_magic.core.model import ArgDoc, AttributeDoc, Docstring, RaisesDoc, ReturnsDoc, YieldsDoc
from docgen_magic.core.render import STYLES, Rendered, render, summary_columns
from docgen_magic.core.render.summary import sentence
from docgen_magic.core.render.text import (
    clean_text,
    indent_literal,
    sanitize,
    text_width,
    wrap_words,
    wrap_words_slow,
)

PK = ParamKind.POSITIONAL_OR_KEYWORD


def make_target(name: str = "add", kind: TargetKind = TargetKind.FUNCTION, *, params: tuple[Param, ...] = (),
                generator: bool = False, attributes: tuple[Attribute, ...] = ()) -> Target:
    """Build a Target directly from the contract dataclass."""
    return Target(qualname=name, name=name, kind=kind, is_async=False, params=params,
                  returns_annotation=None, returns_value=True, is_generator=generator, raises=(),
                  attributes=attributes, docstring=None, source="", lineno=1, end_lineno=2)


ADD = make_target("add", params=(Param("a", PK, "int"), Param("b", PK, "int")))
VARIADIC = make_target("call", params=(Param("fn", PK), Param("args", ParamKind.VAR_POSITIONAL),
                                       Param("kwargs", ParamKind.VAR_KEYWORD)))


def spliced(rendered: Rendered, indent: str) -> tuple[ast.Module, str]:
    """Splice a rendered literal into a function the way the splicer does; return the module and source."""
    literal = "\n".join(indent_literal(rendered.literal_lines, indent))
    source = f"def f():\n{literal}\n{indent}return 1\n"
    return ast.parse(source), source


def assert_safe(rendered: Rendered, indent: str) -> None:
    """The literal parses to exactly one function [docstring, return] whose docstring is ``value``."""
    module, source = spliced(rendered, indent)
    assert len(module.body) == 1, source
    function = module.body[0]
    assert isinstance(function, ast.FunctionDef), source
    assert len(function.body) == 2, source
    assert isinstance(function.body[0], ast.Expr), source
    assert isinstance(function.body[1], ast.Return), source
    assert ast.get_docstring(function, clean=False) == rendered.value, source
    assert all("\n" not in line and "\r" not in line for line in rendered.literal_lines)


# --- layout per style -----------------------------------------------------------------------------


def test_google_example_from_the_contract() -> None:
    doc = Docstring("Add two numbers.", args=[ArgDoc("a", "int", "First.")])
    rendered = render(doc, ADD, style="google")
    assert rendered.literal_lines == ['"""Add two numbers.', "", "Args:", "    a (int): First.", '"""']
    assert rendered.value == "Add two numbers.\n\n    Args:\n        a (int): First.\n    "
    assert_safe(rendered, "    ")


def full_doc() -> Docstring:
    return Docstring(
        summary="Call a function.",
        description="Some detail.",
        args=[ArgDoc("fn", "Callable", "The function."), ArgDoc("args", None, "Positional values."),
              ArgDoc("**kwargs", "Any", "Keyword values.")],
        returns=ReturnsDoc("int", "The result."),
        raises=[RaisesDoc("ValueError", "If fn fails.")],
    )


def test_google_sections_and_stars() -> None:
    rendered = render(full_doc(), VARIADIC, style="google")
    assert rendered.literal_lines == [
        '"""Call a function.', "", "Some detail.", "",
        "Args:", "    fn (Callable): The function.", "    *args: Positional values.",
        "    **kwargs (Any): Keyword values.", "",
        "Returns:", "    int: The result.", "",
        "Raises:", "    ValueError: If fn fails.",
        '"""',
    ]


def test_numpy_sections() -> None:
    rendered = render(full_doc(), VARIADIC, style="numpy")
    assert rendered.literal_lines == [
        '"""Call a function.', "", "Some detail.", "",
        "Parameters", "----------", "fn : Callable", "    The function.", "*args", "    Positional values.",
        "**kwargs : Any", "    Keyword values.", "",
        "Returns", "-------", "int", "    The result.", "",
        "Raises", "------", "ValueError", "    If fn fails.",
        '"""',
    ]


def test_sphinx_fields_escape_stars_and_use_raw_prefix() -> None:
    rendered = render(full_doc(), VARIADIC, style="sphinx")
    assert rendered.literal_lines == [
        'r"""Call a function.', "", "Some detail.", "",
        ":param fn: The function.", ":type fn: Callable", r":param \*args: Positional values.",
        r":param \*\*kwargs: Keyword values.", r":type \*\*kwargs: Any",
        ":returns: The result.", ":rtype: int", ":raises ValueError: If fn fails.",
        '"""',
    ]
    assert_safe(rendered, "    ")
    assert r"\*args" in rendered.value


def test_item_descriptions_are_sentences_in_every_style() -> None:
    """numpydoc's validator wants a capital letter and a final period (PR08 / PR09 / RT04 / RT05); the other
    styles write the same prose, so a style switch changes layout only."""
    doc = Docstring("Add.", args=[ArgDoc("a", None, "the first"), ArgDoc("b", None, "np.array of values")],
                    returns=ReturnsDoc(None, "the sum;"), raises=[RaisesDoc("ValueError", "if it fails")])
    lines = render(doc, ADD, style="numpy").literal_lines
    assert lines[4:8] == ["a", "    The first.", "b", "    np.array of values."]
    assert "    The sum." in lines and "    If it fails." in lines
    google = render(doc, ADD, style="google").literal_lines
    assert "    a: The first." in google and "    b: np.array of values." in google and "    The sum." in google
    sphinx = render(doc, ADD, style="sphinx").literal_lines
    assert ":param a: The first." in sphinx and ":raises ValueError: If it fails." in sphinx


@pytest.mark.parametrize(("text", "expected"), [
    ("the value to add", "The value to add."),
    ("  The value.  ", "The value."),
    ("is it ready?", "Is it ready."),
    ("what it holds;", "What it holds."),
    ("ends with ``x``", "Ends with ``x``."),
    ("x_val scaled", "x_val scaled."),  # an identifier keeps its case
    ("iPhone count", "iPhone count."),
    ("values:\n\n    x = 1", "Values:\n\n    x = 1"),  # ends in code: no period
    ("one of:\n\n- a\n- b", "One of:\n\n- a\n- b"),  # ends in a list
    ("for example\n>>> f(1)", "For example\n>>> f(1)"),  # ends in a doctest
    ("...", "..."),
    ("", ""),
    (None, ""),
])
def test_sentence(text: str | None, expected: str) -> None:
    assert sentence(text) == expected


@pytest.mark.parametrize("style", STYLES)
def test_generator_yields(style: str) -> None:
    target = make_target("count", params=(Param("n", PK, "int"),), generator=True)
    doc = Docstring("Count up to n.", args=[ArgDoc("n", "int", "The limit.")],
                    yields=YieldsDoc("int", "The next number."))
    text = render(doc, target, style=style).value
    expected = {"google": "Yields:\n        int: The next number.",
                "numpy": "Yields\n    ------\n    int\n        The next number.",
                "sphinx": ":yields: The next number.\n    :ytype: int"}[style]
    assert expected in text
    assert "Returns" not in text and ":returns:" not in text


@pytest.mark.parametrize("style", STYLES)
def test_class_attributes(style: str) -> None:
    target = make_target("Box", TargetKind.CLASS, attributes=(Attribute("size", "int"),))
    doc = Docstring("A box.", attributes=[AttributeDoc("size", "int", "Edge length.")])
    text = render(doc, target, style=style).value
    expected = {"google": "Attributes:\n        size (int): Edge length.",
                "numpy": "Attributes\n    ----------\n    size : int\n        Edge length.",
                "sphinx": ":ivar size: Edge length.\n    :vartype size: int"}[style]
    assert expected in text


@pytest.mark.parametrize("style", STYLES)
def test_types_omitted_when_absent(style: str) -> None:
    doc = Docstring("Add.", args=[ArgDoc("a", None, "First.")], returns=ReturnsDoc(None, "The sum."))
    lines = render(doc, ADD, style=style).literal_lines
    expected = {"google": ["    a: First.", "Returns:", "    The sum."],
                "numpy": ["a", "    First.", "Returns", "-------", "result", "    The sum."],  # numpydoc needs a head
                "sphinx": [":param a: First.", ":returns: The sum."]}[style]
    assert all(line in lines for line in expected), lines
    assert not any(line.startswith((":type", ":rtype")) for line in lines)


@pytest.mark.parametrize("style", STYLES)
def test_property_returns_fold_into_description(style: str) -> None:
    target = make_target("area", TargetKind.PROPERTY)
    doc = Docstring("The area of the box.", returns=ReturnsDoc("int", "Square units, never negative."))
    rendered = render(doc, target, style=style)
    assert rendered.literal_lines == ['"""The area of the box.', "", "Square units, never negative.", '"""']


def test_property_return_equal_to_summary_is_not_repeated() -> None:
    target = make_target("area", TargetKind.PROPERTY)
    doc = Docstring("The area.", returns=ReturnsDoc("int", "the area"))
    assert render(doc, target).literal_lines == ['"""The area."""']


@pytest.mark.parametrize("style", STYLES)
def test_docstring_parser_reads_the_layout_back(style: str) -> None:
    parser_style = {"google": docstring_parser.DocstringStyle.GOOGLE,
                    "numpy": docstring_parser.DocstringStyle.NUMPYDOC,
                    "sphinx": docstring_parser.DocstringStyle.REST}[style]
    long_text = "A rather long explanation of the function argument that must wrap over lines."
    doc = full_doc()
    doc.args[0].description = long_text
    parsed = docstring_parser.parse(inspect.cleandoc(render(doc, VARIADIC, style=style, width=50).value),
                                    style=parser_style)
    assert parsed.short_description == "Call a function."
    names = [p.arg_name.replace("\\", "") for p in parsed.params]
    assert names == ["fn", "*args", "**kwargs"]
    assert [p.type_name for p in parsed.params] == ["Callable", None, "Any"]
    assert " ".join(parsed.params[0].description.split()) == long_text
    assert parsed.returns is not None
    assert (parsed.returns.type_name, parsed.returns.description) == ("int", "The result.")
    assert [(r.type_name, r.description) for r in parsed.raises] == [("ValueError", "If fn fails.")]


def test_unknown_style_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"unknown docstring style 'epytext'.*google, numpy, sphinx"):
        render(Docstring("X."), ADD, style="epytext")


def test_style_name_is_case_insensitive() -> None:
    assert render(Docstring("X."), ADD, style="NumPy").value == "X."


def test_indent_must_be_whitespace() -> None:
    with pytest.raises(ValueError, match="indent"):
        render(Docstring("X."), ADD, indent="  x")


# --- summary --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [
    ("add two numbers", "Add two numbers."),
    ("  Add two numbers.  ", "Add two numbers."),
    ("Add\ntwo   numbers", "Add two numbers."),
    ("Is it valid?", "Is it valid."),
    ("Compute this:", "Compute this."),
    ('Say "hi"', 'Say "hi".'),
    ("np.array wrapper", "np.array wrapper."),
    ("my_func helper", "my_func helper."),
    ("iPhone model", "iPhone model."),
])
def test_summary_normalisation(raw: str, expected: str) -> None:
    assert render(Docstring(raw), ADD).value == expected


@pytest.mark.parametrize(("name", "kind", "expected"), [
    ("compute_mean", TargetKind.FUNCTION, "Compute mean."),
    ("getHTTPResponse", TargetKind.METHOD, "Get HTTP response."),
    ("DataLoader", TargetKind.CLASS, "The DataLoader class."),
    ("mean_value", TargetKind.PROPERTY, "The mean value."),
    ("__init__", TargetKind.METHOD, "Initialize the instance."),
    ("__len__", TargetKind.METHOD, "Implement ``__len__``."),
])
@pytest.mark.parametrize("summary", ["", "   ", "...", '"""', "\x00\u2028"])
def test_empty_summary_falls_back_to_the_name(name: str, kind: TargetKind, expected: str,
                                              summary: str) -> None:
    assert render(Docstring(summary), make_target(name, kind)).value == expected


def test_one_liner_when_it_fits() -> None:
    assert render(Docstring("Add two numbers."), ADD).literal_lines == ['"""Add two numbers."""']


def test_closing_quotes_move_only_when_that_makes_the_line_fit() -> None:
    summary = "S" * 20 + "."  # 21 columns
    doc = Docstring(summary)
    assert render(doc, ADD, width=4 + 3 + 21 + 3).literal_lines == [f'"""{summary}"""']
    assert render(doc, ADD, width=4 + 3 + 21).literal_lines == [f'"""{summary}', '"""']
    assert render(doc, ADD, width=4 + 3 + 20).literal_lines == [f'"""{summary}"""']


def test_overlong_summary_moves_later_sentences_to_the_description() -> None:
    doc = Docstring("Compute the weighted mean of the samples. Missing values, e.g. NaN, are skipped first.")
    lines = render(doc, ADD, width=60).literal_lines
    assert lines[0] == '"""Compute the weighted mean of the samples.'
    assert lines[2:] == ["Missing values, e.g. NaN, are skipped first.", '"""']
    assert summary_columns(60, "    ") == 53


def test_single_overlong_sentence_stays_on_one_line() -> None:
    summary = "Compute " + "very " * 30 + "long things."
    assert render(Docstring(summary), ADD, width=40).literal_lines == [f'"""{summary}"""']


# --- wrapping -------------------------------------------------------------------------------------


WORDS = ["a", "to", "the", "value", "numbers", "configuration", "x" * 15, "https://example.com/" + "p" * 70]


def random_prose(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(count))


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("indent", ["    ", "\t", "        ", "\t    "])
def test_lines_fit_the_width_or_hold_one_overlong_word(style: str, indent: str) -> None:
    rng = random.Random(7)
    indent_cols = len(indent.expandtabs(4))
    for width in range(30, 101, 7):
        doc = Docstring("Add.", description=f"{random_prose(rng, 40)}\n\n{random_prose(rng, 25)}",
                        args=[ArgDoc("a", "int", random_prose(rng, 30)),
                              ArgDoc("b", None, random_prose(rng, 3))],
                        returns=ReturnsDoc("int", random_prose(rng, 20)),
                        raises=[RaisesDoc("ValueError", random_prose(rng, 12))])
        rendered = render(doc, ADD, style=style, width=width, indent=indent)
        assert_safe(rendered, indent)
        for line in rendered.literal_lines[1:]:
            if indent_cols + text_width(line) > width:
                # Only a single unbreakable word (after its item prefix) may overflow.
                head, _, tail = line.strip().partition(": ")
                assert len((tail or head).split()) == 1, (width, line)


def test_overlong_word_stays_whole_on_its_own_line() -> None:
    url = "https://example.com/" + "a" * 100
    doc = Docstring("Fetch.", description=f"See {url} for the details.")
    lines = render(doc, ADD, width=40).literal_lines
    assert lines[2:5] == ["See", url, "for the details."]


def test_wrap_words_counts_wide_characters_double() -> None:
    assert wrap_words(["中文中文", "中文"], 10) == ["中文中文", "中文"]
    assert wrap_words(["ab", "cd"], 5) == ["ab cd"]


def test_fast_ascii_wrap_matches_the_word_by_word_wrap() -> None:
    rng = random.Random(11)
    vocab = ["a", "bb", "ccc", "dddd", "e" * 9, "f" * 25, "g" * 60]
    for _ in range(3000):
        words = [rng.choice(vocab) for _ in range(rng.randint(0, 25))]
        columns = rng.randint(-5, 90)
        first = rng.choice(["", "    ", "    a (int): ", ":param x: ", "x" * 30 + " ", "- "])
        following = rng.choice(["", "    ", "        "])
        fast = wrap_words(words, columns, first, following)
        assert fast == wrap_words_slow(words, columns, first, following)


def test_item_prefix_stands_alone_when_the_first_word_cannot_follow_it() -> None:
    doc = Docstring("Add.", args=[ArgDoc("a", "dict[str, list[int]]", "x" * 30)])
    lines = render(doc, ADD, width=40).literal_lines
    assert lines[3:5] == ["    a (dict[str, list[int]]):", "        X" + "x" * 29 + "."]


def test_description_paragraphs_code_and_lists_are_kept() -> None:
    description = (
        "First paragraph\nwritten over\nthree lines.\n\n"
        "Example:\n\n    >>> add(1, 2)\n    3\n\n"
        ">>> add(2, 2)\n4\n\n"
        "```python\nx = 1\n\ny = 2\n```\n\n"
        "Options:\n- fast mode that is quick\n- slow mode that is slow but very careful indeed"
    )
    lines = render(Docstring("Add.", description=description), ADD, width=40).literal_lines
    assert lines == [  # a model's doctest stays as text, escaped so that doctest never runs it
        'r"""Add.', "",
        "First paragraph written over three", "lines.", "",
        "Example:", "",
        "    \\>>> add(1, 2)", "    3", "",
        "\\>>> add(2, 2)", "4", "",
        "```python", "x = 1", "", "y = 2", "```", "",
        "Options:", "- fast mode that is quick", "- slow mode that is slow but very", "  careful indeed",
        '"""',
    ]


def test_common_indentation_of_the_description_is_removed() -> None:
    doc = Docstring("Add.", description="    Indented by the model.\n    Still prose.")
    assert render(doc, ADD).literal_lines[2] == "Indented by the model. Still prose."
    doc = Docstring("Add.", description="Indented by the model.\n    code line")
    assert render(doc, ADD).literal_lines[2:4] == ["Indented by the model.", "    code line"]


# --- safe quoting ---------------------------------------------------------------------------------


HOSTILE = [
    '"""', '""""', '"""""""""', 'x"""; import os; os.system("rm -rf /")  #', '"', '""', 'end"', 'end""',
    "\\", "\\\\", 'end\\', 'end\\"', '\\"""', '"\\""', "\\N{BULLET}", "\\x00", "\\u0041", "C:\\new\\table",
    "line\r\nbreak", "cr\ronly", "nul\x00byte", "form\x0cfeed", "vt\x0btab", "sep\u2028line", "para\u2029sep",
    "nel\x85line", "esc\x1b[31mred", "del\x7f", "lone\ud800surrogate", "lone\udfffone",
    "bidi\u202eevil\u202c",
    "bom\ufeff", "zero\u200bwidth", "nbsp\u00a0space", "private\ue000use", "tab\tinside", "'''", "r'''",
    "\n\n\n", "", " ", "    indented\n  less", ">>> import os\n>>> os.remove('x')", "```\n\"\"\"\n```",
    "# comment", "\\\n", "emoji 😀 中文", "\ufffe", "\U0010ffff", '""" + """', "Args:\n    x: y",
]


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("indent", ["    ", "\t", "        "])
def test_hostile_text_never_escapes_the_literal(style: str, indent: str) -> None:
    target = VARIADIC
    for text in HOSTILE:
        for doc in (
            Docstring(text),
            Docstring(f"Summary {text}"),
            Docstring("Sum.", description=text),
            Docstring(text, description=text, args=[ArgDoc(text, text or None, text)],
                      returns=ReturnsDoc(text, text), yields=YieldsDoc(text, text),
                      raises=[RaisesDoc(text, text)], attributes=[AttributeDoc(text, text, text)]),
        ):
            rendered = render(doc, target, style=style, indent=indent)
            assert_safe(rendered, indent)
            assert '"""' not in rendered.value


HOSTILE_ALPHABET = ['"', '"', '"', "\\", "'", "\n", "\r", "\t", " ", " ", "a", "Z", "x", "\x00", "\x0c",
                    "\x0b", "\u2028", "\u2029", "\x85", "\ud800", "\udfff", "\u202e", "\ufeff", "\u200b",
                    "\x1b", "\x7f", "中", "😀", "\ue000", "#", ":", "-", "*", ">", "`", ".", "r", "N", "{",
                    "u", "(", ")", "\u00a0", "\u0301", "\u200d"]


def test_seeded_random_hostile_strings() -> None:
    rng = random.Random(20240601)

    def text() -> str:
        return "".join(rng.choice(HOSTILE_ALPHABET) for _ in range(rng.randint(0, 30)))

    for _ in range(600):
        doc = Docstring(text(), text(), [ArgDoc(text(), text() or None, text())],
                        ReturnsDoc(text() or None, text()), YieldsDoc(text() or None, text()),
                        [RaisesDoc(text(), text())], [AttributeDoc(text(), text() or None, text())])
        kind = rng.choice(list(TargetKind))
        target = make_target("f", kind, params=VARIADIC.params)
        indent = rng.choice(["    ", "\t", "  ", "\t\t", " \t"])
        rendered = render(doc, target, style=rng.choice(STYLES), width=rng.randint(1, 120), indent=indent)
        assert_safe(rendered, indent)


def test_backslashes_make_a_raw_docstring_and_keep_their_value() -> None:
    rendered = render(Docstring(r"Match \d+ digits."), ADD)
    assert rendered.literal_lines == [r'r"""Match \d+ digits."""']
    assert rendered.value == r"Match \d+ digits."
    assert_safe(rendered, "    ")


def test_quote_runs_become_single_quotes() -> None:
    rendered = render(Docstring('Wrap text in """ or """"" quotes.'), ADD)
    assert rendered.value == "Wrap text in ''' or ''''' quotes."


def test_trailing_quote_and_backslash_never_touch_the_closing_quotes() -> None:
    for summary in ('Say "hi"', 'Say "hi."', "Path C:\\", 'Odd \\"'):
        rendered = render(Docstring(summary), ADD)
        assert rendered.value.endswith(".")
        assert_safe(rendered, "    ")


def test_control_characters_and_line_separators() -> None:
    assert sanitize("a\r\nb\rc\x0cd\u2028e\u2029f\x85g") == "a\nb\nc\nd\ne\nf\ng"
    assert sanitize("n\x00u\x1bl\x7fl\ud800\u202e\ufeff\u200b") == "null"
    assert sanitize("non\u00a0breaking\ttab") == "non breaking\ttab"
    assert clean_text('say """x"""') == "say '''x'''"
    rendered = render(Docstring("Add.", description="one\u2028two"), ADD)
    assert rendered.literal_lines[2] == "one two"


# --- pydocstyle -----------------------------------------------------------------------------------


def module_source(style: str) -> str:
    """A small module whose every definition carries a rendered docstring."""
    long = ("It keeps going with enough words to need wrapping across several lines of text, "
            "so that the continuation indentation is checked too.")
    int_param = Param("a", PK, "int")
    definitions = [
        ("def add(a: int, b: int = 0, *args: int, key: str = '', **kwargs: object) -> int:",
         make_target("add", params=(int_param, Param("b", PK, "int"),
                                    Param("args", ParamKind.VAR_POSITIONAL),
                                    Param("key", ParamKind.KEYWORD_ONLY),
                                    Param("kwargs", ParamKind.VAR_KEYWORD))),
         Docstring("add the numbers", long,
                   [ArgDoc("a", "int", "First. " + long), ArgDoc("b", "int", "Second."),
                    ArgDoc("args", "int", "More."), ArgDoc("key", "str", "A key."),
                    ArgDoc("kwargs", "object", "Extras.")],
                   ReturnsDoc("int", "The sum."), None, [RaisesDoc("ValueError", "If it fails. " + long)]),
         "return a + b", 0),
        ("def count(n: int) -> Iterator[int]:",
         make_target("count", params=(Param("n", PK, "int"),), generator=True),
         Docstring("Count up to n.", None, [ArgDoc("n", "int", "The limit.")], None,
                   YieldsDoc("int", "The next number.")),
         "yield from range(n)", 0),
        ("class Box:", make_target("Box", TargetKind.CLASS, attributes=(Attribute("size", "int"),)),
         Docstring("A box of a given size.", long, attributes=[AttributeDoc("size", "int", "Edge length.")]),
         "", 0),
        ("def __init__(self, size: int) -> None:",
         make_target("__init__", TargetKind.METHOD, params=(Param("size", PK, "int"),)),
         Docstring("initialize the box", None, [ArgDoc("size", "int", "Edge length.")]),
         "self.size = size", 1),
        ("@property\ndef area(self) -> int:", make_target("area", TargetKind.PROPERTY),
         Docstring("The area of the box.", None, returns=ReturnsDoc("int", "Square units.")),
         "return self.size ** 2", 1),
        ("@staticmethod\ndef make(kind: str) -> Box:",
         make_target("make", TargetKind.STATICMETHOD, params=(Param("kind", PK, "str"),)),
         Docstring(r"Make a box matching \w+ kinds", None, [ArgDoc("kind", "str", "The kind.")],
                   ReturnsDoc("Box", "A new box."), None, [RaisesDoc("ValueError", "If kind is empty.")]),
         "if not kind:\n    raise ValueError(kind)\nreturn Box(1)", 1),
        ("def resize(self, factor: float) -> None:",
         make_target("resize", TargetKind.METHOD, params=(Param("factor", PK, "float"),)),
         Docstring("resize the box", None, [ArgDoc("factor", "float", "Scale factor.")]),
         "self.size = int(self.size * factor)", 1),
        ("def reset(self) -> None:", make_target("reset", TargetKind.METHOD), Docstring("Reset the box."),
         "self.size = 0", 1),
    ]
    parts = ['"""Rendered docstrings under test."""\n\nfrom collections.abc import Iterator\n\n']
    for header, target, doc, body, level in definitions:
        outer = "    " * level
        inner = outer + "    "
        rendered = render(doc, target, style=style, width=72, indent=inner)
        literal = "\n".join(indent_literal(rendered.literal_lines, inner))
        # A class docstring is followed by one blank line (pydocstyle D204), then its methods.
        code = "\n" if target.is_class else textwrap.indent(body, inner) + "\n\n"
        parts.append(f"{textwrap.indent(header, outer)}\n{literal}\n{code}")
    return "".join(parts)


@pytest.mark.parametrize(("style", "convention"),
                         [("google", "google"), ("numpy", "numpy"), ("sphinx", "pep257")])
def test_rendered_docstrings_pass_pydocstyle(style: str, convention: str, tmp_path: Path) -> None:
    path = tmp_path / f"rendered_{style}.py"
    path.write_text(module_source(style), encoding="utf-8")
    ast.parse(path.read_text(encoding="utf-8"))
    # pydocstyle's command line treats @property as a property by default (no D401 for it); its API
    # needs to be told.
    errors = [str(e) for e in pydocstyle_check([str(path)], select=conventions[convention],
                                               property_decorators={"property"})]
    assert errors == [], "\n".join(errors) + "\n" + path.read_text(encoding="utf-8")


def test_pydocstyle_catches_a_broken_docstring(tmp_path: Path) -> None:
    # Proves the check above can fail: a summary without a period is reported.
    path = tmp_path / "bad.py"
    path.write_text('"""Module."""\n\n\ndef f():\n    """no period"""\n', encoding="utf-8")
    codes = {e.code for e in pydocstyle_check([str(path)], select=conventions["numpy"])}
    assert "D400" in codes
