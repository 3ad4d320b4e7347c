"""The Azure OpenAI / OpenAI provider: the real ``openai`` SDK against the loopback fake (real HTTP).

Counting, as defined in ``providers/chat.py``: ``Usage.requests`` is 1 per ANSWERED request, however many
SDK retries it took; the retries are counted in ``ChatProvider.retries``; the fake records every HTTP
request it receives (retries included) in ``fake.requests``.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import json
import logging
import os
import pickle
import re
import subprocess
import sys
import time
import types
from pathlib import Path
from typing import Any

import pytest

from docgen_magic.api import document_async
from docgen_magic.core.cell import parse_cell
from docgen_magic.core.facts import Target, extract_targets
from docgen_magic.core.options import RunOptions
from docgen_magic.core.ports import (
    GenerationRequest,
    Provider,
    ProviderAuthenticationError,
    ProviderConfigurationError,
    ProviderError,
    ProviderTransientError,
    Reply,
)
from docgen_magic.core.prompt import TOOL_NAME, prompt_chars
from docgen_magic.core.refine import Abort, Generation, generate_docstring
from docgen_magic.providers.chat import ChatProvider, make_azure_provider, make_openai_provider
from docgen_magic.providers.connections import Connections
from docgen_magic.settings import resolve_settings
from tests.fake_openai import DISTINCTIVE_KEY as FAKE_KEY
from tests.fake_openai import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent
DEPLOYMENT = "docgen-test"
SOURCE = (
    "def load_table(path: str, limit: int = 10, *, strict=False):\n"
    "    if limit < 0:\n"
    "        raise ValueError('limit')\n"
    "    return open(path).read()[:limit]\n"
)


def azure(fake: FakeOpenAI, **changes: Any) -> ChatProvider:
    options: dict[str, Any] = {"endpoint": fake.url, "deployment": DEPLOYMENT, "api_version": "2024-10-21",
                               "api_key": FAKE_KEY, "timeout": 10.0, "max_retries": 2, "strict": True,
                               "max_completion_tokens": 256, "send_temperature": False}
    options.update(changes)
    return make_azure_provider(**options)


def openai_provider(fake: FakeOpenAI, **changes: Any) -> ChatProvider:
    options: dict[str, Any] = {"model": "gpt-test", "base_url": fake.openai_base_url, "api_key": FAKE_KEY,
                               "timeout": 10.0, "max_retries": 2, "strict": True, "max_completion_tokens": 256,
                               "send_temperature": False}
    options.update(changes)
    return make_openai_provider(**options)


def target_of(source: str = SOURCE) -> Target:
    return extract_targets(parse_cell(source))[0]


def ask(provider: Provider, target: Target | None = None) -> Reply:
    async def run() -> Reply:
        try:
            return await provider.generate(GenerationRequest(target=target or target_of()))
        finally:
            await provider.aclose()

    return asyncio.run(run())


def ask_error(provider: Provider, target: Target | None = None) -> ProviderError:
    with pytest.raises(ProviderError) as info:
        ask(provider, target)
    return info.value


def refine(provider: Provider, target: Target | None = None, max_attempts: int = 3) -> Generation:
    async def run() -> Generation:
        try:
            return await generate_docstring(target or target_of(), provider,
                                            options=RunOptions(max_attempts=max_attempts))
        finally:
            await provider.aclose()

    return asyncio.run(run())


# -- request shape -----------------------------------------------------------------------------------------

def test_azure_request_shape(fake_openai: FakeOpenAI) -> None:
    reply = ask(azure(fake_openai))
    assert reply.arguments is not None and reply.usage.requests == 1
    [request] = fake_openai.requests
    assert request["path"] == f"/openai/deployments/{DEPLOYMENT}/chat/completions"
    assert request["query"] == {"api-version": "2024-10-21"}
    assert request["auth"] == "api-key" and "authorization" not in request["headers"]
    assert request["headers"]["api-key"] == "REDACTED"
    body = request["body"]
    assert body["max_completion_tokens"] == 256 and "max_tokens" not in body
    assert "temperature" not in body
    assert body["tool_choice"] == {"type": "function", "function": {"name": TOOL_NAME}}
    [tool] = body["tools"]
    assert tool["function"]["name"] == TOOL_NAME and tool["function"]["strict"] is True
    assert tool["function"]["parameters"]["additionalProperties"] is False
    assert [m["role"] for m in body["messages"]] == ["system", "user"]


def test_openai_request_shape(fake_openai: FakeOpenAI) -> None:
    ask(openai_provider(fake_openai, send_temperature=True, strict=False))
    [request] = fake_openai.requests
    assert request["path"] == "/v1/chat/completions" and request["query"] == {}
    assert request["auth"] == "bearer" and "api-key" not in request["headers"]
    body = request["body"]
    assert body["model"] == "gpt-test"
    assert body["temperature"] == 0
    assert "strict" not in body["tools"][0]["function"]
    # A compatible server (llama.cpp, Ollama, LM Studio, vLLM) reads max_tokens; OpenAI's own API and Azure
    # OpenAI want max_completion_tokens.
    assert body["max_tokens"] == 256 and "max_completion_tokens" not in body


def test_azure_accepts_a_bearer_token_too(fake_openai: FakeOpenAI) -> None:
    """The fake takes Azure's ``Authorization: Bearer`` form (Entra ID tokens) as well as ``api-key``."""
    import httpx

    response = httpx.post(f"{fake_openai.url}/openai/deployments/x/chat/completions?api-version=1",
                          headers={"Authorization": f"Bearer {FAKE_KEY}"},
                          json={"messages": [{"role": "user", "content": "Source:\n```python\ndef f(): pass\n```"}]})
    assert response.status_code == 200
    assert fake_openai.requests[0]["auth"] == "bearer"


def test_reply_and_usage_map_the_response(fake_openai: FakeOpenAI) -> None:
    reply = ask(azure(fake_openai))
    reported = fake_openai.responses[0]
    assert reply.problem is None and reply.arguments is not None
    assert reply.prompt_chars == prompt_chars(GenerationRequest(target=target_of())) > len(target_of().source)
    assert reply.usage.prompt_tokens == reported["prompt_tokens"]
    assert reply.usage.completion_tokens == reported["completion_tokens"]
    assert reply.usage.total_tokens == reported["total_tokens"]
    assert reply.usage.cached_tokens == reported["prompt_tokens_details"]["cached_tokens"] > 0
    assert reply.usage.reasoning_tokens == reported["completion_tokens_details"]["reasoning_tokens"]
    assert reply.usage.requests == 1 and reply.usage.latency_s > 0


@pytest.mark.parametrize("usage", [
    {"prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16},
    {"prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16, "prompt_tokens_details": None,
     "completion_tokens_details": None},
    None,
], ids=["no-details", "null-details", "no-usage"])
def test_usage_without_details_from_compatible_servers(fake_openai: FakeOpenAI, usage: dict[str, Any] | None) -> None:
    fake_openai.enqueue({"usage": usage})
    reply = ask(openai_provider(fake_openai))
    expected = (11, 5, 16) if usage else (0, 0, 0)
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens, reply.usage.total_tokens) == expected
    assert reply.usage.cached_tokens == 0 and reply.usage.reasoning_tokens == 0
    assert reply.usage.requests == 1
    assert reply.arguments is not None


def test_tool_call_with_another_name_is_no_tool_call(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue({"arguments": "{}", "finish_reason": "tool_calls"})
    assert ask(azure(fake_openai)).arguments == "{}"
    fake_openai.enqueue({"arguments": None, "content": "prose", "finish_reason": "stop"})
    reply = ask(azure(fake_openai))
    assert reply.arguments is None and reply.problem is not None and reply.problem.code == "no-tool-call"
    assert "'prose'" in reply.problem.message


def test_finish_reason_becomes_a_problem_in_the_provider(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue({"finish_reason": "content_filter"}, {"arguments": None, "finish_reason": "length"})
    reply = ask(azure(fake_openai))
    assert reply.arguments is None and reply.problem is not None and reply.problem.code == "content-filter"
    reply = ask(azure(fake_openai))  # cut off before writing anything
    assert reply.arguments is None and reply.problem is not None and reply.problem.code == "truncated"


def test_a_cut_off_answer_hands_on_what_was_written(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue({"finish_reason": "length"})  # the cap was hit just as the object closed
    reply = ask(azure(fake_openai))
    assert reply.problem is None and json.loads(reply.arguments or "")["summary"] == "Do the load table step."
    fake_openai.enqueue({"arguments": '{"summary": "Load a table.", "description": "Reads the file", "args": '
                                      '[{"name": "path", "type": null, "description": "Where the ta',
                         "finish_reason": "length"})
    reply = ask(azure(fake_openai))
    assert reply.problem is None
    assert json.loads(reply.arguments or "") == {
        "summary": "Load a table.", "description": "Reads the file",
        "args": [{"name": "path", "type": None, "description": "Where the ta"}]}


@pytest.mark.parametrize("arguments", [
    '{"summary": "Load a table.\n", "description": "Line one.\nLine two."}',  # raw newlines inside strings
    '```json\n{"summary": "Load a table.", "description": "Line one."}\n```',
    'Here is the answer: {"summary": "Load a table.", "description": "Line one."} Hope it helps.',
])
def test_answers_are_read_leniently(fake_openai: FakeOpenAI, arguments: str) -> None:
    fake_openai.enqueue({"arguments": arguments})
    reply = ask(azure(fake_openai))
    assert reply.problem is None and json.loads(reply.arguments or "")["summary"].startswith("Load a table.")


# -- transport faults: retried by the SDK ------------------------------------------------------------------

@pytest.mark.parametrize("fault", ["500", "reset", {"status": 503}, {"status": 408}])
def test_transient_fault_is_retried_and_counted_once(fake_openai: FakeOpenAI, fault: str | dict[str, Any]) -> None:
    provider = azure(fake_openai)
    fake_openai.enqueue(fault)
    reply = ask(provider)
    assert reply.arguments is not None
    assert len(fake_openai.requests) == 2  # the fault, then the SDK's retry
    assert reply.usage.requests == 1  # one answered request
    assert provider.retries == 1
    assert fake_openai.usage_totals["requests"] == 1
    assert provider.limiter.stats.sent == 2  # the HTTP client told the request's limiter of each attempt


def test_429_is_sent_again_by_the_rate_limiter_not_the_sdk(fake_openai: FakeOpenAI) -> None:
    provider = azure(fake_openai)
    fake_openai.enqueue("429")
    ask(provider)
    first, second = fake_openai.requests
    assert first["status"] == 429 and second["status"] == 200
    assert second["time"] - first["time"] >= 0.01  # the 429's retry-after-ms: 10
    assert second["headers"].get("x-stainless-retry-count") == "0"  # a new request, not an SDK retry
    assert provider.retries == 0 and provider.limiter.stats.rate_limited == 1


@pytest.mark.parametrize(("fault", "expected"), [
    ("500", "azure: server error (500) after 1 retry"),
    ("reset", "azure: http://127.0.0.1:"),  # "... closed the connection without answering (after 1 retry)"
    ("tcp-reset", "azure: the connection to http://127.0.0.1:"),  # "... was reset (after 1 retry)"
    ("half-body", "azure: the answer from http://127.0.0.1:"),  # "... was cut off (after 1 retry)"
    ("empty-200", "azure: the endpoint answered 200 with an empty body (after 1 retry)"),
])
def test_transient_fault_left_after_retries_is_one_clear_line(fake_openai: FakeOpenAI, fault: str,
                                                             expected: str) -> None:
    fake_openai.enqueue(fault, fault)
    error = ask_error(azure(fake_openai, max_retries=1))
    assert str(error).startswith(expected)
    assert "\n" not in str(error) and not error.fatal and isinstance(error, ProviderTransientError)
    assert len(fake_openai.requests) == 2


def test_slow_answer_times_out_with_one_line(fake_openai: FakeOpenAI) -> None:
    fake_openai.slow_seconds = 3.0
    fake_openai.enqueue("slow")
    error = ask_error(azure(fake_openai, timeout=0.3, max_retries=0))
    assert str(error) == "azure: timed out after 0.3 s (after 0 retries)"
    assert not error.fatal and isinstance(error, ProviderTransientError)
    assert len(fake_openai.requests) == 1


def test_slow_answer_recovered_by_a_retry(fake_openai: FakeOpenAI) -> None:
    fake_openai.slow_seconds = 3.0
    fake_openai.enqueue("slow")
    provider = azure(fake_openai, timeout=0.3, max_retries=1)
    reply = ask(provider)
    assert reply.arguments is not None and provider.retries == 1
    assert [r["fault"] for r in fake_openai.requests] == ["slow", None]


# -- configuration errors: fatal, never retried ------------------------------------------------------------

def test_wrong_key_is_fatal_one_line_no_key_no_retry(fake_openai: FakeOpenAI) -> None:
    wrong = "sk-wrong-SECRET-0000"
    error = ask_error(azure(fake_openai, api_key=wrong))
    assert error.fatal and isinstance(error, ProviderAuthenticationError)
    assert str(error) == "azure: authentication failed (401): check AZURE_OPENAI_API_KEY"
    assert wrong not in repr(error) and FAKE_KEY not in repr(error)
    assert error.__cause__ is None and error.__suppress_context__
    assert len(fake_openai.requests) == 1


def test_wrong_key_openai(fake_openai: FakeOpenAI) -> None:
    error = ask_error(openai_provider(fake_openai, api_key="nope"))
    assert error.fatal and str(error) == "openai: authentication failed (401): check OPENAI_API_KEY"
    assert len(fake_openai.requests) == 1


def test_unknown_deployment_is_fatal(fake_openai: FakeOpenAI) -> None:
    fake_openai.deployments = {"other"}
    error = ask_error(azure(fake_openai))
    assert error.fatal and isinstance(error, ProviderConfigurationError)
    assert str(error).startswith(f"azure: deployment '{DEPLOYMENT}' not found at {fake_openai.url} (404)")
    assert len(fake_openai.requests) == 1


def test_unknown_openai_model_is_fatal(fake_openai: FakeOpenAI) -> None:
    fake_openai.models = {"gpt-other"}
    error = ask_error(openai_provider(fake_openai))
    assert error.fatal and "model 'gpt-test' not found (404)" in str(error)


def test_a_base_url_without_the_api_says_where_it_usually_is(fake_openai: FakeOpenAI) -> None:
    error = ask_error(openai_provider(fake_openai, base_url=fake_openai.url))  # /v1 left out, as users do
    assert error.fatal and str(error) == (f"openai: no Chat Completions API at {fake_openai.url} (404: Resource not "
                                          f"found): check OPENAI_BASE_URL (compatible servers serve it below /v1: "
                                          f"{fake_openai.url}/v1?)")


def test_a_404_naming_a_deployment_is_about_the_model_not_the_url(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue({"status": 404, "body": {"error": {
        "message": "The API deployment for this resource does not exist.", "code": "DeploymentNotFound"}}})
    error = ask_error(openai_provider(fake_openai, max_retries=0))
    assert error.fatal and str(error).startswith("openai: model 'gpt-test' not found (404)")


def test_permission_denied_is_fatal(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue({"status": 403})
    error = ask_error(azure(fake_openai))
    assert error.fatal and "permission denied (403)" in str(error)
    assert isinstance(error, ProviderAuthenticationError)
    assert len(fake_openai.requests) == 1


def test_bad_request_is_not_retried_and_names_the_cause(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue("400")
    error = ask_error(azure(fake_openai))
    assert str(error) == "azure: bad request (400): Invalid value for 'messages[1].content'."
    assert not error.fatal
    assert len(fake_openai.requests) == 1


def test_bad_request_about_a_setting_is_fatal(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue({"status": 400, "body": {"error": {
        "message": "Unsupported parameter: 'temperature' is not supported with this model.",
        "type": "invalid_request_error", "param": "temperature", "code": "unsupported_parameter"}}})
    error = ask_error(azure(fake_openai, send_temperature=True))
    assert error.fatal and isinstance(error, ProviderConfigurationError)
    assert "temperature is only sent when asked for" in str(error)


def test_missing_key_without_entra_is_fatal_before_any_request(fake_openai: FakeOpenAI,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "azure.identity", None)  # makes the import fail even if installed
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", FAKE_KEY)  # the SDK's own fallback must not be used
    error = ask_error(azure(fake_openai, api_key=None))
    assert error.fatal
    assert "set AZURE_OPENAI_API_KEY" in str(error) and "docgen_magic[entra]" in str(error)
    assert fake_openai.requests == []


def _fake_azure_identity(monkeypatch: pytest.MonkeyPatch, token: Any) -> list[str]:
    """azure-identity cannot sign in here (no tenant): stand in for its two documented names only."""
    scopes: list[str] = []
    module = types.ModuleType("azure.identity")

    class DefaultAzureCredential:
        pass

    def get_bearer_token_provider(credential: object, *requested: str) -> Any:
        assert isinstance(credential, DefaultAzureCredential)
        scopes.extend(requested)
        return token

    module.DefaultAzureCredential = DefaultAzureCredential  # type: ignore[attr-defined]
    module.get_bearer_token_provider = get_bearer_token_provider  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "azure", types.ModuleType("azure"))
    monkeypatch.setitem(sys.modules, "azure.identity", module)
    return scopes


def test_entra_id_token_is_sent_as_bearer(fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_OPENAI_API_KEY", raising=False)
    scopes = _fake_azure_identity(monkeypatch, lambda: FAKE_KEY)  # the fake takes its key as a bearer token
    reply = ask(azure(fake_openai, api_key=None))
    assert reply.arguments is not None
    assert scopes == ["https://cognitiveservices.azure.com/.default"]
    [request] = fake_openai.requests
    assert request["auth"] == "bearer" and "api-key" not in request["headers"]


def test_entra_sign_in_failure_is_fatal_one_line(fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail() -> str:
        raise RuntimeError("DefaultAzureCredential failed to retrieve a token.\nAttempted credentials: ...")

    _fake_azure_identity(monkeypatch, fail)
    error = ask_error(azure(fake_openai, api_key=None))
    assert error.fatal and "\n" not in str(error)
    assert str(error).startswith("azure: Microsoft Entra ID sign-in failed: RuntimeError: DefaultAzureCredential")
    assert fake_openai.requests == []


def test_fatal_error_stops_the_other_targets(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    cell = "\n\n".join(f"def f{i}(a):\n    return a\n" for i in range(4))
    settings = resolve_settings({"concurrency": 1, "use_cache": False}, environ={})
    result = asyncio.run(_document(cell, azure(fake_openai, api_key="wrong"), settings))
    assert len(fake_openai.requests) == 1
    assert all(t.status == "failed" and "authentication failed" in (t.error or "") for t in result.targets)
    assert result.code == cell


async def _document(cell: str, provider: ChatProvider, settings: Any) -> Any:
    try:
        return await document_async(cell, settings=settings, provider=provider)
    finally:
        await provider.aclose()


# -- answer faults: refined, or reported with the code untouched -------------------------------------------

@pytest.mark.parametrize(("fault", "codes"), [
    ("malformed", ["malformed-json"]),
    ("no-tool-call", ["no-tool-call"]),
    ("length", ["schema"]),  # the half written is read; the rest is asked again
    ("content-filter", ["content-filter"]),
    ("missing-param", ["missing-param"]),
    ("extra-param", ["unknown-param"]),
    ("misspelled-param", ["unknown-param", "missing-param"]),
])
def test_answer_fault_is_refined(fake_openai: FakeOpenAI, fault: str, codes: list[str]) -> None:
    fake_openai.enqueue(fault)
    generation = refine(azure(fake_openai))
    assert generation.error is None and generation.docstring is not None
    assert generation.attempts == 2 and generation.problems_fixed == codes
    assert [a.name for a in generation.docstring.args] == ["path", "limit", "strict"]
    assert generation.usage.requests == 2 == len(fake_openai.requests)
    refinement = fake_openai.requests[1]["body"]["messages"]
    assert refinement[-2]["role"] == "assistant" and "problems" in refinement[-1]["content"]


def test_persistent_missing_param_is_written_from_the_code_with_a_note(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue("missing-param", "missing-param", "missing-param")
    settings = resolve_settings({"concurrency": 1, "use_cache": False, "max_attempts": 3}, environ={})
    result = asyncio.run(_document(SOURCE, azure(fake_openai), settings))
    [outcome] = result.targets
    assert outcome.status == "documented" and result.ok
    assert outcome.notes and "written from the code" in outcome.notes[0]
    assert outcome.docstring is not None
    assert [a.name for a in outcome.docstring.args] == ["path", "limit", "strict"]


def test_persistent_cut_off_answers_are_documented_from_what_they_wrote(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue("length", "length", "length")  # each answer cut off half way by the token cap
    settings = resolve_settings({"concurrency": 1, "use_cache": False, "max_attempts": 3}, environ={})
    result = asyncio.run(_document(SOURCE, azure(fake_openai), settings))
    [outcome] = result.targets
    assert outcome.status == "documented", outcome.error
    assert outcome.docstring is not None and outcome.docstring.summary == "Do the load table step."


@pytest.mark.parametrize("fault", ["malformed", "no-tool-call", "content-filter"])
def test_persistent_answer_fault_fails_a_target_the_code_cannot_describe_and_keeps_the_code(
        fake_openai: FakeOpenAI, fault: str) -> None:
    cell = SOURCE + "\n\ndef other(x):\n    return x\n"
    fake_openai.enqueue(fault, fault, fault)
    settings = resolve_settings({"concurrency": 1, "use_cache": False, "max_attempts": 3}, environ={})
    result = asyncio.run(_document(cell, azure(fake_openai), settings))
    failed, documented = result.targets
    assert failed.status == "failed" and failed.error.startswith("no usable answer in 3 attempt(s) (")
    assert failed.error.endswith("and the code alone cannot describe parameter strict")  # never used in the body
    assert "\n" not in failed.error
    assert documented.status == "documented"
    assert "def load_table(path: str, limit: int = 10, *, strict=False):\n    if limit" in result.code


def test_breakout_text_stays_inside_the_docstring(fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_openai.enqueue("breakout")
    settings = resolve_settings({"use_cache": False}, environ={})
    result = asyncio.run(_document(SOURCE, azure(fake_openai), settings))
    [outcome] = result.targets
    assert outcome.status == "documented", outcome.error
    tree = ast.parse(result.code)
    [function] = tree.body
    assert isinstance(function, ast.FunctionDef)
    docstring = ast.get_docstring(function, clean=False) or ""
    assert 'os.system("x")' in docstring  # the text is kept, as text
    assert not any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(tree))
    calls: list[object] = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))
    namespace: dict[str, Any] = {}
    exec(compile(result.code, "<documented>", "exec"), namespace)  # defines the function, nothing more
    assert calls == [] and list(k for k in namespace if k != "__builtins__") == ["load_table"]
    assert namespace["load_table"].__doc__ == docstring
    assert docstring.count('; import os; os.system("x") #') == 5  # summary, description (once), 3 args
    function.body = function.body[1:]
    assert ast.dump(tree) == ast.dump(ast.parse(SOURCE))  # the code itself is untouched


# -- secrets -----------------------------------------------------------------------------------------------

def test_key_never_in_logs_repr_errors_or_cache(fake_openai: FakeOpenAI, tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    cache_dir = tmp_path / "cache"
    provider = azure(fake_openai)
    settings = resolve_settings({"cache_dir": str(cache_dir), "azure_api_key": FAKE_KEY}, environ={})
    fake_openai.enqueue("429", "500", "malformed", "400")
    cell = SOURCE + "\n\ndef other(x):\n    return x\n\ndef third(y):\n    return y\n"
    result = asyncio.run(_document(cell, provider, settings))
    errors = [ask_error(azure(fake_openai, api_key="sk-wrong-SECRET-1111"))]
    fake_openai.enqueue("slow")
    errors.append(ask_error(azure(fake_openai, timeout=0.2, max_retries=0)))
    texts = [caplog.text, repr(provider), str(provider.__dict__.get("_tool")), repr(settings), str(settings),
             repr(result), str(result.to_dict()), *(repr(e) for e in errors), *(str(e) for e in errors),
             *(r.getMessage() for r in caplog.records)]
    assert any(r.name.startswith("openai") and r.levelno == logging.DEBUG for r in caplog.records)
    for text in texts:
        assert FAKE_KEY not in text and "sk-wrong-SECRET-1111" not in text
    assert "ChatProvider(name='azure'" in repr(provider) and fake_openai.url in repr(provider)
    files = [p for p in cache_dir.rglob("*") if p.is_file()]
    assert files, "the cache wrote nothing"
    for path in files:
        assert FAKE_KEY.encode() not in path.read_bytes()
    with pytest.raises(TypeError):
        pickle.dumps(provider)


# -- lifecycle ---------------------------------------------------------------------------------------------

def wait_until(condition: Any, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_client_is_lazy_and_aclose_is_idempotent(fake_openai: FakeOpenAI) -> None:
    provider = azure(fake_openai)  # built outside any event loop: nothing is created or connected yet
    assert fake_openai.connections == 0

    async def run() -> None:
        await provider.generate(GenerationRequest(target=target_of()))
        assert fake_openai.open_connections == 1
        await provider.aclose()
        await provider.aclose()
        assert wait_until(lambda: fake_openai.open_connections == 0)  # its own client closed its connection
        await provider.generate(GenerationRequest(target=target_of()))  # a new client, same loop
        await provider.aclose()

    asyncio.run(run())
    assert len(fake_openai.requests) == 2 and fake_openai.connections == 2


def test_providers_of_one_endpoint_share_one_client_each_with_its_own_options(fake_openai: FakeOpenAI) -> None:
    shared = Connections()
    fake_openai.slow_seconds = 1.0
    patient = azure(fake_openai, connections=shared, timeout=10.0, max_retries=0, api_version="2024-10-21")
    hasty = azure(fake_openai, connections=shared, timeout=0.2, max_retries=0, api_version="2025-01-01-preview",
                  strict=False, max_completion_tokens=99, concurrency=3)

    async def run() -> ProviderError:
        await patient.generate(GenerationRequest(target=target_of()))
        await hasty.generate(GenerationRequest(target=target_of()))
        await patient.generate(GenerationRequest(target=target_of()))
        assert shared.open_clients() == 1 and patient.limiter is hasty.limiter  # one deployment, one limiter
        fake_openai.enqueue("slow")
        with pytest.raises(ProviderError) as info:
            await hasty.generate(GenerationRequest(target=target_of()))
        await shared.aclose()
        return info.value

    error = asyncio.run(run())
    assert fake_openai.connections == 1  # three runs, one keep-alive connection (before the hasty timeout)
    assert str(error) == "azure: timed out after 0.2 s (after 0 retries)"  # the hasty run's own timeout
    versions = [request["query"].get("api-version") for request in fake_openai.requests]
    assert versions[:3] == ["2024-10-21", "2025-01-01-preview", "2024-10-21"]
    assert [request["body"]["max_completion_tokens"] for request in fake_openai.requests[:3]] == [256, 99, 256]


def test_different_credentials_or_deployments_do_not_share(fake_openai: FakeOpenAI) -> None:
    shared = Connections()
    host = fake_openai.url.removeprefix("http://")
    first = azure(fake_openai, connections=shared)
    other_key = azure(fake_openai, connections=shared, api_key=FAKE_KEY + "-other")
    other_userinfo = azure(fake_openai, connections=shared, endpoint=f"http://a:pw@{host}")
    other_deployment = azure(fake_openai, connections=shared, deployment="another")

    async def run() -> None:
        for provider in (first, other_key, other_userinfo, other_deployment):
            with contextlib.suppress(ProviderError):  # the other key is refused: it still needs its own client
                await provider.generate(GenerationRequest(target=target_of()))
        assert shared.open_clients() == 3  # the deployment does not count: one client serves every model
        assert first.limiter is not other_deployment.limiter  # rate limits are per deployment
        await shared.aclose()
        assert shared.open_clients() == 0

    asyncio.run(run())
    assert fake_openai.connections == 3
    assert "pw" not in repr(shared) and FAKE_KEY not in repr(shared)


def test_a_client_of_a_finished_loop_is_not_reused_and_is_forgotten(fake_openai: FakeOpenAI) -> None:
    shared = Connections()
    provider = azure(fake_openai, connections=shared)
    asyncio.run(provider.generate(GenerationRequest(target=target_of())))  # this loop ends, its client stays
    assert shared.open_clients() == 0  # a client whose loop is gone is not counted as open

    async def next_loop() -> None:
        await azure(fake_openai, connections=shared).generate(GenerationRequest(target=target_of()))
        assert shared.open_clients() == 1  # a new client for the new loop
        await shared.aclose()  # closes this loop's client, forgets the finished loop's
        assert shared.open_clients() == 0

    asyncio.run(next_loop())
    assert fake_openai.connections == 2 and "open_clients=0" in repr(shared)


def test_importing_docgen_magic_does_not_import_openai() -> None:
    code = ("import sys, docgen_magic, docgen_magic.api, docgen_magic.providers.chat, docgen_magic.cli; "
            "print('openai' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def test_protocol_and_abort_flag(fake_openai: FakeOpenAI) -> None:
    provider = azure(fake_openai, api_key="wrong")
    assert isinstance(provider, Provider) and not provider.is_template
    abort = Abort()

    async def run() -> Generation:
        try:
            return await generate_docstring(target_of(), provider, abort=abort)
        finally:
            await provider.aclose()

    generation = asyncio.run(run())
    assert generation.error == abort.reason == "azure: authentication failed (401): check AZURE_OPENAI_API_KEY"


def test_standalone_fake_prints_its_url_then_what_it_saw() -> None:
    process = subprocess.Popen([sys.executable, "-m", "tests.fake_openai", "--port", "0", "--api-key", FAKE_KEY,
                                "--rpm", "60", "--short-windows"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("FAKE_OPENAI_URL=http://127.0.0.1:")
        url = line.split("=", 1)[1]
        provider = make_openai_provider(model="m", base_url=url + "/v1", api_key=FAKE_KEY, timeout=10,
                                        max_retries=0, strict=True, max_completion_tokens=64,
                                        send_temperature=False)
        for _ in range(3):  # one a second, counted over fixed 1 s windows: one of the three waits out a 429
            assert ask(provider).arguments is not None
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
    report = json.loads(out.split("FAKE_OPENAI_REPORT=", 1)[1])
    statuses = [status for _, status in report["requests"]]
    assert statuses.count(200) == 3 and 429 in statuses and set(statuses) == {200, 429}
    assert report["max_concurrent"] == 1


def test_credentials_in_an_endpoint_url_are_never_shown(fake_openai: FakeOpenAI) -> None:
    host = fake_openai.url.removeprefix("http://")
    provider = azure(fake_openai, endpoint=f"http://someone:hunter2pw@{host}", max_retries=0)
    fake_openai.enqueue("reset")
    error = ask_error(provider)
    assert str(error).startswith(f"azure: http://{host}") and "without answering" in str(error)
    assert "hunter2pw" not in str(error) and "hunter2pw" not in repr(provider)
    settings = resolve_settings({"azure_endpoint": "https://u:hunter2pw@x.openai.azure.com/?k=v", "model": "d"},
                                environ={})
    from docgen_magic.providers.select import choose_provider

    choice = choose_provider(settings)
    assert choice.endpoint == "https://x.openai.azure.com/"
    assert choice.reason == "azure: the Azure endpoint is set by an option"


def test_runs_share_a_client_and_close_releases_it_and_the_loop(fake_openai: FakeOpenAI,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from docgen_magic import api
    from docgen_magic.infra.loop_thread import default_loop_thread

    for name, value in {"AZURE_OPENAI_ENDPOINT": fake_openai.url, "AZURE_OPENAI_API_KEY": FAKE_KEY,
                        "AZURE_OPENAI_DEPLOYMENT": DEPLOYMENT}.items():
        monkeypatch.setenv(name, value)
    api.close()
    assert api.document(SOURCE, use_cache=False).ok
    # Runs that differ in every per-request setting reuse the first run's client and its connection.
    assert api.document(SOURCE, use_cache=False, timeout=20, max_retries=1, strict=False, concurrency=2,
                        max_completion_tokens=300, send_temperature=True, api_version="2025-01-01-preview").ok
    assert len(fake_openai.requests) == 2 and fake_openai.connections == 1
    assert fake_openai.open_connections == 1
    api.close()
    assert wait_until(lambda: fake_openai.open_connections == 0)  # the shared client closed its connection
    assert not default_loop_thread().started
    assert api.document(SOURCE, use_cache=False).ok  # the next run starts afresh
    assert fake_openai.connections == 2
    api.close()


def test_verbose_output_is_sentences_one_line_per_retry_and_no_tracebacks(fake_openai: FakeOpenAI,
                                                                          tmp_path: Path) -> None:
    from tests.docgen_runner import run_docgen

    source = tmp_path / "m.py"
    source.write_text(SOURCE)
    env = {"AZURE_OPENAI_ENDPOINT": fake_openai.url, "AZURE_OPENAI_API_KEY": FAKE_KEY,
           "AZURE_OPENAI_DEPLOYMENT": DEPLOYMENT, "DOCGEN_CACHE_DIR": str(tmp_path / "cache")}
    fake_openai.slow_seconds = 3.0
    fake_openai.enqueue("slow", {"status": 200, "body": {"choices": []}}, "missing-param")
    done = run_docgen(str(source), "--no-cache", "--timeout", "0.5", "-v", env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert "Traceback" not in done.stderr and "<Code." not in done.stderr, done.stderr
    timeouts = [line for line in lines if "no answer within 0.5 s" in line]
    assert timeouts and timeouts[0].endswith("asking again (retry 1 of 3)")  # more only if the machine crawls
    [empty] = [line for line in lines if "without choices" in line]
    assert re.search(r"asking again \(retry \d of 3\)$", empty)
    [problem] = [line for line in lines if "answer 1 of 3 has 1 problem(s)" in line]
    assert "`strict`" in problem  # the problem as the sentence the model is sent


# -- structured output from every server -------------------------------------------------------------------

def _ask_twice(provider: ChatProvider) -> list[Reply]:
    async def run() -> list[Reply]:
        try:
            return [await provider.generate(GenerationRequest(target=target_of())) for _ in range(2)]
        finally:
            await provider.aclose()

    return asyncio.run(run())


def test_a_server_that_ignores_tool_choice_is_read_from_the_content_then_asked_with_a_json_schema(
        fake_openai: FakeOpenAI) -> None:
    fake_openai.ignores_tools = True
    first, second = _ask_twice(openai_provider(fake_openai))
    for reply in (first, second):
        assert reply.problem is None and json.loads(reply.arguments or "")["summary"] == "Do the load table step."
    asked = [r["body"] for r in fake_openai.requests]
    assert "tools" in asked[0] and "response_format" not in asked[0]
    assert "tools" not in asked[1] and asked[1]["response_format"]["type"] == "json_schema"
    assert asked[1]["response_format"]["json_schema"]["schema"]["required"][0] == "summary"


@pytest.mark.parametrize("answer", [{"tool_name": "docstring"}, {"arguments_as_object": True},
                                    {"tool_name": "write_doc", "arguments_as_object": True}])
def test_a_misnamed_call_of_the_one_tool_or_arguments_sent_as_an_object_are_read(
        fake_openai: FakeOpenAI, answer: dict[str, Any]) -> None:
    fake_openai.enqueue(answer)
    reply = ask(azure(fake_openai))  # answered whole, not streamed: an object cannot come in pieces
    assert reply.problem is None and json.loads(reply.arguments or "")["summary"] == "Do the load table step."
    assert len(fake_openai.requests) == 1


def test_a_reasoning_models_thinking_aloud_is_not_read_as_its_answer(fake_openai: FakeOpenAI) -> None:
    fake_openai.ignores_tools = fake_openai.thinks_aloud = True
    provider = openai_provider(fake_openai, max_completion_tokens=2048)
    first, second = _ask_twice(provider)
    for reply in (first, second):
        assert reply.problem is None and json.loads(reply.arguments or "")["summary"] == "Do the load table step."
    caps = [r["body"]["max_tokens"] for r in fake_openai.requests]
    assert caps == [provider.completion_cap(target_of()), 2048]  # thinking needs room: the whole ceiling


def test_a_server_that_rejects_response_format_gets_the_schema_in_the_prompt(fake_openai: FakeOpenAI) -> None:
    fake_openai.ignores_tools = True
    fake_openai.rejected_params = {"response_format"}
    first, second = _ask_twice(openai_provider(fake_openai))
    assert first.problem is None and second.problem is None
    statuses = [(r["status"], "tools" in r["body"], "response_format" in r["body"]) for r in fake_openai.requests]
    assert statuses == [(200, True, False), (400, False, True), (200, False, False)]
    note = fake_openai.requests[-1]["body"]["messages"][-1]
    assert note["role"] == "system" and '"summary"' in note["content"]  # the schema, in the prompt


@pytest.mark.parametrize("mode", ["tool", "json_schema", "json"])
def test_the_structured_output_setting_fixes_the_mode(fake_openai: FakeOpenAI, mode: str) -> None:
    fake_openai.ignores_tools = mode != "tool"
    first, second = _ask_twice(openai_provider(fake_openai, structured_output=mode))
    assert first.problem is None and second.problem is None
    for request in fake_openai.requests:
        assert ("tools" in request["body"]) == (mode == "tool")
        assert ("response_format" in request["body"]) == (mode == "json_schema")


def test_the_completion_cap_fits_the_target_and_goes_where_the_server_reads_it(fake_openai: FakeOpenAI) -> None:
    small = target_of("def one(a):\n    return a\n")
    provider = openai_provider(fake_openai, max_completion_tokens=4096)
    assert provider.completion_cap(small) == 160 + 2 * 64  # one parameter and the return
    assert provider.completion_cap(target_of()) == 160 + 5 * 64  # three parameters, a raise and the return
    ask(provider, small)
    assert fake_openai.requests[-1]["body"]["max_tokens"] == 288
    # OpenAI's reasoning models reject max_tokens, naming max_completion_tokens: sent again that way, once.
    fake_openai.rejected_params = {"max_tokens"}
    fake_openai.requests.clear()
    reply = ask(openai_provider(fake_openai), small)
    assert reply.problem is None
    assert [("max_tokens" in r["body"], r["status"]) for r in fake_openai.requests] == [(True, 400), (False, 200)]
    # OpenAI's own API and Azure OpenAI are sent max_completion_tokens from the start.
    official = make_openai_provider(model="m", base_url="https://api.openai.com/v1", api_key="k" * 20, timeout=1,
                                    max_retries=0, strict=True, max_completion_tokens=99, send_temperature=False)

    async def params(provider: ChatProvider) -> dict[str, Any]:
        return provider.request_params(GenerationRequest(target=small))

    for provider in (official, azure(fake_openai)):
        body = asyncio.run(params(provider))
        assert "max_completion_tokens" in body and "max_tokens" not in body


def test_compatible_servers_stream_and_a_runaway_answer_is_cut_off(fake_openai: FakeOpenAI) -> None:
    reply = ask(openai_provider(fake_openai))
    assert reply.problem is None and reply.usage.completion_tokens > 0  # usage asked for with stream_options
    body = fake_openai.requests[-1]["body"]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    # A small model looping inside the JSON grammar: the stream is closed and what came before is read.
    fake_openai.enqueue({"arguments": '{"summary": "Load a table.", "description": "Reads' + " " * 600 + '"}'})
    reply = ask(openai_provider(fake_openai))
    assert reply.problem is None
    answer = json.loads(reply.arguments or "")
    assert answer["summary"] == "Load a table." and answer["description"].strip() == "Reads"
    assert len(answer["description"]) < 300  # read no further than the runaway
    fake_openai.enqueue({"arguments": '{"summary": "Load a table.", "description": "' + "the table, " * 80})
    reply = ask(openai_provider(fake_openai))
    assert json.loads(reply.arguments or "")["summary"] == "Load a table."


def test_a_server_that_rejects_stream_options_still_streams(fake_openai: FakeOpenAI) -> None:
    fake_openai.rejected_params = {"stream_options"}
    first, second = _ask_twice(openai_provider(fake_openai))
    assert first.problem is None and second.problem is None
    asked = [(r["status"], "stream" in r["body"], "stream_options" in r["body"]) for r in fake_openai.requests]
    assert asked == [(400, True, True), (200, True, False), (200, True, False)]


def test_a_server_that_interrupts_streams_for_the_next_request_is_sent_one_at_a_time(
        fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    # as llama-cpp-python's server by default: one answer at a time, and a waiting request ends the running stream
    fake_openai.interrupts_streams, fake_openai.slots, fake_openai.latency = True, 1, 0.5
    settings = resolve_settings({"provider": "openai", "openai_base_url": fake_openai.openai_base_url,
                                 "openai_api_key": FAKE_KEY, "model": "m", "use_cache": False}, environ={})
    from docgen_magic.api import document

    cell = SOURCE + "".join(f"\n\ndef step_{i}(b):\n    return b + {i}\n" for i in range(5))
    result = document(cell, settings=settings)
    assert result.ok, [t.error for t in result.failed]
    assert all(r["body"].get("stream") for r in fake_openai.requests)  # still streamed: a runaway can be cut off
    interrupted = [r for r in fake_openai.requests if r.get("interrupted")]
    # the first interruption is the last: one request at a time from then on, each one answered once
    assert len(interrupted) == 1 and len(fake_openai.requests) == 6 + 1
