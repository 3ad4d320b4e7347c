"""Kernel side of the one-click "Replace cell" bridge to the JupyterLab / Notebook 7 frontend.

A widget button cannot replace a cell with ``set_next_input`` (payloads only travel with an execute
reply), so the ``docgen-magic`` frontend extension registers a comm target named :data:`COMM_TARGET` on
every notebook kernel. :func:`request_replace` opens a comm to that target with the cell id, the new
source and the source ``%%docgen`` saw; the frontend finds the cell by id, asks the user if the cell
changed meanwhile, sets the source as one undoable edit and replies with a status.

Frontends without the extension (VS Code, Colab, classic Notebook, a plain ``jupyter_client``) either close
the comm at once or never answer; both end as a ``"no-bridge"`` outcome.

Nothing heavy is imported here: ipykernel and comm are imported only when a request is made, and only if
the process is already running inside an ipykernel.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "COMM_TARGET",
    "LOST_REPLY_MESSAGE",
    "NO_BRIDGE_MESSAGE",
    "ReplaceOutcome",
    "ReplaceStatus",
    "current_cell_id",
    "register_run_target",
    "request_replace",
    "unregister_run_target",
]

logger = logging.getLogger(__name__)

COMM_TARGET = "docgen_magic"
"""Name of the comm target the frontend extension registers on each notebook kernel."""

ReplaceStatus = Literal["replaced", "cancelled", "not-found", "error", "no-bridge"]
_STATUSES: frozenset[str] = frozenset({"replaced", "cancelled", "not-found", "error", "no-bridge"})

NO_BRIDGE_MESSAGE = (
    "This frontend cannot replace cells for docgen_magic (the docgen-magic JupyterLab/Notebook 7 "
    "extension did not answer). Rerun with `%%docgen --apply`, or use the Copy button and paste."
)
"""Message of every ``"no-bridge"`` outcome."""

LOST_REPLY_MESSAGE = (
    "The notebook frontend took the replace request, but another client of this kernel closed the "
    "connection before it answered. Check the cell: it may already hold the new text."
)
"""Message of the ``"error"`` outcome when the comm is closed after the frontend acknowledged."""


@dataclass(frozen=True)
class ReplaceOutcome:
    """What happened to one replace request.

    Attributes:
        status: ``"replaced"`` (the cell now holds the new source), ``"cancelled"`` (the user declined
            because the cell changed), ``"not-found"`` (no cell with that id in the kernel's notebook),
            ``"error"`` (the frontend failed) or ``"no-bridge"`` (no frontend extension answered).
        message: A short human-readable explanation, suitable for showing to the user.
    """

    status: ReplaceStatus
    message: str

    @property
    def ok(self) -> bool:
        """Whether the cell was replaced.

        Returns:
            True only for status ``"replaced"``.
        """
        return self.status == "replaced"


def _kernel() -> Any | None:
    """Return the running ipykernel instance, without importing ipykernel if it is not loaded.

    Returns:
        The ``ipykernel.kernelbase.Kernel`` singleton, or None outside an ipykernel.
    """
    kernelbase = sys.modules.get("ipykernel.kernelbase")
    if kernelbase is None:
        return None
    kernel_class = kernelbase.Kernel
    return kernel_class.instance() if kernel_class.initialized() else None


def current_cell_id() -> str | None:
    """Return the id of the notebook cell being executed, from the execute request's metadata.

    JupyterLab 4 and Notebook 7 send ``cellId`` in the metadata of each ``execute_request``. Call this
    while the cell runs (e.g. in the magic), not from a widget callback, whose parent is a comm message.

    Returns:
        The cell id, or None outside an ipykernel or when the frontend sent no ``cellId``.
    """
    kernel = _kernel()
    if kernel is None:
        return None
    try:
        parent = kernel.get_parent("shell")
    except Exception:  # older or unusual kernels: treat as "unknown", never fail the caller
        logger.debug("could not read the parent request", exc_info=True)
        return None
    metadata = parent.get("metadata") if isinstance(parent, Mapping) else None
    cell_id = metadata.get("cellId") if isinstance(metadata, Mapping) else None
    return cell_id if isinstance(cell_id, str) and cell_id else None


class _Request:
    """One pending replace request: delivers exactly one outcome, then closes its comm.

    Args:
        on_result: Callback receiving the single outcome.
    """

    def __init__(self, on_result: Callable[[ReplaceOutcome], None]) -> None:
        self._on_result = on_result
        self._lock = threading.Lock()
        self._done = False
        self.comm: Any | None = None
        self.acked = False
        self.timer: threading.Timer | None = None

    def finish(self, outcome: ReplaceOutcome) -> None:
        """Deliver ``outcome`` unless one was already delivered; stop the timer and close the comm.

        Args:
            outcome: The outcome to deliver.
        """
        with self._lock:
            if self._done:
                return
            self._done = True
        if self.timer is not None:
            self.timer.cancel()
        self._close_comm()
        try:
            self._on_result(outcome)
        except Exception:  # a failing UI callback must not break the kernel's comm handling
            logger.exception("docgen_magic replace callback failed")

    def _close_comm(self) -> None:
        """Close the comm if it is still open, ignoring failures (the peer may be gone)."""
        comm = self.comm
        if comm is None:
            return
        try:
            comm.close()
        except Exception:
            logger.debug("closing the replace comm failed", exc_info=True)

    def on_msg(self, msg: Mapping[str, Any]) -> None:
        """Handle the frontend's messages: ``{ack: true}`` first, then the reply ``{status, message}``.

        The acknowledgement proves a bridge exists, so the no-reply timer stops: the user may take as
        long as they like to answer the "changed since" dialog.

        Args:
            msg: The ``comm_msg`` message.
        """
        data = _comm_data(msg)
        if data.get("ack") is True and "status" not in data:
            self.acked = True
            if self.timer is not None:
                self.timer.cancel()
            return
        self.finish(_outcome_from_reply(data))

    def on_close(self, msg: Mapping[str, Any]) -> None:
        """Handle the frontend closing the comm; without a reply first this means "no bridge".

        Args:
            msg: The ``comm_close`` message.
        """
        data = _comm_data(msg)
        if "status" in data:
            self.finish(_outcome_from_reply(data))
        elif self.acked:
            # Some other client of this kernel closed the comm after the extension took the request:
            # the reply can no longer arrive, but the cell may well be replaced.
            self.finish(ReplaceOutcome("error", LOST_REPLY_MESSAGE))
        else:
            self.finish(ReplaceOutcome("no-bridge", NO_BRIDGE_MESSAGE))

    def on_timeout(self) -> None:
        """Handle no answer within the timeout."""
        self.finish(ReplaceOutcome("no-bridge", NO_BRIDGE_MESSAGE))


def _route_replies_here(comm: Any) -> None:
    """Make the kernel deliver the frontend's replies on ``comm`` to the shell this code runs on.

    ipykernel >= 7.4 routes each ``comm_msg`` to the subshell named in the header of the message that was
    being handled when the comm last published (the widget click here), not to the thread that handled it.
    A JupyterLab frontend can stamp widget messages with the id of a subshell of a previous kernel process
    (it caches one subshell per comm target and per kernel id for all its connections, and a restart started
    from another connection does not clear that cache). ipykernel still runs the click on the right thread,
    but our comm would inherit the dead id and the kernel would reject every reply ("Unknown subshell_id"),
    ending as "no-bridge". The thread we run on names the subshell that really exists.

    Args:
        comm: The just-opened comm; left alone when ipykernel has no such routing.
    """
    if not hasattr(comm, "_reply_subshell_id"):
        return
    thread = threading.current_thread()
    prefix = "subshell-"
    running_on = (
        thread.name[len(prefix) :]
        if type(thread).__name__ == "SubshellThread" and thread.name.startswith(prefix)
        else None
    )
    lock = getattr(comm, "_reply_subshell_lock", None)
    if lock is None:
        comm._reply_subshell_id = running_on
        return
    with lock:
        comm._reply_subshell_id = running_on


def _comm_data(msg: Mapping[str, Any]) -> Mapping[str, Any]:
    """Return ``msg["content"]["data"]`` or an empty mapping.

    Args:
        msg: A comm message.

    Returns:
        The message data.
    """
    content = msg.get("content") if isinstance(msg, Mapping) else None
    data = content.get("data") if isinstance(content, Mapping) else None
    return data if isinstance(data, Mapping) else {}


def _outcome_from_reply(data: Mapping[str, Any]) -> ReplaceOutcome:
    """Turn the frontend's reply data into an outcome, treating anything malformed as an error.

    Args:
        data: The reply data, expected ``{"status": ..., "message": ...}``.

    Returns:
        The outcome.
    """
    status = data.get("status")
    message = data.get("message")
    text = message if isinstance(message, str) else ""
    if status not in _STATUSES or status == "no-bridge":
        return ReplaceOutcome("error", f"Unexpected reply from the frontend: {dict(data)!r}")
    return ReplaceOutcome(status, text)


def request_replace(
    cell_id: str,
    source: str,
    original: str,
    on_result: Callable[[ReplaceOutcome], None],
    *,
    timeout: float = 3.0,
) -> None:
    """Ask the notebook frontend to replace a cell's source; report the outcome once, asynchronously.

    Opens a comm to the frontend target :data:`COMM_TARGET` with ``{cell_id, source, original}``. The
    frontend finds the cell by id in the notebook attached to this kernel; if its current source is not
    ``original`` it asks the user first; it sets ``source`` as one undoable edit and replies. On the comm
    the frontend first sends ``{"ack": true}``, then ``{"status": ..., "message": ...}``.

    ``on_result`` is called exactly once:

    * from the kernel's comm handling (the shell thread, like a widget callback) with the frontend's reply
      (``"replaced"``, ``"cancelled"``, ``"not-found"``, ``"error"``), or with ``"no-bridge"`` when a
      frontend closes the comm without acknowledging it (it lacks the target), or with ``"error"``
      (:data:`LOST_REPLY_MESSAGE`) when the comm is closed after the acknowledgement;
    * from a ``threading.Timer`` thread with ``"no-bridge"`` when the frontend does not even acknowledge
      the request within ``timeout`` seconds (the kernel reads the acknowledgement only when it is idle,
      so a kernel kept busy that long also ends here). After the acknowledgement there is no time limit:
      the user may be looking at the "changed since" dialog.
    * synchronously, before this function returns, with ``"no-bridge"`` outside an ipykernel or when the
      comm cannot be opened.

    Exceptions raised by ``on_result`` are logged, never propagated into the kernel.

    Args:
        cell_id: Id of the cell to replace (from :func:`current_cell_id` when that cell ran).
        source: The new cell source.
        original: The source the caller started from; the frontend asks before overwriting other text.
        on_result: Receives the single :class:`ReplaceOutcome`.
        timeout: Seconds to wait for the frontend's acknowledgement before reporting ``"no-bridge"``.
    """
    request = _Request(on_result)
    if _kernel() is None:
        request.finish(ReplaceOutcome("no-bridge", NO_BRIDGE_MESSAGE))
        return
    data = {"cell_id": cell_id, "source": source, "original": original}
    try:
        from comm import create_comm

        # The reply is handled on this same shell thread, so it cannot arrive before the callbacks are set.
        request.comm = create_comm(target_name=COMM_TARGET, data=data)
        _route_replies_here(request.comm)
        request.comm.on_msg(request.on_msg)
        request.comm.on_close(request.on_close)
    except Exception:
        logger.exception("could not open the docgen_magic comm")
        request.finish(ReplaceOutcome("no-bridge", NO_BRIDGE_MESSAGE))
        return
    request.timer = threading.Timer(timeout, request.on_timeout)
    request.timer.daemon = True
    request.timer.start()


def register_run_target(target_name: str, handler: Callable[[Any, Mapping[str, Any]], None]) -> bool:
    """Let the frontend extension ask this kernel for work: register a comm target, if in an ipykernel.

    Args:
        target_name: The comm target's name.
        handler: Called with the new comm and the data of its ``comm_open`` (on the shell thread).

    Returns:
        True when registered; False outside an ipykernel.
    """
    if _kernel() is None:
        return False
    try:
        from comm import get_comm_manager

        def opened(comm: Any, msg: Mapping[str, Any]) -> None:
            _route_replies_here(comm)
            handler(comm, _comm_data(msg))

        get_comm_manager().register_target(target_name, opened)
    except Exception:
        logger.debug("could not register the %s comm target", target_name, exc_info=True)
        return False
    return True


def unregister_run_target(target_name: str) -> None:
    """Remove a comm target registered by :func:`register_run_target` (a no-op when there is none).

    Args:
        target_name: The comm target's name.
    """
    if _kernel() is None:
        return
    try:
        from comm import get_comm_manager

        manager = get_comm_manager()
        handler = manager.targets.get(target_name)
        if handler is not None:
            manager.unregister_target(target_name, handler)
    except Exception:
        logger.debug("could not unregister the %s comm target", target_name, exc_info=True)
