"""Batch mode against the fake's /files and /batches: one batch for every first request, answers validated,
failures and refinements asked online, usage from the batch output, and a rerun resuming the same batch."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import docgen_magic
from docgen_magic.api import document_async
from docgen_magic.infra.loop_thread import default_loop_thread
from tests.fake_openai import FakeOpenAI

CELL = "\n\n".join(f"def step_{i}(frame, column='x'):\n    return frame[column] + {i}\n" for i in range(6))


def test_first_requests_go_through_one_batch(fake_openai: FakeOpenAI, azure_env: dict[str, str]) -> None:
    result = docgen_magic.document(CELL, batch=True, batch_poll=0.05, use_cache=False)
    assert result.ok and len(result.documented) == 6
    assert fake_openai.batch_calls[:2] == ["POST files", "POST batches"]
    assert fake_openai.batch_calls[-1].endswith("/content")
    assert fake_openai.requests == []  # no online chat request at all
    assert result.usage.requests == 6 and result.usage.prompt_tokens > 0  # usage read from the batch output
    upload = next(iter(fake_openai.files.values()))["content"].decode()
    assert upload.count('"url": "/chat/completions"') == 6  # Azure's batch line format


def test_failed_lines_and_invalid_answers_are_asked_online(fake_openai: FakeOpenAI,
                                                           azure_env: dict[str, str]) -> None:
    fake_openai.batch_faults.extend(["error", "missing-param"])
    result = docgen_magic.document(CELL, batch=True, batch_poll=0.05, use_cache=False)
    assert result.ok and len(result.documented) == 6
    asked_online = [r["body"]["messages"][1]["content"] for r in fake_openai.requests]
    assert len(asked_online) == 2  # the failed line (first attempt) and the refinement of the invalid answer
    second = next(t for t in result.targets if t.name == "step_1")
    assert second.attempts == 2 and "missing-param" in second.problems_fixed


def test_a_rerun_resumes_the_batch_instead_of_paying_twice(fake_openai: FakeOpenAI, azure_env: dict[str, str],
                                                           tmp_path: Path) -> None:
    fake_openai.batch_seconds = 3.0
    future = default_loop_thread().submit(document_async(CELL, batch=True, batch_poll=0.05, use_cache=False))
    deadline = time.monotonic() + 30
    while not fake_openai.batches and time.monotonic() < deadline:
        threading.Event().wait(0.02)
    assert fake_openai.batches, "no batch was submitted"
    threading.Event().wait(0.2)
    future.cancel()  # Ctrl-C while the batch runs
    states = list((Path(azure_env["DOCGEN_CACHE_DIR"]) / "batches").glob("*.json"))
    assert len(states) == 1
    result = docgen_magic.document(CELL, batch=True, batch_poll=0.05, use_cache=False)
    assert result.ok and len(result.documented) == 6
    assert len(fake_openai.batches) == 1  # picked up, not submitted again
    assert [c for c in fake_openai.batch_calls if c.startswith("POST")] == ["POST files", "POST batches"]
    assert not list((Path(azure_env["DOCGEN_CACHE_DIR"]) / "batches").glob("*.json"))  # done: state removed
