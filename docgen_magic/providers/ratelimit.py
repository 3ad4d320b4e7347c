"""Pacing of model requests: a concurrency window under a ceiling, read from the answers and their latency.

The window starts at the ceiling (``concurrency``), but before the server has said anything only
:data:`INITIAL_BURST` requests start at once, then one more :data:`RAMP_SECONDS` after the previous one went on
the wire (the HTTP client tells: on a busy machine our own sending slows, and the ramp with it, so a 429 still
comes back before many more are sent). A 429 stops new starts the moment its headers arrive; the first answers'
headers give the real room (an answer without any ends the ramp too: that server reports no limits). Then the
run follows the server's own signals:

- rate headers read as rates: a reported per-minute limit (``x-ratelimit-limit-requests`` / ``-tokens``) is
  paced as limit / 60 a second over short windows, as Azure OpenAI enforces it (over 1 s and 10 s windows,
  not over the minute the ``remaining`` headers count): a run never starts more than that in any
  :data:`RATE_WINDOW`-long stretch. The ``remaining`` and ``reset`` headers still bound the run where no
  limit is reported;
- every 429: nothing new starts before its ``retry-after-ms`` / ``retry-after`` has passed, and the window
  halves (at most once per pause: one burst of 429s is one signal);
- latency: an answer that took much longer than the quickest answer at least as long while more requests
  were in flight shows a queue at the server (llama.cpp, Ollama and LM Studio answer one or a few requests
  at a time): the window shrinks to what the server serves at once, plus one; a one-slot server ends with
  one or two requests in flight. An answer without a queue widens the window by one, back up to the ceiling;
- a server that cuts short the answer it is streaming when the next request arrives (llama-cpp-python's
  default) is sent one request at a time from then on (:meth:`RateLimiter.one_at_a_time`);
- a timeout: the request is abandoned, but the server may still be working on it, so its place stays taken
  until the server answers something else (or a while has passed), and the window halves; a retry never
  queues behind an answer nobody waits for.

The limiter belongs to a deployment (the limits are the deployment's), so concurrent runs share it. It also
tells when the server last answered (:attr:`RateLimiter.last_answer`): a request's timeout counts from the later
of its start and that answer, so a request waiting in the server's queue while the server keeps answering
others is not timed out (a timeout measures the answer, not the queue).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

_DURATION = re.compile(r"(?P<value>\d+(?:\.\d+)?)(?P<unit>ms|s|m|h)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
DEFAULT_RETRY_AFTER = 1.0
"""Seconds to pause after a 429 that names no retry-after."""
MAX_PAUSE = 120.0
"""The longest pause a 429 is waited out for; one asking longer (a daily quota) fails its request instead."""
_UNKNOWN_WAIT = 0.25
"""Seconds to wait for fresh headers when the room is used up and no reset time was reported."""
INITIAL_BURST = 8
"""Requests started at once before the server has said anything about its limits."""
RAMP_SECONDS = 0.002
"""Then one more this many seconds after the previous one went on the wire, until the first answer's headers or
429 give the real room (20 start within about 60 ms on a quiet machine)."""
RATE_WINDOW = 1.0
"""Seconds over which a reported per-minute limit is enforced (Azure OpenAI: 1 s and 10 s windows)."""
RATE_MARGIN = 0.9
"""Share of a reported rate the run uses: arrival times at the server jitter around the start times."""
QUEUE_TOLERANCE = 1.5
"""An answer slower than this many times the quickest answer at least as long shows a queue at the server."""
ANSWERS_KEPT = 256
"""Recent answers (length and time) kept to tell how long an answer takes without a queue."""
ANSWER_MEMORY = 300.0
"""Seconds an answer's time stays a reference: a server's speed changes (its load, its model, its machine)."""
GHOST_SECONDS = 30.0
"""How long a timed-out request's place stays taken when the server answers nothing else meanwhile."""


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
        sent: HTTP requests the client put on the wire (the SDK's own retries included).
        rate_limited: Answers that were 429s.
        timed_out: Requests abandoned after the timeout.
        waits: Times a request waited for room (pause, window, rate or reported remaining).
        peak_in_flight: Most requests in flight at once.
    """

    started: int = 0
    sent: int = 0
    rate_limited: int = 0
    timed_out: int = 0
    waits: int = 0
    peak_in_flight: int = 0


@dataclass(frozen=True)
class Ticket:
    """One started request, as the limiter counted it.

    Attributes:
        seq: Its number among the requests started (1-based).
        at: When it started (the limiter's clock).
        tokens_through: Estimated tokens of all requests started up to and including it.
        tokens: Its own estimated tokens.
        in_flight: Requests in flight when it started, itself included (the queue it could have met).
    """

    seq: int
    at: float
    tokens_through: int
    tokens: int = 0
    in_flight: int = 1


class RateLimiter:
    """Paces requests under a concurrency ceiling from rate headers, 429s and latency.

    A reading of the headers describes the allowance when its request was admitted: the requests started
    after that one are counted against it, and (when the per-minute limit is reported) the refill since the
    reading arrived (not since the request started: the client may have sent it late, and crediting that
    time would overrun the limit).

    Attributes:
        ceiling: The most requests in flight at once (the ``concurrency`` setting).
        probe_first: Send one request alone before any answer (a local server: how long one answer takes is
            unknown, and a burst would queue behind it); the window then grows by one per answer without a
            queue, doubling each round trip.
        one_slot: The server serves one request at a time and interrupts it for the next (learned): one in
            flight, whatever the ceiling.
        window: The current allowance of requests in flight (1 .. ceiling).
        in_flight: Requests started and not finished (timed-out ones whose place is still taken included).
        last_answer: When the server last answered (or streamed) anything (the limiter's clock), or None.
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
        self.last_answer: float | None = None
        self.stats = LimiterStats()
        self._clock = clock
        self._paused_until = 0.0
        self._last_decrease = -1.0
        self._reading: tuple[RateHeaders, Ticket] | None = None
        self._reading_at = 0.0
        self._last_sent = 0.0
        self._last_sent_seq = 0
        self._tokens_started = 0
        self._recent: deque[tuple[float, int]] = deque()  # (start time, tokens) within the last RATE_WINDOW
        self._answered = False
        self._answers: deque[tuple[float, int, float]] = deque(maxlen=ANSWERS_KEPT)  # (when, tokens, seconds)
        self._ghosts: list[float] = []  # until when each abandoned request's place stays taken
        self._changed: asyncio.Event | None = None
        self.probe_first = False
        self.one_slot = False

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
            Seconds to wait (for a pause to end, a reset, room in the rate, or an answer bringing fresh
            headers), or None when it may start now.
        """
        now = self._clock()
        if now < self._paused_until:
            return self._paused_until - now
        self._expire_ghosts(now)
        alone = self.one_slot or (self.probe_first and not self._answered)
        window = 1 if alone else max(1, int(self.window))
        if self.in_flight + len(self._ghosts) >= window:
            # an answer frees a place (and wakes the waiters); with none in flight, only a ghost's expiry can
            return _UNKNOWN_WAIT if self.in_flight else min(g - now for g in self._ghosts)
        if self._reading is None:
            if self.stats.started < INITIAL_BURST or self._answered:  # answered without rate headers: no ramp
                return None
            if self._last_sent_seq < self.stats.started:  # the last one is not on the wire yet
                return _UNKNOWN_WAIT
            since = now - self._last_sent
            return RAMP_SECONDS - since if since < RAMP_SECONDS else None
        seen, ticket = self._reading
        age = now - self._reading_at
        remaining = max(_shortfall(seen.remaining_requests, seen.limit_requests, seen.reset_requests, age,
                                   self.stats.started - ticket.seq + 1),
                        _shortfall(seen.remaining_tokens, seen.limit_tokens, seen.reset_tokens, age,
                                   self._tokens_started - ticket.tokens_through + tokens))
        if remaining > 0 and self.in_flight:
            remaining = min(remaining, _UNKNOWN_WAIT)  # a request in flight may bring fresh headers first
        wait = max(remaining, self._rate_wait(now, seen, tokens))
        return wait if wait > 0 else None

    def _rate_wait(self, now: float, seen: RateHeaders, tokens: int) -> float:
        """Seconds until a request fits the reported per-minute limits paced over :data:`RATE_WINDOW`."""
        while self._recent and self._recent[0][0] <= now - RATE_WINDOW:
            self._recent.popleft()
        wait = 0.0
        if seen.limit_requests:
            allowed = max(1, int(seen.limit_requests / 60 * RATE_WINDOW * RATE_MARGIN))
            if len(self._recent) >= allowed:
                wait = self._recent[len(self._recent) - allowed][0] + RATE_WINDOW - now
        if seen.limit_tokens and self._recent:
            allowed_tokens = seen.limit_tokens / 60 * RATE_WINDOW * RATE_MARGIN
            spent = sum(t for _, t in self._recent)
            for at, spent_then in self._recent:  # the oldest starts age out first
                if spent + tokens <= allowed_tokens:
                    break
                wait = max(wait, at + RATE_WINDOW - now)
                spent -= spent_then
        return wait

    def _expire_ghosts(self, now: float) -> None:
        if self._ghosts:
            self._ghosts = [g for g in self._ghosts if g > now]

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
            tokens: The request's estimated tokens (for the rate and remaining-tokens headers).

        Returns:
            The request's ticket, to hand back to :meth:`release`, :meth:`rate_limited`, :meth:`timed_out`
            or :meth:`fail`.
        """
        waited = False
        while (wait := self.room_wait(tokens)) is not None:
            waited = True
            await self._wait_for_change(wait)
        if waited:
            self.stats.waits += 1
        now = self._clock()
        self.in_flight += 1
        self.stats.started += 1
        self.stats.peak_in_flight = max(self.stats.peak_in_flight, self.in_flight + len(self._ghosts))
        self._tokens_started += tokens
        self._recent.append((now, tokens))
        return Ticket(self.stats.started, now, self._tokens_started, tokens, self.in_flight + len(self._ghosts))

    def release(self, ticket: Ticket, headers: RateHeaders | None = None, completion_tokens: int = 0) -> None:
        """Record an answer (not a 429): learn from its headers and its latency, adjust the window.

        Args:
            ticket: The request's ticket.
            headers: The answer's rate-limit headers, or None.
            completion_tokens: Tokens the answer was (0 when unknown: its latency then tells nothing): its time is
                compared with answers at least as long, since a long answer takes longer without any queue.
        """
        self._gone(ticket)
        now = self._clock()
        self.in_flight = max(0, self.in_flight - 1)
        self.last_answer = now
        if self._ghosts:  # the server moved on: the oldest abandoned request is likely done
            self._ghosts.pop(0)
        self._learn(headers, ticket)
        tokens, seconds = completion_tokens, now - ticket.at
        expected = self._unqueued_seconds(tokens, now) if tokens > 0 else None
        if not self._answered and self.probe_first:  # the probe answered: grow from there (doubling)
            self.window = min(self.window, 1.0)
        self._answered = True
        if ticket.in_flight == 1 and expected is not None and seconds > QUEUE_TOLERANCE * expected:
            self._answers.clear()  # alone, so no queue of ours, and slower: the server itself is slower now
        if tokens > 0:
            self._answers.append((now, tokens, seconds))
        if self.one_slot:
            self.window = 1.0
        elif expected is not None and seconds > QUEUE_TOLERANCE * expected and ticket.in_flight > 1:
            served = ticket.in_flight * expected / seconds  # what the server serves at once (Little's law)
            if served + 1 < self.window:
                self.window = max(1.0, self.window / 2, served + 1)
        else:
            self.window = min(float(self.ceiling), self.window + 1.0)
        self._notify()

    def _unqueued_seconds(self, tokens: int, now: float) -> float | None:
        """How long an answer of ``tokens`` takes without a queue, as far as the recent answers tell.

        The quickest answer at least as long (a longer answer never takes less time unless it met no queue);
        for the longest answer yet, the fastest pace per token times its length. Per token alone would not
        do: an answer's time has a fixed part, so a short answer (a class's summary) is slower per token than
        a long one without any queue. Answers older than :data:`ANSWER_MEMORY` no longer count.
        """
        while self._answers and self._answers[0][0] < now - ANSWER_MEMORY:
            self._answers.popleft()
        if not self._answers:
            return None
        longer = [seconds for _, count, seconds in self._answers if count >= tokens]
        if longer:
            return min(longer)
        return min(seconds / count for _, count, seconds in self._answers) * tokens

    def one_at_a_time(self) -> None:
        """Keep to one request in flight from now on (a server that interrupts an answer for the next one)."""
        self.one_slot = True
        self.window = 1.0
        self._notify()

    def heard(self) -> None:
        """Record a sign of life from the server (a streamed piece of an answer): timeouts count from it."""
        self.last_answer = self._clock()

    def fail(self, ticket: Ticket) -> None:
        """Record a request that got no answer (a transport failure): free its place, learn nothing.

        Args:
            ticket: The request's ticket.
        """
        self._gone(ticket)
        self.in_flight = max(0, self.in_flight - 1)
        self._notify()

    def timed_out(self, ticket: Ticket) -> None:
        """Record a request abandoned after the timeout: its place stays taken a while, the window halves.

        The server may still be working on it (few servers stop when the client goes away): a retry sent at
        once would queue behind it.

        Args:
            ticket: The request's ticket.
        """
        self._gone(ticket)
        now = self._clock()
        self.in_flight = max(0, self.in_flight - 1)
        self.stats.timed_out += 1
        self._ghosts.append(now + GHOST_SECONDS)
        self.window = max(1.0, self.window / 2)
        self._notify()

    def sending(self, ticket: Ticket) -> None:
        """Record that a request's headers have gone on the wire (the HTTP client's trace tells).

        Args:
            ticket: The request's ticket.
        """
        self.stats.sent += 1
        self._gone(ticket, self._clock())
        self._notify()

    def _gone(self, ticket: Ticket, at: float | None = None) -> None:
        """Count ``ticket`` as past the opening's gate: sent ``at``, or finished (sent when it started, if ever)."""
        if ticket.seq > self._last_sent_seq:
            self._last_sent_seq, self._last_sent = ticket.seq, ticket.at if at is None else at

    def warned(self, retry_after: float | None) -> None:
        """Stop new starts the moment a 429's headers arrive (its accounting follows in :meth:`rate_limited`).

        Args:
            retry_after: Seconds the server asked to wait, or None.
        """
        self._pause(self._clock(), retry_after)

    def _pause(self, now: float, retry_after: float | None) -> None:
        """Hold new starts for a 429's pause; not for a quota's hours (its request fails, the next run asks anew)."""
        pause = retry_after if retry_after is not None else DEFAULT_RETRY_AFTER
        if pause <= MAX_PAUSE:
            self._paused_until = max(self._paused_until, now + pause)

    def rate_limited(self, ticket: Ticket, retry_after: float | None, headers: RateHeaders | None = None) -> None:
        """Record a 429: pause new requests, halve the window once per pause.

        Args:
            ticket: The request's ticket.
            retry_after: Seconds the server asked to wait, or None.
            headers: The 429's rate-limit headers, or None.
        """
        self._gone(ticket)
        now = self._clock()
        self.in_flight = max(0, self.in_flight - 1)
        self.last_answer = now
        self.stats.rate_limited += 1
        if now >= self._last_decrease:
            self.window = max(1.0, self.window / 2)
        self._pause(now, retry_after)
        self._last_decrease = self._paused_until
        self._learn(headers, ticket)
        self._notify()
