"""Reading an existing docstring's own lines: style, sections, entries and their indentation."""

from __future__ import annotations

from docgen_magic.core.layout import read_layout
from docgen_magic.core.titles import OTHER, PARAMS, RAISES, RETURNS


def texts(doc: str) -> list[str]:
    return doc.split("\n")


def test_google_sections_entries_and_indentation() -> None:
    layout = read_layout(texts("Sum.\n\n  Args:\n      a (int): First,\n          continued.\n      *rest: More.\n"
                               "\n  Raises:\n      KeyError, ValueError: Bad.\n\n  Example:\n      >>> 1\n  "), "    ")
    assert layout.style == "google" and layout.margin == "  "
    args, raises, example = layout.sections
    assert (args.key, args.start, args.last, args.indent, args.entry_indent, args.deeper) == \
        (PARAMS, 2, 5, "  ", "      ", "          ")
    assert [(e.names, e.start, e.last, e.typed) for e in args.entries] == [(["a"], 3, 4, True), (["rest"], 5, 5, False)]
    assert raises.key == RAISES and layout.names(RAISES) == ["KeyError", "ValueError"]
    assert example.key == OTHER and example.rank is None and example.entries == []


def test_numpy_sections_need_their_underline() -> None:
    layout = read_layout(texts("Sum.\n\nParameters\n----------\nx, y : int\n    Values.\n\nReturns\n-------\nint\n"
                               "    The sum.\n\nExamples\nnot underlined\n"), "")
    assert layout.style == "numpy"
    assert [s.key for s in layout.sections] == [PARAMS, RETURNS]
    assert layout.names(PARAMS) == ["x", "y"] and layout.sections[0].deeper == "    "


def test_sphinx_fields_group_by_what_they_document() -> None:
    layout = read_layout(texts("Sum.\n\n:param int a: First,\n   continued.\n:type a: int\n:param \\*rest: More.\n"
                               ":returns: The sum.\n:raises ValueError: Bad.\n"), "")
    assert layout.style == "sphinx"
    assert [(s.key, len(s.entries)) for s in layout.sections] == [(PARAMS, 3), (RETURNS, 1), (RAISES, 1)]
    assert layout.names(PARAMS) == ["a", "a", "rest"] and layout.sections[0].deeper == "   "


def test_mixed_styles_and_plain_docstrings() -> None:
    mixed = read_layout(texts("Sum.\n\nArgs:\n    a: A.\n\n:param b: B.\n"), "")
    assert mixed.style is None and mixed.mixed == ("google", "sphinx")
    plain = read_layout(texts("Sum.\n\n    Some text, no sections.\n    >>> 1\n    1\n    "), "    ")
    assert plain.style is None and plain.sections == [] and plain.mixed == ()


def test_entries_that_do_not_read_as_entries_make_a_section_irregular() -> None:
    dashed = read_layout(texts("Sum.\n\nArguments:\n    a -- the first.\n"), "")
    assert not dashed.sections[0].regular
    flat = read_layout(texts("Sum.\n\nArgs:\na: not indented under the header.\n"), "")
    assert not flat.sections[0].regular
    fine = read_layout(texts("Sum.\n\nArgs:\n    a: A.\n\nReturns:\nNot indented, but never edited.\n"), "")
    assert fine.sections[0].regular
