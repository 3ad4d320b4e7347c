"""A loopback fake of Azure OpenAI and OpenAI Chat Completions, for tests and benchmarks driven by the real SDK.

Routes:
    ``POST /openai/deployments/{name}/chat/completions?api-version=...`` (Azure: ``api-key`` header or
    ``Authorization: Bearer``) and ``POST /v1/chat/completions`` (OpenAI: bearer).

By default every request gets a VALID ``write_docstring`` tool call, built from the request itself: the
facts line of the user message with the ``Source:`` block (``Target: function `f`. Args: a, b. Returns: yes.
Raises: ValueError.``, written by ``core/prompt.py``) and that block, parsed with ``ast`` for the name.
Refinement requests get the same valid answer.

Scripted faults, consumed in order by the next requests (``fake.enqueue("429", "500")``):
    "429" (``retry-after-ms: 10``), "500", "reset" (connection closed without a response), "slow" (sleeps
    ``fake.slow_seconds`` before answering), "malformed", "no-tool-call", "length", "content-filter",
    "missing-param", "extra-param", "misspelled-param", "breakout", the weak answers of ``WEAK_ANSWERS``
    ("vacuous-summary", "html-entity", "wrong-container", "missing-param-and-raise"), "400", "tcp-reset" (a real
    TCP RST: the socket closed with SO_LINGER 0 before any answer), "html-200" (a web page with status 200, as a login
    portal or a wrong URL gives), "empty-200" (status 200, empty body), "half-body" (a valid answer cut off
    half way, the connection then closed); or a dict: ``{"status": 503}``
    (optionally with "headers" / "body"), or an answer override ``{"arguments": {...} | "raw text",
    "tool_name": ..., "arguments_as_object": True,
    "finish_reason": ..., "content": ..., "usage": {...} | None}``.

Rate limits: ``fake.rate_limit(rpm, tpm)`` enforces requests-per-minute and tokens-per-minute token buckets
(429 with ``retry-after-ms``, ``x-ratelimit-*`` headers on every answer); ``short_windows=True`` enforces them
as Azure OpenAI does, over 1 s and 10 s windows, while the headers count the minute; ``fake.rate_limited``
counts its 429s.

A server that answers a few at a time: ``fake.slots = 1`` works on one request at a time (``latency`` each), the
others queue, and a request whose client gave up is still worked on, as llama.cpp's server does.

Batch API: ``POST /v1/files`` (or ``/openai/files``) stores an upload, ``POST .../batches`` answers every line
of its input file as the chat route would (``fake.batch_faults``: "error" fails a line, an answer fault name
changes it), visible as completed after ``fake.batch_seconds``; ``GET .../batches/{id}`` and
``GET .../files/{id}/content`` read them back; ``fake.batch_calls`` records the calls.

A wrong key gets 401 and an unknown deployment (when ``fake.deployments`` is set) or model (when
``fake.models`` is set) gets 404, both with OpenAI-shaped error bodies; neither consumes a fault.

Counting: ``fake.requests`` records EVERY HTTP request received (SDK retries included), ``fake.responses``
the usage of every answered (200) request, ``fake.usage_totals`` their sums, ``fake.max_concurrent`` the
most requests in flight at once.

Standalone: ``python -m tests.fake_openai --port 0 --api-key K [--latency S] [--slots N] [--rpm N
[--short-windows]]`` prints ``FAKE_OPENAI_URL=http://127.0.0.1:PORT`` and serves until SIGTERM; then it prints
``FAKE_OPENAI_REPORT=`` and a JSON line: each request's arrival (seconds since the start) and status, and the
most requests in flight at once (benchmarks run the server in its own process, as a real one is).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import json
import math
import re
import signal
import socket
import struct
import sys
import textwrap
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOOL_NAME = "write_docstring"
DISTINCTIVE_KEY = "sk-fake-SECRET-7f3a9c1e"
"""A key for tests that look for leaks: distinctive, so it is easy to find in logs, reprs or files."""
FAULTS = ("429", "500", "reset", "slow", "malformed", "no-tool-call", "length", "content-filter",
          "missing-param", "extra-param", "misspelled-param", "breakout", "400", "tcp-reset", "html-200", "empty-200",
          "half-body")


# -- answers a weak model gives: valid JSON, prose the rule book rejects or parts left out (salvage tests) ---
def _vacuous_summary(answer: dict[str, Any]) -> None:
    answer["summary"] = "This is a docstring for the function."


def _html_entity(answer: dict[str, Any]) -> None:
    target = answer["args"][0] if answer["args"] else answer
    key = "description" if answer["args"] else "summary"
    target[key] = target[key].rstrip(".") + ", &#34;quoted&#34; <b>twice</b>."


def _wrong_container(answer: dict[str, Any]) -> None:
    answer["returns"] = {"type": None, "description": "The list is returned, one entry per item."}


def _missing_param_and_raise(answer: dict[str, Any]) -> None:
    answer["args"], answer["raises"] = answer["args"][:-1], []


WEAK_ANSWERS = {"vacuous-summary": _vacuous_summary, "html-entity": _html_entity,
                "wrong-container": _wrong_container, "missing-param-and-raise": _missing_param_and_raise}
"""Answer kinds that change the valid answer in place, scripted like the other faults."""
FAULTS += tuple(WEAK_ANSWERS)


HTML_PAGE = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body><form>...</form></body></html>"
BREAKOUT = '""" ; import os; os.system("x") # \\ \\\\ \'\'\' \\"""'
_AZURE_PATH = re.compile(r"^/openai/deployments/(?P<name>[^/]+)/chat/completions$")
_OPENAI_PATH = "/v1/chat/completions"
_BATCH_PATH = re.compile(r"^(?:/v1|/openai)/(?P<kind>files|batches)(?:/(?P<id>[^/]+))?(?P<content>/content)?$")
_REDACTED = "REDACTED"


# -- building a valid answer from the request --------------------------------------------------------------

def _fact(text: str, label: str) -> str | None:
    """The value of ``Label: value.`` in the facts line written by ``core/prompt.py``."""
    match = re.search(rf"(?:^|\. ){label}: (.*?)\.(?: [A-Z][a-z]+: |$)", text, re.M)
    return match.group(1).strip() if match else None


def _names(value: str | None) -> list[str]:
    if not value or value == "none":
        return []
    return [n.strip() for n in value.split(",") if n.strip()]


def _source_block(text: str) -> str:
    match = re.search(r"Source:\n```python\n(.*)\n```", text, re.S)
    return match.group(1) if match else ""


_PARSE_LOCK = threading.Lock()  # CPython 3.11's parser is not safe in many threads at once (SystemError)


def _parse_definition(source: str) -> ast.AST | None:
    for candidate in (source, textwrap.dedent(source), "if True:\n" + textwrap.indent(source, "    ")):
        try:
            with _PARSE_LOCK:
                module = ast.parse(candidate)
        except SyntaxError:
            continue
        for node in ast.walk(module):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                return node
    return None


def _words(name: str) -> str:
    parts = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip("_")).lower().split("_")
    return " ".join(p for p in parts if p) or name


def facts_from_messages(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """Read what the answer must cover from the request's first user message (the one with ``Source:``).

    Args:
        messages: The Chat Completions messages.

    Returns:
        kind, qualname, name, params, attributes, raises, generator, returns (booleans / lists).
    """
    text = ""
    for message in messages:
        content = message.get("content")
        if message.get("role") == "user" and isinstance(content, str) and "Source:\n```python" in content:
            text = content
    target = re.search(r"^Target: (\S+) `([^`]+)`", text, re.M)
    kind, qualname = (target.group(1), target.group(2)) if target else ("function", "target")
    facts = next((line for line in text.splitlines() if line.startswith("Target: ")), "")
    node = _parse_definition(_source_block(text))
    name = getattr(node, "name", None) or qualname.rsplit(".", 1)[-1]
    is_class = kind == "class"
    return {"kind": kind, "qualname": qualname, "name": name, "params": _names(_fact(facts, "Args")),
            "is_class": is_class, "attributes": _names(_fact(facts, "Attributes")) if is_class else [],
            "raises": _names(_fact(facts, "Raises")), "generator": _fact(facts, "Yields") == "yes",
            "returns": _fact(facts, "Returns") == "yes"}


def valid_answer(facts: dict[str, Any]) -> dict[str, Any]:
    """A valid strict answer for the facts read from a request.

    Args:
        facts: From :func:`facts_from_messages`.

    Returns:
        Tool arguments that pass the validator.
    """
    words = _words(facts["name"])
    summary = f"{words[0].upper()}{words[1:]}." if facts["is_class"] else f"Do the {words} step."
    return {
        "summary": summary,
        "description": f"Model prose about `{facts['qualname']}`.",
        # Prose that says something beyond the names, as a model's does (--check flags restated names).
        "args": [{"name": p, "type": None, "description": f"Model prose on how `{facts['name']}` uses it."}
                 for p in facts["params"]],
        "returns": {"type": None, "description": f"Model prose on what `{facts['name']}` gives back."}
        if facts["returns"] else None,
        "yields": {"type": None, "description": "Model prose on each yielded item's meaning."}
        if facts["generator"] else None,
        "raises": [{"exception": e, "description": "Model prose on the condition that triggers it."}
                   for e in facts["raises"]],
        "attributes": [{"name": a, "type": None, "description": f"Model prose on what `{a}` holds."}
                       for a in facts["attributes"]],
    }


def _fragments(answer: dict[str, Any]) -> dict[str, Any]:
    """The answer with every item description a lower-case fragment without its final period."""
    def fragment(entry: dict[str, Any]) -> dict[str, Any]:
        text = entry["description"].rstrip(".")
        return {**entry, "description": text[:1].lower() + text[1:]}

    items = {key: [fragment(e) for e in answer[key]] for key in ("args", "raises", "attributes")}
    values = {key: fragment(answer[key]) if answer[key] else None for key in ("returns", "yields")}
    return {**answer, **items, **values}


def _fault_answer(fault: str, answer: dict[str, Any]) -> dict[str, Any]:
    """Change a valid answer as a fault asks (the answer is a fresh dict)."""
    if fault == "missing-param" and answer["args"]:
        answer["args"] = answer["args"][:-1]
    elif fault == "extra-param":
        answer["args"].append({"name": "verbose_mode", "type": "bool", "description": "Not in the signature."})
    elif fault == "misspelled-param" and answer["args"]:
        first = answer["args"][0]
        first["name"] = first["name"] + "s" if not first["name"].endswith("s") else first["name"][:-1]
    elif fault in WEAK_ANSWERS:
        WEAK_ANSWERS[fault](answer)
    elif fault == "breakout":
        answer["summary"] = f"Do the step. {BREAKOUT}"
        answer["description"] = f"Line one {BREAKOUT}\n\\n\\x00 r'''{BREAKOUT}''' end"
        for arg in answer["args"]:
            arg["description"] = f"Value {BREAKOUT}"
    return answer


# -- the server --------------------------------------------------------------------------------------------

def _event_stream(completion: dict[str, Any], usage: dict[str, Any] | None) -> bytes:
    """A completion as Server-Sent Events, the way compatible servers stream one (``stream: true``).

    Content and tool-call arguments come in pieces of 16 characters, the finish reason in a chunk of its own,
    then (when asked with ``stream_options``) the usage in a last chunk without choices.
    """
    choice = completion["choices"][0]
    message = choice["message"]
    base = {"id": completion["id"], "object": "chat.completion.chunk", "created": completion["created"],
            "model": completion["model"]}
    chunks: list[dict[str, Any]] = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant"},
                                                          "finish_reason": None}]}]
    content = message.get("content") or ""
    for start in range(0, len(content), 16):
        chunks.append({**base, "choices": [{"index": 0, "delta": {"content": content[start:start + 16]},
                                            "finish_reason": None}]})
    for call in message.get("tool_calls") or []:
        arguments = call["function"]["arguments"]
        for number, start in enumerate(range(0, max(len(arguments), 1), 16)):
            function = {"arguments": arguments[start:start + 16]}
            if number == 0:
                function["name"] = call["function"]["name"]
            chunks.append({**base, "choices": [{"index": 0, "delta": {"tool_calls": [
                {"index": 0, "id": call["id"], "type": "function", "function": function}]}, "finish_reason": None}]})
    chunks.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": choice["finish_reason"]}]})
    if usage is not None:
        chunks.append({**base, "choices": [], "usage": usage})
    return "".join(f"data: {json.dumps(chunk)}\n\n" for chunk in chunks).encode() + b"data: [DONE]\n\n"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # the default backlog of 5 drops bursts of connections (a 1 s SYN retry each)
    fake: FakeOpenAI


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes: Nagle would hold the body ~40 ms
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet (the fake records requests instead)."""

    def setup(self) -> None:
        """Count the connection the client opened."""
        super().setup()
        self.server.fake._connection_opened()

    def finish(self) -> None:
        """Count the connection as closed (the client closed it, or the fake did)."""
        try:
            super().finish()
        finally:
            self.server.fake._connection_closed()

    def do_POST(self) -> None:
        """Answer one request."""
        self.server.fake._handle(self)

    def do_GET(self) -> None:
        """Batch API reads (batch status, file content); anything else is not found."""
        if not self.server.fake._batch_api(self, "GET"):
            self.server.fake._send_json(self, 404, _error("Resource not found", "not_found", "404"))


def _reset(handler: BaseHTTPRequestHandler) -> None:
    """Abort the connection with a TCP RST (SO_LINGER 0), as a crashing proxy or server does."""
    handler.close_connection = True
    connection = handler.connection
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError, ValueError):
        handler.wfile.flush()
    handler.rfile.close()  # the file objects hold references: the socket only closes (resets) without them
    handler.wfile.close()
    connection.close()
    handler.rfile, handler.wfile = io.BytesIO(), io.BytesIO()  # for the handler's own final flush and close


def _error(message: str, kind: str, code: str | None, param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


class _TokenBuckets:
    """Requests-per-minute and tokens-per-minute buckets, refilled continuously (thread-safe)."""

    def __init__(self, rpm: int, tpm: int | None, burst_seconds: float) -> None:
        self.rpm, self.tpm = rpm, tpm
        self.capacity = (max(1.0, rpm / 60 * burst_seconds), max(1.0, (tpm or 0) / 60 * burst_seconds))
        self.requests, self.tokens = self.capacity
        self.updated = time.monotonic()
        self.rejected = 0
        self.lock = threading.Lock()

    def admit(self, tokens: int) -> dict[str, str]:
        """Charge one request of ``tokens``; the headers to send (with retry-after-ms when refused)."""
        with self.lock:
            now = time.monotonic()
            elapsed, self.updated = now - self.updated, now
            self.requests = min(self.capacity[0], self.requests + elapsed * self.rpm / 60)
            if self.tpm:
                self.tokens = min(self.capacity[1], self.tokens + elapsed * self.tpm / 60)
            need_requests = max(0.0, 1 - self.requests) / (self.rpm / 60)
            need_tokens = max(0.0, tokens - self.tokens) / (self.tpm / 60) if self.tpm else 0.0
            wait = max(need_requests, need_tokens)
            if wait <= 0:
                self.requests -= 1
                if self.tpm:
                    self.tokens -= tokens
            else:
                self.rejected += 1
            headers = {"x-ratelimit-limit-requests": str(self.rpm),
                       "x-ratelimit-remaining-requests": str(int(self.requests)),
                       "x-ratelimit-reset-requests": f"{(self.capacity[0] - self.requests) / (self.rpm / 60):.3f}s"}
            if self.tpm:
                headers |= {"x-ratelimit-limit-tokens": str(self.tpm),
                            "x-ratelimit-remaining-tokens": str(int(self.tokens)),
                            "x-ratelimit-reset-tokens": f"{(self.capacity[1] - self.tokens) / (self.tpm / 60):.3f}s"}
            if wait > 0:
                headers["retry-after-ms"] = str(max(1, math.ceil(wait * 1000)))
            return headers


def charged_tokens(body: dict[str, Any]) -> int:
    """The tokens a request is charged against a tokens-per-minute limit when it arrives, as Azure OpenAI does.

    Its prompt (about 4 characters a token, here the whole request) and its completion cap, reserved until the
    answer is known (a request without a cap would reserve the model's whole context; 120 here).

    Args:
        body: The request's JSON body.

    Returns:
        Tokens.
    """
    cap = body.get("max_completion_tokens") or body.get("max_tokens") or 120
    return len(json.dumps(body)) // 4 + int(cap)


class _ShortWindows:
    """Azure OpenAI's way (thread-safe): a per-minute limit enforced over 1 s and 10 s windows.

    The headers count the minute (``x-ratelimit-remaining-requests`` starts at the whole per-minute limit),
    but a request beyond limit / 60 in the current second, or limit / 6 in the current ten seconds, is refused.
    """

    def __init__(self, rpm: int, tpm: int | None) -> None:
        self.rpm, self.tpm = rpm, tpm
        self.started = time.monotonic()
        self.log: deque[tuple[float, int]] = deque()  # (time, tokens) of the admitted requests, last minute
        self.rejected = 0
        self.lock = threading.Lock()

    def _window_wait(self, now: float, seconds: float, share: float, tokens: int) -> float:
        """Seconds until the fixed window of ``seconds`` that ``now`` falls in is over, when it is full."""
        start = self.started + (now - self.started) // seconds * seconds
        inside = [(t, n) for t, n in self.log if t >= start]
        full = len(inside) + 1 > max(1, int(self.rpm * share))
        if self.tpm:
            full = full or sum(n for _, n in inside) + tokens > max(1, int(self.tpm * share))
        return start + seconds - now if full else 0.0

    def admit(self, tokens: int) -> dict[str, str]:
        """Charge one request of ``tokens``; the headers to send (with retry-after-ms when refused)."""
        with self.lock:
            now = time.monotonic()
            while self.log and self.log[0][0] <= now - 60:
                self.log.popleft()
            wait = max(self._window_wait(now, 1.0, 1 / 60, tokens), self._window_wait(now, 10.0, 1 / 6, tokens))
            if wait <= 0:
                self.log.append((now, tokens))
            else:
                self.rejected += 1
            reset = self.log[0][0] + 60 - now if self.log else 0.0
            headers = {"x-ratelimit-limit-requests": str(self.rpm),
                       "x-ratelimit-remaining-requests": str(max(0, self.rpm - len(self.log))),
                       "x-ratelimit-reset-requests": f"{reset:.3f}s"}
            if self.tpm:
                headers |= {"x-ratelimit-limit-tokens": str(self.tpm),
                            "x-ratelimit-remaining-tokens": str(max(0, self.tpm - sum(n for _, n in self.log))),
                            "x-ratelimit-reset-tokens": f"{reset:.3f}s"}
            if wait > 0:
                headers["retry-after-ms"] = str(max(1, math.ceil(wait * 1000)))
            return headers


class FakeOpenAI:
    """A loopback Azure OpenAI / OpenAI server on 127.0.0.1 (a context manager).

    Attributes:
        url: ``http://127.0.0.1:PORT``, for ``AZURE_OPENAI_ENDPOINT``.
        openai_base_url: ``url + "/v1"``, for ``OPENAI_BASE_URL``.
        latency: Seconds to sleep before each answer.
        slow_seconds: How long the "slow" fault sleeps.
        requests: Every request received: path, query, headers (keys redacted), body, auth, fault, status.
        responses: Every answered (200) request: its usage dict.
        deployments: Known Azure deployments; None accepts any.
        models: Known OpenAI models; None accepts any.
        max_concurrent: Most requests in flight at once.
        connections: TCP connections accepted so far (a client reusing its keep-alive connections opens few).
        open_connections: Connections accepted and not closed yet.
        prefix_cache: Report cached prompt tokens as a provider's prefix cache would (1,024+ tokens seen
            before); by default a fixed share of every prompt is reported cached.
        slots: Requests worked on at once (each for ``latency`` seconds); the others wait in a queue, as
            llama.cpp's, Ollama's and LM Studio's servers do, and a request whose client gave up is still
            worked on. None (the default): every request at once.
        ignores_tools: Answer in the message content (a fenced JSON object with a sentence around it) instead of
            the forced tool call, as servers that ignore ``tool_choice`` do; a request without ``tools`` (JSON
            asked for in the content) is answered that way too.
        interrupts_streams: End a streamed answer after its first pieces, without a finish reason, when another
            request is in flight (llama-cpp-python's server interrupts a stream when the next request arrives).
        thinks_aloud: With ``ignores_tools``, begin the content with a ``<think>`` block holding a JSON object of
            its own, as reasoning models served without a reasoning parser do.
        rejected_params: Top-level request parameters answered with a 400 "Unsupported parameter" (as OpenAI
            rejects ``max_tokens`` for its reasoning models, or a server ``response_format``).
        fragment_prose: Answer as models often write: every item description (parameters, returns, yields,
            raises, attributes) a lower-case fragment without a final period ("the value to scale"), and a
            function's summary in the third person ("Computes the ... step.").
    """

    def __init__(self, api_key: str = "test-key", *, latency: float = 0.0) -> None:
        """Prepare the server (it starts with :meth:`start` or ``with``).

        Args:
            api_key: The only key accepted.
            latency: Seconds to sleep before each answer.
        """
        self.api_key = api_key
        self.latency = latency
        self.slow_seconds = 3.0
        self.deployments: set[str] | None = None
        self.models: set[str] | None = None
        self.requests: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []
        self.max_concurrent = 0
        self.connections = 0
        self.open_connections = 0
        self.prefix_cache = False
        self.fragment_prose = False
        self.files: dict[str, dict[str, Any]] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.batch_seconds = 0.0
        self.batch_faults: deque[str] = deque()
        self.batch_calls: list[str] = []
        self._limits: _TokenBuckets | _ShortWindows | None = None
        self.slots: int | None = None
        self.ignores_tools = False
        self.interrupts_streams = False
        self.thinks_aloud = False
        self.rejected_params: set[str] = set()
        self._slots: threading.Semaphore | None = None
        self._prefixes: set[int] = set()
        self.url = ""
        self.openai_base_url = ""
        self._faults: deque[str | dict[str, Any]] = deque()
        self._lock = threading.Lock()
        self._in_flight = 0
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._counter = 0

    def __repr__(self) -> str:
        """Name the URL, never the key."""
        return f"FakeOpenAI(url={self.url!r})"

    # -- lifecycle

    def start(self) -> FakeOpenAI:
        """Start serving on a free port in a daemon thread.

        Returns:
            The fake itself.
        """
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        port = server.server_address[1]
        self.url = f"http://127.0.0.1:{port}"
        self.openai_base_url = self.url + "/v1"
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-openai", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; sleeping handlers wake up and give up."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeOpenAI:
        """Start the server.

        Returns:
            The fake.
        """
        return self.start()

    def __exit__(self, *exc: object) -> None:
        """Stop the server."""
        self.stop()

    # -- scripting and counters

    def enqueue(self, *faults: str | dict[str, Any]) -> None:
        """Script faults for the next requests, consumed in order.

        Args:
            *faults: Names from FAULTS, or dicts (``{"status": 503}`` or an answer override).

        Raises:
            ValueError: An unknown fault name.
        """
        for fault in faults:
            if isinstance(fault, str) and fault not in FAULTS:
                raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        with self._lock:
            self._faults.extend(faults)

    def rate_limit(self, rpm: int | None, tpm: int | None = None, *, burst_seconds: float = 1.0,
                   short_windows: bool = False) -> None:
        """Enforce requests-per-minute and tokens-per-minute limits (None: unlimited).

        By default two token buckets refill continuously and hold ``burst_seconds`` of the allowance, and the
        headers report the buckets. With ``short_windows``, as Azure OpenAI does: the headers count the whole
        minute, but the limit is enforced over fixed 1 s and 10 s windows (limit / 60 and limit / 6). Either
        way a request that does not fit gets an immediate 429 with ``retry-after-ms``, and every answer
        carries ``x-ratelimit-limit/remaining/reset-requests`` and ``-tokens``. A request is charged its prompt
        (request JSON / 4) plus 120 completion tokens.

        Args:
            rpm: Requests per minute, or None for no limits at all.
            tpm: Tokens per minute, or None for no token limit.
            burst_seconds: Seconds of allowance the buckets hold.
            short_windows: Enforce as Azure OpenAI does, over 1 s and 10 s windows.
        """
        if rpm is None:
            self._limits = None
        else:
            self._limits = _ShortWindows(rpm, tpm) if short_windows else _TokenBuckets(rpm, tpm, burst_seconds)

    @property
    def rate_limited(self) -> int:
        """Requests answered 429 by the rate limits (scripted 429 faults not included)."""
        return self._limits.rejected if self._limits is not None else 0

    @property
    def pending_faults(self) -> int:
        """Scripted faults not consumed yet."""
        with self._lock:
            return len(self._faults)

    @property
    def usage_totals(self) -> dict[str, int]:
        """Sums of the usage reported in every answered request.

        Returns:
            requests, prompt_tokens, completion_tokens, total_tokens, cached_tokens, reasoning_tokens.
        """
        with self._lock:
            answered = list(self.responses)
        totals = {"requests": len(answered), "prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0,
                  "cached_tokens": 0, "reasoning_tokens": 0}
        for usage in answered:
            if not usage:
                continue
            for name in ("prompt_tokens", "completion_tokens", "total_tokens"):
                totals[name] += int(usage.get(name) or 0)
            totals["cached_tokens"] += int((usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0)
            totals["reasoning_tokens"] += int(
                (usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0)
        return totals

    def reset(self) -> None:
        """Forget recorded requests, responses, pending faults, the concurrency peak and the connection count."""
        with self._lock:
            self.connections = 0
            self.requests.clear()
            self.responses.clear()
            self._faults.clear()
            self.max_concurrent = 0

    # -- handling

    def _connection_opened(self) -> None:
        with self._lock:
            self.connections += 1
            self.open_connections += 1

    def _connection_closed(self) -> None:
        with self._lock:
            self.open_connections -= 1

    @contextlib.contextmanager
    def _slot(self) -> Any:
        """Hold one of the server's slots while a request is worked on (a queue when ``slots`` is set)."""
        if self.slots is None:
            yield
            return
        with self._lock:
            if self._slots is None:
                self._slots = threading.Semaphore(self.slots)
            slots = self._slots
        with slots:
            yield

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    def _send_json(self, handler: BaseHTTPRequestHandler, status: int, payload: dict[str, Any],
                   headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.send_header("x-request-id", f"req-{self._counter}")
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data)
            handler.wfile.flush()
        except OSError:  # the client gave up (timeout) and closed the connection
            handler.close_connection = True

    def _send_raw(self, handler: BaseHTTPRequestHandler, status: int, data: bytes, content_type: str, *,
                  length: int | None = None) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(data) if length is None else length))
            handler.end_headers()
            handler.wfile.write(data)
            handler.wfile.flush()
        except OSError:
            handler.close_connection = True

    def _handle(self, handler: _Handler) -> None:
        with self._lock:
            self._in_flight += 1
            self.max_concurrent = max(self.max_concurrent, self._in_flight)
            self._counter += 1
        try:
            if not self._batch_api(handler, "POST"):
                self._answer(handler)
        finally:
            with self._lock:
                self._in_flight -= 1

    # -- the Batch API: /files and /batches (OpenAI /v1/..., Azure /openai/...?api-version=)

    def _batch_api(self, handler: BaseHTTPRequestHandler, method: str) -> bool:
        """Serve ``/files`` and ``/batches`` requests; False when the path is not one of them."""
        split = urlsplit(handler.path)
        match = _BATCH_PATH.match(split.path)
        if not match:
            return False
        headers = {k.lower(): v for k, v in handler.headers.items()}
        length = int(headers.get("content-length") or 0)
        raw = handler.rfile.read(length) if length else b""
        if not self._auth(headers)[1]:
            self._send_json(handler, 401, _error("Incorrect API key provided.", "invalid_request_error",
                                                 "invalid_api_key"))
            return True
        kind, ident, content = match.group("kind"), match.group("id"), match.group("content")
        with self._lock:
            self.batch_calls.append(f"{method} {kind}{'/' + ident if ident else ''}{'/content' if content else ''}")
        if kind == "files" and method == "POST" and not ident:
            self._send_json(handler, 200, self._upload(headers.get("content-type", ""), raw))
        elif kind == "files" and method == "GET" and ident and content and ident in self.files:
            self._send_bytes(handler, self.files[ident]["content"])
        elif kind == "batches" and method == "POST" and not ident:
            self._send_json(handler, 200, self._create_batch(json.loads(raw or b"{}")))
        elif kind == "batches" and method == "GET" and ident in self.batches:
            self._send_json(handler, 200, self._batch_state(ident))
        else:
            self._send_json(handler, 404, _error("Resource not found", "not_found", "404"))
        return True

    def _send_bytes(self, handler: BaseHTTPRequestHandler, data: bytes) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/octet-stream")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _upload(self, content_type: str, raw: bytes) -> dict[str, Any]:
        from email.parser import BytesParser
        from email.policy import HTTP

        message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
        fields = {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
        part = fields["file"]
        data = part.get_payload(decode=True) or b""
        with self._lock:
            ident = f"file-fake-{len(self.files) + 1}"
            self.files[ident] = {"content": data, "filename": part.get_filename() or "input.jsonl"}
        return {"id": ident, "object": "file", "bytes": len(data), "created_at": int(time.time()),
                "filename": self.files[ident]["filename"], "purpose": "batch", "status": "processed"}

    def _create_batch(self, body: dict[str, Any]) -> dict[str, Any]:
        """Answer every line of the input file now (as the chat route would); visible after batch_seconds."""
        lines = [json.loads(line) for line in self.files[body["input_file_id"]]["content"].splitlines() if line]
        outputs, failed = [], 0
        for line in lines:
            with self._lock:
                fault = self.batch_faults.popleft() if self.batch_faults else None
            if fault == "error":
                failed += 1
                outputs.append({"id": f"batch_req_{line['custom_id']}", "custom_id": line["custom_id"],
                                "response": None, "error": {"code": "server_error", "message": "Scripted."}})
                continue
            completion = self._completion(line["body"], fault, line["body"].get("model"))
            outputs.append({"id": f"batch_req_{line['custom_id']}", "custom_id": line["custom_id"],
                            "response": {"status_code": 200, "request_id": "req", "body": completion}, "error": None})
        data = "".join(json.dumps(o) + "\n" for o in outputs).encode()
        with self._lock:
            ident = f"batch_fake_{len(self.batches) + 1}"
            output = f"file-fake-{len(self.files) + 1}"
            self.files[output] = {"content": data, "filename": f"{ident}_output.jsonl"}
            self.batches[ident] = {"id": ident, "object": "batch", "endpoint": body.get("endpoint"),
                                   "input_file_id": body["input_file_id"], "completion_window": "24h",
                                   "created_at": int(time.time()), "ready_at": time.monotonic() + self.batch_seconds,
                                   "output_file_id": output, "total": len(lines), "failed": failed}
        return self._batch_state(ident)

    def _batch_state(self, ident: str) -> dict[str, Any]:
        batch = dict(self.batches[ident])
        ready = time.monotonic() >= batch.pop("ready_at")
        total, failed = batch.pop("total"), batch.pop("failed")
        batch["status"] = "completed" if ready else "in_progress"
        batch["request_counts"] = {"total": total, "completed": total - failed if ready else 0,
                                   "failed": failed if ready else 0}
        if not ready:
            batch["output_file_id"] = None
        return batch

    def _auth(self, headers: dict[str, str]) -> tuple[str | None, bool]:
        if "api-key" in headers:
            return "api-key", headers["api-key"] == self.api_key
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return "bearer", auth[7:].strip() == self.api_key
        return None, False

    def _answer(self, handler: _Handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        split = urlsplit(handler.path)
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        headers = {k.lower(): v for k, v in handler.headers.items()}
        auth, auth_ok = self._auth(headers)
        try:
            body: Any = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            body = raw.decode("utf-8", "replace")
        record: dict[str, Any] = {
            "method": "POST", "path": split.path, "query": query, "body": body, "auth": auth,
            "headers": {k: (_REDACTED if k in ("api-key", "authorization") else v) for k, v in headers.items()},
            "fault": None, "status": None, "time": time.monotonic(),
        }
        with self._lock:
            self.requests.append(record)

        def reply(status: int, payload: dict[str, Any], extra: dict[str, str] | None = None) -> None:
            record["status"] = status
            self._send_json(handler, status, payload, extra)

        azure = _AZURE_PATH.match(split.path)
        if not azure and split.path != _OPENAI_PATH:
            return reply(404, _error("Resource not found", "not_found", "404"))
        if azure and "api-version" not in query:
            return reply(404, _error("Resource not found", "not_found", "404"))
        if not auth_ok:
            message = ("Access denied due to invalid subscription key or wrong API endpoint."
                       if azure else "Incorrect API key provided.")
            return reply(401, _error(message, "invalid_request_error", "invalid_api_key"))
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return reply(400, _error("'messages' is a required property", "invalid_request_error", None,
                                     "messages"))
        rejected = sorted(self.rejected_params & set(body))
        if rejected:
            return reply(400, _error(f"Unsupported parameter: '{rejected[0]}' is not supported with this model.",
                                     "invalid_request_error", "unsupported_parameter", rejected[0]))
        if azure and self.deployments is not None and azure.group("name") not in self.deployments:
            return reply(404, _error("The API deployment for this resource does not exist.", "invalid_request_error",
                                     "DeploymentNotFound"))
        if not azure and self.models is not None and body.get("model") not in self.models:
            return reply(404, _error(f"The model `{body.get('model')}` does not exist.", "invalid_request_error",
                                     "model_not_found"))
        limited = self._limits.admit(charged_tokens(body)) if self._limits is not None else None
        if limited is not None and limited.get("retry-after-ms"):
            return reply(429, _error("Requests to the ChatCompletions_Create Operation have exceeded the rate "
                                     "limit.", "rate_limit_error", "429"), limited)
        with self._lock:
            fault = self._faults.popleft() if self._faults else None
        record["fault"] = fault
        with self._slot():
            if fault == "slow":
                self._sleep(self.slow_seconds)
            else:
                self._sleep(self.latency)
        if self._stopping.is_set():
            handler.close_connection = True
            return None
        if fault == "reset":
            record["status"] = 0
            handler.close_connection = True  # the server closes the socket without a response
            return None
        if fault == "tcp-reset":
            record["status"] = 0
            return _reset(handler)
        if fault in ("html-200", "empty-200"):
            record["status"] = 200
            page = fault == "html-200"
            return self._send_raw(handler, 200, HTML_PAGE if page else b"",
                                  "text/html; charset=utf-8" if page else "application/json")
        if fault == "half-body":
            record["status"] = 200
            data = json.dumps(self._completion(body, None, azure.group("name") if azure else body.get("model")))
            self._send_raw(handler, 200, data.encode()[: len(data) // 2], "application/json", length=len(data))
            handler.close_connection = True
            return None
        if fault == "429":
            return reply(429, _error("Rate limit reached. Retry after 10 ms.", "rate_limit_error", "429"),
                         {"retry-after-ms": "10"})
        if fault == "500":
            return reply(500, _error("The server had an error while processing your request.", "server_error",
                                     None))
        if fault == "400":
            return reply(400, _error("Invalid value for 'messages[1].content'.", "invalid_request_error",
                                     "invalid_value", "messages"))
        if isinstance(fault, dict) and "status" in fault:
            payload = fault.get("body") or _error(f"Scripted status {fault['status']}.", "scripted", None)
            return reply(int(fault["status"]), payload, fault.get("headers"))
        completion = self._completion(body, fault, azure.group("name") if azure else body.get("model"))
        if body.get("stream"):
            record["status"] = 200
            usage = completion.get("usage") if (body.get("stream_options") or {}).get("include_usage") else None
            events = _event_stream(completion, usage)
            if self.interrupts_streams and self._in_flight > 1:  # as llama-cpp-python's server does by default
                events = events.split(b"\n\n", 3)[0] + b"\n\ndata: [DONE]\n\n"
                record["interrupted"] = True
            return self._send_raw(handler, 200, events, "text/event-stream")
        return reply(200, completion, limited)

    def _cached_tokens(self, body: dict[str, Any]) -> int:
        """Prompt tokens served from a provider-style prefix cache: the longest prefix (tools, then messages)
        seen before, in steps of 128 tokens from 1,024 on, as OpenAI and Azure OpenAI cache (4 chars a token)."""
        text = json.dumps(body.get("tools")) + json.dumps(body.get("messages"))
        step, cached = 128 * 4, 0
        with self._lock:
            for end in range(1024 * 4, len(text) + 1, step):
                key = hash(text[:end])
                if key in self._prefixes:
                    cached = end // 4
                self._prefixes.add(key)
        return cached

    def _completion(self, body: dict[str, Any], fault: str | dict[str, Any] | None, model: Any) -> dict[str, Any]:
        answer = valid_answer(facts_from_messages(body["messages"]))
        if self.fragment_prose:
            answer = _fragments(answer)
            answer["summary"] = answer["summary"].replace("Do the ", "Computes the ", 1)
        finish, content = "stop", None
        arguments: str | None
        if isinstance(fault, dict):
            custom = fault.get("arguments", answer)
            arguments = custom if isinstance(custom, str) or custom is None else json.dumps(custom)
            finish = fault.get("finish_reason", finish)
            content = fault.get("content")
        elif fault == "malformed":
            arguments = json.dumps(answer)[:-1] + ', "summary": }'
        elif fault == "no-tool-call":
            arguments, content = None, "Here is the docstring you asked for: it loads data."
        elif fault == "length":
            text = json.dumps(answer)
            arguments, finish = text[: max(len(text) // 2, 1)], "length"
        elif fault == "content-filter":
            arguments, finish = None, "content_filter"
        else:
            arguments = json.dumps(_fault_answer(fault, answer) if fault else answer)
        if arguments is not None and (self.ignores_tools or "tools" not in body):
            # A server that ignores tool_choice (or was asked for JSON in the content) writes the object as text,
            # the way small models do: fenced, with a sentence around it.
            arguments, content = None, f"Here is the docstring:\n```json\n{arguments}\n```\nDone."
            if self.thinks_aloud:  # a reasoning model without a reasoning parser: braces of its own first
                content = ('<think>\nA vague answer such as {"summary": "This function does things."} would not '
                           "do; the code says more.\n</think>\n\n" + content)
        message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
        with self._lock:
            number = self._counter
        if arguments is not None:
            function: dict[str, Any] = {"name": TOOL_NAME, "arguments": arguments}
            if isinstance(fault, dict):  # as some servers and small models call the one tool
                function["name"] = fault.get("tool_name", TOOL_NAME)
                if fault.get("arguments_as_object"):
                    function["arguments"] = json.loads(arguments)
            message["tool_calls"] = [{"id": f"call_{number}", "type": "function", "function": function}]
        prompt = len(json.dumps(body)) // 4
        completion = len(arguments or content or "") // 4 + 1
        usage: dict[str, Any] | None = {
            "prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": self._cached_tokens(body) if self.prefix_cache
                                      else (prompt // 256) * 128, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": completion % 7, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
        }
        if isinstance(fault, dict) and "usage" in fault:
            usage = fault["usage"]
        if fault != "slow":  # a slow answer arrives after the client's timeout: nobody reads it
            with self._lock:
                self.responses.append(usage or {})
        completion_body: dict[str, Any] = {
            "id": f"chatcmpl-fake-{number}", "object": "chat.completion", "created": int(time.time()),
            "model": str(model), "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        }
        if usage is not None:
            completion_body["usage"] = usage
        return completion_body


def main(argv: list[str] | None = None) -> None:
    """Serve a fake until killed, printing its URL first.

    Args:
        argv: Command-line arguments (``--port`` is accepted for symmetry; the port is always free).
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api-key", default="test-key")
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--slots", type=int, help="requests worked on at once (the others queue)")
    parser.add_argument("--rpm", type=int, help="requests allowed per minute")
    parser.add_argument("--short-windows", action="store_true", help="enforce --rpm over 1 s and 10 s windows")
    args = parser.parse_args(argv)
    fake = FakeOpenAI(api_key=args.api_key, latency=args.latency)
    fake.slots = args.slots
    if args.rpm:
        fake.rate_limit(rpm=args.rpm, short_windows=args.short_windows)
    started = time.monotonic()
    if args.port:
        fake._server = None
        server = _Server(("127.0.0.1", args.port), _Handler)
        server.fake = fake
        fake._server = server
        fake.url = f"http://127.0.0.1:{server.server_address[1]}"
        fake.openai_base_url = fake.url + "/v1"
        threading.Thread(target=server.serve_forever, daemon=True).start()
    else:
        fake.start()
    sys.stdout.write(f"FAKE_OPENAI_URL={fake.url}\n")
    sys.stdout.flush()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    fake.stop()
    report = {"requests": [[round(r["time"] - started, 4), r["status"]] for r in fake.requests],
              "max_concurrent": fake.max_concurrent}
    sys.stdout.write(f"FAKE_OPENAI_REPORT={json.dumps(report)}\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
