"""The async pipeline: cell → targets → (cache | provider loop) → render → splice → guard → Result."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from docgen_magic.core import update
from docgen_magic.core.cell import Cell, cell_magic_note, parse_cell
from docgen_magic.core.errors import CellSyntaxError
from docgen_magic.core.facts import Target, extract_targets, is_documented
from docgen_magic.core.model import Docstring
from docgen_magic.core.observed import Observation, report, seen_line
from docgen_magic.core.options import RunOptions
from docgen_magic.core.ports import Provider
from docgen_magic.core.prompt import build_context
from docgen_magic.core.refine import Abort, Generation, TokenBudget, generate_docstring
from docgen_magic.core.render import render
from docgen_magic.core.result import DOCUMENTED, FAILED, FROM_CACHE, SKIPPED, Result, TargetOutcome
from docgen_magic.core.splice import Insertion, body_indent, splice
from docgen_magic.core.usage import Usage
from docgen_magic.core.validate import prepare_schema_check, schema_valid

logger = logging.getLogger(__name__)

# Styles whose convention (pydocstyle numpy / pep257) wants a blank line after a class docstring (D204).
_BLANK_AFTER_CLASS = frozenset({"numpy", "sphinx"})


@dataclass(frozen=True)
class ProgressEvent:
    """A step of a run, for progress bars.

    Attributes:
        name: Qualified target name; empty for the ``planned`` event.
        status: planned, started (a request is in flight), retrying (re-asked with the problems found),
            cached, documented, skipped or failed.
        done: Targets finished so far.
        total: Targets in the run.
        names: With ``planned``: the cell's targets in source order (all queued until they start).
    """

    name: str
    status: str
    done: int
    total: int
    names: tuple[str, ...] = ()


ProgressCallback = Callable[[ProgressEvent], None]


class Cache(Protocol):
    """What the pipeline needs of a docstring cache (see ``infra.cache.DocstringCache``)."""

    def get(self, key: str) -> dict[str, Any] | None:
        """Look a docstring up.

        Args:
            key: The target's cache key.

        Returns:
            The stored docstring data, or None.
        """
        ...

    def set(self, key: str, value: dict[str, Any]) -> None:
        """Store a docstring.

        Args:
            key: The target's cache key.
            value: The validated docstring data.
        """
        ...


KeyFunction = Callable[[Target, str], str]
ObserveFunction = Callable[[Cell, Sequence[Target]], Mapping[str, Observation]]
"""What a live kernel saw a cell's targets called with (target qualname -> observation); see ``core.observed``."""


@dataclass
class RunContext:
    """What the targets of one run (one cell or a whole notebook) share.

    Attributes:
        provider: Where docstrings come from.
        options: How to document (style, width, attempts, budget...).
        cache: The docstring cache, or None.
        cache_key: Builds a cache key from a target and its context.
        on_progress: Progress callback, or None.
        semaphore: Bounds requests in flight across the run.
        abort: Set once a fatal provider error makes further requests pointless.
        budget: Optional token budget.
        total: Targets planned in the run.
        done: Targets finished.
        refresh: Targets to ask again even when the cache has them (regenerating one function).
        observe: Reads what a live kernel saw each target called with, or None (no kernel context).
    """

    provider: Provider
    options: RunOptions = field(default_factory=RunOptions)
    cache: Cache | None = None
    cache_key: KeyFunction | None = None
    on_progress: ProgressCallback | None = None
    semaphore: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(RunOptions().concurrency))
    abort: Abort = field(default_factory=Abort)
    budget: TokenBudget | None = None
    total: int = 0
    done: int = 0
    refresh: frozenset[str] = frozenset()
    observe: ObserveFunction | None = None

    def emit(self, name: str, status: str, *, finished: bool = False, names: tuple[str, ...] = ()) -> None:
        """Report progress, never letting a callback failure break the run.

        Args:
            name: Target name.
            status: The event's status.
            finished: True when this event completes a target.
            names: The planned targets (``planned`` event only).
        """
        if finished:
            self.done += 1
        if self.on_progress is None:
            return
        try:
            self.on_progress(ProgressEvent(name, status, self.done, self.total, names))
        except Exception:
            logger.debug("progress callback failed", exc_info=True)


def new_run_context(provider: Provider, options: RunOptions, *, cache: Cache | None = None,
                    cache_key: KeyFunction | None = None,
                    on_progress: ProgressCallback | None = None,
                    refresh: frozenset[str] = frozenset(), observe: ObserveFunction | None = None) -> RunContext:
    """Create the shared state of a run, inside the running loop.

    Args:
        provider: Where the docstrings come from.
        options: The run options.
        cache: The docstring cache, or None.
        cache_key: Builds a cache key from a target and its context.
        on_progress: Progress callback, or None.
        refresh: Targets to ask again even when the cache has them.
        observe: Reads what a live kernel saw each target called with, or None.

    Returns:
        The run context (a token budget only for a model provider: templates spend no tokens).
    """
    budget = TokenBudget(options.token_budget) if options.token_budget and not provider.is_template else None
    if not provider.is_template:
        _warm_schema_check()
    return RunContext(provider=provider, options=options, semaphore=asyncio.Semaphore(options.concurrency),
                      budget=budget, cache=cache, cache_key=cache_key, on_progress=on_progress, refresh=refresh,
                      observe=observe)


_warming: threading.Thread | None = None


def _warm_schema_check() -> None:
    """Compile the schema validators in a worker thread, once per process, while the first requests fly.

    Only model answers and cache entries are schema-checked; importing jsonschema and compiling the validators
    costs about 0.1 s of CPU (see ``core.validate._import_jsonschema``).
    """
    global _warming
    if _warming is None:
        _warming = threading.Thread(target=prepare_schema_check, name="docgen-schema", daemon=True)
        _warming.start()


@dataclass
class CellPlan:
    """A parsed cell and what a run will do with it, before anything is asked.

    Attributes:
        cell: The parsed cell.
        targets: Every function, class and method found, in source order.
        selected: The targets to document (the others are skipped).
        notes: Remarks for the user (an empty cell, a cell magic whose body is not Python).
        updates: For ``--update``: per target, how its existing docstring is to be edited.
        skip_reasons: Why a target that is not selected is skipped, when it is not the usual reason.
        update_reports: For ``--update``: per skipped target, what only its author can settle (why the
            docstring is left alone, its stale entries).
    """

    cell: Cell
    targets: list[Target]
    selected: list[Target]
    notes: list[str]
    updates: dict[str, update.Plan] = field(default_factory=dict)
    skip_reasons: dict[str, str] = field(default_factory=dict)
    update_reports: dict[str, update.Changes] = field(default_factory=dict)
    observed: Mapping[str, Observation] = field(default_factory=dict)


def _plan_updates(planned: CellPlan, options: RunOptions) -> None:
    """For ``--update``: read each existing docstring; keep only those with something to insert."""
    selected = []
    for target in planned.selected:
        if options.overwrite or not is_documented(target):
            selected.append(target)
            continue
        plan = update.plan(target, planned.cell, options.style)
        if isinstance(plan, str):
            planned.skip_reasons[target.qualname] = _refusal(plan)
            planned.update_reports[target.qualname] = update.Changes(refused=plan)
        elif not plan.missing:
            stale = f"; stale, left in place: {', '.join(plan.stale)}" if plan.stale else ""
            planned.skip_reasons[target.qualname] = f"up to date: nothing missing{stale}; left as is"
            if plan.stale:
                planned.update_reports[target.qualname] = update.Changes(stale=plan.stale, style=plan.style)
        else:
            planned.updates[target.qualname] = plan
            selected.append(target)
    planned.selected = selected


def _refusal(reason: str) -> str:
    return f"--update cannot edit this docstring safely: {reason}; left as is"


def plan_cell(source: str, options: RunOptions) -> CellPlan:
    """Parse a cell and choose its targets.

    Args:
        source: The cell text.
        options: The run options (``nested_functions`` and ``overwrite`` are used).

    Returns:
        The parsed cell, all its targets, the ones to document and notes for the user.

    Raises:
        CellSyntaxError: The cell does not parse.
    """
    cell = parse_cell(source)
    notes: list[str] = []
    if cell.cell_magic is not None:
        notes.append(cell_magic_note(cell.cell_magic))
        return CellPlan(cell, [], [], notes)
    if not source.strip():
        notes.append("empty cell: nothing to document")
        return CellPlan(cell, [], [], notes)
    targets = extract_targets(cell, nested_functions=options.nested_functions)
    selected = [t for t in targets if options.overwrite or options.update or not is_documented(t)]
    if not targets:
        notes.append("no functions or classes to document")
    planned = CellPlan(cell, targets, selected, notes)
    if options.update:
        _plan_updates(planned, options)
    return planned


async def _obtain(target: Target, planned: CellPlan, run: RunContext) -> tuple[Generation, bool, float]:
    started = time.perf_counter()
    provider = run.provider
    context = "" if provider.is_template else build_context(planned.cell, target)
    observed = planned.observed.get(target.qualname)
    seen = seen_line(target, observed)  # what is sent of the observation is part of the key
    keyed = f"{context}\n{seen}" if seen else context
    key = run.cache_key(target, keyed) if run.cache is not None and run.cache_key is not None else None
    if key is not None and run.cache is not None and target.qualname not in run.refresh:
        stored = run.cache.get(key)
        # The cache folder may be shared: an entry is used only if it matches the (non-strict) schema.
        if stored is not None and not schema_valid(stored, strict=False):
            logger.warning("docgen cache: ignoring an entry for %s that is not a docstring", target.qualname)
            stored = None
        if stored is not None:
            try:
                return Generation(docstring=Docstring.from_dict(stored), usage=Usage(cache_hits=1)), True, \
                    time.perf_counter() - started
            except (TypeError, ValueError, KeyError):
                logger.debug("ignoring an unreadable cache entry for %s", target.qualname)
    async with run.semaphore:
        run.emit(target.qualname, "started")
        generation = await generate_docstring(target, provider, context=context, options=run.options,
                                              abort=run.abort, budget=run.budget,
                                              on_retry=lambda _attempt: run.emit(target.qualname, "retrying"),
                                              missing=_missing_parts(target, planned), observed=observed)
    if generation.docstring is not None and key is not None and run.cache is not None:
        run.cache.set(key, generation.docstring.to_dict())
    return generation, False, time.perf_counter() - started


async def _generate_one(target: Target, planned: CellPlan, run: RunContext) -> TargetOutcome:
    outcome = TargetOutcome(name=target.qualname, kind=target.kind.value, status=FAILED, lineno=target.lineno)
    try:
        generation, cached, elapsed = await _obtain(target, planned, run)
    except asyncio.CancelledError:
        raise
    except RecursionError:  # valid Python can nest deeper than a recursive step of ours can follow
        logger.debug("%s failed", target.qualname, exc_info=True)
        outcome.error = "the code is nested too deeply to process (Python's recursion limit)"
        run.emit(target.qualname, FAILED, finished=True)
        return outcome
    except Exception as exc:  # a bug or an unexpected provider failure must not sink the other targets
        logger.debug("%s failed", target.qualname, exc_info=True)
        outcome.error = f"{type(exc).__name__}: {exc}"
        run.emit(target.qualname, FAILED, finished=True)
        return outcome
    outcome.attempts, outcome.cached, outcome.elapsed_s = generation.attempts, cached, elapsed
    outcome.usage, outcome.problems_fixed = generation.usage, generation.problems_fixed
    outcome.notes, outcome.origin = list(generation.notes), FROM_CACHE if cached else generation.origin
    outcome.kernel = report(target, planned.observed.get(target.qualname))
    if generation.docstring is None:
        outcome.error = generation.error or "no docstring"
        run.emit(target.qualname, FAILED, finished=True)
    else:
        outcome.status, outcome.docstring = DOCUMENTED, generation.docstring
        run.emit(target.qualname, "cached" if cached else DOCUMENTED, finished=True)
    return outcome


def _observe(planned: CellPlan, run: RunContext) -> Mapping[str, Observation]:
    """Read what the kernel saw the selected targets called with; a failure there never stops the run."""
    if run.observe is None or not planned.selected:
        return {}
    try:
        return run.observe(planned.cell, planned.selected)
    except Exception as exc:  # the type only: a library's message could quote the user's data
        logger.debug("reading the kernel context failed: %s", type(exc).__name__)
        return {}


def _missing_parts(target: Target, planned: CellPlan) -> tuple[str, ...]:
    plan = planned.updates.get(target.qualname)
    return plan.labels if plan is not None else ()


def _insertions(planned: CellPlan, outcomes: dict[str, TargetOutcome], options: RunOptions) -> list[Insertion]:
    insertions = []
    for target in planned.selected:
        outcome = outcomes[target.qualname]
        if outcome.docstring is None:
            continue
        plan = planned.updates.get(target.qualname)
        if plan is not None:
            insertion = _update_insertion(target, plan, outcome, options)
            if insertion is not None:
                insertions.append(insertion)
            continue
        try:
            indent = body_indent(planned.cell, target)
            rendered = render(outcome.docstring, target, style=options.style, width=options.width, indent=indent)
        except Exception as exc:
            logger.debug("rendering %s failed", target.qualname, exc_info=True)
            outcome.status, outcome.error = FAILED, f"cannot render the docstring: {exc}"
            continue
        insertions.append(Insertion(target=target, literal_lines=rendered.literal_lines,
                                    expected_docstring=rendered.value,
                                    blank_after=target.is_class and options.style in _BLANK_AFTER_CLASS))
    return insertions


def _update_insertion(target: Target, plan: update.Plan, outcome: TargetOutcome,
                      options: RunOptions) -> Insertion | None:
    """Insert the missing parts into the existing docstring's lines; a target that cannot be is left alone."""
    try:
        edited = update.edit(plan, target, outcome.docstring, width=options.width)
    except Exception as exc:  # a bug must not sink the other targets
        logger.debug("editing %s failed", target.qualname, exc_info=True)
        edited = f"{type(exc).__name__}: {exc}"
    if isinstance(edited, str):
        outcome.status, outcome.docstring, outcome.reason = SKIPPED, None, _refusal(edited)
        outcome.changes = update.Changes(stale=plan.stale, style=plan.style, refused=edited)
        return None
    outcome.changes = edited.changes
    outcome.notes.append(edited.changes.summary())
    return Insertion(target=target, literal_lines=edited.lines, expected_docstring=edited.value, verbatim=True)


async def document_cell(source: str, run: RunContext) -> Result:
    """Document one cell.

    Args:
        source: The cell text.
        run: The run's shared state (provider, options, cache, semaphore, budget).

    Returns:
        The result; the code is the original text plus the docstrings that passed the guard.

    Raises:
        CellSyntaxError: The cell does not parse.
    """
    return await _document_planned(plan_cell(source, run.options), run, time.perf_counter())


async def _document_planned(planned: CellPlan, run: RunContext, started: float) -> Result:
    source, options, provider = planned.cell.text, run.options, run.provider
    planned.observed = _observe(planned, run)
    run.total += len(planned.targets)
    run.emit("", "planned", names=tuple(t.qualname for t in planned.targets))
    outcomes: dict[str, TargetOutcome] = {}
    selected = {id(t) for t in planned.selected}
    for target in planned.targets:
        if id(target) not in selected:
            outcomes[target.qualname] = TargetOutcome(
                name=target.qualname, kind=target.kind.value, status=SKIPPED, lineno=target.lineno,
                reason=planned.skip_reasons.get(target.qualname,
                                                "already documented (use overwrite to replace, update to fill gaps)"),
                changes=planned.update_reports.get(target.qualname))
            run.emit(target.qualname, SKIPPED, finished=True)
    if provider.is_template:  # no I/O to overlap: one task per target would only add overhead
        generated = [await _generate_one(t, planned, run) for t in planned.selected]
    else:
        generated = list(await asyncio.gather(*(_generate_one(t, planned, run) for t in planned.selected)))
    outcomes.update({o.name: o for o in generated})
    code = source
    insertions = _insertions(planned, outcomes, options)
    if insertions:
        spliced = splice(planned.cell, insertions)
        code = spliced.text
        for name, failure in spliced.failures.items():
            outcomes[name].status, outcomes[name].error = FAILED, failure
            outcomes[name].docstring = None
            run.emit(name, FAILED)
        for name, edit in spliced.edits.items():
            outcomes[name].edit = edit
    ordered = [outcomes[t.qualname] for t in planned.targets]
    usage = Usage()
    for outcome in ordered:
        usage.add(outcome.usage)
    result = Result(code=code, original=source, targets=ordered, usage=usage, provider=provider.name,
                    model=provider.model, template=provider.is_template, style=options.style,
                    elapsed_s=time.perf_counter() - started, notes=planned.notes,
                    cell_magic=planned.cell.cell_magic)
    return result


async def document_cells(sources: Sequence[str], run: RunContext) -> list[Result]:
    """Document several cells (a notebook) concurrently, sharing one semaphore, budget and cache.

    Args:
        sources: Cell texts.
        run: The shared run state.

    Returns:
        One result per cell, in order.

    Raises:
        CellSyntaxError: A cell does not parse (raised before any request is made); its ``cell`` attribute
            is the cell's position in ``sources``.
    """
    started = time.perf_counter()
    plans = []
    for position, source in enumerate(sources):  # every cell is planned before anything is spent
        try:
            plans.append(plan_cell(source, run.options))
        except CellSyntaxError as exc:
            exc.cell = position
            raise
    return list(await asyncio.gather(*(_document_planned(p, run, started) for p in plans)))
