"""The port between the core and the providers: the provider protocol and the request and reply it exchanges.

The core owns these types; providers (offline, chat) implement :class:`Provider` and raise the provider
errors of :mod:`docgen_magic.core.errors`. Nothing here knows about HTTP, SDKs or settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol, runtime_checkable

from docgen_magic.core.errors import (
    ProviderAuthenticationError,
    ProviderConfigurationError,
    ProviderError,
    ProviderTransientError,
)
from docgen_magic.core.facts import Target
from docgen_magic.core.observed import Observation
from docgen_magic.core.prompt import build_messages
from docgen_magic.core.usage import Usage
from docgen_magic.core.validate import Problem

__all__ = [
    "GenerationRequest",
    "Provider",
    "ProviderAuthenticationError",
    "ProviderConfigurationError",
    "ProviderError",
    "ProviderTransientError",
    "Reply",
]


@dataclass(frozen=True)
class GenerationRequest:
    """What a provider is asked for: one docstring for one target.

    Attributes:
        target: The facts of the target.
        context: Compact context from the rest of the cell (imports, other signatures).
        attempt: 1 for the first request, 2+ for refinements.
        previous_arguments: The previous answer's raw tool arguments, when refining.
        problems: The problems found in the previous answer, when refining.
        missing: For ``--update``: the parts of the existing docstring to write (the rest is kept); empty
            when the whole docstring is asked for.
        observed: What a live kernel saw the target called with, or None (outside a kernel, or
            ``kernel_context=off``).
    """

    target: Target
    context: str = ""
    attempt: int = 1
    previous_arguments: str | None = None
    problems: tuple[Problem, ...] = ()
    missing: tuple[str, ...] = ()
    observed: Observation | None = None

    @cached_property
    def messages(self) -> list[dict[str, Any]]:
        """The chat messages the core's prompt writes for this request, built once and shared.

        The token budget measures them before the request and a chat provider sends them, so they are built
        a single time per request.

        Returns:
            Chat Completions messages.
        """
        return build_messages(self)


@dataclass(frozen=True)
class Reply:
    """One provider answer.

    Attributes:
        arguments: Raw JSON text of the forced tool call's arguments; None when there was no usable call.
        usage: Counters for this request (``requests == 1`` for a model call, zeros offline).
        prompt_chars: Characters of the prompt the provider sent (messages and tool definition); 0 when it
            sent none. The token budget learns its tokens-per-character rate from it.
        problem: Why the answer cannot be used as it is, when the provider knows before any parsing (cut off by
            the token limit, stopped by the content filter, prose instead of the tool call); None otherwise.
            ``arguments`` may come with it: a truncated answer's usable prefix, closed into one JSON object by
            the provider. The core then reads it as a candidate for salvage (the problem is still sent back).
    """

    arguments: str | None
    usage: Usage = field(default_factory=Usage)
    prompt_chars: int = 0
    problem: Problem | None = None


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
            ProviderError: The request failed for good (a subclass names the cause).
        """
        ...

    async def aclose(self) -> None:
        """Release network resources; safe to call twice."""
        ...
