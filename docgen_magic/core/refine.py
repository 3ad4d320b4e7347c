"""The generate → validate → refine loop for one target.

The provider writes prose; everything structural is checked against the facts. A wrong answer is asked
again with the exact problems, up to ``max_attempts`` times. Hallucinated names left at the last attempt
are dropped (never shipped); anything still missing fails the target with a one-line reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from docgen_magic.core.facts import Target
from docgen_magic.core.model import Docstring
from docgen_magic.core.usage import Usage
from docgen_magic.core.validate import Problem, conform, parse_arguments, validate
from docgen_magic.providers.base import GenerationRequest, Provider, ProviderError

logger = logging.getLogger(__name__)

# Problems that only name things the code does not have: conform() drops them, so a last answer that has
# nothing else wrong can still be shipped without them.
DROPPABLE = frozenset({"unknown-param", "unknown-raise", "unknown-attribute", "duplicate-param"})


@dataclass
class Abort:
    """Shared among a run's targets: once set, no further requests are made.

    Attributes:
        reason: Why the run stopped asking (a fatal provider error), or None.
    """

    reason: str | None = None


@dataclass
class TokenBudget:
    """An optional cap on total tokens; requests that would exceed it are not made.

    Attributes:
        limit: The most tokens the run may spend.
        used: Tokens spent so far (as the API reported them).
        reserved: Tokens reserved by requests in flight (estimates).
    """

    limit: int
    used: int = 0
    reserved: int = 0

    def try_reserve(self, estimate: int) -> bool:
        """Reserve room for one request, if the budget has it.

        Args:
            estimate: Estimated tokens of the request.

        Returns:
            True when reserved; False when the request would exceed the budget.
        """
        if self.used + self.reserved + estimate > self.limit:
            return False
        self.reserved += estimate
        return True

    def settle(self, estimate: int, actual: int) -> None:
        """Replace a reservation by the tokens actually spent.

        Args:
            estimate: The reserved estimate.
            actual: Tokens the API reported.
        """
        self.reserved -= estimate
        self.used += actual


@dataclass
class Generation:
    """The outcome of the loop for one target.

    Attributes:
        docstring: The validated, conformed docstring, or None on failure.
        attempts: Provider requests made for this target.
        usage: Requests and tokens spent.
        problems_fixed: Codes of problems seen in earlier attempts and fixed later.
        error: One-line reason of failure, or None.
    """

    docstring: Docstring | None = None
    attempts: int = 0
    usage: Usage = field(default_factory=Usage)
    problems_fixed: list[str] = field(default_factory=list)
    error: str | None = None


def estimate_tokens(target: Target, context: str, max_completion_tokens: int) -> int:
    """A rough pre-call estimate of one request's total tokens (the API's usage stays the truth).

    Args:
        target: The target asked about.
        context: The context sent with it.
        max_completion_tokens: The completion cap.

    Returns:
        About four characters a token for the prompt, plus a fixed instruction overhead, plus a quarter of
        the completion cap.
    """
    return (len(target.source) + len(context)) // 4 + 400 + max_completion_tokens // 4


def _summarise(problems: list[Problem]) -> str:
    if not problems:
        return "no attempt was allowed"
    first = problems[0].message.rstrip(".")
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{first}{more}"


async def generate_docstring(
    target: Target,
    provider: Provider,
    *,
    context: str = "",
    max_attempts: int = 3,
    strict: bool = True,
    abort: Abort | None = None,
    budget: TokenBudget | None = None,
    max_completion_tokens: int = 1024,
) -> Generation:
    """Ask the provider for a docstring until it is valid, or the attempts run out.

    Args:
        target: The target to document.
        provider: Where answers come from.
        context: Compact context from the rest of the cell.
        max_attempts: Requests allowed for this target.
        strict: Validate against the strict schema (every property present).
        abort: Shared stop flag; set here on a fatal provider error.
        budget: Optional token budget shared by the run.
        max_completion_tokens: The completion cap (for the budget estimate).

    Returns:
        The generation; ``error`` is set when no valid docstring was obtained.
    """
    abort = abort or Abort()
    result = Generation()
    previous: str | None = None
    problems: list[Problem] = []
    seen: list[str] = []
    for attempt in range(1, max_attempts + 1):
        if abort.reason:
            result.error = abort.reason
            return result
        estimate = estimate_tokens(target, context, max_completion_tokens)
        if budget is not None and not budget.try_reserve(estimate):
            result.error = (f"token budget of {budget.limit:,} reached ({budget.used:,} used); "
                            "not asked")
            return result
        request = GenerationRequest(target=target, context=context, attempt=attempt,
                                    previous_arguments=previous, problems=tuple(problems))
        try:
            reply = await provider.generate(request)
        except ProviderError as exc:
            if budget is not None:
                budget.settle(estimate, 0)
            if exc.fatal:
                abort.reason = str(exc)
            result.error = str(exc)
            return result
        except Exception:
            if budget is not None:
                budget.settle(estimate, 0)
            raise
        if budget is not None:
            budget.settle(estimate, reply.usage.total_tokens)
        result.attempts = attempt
        result.usage.add(reply.usage)
        data, problems = parse_arguments(reply.arguments, finish_reason=reply.finish_reason,
                                         content=reply.content)
        if data is not None and not problems:
            problems = validate(data, target, strict=strict)
        last = attempt == max_attempts
        if data is not None and (not problems or (last and all(p.code in DROPPABLE for p in problems))):
            if problems:
                logger.info("%s: dropped from the last answer: %s", target.qualname,
                            "; ".join(p.message for p in problems))
            result.docstring = conform(Docstring.from_dict(data), target)
            result.problems_fixed = list(dict.fromkeys(seen))
            return result
        logger.debug("%s: attempt %d has %d problem(s): %s", target.qualname, attempt, len(problems),
                     [p.code for p in problems])
        seen.extend(p.code for p in problems)
        previous = reply.arguments
    result.error = f"no valid docstring after {max_attempts} attempt(s): {_summarise(problems)}"
    return result
