"""The generate → validate → refine loop, with a scripted in-process provider.

The provider here is a real implementation of the Provider protocol that replays answers; the HTTP side is
covered against the loopback fake in the pipeline and provider tests.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

import pytest

from docgen_magic.core.cell import parse_cell
from docgen_magic.core.facts import Param, ParamKind, Target, TargetKind, extract_targets
from docgen_magic.core.options import RunOptions
from docgen_magic.core.ports import GenerationRequest, ProviderAuthenticationError, Reply
from docgen_magic.core.prompt import prompt_chars
from docgen_magic.core.refine import Abort, TokenBudget, generate_docstring
from docgen_magic.core.rules import Code, is_placeholder
from docgen_magic.core.usage import Usage
from docgen_magic.core.validate import Problem, no_tool_call


def make_target(params: Sequence[str] = ("a", "b"), *, returns: bool = True) -> Target:
    return Target(
        qualname="add", name="add", kind=TargetKind.FUNCTION, is_async=False,
        params=tuple(Param(p, ParamKind.POSITIONAL_OR_KEYWORD, "int") for p in params),
        returns_annotation="int" if returns else None, returns_value=returns, is_generator=False, raises=(),
        attributes=(), docstring=None, source="def add(a: int, b: int) -> int:\n    return a + b\n",
        lineno=1, end_lineno=2)


def answer(args: Sequence[str], *, returns: bool = True, summary: str = "Add two numbers.") -> str:
    return json.dumps({
        "summary": summary, "description": None,
        "args": [{"name": a, "type": None, "description": f"The {a}."} for a in args],
        "returns": {"type": None, "description": "The sum."} if returns else None,
        "yields": None, "raises": [], "attributes": [],
    })


class ScriptedProvider:
    name = "scripted"
    model = "m"
    is_template = False

    def __init__(self, replies: Sequence[Reply | Exception]) -> None:
        self.replies = list(replies)
        self.requests: list[GenerationRequest] = []

    async def generate(self, request: GenerationRequest) -> Reply:
        self.requests.append(request)
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply

    async def aclose(self) -> None:
        return None


class InFlightProvider(ScriptedProvider):
    """Answers only after yielding to the loop, so the targets of a run are in flight together."""

    async def generate(self, request: GenerationRequest) -> Reply:
        for _ in range(3):
            await asyncio.sleep(0)
        return await super().generate(request)


def reply(arguments: str | None, tokens: int = 100, **kw: object) -> Reply:
    return Reply(arguments=arguments, usage=Usage(requests=1, prompt_tokens=tokens - 10, completion_tokens=10,
                                                  total_tokens=tokens), **kw)  # type: ignore[arg-type]


def run(provider: ScriptedProvider, target: Target | None = None, *, max_attempts: int = 3,
        **kw: object):  # type: ignore[no-untyped-def]
    options = RunOptions(max_attempts=max_attempts)
    return asyncio.run(generate_docstring(target or make_target(), provider, options=options,
                                          **kw))  # type: ignore[arg-type]


def test_valid_first_answer() -> None:
    provider = ScriptedProvider([reply(answer(["a", "b"]))])
    gen = run(provider)
    assert gen.error is None and gen.attempts == 1
    assert gen.docstring is not None and [a.name for a in gen.docstring.args] == ["a", "b"]
    assert [a.type for a in gen.docstring.args] == ["int", "int"]  # annotations win
    assert gen.docstring.returns is not None and gen.docstring.returns.type == "int"
    assert gen.usage.total_tokens == 100 and gen.usage.requests == 1


def test_missing_param_is_reasked_with_the_problem() -> None:
    provider = ScriptedProvider([reply(answer(["a"])), reply(answer(["a", "b"]))])
    gen = run(provider)
    assert gen.docstring is not None and gen.attempts == 2
    second = provider.requests[1]
    assert second.attempt == 2 and second.previous_arguments == answer(["a"])
    assert [p.code for p in second.problems] == ["missing-param"]
    assert "`b`" in second.problems[0].message
    assert gen.problems_fixed == ["missing-param"]
    assert gen.usage.total_tokens == 200


def test_hallucinated_param_dropped_at_last_attempt() -> None:
    bad = answer(["a", "b", "c"])
    provider = ScriptedProvider([reply(bad), reply(bad)])
    gen = run(provider, max_attempts=2)
    assert gen.docstring is not None
    assert [a.name for a in gen.docstring.args] == ["a", "b"]
    assert [p.code for p in provider.requests[1].problems] == ["unknown-param"]


def test_missing_param_is_written_from_the_code_after_max_attempts() -> None:
    provider = ScriptedProvider([reply(answer(["a"]))] * 3)
    gen = run(provider, max_attempts=3)
    assert gen.docstring is not None and gen.attempts == 3 and gen.error is None
    assert [a.name for a in gen.docstring.args] == ["a", "b"]
    assert gen.docstring.args[0].description == "The a."  # the model's prose is kept
    assert is_placeholder(gen.docstring.args[1].description)  # nothing in the code says what b is
    assert gen.notes == ["parameter b written from the code (the model's answers disagreed with it 3 time(s))"]


def test_a_section_the_model_keeps_getting_wrong_is_taken_from_the_code() -> None:
    code = ("def parse(values, ddof=1):\n    if len(values) < 2:\n        raise ValueError('need two')\n"
            "    for v in values:\n        yield v\n")
    (target,) = extract_targets(parse_cell(code))
    wrong = json.dumps({"summary": "Parse values.", "description": None,
                        "args": [{"name": "values", "type": "Any", "description": "The numbers."},
                                 {"name": "ddof", "type": "object", "description": "Degrees of freedom."}],
                        "returns": {"type": None, "description": "A list."}, "yields": None, "raises": [],
                        "attributes": []})
    provider = ScriptedProvider([reply(wrong)] * 3)
    gen = run(provider, target, max_attempts=3)
    doc = gen.docstring
    assert doc is not None and gen.error is None
    assert [(a.name, a.type) for a in doc.args] == [("values", None), ("ddof", None)]  # no vacuous types
    assert doc.args[1].description == "Degrees of freedom. Defaults to 1."
    assert doc.returns is None and doc.yields is not None and doc.yields.description.startswith("``v``")
    assert [(r.exception, r.description) for r in doc.raises] == [
        ("ValueError", 'If fewer than 2 values are given ("need two").')]
    assert gen.notes and "Yields" in gen.notes[0] and "Raises ValueError" in gen.notes[0]


def test_no_usable_answer_fails_only_when_the_code_cannot_describe_the_target() -> None:
    provider = ScriptedProvider([reply('{"summary": 1}')] * 3)
    gen = run(provider, max_attempts=3)  # make_target has no code to read: every part would be a placeholder
    assert gen.docstring is None and gen.error == (
        "no usable answer in 3 attempt(s) (Schema error at summary: 1 is not of type 'string'), and the code "
        "alone cannot describe parameter a, parameter b, Returns")


def test_malformed_json_and_no_tool_call_are_refined() -> None:
    provider = ScriptedProvider([reply('{"summary": "x",'), reply(None, problem=no_tool_call("Here you go")),
                                 reply(answer(["a", "b"]))])
    gen = run(provider)
    assert gen.docstring is not None and gen.attempts == 3
    assert provider.requests[1].problems[0].code == "malformed-json"
    assert provider.requests[2].problems[0].code == "no-tool-call"
    assert "Here you go" in provider.requests[2].problems[0].message


def test_fatal_error_sets_abort_and_stops_others() -> None:
    abort = Abort()
    provider = ScriptedProvider([ProviderAuthenticationError("authentication failed (401)")])
    gen = run(provider, abort=abort)
    assert gen.error == "authentication failed (401)" and abort.reason == gen.error
    second = ScriptedProvider([reply(answer(["a", "b"]))])
    gen2 = run(second, abort=abort)
    assert gen2.error == "authentication failed (401)" and second.requests == []


def test_budget_stops_before_exceeding() -> None:
    first = TokenBudget(limit=1).estimate(GenerationRequest(target=make_target()), 1024)
    limit = first + 100  # room for one request's estimate; after it, 100 tokens are left
    budget = TokenBudget(limit=limit)
    provider = ScriptedProvider([reply(answer(["a", "b"]), tokens=limit - 100)])
    assert run(provider, budget=budget).docstring is not None
    assert budget.used == limit - 100 and budget.reserved == 0
    provider2 = ScriptedProvider([reply(answer(["a", "b"]))])
    gen = run(provider2, budget=budget)
    assert gen.docstring is None and gen.error is not None and f"token budget of {limit:,}" in gen.error
    assert provider2.requests == []


def test_budget_estimate_is_an_upper_bound_that_counts_the_whole_completion_cap() -> None:
    request = GenerationRequest(target=make_target())
    budget = TokenBudget(limit=10**9)
    chars = prompt_chars(request)
    assert chars > len(make_target().source)  # the system prompt and the tool schema are sent too
    assert budget.estimate(request, 1024) - budget.estimate(request, 24) == 1000
    assert budget.estimate(request, 0) >= chars // 3
    refined = GenerationRequest(target=make_target(), attempt=2, previous_arguments="x" * 3000, problems=())
    assert budget.estimate(refined, 0) >= budget.estimate(request, 0) + 1000  # the previous answer is resent
    assert chars == prompt_chars(request)  # measured from the request's own messages, built once
    # The API said the prompt cost one token per two characters: later estimates use that rate (and more).
    budget.settle(0, 0, prompt_tokens=chars // 2, chars=chars)
    assert budget.estimate(request, 0) >= chars // 2


def test_budget_is_never_exceeded_by_requests_in_flight_together() -> None:
    async def scenario() -> tuple[list[str | None], TokenBudget]:
        request = GenerationRequest(target=make_target())
        per_request = TokenBudget(limit=1).estimate(request, 1024)
        budget = TokenBudget(limit=per_request * 2 + per_request // 2)  # room for two worst cases, not three
        providers = [InFlightProvider([reply(answer(["a", "b"]), tokens=per_request)]) for _ in range(4)]
        gens = await asyncio.gather(*(generate_docstring(make_target(), p, budget=budget) for p in providers))
        return [g.error for g in gens], budget

    errors, budget = asyncio.run(scenario())
    assert errors[:2] == [None, None]  # each spent its whole worst case, and the budget still holds
    for error in errors[2:]:
        assert error is not None and error.startswith(f"token budget of {budget.limit:,} reached (")
        assert error.endswith(" reserved by requests in flight); not asked")
    assert budget.used <= budget.limit and budget.reserved == 0


def test_no_attempt_allowed_fails_with_a_reason_and_asks_nothing() -> None:
    provider = ScriptedProvider([reply(answer(["a", "b"]))])
    gen = run(provider, max_attempts=0)
    assert gen.docstring is None and gen.attempts == 0 and provider.requests == []
    assert gen.error is not None and "0 attempt(s)" in gen.error


def test_budget_learns_from_the_prompt_size_the_provider_reports() -> None:
    request = GenerationRequest(target=make_target())
    assert request.messages is request.messages  # built once per request, shared by the budget and the provider
    budget = TokenBudget(limit=10**9)
    provider = ScriptedProvider([reply(answer(["a", "b"]), tokens=1010, prompt_chars=1000)])
    assert run(provider, budget=budget).docstring is not None
    # 1000 prompt tokens for 1000 reported characters: one token per character, plus a margin.
    assert budget.tokens_per_char == pytest.approx(1.1)


def test_a_problem_reported_by_the_provider_is_sent_back() -> None:
    truncated = Problem(Code.TRUNCATED, "The answer was cut off by the token limit.")
    provider = ScriptedProvider([reply(answer(["a", "b"]), problem=truncated), reply(answer(["a", "b"]))])
    gen = run(provider)
    assert gen.docstring is not None and gen.attempts == 2
    assert provider.requests[1].problems == (truncated,)


def test_a_truncated_answers_usable_prefix_is_salvaged_and_the_truncation_sent_back() -> None:
    # A provider hands over what a cut-off answer did write (closed into one object) with the problem.
    truncated = Problem(Code.TRUNCATED, "The answer was cut off by the token limit.")
    prefix = json.dumps({"summary": "Add two numbers.", "args": [{"name": "a", "description": "The first."}]})
    provider = ScriptedProvider([reply(prefix, problem=truncated)] * 3)
    gen = run(provider)
    assert gen.docstring is not None and gen.error is None and gen.attempts == 3
    assert gen.docstring.summary == "Add two numbers." and gen.docstring.args[0].description == "The first."
    assert [p.code for p in provider.requests[1].problems][:1] == ["truncated"]
    assert provider.requests[1].previous_arguments == prefix
    assert gen.notes == ["parameter b, Returns written from the code (the model's answers disagreed with it 3 "
                         "time(s))"]


def test_a_provider_failure_after_a_usable_answer_keeps_that_answer() -> None:
    from docgen_magic.core.errors import ProviderTransientError

    provider = ScriptedProvider([reply(answer(["a"])), ProviderTransientError("openai: timed out after 60 s")])
    gen = run(provider)
    assert gen.docstring is not None and gen.error is None and gen.attempts == 1
    assert [a.name for a in gen.docstring.args] == ["a", "b"]
    assert gen.notes == ["parameter b written from the code (the model's answers disagreed with it 1 time(s); "
                         "then openai: timed out after 60 s)"]


def test_a_placeholder_in_an_answer_is_asked_again() -> None:
    placeholder = json.loads(answer(["a", "b"]))
    placeholder["args"][1]["description"] = "TODO: describe b."
    provider = ScriptedProvider([reply(json.dumps(placeholder)), reply(answer(["a", "b"]))])
    gen = run(provider)
    assert gen.docstring is not None and gen.attempts == 2 and gen.problems_fixed == ["placeholder"]
    assert provider.requests[1].problems[0].message == (
        'The description of `b` is a placeholder ("TODO: describe b."); write what it is.')
