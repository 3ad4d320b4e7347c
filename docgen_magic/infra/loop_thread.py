"""A private asyncio event loop in a daemon thread, so sync callers never touch their own loop.

The IPython kernel already runs an event loop; patching it (nest_asyncio) breaks other libraries. Instead the
async pipeline runs here, and sync callers (the CLI, the magic) submit coroutines and wait. A
KeyboardInterrupt while waiting cancels the submitted work and leaves the loop usable.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

logger = logging.getLogger(__name__)

_CANCEL_GRACE_S = 5.0


class LoopThread:
    """Owns one event loop running forever in a daemon thread, started on first use."""

    def __init__(self, name: str = "docgen-loop") -> None:
        """Prepare the thread; it starts on first use.

        Args:
            name: Name of the daemon thread.
        """
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The running private loop, started if needed."""
        with self._lock:
            if self._loop is None or self._loop.is_closed():
                self._loop = self._start()
            return self._loop

    def _start(self) -> asyncio.AbstractEventLoop:
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            loop.run_forever()

        threading.Thread(target=run, name=self._name, daemon=True).start()
        ready.wait()
        return loop

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the private loop and wait for its result.

        Args:
            coro: The coroutine to run.

        Returns:
            The coroutine's result.

        Raises:
            KeyboardInterrupt: The wait was interrupted; the work was cancelled.
        """
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result()
        except KeyboardInterrupt:
            logger.debug("interrupted: cancelling the running work")
            future.cancel()
            with contextlib.suppress(Exception):  # cancelled, timed out or failed: the caller sees the interrupt
                future.result(timeout=_CANCEL_GRACE_S)
            raise

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Schedule a coroutine on the private loop without waiting.

        Args:
            coro: The coroutine to run.

        Returns:
            A future for its result.
        """
        return asyncio.run_coroutine_threadsafe(coro, self.loop)


_DEFAULT = LoopThread()


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on the process-wide private loop and wait for it.

    Args:
        coro: The coroutine to run.

    Returns:
        Its result.
    """
    return _DEFAULT.run(coro)


def default_loop_thread() -> LoopThread:
    """The process-wide private loop thread.

    Returns:
        The shared LoopThread.
    """
    return _DEFAULT
