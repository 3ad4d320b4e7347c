"""The generate → validate → refine loop, with a scripted in-process provider.

The provider here is a real implementation of the Provider protocol that replays answers; the HTTP side is
covered against the loopback fake in the pipeline and provider tests.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

from docgen_magic.core.facts import Param, ParamKind, Target, TargetKind
from docgen_magic.core.refine import Abort, TokenBudget, generate_docstring
from docgen_magic.core.usage import Usage
from docgen_magic.providers.base import GenerationRequest, ProviderError, Reply


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


def reply(arguments: str | None, tokens: int = 100, **kw: object) -> Reply:
    return Reply(arguments=arguments, usage=Usage(requests=1, prompt_tokens=tokens - 10, completion_tokens=10,
                                                  total_tokens=tokens), **kw)  # type: ignore[arg-type]


def run(provider: ScriptedProvider, target: Target | None = None, **kw: object):  # type: ignore[no-untyped-def]
    return asyncio.run(generate_docstring(target or make_target(), provider, **kw))  # type: ignore[arg-type]


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


def test_missing_param_fails_after_max_attempts() -> None:
    provider = ScriptedProvider([reply(answer(["a"]))] * 3)
    gen = run(provider, max_attempts=3)
    assert gen.docstring is None and gen.attempts == 3
    assert gen.error is not None and "after 3 attempt(s)" in gen.error and "`b`" in gen.error


def test_malformed_json_and_no_tool_call_are_refined() -> None:
    provider = ScriptedProvider([reply('{"summary": "x",'), reply(None, content="Here you go"),
                                 reply(answer(["a", "b"]))])
    gen = run(provider)
    assert gen.docstring is not None and gen.attempts == 3
    assert provider.requests[1].problems[0].code == "malformed-json"
    assert provider.requests[2].problems[0].code == "no-tool-call"


def test_fatal_error_sets_abort_and_stops_others() -> None:
    abort = Abort()
    provider = ScriptedProvider([ProviderError("authentication failed (401)", fatal=True)])
    gen = run(provider, abort=abort)
    assert gen.error == "authentication failed (401)" and abort.reason == gen.error
    second = ScriptedProvider([reply(answer(["a", "b"]))])
    gen2 = run(second, abort=abort)
    assert gen2.error == "authentication failed (401)" and second.requests == []


def test_budget_stops_before_exceeding() -> None:
    budget = TokenBudget(limit=1000)
    provider = ScriptedProvider([reply(answer(["a", "b"]), tokens=900)])
    assert run(provider, budget=budget).docstring is not None
    assert budget.used == 900 and budget.reserved == 0
    provider2 = ScriptedProvider([reply(answer(["a", "b"]))])
    gen = run(provider2, budget=budget)
    assert gen.docstring is None and gen.error is not None and "token budget of 1,000" in gen.error
    assert provider2.requests == []


def test_no_attempt_allowed_fails_with_a_reason_and_asks_nothing() -> None:
    provider = ScriptedProvider([reply(answer(["a", "b"]))])
    gen = run(provider, max_attempts=0)
    assert gen.docstring is None and gen.attempts == 0 and provider.requests == []
    assert gen.error is not None and "0 attempt(s)" in gen.error
