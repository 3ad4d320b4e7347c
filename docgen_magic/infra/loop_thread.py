"""A private asyncio event loop in a daemon thread, so sync callers never touch their own loop.

The IPython kernel already runs an event loop; patching it (nest_asyncio) breaks other libraries. Instead the
async pipeline runs here, and sync callers (the CLI, the magic) submit coroutines and wait. A
KeyboardInterrupt while waiting cancels the submitted work and leaves the loop usable.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
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
        self._thread: threading.Thread | None = None
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

        self._thread = threading.Thread(target=run, name=self._name, daemon=True)
        self._thread.start()
        ready.wait()
        return loop

    @property
    def started(self) -> bool:
        """True while the loop is running (it starts on first use)."""
        return self._loop is not None and not self._loop.is_closed()

    def close(self, timeout: float = _CANCEL_GRACE_S) -> None:
        """Cancel what still runs, stop the loop, join its thread and close the loop; safe to call twice.

        The next use starts a fresh loop.

        Args:
            timeout: Seconds to wait for the cancelled work to unwind and for the thread to end.
        """
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or loop.is_closed():
            return

        async def cancel_the_rest() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await loop.shutdown_asyncgens()

        try:
            asyncio.run_coroutine_threadsafe(cancel_the_rest(), loop).result(timeout)
        except Exception:
            logger.debug("closing the private loop: the remaining work did not unwind", exc_info=True)
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        if not loop.is_running():
            loop.close()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the private loop and wait for its result.

        Args:
            coro: The coroutine to run.

        Returns:
            The coroutine's result.

        Raises:
            KeyboardInterrupt: The wait was interrupted; the work was cancelled and has finished unwinding
                (its ``finally`` blocks ran), unless that took longer than a few seconds.
        """
        loop = self.loop
        finished = threading.Event()
        started: list[asyncio.Task[T]] = []

        def start() -> None:
            task = loop.create_task(coro)
            task.add_done_callback(lambda _: finished.set())
            started.append(task)

        def cancel() -> None:  # runs after start() when start() was scheduled: the loop keeps the order
            if started:
                started[0].cancel()
            else:
                coro.close()
                finished.set()

        try:
            loop.call_soon_threadsafe(start)
            finished.wait()
        except KeyboardInterrupt:
            logger.debug("interrupted: cancelling the running work")
            loop.call_soon_threadsafe(cancel)
            if not finished.wait(_CANCEL_GRACE_S):
                logger.debug("the cancelled work is still unwinding after %.0f s", _CANCEL_GRACE_S)
            raise
        return started[0].result()

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
    """Return the process-wide private loop thread.

    Returns:
        The shared LoopThread.
    """
    return _DEFAULT
