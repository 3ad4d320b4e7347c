"""The private event loop: results, isolation from the caller's loop, interrupts."""

from __future__ import annotations

import asyncio
import os
import signal
import threading

import pytest

from docgen_magic.infra.loop_thread import LoopThread


def test_runs_coroutines_on_its_own_thread() -> None:
    lt = LoopThread()

    async def where() -> str:
        return threading.current_thread().name

    assert lt.run(where()) == "docgen-loop"
    assert lt.run(where()) == "docgen-loop"


def test_works_inside_a_running_loop() -> None:
    lt = LoopThread()

    async def inner() -> int:
        await asyncio.sleep(0.01)
        return 7

    async def outer() -> tuple[int, asyncio.AbstractEventLoop]:
        return lt.run(inner()), asyncio.get_running_loop()

    value, loop = asyncio.run(outer())
    assert value == 7 and loop is not lt.loop


@pytest.mark.usefixtures("sigint_raises")
def test_interrupt_cancels_and_loop_stays_usable() -> None:
    lt = LoopThread()
    cancelled = threading.Event()

    async def slow() -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    # A real SIGINT, as a kernel interrupt sends: it must break the blocking wait.
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        lt.run(slow())
    assert cancelled.wait(5)

    async def quick() -> str:
        return "still alive"

    assert lt.run(quick()) == "still alive"


@pytest.mark.usefixtures("sigint_raises")
def test_interrupt_returns_only_after_the_work_has_cleaned_up() -> None:
    lt = LoopThread()
    started, cleaned = threading.Event(), threading.Event()

    async def slow_with_cleanup() -> None:
        started.set()
        try:
            await asyncio.sleep(30)
        finally:
            await asyncio.sleep(0.2)  # e.g. closing a cache or an HTTP connection
            cleaned.set()

    def interrupt() -> None:
        started.wait(5)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        lt.run(slow_with_cleanup())
    assert cleaned.is_set()  # the caller may reuse shared state at once



def test_close_stops_the_thread_and_the_next_use_starts_a_fresh_loop() -> None:
    loop_thread = LoopThread(name="docgen-close-test")
    assert not loop_thread.started
    first = loop_thread.loop
    pending = loop_thread.submit(asyncio.sleep(60))
    threads = {t.name for t in threading.enumerate()}
    assert "docgen-close-test" in threads
    loop_thread.close()
    assert first.is_closed() and pending.cancelled()
    assert "docgen-close-test" not in {t.name for t in threading.enumerate()}
    loop_thread.close()  # twice is fine
    assert loop_thread.run(asyncio.sleep(0, result=7)) == 7 and loop_thread.loop is not first
    loop_thread.close()
