"""The rule book: one answer to which sections a target needs, how names and exceptions match."""

from __future__ import annotations

import pytest

from docgen_magic.core.cell import parse_cell
from docgen_magic.core.check import gaps
from docgen_magic.core.facts import Target, extract_targets
from docgen_magic.core.rules import Code, bare_names, needs_returns, needs_returns_section, same_exception, words

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
    text = ("Call it.\n\n:param fn: The function.\n:param \\*args: Positional.\n:param key: The key.\n"
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
