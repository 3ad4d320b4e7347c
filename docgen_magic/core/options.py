"""The run options the core needs: how to document, how hard to try, how much to spend — never credentials.

The shells resolve settings (explicit > IPython config > environment > defaults) and hand the core only a
:class:`RunOptions`. Its defaults are the settings' defaults (the settings table reads them from here).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

# The ceiling of requests in flight: a cell of 100 functions runs in one wave. Below it the chat provider's
# rate limiter paces requests from the deployment's rate-limit headers and 429s.
DEFAULT_CONCURRENCY = 100

STYLES: tuple[str, ...] = ("google", "numpy", "sphinx")
"""The docstring styles, in the order they are offered."""

KERNEL_CONTEXT_MODES: tuple[str, ...] = ("off", "types", "schema")
"""What the ``kernel_context`` setting lets docgen use of a live kernel's objects: nothing; types, dtypes and
shapes; or also column names and record keys (the schema). Values never (see ``core.observed``)."""


@dataclass(frozen=True)
class RunOptions:
    """How one run documents its cells.

    Attributes:
        style: Docstring style: google, numpy or sphinx.
        width: Line width of rendered docstrings.
        overwrite: Replace existing docstrings.
        update: Fill the gaps of existing docstrings, keeping the author's text (``--update``).
        nested_functions: Also document functions nested inside functions.
        max_attempts: Model attempts per target (first answer plus refinements).
        strict: Validate answers against the strict schema (every property present).
        max_completion_tokens: Completion token cap per request (counted whole in the budget estimate).
        concurrency: The ceiling of requests in flight at once across the run (the rate limiter paces below it).
        token_budget: Stop before total tokens would exceed this; None for no budget.
    """

    style: str = "google"
    width: int = 88
    overwrite: bool = False
    update: bool = False
    nested_functions: bool = False
    max_attempts: int = 3
    strict: bool = True
    max_completion_tokens: int = 1024
    concurrency: int = DEFAULT_CONCURRENCY
    token_budget: int | None = None

    def with_changes(self, **changes: Any) -> RunOptions:
        """Return a copy with some options replaced.

        Args:
            **changes: Option names and their new values.

        Returns:
            The new options.
        """
        return replace(self, **changes)
