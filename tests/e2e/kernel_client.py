"""A real ipykernel driven by a plain ``jupyter_client`` client: a frontend without the docgen extension.

The client executes code (optionally with execute-request metadata such as ``cellId``), records every
IOPub message, and can play the frontend side of a comm by hand (``comm_msg`` / ``comm_close``).
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

    def comm_opens(self, target_name: str) -> list[dict[str, Any]]:
        """Return the recorded ``comm_open`` messages for one target.

        Args:
            target_name: The comm target name.

        Returns:
            The messages, oldest first.
        """
        return [
            m
            for m in self.iopub
            if m["msg_type"] == "comm_open" and m["content"].get("target_name") == target_name
        ]

    def comm_closes(self, comm_id: str) -> list[dict[str, Any]]:
        """Return the recorded ``comm_close`` messages the kernel sent for one comm.

        Args:
            comm_id: The comm id.

        Returns:
            The messages.
        """
        return [m for m in self.iopub if m["msg_type"] == "comm_close" and m["content"]["comm_id"] == comm_id]

    def send_comm(
        self, msg_type: str, comm_id: str, data: dict[str, Any], subshell_id: str | None = None
    ) -> None:
        """Send a ``comm_msg`` or ``comm_close`` to the kernel, as a frontend would.

        Args:
            msg_type: ``"comm_msg"`` or ``"comm_close"``.
            comm_id: The comm id.
            data: The message data.
            subshell_id: A ``subshell_id`` to put in the header (JupyterLab >= 4.4 stamps comm messages
                with one); none when None.
        """
        header = self.client.session.msg_header(msg_type)
        if subshell_id is not None:
            header["subshell_id"] = subshell_id
        msg = self.client.session.msg(msg_type, {"comm_id": comm_id, "data": data}, header=header)
        self.client.shell_channel.send(msg)


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
