"""End-to-end runs against the loopback fake: ``docgen_magic.document`` (on the private loop) and the CLI as a
subprocess, both with the real ``openai`` SDK over real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import ast
import json
import logging
import os
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import docgen_magic
from docgen_magic.api import document_async
from docgen_magic.core.cell import CellSyntaxError, parse_cell
from docgen_magic.core.facts import extract_targets
from docgen_magic.core.ports import GenerationRequest
from docgen_magic.core.prompt import build_context
from docgen_magic.core.refine import TokenBudget
from docgen_magic.infra.loop_thread import default_loop_thread
from docgen_magic.settings import resolve_settings
from tests.docgen_runner import run_docgen
from tests.fake_openai import DISTINCTIVE_KEY, FakeOpenAI
from tests.shapes import SHAPE_IDS, SHAPE_TEXT

ROOT = Path(__file__).resolve().parent.parent
TOKEN_KEYS = ("requests", "prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens", "reasoning_tokens")

CELL = '''import math

def area(radius: float) -> float:
    return math.pi * radius ** 2

def scaled(values, factor=2):
    for v in values:
        yield v * factor

class Circle:
    def __init__(self, radius: float):
        self.radius = radius

    def grow(self, by: float = 1.0) -> None:
        if by < 0:
            raise ValueError("by")
        self.radius += by
'''
THREE = '''def first(a):
    return a

def second(b, c=1):
    return b + c

def third(*args, **kwargs):
    return args
'''
THREE_NAMES = ("first", "second", "third")


def usage_of(result: Any) -> dict[str, int]:
    return {k: getattr(result.usage, k) for k in TOKEN_KEYS}


def test_usage_totals_equal_what_the_fake_reported(azure_env: dict[str, str], fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue("429", "malformed")  # one SDK retry and one refinement, both accounted for
    result = docgen_magic.document(CELL)
    assert result.ok, [t.error for t in result.failed]
    assert len(result.documented) == 5
    assert usage_of(result) == fake_openai.usage_totals
    assert result.usage.requests == 6  # 5 targets + 1 refinement; the 429 retry is not an answered request
    assert len(fake_openai.requests) == 7  # ...but it reached the fake
    assert result.usage.cached_tokens > 0 and result.usage.reasoning_tokens > 0
    assert result.provider == "azure" and result.model == "docgen-test"


def test_rerun_costs_nothing_and_style_change_is_free(azure_env: dict[str, str], fake_openai: FakeOpenAI) -> None:
    first = docgen_magic.document(CELL)
    asked = len(fake_openai.requests)
    assert asked == 5 and first.usage.cache_hits == 0
    again = docgen_magic.document(CELL)
    assert len(fake_openai.requests) == asked
    assert again.usage.requests == 0 and again.usage.cache_hits == len(again.targets) == 5
    assert again.code == first.code
    numpy = docgen_magic.document(CELL, style="numpy")
    assert len(fake_openai.requests) == asked and numpy.usage.cache_hits == 5
    assert "Parameters\n    ----------" in numpy.code and numpy.code != first.code


def test_editing_one_function_reasks_only_that_one(azure_env: dict[str, str], fake_openai: FakeOpenAI) -> None:
    docgen_magic.document(THREE)
    assert len(fake_openai.requests) == 3
    edited = THREE.replace("return b + c", "return b * c")
    result = docgen_magic.document(edited)
    assert len(fake_openai.requests) == 4
    asked = fake_openai.requests[-1]["body"]["messages"][1]["content"]
    assert "def second(b, c=1):\n    return b * c" in asked
    assert result.usage.requests == 1 and result.usage.cache_hits == 2
    assert [t.cached for t in result.targets] == [True, False, True]


@pytest.mark.parametrize("breakage", ["file-in-the-way", "corrupt-database"])
def test_broken_cache_degrades_with_one_warning(azure_env: dict[str, str], fake_openai: FakeOpenAI,
                                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture, breakage: str) -> None:
    cache_dir = tmp_path / "broken-cache"
    if breakage == "file-in-the-way":
        cache_dir.write_text("not a folder")
    else:
        cache_dir.mkdir()
        (cache_dir / "cache.db").write_bytes(b"this is not sqlite" * 100)
    monkeypatch.setenv("DOCGEN_CACHE_DIR", str(cache_dir))
    caplog.set_level(logging.WARNING)
    for _ in range(2):  # a rerun cannot hit a cache that does not work: it asks again, and warns again
        caplog.clear()
        result = docgen_magic.document(CELL)
        assert result.ok and result.usage.requests == 5 and result.usage.cache_hits == 0
        warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(warnings) == 1, warnings  # exactly one per run, although 5 targets read and write
        assert warnings[0].startswith("docgen cache disabled: ") and "\n" not in warnings[0]
    assert len(fake_openai.requests) == 10


def test_token_budget_stops_further_requests(azure_env: dict[str, str], fake_openai: FakeOpenAI) -> None:
    dry = docgen_magic.document(THREE, use_cache=False)
    first_total = dry.targets[0].usage.total_tokens  # the fake's usage is deterministic
    fake_openai.reset()
    cell = parse_cell(THREE)
    target = extract_targets(cell)[0]
    worst = TokenBudget(limit=1).estimate(GenerationRequest(target=target, context=build_context(cell, target)),
                                          resolve_settings().max_completion_tokens)
    assert worst > first_total  # the estimate is an upper bound: the whole completion cap is counted
    budget = worst + 1  # room for the first request's worst case, not for a second one after it
    result = docgen_magic.document(THREE, token_budget=budget, concurrency=1, use_cache=False)
    assert len(fake_openai.requests) == 1 == result.usage.requests
    assert result.usage.total_tokens == fake_openai.usage_totals["total_tokens"] <= budget
    documented, *stopped = result.targets
    assert documented.status == "documented"
    for outcome in stopped:
        assert outcome.status == "failed"
        assert outcome.error.startswith(f"token budget of {budget:,} reached ({first_total:,} used)")
    assert "def second(b, c=1):\n    return b + c" in result.code


def test_token_budget_holds_with_requests_in_flight_together(azure_env: dict[str, str],
                                                             fake_openai: FakeOpenAI) -> None:
    fake_openai.latency = 0.2  # every request of the cell is in flight at once
    many = "\n".join(f"def step_{i}(frame, column='x'):\n    return frame[column] + {i}\n" for i in range(12))
    budget = 6_000
    result = docgen_magic.document(many, token_budget=budget, concurrency=12, use_cache=False)
    spent = fake_openai.usage_totals["total_tokens"]
    assert result.usage.total_tokens == spent <= budget
    assert 0 < result.usage.requests == len(fake_openai.requests) < 12
    stopped = [t for t in result.targets if t.status == "failed"]
    assert len(stopped) == 12 - result.usage.requests
    for outcome in stopped:
        assert outcome.error is not None and outcome.error.startswith(f"token budget of {budget:,} reached (")
        assert f"def {outcome.name}(frame, column='x'):\n    return" in result.code


def run_cli(*args: str, stdin: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_docgen(*args, stdin=stdin, env=env)


def test_cli_exit_1_when_one_target_fails(azure_env: dict[str, str], fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue("400")  # the first request (first target, concurrency 1) is refused
    out = run_cli("--provider", "azure", "--json", "--concurrency", "1", "-", stdin=THREE, env=azure_env)
    assert out.returncode == 1, out.stderr
    payload = json.loads(out.stdout)
    statuses = {t["name"]: t["status"] for t in payload["targets"]}
    assert statuses == {"first": "failed", "second": "documented", "third": "documented"}
    assert "<stdin>:1: first: azure: bad request (400): Invalid value" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert "Traceback" not in out.stderr and azure_env["AZURE_OPENAI_API_KEY"] not in out.stderr + out.stdout
    tree = ast.parse(payload["code"])
    docstrings = [ast.get_docstring(f) for f in tree.body]
    assert docstrings[0] is None and docstrings[1] and docstrings[2]
    # The refused request counts too, as rejected: the API answered it (with an error and no tokens).
    assert payload["usage"]["requests"] == 3 == fake_openai.usage_totals["requests"] + 1
    assert payload["usage"]["failed_requests"] == 1


def test_cli_wrong_key_fails_fast_in_one_line(azure_env: dict[str, str], fake_openai: FakeOpenAI) -> None:
    env = {**azure_env, "AZURE_OPENAI_API_KEY": "sk-wrong-SECRET-2222"}
    out = run_cli("--concurrency", "1", "-", stdin=THREE, env=env)
    assert out.returncode == 1
    assert out.stdout == THREE  # the code untouched
    assert len(fake_openai.requests) == 1  # no retry storm: the first 401 stops the run
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("docgen: <stdin>: 3 targets failed: azure: authentication failed (401): "
                               "check AZURE_OPENAI_API_KEY: ")
    assert all(f"{name} (line " in lines[0] for name in THREE_NAMES)
    assert lines[1].startswith("docgen: 0 documented, 3 failed · 1 request (1 rejected by the API)")
    assert "sk-wrong-SECRET-2222" not in out.stderr and "Traceback" not in out.stderr


def test_cli_openai_compatible_server(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    env = {"OPENAI_BASE_URL": fake_openai.openai_base_url, "OPENAI_API_KEY": DISTINCTIVE_KEY,
           "DOCGEN_CACHE_DIR": str(tmp_path / "c"), "DOCGEN_MODEL": "local-model"}
    out = run_cli("--json", "--no-strict", "-", stdin=THREE, env=env)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["provider"] == "openai"
    bodies = [r["body"] for r in fake_openai.requests]
    assert {b["model"] for b in bodies} == {"local-model"}
    assert all("strict" not in b["tools"][0]["function"] for b in bodies)


def test_requests_overlap(azure_env: dict[str, str], fake_openai: FakeOpenAI) -> None:
    fake_openai.latency = 0.3
    cell = "\n\n".join(f"def step_{i}(x, y=1):\n    return x + y + {i}\n" for i in range(10))
    result = docgen_magic.document(cell, use_cache=False, concurrency=8)
    assert result.ok and len(fake_openai.requests) == 10
    assert 1 < fake_openai.max_concurrent <= 8


def test_cancelled_run_leaves_the_loop_usable(azure_env: dict[str, str], fake_openai: FakeOpenAI) -> None:
    fake_openai.latency = 5.0
    loop_thread = default_loop_thread()
    future = loop_thread.submit(document_async(THREE, use_cache=False))
    deadline = time.monotonic() + 30
    while len(fake_openai.requests) < 3 and time.monotonic() < deadline:  # all three requests in flight
        threading.Event().wait(0.02)
    assert fake_openai.requests, "no request reached the fake"
    future.cancel()
    with pytest.raises(BaseException) as info:
        future.result(timeout=10)
    assert type(info.value).__name__ == "CancelledError"
    fake_openai.latency = 0.0
    # A cancelled request already on the wire may still be read (and recorded) by the fake after this
    # point, so the next run is told apart by its own function names rather than by a running count.
    renamed = THREE.replace("first", "fourth").replace("second", "fifth").replace("third", "sixth")
    result = docgen_magic.document(renamed, use_cache=False)
    asked_again = [r for r in fake_openai.requests if any(n in json.dumps(r) for n in ("fourth", "fifth", "sixth"))]
    assert result.ok and len(asked_again) == 3
    assert loop_thread.loop.is_running()


def test_slow_answer_fails_one_target_the_others_are_documented(azure_env: dict[str, str],
                                                                 fake_openai: FakeOpenAI) -> None:
    fake_openai.slow_seconds = 3.0
    fake_openai.enqueue("slow")  # the first request (concurrency 1: the first target) never answers in time
    result = docgen_magic.document(THREE, timeout=0.3, max_retries=0, concurrency=1)
    slow, *others = result.targets
    assert slow.status == "failed" and slow.error == "azure: timed out after 0.3 s (after 0 retries)"
    assert [o.status for o in others] == ["documented", "documented"]
    assert result.code.startswith("def first(a):\n    return a\n")
    assert result.usage.requests == 2 == fake_openai.usage_totals["requests"]
    assert len(fake_openai.requests) == 3


def test_notebook_through_the_cli(azure_env: dict[str, str], fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    cells = [{"cell_type": "code", "source": THREE.splitlines(keepends=True), "metadata": {}, "outputs": [],
              "execution_count": None},
             {"cell_type": "markdown", "source": ["# notes"], "metadata": {}},
             {"cell_type": "code", "source": CELL, "metadata": {}, "outputs": [], "execution_count": None}]
    path = tmp_path / "book.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    out = run_cli("--json", str(path), stdin="", env=azure_env)
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    assert payload["usage"]["requests"] == 8 == len(fake_openai.requests)
    assert {k: payload["usage"][k] for k in TOKEN_KEYS} == fake_openai.usage_totals
    again = json.loads(run_cli("--json", str(path), stdin="", env=azure_env).stdout)
    assert again["usage"]["requests"] == 0 and again["usage"]["cache_hits"] == 8
    assert len(fake_openai.requests) == 8


@pytest.mark.usefixtures("sigint_raises")
def test_ctrl_c_cancels_the_run_and_the_next_run_works(azure_env: dict[str, str], fake_openai: FakeOpenAI) -> None:
    import signal

    fake_openai.latency = 5.0

    def interrupt_once_asked() -> None:
        deadline = time.monotonic() + 30
        while not fake_openai.requests and time.monotonic() < deadline:
            threading.Event().wait(0.02)
        os.kill(os.getpid(), signal.SIGINT)  # what a kernel interrupt or Ctrl-C sends

    threading.Thread(target=interrupt_once_asked, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        docgen_magic.document(THREE, use_cache=False)
    assert fake_openai.requests
    fake_openai.latency = 0.0
    asked = len(fake_openai.requests)
    result = docgen_magic.document(THREE, use_cache=False)  # same loop, same cached SDK client
    assert result.ok and len(fake_openai.requests) == asked + 3


@pytest.mark.parametrize("shape", SHAPE_IDS)
def test_fake_answers_are_valid_on_every_shape(fake_openai: FakeOpenAI, shape: str, tmp_path: Path) -> None:
    """The fake's default answer passes validation at the first attempt for every cell shape (others rely on it)."""
    settings = resolve_settings({"provider": "azure", "azure_endpoint": fake_openai.url, "model": "d",
                                 "azure_api_key": DISTINCTIVE_KEY, "use_cache": False, "overwrite": True,
                                 "nested_functions": True}, environ={})
    try:
        result = docgen_magic.document(SHAPE_TEXT[shape], settings=settings)
    except CellSyntaxError:
        pytest.skip("not a parsable cell")
    assert result.ok, [(t.name, t.error) for t in result.failed]
    assert all(t.attempts == 1 for t in result.documented), [(t.name, t.problems_fixed) for t in result.targets]
    assert result.usage.requests == len(fake_openai.requests) == len(result.documented)
