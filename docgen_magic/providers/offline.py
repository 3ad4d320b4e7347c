"""The embedded default provider: a docstring template built from the facts alone, with no model.

It answers through the same path as a model (JSON tool arguments, validated and conformed), so a template
is exactly as well-formed as a model's answer. Results built from it are marked as templates.
"""

from __future__ import annotations

import json
from typing import Any

from docgen_magic.core.drafts import draft
from docgen_magic.core.drafts import summary_for as summary_for
from docgen_magic.core.facts import Target
from docgen_magic.core.observed import Observation
from docgen_magic.core.ports import GenerationRequest, Reply
from docgen_magic.core.usage import Usage


def template(target: Target, observed: Observation | None = None) -> dict[str, Any]:
    """Return the docstring draft of a target, as tool arguments.

    Args:
        target: The target, with the facts read from its code.
        observed: What a live kernel saw it called with, or None.

    Returns:
        A dict matching the strict docstring schema.
    """
    return draft(target, observed).to_dict()


class OfflineProvider:
    """Templates from the facts of the code; no network, no credentials, no tokens.

    Attributes:
        name: Always ``offline``.
        model: Always None.
        is_template: Always True.
    """

    name = "offline"
    model: str | None = None
    is_template = True

    async def generate(self, request: GenerationRequest) -> Reply:
        """Build the template for one target.

        Args:
            request: The target and what the kernel saw it called with (context and refinement fields are
                ignored).

        Returns:
            A reply with the template as tool arguments and zero usage.
        """
        return Reply(arguments=json.dumps(template(request.target, request.observed)), usage=Usage())

    async def aclose(self) -> None:
        """Nothing to release."""

    def __repr__(self) -> str:
        """Return ``OfflineProvider()``.

        Returns:
            The representation.
        """
        return "OfflineProvider()"
