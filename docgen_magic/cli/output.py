"""What ``docgen`` prints: code in its own encoding, problems as ``path:line: message``, progress and summaries."""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from docgen_magic.api import FROM_CODE, SALVAGED, ProgressEvent, Result, Usage, usage_line
from docgen_magic.infra.files import encode_source
from docgen_magic.infra.redact import RedactingFilter

if TYPE_CHECKING:
    from docgen_magic.cli.sources import Source

__all__ = [
    "ProgressBar",
    "close_stdout",
    "configure_logging",
    "file_usage_line",
    "logger",
    "print_code",
    "report_results",
    "summary_table",
    "usage_summary",
    "where",
]

logger = logging.getLogger("docgen")
"""The command's one logger: its messages go to standard error as ``docgen: message``."""


def configure_logging(verbose: int, quiet: bool) -> None:
    """Send the command's messages to standard error, credentials removed.

    Args:
        verbose: ``-v`` count (1: more diagnostics, 2: debug, libraries included).
        quiet: ``-q``: only errors.
    """
    level = logging.ERROR if quiet else logging.INFO if verbose == 0 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("docgen: %(message)s"))
    handler.addFilter(RedactingFilter())  # whatever logs at -vv (httpx's request lines), no credentials
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING if verbose < 2 else logging.DEBUG)
    logger.setLevel(level)
    # -v: one sentence per problem, retry and timeout; -vv: debug detail and tracebacks too.
    logging.getLogger("docgen_magic").setLevel(
        logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG)


def where(label: str, cells: Sequence[int] | None, position: int | None) -> str:
    """Name a file, or one of a notebook's code cells, in messages.

    Args:
        label: The file as named.
        cells: The notebook's code cell positions, or None for a .py file.
        position: Which of those cells (an index into ``cells``), or None for the whole file.

    Returns:
        ``path`` or ``path[cell N]`` (N counts every cell from 1, as the notebook shows it).
    """
    return label if position is None or cells is None else f"{label}[cell {cells[position] + 1}]"


def report_results(label: str, results: Sequence[Result], cells: Sequence[int] | None = None) -> None:
    """Report each failed target as ``path:line: name: error`` and each cell that could not be read, once.

    Targets failing for one reason are reported in one line; a docstring the code wrote for a weak model is
    named with its notes. A cell under a cell magic whose body is not Python (``%%bash``) says so; other notes
    go to the debug log.

    Args:
        label: The file as named.
        results: One result per cell (one for a .py file).
        cells: The notebook's code cell positions, or None for a .py file.
    """
    for n, result in enumerate(results):
        place = where(label, cells, n if cells is not None else None)
        by_error: dict[str | None, list[Any]] = {}
        for outcome in result.failed:
            by_error.setdefault(outcome.error, []).append(outcome)
        for error, outcomes in by_error.items():
            if len(outcomes) == 1:
                logger.error("%s:%d: %s: %s", place, outcomes[0].lineno, outcomes[0].name, error)
            else:
                names = ", ".join(f"{o.name} (line {o.lineno})" for o in outcomes)
                logger.error("%s: %d targets failed: %s: %s", place, len(outcomes), error, names)
        for outcome in result.targets:  # --update: what only the author can settle
            if outcome.changes is not None and outcome.changes.needs_author:
                logger.warning("%s:%d: %s: %s", place, outcome.lineno, outcome.name, outcome.changes.summary())
        for outcome in result.documented:  # what the code wrote for a weak model, named per target
            if outcome.origin in (SALVAGED, FROM_CODE):
                for note in outcome.notes:
                    logger.info("%s:%d: %s: %s", place, outcome.lineno, outcome.name, note)
        for note in result.notes:
            if result.cell_magic is not None:
                logger.info("%s: %s", place, note)
            else:
                logger.debug("%s: %s", place, note)


def usage_summary(results: Sequence[Result]) -> dict[str, int]:
    """Return the usage totals of results, as ``--json`` prints them.

    Args:
        results: The cells' or files' results to add up.

    Returns:
        requests, prompt, completion, total, cached and reasoning tokens, answers without token counts, cache
        hits.
    """
    total = Usage()
    for result in results:
        total.add(result.usage)
    keys = ("requests", "prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens",
            "reasoning_tokens", "uncounted", "cache_hits")
    return {k: getattr(total, k) for k in keys}


def file_usage_line(label: str, results: Sequence[Result], cells: Sequence[int] | None) -> str:
    """Return the one usage line of a file run on its own: the same line as a cell's, for all its cells.

    Args:
        label: The file as named.
        results: One result per cell (one for a .py file).
        cells: The notebook's code cell positions, or None for a .py file.

    Returns:
        The line; a notebook's names its code cells first.
    """
    line = usage_line(results)
    return line if cells is None else f"{label}: {len(results)} code cells · {line}"


def print_code(source: Source, code: str) -> None:
    """Print code in the encoding its coding line names, so that redirecting the output makes a valid file.

    Args:
        source: What was read (its encoding).
        code: The documented text to print.
    """
    stream = getattr(sys.stdout, "buffer", None)
    if source.encoding == "utf-8" or stream is None:
        sys.stdout.write(code)
        return
    data = encode_source(code, source.encoding, False, label=source.label)
    sys.stdout.flush()
    stream.write(data)
    stream.flush()


class ProgressBar:
    """The progress display on standard error (rich), fed from the run's event loop thread."""

    def __init__(self, files: int, enabled: bool) -> None:
        """Start the display (nothing is shown unless enabled).

        Args:
            files: Files in the run.
            enabled: Show it (standard error is a terminal and ``-q`` is off).
        """
        self.files, self.files_done = files, 0
        self.requests = self.tokens = 0
        self._lock = threading.Lock()
        self._bar: Any = None
        self._task: Any = None
        if enabled:
            from rich.console import Console  # rich costs ~40 ms: only a terminal shows the bar
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(TextColumn("docgen"), BarColumn(), MofNCompleteColumn(), TextColumn("targets"),
                                 TextColumn("{task.fields[files]}"), TextColumn("{task.fields[usage]}"),
                                 TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                                 console=Console(stderr=True), transient=True)
            self._task = self._bar.add_task("docgen", total=None, files=self._files_text(), usage="")
            self._bar.start()

    def _files_text(self) -> str:
        return f"files {self.files_done}/{self.files}"

    def target(self, event: ProgressEvent) -> None:
        """Count a target's progress.

        Args:
            event: The pipeline's event.
        """
        if self._bar is not None:
            self._bar.update(self._task, completed=event.done, total=max(event.total, 1))

    def file_done(self, results: Sequence[Result] | Exception) -> None:
        """Count a finished file and its usage.

        Args:
            results: Its results, or the error that stopped it.
        """
        with self._lock:
            self.files_done += 1
            if not isinstance(results, Exception):
                for result in results:
                    self.requests += result.usage.requests
                    self.tokens += result.usage.total_tokens
            usage = f"{self.requests:,} requests, {self.tokens:,} tokens"
        if self._bar is not None:
            self._bar.update(self._task, files=self._files_text(), usage=usage)

    def stop(self) -> None:
        """Remove the display."""
        if self._bar is not None:
            self._bar.stop()


def summary_table(results: Sequence[Result], files: int, unreadable: int, elapsed: float) -> None:
    """Print the summary of a many-file run on standard error.

    Args:
        results: Every result of the run.
        files: Files named.
        unreadable: Files that could not be read.
        elapsed: Seconds the run took.
    """
    from rich import box  # rich costs ~40 ms: only a many-file run prints a table
    from rich.console import Console
    from rich.table import Table

    usage = Usage()
    counts = {"documented": 0, "cached": 0, "failed": 0, "skipped": 0}
    for result in results:
        usage.add(result.usage)
        for target in result.targets:
            key = "cached" if target.cached else target.status
            counts[key] = counts.get(key, 0) + 1
    targets = sum(len(r.targets) for r in results)
    table = Table(title=f"docgen: {files} file(s){f' ({unreadable} not read)' if unreadable else ''}, "
                        f"{elapsed:.1f} s", title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("targets", "documented", "cached", "failed", "skipped", "requests", "prompt tokens",
                   "API-cached", "completion tokens"):
        table.add_column(column, justify="right")
    table.add_row(*(f"{n:,}" for n in (targets, counts["documented"], counts["cached"], counts["failed"],
                                         counts["skipped"], usage.requests, usage.prompt_tokens, usage.cached_tokens,
                                         usage.completion_tokens)))
    Console(stderr=True, width=None if sys.stderr.isatty() else 110).print(table)


def close_stdout() -> None:
    """Stop quietly, like a killed ``cat``, when the reader of stdout went away (``docgen FILE | head -1``)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's final flush must not fail again
    except (OSError, ValueError):
        pass
