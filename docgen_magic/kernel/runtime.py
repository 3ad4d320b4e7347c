"""The ipykernel this code runs in: the execute request being handled, and comm targets for the frontend.

The only module of docgen_magic that touches ipykernel or comm. Nothing heavy is imported here: ipykernel
is looked up in ``sys.modules`` (never imported), and comm is imported only when a target is registered, and
only if the process is already running inside an ipykernel.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["current_cell_id", "execute_request_code", "register_run_target", "unregister_run_target"]

logger = logging.getLogger(__name__)


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
    while the cell runs (e.g. in the magic), not from a comm message handler, whose parent is the comm message.

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


def execute_request_code() -> str | None:
    """Return the code of the execute request being handled: the cell exactly as the frontend sent it.

    Returns:
        The code, or None outside an ipykernel or when the request being handled is not an execution.
    """
    kernel = _kernel()
    if kernel is None:
        return None
    try:
        code = kernel.get_parent("shell")["content"]["code"]
    except Exception:  # not an execute request (a comm message), or an unusual kernel
        logger.debug("no execute request to read the cell from", exc_info=True)
        return None
    return code if isinstance(code, str) else None


def _route_replies_here(comm: Any) -> None:
    """Make the kernel deliver the frontend's messages on ``comm`` to the shell this code runs on.

    ipykernel >= 7.4 routes each ``comm_msg`` to the subshell named in the header of the message that was
    being handled when the comm last published, not to the thread that handled it. A JupyterLab frontend can
    stamp comm messages with the id of a subshell of a previous kernel process (it caches one subshell per
    comm target and per kernel id for all its connections, and a restart started from another connection
    does not clear that cache), and the kernel would then reject every later message on the comm ("Unknown
    subshell_id"). The thread we run on names the subshell that really exists.

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
