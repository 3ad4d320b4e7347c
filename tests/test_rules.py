"""The rule book: one answer to which sections a target needs, how names and exceptions match."""

from __future__ import annotations

import pytest

from docgen_magic.core.cell import parse_cell
from docgen_magic.core.check import gaps
from docgen_magic.core.facts import Target, extract_targets
from docgen_magic.core.rules import (
    Code,
    bare_names,
    imperative,
    needs_returns,
    needs_returns_section,
    prose_fault,
    returned_kinds,
    same_exception,
    says_nothing,
    words,
)

CODE = '''
def call(fn, *args, key=None, **kwargs):
    return fn(*args, key=key, **kwargs)

def gen(n):
    yield n
    return n

class Box:
    @property
    def size(self) -> int:
        return 1
'''


def _targets() -> dict[str, Target]:
    return {t.qualname: t for t in extract_targets(parse_cell(CODE))}


@pytest.mark.parametrize(("entry", "names"), [
    ("\\*args", ["args"]), ("\\*\\*kwargs", ["kwargs"]), ("**kwargs", ["kwargs"]), ("x, y", ["x", "y"]),
    ("x (int)", ["x"]), ("", []),
])
def test_documented_names_are_read_the_same_in_every_style(entry: str, names: list[str]) -> None:
    assert bare_names(entry) == names


def test_sphinx_escaped_stars_count_as_documented() -> None:
    target = _targets()["call"]
    text = ("Call it.\n\n:param fn: The function.\n:param \\*args: Positional.\n:param key: Passed on to fn.\n"
            ":param \\*\\*kwargs: Keywords.\n:returns: What fn returns.\n")
    documented = Target(**{**target.__dict__, "docstring": text})
    assert gaps(documented) == []


def test_numpy_combined_entry_documents_both_names() -> None:
    code = "def f(x, y):\n    '''Add.\n\n    Parameters\n    ----------\n    x, y : int\n        Terms.\n    '''\n"
    (target,) = extract_targets(parse_cell(code))
    assert gaps(target) == []


def test_sections_a_target_needs() -> None:
    found = _targets()
    assert needs_returns(found["gen"]) and not needs_returns_section(found["gen"])
    assert needs_returns(found["Box.size"]) and not needs_returns_section(found["Box.size"])
    assert needs_returns_section(found["call"])


def test_exceptions_match_by_last_component() -> None:
    assert same_exception("json.JSONDecodeError", "JSONDecodeError")
    assert same_exception("ValueError", "`ValueError`")
    assert not same_exception("ValueError", "TypeError")


def test_codes_compare_equal_to_their_text() -> None:
    assert Code.MISSING_PARAM == "missing-param" and "missing-param" in {Code.MISSING_PARAM}


def test_words() -> None:
    assert words("loadCSVFile") == ["load", "CSV", "file"]
    assert words("_clean_sales_df") == ["clean", "sales", "df"]


@pytest.mark.parametrize(("text", "name", "code"), [
    ("The df.", "df", Code.RESTATED_NAME), ("The result.", "mean_score", Code.RESTATED_NAME),
    ("If the operation cannot be completed.", "ValueError", Code.RESTATED_NAME),
    ("TODO: describe ``x``.", "x", Code.PLACEHOLDER), ("...", "x", Code.PLACEHOLDER),
    ("The input dataframe values.", "df", None), ("Average of the scores.", "average", None),
    ("Defaults to 0.0.", "spread", None), ("Column to average. Defaults to 'score'.", "column", None),
    ("TODO describe ``x``.", "x", Code.PLACEHOLDER), ("Todo items to process.", "x", None),
    # "Defaults to" is read in the prose only, never inside code
    ("If ``default is not MISSING`` and ``x``.", "ValueError", None),
    ("The x. Defaults to 3.", "x", Code.RESTATED_NAME),
    ("todo: write this.", "x", Code.PLACEHOLDER),
])
def test_says_nothing(text: str, name: str, code: Code | None) -> None:
    assert says_nothing(text, name) == code


def test_check_flags_restated_names_and_placeholders_with_the_why() -> None:
    code = ('def mean_score(df, column="score"):\n    """Mean score.\n\n    Args:\n        df: The df.\n'
            '        column: TODO: describe.\n\n    Returns:\n        The result.\n    """\n'
            '    return df[column].mean()\n')
    (target,) = extract_targets(parse_cell(code))
    assert gaps(target) == [(Code.PLACEHOLDER, "placeholder text still to write: parameter column"),
                            (Code.RESTATED_NAME, "says nothing beyond the name: parameter df, Returns")]


@pytest.mark.parametrize(("summary", "expected"), [
    ("Returns the mean.", "Return the mean."),
    ("Computes a score for each row.", "Compute a score for each row."),
    ("Processes each row.", "Process each row."),
    ("Applies the mask.", "Apply the mask."),
    ("Checks whether `x` is set.", "Check whether `x` is set."),
    ("Makes `a` copy.", "Make `a` copy."),
    ("Return the mean.", "Return the mean."),  # already imperative
    ("Counts of each label.", "Counts of each label."),  # a plural noun, not a verb
    ("Lists of values.", "Lists of values."),
    ("Does the file exist?", "Does the file exist?"),  # a question, not a verb taking an object
    ("Raises ValueError.", "Raises ValueError."),  # not certain: left to the author
    ("Is empty.", "Is empty."),
    ("RETURNS the mean.", "RETURNS the mean."),
    ("Returns", "Returns"),
])
def test_a_functions_third_person_summary_is_put_in_the_imperative(summary: str, expected: str) -> None:
    assert imperative(summary, _targets()["call"]) == expected


def test_classes_and_properties_keep_their_summaries() -> None:
    targets = _targets()
    assert imperative("Holds the items.", targets["Box"]) == "Holds the items."
    assert imperative("Returns the size.", targets["Box.size"]) == "Returns the size."


# -- prose that says something ------------------------------------------------------------------------------

def _one(source: str) -> Target:
    return extract_targets(parse_cell(source))[0]


LOAD = _one("def load_data(path):\n    return open(path).read()\n")
SUMMARY = _one("class Summary:\n    pass\n")


@pytest.mark.parametrize("summary", [
    "This is a docstring for the function.", "This function loads the data.", "Here is the documentation.",
    "The function returns the text.",
    "A function that reads a file.", "Docstring for load_data.", "This method reads.", "-a", "¶",
    "`load_data`.", "The load_data function.", "Function to read the file.", "Return the result.", "Docstring.",
    "The function.",
    # a label before the text, as SmolLM2 writes them through llama.cpp's server
    "Function `load_data()`: The function returns the text.", "Function load_data - reads a file.",
    "Method Loader.load_data; reads a file.",
])
def test_vacuous_summaries_are_faults(summary: str) -> None:
    fault = prose_fault(summary, LOAD, part="summary")
    assert fault is not None and fault.code is Code.VACUOUS_SUMMARY


@pytest.mark.parametrize(("summary", "target"), [
    ("Load the data.", LOAD), ("Read the whole file at a path.", LOAD), ("Summary.", SUMMARY),
    ("A docstring style.", SUMMARY), ("Function names found in a module.", LOAD),
    ("Documentation coverage of a module.", SUMMARY), ("Load data.", LOAD), ("ABC.", _one("class ABC:\n    x = 1\n")),
    ("This is the same as read, without a copy.", LOAD), ("Data.", _one("class Data:\n    x = 1\n")),
    ("Class names found in a module: a set.", LOAD),
])
def test_summaries_that_say_something_or_are_the_codes_drafts_pass(summary: str, target: Target) -> None:
    assert prose_fault(summary, target, part="summary") is None


@pytest.mark.parametrize(("text", "found"), [
    ("The &#34;raw&#34; text.", "&#34;"), ("Text with &amp; in it.", "&amp;"), ("A <b>bold</b> claim.", "<b>"),
    ("Line one<br/>line two.", "<br/>"),
])
def test_markup_is_a_fault_in_every_part(text: str, found: str) -> None:
    for part in ("summary", "param", "returns", "description"):
        fault = prose_fault(text, LOAD, part=part)
        assert fault is not None and fault.code is Code.MARKUP and fault.found == found


@pytest.mark.parametrize("text", ["Compare ``a < b`` and ``x > y``.", "The `&#34;` entity as code.",
                                  "AT&T numbers; 3 < 4 > 2.", ">>> print('<b>')"])
def test_code_spans_comparisons_and_doctests_are_not_markup(text: str) -> None:
    assert prose_fault(text, LOAD, part="param") is None


@pytest.mark.parametrize(("source", "kinds"), [
    ("def f() -> dict[str, int]:\n    return {}\n", {"dict"}),
    ("def f() -> Optional[List[int]]:\n    return None\n", {"list", "None"}),
    ("def f() -> 'pd.DataFrame | None':\n    return None\n", {"DataFrame", "None"}),
    ("def f():\n    if x:\n        return {1: 2}\n    return dict(a=1)\n", {"dict"}),
    ("def f(x):\n    return sorted(x)\n", {"list"}),
    ("def f() -> Sequence[int]:\n    return []\n", None),  # an abstract type: nothing is evident
    ("def f(x):\n    if x:\n        return []\n    return x\n", None),  # one return is a name
])
def test_returned_kinds_come_from_the_annotation_else_from_every_return(source: str,
                                                                        kinds: set[str] | None) -> None:
    found = returned_kinds(_one(source))
    assert (set(found) if found is not None else None) == kinds


@pytest.mark.parametrize(("text", "fault"), [
    ("The list is returned, one entry per word.", ("list", "dict")),
    ("A list of counts.", ("list", "dict")),
    ("Returns a sorted list of the words.", ("list", "dict")),
    ("A pandas DataFrame with one row per word.", ("DataFrame", "dict")),
    ("A dict mapping each word to its count.", None),
    ("A dictionary of counts.", None),
    ("The number of items in the list.", None),  # the list is not what is returned
    ("String names of the words mapped to counts.", None),  # an adjective, not the returned value
])
def test_returns_text_naming_a_container_the_code_does_not_return(text: str,
                                                                  fault: tuple[str, str] | None) -> None:
    target = _one("def count(text: str) -> dict[str, int]:\n    return {}\n")
    found = prose_fault(text, target, part="returns")
    assert (None if found is None else (found.found if found.found != "dataframe" else "DataFrame",
                                        found.expected)) == fault
    assert prose_fault("A list of counts.", _one("def count(text):\n    return helper(text)\n"),
                       part="returns") is None  # nothing evident in the code: no claim to contradict


def test_a_summary_opening_with_return_is_judged_against_the_returned_type() -> None:
    target = _one("def count(text: str) -> dict[str, int]:\n    return {}\n")
    fault = prose_fault("Return the list of words.", target, part="summary")
    assert fault is not None and (fault.code, fault.found, fault.expected) == (Code.CONTRADICTS_CODE, "list", "dict")
    assert prose_fault("Return a dict of word counts.", target, part="summary") is None
    assert prose_fault("List the words of a text.", target, part="summary") is None  # a verb, not a claim


def test_a_tuple_described_by_its_parts_is_no_contradiction() -> None:
    target = _one("def stack(frame):\n    return [frame], 0\n")
    assert prose_fault("Return a list of frames and a size.", target, part="summary") is None


# What SmolLM2-135M wrote through llama.cpp's server for a three-function cell (each was asked again, then
# replaced from the code): a summary that is the name, one about "the function", a Returns of punctuation.
SCALE = _one("def scale(values, factor=2.0):\n    return [v * factor for v in values]\n")


@pytest.mark.parametrize(("text", "part", "code", "about_code"), [
    ("scale.", "summary", Code.VACUOUS_SUMMARY, False),
    ("The scale function is a decorator that can be used to improve the performance of your code.", "summary",
     Code.VACUOUS_SUMMARY, True),
    ("][", "returns", Code.VACUOUS, False),
    ("-", "param", Code.VACUOUS, False),
    ("The scale function is a decorator that improves your code.", "returns", Code.VACUOUS, True),
])
def test_what_a_small_model_wrote_is_judged(text: str, part: str, code: Code, about_code: bool) -> None:
    fault = prose_fault(text, SCALE, part=part)
    assert fault is not None and (fault.code, fault.about_code) == (code, about_code)


@pytest.mark.parametrize(("text", "target"), [
    ("Test.", _one("def test():\n    pass\n")),  # a verb with nothing to act on: the code says no more
    ("``'\\\\'``.", SCALE), ("``0``.", SCALE), ("Scale the values.", SCALE),
    ("Class holding the super and methods.", _one("class Class:\n    pass\n")),
])
def test_what_the_code_would_write_itself_is_not_judged_vacuous(text: str, target: Target) -> None:
    assert prose_fault(text, target, part="summary" if text[0].isalpha() else "returns") is None
