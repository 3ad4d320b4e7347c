"""The extension's requests to the kernel, on the comm target ``RUN_TARGET`` (:mod:`docgen_magic.kernel.protocol`).

"document" (Regenerate, per-function regenerate, the "Document this cell" command) documents a cell's current
text and answers with progress and then the final bundle; "check" ("Check this notebook") answers with each
cell's findings. Replies carry whole bundles, which the frontend stores in the cell's output so they are saved
with the notebook; the last reply is marked ``final``.
"""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from docgen_magic.api import CellSyntaxError, Result, SettingsError, check, start_document, target_names
from docgen_magic.kernel.check_view import check_bundle
from docgen_magic.kernel.protocol import MODES, split_magic_line
from docgen_magic.kernel.review import ReviewProgress
from docgen_magic.kernel.review_state import ReviewState

if TYPE_CHECKING:
    from docgen_magic.settings import Settings

__all__ = ["handle_run_request", "one_line"]

logger = logging.getLogger(__name__)

SettingsForLine = Callable[[str], "Settings"]
StoreResult = Callable[[str, Result], None]


def _send(comm: Any, data: Mapping[str, Any]) -> None:
    """Send on a comm, ignoring a peer that is gone.

    Args:
        comm: The comm.
        data: The message data.
    """
    try:
        comm.send(dict(data))
    except Exception:
        logger.debug("could not send on the docgen comm", exc_info=True)


def _finish(comm: Any, data: Mapping[str, Any]) -> None:
    """Send the last message and close the comm.

    Args:
        comm: The comm.
        data: The message data (``final`` is added).
    """
    _send(comm, {**data, "final": True})
    try:
        comm.close()
    except Exception:
        logger.debug("could not close the docgen comm", exc_info=True)


def handle_run_request(comm: Any, data: Mapping[str, Any], settings_for: SettingsForLine,
                       store: StoreResult | None = None) -> None:
    """Serve one request of the frontend extension; replies go back on ``comm``, the last with ``final``.

    Args:
        comm: The comm the frontend opened.
        data: ``{"action": "document", "source", "cell_id", "refresh": [names] | true, "mode": one of MODES?}`` or
            ``{"action": "check", "cells": [{"cell_id", "source"}]}``.
        settings_for: Resolves the settings of a ``%%docgen`` options line, as the magic would.
        store: Called with the options line and the new result before the final reply, as the magic does
            with ``-o VAR`` (so Regenerate updates the variable too).
    """
    action = data.get("action")
    try:
        if action == "document":
            _document(comm, data, settings_for, store)
        elif action == "check":
            _finish(comm, {"cells": _check_cells(data.get("cells"), settings_for)})
        else:
            _finish(comm, {"error": f"unknown request {action!r}"})
    except Exception as exc:  # one line for people; the traceback at debug level
        logger.debug("docgen request failed", exc_info=True)
        _finish(comm, {"error": one_line(exc)})


def one_line(exc: BaseException) -> str:
    """Return a failure as one line.

    Args:
        exc: The failure.

    Returns:
        ``Type: message``, or the message alone for user errors.
    """
    text = " ".join(str(exc).split())
    return text if isinstance(exc, (UsageError, SettingsError)) else f"{type(exc).__name__}: {text}"


def _document(comm: Any, data: Mapping[str, Any], settings_for: SettingsForLine,
              store: StoreResult | None = None) -> None:
    """Document a cell's current text for the frontend, sending progress and then the final bundle.

    Args:
        comm: The comm.
        data: The request.
        settings_for: Resolves the options line.
        store: Receives the options line and the result before the final reply.
    """
    source = data.get("source")
    if not isinstance(source, str):
        raise ValueError("the request has no cell text")
    magic = split_magic_line(source)
    line, body = magic.options, magic.body
    settings = settings_for(line)
    mode = data.get("mode")
    if mode in MODES:  # the mode chosen in the review wins over the cell's options
        settings = settings.with_changes(update=mode == MODES[1])
    try:
        every = target_names(body, settings=settings)
    except CellSyntaxError as exc:
        _finish(comm, {"error": f"{exc.describe(body, line_offset=magic.line)}; nothing was documented"})
        return
    refresh = data.get("refresh")
    if refresh is True:  # ask again for every target, and keep the new answers in the cache
        names: tuple[str, ...] = tuple(every)
    else:
        names = tuple(n for n in refresh or () if isinstance(n, str))
    cell_id = data.get("cell_id")
    state = ReviewState(cell_id=cell_id if isinstance(cell_id, str) else None, source=source, body=body, line=line,
                        update=settings.update)
    progress = ReviewProgress(state, lambda bundle: _send(comm, {"bundle": bundle}))
    progress.start()
    future = start_document(body, settings=settings, on_progress=progress, refresh=names,
                            namespace=_user_namespace())

    def done(finished: concurrent.futures.Future[Result]) -> None:
        if finished.cancelled():
            _finish(comm, {"bundle": progress.finish(None, "interrupted")})
            return
        error = finished.exception()
        if error is not None:
            _finish(comm, {"bundle": progress.finish(None, "failed", one_line(error))})
        else:
            result = finished.result()
            if store is not None:
                try:
                    store(line, result)
                except Exception:
                    logger.debug("storing the regenerated result failed", exc_info=True)
            _finish(comm, {"bundle": progress.finish(result, "done")})

    future.add_done_callback(done)


def _user_namespace() -> dict[str, Any] | None:
    """Return the kernel's namespace, whose objects the cell's functions were called with (read, never run).

    Returns:
        The running shell's ``user_ns``, or None outside IPython.
    """
    from IPython import get_ipython

    shell = get_ipython()
    return shell.user_ns if shell is not None else None


def _check_cells(cells: Any, settings_for: SettingsForLine) -> list[dict[str, Any]]:
    """Return the teaching check of every cell, for "Check this notebook".

    Args:
        cells: ``[{"cell_id", "source"}]``.
        settings_for: Resolves a ``%%docgen`` options line (cells that carry one use its options).

    Returns:
        Per cell: its id, the findings as text and html, coverage counts, or an error.
    """
    replies = []
    for cell in cells if isinstance(cells, list) else []:
        source = cell.get("source") if isinstance(cell, Mapping) else None
        if not isinstance(source, str):
            continue
        magic = split_magic_line(source)
        line, body = magic.options, magic.body
        reply: dict[str, Any] = {"cell_id": cell.get("cell_id")}
        try:
            report = check(body, settings=settings_for(line), namespace=_user_namespace())
        except CellSyntaxError as exc:
            reply["error"] = exc.describe(body, line_offset=magic.line)
        else:
            bundle = check_bundle(report, line_offset=magic.line)
            reply.update(total=report.total, complete=report.complete, text=bundle["text/plain"],
                         html=bundle["text/html"])
        replies.append(reply)
    return replies
