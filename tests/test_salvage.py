"""Salvage and prose that says something, against the loopback fake through the real openai SDK.

A weak model's answers are scripted on the fake (``WEAK_ANSWERS`` and the JSON faults); the refine loop keeps
the best answer, re-asks with the exact problems, and writes from the code what no answer got right.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from docgen_magic.core.cell import parse_cell
from docgen_magic.core.facts import Target, extract_targets
from docgen_magic.core.options import RunOptions
from docgen_magic.core.ports import Provider
from docgen_magic.core.refine import Generation, generate_docstring
from docgen_magic.providers.chat import make_openai_provider
from tests.fake_openai import DISTINCTIVE_KEY, FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent

SCALE = (
    "def scale(values: list[float], factor: float = 2.0) -> list[float]:\n"
    "    if not values:\n"
    "        raise ValueError('nothing to scale')\n"
    "    return [v * factor for v in values]\n"
)
COUNTS = (
    "def count_words(text: str) -> dict[str, int]:\n"
    "    counts: dict[str, int] = {}\n"
    "    for word in text.split():\n"
    "        counts[word] = counts.get(word, 0) + 1\n"
    "    return counts\n"
)


def provider_for(fake: FakeOpenAI) -> Provider:
    return make_openai_provider(model="weak-model", base_url=fake.openai_base_url, api_key=DISTINCTIVE_KEY,
                                timeout=10.0, max_retries=0, strict=True, max_completion_tokens=256,
                                send_temperature=False)


def target_of(source: str) -> Target:
    return extract_targets(parse_cell(source))[0]


def refine(fake: FakeOpenAI, source: str, max_attempts: int = 3) -> Generation:
    async def run() -> Generation:
        provider = provider_for(fake)
        try:
            return await generate_docstring(target_of(source), provider,
                                            options=RunOptions(max_attempts=max_attempts))
        finally:
            await provider.aclose()

    return asyncio.run(run())


def refinement_text(fake: FakeOpenAI, number: int) -> str:
    """The last user message of the request ``number`` (0-based): the problems sent back."""
    return str(fake.requests[number]["body"]["messages"][-1]["content"])


def test_a_valid_but_incomplete_first_answer_is_salvaged_when_later_ones_are_not_json(fake_openai: FakeOpenAI) -> None:
    # The case: attempt 1 is valid JSON missing one parameter and the raise; attempts 2 and 3 are not
    # JSON. The target is documented from attempt 1 plus the code's own facts.
    fake_openai.enqueue("missing-param-and-raise", "malformed", "malformed")
    gen = refine(fake_openai, SCALE)
    doc = gen.docstring
    assert gen.error is None and doc is not None and gen.attempts == 3
    assert doc.summary == "Do the scale step."  # the model's
    assert [(a.name, a.description) for a in doc.args] == [
        ("values", "Model prose on how `scale` uses it."), ("factor", "Used in ``v * factor``. Defaults to 2.0.")]
    assert [(r.exception, r.description) for r in doc.raises] == [
        ("ValueError", 'If ``values`` is empty or false ("nothing to scale").')]
    assert doc.returns is not None and doc.returns.description == "Model prose on what `scale` gives back."
    assert gen.notes == ["parameter factor, Raises ValueError written from the code (the model's answers "
                         "disagreed with it 3 time(s); the answer of attempt 1 kept)"]
    asked = refinement_text(fake_openai, 1)
    assert "Parameter(s) `factor` are not documented" in asked and "The code raises `ValueError`" in asked


def test_the_best_answer_across_attempts_is_kept(fake_openai: FakeOpenAI) -> None:
    # 1: everything right plus a parameter the code lacks (droppable); 2: one parameter missing; 3: not JSON.
    fake_openai.enqueue("extra-param", "missing-param", "malformed")
    gen = refine(fake_openai, SCALE)
    doc = gen.docstring
    assert gen.error is None and doc is not None
    assert [a.name for a in doc.args] == ["values", "factor"]  # the hallucinated one dropped
    assert all(a.description.startswith("Model prose") for a in doc.args)  # all the model's, from attempt 1
    assert doc.raises[0].description == "Model prose on the condition that triggers it."
    assert gen.notes == ["the answer of attempt 1 kept, the best of 3 attempt(s)"]


def test_a_vacuous_summary_is_asked_again_with_the_problem_then_written_from_the_code(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue("vacuous-summary", "vacuous-summary", "vacuous-summary")
    gen = refine(fake_openai, SCALE)
    assert gen.docstring is not None and gen.error is None
    for number in (1, 2):
        assert ('The summary talks about the code ("This is a docstring") instead of saying what `scale` does; '
                "start with what it does.") in refinement_text(fake_openai, number)
    assert gen.docstring.summary == "Scale the values."  # the code's draft, from the name and the parameter
    assert gen.docstring.args[0].description.startswith("Model prose")  # the rest of the answer is kept
    assert gen.notes == ["summary written from the code (the model's answers disagreed with it 3 time(s))"]
    assert gen.problems_fixed == ["vacuous-summary"]


def test_a_vacuous_summary_fixed_on_the_second_attempt_is_the_models(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue("vacuous-summary")
    gen = refine(fake_openai, SCALE)
    assert gen.docstring is not None and gen.docstring.summary == "Do the scale step." and gen.notes == []
    assert gen.problems_fixed == ["vacuous-summary"] and gen.attempts == 2


def test_an_html_entity_is_rejected_with_the_words_at_fault(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue("html-entity")
    gen = refine(fake_openai, SCALE)
    assert gen.docstring is not None and gen.attempts == 2 and gen.problems_fixed == ["markup"]
    assert ('The description of `values` contains markup ("&#34;"); write plain text, without HTML tags or '
            "entities.") in refinement_text(fake_openai, 1)
    assert "&#34;" not in json.dumps(gen.docstring.to_dict())


def test_markup_left_at_the_last_attempt_is_removed_with_a_note(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue("html-entity", "html-entity", "html-entity")
    gen = refine(fake_openai, SCALE)
    assert gen.docstring is not None and gen.error is None
    assert gen.docstring.args[0].description == 'Model prose on how `scale` uses it, "quoted" twice.'
    assert gen.notes == ["markup removed from the parameter values"]


def test_a_returns_text_naming_a_container_the_code_does_not_return_is_replaced(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue("wrong-container", "wrong-container", "wrong-container")
    gen = refine(fake_openai, COUNTS)
    assert gen.docstring is not None and gen.error is None
    assert ("The returns text says a list is returned, but the code returns a dict; say what the dict holds."
            in refinement_text(fake_openai, 1))
    returns = gen.docstring.returns
    assert returns is not None and returns.type == "dict[str, int]"
    assert returns.description == "``counts``."  # the code's draft: the returned name
    assert gen.notes == ["Returns written from the code (the model's answers disagreed with it 3 time(s))"]


def test_no_usable_answer_is_written_from_the_code_when_the_code_says_everything(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue("malformed", "no-tool-call", "malformed")
    gen = refine(fake_openai, SCALE)
    doc = gen.docstring
    assert gen.error is None and doc is not None
    assert doc.summary == "Scale the values." and doc.raises[0].exception == "ValueError"
    assert len(gen.notes) == 1 and gen.notes[0].startswith("written from the code: no usable answer in 3 "
                                                           "attempt(s) (The function arguments are not valid JSON")


def test_check_flags_vacuous_markup_and_contradicting_text_in_existing_docstrings(tmp_path: Path) -> None:
    path = tmp_path / "module.py"
    path.write_text(
        'def count_words(text: str) -> dict[str, int]:\n'
        '    """This is a docstring for the function.\n\n'
        '    Args:\n'
        '        text: The text to split into &#34;words&#34;.\n\n'
        '    Returns:\n'
        '        The list is returned, one entry per word.\n'
        '    """\n'
        '    return {w: 1 for w in text.split()}\n\n\n'
        'def fine(text: str) -> dict[str, int]:\n'
        '    """Count each word of a text.\n\n'
        '    Args:\n'
        '        text: Words separated by white space (``&#34;`` is code, not markup).\n\n'
        '    Returns:\n'
        '        A dict mapping each word to how often it occurs.\n'
        '    """\n'
        '    return {w: 1 for w in text.split()}\n')
    env: dict[str, Any] = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "docgen_magic", "--check", str(path)], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=60)
    assert proc.returncode == 1, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if "module.py" in line]
    assert lines == [
        f'{path}:1: count_words: summary talks about the code ("This is a docstring") instead of saying what it '
        'does; markup in: parameter text ("&#34;"); Returns names a list, the code returns a dict'], proc.stdout


def test_the_report_names_what_was_salvaged_and_from_the_code(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    path = tmp_path / "cell.py"
    path.write_text(SCALE + "\n\n" + COUNTS)
    fake_openai.enqueue("missing-param-and-raise", "malformed", "malformed",  # scale: salvaged from attempt 1
                        "malformed", "malformed", "malformed")  # count_words: no usable answer, drafted
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "OPENAI_BASE_URL": fake_openai.openai_base_url,
           "OPENAI_API_KEY": DISTINCTIVE_KEY, "DOCGEN_MODEL": "weak-model", "DOCGEN_CACHE_DIR": str(tmp_path / "c")}
    command = [sys.executable, "-m", "docgen_magic", str(path), "--provider", "openai", "--concurrency", "1"]
    proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert f"{path}:1: scale: parameter factor, Raises ValueError written from the code" in proc.stderr
    assert f"{path}:7: count_words: written from the code: no usable answer in 3 attempt(s)" in proc.stderr
    assert "2 documented (1 salvaged, 1 from the code alone)" in proc.stderr
    proc = subprocess.run([*command, "--json"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert [t["origin"] for t in json.loads(proc.stdout)["targets"]] == ["cache", "cache"]  # the rerun is free
    fake_openai.enqueue("missing-param-and-raise", "malformed", "malformed", "malformed", "malformed", "malformed")
    proc = subprocess.run([*command, "--json", "--no-cache"], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=120)
    assert [t["origin"] for t in json.loads(proc.stdout)["targets"]] == ["salvaged", "code"], proc.stderr


ROWS = (
    "def load_rows(text, delimiter=','):\n"
    "    reader = csv.DictReader(text.splitlines(), delimiter=delimiter)\n"
    "    return [dict(r) for r in reader]\n"
)


def test_a_returns_type_the_code_contradicts_is_asked_again_then_left_out(fake_openai: FakeOpenAI) -> None:
    # Seen from SmolLM2 through llama.cpp: an unannotated function returning a list comprehension, documented
    # with a Returns *type* of "array". The type is a claim like the prose: re-asked, then never written.
    answer = {"summary": "Read the rows of a delimited text.", "description": None,
              "args": [{"name": "text", "type": None, "description": "The delimited text, one row per line."},
                       {"name": "delimiter", "type": None, "description": "The field separator."}],
              "returns": {"type": "array", "description": "One dict per row, keyed by the header."},
              "yields": None, "raises": [], "attributes": []}
    fake_openai.enqueue(*[{"arguments": answer}] * 3)
    gen = refine(fake_openai, ROWS)
    assert gen.error is None and gen.docstring is not None and gen.attempts == 3
    assert "says an array is returned, but the code returns a list" in refinement_text(fake_openai, 1)
    assert gen.docstring.returns is not None
    assert gen.docstring.returns.type is None
    assert gen.docstring.returns.description == "One dict per row, keyed by the header."
