"""Rate-limit-aware pacing: the limiter's arithmetic on a controlled clock, and whole runs against the fake's
requests-per-minute limit (real SDK, real HTTP on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path

import pytest

import docgen_magic
from docgen_magic.providers.ratelimit import (
    INITIAL_BURST,
    RAMP_SECONDS,
    RateHeaders,
    RateLimiter,
    parse_duration,
    retry_after_seconds,
)
from tests.fake_openai import FakeOpenAI


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(("text", "seconds"), [("6ms", 0.006), ("1s", 1.0), ("1m30.5s", 90.5), ("2", 2.0),
                                               ("0.25", 0.25), ("", None), ("soon", None), ("1x", None)])
def test_reset_durations_are_read_as_the_apis_write_them(text: str, seconds: float | None) -> None:
    assert parse_duration(text) == (pytest.approx(seconds) if seconds is not None else None)


def test_retry_after_prefers_milliseconds() -> None:
    assert retry_after_seconds({"retry-after-ms": "250", "retry-after": "3"}) == 0.25
    assert retry_after_seconds({"retry-after": "3"}) == 3.0
    assert retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) is None
    assert RateHeaders.from_headers({"content-type": "application/json"}) is None


def test_the_window_halves_once_per_429_burst_and_grows_back_to_the_ceiling() -> None:
    clock = Clock()
    limiter = RateLimiter(8, clock=clock)

    async def run() -> None:
        tickets = [await limiter.acquire() for _ in range(8)]
        assert limiter.in_flight == 8 and limiter.window == 8
        for ticket in tickets[:4]:  # one burst of 429s is one signal
            limiter.rate_limited(ticket, 0.5)
        assert limiter.window == 4 and limiter.stats.rate_limited == 4
        assert limiter.room_wait(0) == pytest.approx(0.5)  # paused for the retry-after
        clock.now += 0.6
        for ticket in tickets[4:]:
            limiter.release(ticket)
        assert limiter.window == 8  # +1 per answer, capped at the ceiling
        limiter.rate_limited(await limiter.acquire(), None)
        assert limiter.window == 4 and limiter.room_wait(0) == pytest.approx(1.0)  # no retry-after: 1 s

    asyncio.run(run())


def test_before_any_answer_the_ramp_waits_for_the_last_request_to_reach_the_wire() -> None:
    clock = Clock()
    limiter = RateLimiter(100, clock=clock)

    async def run() -> None:
        burst = [await limiter.acquire() for _ in range(INITIAL_BURST)]
        for ticket in burst:
            limiter.sending(ticket)
        assert limiter.room_wait(0) == pytest.approx(RAMP_SECONDS)  # one more, a little after the last went out
        clock.now += 2 * RAMP_SECONDS
        ramped = await limiter.acquire()
        clock.now += 1.0  # a busy client: a second passes and the request is still not on the wire
        assert limiter.room_wait(0) is not None
        limiter.sending(ramped)
        assert limiter.room_wait(0) == pytest.approx(RAMP_SECONDS)
        clock.now += 2 * RAMP_SECONDS
        unsent = await limiter.acquire()
        clock.now += 1.0
        limiter.fail(unsent)  # it failed before reaching the wire: it does not hold the ramp
        assert limiter.room_wait(0) is None
        assert limiter.stats.sent == INITIAL_BURST + 1

    asyncio.run(run())


def test_a_429s_headers_stop_new_starts_before_its_error_is_read() -> None:
    clock = Clock()
    limiter = RateLimiter(100, clock=clock)

    async def run() -> None:
        ticket = await limiter.acquire()
        limiter.warned(0.4)  # the HTTP client's response hook, as the headers arrive
        assert limiter.room_wait(0) == pytest.approx(0.4)
        limiter.rate_limited(ticket, 0.4)  # then the SDK's error: counted once, the window halves once
        assert limiter.stats.rate_limited == 1 and limiter.window == 50
        clock.now += 0.4
        assert limiter.room_wait(0) is None

    asyncio.run(run())


def test_remaining_requests_pace_new_requests_and_count_the_ones_started_since() -> None:
    clock = Clock()
    limiter = RateLimiter(100, clock=clock)

    async def run() -> None:
        first = await limiter.acquire()
        await limiter.acquire()  # started after `first`: not in the server's count when it answered
        limiter.release(first, RateHeaders(limit_requests=600, remaining_requests=2))
        assert limiter.room_wait(0) is None  # 2 left, 1 started since: room for one more
        await limiter.acquire()
        wait = limiter.room_wait(0)  # 2 left, 2 started since: the next needs 0.1 s of refill (10/s)
        assert wait == pytest.approx(0.1)
        clock.now += 0.1
        assert limiter.room_wait(0) is None

    asyncio.run(run())


def test_remaining_tokens_hold_a_request_that_does_not_fit() -> None:
    clock = Clock()
    limiter = RateLimiter(100, clock=clock)

    async def run() -> None:
        ticket = await limiter.acquire(500)
        limiter.release(ticket, RateHeaders(remaining_tokens=800, reset_tokens=2.0))
        assert limiter.room_wait(500) is None
        second = await limiter.acquire(500)
        assert limiter.room_wait(500) == pytest.approx(0.25)  # a request in flight may bring news first
        limiter.fail(second)  # it may have been charged: still counted against the reading
        assert limiter.room_wait(500) == pytest.approx(2.0)  # nothing in flight: wait for the reset
        clock.now += 2.0
        assert limiter.room_wait(500) is None

    asyncio.run(run())


def _functions(n: int) -> str:
    return "\n\n".join(f"def step_{i}(frame, column='x'):\n    return frame[column] + {i}\n" for i in range(n))


def test_a_rate_limited_deployment_is_paced_not_failed(
        fake_openai: FakeOpenAI, azure_env: dict[str, str], tmp_path: Path) -> None:
    fake_openai.rate_limit(rpm=1200)  # 20 requests a second, a burst of 20
    fake_openai.latency = 0.05
    result = docgen_magic.document(_functions(60), use_cache=False, concurrency=20)
    assert result.ok and len(result.documented) == 60
    answered = [r for r in fake_openai.requests if r["status"] == 200]
    assert len(answered) == 60
    # Unpaced, 40 of the 60 are refused at once and each refused one is sent again after the same short pause;
    # paced by the headers, the run keeps to 20 a second.
    assert fake_openai.rate_limited <= 10, fake_openai.rate_limited
    span = answered[-1]["time"] - answered[0]["time"]
    assert span >= 1.5  # 40 beyond the burst at 20 a second


def test_429s_are_waited_out_by_the_limiter_not_retried_by_the_sdk(
        fake_openai: FakeOpenAI, azure_env: dict[str, str]) -> None:
    fake_openai.enqueue({"status": 429, "headers": {"retry-after-ms": "200"}}, "429", "429")
    result = docgen_magic.document(_functions(1), use_cache=False, max_retries=0)
    assert result.ok  # max_retries=0 would have failed on the first 429 if the SDK handled them
    assert [r["status"] for r in fake_openai.requests] == [429, 429, 429, 200]
    gaps = [b["time"] - a["time"] for a, b in itertools.pairwise(fake_openai.requests)]
    assert gaps[0] >= 0.2  # retry-after-ms honoured


def test_429s_without_end_fail_the_request_with_one_line(fake_openai: FakeOpenAI) -> None:
    from docgen_magic.core.errors import ProviderTransientError
    from docgen_magic.providers.chat import MAX_RATE_LIMIT_ROUNDS
    from tests.test_chat_provider import ask_error, azure

    fake_openai.enqueue(*["429"] * MAX_RATE_LIMIT_ROUNDS)
    error = ask_error(azure(fake_openai))
    assert str(error) == f"azure: rate limited (429) {MAX_RATE_LIMIT_ROUNDS} times in a row"
    assert isinstance(error, ProviderTransientError) and not error.fatal
    assert len(fake_openai.requests) == MAX_RATE_LIMIT_ROUNDS


def test_a_quota_429_asking_for_hours_fails_at_once(fake_openai: FakeOpenAI, azure_env: dict[str, str]) -> None:
    quota = {"status": 429, "headers": {"retry-after": "86400"}}
    fake_openai.enqueue(quota, quota)
    result = docgen_magic.document(_functions(2), use_cache=False)
    assert not result.ok
    assert all("asks to wait 86,400 s" in (t.error or "") for t in result.targets)
    assert len(fake_openai.requests) == 2  # not waited for, not sent again
    started = time.monotonic()
    assert docgen_magic.document(_functions(1), use_cache=False).ok  # the quota was lifted: the next run goes
    assert time.monotonic() - started < 5  # the deployment's limiter was not paused for the quota's hours


def test_the_ceiling_can_exceed_twenty(fake_openai: FakeOpenAI, azure_env: dict[str, str]) -> None:
    fake_openai.latency = 0.3
    result = docgen_magic.document(_functions(60), use_cache=False, concurrency=60)
    assert result.ok
    assert fake_openai.max_concurrent > 20


def test_a_per_minute_limit_is_paced_as_a_rate_not_a_burst() -> None:
    clock = Clock()
    limiter = RateLimiter(100, clock=clock)

    async def run() -> None:
        first = await limiter.acquire()
        # Azure's headers count the minute: 599 left. It enforces 10 a second: the run keeps to 9 in any second.
        limiter.release(first, RateHeaders(limit_requests=600, remaining_requests=599))
        for _ in range(8):
            assert limiter.room_wait(0) is None
            await limiter.acquire()
        assert limiter.room_wait(0) == pytest.approx(1.0)  # 9 started in this second
        clock.now += 0.5
        assert limiter.room_wait(0) == pytest.approx(0.5)
        clock.now += 0.5
        assert limiter.room_wait(0) is None

    asyncio.run(run())


def test_a_per_minute_token_limit_is_paced_as_a_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(100, clock=clock)

    async def run() -> None:
        first = await limiter.acquire(400)
        limiter.release(first, RateHeaders(limit_tokens=60_000, remaining_tokens=59_000))  # 1,000 a second
        assert limiter.room_wait(400) is None  # 400 + 400 of the 900 a second the run uses
        await limiter.acquire(400)
        assert limiter.room_wait(400) == pytest.approx(1.0)
        clock.now += 1.0
        assert limiter.room_wait(400) is None

    asyncio.run(run())


def test_answers_slowing_with_requests_in_flight_shrink_the_window_to_the_server() -> None:
    """A one-slot server: the k-th of n answers started together takes k times the first one's time."""
    clock = Clock()
    limiter = RateLimiter(100, clock=clock)

    async def run() -> None:
        tickets = [await limiter.acquire() for _ in range(8)]
        for ticket in tickets:
            clock.now += 2.0  # each answer takes 2 s of the server's one slot, 100 tokens
            limiter.release(ticket, completion_tokens=100)
        assert limiter.window <= 3  # about what the server serves at once, plus one
        # Without a queue (answers as fast as the fastest), the window grows back one by one.
        for _ in range(3):
            ticket = await limiter.acquire()
            clock.now += 2.0
            limiter.release(ticket, completion_tokens=100)
        assert limiter.window >= 4

    asyncio.run(run())


def test_latency_from_longer_answers_is_not_a_queue() -> None:
    clock = Clock()
    limiter = RateLimiter(100, clock=clock)

    async def run() -> None:
        tickets = [await limiter.acquire() for _ in range(4)]
        for tokens, ticket in zip((100, 200, 300, 400), tickets, strict=True):
            clock.now += 1.0  # 1 s a hundred tokens: time follows the answer's length, not the requests ahead
            limiter.release(ticket, completion_tokens=tokens)
        assert limiter.window == 100

    asyncio.run(run())


def test_short_answers_are_not_a_queue() -> None:
    """A cloud deployment: every answer takes about 0.5 s, however long; short ones are slower per token."""
    clock = Clock()
    limiter = RateLimiter(100, clock=clock)

    async def run() -> None:
        for _ in range(3):  # one cell after another, on the same deployment's limiter
            tickets = [await limiter.acquire() for _ in range(8)]
            clock.now += 0.5
            for tokens, ticket in zip((400, 350, 300, 60, 40, 250, 30, 20), tickets, strict=True):
                limiter.release(ticket, RateHeaders(limit_requests=60_000, remaining_requests=59_000),
                                completion_tokens=tokens)
            assert limiter.window == 100

    asyncio.run(run())


def test_a_server_that_became_slower_is_not_a_queue_once_an_answer_alone_shows_it() -> None:
    clock = Clock()
    limiter = RateLimiter(100, clock=clock)
    headers = RateHeaders(limit_requests=60_000, remaining_requests=59_000)

    async def batch(size: int, seconds: float, tokens: int = 100) -> None:
        tickets = [await limiter.acquire() for _ in range(size)]
        clock.now += seconds
        for ticket in tickets:
            limiter.release(ticket, headers, completion_tokens=tokens)

    async def run() -> None:
        await batch(4, 0.01)  # a fast server (or a test fake at 0 ms) ...
        await batch(1, 0.5)  # ... now 50 times slower, with nothing else in flight: its speed, not a queue
        await batch(8, 0.5)
        assert limiter.window == 100
        held = await limiter.acquire()  # in flight throughout: every answer below met another request
        clock.now += 400  # and what a server did minutes ago no longer counts
        await batch(8, 5.0)
        assert limiter.window == 100
        await batch(8, 12.0, tokens=0)  # answers of unknown length tell nothing about a queue
        assert limiter.window == 100
        limiter.release(held, headers, completion_tokens=100)

    asyncio.run(run())


def test_a_timed_out_request_keeps_its_place_until_the_server_answers_something() -> None:
    clock = Clock()
    limiter = RateLimiter(2, clock=clock)

    async def run() -> None:
        first, second = await limiter.acquire(), await limiter.acquire()
        limiter.timed_out(first)  # the server may still be working on it
        assert limiter.window == 1 and limiter.stats.timed_out == 1
        assert limiter.room_wait(0) is not None  # a retry would queue behind it
        limiter.release(second)
        assert limiter.last_answer == clock.now
        assert limiter.room_wait(0) is None  # the server moved on
        lone = RateLimiter(1, clock=clock)
        lone.timed_out(await lone.acquire())
        assert lone.room_wait(0) == pytest.approx(30.0)  # nothing answered: the place is freed after a while

    asyncio.run(run())


def test_a_one_slot_server_is_not_timed_out_while_it_works_through_its_queue(
        fake_openai: FakeOpenAI, azure_env: dict[str, str]) -> None:
    fake_openai.slots, fake_openai.latency = 1, 0.4  # 9 requests: the last answered after 3.6 s
    result = docgen_magic.document(_functions(9), use_cache=False, timeout=1.5)
    assert result.ok, [t.error for t in result.failed]
    assert len(fake_openai.requests) == 9  # no timeout, no retry queued behind an abandoned answer


def test_a_server_that_stops_answering_times_out_with_one_line(
        fake_openai: FakeOpenAI, azure_env: dict[str, str]) -> None:
    fake_openai.slots, fake_openai.slow_seconds = 1, 3.0
    fake_openai.enqueue("slow", "slow")
    result = docgen_magic.document(_functions(2), use_cache=False, timeout=0.4, max_retries=0)
    assert [t.error for t in result.targets] == ["azure: timed out after 0.4 s (after 0 retries)"] * 2


def test_a_local_server_gets_one_request_first_then_a_window_that_doubles() -> None:
    clock = Clock()
    limiter = RateLimiter(100, clock=clock)
    limiter.probe_first = True  # how long one answer takes is unknown: a burst would queue behind it

    async def run() -> None:
        probe = await limiter.acquire()
        assert limiter.room_wait(0) is not None  # nothing else before the probe's answer
        clock.now += 5.0
        limiter.release(probe, completion_tokens=100)
        assert limiter.window == 2
        pair = [await limiter.acquire(), await limiter.acquire()]
        assert limiter.room_wait(0) is not None
        for ticket in pair:  # a server with room for both: no queue, the window doubles per round trip
            limiter.release(ticket, completion_tokens=100)
        assert limiter.window == 4

    asyncio.run(run())
