"""--update edits like a careful colleague: every line the author wrote stays, the gaps are inserted in their layout.

Most tests write a real file and run ``docgen --update --write`` on it (in-process), then compare the bytes.
"""

from __future__ import annotations

import ast
import difflib
import doctest
import io
import sys
import sysconfig
from pathlib import Path

import pytest

from docgen_magic import api, cli
from docgen_magic.core.cell import parse_cell
from docgen_magic.core.check import gaps
from docgen_magic.core.facts import extract_targets
from docgen_magic.core.titles import GOOGLE_TITLES

BODY = ("    if strict and not scores:\n        raise ValueError(\"no scores\")\n"
        "    return sum(scores) / len(scores)\n")
SIGNATURE = "def average(scores, weights=None, *, strict=False):\n"

HALF = {
    "google": ('    """Average of the scores.\n\n    Students who missed the test count as absent.\n\n'
               "    Args:\n        strict: Refuse an empty class.\n        scores: Marks out of 100, one per student.\n"
               '        old: Gone since the rewrite.\n    """\n'),
    "numpy": ('    """Average of the scores.\n\n    Students who missed the test count as absent.\n\n'
              "    Parameters\n    ----------\n    strict : bool\n        Refuse an empty class.\n"
              "    scores : list\n        Marks out of 100, one per student.\n    old : int\n"
              '        Gone since the rewrite.\n    """\n'),
    "sphinx": ('    """Average of the scores.\n\n    Students who missed the test count as absent.\n\n'
               "    :param strict: Refuse an empty class.\n    :param scores: Marks out of 100, one per student.\n"
               '    :param old: Gone since the rewrite.\n    """\n'),
}
MARKERS = {"google": ("Args:", "Returns:", "Raises:"), "numpy": ("Parameters\n", "Returns\n", "Raises\n"),
           "sphinx": (":param scores:", ":returns:", ":raises ValueError:")}


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL",
                 "DOCGEN_PROVIDER", "DOCGEN_STYLE", "DOCGEN_UPDATE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCGEN_CACHE_DIR", str(tmp_path / "cache"))


def update_file(tmp_path: Path, text: str | bytes, *extra: str) -> bytes:
    """Write ``text`` to a real file, run ``docgen --update --write`` on it, return the file's bytes."""
    path = tmp_path / "module.py"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    status = cli.main(["--provider", "offline", "--update", "--write", "--no-cache", *extra, str(path)])
    assert status in (0, 1)
    return path.read_bytes()


def author_lines_kept(before: str, after: str) -> bool:
    """Every line of ``before`` is in ``after``, in order, byte for byte (endings included), and only lines
    were added. Two edits keep the author's text: closing quotes that shared the author's last line move to a
    line of their own, and an ``r`` prefix is added when the new text has a backslash."""
    old = io.StringIO(before, newline="").readlines()
    new = io.StringIO(after, newline="").readlines()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            added = new[j1:j2]
            for line in old[i1:i2]:
                text = line.rstrip("\r\n")
                ending = line[len(text):]
                candidates = {line, text.replace('"""', 'r"""', 1) + ending}
                if text.rstrip().endswith('"""') and text.rstrip()[:-3].strip():
                    cut = text.rstrip()[:-3]
                    candidates |= {cut + ending, cut.replace('"""', 'r"""', 1) + ending}
                if not candidates & set(added):
                    return False
    return True


def examples(code: str) -> list[tuple[str, str]]:
    """Every doctest example in the code's docstrings, as doctest reads them."""
    found = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            doc = ast.get_docstring(node, clean=False)
            found += [(e.source, e.want) for e in doctest.DocTestParser().get_examples(doc or "")]
    return found


@pytest.mark.parametrize("style", ["google", "numpy", "sphinx"])
def test_half_documented_function_gains_the_missing_parts_and_keeps_every_line(
        style: str, tmp_path: Path, offline: None) -> None:
    code = SIGNATURE + HALF[style] + BODY
    new = update_file(tmp_path, code, "--style", "google").decode()
    assert author_lines_kept(code, new)
    for marker in MARKERS[style]:  # inserted in the docstring's own style, not the configured google
        assert marker in new
    assert "Gone since the rewrite" in new  # stale entries are reported, never removed
    result = api.document(code, provider="offline", update=True, style="google", use_cache=False)
    [outcome] = result.targets
    assert outcome.status == "documented" and result.code == new
    assert outcome.changes is not None and outcome.changes.style == style
    assert outcome.changes.added == ["parameter weights", "Returns", "Raises ValueError"]
    assert outcome.changes.stale == ["parameter old"]
    assert outcome.to_dict()["changes"]["stale"] == ["parameter old"]
    (target,) = extract_targets(parse_cell(new))
    assert {code for code, _ in gaps(target)} <= {"placeholder", "unknown-param"}  # nothing missing any more
    again = api.document(new, provider="offline", update=True, use_cache=False)
    assert again.code == new and again.targets[0].status == "skipped"
    assert "stale, left in place: parameter old" in (again.targets[0].reason or "")


def test_google_entries_go_in_signature_order_in_the_authors_indentation(tmp_path: Path, offline: None) -> None:
    code = ('def f(a, b, c, d):\n    """Do f.\n\n    Args:\n      a: First, whose text runs on\n'
            '          to a second line.\n      c: Third.\n    """\n    return None\n')
    new = update_file(tmp_path, code).decode()
    assert author_lines_kept(code, new)
    assert ("      a: First, whose text runs on\n          to a second line.\n      b: TODO describe ``b``.\n"
            "      c: Third.\n      d: TODO describe ``d``.\n") in new


def test_numpy_sections_go_in_numpydocs_order_before_the_examples(tmp_path: Path, offline: None) -> None:
    code = ('def total(values, start=0):\n    """Add the values.\n\n    Parameters\n    ----------\n'
            '    values : list\n          The numbers.\n\n    Examples\n    --------\n    >>> total([1, 2])\n'
            '    3\n    """\n    if not values:\n        raise ValueError("empty")\n    return sum(values) + start\n')
    new = update_file(tmp_path, code).decode()
    assert author_lines_kept(code, new) and examples(new) == examples(code) == [("total([1, 2])\n", "3\n")]
    doc = new.split('"""')[1]
    assert doc.index("values : list") < doc.index("\n    start\n") < doc.index("Returns\n    -------") \
        < doc.index("Raises\n    ------") < doc.index("Examples")
    assert "\n    start\n          Used in ``sum(values) + start``. Defaults to 0.\n" in doc  # the author's depth


def test_sphinx_fields_join_the_authors_field_list_in_order(tmp_path: Path, offline: None) -> None:
    code = ('def load(path, mode="r"):\n    """Load a file.\n\n    :param path: Where it is, written\n'
            '       over two lines.\n    :raises OSError: When it cannot be read.\n    """\n'
            '    if not path:\n        raise ValueError(path)\n    return open(path, mode)\n')
    new = update_file(tmp_path, code).decode()
    assert author_lines_kept(code, new)
    fields = [line.split(":")[1] for line in new.split('"""')[1].splitlines() if line.strip().startswith(":")]
    assert fields == ["param path", "param mode", "returns", "raises OSError", "raises ValueError"]
    assert '\n\n    :param' in new and "\n\n    :returns:" not in new  # one field list, no blank lines inside


def test_a_docstring_without_sections_gets_one_sphinx_field_list_after_its_last_line(
        tmp_path: Path, offline: None) -> None:
    code = ('def load(path, *args):\n    """\n    Load a thing.\n\n    More words here,\n    and here.\n    """\n'
            '    return open(path, *args)\n')
    new = update_file(tmp_path, code, "--style", "sphinx").decode()
    assert author_lines_kept(code, new)
    assert new.startswith('def load(path, *args):\n    r"""\n    Load a thing.\n\n    More words here,\n    and here.\n'
                          '\n    :param path: ')
    fields = new.split("and here.\n\n")[1].split('    """')[0]
    assert "\n\n" not in fields and fields.count("\n    :") == 2  # one field list: path, \*args, returns
    assert ":param \\*args:" in fields  # reST-escaped star, in a raw string the author's text did not need


def test_numpy_class_attributes_go_after_parameters_and_nothing_is_stale(tmp_path: Path, offline: None) -> None:
    code = ('class Point:\n    """A point.\n\n    Parameters\n    ----------\n    x : float\n        Across.\n\n'
            '    Notes\n    -----\n    Immutable in spirit.\n    """\n\n'
            '    def __init__(self, x):\n        self.x = x\n')
    new = update_file(tmp_path, code).decode()
    assert author_lines_kept(code, new)
    doc = new.split('"""')[1]
    assert doc.index("Parameters") < doc.index("Attributes\n    ----------\n    x\n        ") < doc.index("Notes")
    result = api.document(code, provider="offline", update=True, use_cache=False)
    changes = result.targets[0].changes
    assert changes is not None and changes.added == ["attribute x"] and changes.stale == []


def test_google_section_goes_after_args_and_before_free_sections(tmp_path: Path, offline: None) -> None:
    code = ('def half(x):\n    """Halve.\n\n    Args:\n        x: A number.\n\n    Example:\n'
            '        >>> half(4)\n        2.0\n    """\n    return x / 2\n')
    new = update_file(tmp_path, code).decode()
    assert author_lines_kept(code, new) and examples(new) == examples(code)
    assert "        x: A number.\n\n    Returns:\n        The value of ``x / 2``.\n\n    Example:\n" in new


def test_doctests_stay_runnable_and_signature_summaries_stay_as_written(tmp_path: Path, offline: None) -> None:
    code = ('def _split(text, sep=None):\n    """_split(text : string) -> [string]\n\n'
            '    Split the text. The paragraph is wrapped\n    the way its author liked it,  with two spaces.\n\n'
            '    >>> _split("a b")\n    [\'a\', \'b\']\n    >>> _split(\n    ...     "a,b", ",")\n'
            '    [\'a\', \'b\']\n    """\n    return text.split(sep)\n')
    new = update_file(tmp_path, code).decode()
    assert author_lines_kept(code, new)
    assert examples(new) == examples(code) and len(examples(code)) == 2
    assert '    """_split(text : string) -> [string]\n' in new and "\\>>>" not in new
    assert "Args:\n        text:" in new and "Returns:" in new
    doc = ast.get_docstring(ast.parse(new).body[0])
    assert doctest.DocTestParser().get_examples(doc or "")[1].want == "['a', 'b']\n"


def test_one_line_docstrings_get_their_closing_quotes_moved_only(tmp_path: Path, offline: None) -> None:
    code = 'def f(a):\n    """Return a, said plainly."""\n    return a\n'
    new = update_file(tmp_path, code).decode()
    assert new.startswith('def f(a):\n    """Return a, said plainly.\n\n    Args:\n')
    assert new.endswith('            ``a``.\n    """\n    return a\n') or new.endswith('    """\n    return a\n')
    assert author_lines_kept(code, new)


def test_new_text_with_a_backslash_adds_an_r_prefix_without_escaping_the_authors_text(
        tmp_path: Path, offline: None) -> None:
    code = 'def join(parts, sep="\\t"):\n    """Join the parts.\n\n    Keep it short.\n    """\n    return sep\n'
    new = update_file(tmp_path, code).decode()
    assert '    r"""Join the parts.\n\n    Keep it short.\n' in new
    # the default as written in the code, as inline code (reST would read the backslash as an escape)
    assert "Defaults to ``\"\\t\"``." in new
    value = ast.get_docstring(ast.parse(new).body[0], clean=False) or ""
    assert value.startswith("Join the parts.\n\n    Keep it short.\n") and 'Defaults to ``"\\t"``.' in value


def test_an_author_escape_keeps_the_literal_and_the_new_text_is_escaped(tmp_path: Path, offline: None) -> None:
    code = ('def join(parts, sep="\\t"):\n    """Join the parts with a \\t between.\n\n'
            '    Keep it short.\n    """\n    return sep\n')
    new = update_file(tmp_path, code).decode()
    assert author_lines_kept(code, new) and 'r"""' not in new
    assert "Defaults to ``\"\\\\t\"``." in new  # escaped in the source ...
    value = ast.get_docstring(ast.parse(new).body[0], clean=False) or ""
    assert value.startswith("Join the parts with a \t between.")
    assert 'Defaults to ``"\\t"``.' in value  # ... not in the value


def test_crlf_and_tabs_are_kept_byte_for_byte(tmp_path: Path, offline: None) -> None:
    code = (b'class Shop:\r\n\tdef price(self, item, qty):\r\n\t\t"""Price an order.\r\n\r\n\t\tArgs:\r\n'
            b'\t\t\titem: What is bought.\r\n\t\t"""\r\n\t\treturn item.cost * qty\r\n')
    new = update_file(tmp_path, code)
    assert author_lines_kept(code.decode(), new.decode())
    assert b"\n" not in new.replace(b"\r\n", b"")  # every line ends with CRLF
    assert b"\t\t\titem: What is bought.\r\n\t\t\tqty: " in new
    assert b"\r\n\r\n\t\tReturns:\r\n\t\t\t" in new


@pytest.mark.parametrize(("code", "reason"), [
    ('def f(a, b):\n    """Do f.\n\n    Raises:\n        KeyError: Never.\n\n    Args:\n        a: A.\n'
     '        b: B.\n    """\n    return a + b\n', "not in the google order"),
    ('def f(a, b):\n    "Add a and b."\n    return a + b\n', "not one triple-quoted string"),
    ('def f(a, b):\n    """Add.\n\n    Args:\n        a: A.\n\n    :param b: B.\n    """\n    return a + b\n',
     "mixes docstring styles"),
    ('def f(a, b):\n    """Add."""  # the sum\n    return a + b\n', "shares its lines"),
    ('def f(a, b):\n    """Args:\n        a: A.\n    """\n    return a + b\n', "opens with a section"),
    ('def f(a, b):\n    """:param a: A.\n    """\n    return a + b\n', "opens with a section"),
    ('def f(a, b):\n    """Add a and b, a line that \\\n    continues.\\\n    """\n    return a + b\n',
     "a line continuation inside the docstring"),
    ('def f(a, b):\n    """Add.\n\n    Arguments:\n    a -- the first,\n        on two lines.\n    """\n'
     '    return a + b\n',
     "Arguments section's entries do not read as google entries"),
    ('def f(a, b):\n    """Add.\n\n    Args:\n        a -- the first.\n    """\n    return a + b\n',
     "Args section's entries do not read as google entries"),
    ('def f(a):\n    """Check.\n\n    Args:\n        a: A.\n\n    Returns:\n    True when it holds.\n    """\n'
     '    if a:\n        raise ValueError(a)\n    return True\n', "Returns section's text is not laid out"),
    ('def f(a, b):\n    """Add.""" """More."""\n    return a + b\n', "not one triple-quoted string"),
    ('def f(a, b):\n    ("""Add."""\n     """More.""")\n    return a + b\n', "not one triple-quoted string"),
])
def test_a_docstring_that_cannot_be_edited_safely_is_reported_and_left_alone(
        code: str, reason: str, tmp_path: Path, offline: None) -> None:
    assert update_file(tmp_path, code).decode() == code
    result = api.document(code, provider="offline", update=True, use_cache=False)
    assert result.code == code
    [outcome] = result.targets
    assert outcome.status == "skipped" and reason in (outcome.reason or ""), outcome.reason
    assert (outcome.reason or "").startswith("--update cannot edit this docstring safely")


def test_a_part_written_inline_with_its_title_counts_and_is_never_split(tmp_path: Path, offline: None) -> None:
    code = ('def f(title, poly):\n    """Ask.\n\n    Args:\n        title: The title.\n        poly: Pairs.\n\n'
            '    Returns: the answer, which may run\n        over two lines.\n    """\n    if not poly:\n'
            '        raise ValueError(title)\n    return title\n')
    new = update_file(tmp_path, code).decode()
    assert author_lines_kept(code, new)
    assert "        over two lines.\n\n    Raises:\n        ValueError: " in new  # Returns counted as there
    inline_args = code.replace("    Args:\n        title: The title.\n        poly: Pairs.\n",
                               "    Arguments: title is the title of the window,\n      poly is a tuple of pairs.\n")
    result = api.document(inline_args, provider="offline", update=True, use_cache=False)
    assert result.code == inline_args and "Arguments section's entries" in (result.targets[0].reason or "")


def test_the_cli_names_what_only_the_author_can_settle(tmp_path: Path, offline: None,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    code = ('def f(a, b):\n    "Add a and b."\n    return a + b\n\n\n'
            'def g(a, b):\n    """Add.\n\n    Args:\n        a: A.\n        c: Gone.\n    """\n    return a + b\n')
    update_file(tmp_path, code)
    err = capsys.readouterr().err
    assert "module.py:1: f: --update left it as is: it is not one triple-quoted string" in err
    assert "module.py:6: g: added parameter b, Returns; stale, left in place: parameter c" in err
    result = api.document(code, provider="offline", update=True, use_cache=False)
    assert result.targets[0].to_dict()["changes"]["refused"] == "it is not one triple-quoted string"


def test_complete_docstrings_stay_byte_for_byte(tmp_path: Path, offline: None) -> None:
    code = ('def f(a):\n    """Return  a.\n\n    Args:\n        a:   Anything,   spaced oddly.\n\n'
            '    Returns:\n      The very same object.\n    """\n    return a\n')
    assert update_file(tmp_path, code).decode() == code
    result = api.document(code, provider="offline", update=True, use_cache=False)
    assert result.targets[0].status == "skipped" and "up to date" in (result.targets[0].reason or "")


def test_missing_docstrings_are_written_as_in_a_normal_run(tmp_path: Path, offline: None) -> None:
    code = 'def f(a):\n    return a\n\n\ndef g(b):\n    """Give b."""\n    return b\n'
    new = update_file(tmp_path, code).decode()
    normal = api.document(code, provider="offline", use_cache=False).code
    assert new.split("def g")[0] == normal.split("def g")[0] != code.split("def g")[0]
    assert '    """Give b.\n' in new


def test_overwrite_keeps_its_meaning() -> None:
    code = 'def f(a):\n    """Return a.\n\n    Args:\n        a: Anything at all.\n    """\n    return a\n'
    result = api.document(code, provider="offline", overwrite=True, use_cache=False)
    assert "Anything at all" not in result.code and result.targets[0].changes is None


STDLIB = Path(sysconfig.get_paths()["stdlib"])


@pytest.mark.parametrize("module", ["statistics.py", "textwrap.py", "difflib.py", "fractions.py"])
def test_standard_library_modules_only_gain_lines_and_keep_their_doctests(module: str) -> None:
    path = STDLIB / module
    if not path.exists():
        pytest.skip(f"{module} is not in this Python's standard library")
    code = path.read_text(encoding="utf-8")
    result = api.document(code, provider="offline", update=True, use_cache=False)
    assert author_lines_kept(code, result.code)
    assert examples(result.code) == examples(code)
    edited = [o for o in result.targets if o.status == "documented" and o.changes is not None]
    assert edited and all(o.changes.added for o in edited)  # type: ignore[union-attr]


def test_the_model_is_asked_only_for_the_missing_parts(fake_openai: object) -> None:
    from docgen_magic.providers.chat import make_azure_provider
    from tests.fake_openai import DISTINCTIVE_KEY, FakeOpenAI

    assert isinstance(fake_openai, FakeOpenAI)
    provider = make_azure_provider(endpoint=fake_openai.url, deployment="docgen-test", api_version="2024-10-21",
                                   api_key=DISTINCTIVE_KEY, timeout=10.0, max_retries=0, strict=True,
                                   max_completion_tokens=512, send_temperature=False)
    code = SIGNATURE + HALF["numpy"] + BODY
    result = api.document(code, provider=provider, update=True, use_cache=False)
    [outcome] = result.targets
    assert outcome.status == "documented" and outcome.changes is not None
    prompt = fake_openai.requests[-1]["body"]["messages"][1]["content"]
    assert "Marks out of 100, one per student." in prompt  # the existing text is in the prompt
    assert "Only these parts are missing" in prompt and "parameter weights, Returns, Raises ValueError" in prompt
    assert author_lines_kept(code, result.code)
    assert "    weights\n        Model prose on how `average` uses it. Defaults to None." in result.code
    assert "    Returns\n    -------\n    result\n        Model prose on what `average` gives back." in result.code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))


_TITLED = {  # a function whose one documented part is the section's, and the code that needs it
    "params": ("def f(a):\n", "        a: What gets printed.\n", "    print(a)\n"),
    "kwparams": ("def f(*, a):\n", "        a: What gets printed.\n", "    print(a)\n"),
    "otherparams": ("def f(a):\n", "        a: What gets printed.\n", "    print(a)\n"),
    "returns": ("def f():\n", "        The number one.\n", "    return 1\n"),
    "yields": ("def f():\n", "        The number one.\n", "    yield 1\n"),
    "raises": ("def f():\n", "        ValueError: Always.\n", '    raise ValueError("no")\n'),
}


@pytest.mark.parametrize("title", sorted(t for t, (key, _) in GOOGLE_TITLES.items() if key in _TITLED))
def test_check_and_update_read_every_google_title_alike(title: str) -> None:
    """Each title Napoleon reads (``Raise:``, ``Keyword Args:``, ``Return:``, ...) documents its part for
    ``--check`` exactly as for ``--update``: neither reports it missing, so ``--check`` after ``--update`` flags
    nothing ``--update`` saw."""
    head, entry, body = _TITLED[GOOGLE_TITLES[title][0]]
    code = f'{head}    """Do the thing.\n\n    {title.title()}:\n{entry}    """\n{body}'
    (target,) = extract_targets(parse_cell(code))
    assert gaps(target) == []
    assert api.document(code, provider="offline", update=True, use_cache=False).code == code


_CONSTRUCTED = {
    "google": ('    """Hold an account.\n\n    Args:\n        owner: Who holds it.\n'
               '        balance: What it starts with.\n{extra}    """\n'),
    "numpy": ('    """Hold an account.\n\n    Parameters\n    ----------\n    owner : str\n        Who holds it.\n'
              '    balance : int\n        What it starts with.\n{extra}    """\n'),
    "sphinx": ('    """Hold an account.\n\n    :param owner: Who holds it.\n'
               '    :param balance: What it starts with.\n{extra}    """\n'),
}
_GONE = {"google": "        overdraft: Gone since the rewrite.\n",
         "numpy": "    overdraft : int\n        Gone since the rewrite.\n",
         "sphinx": "    :param overdraft: Gone since the rewrite.\n"}


@pytest.mark.parametrize("style", ["google", "numpy", "sphinx"])
def test_a_class_docstring_may_document_its_constructors_parameters(style: str) -> None:
    """Neither ``--check`` nor ``--update`` calls a constructor parameter in the class docstring unknown or stale;
    a name the constructor does not take is, in both; a class whose constructor is inherited is not judged."""
    init = "    def __init__(self, owner: str, balance: int = 0) -> None:\n        print(owner, balance)\n"
    code = f"class Account:\n{_CONSTRUCTED[style].format(extra='')}\n{init}"
    target = extract_targets(parse_cell(code))[0]
    assert gaps(target) == []
    [account, _] = api.document(code, provider="offline", update=True, use_cache=False).targets
    assert (account.name, account.status) == ("Account", "skipped")
    assert account.reason == "up to date: nothing missing; left as is"
    stale = f"class Account:\n{_CONSTRUCTED[style].format(extra=_GONE[style])}\n{init}"
    assert [code for code, _ in gaps(extract_targets(parse_cell(stale))[0])] == ["unknown-param"]
    [account, _] = api.document(stale, provider="offline", update=True, use_cache=False).targets
    assert "stale, left in place: parameter overdraft" in (account.reason or "")
    inherited = f"class Savings(Account):\n{_CONSTRUCTED[style].format(extra=_GONE[style])}"
    assert gaps(extract_targets(parse_cell(inherited))[0]) == []
