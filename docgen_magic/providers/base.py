"""The small protocol every provider implements, and the request/reply types it exchanges."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from docgen_magic.core.facts import Target
from docgen_magic.core.usage import Usage
from docgen_magic.core.validate import Problem


@dataclass(frozen=True)
class GenerationRequest:
    """What a provider is asked for: one docstring for one target.

    Attributes:
        target: The facts of the target.
        context: Compact context from the rest of the cell (imports, other signatures).
        attempt: 1 for the first request, 2+ for refinements.
        previous_arguments: The previous answer's raw tool arguments, when refining.
        problems: The problems found in the previous answer, when refining.
    """

    target: Target
    context: str = ""
    attempt: int = 1
    previous_arguments: str | None = None
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class Reply:
    """One provider answer.

    Attributes:
        arguments: Raw JSON text of the forced tool call's arguments; None when there was no tool call.
        finish_reason: The API's finish reason (``stop``, ``tool_calls``, ``length``, ``content_filter``).
        content: Assistant text, when the model answered in prose instead of calling the tool.
        usage: Counters for this request (``requests == 1`` for a model call, zeros offline).
    """

    arguments: str | None
    finish_reason: str | None = None
    content: str | None = None
    usage: Usage = field(default_factory=Usage)


class ProviderError(Exception):
    """A request failed for good (authentication, bad request, retries exhausted, timeout).

    Attributes:
        fatal: True when every further request would fail the same way (bad key, bad endpoint), so the
            run should stop asking.
    """

    def __init__(self, message: str, *, fatal: bool = False) -> None:
        """Create the error.

        Args:
            message: One line naming the cause (never a secret).
            fatal: True when every further request would fail the same way.
        """
        super().__init__(message)
        self.fatal = fatal


@runtime_checkable
class Provider(Protocol):
    """A source of structured docstrings.

    Attributes:
        name: ``offline``, ``azure`` or ``openai``.
        model: The model or deployment name, or None offline.
        is_template: True when answers are templates built from the facts, not model prose.
    """

    name: str
    model: str | None
    is_template: bool

    async def generate(self, request: GenerationRequest) -> Reply:
        """Ask for one docstring.

        Args:
            request: The target and, when refining, the previous answer and its problems.

        Returns:
            The reply.

        Raises:
            ProviderError: The request failed for good.
        """
        ...

    async def aclose(self) -> None:
        """Release network resources; safe to call twice."""
        ...
