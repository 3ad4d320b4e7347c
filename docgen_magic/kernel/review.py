"""The ``%%docgen`` review in the notebook, kernel side: the output shown while a run is in flight and after.

The review is ONE output, displayed with a display id and updated in place: the project's mime type
(``REVIEW_MIME`` in :mod:`docgen_magic.kernel.protocol`, drawn by the docgen-magic JupyterLab / Notebook 7
extension with per-function accept, Replace, Copy and Regenerate) plus text/html and text/plain renderings for
every other frontend (nbconvert, GitHub, VS Code, terminal IPython). Nothing in it refers to a live kernel
object, so a saved, reopened or shared notebook shows the same review, with no "model not found" error.

While a run is in flight the output is refreshed on every progress event (at most every
:data:`_MIN_INTERVAL_S`) and at least every :data:`_TICK_S` by a ticker thread, so the elapsed time moves and
the last event is never left unshown.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from IPython.display import display

from docgen_magic.kernel.review_state import ReviewState, review_bundle
from docgen_magic.views.result import wants_model_hint

if TYPE_CHECKING:
    from docgen_magic.api import ProgressEvent, Result

__all__ = ["LiveReview", "ReviewProgress", "take_model_hint"]

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


class ReviewProgress:
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
        self._handle = display(review_bundle(state), raw=True, display_id=True)
        self.progress = ReviewProgress(state, self._update)

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
