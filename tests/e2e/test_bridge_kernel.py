"""docgen_magic.bridge against a real ipykernel whose frontend is a plain jupyter_client (no extension).

Covers what the browser test cannot: the "no-bridge" outcomes (nobody answers; the frontend closes the
comm), the wire format of the request, the acknowledgement stopping the timer, malformed replies, and
the module staying light when imported.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from kernel_client import KernelSession, kernel_session

from docgen_magic import bridge

pytestmark = [pytest.mark.kernel, pytest.mark.timeout(300)]

# Runs in the kernel: start one request and keep its outcomes where later cells can wait for them.
START = """\
import threading
from docgen_magic import bridge
outcomes, threads, got = [], [], threading.Event()
def record(outcome):
    outcomes.append(outcome)
    threads.append(threading.current_thread().name)
    got.set()
bridge.request_replace("cell-1", "new text", "old text", record, timeout={timeout})
"""
REPORT = 'got.wait(60); print(len(outcomes), outcomes[0].status, outcomes[0].message, sep="|")'


@pytest.fixture(scope="module")
def kernel() -> Iterator[KernelSession]:
    """One real kernel shared by the tests of this module."""
    with kernel_session() as session:
        yield session


def _last_comm_id(kernel: KernelSession) -> str:
    """Return the id of the newest docgen_magic comm the kernel opened.

    Args:
        kernel: The session.

    Returns:
        The comm id.
    """
    opens = kernel.comm_opens(bridge.COMM_TARGET)
    assert opens, "the kernel opened no docgen_magic comm"
    return str(opens[-1]["content"]["comm_id"])


def _report(kernel: KernelSession) -> list[str]:
    """Wait in the kernel for the outcome and return ``[count, status, message]``.

    Args:
        kernel: The session.

    Returns:
        The reported fields.
    """
    return kernel.execute(REPORT).strip().split("|")


def test_import_is_light() -> None:
    """Importing the bridge pulls in neither IPython, ipykernel nor comm."""
    code = (
        "import sys, docgen_magic.bridge\n"
        "print(sorted(m for m in ('IPython', 'ipykernel', 'comm') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_outside_a_kernel_reports_no_bridge_at_once() -> None:
    """Without a kernel there is no frontend: the outcome arrives before request_replace returns."""
    outcomes: list[bridge.ReplaceOutcome] = []
    bridge.request_replace("cell", "new", "old", outcomes.append)
    assert outcomes == [bridge.ReplaceOutcome("no-bridge", bridge.NO_BRIDGE_MESSAGE)]
    assert "--apply" in outcomes[0].message
    assert not outcomes[0].ok
    assert bridge.current_cell_id() is None


def test_outcome_is_frozen() -> None:
    """ReplaceOutcome is an immutable value."""
    outcome = bridge.ReplaceOutcome("replaced", "done")
    assert outcome.ok
    with pytest.raises(AttributeError):
        outcome.status = "error"  # type: ignore[misc]


def test_current_cell_id_reads_execute_metadata(kernel: KernelSession) -> None:
    """The cell id comes from the execute request's ``cellId`` metadata, None when absent."""
    code = "from docgen_magic import bridge; print(bridge.current_cell_id())"
    assert kernel.execute(code, metadata={"cellId": "a1b2-c3"}).strip() == "a1b2-c3"
    assert kernel.execute(code).strip() == "None"
    assert kernel.execute(code, metadata={"cellId": 7}).strip() == "None"


def test_no_answer_times_out_as_no_bridge(kernel: KernelSession) -> None:
    """A frontend that ignores the comm: "no-bridge" from the timer thread, once; the comm is closed."""
    kernel.execute(START.format(timeout=0.5))
    opened = kernel.comm_opens(bridge.COMM_TARGET)[-1]["content"]
    assert opened["data"] == {"cell_id": "cell-1", "source": "new text", "original": "old text"}
    count, status, message = _report(kernel)
    assert (count, status) == ("1", "no-bridge")
    assert "--apply" in message and "Copy" in message
    assert kernel.execute("print(threads[0] != threading.main_thread().name)").strip() == "True"
    kernel.execute("pass")  # flush IOPub up to here
    assert kernel.comm_closes(opened["comm_id"]), "the kernel did not close the comm"


def test_frontend_closing_the_comm_is_no_bridge(kernel: KernelSession) -> None:
    """A frontend lacking the target closes the comm: "no-bridge" without waiting for the timer."""
    kernel.execute(START.format(timeout=600))
    kernel.send_comm("comm_close", _last_comm_id(kernel), {})
    count, status, _ = _report(kernel)
    assert (count, status) == ("1", "no-bridge")


def test_ack_stops_the_timer_and_the_reply_wins(kernel: KernelSession) -> None:
    """After {ack}, waiting past the timeout is fine; the reply is delivered on the shell thread."""
    kernel.execute(START.format(timeout=0.3))
    comm_id = _last_comm_id(kernel)
    kernel.send_comm("comm_msg", comm_id, {"ack": True})
    # Shell messages run in order: the ack is handled before this sleep, so the timer is already off.
    kernel.execute("import time; time.sleep(1.0)")
    assert kernel.execute("print(len(outcomes))").strip() == "0"
    kernel.send_comm("comm_msg", comm_id, {"status": "replaced", "message": "Replaced the cell."})
    assert _report(kernel) == ["1", "replaced", "Replaced the cell."]
    assert kernel.execute("print(threads[0] == threading.main_thread().name)").strip() == "True"
    kernel.execute("pass")
    assert kernel.comm_closes(comm_id), "the kernel did not close the comm after the reply"


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ({"status": "cancelled", "message": "Kept."}, ["1", "cancelled", "Kept."]),
        ({"status": "not-found", "message": "No cell."}, ["1", "not-found", "No cell."]),
        ({"status": "error", "message": "Boom."}, ["1", "error", "Boom."]),
    ],
)
def test_frontend_statuses_pass_through(
    kernel: KernelSession, reply: dict[str, str], expected: list[str]
) -> None:
    """Each frontend status reaches on_result unchanged."""
    kernel.execute(START.format(timeout=600))
    kernel.send_comm("comm_msg", _last_comm_id(kernel), reply)
    assert _report(kernel) == expected


@pytest.mark.parametrize("reply", [{"status": "done"}, {"status": "no-bridge"}, {"nonsense": 1}])
def test_malformed_reply_is_an_error(kernel: KernelSession, reply: dict[str, object]) -> None:
    """A reply outside the protocol becomes an "error" outcome naming it, never a crash."""
    kernel.execute(START.format(timeout=600))
    kernel.send_comm("comm_msg", _last_comm_id(kernel), reply)
    count, status, message = _report(kernel)
    assert (count, status) == ("1", "error")
    assert "Unexpected reply" in message


def test_a_failing_callback_does_not_break_the_kernel(kernel: KernelSession) -> None:
    """An exception in on_result is logged; the kernel keeps working and the comm is closed."""
    code = (
        "from docgen_magic import bridge\n"
        "def boom(outcome):\n"
        "    raise RuntimeError('ui broke')\n"
        "bridge.request_replace('c', 'n', 'o', boom, timeout=600)\n"
    )
    kernel.execute(code)
    comm_id = _last_comm_id(kernel)
    kernel.send_comm("comm_msg", comm_id, {"status": "replaced", "message": ""})
    assert kernel.execute("print(6 * 7)").strip() == "42"
    assert kernel.comm_closes(comm_id)


def test_close_after_ack_is_an_error_not_no_bridge(kernel: KernelSession) -> None:
    """The extension acknowledged, then some other client closed the comm: the reply is lost."""
    kernel.execute(START.format(timeout=600))
    comm_id = _last_comm_id(kernel)
    kernel.send_comm("comm_msg", comm_id, {"ack": True})
    kernel.send_comm("comm_close", comm_id, {})
    count, status, message = _report(kernel)
    assert (count, status) == ("1", "error")
    assert message == bridge.LOST_REPLY_MESSAGE


# Runs in the kernel: a kernel-created comm standing in for a widget button whose "click" starts a request.
CLICKABLE = """\
import threading
from comm import create_comm
from docgen_magic import bridge
outcomes, got = [], threading.Event()
def record(outcome):
    outcomes.append(outcome)
    got.set()
button = create_comm(target_name="test_button")
button.on_msg(lambda msg: bridge.request_replace("cell-1", "new", "old", record, timeout=600))
"""


def test_reply_reaches_the_kernel_when_the_click_names_a_dead_subshell(kernel: KernelSession) -> None:
    """A click stamped with a stale subshell id (JupyterLab after a restart) must not strand the replies.

    ipykernel >= 7.4 routes replies to a comm to the subshell named by the message that was being handled
    when the comm opened; here that subshell does not exist. The bridge routes its replies to the shell it
    actually runs on, so the frontend's answer arrives.
    """
    kernel.execute(CLICKABLE)
    button = [m for m in kernel.iopub if m["msg_type"] == "comm_open"
              and m["content"].get("target_name") == "test_button"][-1]["content"]["comm_id"]
    kernel.send_comm("comm_msg", button, {"method": "custom", "content": {"event": "click"}},
                     subshell_id="0b5e1e7e-dead-4bad-8000-000000000000")
    kernel.execute("pass")  # the click is handled (the comm opened) before this runs
    comm_id = _last_comm_id(kernel)
    kernel.send_comm("comm_msg", comm_id, {"ack": True})
    kernel.send_comm("comm_msg", comm_id, {"status": "replaced", "message": "Done."})
    assert _report(kernel) == ["1", "replaced", "Done."]
