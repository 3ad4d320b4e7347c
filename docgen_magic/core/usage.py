"""Token and request accounting, as reported by the API."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass
class Usage:
    """Counters for requests and tokens; all zero offline.

    Attributes:
        requests: HTTP requests that reached the model (SDK retries not counted twice), rejected ones included.
        failed_requests: Of those, the requests the API answered with an error (e.g. 401), without tokens.
        prompt_tokens: Prompt tokens, as the API reported them.
        completion_tokens: Completion tokens, as the API reported them.
        total_tokens: Total tokens, as the API reported them.
        cached_tokens: Prompt tokens served from the provider's prompt cache.
        reasoning_tokens: Reasoning tokens inside the completion tokens.
        uncounted: Answered requests whose answer gave no token counts (some compatible servers stream without
            them): the token counters leave them out.
        cache_hits: Targets answered from the local cache.
        latency_s: Summed wall time of the requests, in seconds.
    """

    requests: int = 0
    failed_requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    uncounted: int = 0
    cache_hits: int = 0
    latency_s: float = 0.0

    def add(self, other: Usage) -> None:
        """Add another usage record into this one, in place.

        Args:
            other: The counters to add.
        """
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def __add__(self, other: Usage) -> Usage:
        """Return the sum of two usage records, as a new one."""
        total = Usage(**asdict(self))
        total.add(other)
        return total

    @property
    def tokens(self) -> int:
        """Prompt and completion tokens together, as counted."""
        return self.prompt_tokens + self.completion_tokens

    def tokens_text(self) -> str:
        """Return the tokens for people: ``1,234``; ``≥ 1,234`` or ``not counted`` when answers gave no counts.

        Returns:
            The count as the report's tokens column shows it.
        """
        if not self.uncounted:
            return f"{self.tokens:,}"
        return f"≥ {self.tokens:,}" if self.tokens else "not counted"

    def summary(self) -> str:
        """Return requests, tokens and local cache hits, for people.

        Returns:
            e.g. ``3 requests · 1,234 prompt (512 cached by the API) + 210 completion (9 reasoning) tokens ·
            1 from the local cache``; the parenthesised parts only when non-zero, and ``tokens (not counted
            for 2 answers)`` when some answers gave no counts.
        """
        prompt = f"{self.prompt_tokens:,} prompt" + (
            f" ({self.cached_tokens:,} cached by the API)" if self.cached_tokens else "")
        completion = f"{self.completion_tokens:,} completion" + (
            f" ({self.reasoning_tokens:,} reasoning)" if self.reasoning_tokens else "")
        failed = f" ({self.failed_requests} rejected by the API)" if self.failed_requests else ""
        requests = f"{self.requests} request{'s' if self.requests != 1 else ''}{failed}"
        uncounted = (f" (not counted for {self.uncounted} answer{'s' if self.uncounted != 1 else ''})"
                     if self.uncounted else "")
        return f"{requests} · {prompt} + {completion} tokens{uncounted} · {self.cache_hits} from the local cache"

    def to_dict(self) -> dict[str, int | float]:
        """Return the counters as a JSON-ready dict.

        Returns:
            A mapping from counter name to value.
        """
        return asdict(self)
