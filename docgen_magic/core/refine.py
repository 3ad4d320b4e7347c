"""The generate → validate → refine loop for one target.

The provider writes prose; everything structural is checked against the facts. A wrong answer is asked
again with the exact problems, up to ``max_attempts`` times. When none passes, the best answer is kept and
completed from the code (:mod:`~docgen_magic.core.salvage`): hallucinated names are dropped (never shipped),
missing or wrong parts are written from the code with a note. A target fails, with a one-line reason, only
when no answer was usable and the code alone cannot describe it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from docgen_magic.core.errors import ProviderError
from docgen_magic.core.facts import Target
from docgen_magic.core.model import Docstring
from docgen_magic.core.observed import Observation
from docgen_magic.core.options import RunOptions
from docgen_magic.core.ports import GenerationRequest, Provider, Reply
from docgen_magic.core.prompt import complete_answer, prompt_chars
from docgen_magic.core.result import FROM_CODE, FROM_MODEL, FROM_TEMPLATE, SALVAGED
from docgen_magic.core.salvage import Candidate, candidate, from_code, salvage
from docgen_magic.core.usage import Usage
from docgen_magic.core.validate import Problem, conform, parse_arguments, validate

logger = logging.getLogger(__name__)


# Tokens a chat request adds around its messages (roles, separators, the tool wrapper), per request.
_MESSAGE_OVERHEAD = 32


@dataclass
class Abort:
    """Shared among a run's targets: once set, no further requests are made.

    Attributes:
        reason: Why the run stopped asking (a fatal provider error), or None.
    """

    reason: str | None = None


@dataclass
class TokenBudget:
    """An optional cap on total tokens; requests that could exceed it are not made.

    A request is made only when the tokens already spent, the reservations of the requests in flight and
    this request's estimate all fit under the limit. The estimate is meant to be an upper bound: the full
    completion cap (which the API enforces) plus the prompt's characters at a tokens-per-character rate
    that starts cautious (one token per three characters) and follows the highest rate the API reported.

    Attributes:
        limit: The most tokens the run may spend.
        used: Tokens spent so far (as the API reported them).
        reserved: Tokens reserved by requests in flight (estimates).
        tokens_per_char: Prompt tokens per character of prompt text used for estimates.
    """

    limit: int
    used: int = 0
    reserved: int = 0
    tokens_per_char: float = 1 / 3
    _observed: float = field(default=0.0, repr=False)

    def estimate(self, request: GenerationRequest, max_completion_tokens: int) -> int:
        """Estimate the most tokens one request can spend.

        Args:
            request: The request about to be made (its messages, built once per request, and the tool are
                measured).
            max_completion_tokens: The completion cap sent with it.

        Returns:
            The prompt estimate plus the whole completion cap.
        """
        return math.ceil(prompt_chars(request) * self.tokens_per_char) + _MESSAGE_OVERHEAD + max_completion_tokens

    def try_reserve(self, estimate: int) -> bool:
        """Reserve room for one request, if the budget has it.

        Args:
            estimate: Estimated tokens of the request.

        Returns:
            True when reserved; False when the request could exceed the budget.
        """
        if self.used + self.reserved + estimate > self.limit:
            return False
        self.reserved += estimate
        return True

    def settle(self, estimate: int, actual: int, *, prompt_tokens: int = 0, chars: int = 0) -> None:
        """Replace a reservation by the tokens actually spent, and learn the prompt's token rate.

        Args:
            estimate: The reserved estimate.
            actual: Tokens the API reported.
            prompt_tokens: Prompt tokens the API reported (0 when unknown).
            chars: Characters of the prompt that was sent (0 when unknown).
        """
        self.reserved -= estimate
        self.used += actual
        if prompt_tokens > 0 and chars > 0:
            self._observed = max(self._observed, prompt_tokens / chars)
            self.tokens_per_char = self._observed * 1.1

    def refusal(self) -> str:
        """Return the one-line reason given to a target that was not asked.

        Returns:
            The message, naming the limit, the tokens spent and those reserved by requests in flight.
        """
        flight = f", {self.reserved:,} reserved by requests in flight" if self.reserved else ""
        return f"token budget of {self.limit:,} reached ({self.used:,} used{flight}); not asked"


@dataclass
class Generation:
    """The outcome of the loop for one target.

    Attributes:
        docstring: The validated, conformed docstring, or None on failure.
        attempts: Provider requests made for this target.
        usage: Requests and tokens spent.
        problems_fixed: Codes of problems seen in earlier attempts and fixed later.
        error: One-line reason of failure, or None.
        notes: Parts of the docstring written from the code because the answers kept getting them wrong.
        origin: Where the docstring came from (``model``, ``template``, ``salvaged``, ``code``; see
            :mod:`~docgen_magic.core.result`); empty on failure.
    """

    docstring: Docstring | None = None
    attempts: int = 0
    usage: Usage = field(default_factory=Usage)
    problems_fixed: list[str] = field(default_factory=list)
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    origin: str = ""


def _summarise(problems: list[Problem] | tuple[Problem, ...]) -> str:
    if not problems:
        return "no attempt was allowed"
    first = problems[0].message.rstrip(".")
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{first}{more}"


def _read(reply: Reply, target: Target, *, strict: bool, template: bool) -> tuple[Any, list[Problem]]:
    """Decode and validate a reply; a problem the provider reported comes first.

    The arguments sent along with such a problem (a truncated answer's usable prefix) are still read, as a
    candidate for salvage.
    """
    if reply.arguments is None:
        return None, [reply.problem] if reply.problem is not None else parse_arguments(None)[1]
    data, problems = parse_arguments(reply.arguments)
    if data is not None:
        data = complete_answer(data, target)  # what the target's tool did not offer: sections empty, types null
        problems = validate(data, target, strict=strict, check_schema=not template)
    if reply.problem is not None:
        problems = [reply.problem, *(problems if data is not None else [])]
    return data, problems


async def generate_docstring(
    target: Target,
    provider: Provider,
    *,
    context: str = "",
    options: RunOptions | None = None,
    abort: Abort | None = None,
    budget: TokenBudget | None = None,
    on_retry: Callable[[int], None] | None = None,
    missing: tuple[str, ...] = (),
    observed: Observation | None = None,
) -> Generation:
    """Ask the provider for a docstring until it is valid, or the attempts run out; then salvage.

    When no answer passes, the best one is completed from the code (:mod:`~docgen_magic.core.salvage`), or,
    with no usable answer at all, the code's own draft is used when it needs no placeholder.

    Args:
        target: The target to document.
        provider: Where answers come from.
        context: Compact context from the rest of the cell.
        options: The run options (``max_attempts``, ``strict``, ``max_completion_tokens`` are used);
            defaults when None.
        abort: Shared stop flag; set here on a fatal provider error.
        budget: Optional token budget shared by the run.
        on_retry: Called with the attempt number before each re-ask (attempt 2 and later).
        missing: For ``--update``: the parts of the existing docstring the answer is used for.
        observed: What a live kernel saw the target called with, or None.

    Returns:
        The generation; ``error`` is set when no docstring could be obtained nor written from the code.

    Raises:
        Exception: Whatever the provider raises besides :class:`ProviderError` (a bug), after the budget's
            reservation is released.
    """
    options = options or RunOptions()
    abort = abort or Abort()
    result = Generation()
    previous: str | None = None
    problems: list[Problem] = []
    seen: list[str] = []
    best: Candidate | None = None
    for attempt in range(1, options.max_attempts + 1):
        if abort.reason:
            result.error = abort.reason
            break
        if attempt > 1 and on_retry is not None:
            on_retry(attempt)
        request = GenerationRequest(target=target, context=context, attempt=attempt,
                                    previous_arguments=previous, problems=tuple(problems), missing=missing,
                                    observed=observed)
        estimate = budget.estimate(request, options.max_completion_tokens) if budget is not None else 0
        if budget is not None and not budget.try_reserve(estimate):
            result.error = budget.refusal()
            break
        try:
            reply = await provider.generate(request)
        except ProviderError as exc:
            if budget is not None:
                budget.settle(estimate, 0)
            if exc.status is not None:  # the API answered, with an error: a request, though without tokens
                result.usage.add(Usage(requests=1, failed_requests=1))
            if exc.fatal:
                abort.reason = str(exc)
            result.error = str(exc)
            break
        except Exception:
            if budget is not None:
                budget.settle(estimate, 0)
            raise
        if budget is not None:
            budget.settle(estimate, reply.usage.total_tokens, prompt_tokens=reply.usage.prompt_tokens,
                          chars=reply.prompt_chars)
        result.attempts = attempt
        result.usage.add(reply.usage)
        data, problems = _read(reply, target, strict=options.strict, template=provider.is_template)
        if data is not None and not problems:
            result.docstring = conform(Docstring.from_dict(data), target)
            result.problems_fixed = list(dict.fromkeys(seen))
            result.origin = FROM_TEMPLATE if provider.is_template else FROM_MODEL
            return result
        logger.info("%s: answer %d of %d has %d problem(s): %s", target.qualname, attempt, options.max_attempts,
                    len(problems), " ".join(p.message for p in problems))
        seen.extend(p.code for p in problems)
        found = candidate(data, problems, target, attempt)
        best = found if best is None or found.score > best.score else best
        previous = reply.arguments
    return _salvaged(result, best, target, seen, abort, observed)


def _salvaged(result: Generation, best: Candidate | None, target: Target, seen: list[str],
              abort: Abort, observed: Observation | None = None) -> Generation:
    """Finish a target no answer of which passed: keep the best answer, or write it from the code, or fail."""
    tried = f"{result.attempts} attempt(s)"
    stopped = f"; then {result.error}" if result.error else ""
    if best is not None and best.usable:
        result.docstring, written, cleaned = salvage(best, target)
        kept = [f"the answer of attempt {best.attempt} kept"] if best.attempt != result.attempts else []
        if written:
            why = [f"the model's answers disagreed with it {result.attempts} time(s)", *kept]
            result.notes.append(f"{', '.join(written)} written from the code ({'; '.join(why)}{stopped})")
        elif kept or stopped:
            result.notes.append(f"the answer of attempt {best.attempt} kept, the best of {tried}{stopped}")
        if cleaned:
            result.notes.append(f"markup removed from the {', '.join(cleaned)}")
        logger.info("%s: salvaged from attempt %d of %d: %s", target.qualname, best.attempt, result.attempts,
                    "; ".join(p.message for p in best.problems))
        result.problems_fixed, result.error, result.origin = list(dict.fromkeys(seen)), None, SALVAGED
        return result
    if not result.attempts or abort.reason:  # no answer came, or the run stopped: nothing to salvage
        result.error = result.error or f"no valid docstring after {tried}: {_summarise([])}"
        return result
    last = best.problems if best is not None else ()
    draft, unknown = from_code(target, observed)
    if draft is None:
        result.error = (f"no usable answer in {tried} ({_summarise(last)}{stopped}), and the code alone cannot "
                        f"describe {', '.join(unknown)}")
        return result
    result.docstring, result.error, result.origin = draft, None, FROM_CODE
    result.notes.append(f"written from the code: no usable answer in {tried} ({_summarise(last)}{stopped})")
    result.problems_fixed = list(dict.fromkeys(seen))
    return result
