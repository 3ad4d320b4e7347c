"""The fault suite: hostile endpoints and answers, leaked credentials, pathological code, a planted cache.

The model side is the loopback fake (real TCP resets, web pages and empty or cut-off bodies), the magic
runs in a real kernel, and every command runs as a real subprocess.
"""

from __future__ import annotations

import ast
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import docgen_magic
from docgen_magic.core.cell import parse_cell
from docgen_magic.core.facts import extract_targets
from docgen_magic.core.ports import GenerationRequest, Reply
from docgen_magic.core.prompt import build_context
from docgen_magic.infra.redact import redact, register_secret
from docgen_magic.providers.chat import make_azure_provider
from docgen_magic.settings import resolve_settings
from tests.conftest import kernel_env
from tests.docgen_runner import run_docgen
from tests.fake_openai import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent
KEY = "sk-fault-suite-4c1d9e77"
USER, PASSWORD = "someone", "hunter2pw-fault"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=KEY) as server:
        yield server


def azure_options(fake: FakeOpenAI, **extra: object) -> dict[str, object]:
    return {"provider": "azure", "azure_endpoint": fake.url, "azure_api_key": KEY, "model": "d",
            "use_cache": False, **extra}


TWO = "def first(a):\n    return a\n\n\ndef second(b):\n    return b\n"


# -- answers that are not the API's ---------------------------------------------------------------------

def test_a_web_page_is_named_and_never_asked_again(fake: FakeOpenAI) -> None:
    fake.enqueue("html-200", "html-200", "html-200")
    result = docgen_magic.document(TWO, **azure_options(fake, concurrency=1))
    assert [t.status for t in result.targets] == ["failed", "failed"]
    assert result.targets[0].error == ("azure: the endpoint answered a web page, not the API — check the URL "
                                       f"({fake.url})")
    assert len(fake.requests) == 1  # not re-asked, and the second target is not asked either


@pytest.mark.parametrize(("body", "message"), [
    ({"hello": "world"}, "the endpoint answered 200 with JSON that is not a chat completion — check the URL"),
    ([1, 2], "the endpoint answered 200 with JSON that is not a chat completion — check the URL"),
    ({"error": {"message": "Quota exceeded."}}, "the endpoint answered 200 with an error: Quota exceeded."),
])
def test_a_200_that_is_not_a_chat_completion_is_named_not_re_asked(fake: FakeOpenAI, body: object,
                                                                    message: str) -> None:
    fake.enqueue(*[{"status": 200, "body": body}] * 3)
    result = docgen_magic.document("def only(a):\n    return a\n", **azure_options(fake))
    assert (result.targets[0].error or "").startswith(f"azure: {message}")
    assert len(fake.requests) == 1


@pytest.mark.parametrize("fault", ["empty-200", {"status": 200, "body": {"choices": []}}])
def test_an_empty_200_is_retried_like_a_transient_fault(fake: FakeOpenAI, fault: str | dict[str, object]) -> None:
    fake.enqueue(fault, fault)
    result = docgen_magic.document("def only(a):\n    return a\n", **azure_options(fake, max_retries=3))
    assert result.targets[0].status == "documented", result.targets[0].error
    assert [r["status"] for r in fake.requests] == [200, 200, 200]
    assert result.usage.requests == 1
    fake.enqueue(fault, fault)  # more than the retries allow: one line naming what came back
    failed = docgen_magic.document("def other(a):\n    return a\n", **azure_options(fake, max_retries=1))
    assert failed.targets[0].error in ("azure: the endpoint answered 200 with an empty body (after 1 retry)",
                                       "azure: the endpoint answered a chat completion without choices "
                                       "(after 1 retry)")


@pytest.mark.parametrize(("fault", "words"), [
    ("tcp-reset", "was reset"), ("half-body", "was cut off"), ("reset", "closed the connection without answering"),
])
def test_broken_connections_are_retried_then_one_line(fake: FakeOpenAI, fault: str, words: str) -> None:
    fake.enqueue(fault, fault)
    result = docgen_magic.document("def only(a):\n    return a\n", **azure_options(fake, max_retries=1))
    error = result.targets[0].error or ""
    assert words in error and error.endswith("(after 1 retry)") and "\n" not in error
    assert len(fake.requests) == 2
    fake.enqueue(fault)  # one fault, then the retry succeeds
    again = docgen_magic.document("def other(a):\n    return a\n", **azure_options(fake, max_retries=1))
    assert again.targets[0].status == "documented"


# -- malformed endpoints ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("endpoint", "cause"), [
    ("http://[::1", "Invalid IPv6 URL"), ("http://127.0.0.1:99999", "Port out of range 0-65535"),
    ("http://127.0.0.1:80x", "Port could not be cast to integer"), ("127.0.0.1:8000", "expected an http(s) URL"),
])
def test_a_malformed_endpoint_is_one_line(tmp_path: Path, endpoint: str, cause: str) -> None:
    source = tmp_path / "m.py"
    source.write_text("def f(x):\n    return x\n")
    for variable in ("AZURE_OPENAI_ENDPOINT", "OPENAI_BASE_URL"):
        done = run_docgen(str(source), env={variable: endpoint, "AZURE_OPENAI_API_KEY": KEY})
        assert done.returncode == 2, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and cause in lines[0] and "Traceback" not in done.stderr, done.stderr
        assert lines[0].startswith("docgen: setting ")


# -- credentials ----------------------------------------------------------------------------------------

def _with_credentials(url: str) -> str:
    return url.replace("http://", f"http://{USER}:{PASSWORD}@") + "/?sig=QUERYSECRET123"


def test_no_credential_at_any_verbosity(fake: FakeOpenAI, tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text(TWO)
    endpoint = fake.url.replace("http://", f"http://{USER}:{PASSWORD}@")
    env = {"AZURE_OPENAI_ENDPOINT": endpoint, "AZURE_OPENAI_API_KEY": KEY, "AZURE_OPENAI_DEPLOYMENT": "d",
           "DOCGEN_CACHE_DIR": str(tmp_path / "cache"), "OPENAI_LOG": "debug"}
    fake.enqueue("500", "reset")
    for verbosity in ([], ["-v"], ["-vv"]):
        done = run_docgen(str(source), "--no-cache", "--max-retries", "2", *verbosity, env=env)
        output = done.stdout + done.stderr
        assert done.returncode == 0, output
        for secret in (PASSWORD, KEY, f"{USER}:"):
            assert secret not in output, (verbosity, [line for line in output.splitlines() if secret in line])
    assert "HTTP Request: POST http://127.0.0.1:" in output  # -vv does show httpx's request lines


def test_settings_reprs_hide_user_info_query_and_keys() -> None:
    settings = resolve_settings({"azure_endpoint": _with_credentials("http://x.openai.azure.com"),
                                 "openai_base_url": _with_credentials("http://localhost:1"),
                                 "azure_api_key": KEY}, environ={})
    for text in (repr(settings), str(settings), repr(settings.with_changes(style="numpy"))):
        assert PASSWORD not in text and "QUERYSECRET123" not in text and KEY not in text and USER not in text
        assert "azure_endpoint='http://x.openai.azure.com/'" in text


def test_short_keys_are_not_masked_inside_other_words(caplog: pytest.LogCaptureFixture) -> None:
    register_secret("k3y-long-enough-1")
    assert redact("TaskGroup failed") == "TaskGroup failed"
    assert redact("key k3y-long-enough-1 and k3y-long-enough-12") == "key *** and k3y-long-enough-12"
    with caplog.at_level(logging.WARNING):
        provider = make_azure_provider(endpoint="http://127.0.0.1:9", deployment="d", api_version="v",
                                       api_key="Grou", timeout=1, max_retries=0, strict=True,
                                       max_completion_tokens=10, send_temperature=False)
    assert "Grou" not in repr(provider)
    assert redact("unhandled errors in a TaskGroup") == "unhandled errors in a TaskGroup"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["azure: the API key is shorter than 8 characters, too short to be masked in messages "
                        "without mangling other words"]


# -- pathological code ------------------------------------------------------------------------------------

WIDE = "def wide(x):\n    return " + "+".join(["x"] * 250) + "\n\n\ndef ok(a):\n    return a\n"
DEEP = "def deep():\n    return " + "[" * 180 + "]" * 180 + "\n\n\ndef fine(b):\n    return b\n"


@pytest.mark.parametrize("code", [WIDE, DEEP], ids=["250-term-sum", "180-deep-literal"])
def test_deeply_nested_code_is_documented_on_the_model_path(fake: FakeOpenAI, code: str) -> None:
    compile(code, "<cell>", "exec")  # valid CPython
    result = docgen_magic.document(code, **azure_options(fake))
    assert [(t.status, t.error) for t in result.targets] == [("documented", None)] * 2
    assert ast.get_docstring(ast.parse(result.code).body[0])


def _chain(depth: int) -> ast.expr:
    node: ast.expr = ast.Name("x", ast.Load())
    for _ in range(depth):
        node = ast.BinOp(node, ast.Add(), ast.Name("x", ast.Load()))
    return node


def test_a_signature_too_deep_to_unparse_is_left_out_of_the_others_context() -> None:
    cell = parse_cell("def a(x=1):\n    return x\n\n\ndef b(y):\n    return a(y)\n")
    node = cell.module.body[0]
    assert isinstance(node, ast.FunctionDef)
    node.args.defaults[0] = _chain(sys.getrecursionlimit() * 2)  # deeper than any parser would allow
    target_b = extract_targets(cell)[1]
    assert build_context(cell, target_b) == "# a: signature left out (nested too deeply)"


class _Recursing:
    """A provider whose step for one target exceeds the recursion limit, as a deep structure would."""

    name, model, is_template = "custom", "m", False

    async def generate(self, request: GenerationRequest) -> Reply:
        if request.target.name == "bad":
            def down(n: int) -> int:
                return down(n + 1) + 1
            down(0)
        answer = {"summary": "Do it.", "description": None, "args": [
            {"name": p, "type": None, "description": "A value."} for p in request.target.param_names],
            "returns": {"type": None, "description": "The value."}, "yields": None, "raises": [],
            "attributes": []}
        return Reply(arguments=json.dumps(answer))

    async def aclose(self) -> None:
        return None


def test_one_target_hitting_the_recursion_limit_fails_alone_with_a_reason() -> None:
    code = "def good(a):\n    return a\n\n\ndef bad(b):\n    return b\n\n\ndef also(c):\n    return c\n"
    result = docgen_magic.document(code, provider=_Recursing(), use_cache=False)
    assert [t.status for t in result.targets] == ["documented", "failed", "documented"]
    assert result.targets[1].error == "the code is nested too deeply to process (Python's recursion limit)"


# -- the cache is data, not code ----------------------------------------------------------------------------

def test_a_cache_entry_that_is_not_a_docstring_is_ignored(fake: FakeOpenAI, tmp_path: Path,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    import sqlite3

    options = azure_options(fake, use_cache=True, cache_dir=str(tmp_path / "cache"))
    docgen_magic.document("def only(a):\n    return a\n", **options)
    assert len(fake.requests) == 1
    with sqlite3.connect(tmp_path / "cache" / "cache.db") as db:  # someone sharing the folder edits it
        db.execute("UPDATE Cache SET value = ?", (json.dumps({"summary": 5, "args": "x"}).encode(),))
    with caplog.at_level(logging.WARNING):
        again = docgen_magic.document("def only(a):\n    return a\n", **options)
    assert again.targets[0].status == "documented" and not again.targets[0].cached
    assert len(fake.requests) == 2
    assert any("not a docstring" in r.getMessage() for r in caplog.records)


# -- the magic in a real kernel -----------------------------------------------------------------------------

@pytest.mark.kernel
@pytest.mark.timeout(300)
def test_magic_bad_endpoint_and_credentials_in_a_real_kernel(fake: FakeOpenAI, tmp_path: Path) -> None:
    from tests.test_magic_kernel import Kernel

    env = kernel_env(tmp_path, AZURE_OPENAI_ENDPOINT=_with_credentials(fake.url), AZURE_OPENAI_API_KEY=KEY,
                     AZURE_OPENAI_DEPLOYMENT="d")
    kernel = Kernel(env)
    try:
        kernel.ok("%load_ext docgen_magic")
        status = kernel.ok("%docgen")
        shown = status.stdout + status.text
        assert f"endpoint: {fake.url}/" in shown, shown
        documented = kernel.ok("%%docgen --no-cache\ndef add(a, b):\n    return a + b\n")
        for endpoint, cause in (("http://[::1", "Invalid IPv6 URL"), ("http://127.0.0.1:99999", "Port out of range")):
            kernel.ok(f"import os; os.environ['AZURE_OPENAI_ENDPOINT'] = {endpoint!r}")
            for line in ("%docgen", "%%docgen\ndef f(x):\n    return x\n"):
                failed = kernel.run(line)
                assert failed.reply["status"] == "error"
                message = failed.stderr.strip() or failed.reply.get("evalue", "")
                assert message.splitlines() == [message.splitlines()[0]]
                assert f"not a usable URL ({cause}" in message, failed.reply
                assert "Traceback" not in failed.stderr
        everything = json.dumps([status.messages, documented.messages], default=str)
        for secret in (PASSWORD, KEY, "QUERYSECRET123"):
            assert secret not in everything
    finally:
        kernel.close()


def test_credentials_changed_in_the_endpoint_url_get_a_new_client(fake: FakeOpenAI) -> None:
    from docgen_magic import api

    host = fake.url.removeprefix("http://")

    def run(endpoint: str) -> None:
        settings = resolve_settings({"azure_endpoint": endpoint, "azure_api_key": KEY, "model": "d",
                                     "use_cache": False}, environ={})
        assert api.document("def f(x):\n    return x\n", settings=settings).ok

    try:
        run(f"http://a:old-password@{host}")
        run(f"http://a:new-password@{host}")
        assert fake.connections == 2  # the shown endpoint is the same, the credentials are not
        run(f"http://a:new-password@{host}")
        assert fake.connections == 2  # same credentials: the same client and its keep-alive connection
    finally:
        api.close()
