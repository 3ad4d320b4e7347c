"""The Python API: ``document``, ``document_async``, ``check`` and session helpers.

The one door both shells (the ``docgen`` command and the kernel's magics and review) use, and the one users
call: the core's types and errors reach the shells from here. The async pipeline runs on a private event loop
so a caller's own loop (an IPython kernel's) is never touched.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import dataclasses
import threading
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from docgen_magic.core.cell import CellSyntaxError
from docgen_magic.core.check import CheckFinding, CheckReport, check_target, coverage
from docgen_magic.core.errors import FileError, InputError, SettingsError, WriteConflictError
from docgen_magic.core.model import SCHEMA_VERSION
from docgen_magic.core.pipeline import (
    KeyFunction,
    ObserveFunction,
    ProgressEvent,
    RunContext,
    document_cell,
    document_cells,
    new_run_context,
    plan_cell,
)
from docgen_magic.core.ports import Provider
from docgen_magic.core.prompt import PROMPT_VERSION
from docgen_magic.core.result import FROM_CODE, SALVAGED, Result, TargetOutcome, register_renderer, usage_line
from docgen_magic.core.usage import Usage
from docgen_magic.infra.cache import DocstringCache, cache_key
from docgen_magic.infra.loop_thread import default_loop_thread, run_sync
from docgen_magic.providers.connections import Connections
from docgen_magic.providers.select import ProviderChoice, build_provider, choose_provider
from docgen_magic.settings import SettingOverrides, Settings, resolve_settings
from docgen_magic.views.result import result_bundle

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "FROM_CODE",
    "SALVAGED",
    "CellSyntaxError",
    "CheckFinding",
    "CheckReport",
    "FileError",
    "InputError",
    "ProgressEvent",
    "ProviderChoice",
    "Result",
    "SettingsError",
    "TargetOutcome",
    "Usage",
    "WriteConflictError",
    "check",
    "clear_cache",
    "close",
    "describe_provider",
    "document",
    "document_async",
    "document_cells_async",
    "document_cells_sync",
    "document_files_async",
    "document_files_sync",
    "is_public",
    "kernel_context_report",
    "provider_choice",
    "session_usage",
    "start_document",
    "target_names",
    "usage_line",
]


register_renderer(result_bundle)  # a Result shown by IPython: the same text/plain and text/html as the magic's


def close() -> None:
    """Release what runs use between calls: close the shared SDK clients, then stop the private event loop.

    Called by ``%unload_ext docgen_magic`` and at interpreter exit; the next run starts afresh. Safe to call
    twice, and cheap when nothing was started.
    """
    loop_thread = default_loop_thread()
    if not loop_thread.started:
        return
    try:
        loop_thread.run(_connections.aclose())
    finally:
        loop_thread.close()


atexit.register(close)

_session_usage = Usage()
_session_lock = threading.Lock()
# The SDK clients and rate limiters of the session's runs: one client per (loop, endpoint, credential).
_connections = Connections()


def _settings_for(settings: Settings | None, options: Mapping[str, Any]) -> Settings:
    explicit = {k: v for k, v in options.items() if v is not None}
    if settings is None:
        return resolve_settings(explicit)
    return settings.with_changes(**explicit) if explicit else settings


def _cache_key_function(provider: Provider, settings: Settings, endpoint: str | None) -> KeyFunction:
    def key(target: Any, context: str) -> str:
        return cache_key(source=target.source, qualname=target.qualname, kind=target.kind.value,
                         context=context, provider=provider.name, model=provider.model, endpoint=endpoint,
                         prompt=PROMPT_VERSION, schema=SCHEMA_VERSION, strict=settings.strict)

    return key


def _open_cache(settings: Settings) -> Any:
    return DocstringCache(settings.resolved_cache_dir())


def _observer(namespace: Mapping[str, Any] | None, settings: Settings) -> ObserveFunction | None:
    """Return the hook that reads what a namespace knows of a cell's targets, unless there is none or it is off."""
    if namespace is None or settings.kernel_context == "off":
        return None
    from docgen_magic.infra.namespace import observer  # on first use: start-up time (a run without a namespace)

    return observer(namespace, settings.kernel_context)


def _run_context(settings: Settings, provider: Provider | None,
                 on_progress: Callable[[ProgressEvent], None] | None,
                 refresh: frozenset[str] = frozenset(),
                 namespace: Mapping[str, Any] | None = None) -> tuple[RunContext, ProviderChoice, Any]:
    if provider is None:
        choice = choose_provider(settings)
        provider = build_provider(choice, settings, _connections)
    else:
        choice = ProviderChoice(provider.name, provider.model, f"{provider.name}: given by the caller")
    endpoint = choice.endpoint
    if settings.batch and not provider.is_template:
        provider = _batch_provider(provider, settings)
    cache = None
    if settings.use_cache and not provider.is_template:
        cache = _open_cache(settings)
    options = settings.run_options()
    if settings.batch and not provider.is_template:  # every first request must reach the one batch
        options = dataclasses.replace(options, concurrency=max(options.concurrency, 1_000_000))
    run = new_run_context(provider, options, cache=cache,
                          cache_key=_cache_key_function(provider, settings, endpoint),
                          on_progress=on_progress, refresh=refresh, observe=_observer(namespace, settings))
    return run, choice, cache


def _batch_provider(provider: Provider, settings: Settings) -> Provider:
    """Wrap a chat provider for batch mode (its state kept in the cache folder, so a rerun resumes)."""
    from docgen_magic.providers.batch import BatchProvider  # batch mode only: ~8 ms the other runs skip
    from docgen_magic.providers.chat import ChatProvider  # (imported by batch anyway)

    if not isinstance(provider, ChatProvider):
        raise SettingsError(f"batch mode needs Azure OpenAI or OpenAI, not {provider.name}")
    return BatchProvider(provider, state_dir=settings.resolved_cache_dir(), poll_seconds=settings.batch_poll)


def _record(results: Sequence[Result], choice: ProviderChoice, settings: Settings) -> None:
    """Stamp each result with why its provider was picked and its cost estimate; add its usage to the session."""
    prices = settings.prices
    with _session_lock:
        for result in results:
            result.provider_reason, result.provider_unconfigured = choice.reason, choice.unconfigured
            if prices is not None and not result.template:
                usage = result.usage
                result.cost = prices.cost(usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens)
                result.currency = prices.currency
            _session_usage.add(result.usage)


async def _document_with(run_pipeline: Callable[[RunContext], Awaitable[list[Result]]],
                         settings: Settings | None, provider: Provider | str | None,
                         on_progress: Callable[[ProgressEvent], None] | None,
                         options: dict[str, Any], refresh: frozenset[str] = frozenset(),
                         namespace: Mapping[str, Any] | None = None) -> list[Result]:
    """Resolve the settings and provider, run the pipeline with a cache, record the session usage."""
    instance = provider if provider is not None and not isinstance(provider, str) else None
    if isinstance(provider, str):
        options = {**options, "provider": provider}
    resolved = _settings_for(settings, options)
    run, choice, cache = _run_context(resolved, instance, on_progress, refresh, namespace)
    try:
        results = await run_pipeline(run)
    finally:
        if cache is not None:
            cache.close()
    _record(results, choice, resolved)
    return results


async def document_async(
    source: str,
    *,
    settings: Settings | None = None,
    provider: Provider | str | None = None,
    on_progress: Callable[[ProgressEvent], None] | None = None,
    refresh: Collection[str] = (),
    namespace: Mapping[str, Any] | None = None,
    **options: Unpack[SettingOverrides],
) -> Result:
    """Document the functions and classes of one cell (or file), in the running event loop.

    Args:
        source: The cell text.
        settings: Resolved settings; resolved from the environment when None.
        provider: A provider name (auto, offline, azure, openai) or a Provider instance.
        on_progress: Called with a ProgressEvent as targets start and finish.
        refresh: Qualified names of targets to ask again even when the cache has them.
        namespace: A live namespace (a kernel's ``user_ns``, a script's ``globals()``): the calls to the
            cell's functions (in ``source`` and in the executed cells its ``In`` keeps) are resolved against
            it, and the objects described by type, dtype, shape and columns, never by value (setting
            ``kernel_context``). Nothing in it is run.
        **options: Setting overrides, e.g. ``style="numpy"``, ``overwrite=True``.

    Returns:
        The result: the documented code, per-target outcomes and usage.

    Raises:
        CellSyntaxError: The cell does not parse.
        SettingsError: A setting has an unusable value (wrong type, unknown name or choice).
    """
    async def one(run: RunContext) -> list[Result]:
        return [await document_cell(source, run)]

    (result,) = await _document_with(one, settings, provider, on_progress, dict(options), frozenset(refresh),
                                     namespace)
    return result


async def document_cells_async(
    sources: Sequence[str],
    *,
    settings: Settings | None = None,
    provider: Provider | str | None = None,
    on_progress: Callable[[ProgressEvent], None] | None = None,
    **options: Unpack[SettingOverrides],
) -> list[Result]:
    """Document several cells (a notebook's code cells) concurrently under one concurrency bound.

    Args:
        sources: Cell texts.
        settings: Resolved settings; resolved from the environment when None.
        provider: A provider name or instance.
        on_progress: Progress callback.
        **options: Setting overrides.

    Returns:
        One result per cell.

    Raises:
        CellSyntaxError: A cell does not parse (before any request is made); ``cell`` names its position.
    """
    return await _document_with(lambda run: document_cells(sources, run), settings, provider, on_progress,
                                dict(options))


def document(
    source: str,
    *,
    settings: Settings | None = None,
    provider: Provider | str | None = None,
    on_progress: Callable[[ProgressEvent], None] | None = None,
    refresh: Collection[str] = (),
    namespace: Mapping[str, Any] | None = None,
    **options: Unpack[SettingOverrides],
) -> Result:
    """Document one cell synchronously, on the private event loop (safe inside a running kernel).

    Args:
        source: The cell text.
        settings: Resolved settings; resolved from the environment when None.
        provider: A provider name (auto, offline, azure, openai) or a Provider instance.
        on_progress: Called with a ProgressEvent as targets start and finish.
        refresh: Qualified names of targets to ask again even when the cache has them.
        namespace: A live namespace whose objects the cell's functions are called with (see
            :func:`document_async`); None for the code alone.
        **options: Setting overrides by name (see :class:`~docgen_magic.settings.SettingOverrides`), e.g.
            ``style="numpy"``, ``overwrite=True``.

    Returns:
        The documented code with one outcome per target and the usage.

    Raises:
        CellSyntaxError: The cell does not parse.
        SettingsError: A setting has an unusable value (wrong type, unknown name or choice).
        KeyboardInterrupt: Interrupted; the work was cancelled.
    """
    return run_sync(document_async(source, settings=settings, provider=provider, on_progress=on_progress,
                                   refresh=refresh, namespace=namespace, **options))


def document_cells_sync(
    sources: Sequence[str],
    *,
    settings: Settings | None = None,
    provider: Provider | str | None = None,
    on_progress: Callable[[ProgressEvent], None] | None = None,
    **options: Unpack[SettingOverrides],
) -> list[Result]:
    """Document several cells synchronously, on the private event loop, under one concurrency bound.

    Args:
        sources: Cell texts.
        settings: Resolved settings; resolved from the environment when None.
        provider: A provider name or instance.
        on_progress: Progress callback.
        **options: Setting overrides by name.

    Returns:
        One result per cell.

    Raises:
        CellSyntaxError: A cell does not parse (before any request is made); ``cell`` names its position.
        SettingsError: A setting has an unusable value (wrong type, unknown name or choice).
        KeyboardInterrupt: Interrupted; the work was cancelled.
    """
    return run_sync(document_cells_async(sources, settings=settings, provider=provider, on_progress=on_progress,
                                         **options))


async def document_files_async(
    files: Sequence[Sequence[str]],
    *,
    settings: Settings | None = None,
    provider: Provider | str | None = None,
    on_progress: Callable[[ProgressEvent], None] | None = None,
    on_file: Callable[[int, list[Result] | CellSyntaxError], None] | None = None,
    **options: Unpack[SettingOverrides],
) -> list[list[Result] | CellSyntaxError]:
    """Document many files (each a list of cell texts: one for a .py file) in one run.

    Every target of every file shares one concurrency ceiling (and the provider's rate limiter), one token
    budget and one cache. A file with a syntax error is not documented; the others are.

    Args:
        files: For each file, its cell texts.
        settings: Resolved settings; resolved from the environment when None.
        provider: A provider name or instance.
        on_progress: Progress callback for targets (called on the run's event loop).
        on_file: Called with a file's position and its results (or its syntax error) as each file finishes.
        **options: Setting overrides by name.

    Returns:
        Per file, in order: its results (one per cell), or the CellSyntaxError that stopped it.
    """
    outcomes: list[list[Result] | CellSyntaxError] = [[] for _ in files]

    async def one(position: int, texts: Sequence[str], run: RunContext) -> None:
        try:
            outcomes[position] = await document_cells(texts, run)
        except CellSyntaxError as exc:
            outcomes[position] = exc
        if on_file is not None:
            on_file(position, outcomes[position])

    async def all_files(run: RunContext) -> list[Result]:
        await asyncio.gather(*(one(i, texts, run) for i, texts in enumerate(files)))
        return [r for outcome in outcomes if isinstance(outcome, list) for r in outcome]

    await _document_with(all_files, settings, provider, on_progress, dict(options))
    return outcomes


def document_files_sync(
    files: Sequence[Sequence[str]],
    *,
    settings: Settings | None = None,
    provider: Provider | str | None = None,
    on_progress: Callable[[ProgressEvent], None] | None = None,
    on_file: Callable[[int, list[Result] | CellSyntaxError], None] | None = None,
    **options: Unpack[SettingOverrides],
) -> list[list[Result] | CellSyntaxError]:
    """Document many files in one run, synchronously, on the private event loop.

    Args:
        files: For each file, its cell texts.
        settings: Resolved settings; resolved from the environment when None.
        provider: A provider name or instance.
        on_progress: Progress callback for targets.
        on_file: Called as each file finishes.
        **options: Setting overrides by name.

    Returns:
        Per file: its results, or its syntax error.
    """
    return run_sync(document_files_async(files, settings=settings, provider=provider, on_progress=on_progress,
                                         on_file=on_file, **options))


def check(source: str, *, settings: Settings | None = None, namespace: Mapping[str, Any] | None = None,
          **options: Unpack[SettingOverrides]) -> CheckReport:
    """Report undocumented or incomplete targets, without asking any model.

    Args:
        source: The cell text.
        settings: Resolved settings; resolved from the environment when None.
        namespace: A live namespace (see :func:`document_async`): a parameter seen called with a frame or an
            array that its docstring never mentions is reported. None for the code alone.
        **options: Setting overrides (e.g. ``nested_functions=True``).

    Returns:
        The coverage report.

    Raises:
        CellSyntaxError: The cell does not parse.
    """
    resolved = _settings_for(settings, dict(options))
    planned = plan_cell(source, resolved.run_options().with_changes(overwrite=True))
    targets = [t for t in planned.targets if is_public(t.qualname)]
    observe = _observer(namespace, resolved)
    observed = observe(planned.cell, targets) if observe is not None and targets else {}
    findings = [f for f in (check_target(t, observed.get(t.qualname)) for t in targets) if f is not None]
    complete, total = coverage(targets, observed)
    return CheckReport(total=total, complete=complete, findings=findings, notes=planned.notes,
                       cell_magic=planned.cell.cell_magic)


def is_public(qualname: str) -> bool:
    """Whether a target is part of the public surface that ``check`` holds to account.

    Like pydocstyle: names with a leading underscore (and everything inside them) are private; of the
    dunder methods only ``__init__`` is checked, since it carries the constructor's parameters.

    Args:
        qualname: Dotted name, e.g. ``Model.fit``.

    Returns:
        True when the target should have a complete docstring.
    """
    for part in qualname.split("."):
        dunder = part.startswith("__") and part.endswith("__")
        if (dunder and part != "__init__") or (part.startswith("_") and not dunder):
            return False
    return True


def session_usage() -> Usage:
    """Usage totals of every run in this process.

    Returns:
        A copy of the session counters.
    """
    with _session_lock:
        return Usage() + _session_usage


def clear_cache(settings: Settings | None = None) -> int:
    """Empty the docstring cache.

    Args:
        settings: Resolved settings (for the cache folder); from the environment when None.

    Returns:
        The number of entries removed.
    """
    cache = _open_cache(settings or resolve_settings())
    try:
        return cache.clear()
    finally:
        cache.close()


def provider_choice(settings: Settings | None = None) -> ProviderChoice:
    """Which provider a run would use and why, with its endpoint, without building it (``%docgen status``).

    Args:
        settings: Resolved settings; from the environment when None.

    Returns:
        The choice: name, model, reason, endpoint and whether offline only for want of a configured model.

    Raises:
        SettingsError: The settings name a provider that cannot be used.
    """
    return choose_provider(settings or resolve_settings())


def describe_provider(settings: Settings | None = None) -> tuple[str, str | None, str]:
    """Which provider a run would use, without building it.

    Args:
        settings: Resolved settings; from the environment when None.

    Returns:
        (provider name, model or None, the reason it is picked).
    """
    choice = provider_choice(settings)
    return choice.name, choice.model, choice.reason


def target_names(source: str, *, settings: Settings | None = None) -> list[str]:
    """Return the functions, classes and methods a run would find in a cell, without documenting anything.

    Args:
        source: The cell text.
        settings: Resolved settings (``nested_functions`` counts); from the environment when None.

    Returns:
        Their qualified names, in source order.

    Raises:
        CellSyntaxError: The cell does not parse.
    """
    options = (settings or resolve_settings()).run_options()
    return [t.qualname for t in plan_cell(source, options).targets]


def start_document(
    source: str,
    *,
    settings: Settings | None = None,
    on_progress: Callable[[ProgressEvent], None] | None = None,
    refresh: Collection[str] = (),
    namespace: Mapping[str, Any] | None = None,
) -> concurrent.futures.Future[Result]:
    """Start documenting one cell on the private event loop and return at once.

    For a caller that must not wait, like the kernel's shell thread answering the extension's requests while
    the run progresses.

    Args:
        source: The cell text.
        settings: Resolved settings; from the environment when None.
        on_progress: Called with a ProgressEvent as targets start and finish (on the loop's thread).
        refresh: Qualified names of targets to ask again even when the cache has them.
        namespace: A live namespace whose objects the cell's functions are called with (see
            :func:`document_async`); None for the code alone.

    Returns:
        The run's future: its result, or the exception :func:`document` would raise; cancel it to stop the run.
    """
    return default_loop_thread().submit(document_async(source, settings=settings, on_progress=on_progress,
                                                       refresh=refresh, namespace=namespace))


def kernel_context_report(namespace: Mapping[str, Any], *, settings: Settings | None = None) -> str:
    """Say what a kernel's objects would tell the docstrings of its last cell that defines functions.

    What ``%docgen context`` shows: per target, the types and columns seen, the descriptions inherited, the
    annotations that disagree, and the line a model would be sent. Nothing in the namespace is run.

    Args:
        namespace: The kernel's ``user_ns`` (its ``In`` is the history).
        settings: Resolved settings (``kernel_context`` is used); from the environment when None.

    Returns:
        Plain text.
    """
    from docgen_magic.infra.namespace import context_report  # on first use: start-up time

    return context_report(namespace, (settings or resolve_settings()).kernel_context)
