"""The outcome of documenting one cell: the code, per-target outcomes and usage."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from docgen_magic.core.cell import split_lines
from docgen_magic.core.model import Docstring
from docgen_magic.core.splice import LineEdit
from docgen_magic.core.update import Changes
from docgen_magic.core.usage import Usage

DOCUMENTED = "documented"
SKIPPED = "skipped"
FAILED = "failed"

FROM_MODEL = "model"
"""Origin of a docstring: a model's answer passed validation as it was."""
SALVAGED = "salvaged"
"""Origin of a docstring: no answer passed; the best one was kept and completed from the code."""
FROM_CODE = "code"
"""Origin of a docstring: no answer was usable; the code's own draft was used."""
FROM_TEMPLATE = "template"
"""Origin of a docstring: the offline provider's draft (no model configured)."""
FROM_CACHE = "cache"
"""Origin of a docstring: the local cache."""


@dataclass
class TargetOutcome:
    """What happened to one target.

    Attributes:
        name: Qualified name, e.g. ``Model.fit``.
        kind: function, method, classmethod, staticmethod, property or class.
        status: documented, skipped or failed.
        lineno: Line of the ``def`` / ``class`` in the cell.
        attempts: Provider attempts made (0 when cached or skipped).
        cached: True when the docstring came from the local cache.
        error: Why it failed (one line), or None.
        reason: Why it was skipped, or None.
        problems_fixed: Problem codes found in earlier attempts and fixed by refinement.
        usage: Requests and tokens spent on this target.
        elapsed_s: Wall time spent on this target.
        docstring: The validated structured docstring, when documented.
        edit: This target's own edit of the original lines, when documented (per-function review).
        notes: Remarks on a documented target, e.g. parts written from the code because the model kept
            disagreeing with it, or what ``--update`` changed.
        changes: For ``--update``: what was inserted and which entries are stale; None otherwise.
        kernel: What was taken from the live kernel for this target, one line per parameter or global
            (types and columns seen, descriptions inherited, annotations that disagree); empty outside a kernel.
        origin: Where a documented target's docstring came from: ``model``, ``salvaged``, ``code``,
            ``template`` or ``cache``; empty when none was obtained.
    """

    name: str
    kind: str
    status: str
    lineno: int = 0
    attempts: int = 0
    cached: bool = False
    error: str | None = None
    reason: str | None = None
    problems_fixed: list[str] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    elapsed_s: float = 0.0
    docstring: Docstring | None = None
    edit: LineEdit | None = None
    notes: list[str] = field(default_factory=list)
    changes: Changes | None = None
    kernel: list[str] = field(default_factory=list)
    origin: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the outcome in the CLI's JSON shape.

        Returns:
            name, kind, status, attempts, cached and error, plus the details (``kernel`` only when something
            was taken from a live kernel).
        """
        return {
            "name": self.name,
            "kind": self.kind,
            "status": self.status,
            "attempts": self.attempts,
            "cached": self.cached,
            "error": self.error,
            "reason": self.reason,
            "lineno": self.lineno,
            "problems_fixed": list(self.problems_fixed),
            "notes": list(self.notes),
            "changes": self.changes.to_dict() if self.changes is not None else None,
            "origin": self.origin,
            "usage": self.usage.to_dict(),
            "elapsed_s": round(self.elapsed_s, 4),
        } | ({"kernel": list(self.kernel)} if self.kernel else {})


@dataclass
class Result:
    """The documented cell.

    Attributes:
        code: The documented code: the original text plus docstrings, nothing else changed.
        original: The text as given.
        targets: One outcome per target, in source order.
        usage: Totals for the run.
        provider: The provider used: offline, azure or openai.
        model: The model or deployment, or None offline.
        provider_reason: Why that provider was picked.
        provider_unconfigured: True when offline only because no model provider is configured.
        template: True when docstrings are offline templates, not model prose.
        style: The rendering style.
        elapsed_s: Wall time of the run.
        notes: Remarks for the user (e.g. a cell magic cell has nothing to document).
        cell_magic: The cell magic (``bash`` for ``%%bash``) whose body is not Python, so the cell was not read;
            None otherwise.
        cost: Estimated cost from the user's price table, or None.
        currency: The currency of ``cost``.
    """

    code: str
    original: str
    targets: list[TargetOutcome] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    provider: str = "offline"
    model: str | None = None
    provider_reason: str = ""
    provider_unconfigured: bool = False
    template: bool = True
    style: str = "google"
    elapsed_s: float = 0.0
    notes: list[str] = field(default_factory=list)
    cost: float | None = None
    currency: str = "USD"
    cell_magic: str | None = None

    @property
    def ok(self) -> bool:
        """True when no target failed."""
        return not self.failed

    def _repr_mimebundle_(self, include: Collection[str] | None = None,
                          exclude: Collection[str] | None = None) -> dict[str, Any]:
        """Return the result as IPython shows it: the same text/plain and text/html as the magic's output.

        Args:
            include: MIME types wanted (all when None).
            exclude: MIME types not wanted.

        Returns:
            The mimebundle; without a registered renderer, the documented code as text/plain.
        """
        bundle = _renderer(self) if _renderer is not None else {"text/plain": self.code}
        return {mime: data for mime, data in bundle.items()
                if (include is None or mime in include) and not (exclude and mime in exclude)}

    @property
    def failed(self) -> list[TargetOutcome]:
        """The targets that failed."""
        return [t for t in self.targets if t.status == FAILED]

    @property
    def documented(self) -> list[TargetOutcome]:
        """The targets that got a docstring."""
        return [t for t in self.targets if t.status == DOCUMENTED]

    @property
    def changed(self) -> bool:
        """True when the code differs from the original."""
        return self.code != self.original

    def diff(self, name: str = "cell", context: int = 3) -> str:
        """Return a unified diff from the original to the documented code.

        Args:
            name: File name shown in the diff header.
            context: Lines of context.

        Returns:
            The diff text; empty when nothing changed.
        """
        before = self.original.splitlines(keepends=True)
        after = self.code.splitlines(keepends=True)
        lines = difflib.unified_diff(before, after, f"a/{name}", f"b/{name}", n=context)
        return "".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in lines)

    def original_lines(self) -> list[str]:
        """Return the original text's lines, each with its ending, as the targets' edits count them.

        Returns:
            Each line of :attr:`original` with its own line ending (the last may have none).
        """
        return split_lines(self.original)

    def usage_line(self) -> str:
        """One line summing up the run, for people.

        Returns:
            e.g. ``3 documented (1 salvaged), 1 skipped · 3 requests · 1,234 prompt + 210 completion tokens · 1
            from the local cache · 2.10 s · azure:gpt-4o``.
        """
        return usage_line([self])

    def to_dict(self) -> dict[str, Any]:
        """Return the result in the CLI's JSON shape.

        Returns:
            ``{"code", "targets", "usage", ...}``.
        """
        usage = {k: v for k, v in self.usage.to_dict().items() if k != "latency_s"}
        return {
            "code": self.code,
            "targets": [t.to_dict() for t in self.targets],
            "usage": usage,
            "provider": self.provider,
            "model": self.model,
            "provider_reason": self.provider_reason,
            "template": self.template,
            "style": self.style,
            "notes": list(self.notes),
            "cost": self.cost,
        }


def usage_line(results: Sequence[Result]) -> str:
    """One line summing up the results of one run (a cell, or a notebook's cells), for people.

    Args:
        results: The results; the provider, model and currency are the first one's (one run has one provider).

    Returns:
        e.g. ``3 documented (1 salvaged), 1 skipped · 3 requests · 1,234 prompt + 210 completion tokens · 1 from
        the local cache · 2.10 s · azure:gpt-4o``; the time is the longest (a run's cells are documented
        concurrently).
    """
    targets = [t for r in results for t in r.targets]
    documented = [t for r in results for t in r.documented]
    failed = sum(len(r.failed) for r in results)
    rescued = [f"{n} {what}" for what, origin in (("salvaged", SALVAGED), ("from the code alone", FROM_CODE))
               if (n := sum(1 for t in documented if t.origin == origin))]
    counts = [f"{len(documented)} documented" + (f" ({', '.join(rescued)})" if rescued else "")]
    if len(targets) - len(documented) - failed:
        counts.append(f"{len(targets) - len(documented) - failed} skipped")
    if failed:
        counts.append(f"{failed} failed")
    usage = Usage()
    for result in results:
        usage.add(result.usage)
    parts = [", ".join(counts), usage.summary(), f"{max((r.elapsed_s for r in results), default=0.0):.2f} s"]
    costs = [r.cost for r in results]
    if results and all(cost is not None for cost in costs):
        # answers without token counts cost something too: the estimate is then a floor
        parts.append(f"{'≥' if usage.uncounted else '≈'} {sum(c for c in costs if c is not None):.4f} "
                     f"{results[0].currency}")
    first = results[0] if results else Result(code="", original="")
    source = first.provider if first.model is None else f"{first.provider}:{first.model}"
    parts.append(source + (" (template)" if first.template else ""))
    return " · ".join(parts)


_renderer: Callable[[Result], dict[str, Any]] | None = None


def register_renderer(renderer: Callable[[Result], dict[str, Any]]) -> None:
    """Set how a :class:`Result` draws itself in IPython (the shell's display module provides it).

    The core cannot import the display code, so the shell hands it over, like a provider through the ports.

    Args:
        renderer: Builds the mimebundle of a result.
    """
    global _renderer
    _renderer = renderer
