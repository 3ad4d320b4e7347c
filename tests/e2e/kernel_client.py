"""A real ipykernel driven by a plain ``jupyter_client`` client: a frontend without the docgen extension.

The client executes code (optionally with execute-request metadata such as ``cellId``) and records every
IOPub message.
"""

from __future__ import annotations

import contextlib
import queue
import time
from collections.abc import Iterator
from typing import Any

REPLY_TIMEOUT_S = 60.0


class KernelSession:
    """A started kernel plus a blocking client.

    Args:
        manager: The ``jupyter_client.KernelManager``.
        client: Its started, ready ``BlockingKernelClient``.
    """

    def __init__(self, manager: Any, client: Any) -> None:
        self.manager = manager
        self.client = client
        self.iopub: list[dict[str, Any]] = []

    def execute(self, code: str, metadata: dict[str, Any] | None = None) -> str:
        """Run code and wait until the kernel is idle again.

        Args:
            code: The code to run.
            metadata: Metadata of the execute request (JupyterLab sends ``{"cellId": ...}``).

        Returns:
            Everything the code printed to stdout.

        Raises:
            AssertionError: If the code raised.
        """
        content = {"code": code, "silent": False, "store_history": True, "allow_stdin": False}
        msg = self.client.session.msg("execute_request", content, metadata=metadata or {})
        self.client.shell_channel.send(msg)
        msg_id = msg["header"]["msg_id"]
        stdout: list[str] = []
        error: dict[str, Any] | None = None
        for message in self._iopub_until_idle(msg_id):
            kind = message["msg_type"]
            if kind == "stream" and message["content"]["name"] == "stdout":
                stdout.append(message["content"]["text"])
            elif kind == "error":
                error = message["content"]
        self.client.get_shell_msg(timeout=REPLY_TIMEOUT_S)
        if error is not None:
            raise AssertionError("\n".join(error.get("traceback", [])) or error.get("evalue", ""))
        return "".join(stdout)

    def _iopub_until_idle(self, msg_id: str) -> Iterator[dict[str, Any]]:
        """Yield IOPub messages (recording them all) until the request's idle status.

        Args:
            msg_id: The request's message id.

        Yields:
            The messages whose parent is that request.

        Raises:
            TimeoutError: If the kernel stays silent for too long.
        """
        deadline = time.monotonic() + REPLY_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                message = self.client.get_iopub_msg(timeout=1)
            except queue.Empty:
                continue
            self.iopub.append(message)
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            yield message
            if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                return
        raise TimeoutError("the kernel did not become idle")


@contextlib.contextmanager
def kernel_session() -> Iterator[KernelSession]:
    """Start a python3 ipykernel with a plain client; always shut it down.

    Yields:
        The session.
    """
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", startup_timeout=REPLY_TIMEOUT_S)
    try:
        yield KernelSession(manager, client)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
