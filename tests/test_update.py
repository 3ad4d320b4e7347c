"""--update: the author's words stay, the gaps are filled, in the docstring's own style."""

from __future__ import annotations

import pytest

from docgen_magic import api
from docgen_magic.core.cell import parse_cell
from docgen_magic.core.check import gaps
from docgen_magic.core.facts import extract_targets

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


@pytest.mark.parametrize("style", ["google", "numpy", "sphinx"])
def test_half_documented_function_keeps_its_words_and_gains_the_missing_parts(style: str) -> None:
    code = SIGNATURE + HALF[style] + BODY
    result = api.document(code, provider="offline", update=True, style="google", use_cache=False)
    [outcome] = result.targets
    assert outcome.status == "documented", outcome.error
    new = result.code
    for sentence in ("Average of the scores.", "Students who missed the test count as absent.",
                     "Marks out of 100, one per student.", "Refuse an empty class."):
        assert sentence in new
    assert "Gone since the rewrite" not in new and "old" not in new.split("def average")[1].split('"""')[1]
    for marker in MARKERS[style]:  # re-rendered in the docstring's own style, not the configured google
        assert marker in new
    assert new.index("scores") < new.index("weights", new.index('"""')) < new.index("strict", new.index('"""'))
    assert outcome.changes is not None and outcome.changes.style == style
    assert outcome.changes.added == ["parameter weights", "Returns", "Raises ValueError"]
    assert outcome.changes.removed == ["parameter old"] and outcome.changes.reordered
    assert "parameter scores" in outcome.changes.kept and "parameter strict" in outcome.changes.kept
    assert outcome.to_dict()["changes"]["added"] == outcome.changes.added
    (target,) = extract_targets(parse_cell(new))
    assert {code for code, _ in gaps(target)} <= {"placeholder"}  # structurally complete
    again = api.document(new, provider="offline", update=True, use_cache=False)
    assert again.code == new and again.targets[0].status == "skipped"


def test_complete_docstrings_stay_byte_for_byte() -> None:
    code = ('def f(a):\n    """Return  a.\n\n    Args:\n        a:   Anything,   spaced oddly.\n\n'
            '    Returns:\n      The very same object.\n    """\n    return a\n')
    result = api.document(code, provider="offline", update=True, use_cache=False)
    assert result.code == code
    assert result.targets[0].status == "skipped" and "up to date" in (result.targets[0].reason or "")


def test_sections_update_cannot_carry_are_left_alone() -> None:
    code = ('def f(a, b):\n    """Add.\n\n    Args:\n        a: First.\n\n    Examples:\n        >>> f(1, 2)\n'
            '        3\n    """\n    return a + b\n')
    result = api.document(code, provider="offline", update=True, use_cache=False)
    assert result.code == code and "left as is" in (result.targets[0].reason or "")


def test_overwrite_keeps_its_meaning() -> None:
    code = 'def f(a):\n    """Return a.\n\n    Args:\n        a: Anything at all.\n    """\n    return a\n'
    result = api.document(code, provider="offline", overwrite=True, use_cache=False)
    assert "Anything at all" not in result.code and result.targets[0].changes is None


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
    assert "Marks out of 100, one per student." in result.code and "Refuse an empty class." in result.code
    assert "weights\n        Model prose on how `average` uses it. Defaults to None." in result.code
    assert "Returns\n    -------\n    result\n        Model prose on what `average` gives back." in result.code
