"""The ``%%docgen`` review in the notebook, kernel side: live progress, the final result, frontend requests.

The review is ONE output, displayed with a display id and updated in place: the project's mime type
(``REVIEW_MIME`` in :mod:`docgen_magic.kernel.protocol`, drawn by the docgen-magic JupyterLab / Notebook 7
extension with per-function accept, Replace, Copy and Regenerate) plus text/html and text/plain renderings for
every other frontend (nbconvert, GitHub, VS Code, terminal IPython). Nothing in it refers to a live kernel
object, so a saved, reopened or shared notebook shows the same review, with no "model not found" error.

While a run is in flight the output is refreshed on every progress event (at most every
:data:`_MIN_INTERVAL_S`) and at least every :data:`_TICK_S` by a ticker thread, so the elapsed time moves and
the last event is never left unshown.

The extension also asks the kernel for work over the comm target ``RUN_TARGET``: "document" (Regenerate,
per-function regenerate, the "Document this cell" command) and "check" ("Check this notebook"). Replies
carry whole bundles, which the frontend stores in the cell's output so they are saved with the notebook.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from docgen_magic.display import ReviewState, check_bundle, review_bundle, wants_model_hint
from docgen_magic.kernel.protocol import split_magic_line

if TYPE_CHECKING:
    from docgen_magic.core.pipeline import ProgressEvent
    from docgen_magic.core.result import Result
    from docgen_magic.settings import Settings

__all__ = ["LiveReview", "Progress", "handle_run_request"]

logger = logging.getLogger(__name__)

_MIN_INTERVAL_S = 0.2
_TICK_S = 0.5

_hint_shown = False
_hint_lock = threading.Lock()


def take_model_hint(result: Result) -> bool:
    """Whether this result should carry the "configure a model" hint: the first time in the session only.

    Args:
        result: The documented cell (offline ones may want the hint).

    Returns:
        True the first time the hint applies in this kernel.
    """
    global _hint_shown
    if not wants_model_hint(result):
        return False
    with _hint_lock:
        first, _hint_shown = not _hint_shown, True
    return first


class Progress:
    """Turns progress events into review states and hands them on, throttled, with a ticking clock."""

    def __init__(self, state: ReviewState, publish: Callable[[dict[str, Any]], None]) -> None:
        """Prepare (nothing is published until :meth:`start`).

        Args:
            state: The state to update.
            publish: Receives the bundle to show; called from the pipeline's thread or the ticker's.
        """
        self.state = state
        self._publish = publish
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._last = 0.0
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def start(self) -> None:
        """Show the first state and start the ticker."""
        self._send(force=True)
        self._ticker = threading.Thread(target=self._tick, name="docgen-review-ticker", daemon=True)
        self._ticker.start()

    def stop(self) -> None:
        """Stop the ticker (the caller shows the final state itself)."""
        self._stop.set()
        if self._ticker is not None and self._ticker is not threading.current_thread():
            self._ticker.join(timeout=2)

    def __call__(self, event: ProgressEvent) -> None:
        """Record one event (the pipeline's progress callback).

        Args:
            event: The event.
        """
        with self._lock:
            if event.status == "planned":
                self.state.plan(event.names)
            else:
                self.state.advance(event.name, event.status, event.done, event.total)
        self._send()

    def _tick(self) -> None:
        """Refresh the elapsed time until stopped."""
        while not self._stop.wait(_TICK_S):
            self._send(force=True)

    def _send(self, *, force: bool = False) -> None:
        """Publish the state unless one was published very recently.

        Args:
            force: Publish regardless of the interval.
        """
        # Published under the lock: the ticker and the pipeline's callback both send, and a state built
        # first must not reach the frontend after a newer one (the clock would run backwards).
        with self._lock:
            now = time.monotonic()
            if self._stop.is_set() or (not force and now - self._last < _MIN_INTERVAL_S):
                return
            self._last = now
            self.state.elapsed_s = now - self._started
            bundle = review_bundle(self.state)
            try:
                self._publish(bundle)
            except Exception:
                logger.debug("could not publish the review", exc_info=True)

    def finish(self, result: Result | None, status: str, message: str = "") -> dict[str, Any]:
        """Stop the ticker and build the final bundle.

        Args:
            result: The result, or None when the run failed or was interrupted.
            status: ``done``, ``failed`` or ``interrupted``.
            message: Why it failed.

        Returns:
            The final bundle.
        """
        self.stop()
        with self._lock:
            state = self.state
            state.status, state.message = status, message
            if result is not None:
                state.result = result
                state.elapsed_s = result.elapsed_s
                state.hint = take_model_hint(result)
            else:
                state.elapsed_s = time.monotonic() - self._started
            return review_bundle(state)


class LiveReview:
    """The review output of one ``%%docgen`` run, displayed once and updated in place."""

    def __init__(self, state: ReviewState) -> None:
        """Display the initial state.

        Args:
            state: The initial state (cell id, source, body, options).
        """
        from IPython.display import display

        self._handle = display(review_bundle(state), raw=True, display_id=True)
        self.progress = Progress(state, self._update)

    def _update(self, bundle: dict[str, Any]) -> None:
        """Replace the displayed bundle.

        Args:
            bundle: The new bundle.
        """
        if self._handle is not None:
            self._handle.update(bundle, raw=True)

    def start(self) -> None:
        """Start showing progress."""
        self.progress.start()

    def finish(self, result: Result | None, status: str = "done", message: str = "") -> None:
        """Show the final state (called on the kernel's main thread, so every client sees it).

        Args:
            result: The result, or None.
            status: ``done``, ``failed`` or ``interrupted``.
            message: Why it failed.
        """
        self._update(self.progress.finish(result, status, message))


# ---------------------------------------------------------------------------------------------- requests

SettingsForLine = Callable[[str], "Settings"]
StoreResult = Callable[[str, "Result"], None]


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
        data: ``{"action": "document", "source", "cell_id", "refresh": [names] | true, "mode": "update"?}`` or
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
        _finish(comm, {"error": _one_line(exc)})


def _one_line(exc: BaseException) -> str:
    """Return a failure as one line.

    Args:
        exc: The failure.

    Returns:
        ``Type: message``, or the message alone for user errors.
    """
    from IPython.core.error import UsageError

    from docgen_magic.settings import SettingsError

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
    from docgen_magic import api
    from docgen_magic.core.cell import CellSyntaxError, parse_cell
    from docgen_magic.core.pipeline import plan_cell
    from docgen_magic.infra.loop_thread import default_loop_thread

    source = data.get("source")
    if not isinstance(source, str):
        raise ValueError("the request has no cell text")
    magic = split_magic_line(source)
    line, body = magic.options, magic.body
    if data.get("mode") == "update" and "--update" not in line.split():
        line = f"{line} --update".strip()  # the review's "fill gaps of existing docstrings" mode
    settings = settings_for(line)
    try:
        parse_cell(body)
    except CellSyntaxError as exc:
        _finish(comm, {"error": f"syntax error on body line {exc.lineno}: {exc.message}; nothing was documented"})
        return
    refresh = data.get("refresh")
    if refresh is True:  # ask again for every target, and keep the new answers in the cache
        names: tuple[str, ...] = tuple(t.qualname for t in plan_cell(body, settings.run_options()).targets)
    else:
        names = tuple(n for n in refresh or () if isinstance(n, str))
    cell_id = data.get("cell_id")
    state = ReviewState(cell_id=cell_id if isinstance(cell_id, str) else None, source=source, body=body, line=line)
    progress = Progress(state, lambda bundle: _send(comm, {"bundle": bundle}))
    progress.start()
    future = default_loop_thread().submit(api.document_async(body, settings=settings, on_progress=progress,
                                                             refresh=names))

    def done(finished: Any) -> None:
        if finished.cancelled():
            _finish(comm, {"bundle": progress.finish(None, "interrupted")})
            return
        error = finished.exception()
        if error is not None:
            _finish(comm, {"bundle": progress.finish(None, "failed", _one_line(error))})
        else:
            result = finished.result()
            if store is not None:
                try:
                    store(line, result)
                except Exception:
                    logger.debug("storing the regenerated result failed", exc_info=True)
            _finish(comm, {"bundle": progress.finish(result, "done")})

    future.add_done_callback(done)


def _check_cells(cells: Any, settings_for: SettingsForLine) -> list[dict[str, Any]]:
    """Return the teaching check of every cell, for "Check this notebook".

    Args:
        cells: ``[{"cell_id", "source"}]``.
        settings_for: Resolves a ``%%docgen`` options line (cells that carry one use its options).

    Returns:
        Per cell: its id, the findings as text and html, coverage counts, or an error.
    """
    from docgen_magic import api
    from docgen_magic.core.cell import CellSyntaxError

    replies = []
    for cell in cells if isinstance(cells, list) else []:
        source = cell.get("source") if isinstance(cell, Mapping) else None
        if not isinstance(source, str):
            continue
        magic = split_magic_line(source)
        line, body = magic.options, magic.body
        reply: dict[str, Any] = {"cell_id": cell.get("cell_id")}
        try:
            report = api.check(body, settings=settings_for(line))
        except CellSyntaxError as exc:
            reply["error"] = f"syntax error on line {exc.lineno}: {exc.message}"
        else:
            bundle = check_bundle(report, line_offset=magic.line)
            reply.update(total=report.total, complete=report.complete, text=bundle["text/plain"],
                         html=bundle["text/html"])
        replies.append(reply)
    return replies
