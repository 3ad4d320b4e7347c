"""Rate-limit-aware pacing of model requests: a concurrency window under a ceiling, read from the answers.

The window starts at the ceiling (``concurrency``), but before the deployment has said anything about its
limits only 20 requests start at once and one more every 2 ms (a 429 or the first headers come back long
before a whole burst of 100 would be sent); then the run follows the deployment's own signals:

- every answer's ``x-ratelimit-remaining-requests`` / ``-tokens`` headers: a request starts only while the
  last reported remaining requests and tokens, minus what was started since, leave room for it (so a run
  paces itself at the limit instead of bursting into it); when the room is used up, requests wait for the
  reported reset time (``x-ratelimit-reset-requests`` / ``-tokens``) or for the next answer;
- every 429: nothing new starts before its ``retry-after-ms`` / ``retry-after`` has passed, and the window
  halves (at most once per pause: one burst of 429s is one signal);
- every answer without a 429: the window grows by one, back up to the ceiling (additive increase).

The limiter belongs to a provider (the limits are the deployment's), so concurrent runs share it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

_DURATION = re.compile(r"(?P<value>\d+(?:\.\d+)?)(?P<unit>ms|s|m|h)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
DEFAULT_RETRY_AFTER = 1.0
"""Seconds to pause after a 429 that names no retry-after."""
_UNKNOWN_WAIT = 0.25
"""Seconds to wait for fresh headers when the room is used up and no reset time was reported."""
INITIAL_BURST = 20
"""Requests started at once before the deployment has said anything about its limits."""
RAMP_SECONDS = 0.002
"""Then one more every this many seconds, until the first answer's headers or 429 give the real room."""


def parse_duration(text: str | None) -> float | None:
    """Read a reset duration as the APIs write it: ``6ms``, ``1s``, ``1m30.5s``, or plain seconds.

    Args:
        text: The header value, or None.

    Returns:
        Seconds, or None when absent or unreadable.
    """
    if not text:
        return None
    text = text.strip()
    try:
        return max(float(text), 0.0)
    except ValueError:
        pass
    parts = _DURATION.findall(text)
    if not parts or "".join(v + u for v, u in parts) != text:
        return None
    return sum(float(value) * _UNIT_SECONDS[unit] for value, unit in parts)


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Read the pause a 429 asks for: ``retry-after-ms`` first, then ``retry-after`` (seconds).

    Args:
        headers: Response headers (lower-case names).

    Returns:
        Seconds, or None when neither header is usable.
    """
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) * scale
        except ValueError:
            continue
        if seconds >= 0:
            return seconds
    return None


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class RateHeaders:
    """What one answer said about the deployment's limits (None where it said nothing).

    Attributes:
        limit_requests: Requests allowed per minute.
        limit_tokens: Tokens allowed per minute.
        remaining_requests: Requests left in the current window.
        remaining_tokens: Tokens left in the current window.
        reset_requests: Seconds until the request allowance is refilled.
        reset_tokens: Seconds until the token allowance is refilled.
    """

    limit_requests: int | None = None
    limit_tokens: int | None = None
    remaining_requests: int | None = None
    remaining_tokens: int | None = None
    reset_requests: float | None = None
    reset_tokens: float | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateHeaders | None:
        """Read the ``x-ratelimit-*`` headers of Azure OpenAI and OpenAI.

        Args:
            headers: Response headers (lower-case names).

        Returns:
            The reading, or None when the answer carried none of them.
        """
        found = cls(limit_requests=_int(headers.get("x-ratelimit-limit-requests")),
                    limit_tokens=_int(headers.get("x-ratelimit-limit-tokens")),
                    remaining_requests=_int(headers.get("x-ratelimit-remaining-requests")),
                    remaining_tokens=_int(headers.get("x-ratelimit-remaining-tokens")),
                    reset_requests=parse_duration(headers.get("x-ratelimit-reset-requests")),
                    reset_tokens=parse_duration(headers.get("x-ratelimit-reset-tokens")))
        return None if found == cls() else found


def _shortfall(remaining: int | None, per_minute: int | None, reset: float | None, age: float,
               wanted: int) -> float:
    """Seconds until ``wanted`` units (those started since the reading included) fit the allowance.

    The allowance refills continuously at ``per_minute`` / 60 a second when the limit is reported; else it
    is taken to be back whole once the reported reset time has passed.
    """
    if remaining is None or wanted <= 0:
        return 0.0
    if per_minute:
        missing = wanted - (remaining + age * per_minute / 60)
        return missing / (per_minute / 60) if missing > 1e-9 else 0.0
    if remaining >= wanted:
        return 0.0
    return (reset if reset is not None else _UNKNOWN_WAIT) - age


@dataclass
class LimiterStats:
    """Counters of a limiter, for benchmarks and ``-v`` output.

    Attributes:
        started: Requests started.
        rate_limited: Answers that were 429s.
        waits: Times a request waited for room (pause, window or reported remaining).
        peak_in_flight: Most requests in flight at once.
    """

    started: int = 0
    rate_limited: int = 0
    waits: int = 0
    peak_in_flight: int = 0


@dataclass(frozen=True)
class Ticket:
    """One started request, as the limiter counted it.

    Attributes:
        seq: Its number among the requests started (1-based).
        at: When it started (the limiter's clock).
        tokens_through: Estimated tokens of all requests started up to and including it.
    """

    seq: int
    at: float
    tokens_through: int


class RateLimiter:
    """Paces requests under a concurrency ceiling from rate-limit headers and 429s (AIMD).

    A reading of the headers describes the allowance when its request was admitted: the requests started
    after that one are counted against it, and (when the per-minute limit is reported) the refill since the
    reading arrived (not since the request started: the client may have sent it late, and crediting that
    time would overrun the limit).

    Attributes:
        ceiling: The most requests in flight at once (the ``concurrency`` setting).
        window: The current allowance of requests in flight (1 .. ceiling).
        in_flight: Requests started and not finished.
        stats: Counters.
    """

    def __init__(self, ceiling: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        """Create a limiter whose window starts at the ceiling.

        Args:
            ceiling: The most requests in flight at once (at least 1).
            clock: Monotonic seconds (tests may pass their own).
        """
        self.ceiling = max(1, int(ceiling))
        self.window = float(self.ceiling)
        self.in_flight = 0
        self.stats = LimiterStats()
        self._clock = clock
        self._paused_until = 0.0
        self._last_decrease = -1.0
        self._reading: tuple[RateHeaders, Ticket] | None = None
        self._reading_at = 0.0
        self._last_start = 0.0
        self._tokens_started = 0
        self._changed: asyncio.Event | None = None

    def __repr__(self) -> str:
        """Show the window and the ceiling.

        Returns:
            The representation.
        """
        return f"RateLimiter(window={self.window:.1f}, ceiling={self.ceiling}, in_flight={self.in_flight})"

    def room_wait(self, tokens: int) -> float | None:
        """Tell how long a request of ``tokens`` must wait before it may start (the limiter's one decision).

        Args:
            tokens: The request's estimated tokens (prompt and completion).

        Returns:
            Seconds to wait (for a pause to end, a reset, or an answer bringing fresh headers), or None when
            it may start now.
        """
        now = self._clock()
        if now < self._paused_until:
            return self._paused_until - now
        if self.in_flight >= max(1, int(self.window)):
            return _UNKNOWN_WAIT
        if self._reading is None:
            if self.stats.started < INITIAL_BURST:
                return None
            since = now - self._last_start
            return RAMP_SECONDS - since if since < RAMP_SECONDS else None
        seen, ticket = self._reading
        age = now - self._reading_at
        waits = [_shortfall(seen.remaining_requests, seen.limit_requests, seen.reset_requests, age,
                            self.stats.started - ticket.seq + 1),
                 _shortfall(seen.remaining_tokens, seen.limit_tokens, seen.reset_tokens, age,
                            self._tokens_started - ticket.tokens_through + tokens)]
        wait = max(waits)
        if wait <= 0:
            return None
        return min(wait, _UNKNOWN_WAIT) if self.in_flight else wait

    async def _wait_for_change(self, seconds: float) -> None:
        if self._changed is None:
            self._changed = asyncio.Event()
        event = self._changed
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=max(seconds, 0.001))

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    def _learn(self, headers: RateHeaders | None, ticket: Ticket) -> None:
        if headers is not None and (self._reading is None or ticket.seq > self._reading[1].seq):
            self._reading, self._reading_at = (headers, ticket), self._clock()

    async def acquire(self, tokens: int = 0) -> Ticket:
        """Wait until a request of about ``tokens`` prompt + completion tokens may start, and count it.

        Args:
            tokens: The request's estimated tokens (for the remaining-tokens header).

        Returns:
            The request's ticket, to hand back to :meth:`release`, :meth:`rate_limited` or :meth:`fail`.
        """
        waited = False
        while (wait := self.room_wait(tokens)) is not None:
            waited = True
            await self._wait_for_change(wait)
        if waited:
            self.stats.waits += 1
        self._last_start = self._clock()
        self.in_flight += 1
        self.stats.started += 1
        self.stats.peak_in_flight = max(self.stats.peak_in_flight, self.in_flight)
        self._tokens_started += tokens
        return Ticket(self.stats.started, self._clock(), self._tokens_started)

    def release(self, ticket: Ticket, headers: RateHeaders | None = None) -> None:
        """Record an answer (not a 429): learn from its headers, widen the window.

        Args:
            ticket: The request's ticket.
            headers: The answer's rate-limit headers, or None.
        """
        self.in_flight = max(0, self.in_flight - 1)
        self._learn(headers, ticket)
        self.window = min(float(self.ceiling), self.window + 1.0)
        self._notify()

    def fail(self, ticket: Ticket) -> None:
        """Record a request that got no answer (a transport failure): free its place, learn nothing.

        Args:
            ticket: The request's ticket.
        """
        self.in_flight = max(0, self.in_flight - 1)
        self._notify()

    def rate_limited(self, ticket: Ticket, retry_after: float | None, headers: RateHeaders | None = None) -> None:
        """Record a 429: pause new requests, halve the window once per pause.

        Args:
            ticket: The request's ticket.
            retry_after: Seconds the server asked to wait, or None.
            headers: The 429's rate-limit headers, or None.
        """
        now = self._clock()
        self.in_flight = max(0, self.in_flight - 1)
        self.stats.rate_limited += 1
        if now >= self._last_decrease:
            self.window = max(1.0, self.window / 2)
        pause = retry_after if retry_after is not None else DEFAULT_RETRY_AFTER
        self._paused_until = max(self._paused_until, now + pause)
        self._last_decrease = self._paused_until
        self._learn(headers, ticket)
        self._notify()
