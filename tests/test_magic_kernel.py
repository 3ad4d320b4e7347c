"""The %%docgen / %docgen magics in a real ipykernel, driven over ZMQ by jupyter_client.

Covers: a cheap %load_ext, the review's output (its mime type + text/plain + text/html, updated in place),
--apply's set_next_input payload, --check, --run, -o, an interrupt during a slow run against the loopback fake,
the kernel's own event loop left alone, configuration precedence, one-line errors, the extension's requests on
the run comm target (sent as the frontend sends them) and that no key ever reaches any message.
"""

from __future__ import annotations

import json
import queue
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_client import KernelManager

from tests.conftest import FAKE_KEY, kernel_env
from tests.fake_openai import FakeOpenAI

pytestmark = [pytest.mark.kernel, pytest.mark.timeout(300)]

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
REVIEW_MIME = "application/vnd.docgen.result+json"
WAIT_S = 60.0

CELL = ("def add(a, b):\n    return a + b\n\n\n"
        "def scale(values, factor=2.0):\n    for v in values:\n        yield v * factor\n")


class Execution:
    """The messages one execute request produced.

    Args:
        messages: IOPub messages whose parent is the request.
        reply: The execute_reply content.
    """

    def __init__(self, messages: list[dict[str, Any]], reply: dict[str, Any]) -> None:
        self.messages = messages
        self.reply = reply

    def of_type(self, *kinds: str) -> list[dict[str, Any]]:
        """Message contents of the given types.

        Args:
            *kinds: Message types.

        Returns:
            The contents, in order.
        """
        return [m["content"] for m in self.messages if m["msg_type"] in kinds]

    @property
    def stdout(self) -> str:
        """Everything printed to stdout."""
        return "".join(c["text"] for c in self.of_type("stream") if c["name"] == "stdout")

    @property
    def stderr(self) -> str:
        """Everything printed to stderr."""
        return "".join(c["text"] for c in self.of_type("stream") if c["name"] == "stderr")

    @property
    def bundles(self) -> list[dict[str, Any]]:
        """The data of every display_data / update_display_data, in order."""
        return [c["data"] for c in self.of_type("display_data", "update_display_data")]

    @property
    def final_bundle(self) -> dict[str, Any]:
        """The last displayed bundle (the result after the progress display)."""
        assert self.bundles, "nothing was displayed"
        return self.bundles[-1]

    @property
    def text(self) -> str:
        """The text/plain of every display, joined."""
        return "\n".join(b.get("text/plain", "") for b in self.bundles)


class Kernel:
    """A real python3 ipykernel plus a blocking client, recording every IOPub message.

    Args:
        env: The kernel's environment.
    """

    def __init__(self, env: dict[str, str]) -> None:
        self.manager = KernelManager(kernel_name="python3")
        self.manager.start_kernel(env=env)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=WAIT_S)
        self.all: list[dict[str, Any]] = []

    def close(self) -> None:
        """Stop the channels and the kernel."""
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)

    def _record(self, message: dict[str, Any]) -> None:
        """Keep a message.

        Args:
            message: An IOPub message.
        """
        self.all.append(message)

    def next_iopub(self, timeout: float = 1.0) -> dict[str, Any] | None:
        """Read and record one IOPub message.

        Args:
            timeout: Seconds to wait.

        Returns:
            The message, or None when none arrived.
        """
        try:
            message = self.client.get_iopub_msg(timeout=timeout)
        except queue.Empty:
            return None
        self._record(message)
        return message

    def submit(self, code: str, metadata: dict[str, Any] | None = None) -> str:
        """Send an execute request without waiting.

        Args:
            code: The cell.
            metadata: The request metadata (JupyterLab sends ``{"cellId": ...}``).

        Returns:
            The request's message id.
        """
        content = {"code": code, "silent": False, "store_history": True, "allow_stdin": False}
        msg = self.client.session.msg("execute_request", content, metadata=metadata or {})
        self.client.shell_channel.send(msg)
        return str(msg["header"]["msg_id"])

    def collect(self, msg_id: str, on_message: Callable[[dict[str, Any]], None] | None = None) -> Execution:
        """Read IOPub until the request is idle, then its reply.

        Args:
            msg_id: The request id.
            on_message: Called with each of the request's messages as it arrives.

        Returns:
            The execution.
        """
        # Messages already read (e.g. while waiting for something else) count too.
        messages = [m for m in self.all if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] != "status"]
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            message = self.next_iopub()
            if message is None or message["parent_header"].get("msg_id") != msg_id:
                continue
            if on_message is not None:
                on_message(message)
            if message["msg_type"] == "status":
                if message["content"]["execution_state"] == "idle":
                    break
                continue
            messages.append(message)
        else:
            raise TimeoutError("the kernel did not become idle")
        while True:
            reply = self.client.get_shell_msg(timeout=WAIT_S)
            if reply["parent_header"].get("msg_id") == msg_id:
                return Execution(messages, reply["content"])

    def run(self, code: str, metadata: dict[str, Any] | None = None) -> Execution:
        """Execute a cell and wait for it.

        Args:
            code: The cell.
            metadata: The request metadata.

        Returns:
            The execution.
        """
        return self.collect(self.submit(code, metadata))

    def ok(self, code: str, metadata: dict[str, Any] | None = None) -> Execution:
        """Execute a cell that must succeed.

        Args:
            code: The cell.
            metadata: The request metadata.

        Returns:
            The execution.
        """
        execution = self.run(code, metadata)
        assert execution.reply["status"] == "ok", (execution.reply, execution.stderr)
        return execution

    def wait_until(self, predicate: Callable[[], bool], what: str) -> None:
        """Read IOPub until a condition on the recorded state holds.

        Args:
            predicate: The condition.
            what: Description for the failure message.
        """
        deadline = time.monotonic() + WAIT_S
        while not predicate():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            self.next_iopub(timeout=0.5)


def asked_for(fake: FakeOpenAI, name: str) -> int:
    """How many requests the fake received for one target (its source, not just the context naming it).

    Args:
        fake: The fake.
        name: A function name.

    Returns:
        The count.
    """
    marker = f"Source:\n```python\ndef {name}("
    return sum(any(marker in str(m.get("content")) for m in (r.get("body") or {}).get("messages", []))
               for r in fake.requests)


def review_of(bundle: dict[str, Any]) -> dict[str, Any]:
    """The review data of a bundle.

    Args:
        bundle: A displayed bundle.

    Returns:
        The data of the project's mime type.
    """
    return dict(bundle[REVIEW_MIME])


def apply_edits(review: dict[str, Any], names: set[str] | None = None) -> str:
    """The code the frontend builds from the saved review: the original lines with the accepted edits applied.

    Args:
        review: The review data.
        names: The accepted targets; every documented one when None.

    Returns:
        The code.
    """
    lines = list(review["lines"])
    edits = [t["edit"] for t in review["targets"] if t.get("edit") and (names is None or t["name"] in names)]
    for start, stop, added in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        lines[start:stop] = added
    return "".join(lines)


def ask(kernel: Kernel, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Send a request to the kernel's docgen_magic.run comm target as the frontend extension does.

    Args:
        kernel: The kernel.
        data: The request.

    Returns:
        The data of every reply, the last one marked final.
    """
    comm_id = uuid.uuid4().hex
    kernel.client.shell_channel.send(kernel.client.session.msg(
        "comm_open", {"comm_id": comm_id, "target_name": "docgen_magic.run", "data": data}))

    def replies() -> list[dict[str, Any]]:
        return [m["content"]["data"] for m in kernel.all
                if m["msg_type"] == "comm_msg" and m["content"].get("comm_id") == comm_id]

    kernel.wait_until(lambda: any(r.get("final") for r in replies()), "the final reply")
    return replies()


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kernel]:
    """An offline kernel (no model configured) with the extension loaded."""
    session = Kernel(kernel_env(tmp_path_factory.mktemp("offline")))
    try:
        session.ok("%load_ext docgen_magic")
        yield session
    finally:
        session.close()


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    """One loopback fake for the Azure kernel."""
    with FakeOpenAI(api_key=FAKE_KEY) as server:
        yield server


@pytest.fixture(scope="module")
def azure_kernel(fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kernel]:
    """A kernel whose environment points at the fake as an Azure OpenAI resource."""
    env = kernel_env(tmp_path_factory.mktemp("azure"), AZURE_OPENAI_ENDPOINT=fake.url,
                     AZURE_OPENAI_API_KEY=FAKE_KEY, AZURE_OPENAI_DEPLOYMENT="docgen-test")
    session = Kernel(env)
    try:
        session.ok("%load_ext docgen_magic")
        yield session
    finally:
        session.close()


# ------------------------------------------------------------------ loading


def test_load_ext_imports_nothing_heavy(tmp_path: Path) -> None:
    """%load_ext registers the magics without importing the SDK, the cache, ipywidgets or the pipeline."""
    session = Kernel(kernel_env(tmp_path))
    try:
        out = session.ok(
            "import sys\n"
            "heavy = ('openai', 'diskcache', 'ipywidgets', 'docgen_magic.core.pipeline', 'docgen_magic.api')\n"
            "before = [m for m in heavy if m in sys.modules]\n"
            "%load_ext docgen_magic\n"
            "after = [m for m in heavy if m in sys.modules]\n"
            "print(before, after, 'docgen' in get_ipython().magics_manager.magics['cell'])").stdout
        assert out.strip() == "[] [] True"
    finally:
        session.close()


def test_unload_and_reload(kernel: Kernel) -> None:
    """%unload_ext removes both magics and the configurable; %load_ext brings them back."""
    kernel.ok("%unload_ext docgen_magic")
    try:
        out = kernel.ok("mm = get_ipython().magics_manager.magics\n"
                        "print('docgen' in mm['cell'], 'docgen' in mm['line'],\n"
                        "      any(type(c).__name__ == 'DocgenMagics' for c in get_ipython().configurables))").stdout
        assert out.strip() == "False False False"
        assert kernel.run("%%docgen\n" + CELL).reply["status"] == "error"
    finally:
        kernel.ok("%load_ext docgen_magic")
    assert '"""' in kernel.ok("%%docgen\n" + CELL).final_bundle["text/plain"]


def test_help_lists_the_options(kernel: Kernel) -> None:
    """%%docgen? shows the magic_arguments help."""
    reply = kernel.client.inspect("%%docgen", 8, detail_level=0, reply=True, timeout=WAIT_S)["content"]
    text = reply["data"]["text/plain"]
    for option in ("--apply", "--check", "--run", "--no-cache", "--max-attempts", "-o VAR", "--style"):
        assert option in text


def test_question_mark_help_pages_the_options(kernel: Kernel) -> None:
    """Running ``%%docgen?`` as a cell (not only Shift-Tab) pages the help with every option, and runs nothing."""
    execution = kernel.ok("%%docgen?")
    pages = [p for p in execution.reply["payload"] if p["source"] == "page"]
    assert len(pages) == 1
    text = pages[0]["data"]["text/plain"]
    for option in ("--apply", "--check", "--run", "--no-cache", "--max-attempts", "--timeout", "--concurrency",
                   "--provider", "--model", "--overwrite", "-o VAR", "--style"):
        assert option in text, option
    assert "Document the functions and classes of a cell" in text
    assert "Args:" not in text and "Raises:" not in text  # sections for the code's readers, not the page
    assert "``" not in text and "\n::" not in text  # plain text, no reST markup
    assert "examples:\n  %%docgen " in text and "%%docgen --check" in text
    assert not execution.bundles


# ------------------------------------------------------------------ output


def test_docgen_displays_the_review_with_plain_fallbacks(kernel: Kernel) -> None:
    """One output, updated in place: the review's mime type plus text/plain and text/html, no widget."""
    execution = kernel.ok("%%docgen -o shown\n" + CELL)
    bundle = execution.final_bundle
    assert set(bundle) == {REVIEW_MIME, "text/plain", "text/html"}
    assert '"""Add' in bundle["text/plain"] and "def scale(values, factor=2.0):" in bundle["text/plain"]
    assert "Yields:" in bundle["text/plain"] and "2 documented" in bundle["text/plain"]
    assert "--run" in bundle["text/plain"]  # says the functions were not run, and how to run them
    assert 'class="docgen-code"' in bundle["text/html"] and "docgen-report" in bundle["text/html"]
    assert "style=" not in bundle["text/html"]  # colours come from the theme's stylesheet, not inline styles
    displays = execution.of_type("display_data")
    updates = execution.of_type("update_display_data")
    assert len(displays) == 1 and updates
    assert displays[0]["transient"]["display_id"] == updates[-1]["transient"]["display_id"]
    review = review_of(bundle)
    assert review["status"] == "done" and review["source"] == "%%docgen -o shown\n" + CELL
    assert [(t["name"], t["state"]) for t in review["targets"]] == [("add", "documented"), ("scale", "documented")]
    code = json.loads(kernel.ok("import json; print(json.dumps(shown.code))").stdout)
    assert apply_edits(review) == code  # the frontend rebuilds exactly the documented code
    only_add = apply_edits(review, {"add"})  # ... or any subset of it (per-function accept)
    assert '"""' in only_add.split("def scale")[0] and '"""' not in only_add.split("def scale")[1]
    # The saved output is the size of the cell and its docstrings times a small factor, plus one stylesheet
    # (~3 KB) and the once-a-session hint; the old widget and its inline-styled fallback saved 20 times the cell.
    assert len(json.dumps(bundle)) < 6000 + 12 * len(code)


def test_progress_lists_every_target_from_the_start(azure_kernel: Kernel, fake: FakeOpenAI) -> None:
    """With a slow model, every target is listed (queued / in flight) before any finishes; count and list agree."""
    names = [f"slow_listed_{i}" for i in range(5)]
    cell = "\n\n".join(f"def {n}(x):\n    return x\n" for n in names)
    fake.latency = 1.5
    try:
        execution = azure_kernel.ok("%%docgen --no-cache --concurrency 2\n" + cell)
    finally:
        fake.latency = 0.0
    reviews = [review_of(b) for b in execution.bundles]
    running = [r for r in reviews if r["status"] == "running"]
    listed = [r for r in running if [t["name"] for t in r["targets"]] == names]
    assert listed, "no progress listed every target"
    early = listed[0]
    assert early["done"] == 0 and early["total"] == 5
    assert {t["state"] for t in early["targets"]} <= {"queued", "started"}
    assert any(t["state"] == "started" for r in running for t in r["targets"])  # in flight was shown
    elapsed = [r["elapsed_s"] for r in running]
    assert elapsed == sorted(elapsed) and elapsed[-1] >= 1.0  # the clock moves while running
    for r in running:  # the count is the number of finished targets in the list, always
        finished = sum(t["state"] not in ("queued", "started", "retrying") for t in r["targets"])
        assert r["done"] == finished
    final = reviews[-1]
    assert final["status"] == "done" and final["done"] == final["total"] == 5 and final["elapsed_s"] > 0


def test_failed_requests_are_counted(azure_kernel: Kernel, fake: FakeOpenAI) -> None:
    """Requests the API rejected (a wrong key: 401) count in the run line and in %docgen usage."""
    before = azure_kernel.ok("%docgen usage").text
    assert "rejected" not in before
    azure_kernel.ok("import os; _key = os.environ['AZURE_OPENAI_API_KEY']; "
                    "os.environ['AZURE_OPENAI_API_KEY'] = 'sk-wrong'")
    try:
        execution = azure_kernel.ok("%%docgen --no-cache\ndef rejected_fn(x):\n    return x\n")
    finally:
        azure_kernel.ok("os.environ['AZURE_OPENAI_API_KEY'] = _key")
    review = review_of(execution.final_bundle)
    assert "1 request (1 rejected by the API)" in review["usage_line"]
    assert review["targets"][0]["state"] == "failed" and "401" in review["targets"][0]["detail"]
    assert not any(t.get("edit") for t in review["targets"])  # nothing to replace
    assert "rejected by the API" in azure_kernel.ok("%docgen usage").text


def test_model_hint_is_shown_once_a_session(tmp_path: Path) -> None:
    """The "configure a model" hint shows on the first offline run of a kernel, not on every run."""
    session = Kernel(kernel_env(tmp_path))
    try:
        session.ok("%load_ext docgen_magic")
        first = session.ok("%%docgen\n" + CELL).final_bundle["text/plain"]
        second = session.ok("%%docgen\n" + CELL).final_bundle["text/plain"]
    finally:
        session.close()
    assert "AZURE_OPENAI_ENDPOINT" in first
    assert "AZURE_OPENAI_ENDPOINT" not in second


def test_nothing_to_document(kernel: Kernel) -> None:
    """An empty cell says so; a cell without functions says so too."""
    assert "nothing to document" in kernel.ok("%%docgen\n\n").text
    assert "no functions or classes" in kernel.ok("%%docgen\nx = 1\n").text


def test_live_progress_can_be_turned_off(kernel: Kernel) -> None:
    """With use_widget off the final review alone is displayed, once."""
    kernel.ok("%config DocgenMagics.use_widget = False")
    try:
        execution = kernel.ok("%%docgen\n" + CELL)
    finally:
        kernel.ok("%config DocgenMagics.use_widget = True")
    assert len(execution.bundles) == 1
    assert '"""Add' in execution.final_bundle["text/plain"]
    assert review_of(execution.final_bundle)["status"] == "done"


@pytest.mark.parametrize("magic", ["%%time", "%%capture captured --no-stderr", "%%timeit -n 1 -r 1"])
def test_python_bodied_cell_magics_are_documented_inside(kernel: Kernel, magic: str) -> None:
    """The body under %%time / %%capture / %%timeit is documented; the magic's line is kept byte for byte."""
    body = "def timed(x):\n    return x\n"
    execution = kernel.ok(f"%%docgen -o wrapped\n{magic}\n{body}")
    review = review_of(execution.final_bundle)
    assert [t["name"] for t in review["targets"]] == ["timed"] and review["targets"][0]["state"] == "documented"
    assert review["lines"][0] == magic + "\n" and review["targets"][0]["edit"][0] == 2
    code = kernel.ok("print(wrapped.code, end='')").stdout
    assert code.startswith(f"{magic}\ndef timed(x):\n    \"\"\"") and code.endswith("    return x\n")
    applied = kernel.ok(f"%%docgen --apply\n{magic}\n{body}")
    text = next(p["text"] for p in applied.reply["payload"] if p["source"] == "set_next_input")
    assert text == code


def test_run_runs_the_documented_body_under_its_cell_magic(kernel: Kernel) -> None:
    """--run on a %%capture cell: the magic captures the output and the documented function is defined."""
    kernel.ok("%%docgen --run\n%%capture captured\ndef shout(x):\n    print('hidden')\n    return x\nshout(1)\n")
    out = kernel.ok("print(shout.__doc__ is not None, 'hidden' in captured.stdout)").stdout
    assert out.strip() == "True True"


def test_a_cell_magic_whose_body_is_not_python_says_so_once(kernel: Kernel) -> None:
    """%%bash (or %%html, %%sql...) is not read: the review and --check say why, once, and nothing changes."""
    execution = kernel.ok("%%docgen\n%%bash\necho hi\n")
    final = execution.final_bundle
    note = "%%bash cell: its body is not Python, so nothing was documented"
    assert final["text/plain"].count(note) == 1 and final["text/html"].count(note) == 1
    assert [n["text"] for n in review_of(final)["notes"]] == [note]
    checked = kernel.ok("%%docgen --check\n%%html\n<b>hi</b>\n").final_bundle["text/plain"]
    assert checked.count("%%html cell: its body is not Python") == 1
    asked = ask(kernel, {"action": "check", "cells": [{"cell_id": "s", "source": "%%sql\nselect 1\n"}]})[-1]
    assert asked["cells"][0]["text"].count("%%sql cell: its body is not Python") == 1


# ------------------------------------------------------------------ options


def test_apply_replaces_the_cell_without_the_magic_line(kernel: Kernel) -> None:
    """--apply sends set_next_input(replace=True) with the documented code and no %%docgen line."""
    execution = kernel.ok("%%docgen --apply --style numpy\n" + CELL)
    payloads = [p for p in execution.reply["payload"] if p["source"] == "set_next_input"]
    assert len(payloads) == 1
    assert payloads[0]["replace"] is True
    text = payloads[0]["text"]
    assert "%%docgen" not in text
    assert text.startswith("def add(a, b):\n") and "Parameters\n    ----------" in text
    assert text.endswith("        yield v * factor\n")


def test_apply_adds_no_newline_the_user_never_typed(kernel: Kernel) -> None:
    """IPython hands the magic the body with a newline appended; the replacement must not gain it."""
    execution = kernel.ok("%%docgen --apply\n" + CELL.rstrip("\n"))
    text = next(p["text"] for p in execution.reply["payload"] if p["source"] == "set_next_input")
    assert text.endswith("        yield v * factor") and not text.endswith("\n")


def test_apply_leaves_an_unchanged_cell_alone(kernel: Kernel) -> None:
    """--apply on a cell with nothing to document keeps the cell (and its %%docgen line) and says so."""
    execution = kernel.ok("%%docgen --apply\nimport os\nx = 1\n")
    assert execution.reply["payload"] == []
    assert "the cell was left as it is" in execution.text


def test_without_apply_there_is_no_payload(kernel: Kernel) -> None:
    """Plain %%docgen leaves the cell alone."""
    assert kernel.ok("%%docgen\n" + CELL).reply["payload"] == []


def test_check_reports_coverage_without_documenting(kernel: Kernel) -> None:
    """--check: coverage and per target what is missing, no code."""
    cell = ('def add(a, b):\n    """Add.\n\n    Args:\n        a: A.\n    """\n    return a + b\n\n\n'
            "def sub(a, b):\n    return a - b\n")
    execution = kernel.ok("%%docgen --check\n" + cell)
    text = execution.final_bundle["text/plain"]
    assert "coverage: 0/2" in text
    assert "line 2: function add\n    - parameter(s) not documented: b\n" in text
    assert "line 11: function sub\n    - no docstring\n" in text
    assert WIDGET_MIME not in execution.final_bundle and "<table>" in execution.final_bundle["text/html"]
    assert kernel.ok("print('sub' in dir())").stdout.strip() == "False"


def test_run_defines_the_documented_functions(kernel: Kernel) -> None:
    """--run executes the documented code in the user namespace."""
    kernel.ok("%%docgen --run\ndef triple(x):\n    return 3 * x\n")
    out = kernel.ok("print(triple(2)); print(triple.__doc__.splitlines()[0])").stdout
    assert out.splitlines()[0] == "6" and out.splitlines()[1].strip()


def test_run_failure_fails_the_cell(kernel: Kernel) -> None:
    """When the documented code raises under --run the cell fails (Run All stops) with one extra line."""
    execution = kernel.run('%%docgen --run -o ran\ndef boom_fn(x):\n    return x\nraise RuntimeError("boom")\n')
    assert execution.reply["status"] == "error" and execution.reply["ename"] == "UsageError"
    assert "the documented code raised RuntimeError" in execution.reply["evalue"]
    assert [c["ename"] for c in execution.of_type("error")] == ["RuntimeError"]  # the user's own traceback
    assert kernel.ok("print(boom_fn.__doc__ is not None, ran.ok)").stdout.strip() == "True True"


def test_without_run_nothing_is_defined(kernel: Kernel) -> None:
    """%%docgen documents without running the cell."""
    kernel.ok("%%docgen\ndef quadruple(x):\n    return 4 * x\n")
    assert kernel.ok("print('quadruple' in dir())").stdout.strip() == "False"


def test_out_stores_the_result(kernel: Kernel) -> None:
    """-o VAR keeps the Result."""
    kernel.ok("%%docgen -o res\n" + CELL)
    out = kernel.ok("print(type(res).__name__, res.ok, [t.name for t in res.targets], res.style)").stdout
    assert out.strip() == "Result True ['add', 'scale'] google"


# ------------------------------------------------------------------ errors


def test_syntax_error_is_one_line_naming_the_cell_line(kernel: Kernel) -> None:
    """A syntax error: UsageError, one line, the line number as the user sees the cell (magic line = 1)."""
    execution = kernel.run("%%docgen\ndef ok():\n    return 1\n\ndef broken(:\n    pass\n")
    assert execution.reply["status"] == "error" and execution.reply["ename"] == "UsageError"
    assert "cell line 5 in `def broken(:`" in execution.reply["evalue"]
    assert execution.stderr.strip().count("\n") == 0 and "Traceback" not in execution.stderr
    assert not execution.bundles  # nothing displayed, nothing documented


@pytest.mark.parametrize(("code", "line"), [
    ("%%docgen\ndef ok():\n    return 1\n\nx = 1\ny = 2\ndef broken(:\n    pass\n", 7),
    ("\n\n%%docgen\ndef ok():\n    return 1\ndef broken(:\n    pass\n", 6),  # blank lines IPython drops
    ("%%docgen\r\ndef ok():\r\n\treturn 1\r\n\r\ndef broken(:\r\n\tpass\r\n", 5),  # CRLF and tabs
])
def test_syntax_error_line_matches_the_notebook(kernel: Kernel, code: str, line: int) -> None:
    """The line number is the one the notebook shows: %%docgen line and blank lines above it counted."""
    execution = kernel.run(code)
    assert execution.reply["ename"] == "UsageError"
    assert f"syntax error on cell line {line} in `def broken(:`" in execution.reply["evalue"]


def test_bad_option_is_one_line_naming_the_magic(kernel: Kernel) -> None:
    """argparse errors carry the magic's name and where to find help, without a traceback."""
    execution = kernel.run("%%docgen --style nope\n" + CELL)
    assert execution.reply["ename"] == "UsageError"
    assert execution.reply["evalue"].startswith("%%docgen: argument --style: invalid choice: 'nope'")
    assert execution.reply["evalue"].endswith("(see %%docgen?)")
    assert "Traceback" not in execution.stderr and execution.stderr.strip().count("\n") == 0
    assert kernel.run("%docgen --frobnicate").reply["evalue"].startswith("%docgen: unrecognized arguments")


def test_conflicting_or_misplaced_options_are_refused(kernel: Kernel) -> None:
    """-o needs a name; --check cannot apply or run; cell options on the line magic point to %%docgen."""
    bad_name = kernel.run("%%docgen -o 1x\n" + CELL).reply
    assert bad_name["ename"] == "UsageError" and "-o needs a variable name, got '1x'" in bad_name["evalue"]
    both = kernel.run("%%docgen --check --apply --run\n" + CELL).reply
    assert both["ename"] == "UsageError" and "cannot be combined with --apply and --run" in both["evalue"]
    line = kernel.run("%docgen --apply").reply
    assert line["ename"] == "UsageError" and "%%docgen" in line["evalue"]
    assert kernel.ok("print('1x' in globals())").stdout.strip() == "False"


def test_check_out_keeps_the_report(kernel: Kernel) -> None:
    """%%docgen --check -o VAR stores the CheckReport (for a teacher's own grading code)."""
    kernel.ok("%%docgen --check -o cov\n" + CELL)
    out = kernel.ok("print(type(cov).__name__, cov.complete, cov.total, [f.qualname for f in cov.findings])").stdout
    assert out.strip() == "CheckReport 0 2 ['add', 'scale']"


def test_check_teaching_output(kernel: Kernel) -> None:
    """--check: coverage with a percentage, each gap on its own line, why it matters, what to do next."""
    cell = ('def grade(score, mark=50):\n    """Grade.\n\n    Args:\n        score: S.\n    """\n'
            "    return score >= mark\n\n\nx = 1\n")
    text = kernel.ok("%%docgen --check\n" + cell).final_bundle["text/plain"]
    assert text.splitlines()[:4] == ["coverage: 0/1 public functions and classes fully documented (0%)",
                                     "line 2: function grade", "    - parameter(s) not documented: mark",
                                     "    - returns a value but has no Returns section"]
    assert "why it matters:" in text and text.rstrip().endswith("to have them written")
    empty = kernel.ok("%%docgen --check\nimport os\n").final_bundle["text/plain"]
    assert "fully documented" not in empty and "nothing to check" in empty


def test_bad_option_value_is_one_line(kernel: Kernel) -> None:
    """An unusable setting is a one-line UsageError."""
    execution = kernel.run("%%docgen --concurrency 0\n" + CELL)
    assert execution.reply["ename"] == "UsageError" and "concurrency" in execution.reply["evalue"]
    assert "Traceback" not in execution.stderr


def test_provider_azure_without_endpoint_is_one_line(kernel: Kernel) -> None:
    """Asking for azure without configuration names what to set."""
    execution = kernel.run("%%docgen --provider azure\n" + CELL)
    assert execution.reply["ename"] == "UsageError"
    assert "AZURE_OPENAI_ENDPOINT" in execution.reply["evalue"]
    assert "Traceback" not in execution.stderr


# ------------------------------------------------------------------ the kernel's loop


def test_kernel_event_loop_is_left_alone(kernel: Kernel) -> None:
    """%%docgen runs on its own loop: the kernel's loop is the same object and top-level await works."""
    kernel.ok("import asyncio, sys\nkernel_loop = asyncio.get_event_loop()")
    kernel.ok("%%docgen\n" + CELL)
    out = kernel.ok(
        "from docgen_magic.infra.loop_thread import default_loop_thread\n"
        "await asyncio.sleep(0)\n"
        "print(asyncio.get_event_loop() is kernel_loop, default_loop_thread().loop is not kernel_loop,\n"
        "      'nest_asyncio' in sys.modules)").stdout
    assert out.strip() == "True True False"


# ------------------------------------------------------------------ status, usage, cache


def test_status_shows_provider_reason_sources_and_cache(kernel: Kernel) -> None:
    """%docgen: provider, why, where settings came from, the cache folder."""
    text = kernel.ok("%docgen").text
    assert text.startswith("provider: offline")
    assert "why: offline: no AZURE_OPENAI_ENDPOINT" in text
    # How to configure a model, one variable group per line, and that no restart is needed.
    assert "  Azure OpenAI:  AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY" in text and "no restart needed" in text
    you_set, defaults = text.split("settings you set")[1].split("defaults:")
    assert "cache_dir = " in you_set and "[environment (DOCGEN_CACHE_DIR)]" in you_set
    assert "  style = google\n" in defaults and "[default]" not in text
    assert "cache: " in text and "(offline templates are not cached)" in text
    option = kernel.ok("%docgen --style numpy").text
    assert "style = numpy  [option]" in option.split("defaults:")[0]


def test_usage_and_clear_cache(kernel: Kernel) -> None:
    """%docgen usage and %docgen clear-cache answer in one line each."""
    assert kernel.ok("%docgen usage").text.startswith("docgen session usage: ")
    assert "removed" in kernel.ok("%docgen clear-cache").text
    assert kernel.run("%docgen frobnicate").reply["ename"] == "UsageError"


def test_configuration_precedence(tmp_path: Path) -> None:
    """Option > %config > environment > default, and %docgen says where the value came from."""
    session = Kernel(kernel_env(tmp_path, DOCGEN_STYLE="sphinx"))
    try:
        session.ok("%load_ext docgen_magic")
        assert "style = sphinx  [environment (DOCGEN_STYLE)]" in session.ok("%docgen").text
        session.ok("%%docgen -o r\n" + CELL)
        assert session.ok("print(r.style, ':param a:' in r.code)").stdout.strip() == "sphinx True"
        session.ok('%config DocgenMagics.style = "numpy"')
        assert "style = numpy  [IPython config]" in session.ok("%docgen").text
        session.ok("%%docgen -o r\n" + CELL)
        assert session.ok("print(r.style)").stdout.strip() == "numpy"
        session.ok("%%docgen --style google -o r\n" + CELL)
        assert session.ok("print(r.style, 'Args:' in r.code)").stdout.strip() == "google True"
        assert "style = numpy  [IPython config]" in session.ok("%docgen").text  # the option did not stick
    finally:
        session.close()


def test_ipython_config_file_beats_the_environment(tmp_path: Path) -> None:
    """``ipython_config.py`` in the profile configures DocgenMagics like %config: above the environment."""
    profile = tmp_path / "ipython" / "profile_default"
    profile.mkdir(parents=True)
    (profile / "ipython_config.py").write_text('c.DocgenMagics.style = "numpy"\nc.DocgenMagics.width = 70\n')
    session = Kernel(kernel_env(tmp_path, DOCGEN_STYLE="sphinx", IPYTHONDIR=str(tmp_path / "ipython")))
    try:
        session.ok("%load_ext docgen_magic")
        status = session.ok("%docgen").text
        assert "style = numpy  [IPython config]" in status and "width = 70  [IPython config]" in status
        session.ok("%%docgen -o r\n" + CELL)
        assert session.ok("print(r.style)").stdout.strip() == "numpy"
        session.ok("%%docgen --style google -o r\n" + CELL)
        assert session.ok("print(r.style)").stdout.strip() == "google"
    finally:
        session.close()


def test_every_cli_option_reaches_the_settings(kernel: Kernel) -> None:
    """Each option that mirrors the CLI is read as an option (``%docgen`` names its source)."""
    text = kernel.ok("%docgen --style sphinx --provider offline --model m1 --overwrite --update --no-cache "
                     "--concurrency 3 --max-attempts 2 --timeout 7.5").text.split("defaults:")[0]
    for entry in ("style = sphinx", "provider = offline", "model = m1", "overwrite = True", "update = True",
                  "use_cache = False",
                  "concurrency = 3", "max_attempts = 2", "timeout = 7.5"):
        assert f"  {entry}  [option]" in text, entry


# ------------------------------------------------------------------ requests of the frontend extension


def test_regenerate_documents_the_current_text(azure_kernel: Kernel, fake: FakeOpenAI) -> None:
    """Regenerate sends the cell's current text; refresh=true asks again, a name asks again for that one only."""
    cell = "def regen_a(x):\n    return x\n\n\ndef regen_b(y):\n    return y\n"
    azure_kernel.ok("%%docgen\n" + cell)
    assert asked_for(fake, "regen_a") == asked_for(fake, "regen_b") == 1
    edited = "%%docgen --style numpy -o regen\n" + cell + "\n\ndef regen_c(z):\n    return z\n"
    replies = ask(azure_kernel, {"action": "document", "source": edited, "cell_id": "c1", "refresh": True})
    final = review_of(replies[-1]["bundle"])
    assert [t["name"] for t in final["targets"]] == ["regen_a", "regen_b", "regen_c"]  # the current text
    assert final["source"] == edited and final["line"] == "--style numpy -o regen" and final["cell_id"] == "c1"
    # -o VAR holds the regenerated result, as it would after running the cell
    assert azure_kernel.ok("print([t.name for t in regen.targets], regen.style)").stdout.strip() == \
        "['regen_a', 'regen_b', 'regen_c'] numpy"
    assert "Parameters\n" in apply_edits(final)  # the options of the %%docgen line apply
    assert asked_for(fake, "regen_a") == 2 and asked_for(fake, "regen_c") == 1
    assert any(review_of(r["bundle"])["status"] == "running" for r in replies[:-1])  # progress came first
    ask(azure_kernel, {"action": "document", "source": edited, "cell_id": "c1", "refresh": ["regen_b"]})
    assert (asked_for(fake, "regen_a"), asked_for(fake, "regen_b"), asked_for(fake, "regen_c")) == (2, 3, 1)


def test_document_request_without_the_magic_line(kernel: Kernel) -> None:
    """"Document this cell" on a plain cell documents it with the session's settings; errors are one line."""
    final = ask(kernel, {"action": "document", "source": CELL, "cell_id": "plain", "refresh": False})[-1]
    review = review_of(final["bundle"])
    assert review["line"] == "" and review["status"] == "done" and len(review["targets"]) == 2
    broken = ask(kernel, {"action": "document", "source": "def f(:\n", "cell_id": "x"})[-1]
    assert broken["final"] and "syntax error" in broken["error"]
    bad = ask(kernel, {"action": "document", "source": "%%docgen --style nope\n" + CELL})[-1]
    assert "nope" in bad["error"] and "Traceback" not in bad["error"]


def test_check_request_reports_per_cell(kernel: Kernel) -> None:
    """"Check this notebook": coverage and gaps per cell, a cell that does not parse named as such."""
    cells = [{"cell_id": "a", "source": CELL},
             {"cell_id": "b", "source": 'def ok(x):\n    """Fine.\n\n    Args:\n        x: Number of rows.\n    """\n'},
             {"cell_id": "c", "source": "def broken(:\n"}]
    final = ask(kernel, {"action": "check", "cells": cells})[-1]
    by_id = {c["cell_id"]: c for c in final["cells"]}
    assert (by_id["a"]["total"], by_id["a"]["complete"]) == (2, 0)
    assert "no docstring" in by_id["a"]["text"]
    assert (by_id["b"]["total"], by_id["b"]["complete"]) == (1, 1)
    assert "syntax error" in by_id["c"]["error"]


# ------------------------------------------------------------------ against the fake model


def test_azure_run_and_usage(azure_kernel: Kernel, fake: FakeOpenAI) -> None:
    """A model run: the report counts requests and tokens; %docgen usage sums them."""
    before = len(fake.requests)
    execution = azure_kernel.ok("%%docgen -o r\ndef azure_add(a, b):\n    return a + b\n")
    assert len(fake.requests) == before + 1
    text = execution.final_bundle["text/plain"]
    assert "azure:docgen-test" in text and "1 request" in text and "(template)" not in text
    assert "AZURE_OPENAI_ENDPOINT" not in text  # configured: no hint
    usage = azure_kernel.ok("%docgen usage").text
    assert "0 requests" not in usage
    status = azure_kernel.ok("%docgen").text
    assert status.startswith(f"provider: azure\nmodel/deployment: docgen-test\nendpoint: {fake.url}")
    assert "azure_api_key = set (hidden)  [environment (AZURE_OPENAI_API_KEY)]" in status


def test_model_option_names_the_deployment(azure_kernel: Kernel, fake: FakeOpenAI) -> None:
    """--model picks the Azure deployment the request goes to, for this run only."""
    before = len(fake.requests)
    text = azure_kernel.ok("%%docgen --model other-deploy --no-cache\ndef deploy_fn(a):\n    return a\n").text
    assert [r["path"] for r in fake.requests[before:]] == ["/openai/deployments/other-deploy/chat/completions"]
    assert "azure:other-deploy" in text
    assert "model/deployment: docgen-test" in azure_kernel.ok("%docgen").text


def test_wrong_key_is_one_clear_message(azure_kernel: Kernel) -> None:
    """An authentication failure names the cause; the cell is unchanged; the key is not shown."""
    azure_kernel.ok("import os; good_key = os.environ['AZURE_OPENAI_API_KEY']; "
                    "os.environ['AZURE_OPENAI_API_KEY'] = 'wrong-key-abc'")
    try:
        execution = azure_kernel.ok("%%docgen --no-cache -o bad\ndef k1(a):\n    return a\n\n\n"
                                    "def k2(b):\n    return b\n")
    finally:
        azure_kernel.ok("os.environ['AZURE_OPENAI_API_KEY'] = good_key")
    text = execution.final_bundle["text/plain"]
    assert text.startswith("# every target failed: azure: authentication failed (401)")  # above the code
    out = azure_kernel.ok("print(bad.code == bad.original, [t.status for t in bad.targets]); "
                          "print(bad.targets[0].error)").stdout.splitlines()
    assert out[0] == "True ['failed', 'failed']"
    assert out[1] and "\n" not in out[1]
    assert "wrong-key-abc" not in json.dumps(execution.messages, default=str)


def test_unreachable_endpoint_is_one_clear_message(azure_kernel: Kernel) -> None:
    """A connection failure: one line naming the endpoint above the unchanged code, no traceback, no key."""
    import socket

    with socket.socket() as sock:  # a loopback port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    azure_kernel.ok(f"import os; good_endpoint = os.environ['AZURE_OPENAI_ENDPOINT']; "
                    f"os.environ['AZURE_OPENAI_ENDPOINT'] = {dead!r}")
    azure_kernel.ok("%config DocgenMagics.max_retries = 0")
    try:
        execution = azure_kernel.ok("%%docgen --no-cache -o unreachable\ndef net1(a):\n    return a\n")
    finally:
        azure_kernel.ok("os.environ['AZURE_OPENAI_ENDPOINT'] = good_endpoint")
        azure_kernel.ok("%config DocgenMagics.max_retries = None")
    text = execution.final_bundle["text/plain"]
    first = text.splitlines()[0]
    assert first.startswith("# ") and f"cannot connect to {dead}" in first
    assert "def net1(a):\n    return a" in text and "Traceback" not in text + execution.stderr
    out = azure_kernel.ok("print(unreachable.code == unreachable.original, unreachable.targets[0].status)").stdout
    assert out.strip() == "True failed"
    assert FAKE_KEY not in json.dumps(execution.messages, default=str)


def test_usage_line_shows_a_cost_when_priced(azure_kernel: Kernel) -> None:
    """With a price table configured, the usage line (widget and text/plain) carries a cost estimate."""
    cell = "def priced_fn(a):\n    return a\n"
    unpriced = azure_kernel.ok("%%docgen --no-cache\n" + cell).final_bundle["text/plain"]
    assert "≈" not in unpriced
    azure_kernel.ok("%config DocgenMagics.prices = 'prompt=1000,completion=1000'")
    try:
        execution = azure_kernel.ok("%%docgen --no-cache -o priced\n" + cell)
    finally:
        azure_kernel.ok("%config DocgenMagics.prices = None")
    cost = float(azure_kernel.ok("print(priced.cost)").stdout)
    assert cost > 0
    usage = next(line for line in execution.final_bundle["text/plain"].splitlines() if "1 request" in line)
    assert f"≈ {cost:.4f} USD" in usage
    assert f"≈ {cost:.4f} USD" in review_of(execution.final_bundle)["usage_line"]


def test_interrupt_stops_cleanly_and_the_next_run_works(azure_kernel: Kernel, fake: FakeOpenAI) -> None:
    """Interrupting a slow run cancels it (no further requests for it), then %%docgen works again."""
    fake.latency = 5.0
    names = [f"slow_fn_{i}" for i in range(6)]
    cell = "\n\n".join(f"def {n}(x):\n    return x\n" for n in names)
    before = len(fake.requests)
    try:
        msg_id = azure_kernel.submit("%%docgen --concurrency 1 --no-cache\n" + cell)
        deadline = time.monotonic() + WAIT_S
        while len(fake.requests) == before:  # wait until the first request reached the model
            assert time.monotonic() < deadline, "the run never asked the model"
            azure_kernel.next_iopub(timeout=0.2)
        azure_kernel.manager.interrupt_kernel()
        execution = azure_kernel.collect(msg_id)
    finally:
        fake.latency = 0.0
    assert execution.reply["status"] == "error" and execution.reply["ename"] == "UsageError"
    assert "interrupted" in execution.reply["evalue"]
    assert "Traceback" not in execution.stderr
    review = review_of(execution.final_bundle)  # the review shows the state; the message is said once
    assert review["status"] == "interrupted" and "interrupted" not in review["message"]
    # The next run works and nothing more was asked for the cancelled cell.
    after = azure_kernel.ok("%%docgen -o nxt\ndef next_fn(y):\n    return y\n")
    assert '"""' in after.final_bundle["text/plain"]
    assert azure_kernel.ok("print(nxt.ok, nxt.provider)").stdout.strip() == "True azure"
    asked = [n for n in names if asked_for(fake, n)]
    assert len(asked) <= 2, asked  # concurrency 1: the one in flight (and at most one started meanwhile)


def test_no_key_in_any_message(azure_kernel: Kernel) -> None:
    """Across every message of the Azure kernel (outputs, widget states, payloads) the key never appears."""
    azure_kernel.ok("%docgen")
    azure_kernel.ok("%docgen usage")
    assert azure_kernel.all
    assert FAKE_KEY not in json.dumps(azure_kernel.all, default=str)


def test_update_mode_fills_gaps_of_existing_docstrings(kernel: Kernel) -> None:
    """The review's "--update" mode: an existing one-line docstring gets its missing sections, words kept."""
    cell = 'def add_up(a, b):\n    """Add two numbers."""\n    return a + b\n'
    plain = review_of(ask(kernel, {"action": "document", "source": cell, "cell_id": "u"})[-1]["bundle"])
    assert plain["targets"][0]["state"] == "skipped"  # already documented: left alone by default
    assert plain["mode"] == "add"
    final = ask(kernel, {"action": "document", "source": cell, "cell_id": "u", "mode": "update"})[-1]
    review = review_of(final["bundle"])
    assert review["mode"] == "update" and review["line"] == "" and review["targets"][0]["state"] == "documented"
    code = apply_edits(review)
    assert '"""Add two numbers.' in code and "Args:" in code and "Returns:" in code


def test_review_mode_follows_the_line_unless_the_request_names_one(kernel: Kernel) -> None:
    """Without a mode (a review saved before it carried one) the cell's line decides; a mode named wins."""
    cell = '%%docgen --update\ndef add_up(a, b):\n    """Add two numbers."""\n    return a + b\n'
    by_line = review_of(ask(kernel, {"action": "document", "source": cell, "cell_id": "m", "mode": None})[-1]["bundle"])
    assert by_line["mode"] == "update" and by_line["targets"][0]["state"] == "documented"
    added = review_of(ask(kernel, {"action": "document", "source": cell, "cell_id": "m", "mode": "add"})[-1]["bundle"])
    assert added["mode"] == "add" and added["targets"][0]["state"] == "skipped"
