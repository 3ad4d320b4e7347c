"""Reading the JSON object in a model's answer as models write it: fenced, surrounded by prose, with raw control
characters, cut off, or after a reasoning model's thinking aloud."""

from __future__ import annotations

import pytest

from docgen_magic.core.jsontext import close_prefix, read_object, without_reasoning

ANSWER = {"summary": "Load the rows.", "args": {"path": "The file to read."}}


@pytest.mark.parametrize("text", [
    '{"summary": "Load the rows.", "args": {"path": "The file to read."}}',
    'Here is the docstring:\n```json\n{"summary": "Load the rows.", "args": {"path": "The file to read."}}\n```\n'
    "Hope this helps!",
    'Sure! {"summary": "Load the rows.", "args": {"path": "The file to read."}} Anything else?',
])
def test_the_object_is_found_around_fences_and_prose(text: str) -> None:
    assert read_object(text) == ANSWER


def test_raw_control_characters_inside_strings_are_read() -> None:
    assert read_object('{"summary": "Load\nthe rows."}') == {"summary": "Load\nthe rows."}


@pytest.mark.parametrize("text", [
    # the thinking block holds an object of its own, which is not the answer
    '<think>\nThe function returns {"a": 1}, so the summary is about rows.\n</think>\n'
    '{"summary": "Load the rows.", "args": {"path": "The file to read."}}',
    '<thinking>Maybe {"summary": "Wrong."}</thinking>```json\n'
    '{"summary": "Load the rows.", "args": {"path": "The file to read."}}\n```',
    # servers that strip the opening tag leave the thinking and a lone closing tag
    'It reads {"x": 1} lines.</think>\n\n{"summary": "Load the rows.", "args": {"path": "The file to read."}}',
    '<THINK>{"summary": "Wrong."}</THINK>{"summary": "Load the rows.", "args": {"path": "The file to read."}}',
])
def test_a_reasoning_models_thinking_is_never_read_as_the_answer(text: str) -> None:
    assert without_reasoning(text) != text
    assert read_object(without_reasoning(text)) == ANSWER


def test_an_answer_cut_off_while_thinking_has_no_object() -> None:
    assert read_object(without_reasoning('<think>The answer will be {"summary": "Wrong."} and'), truncated=True) is None


@pytest.mark.parametrize("text", [
    '{"summary": "Tell whether text holds a <think> tag."}',
    '{"summary": "Split at the </think> tag."}',
    '{"summary": "Remove <think>...</think> blocks."}',
    '```json\n{"summary": "Split at the </think> tag."}\n```',
])
def test_tags_inside_an_answer_are_the_answers_own_words(text: str) -> None:
    assert without_reasoning(text) == text
    assert read_object(text) is not None and "think>" in read_object(text)["summary"]  # type: ignore[index]


def test_a_cut_off_answer_keeps_its_complete_entries() -> None:
    cut = '{"summary": "Load the rows.", "args": {"path": "The file to re'
    assert read_object(cut) is None
    assert read_object(cut, truncated=True) == {"summary": "Load the rows.", "args": {"path": "The file to re"}}
    assert close_prefix('{"summary": "Load the rows.", "retu') == {"summary": "Load the rows."}


def test_prose_braces_before_the_object_are_skipped() -> None:
    assert read_object('Use {braces} like this: {"summary": "S."}') == {"summary": "S."}
    assert read_object("no object at all") is None
