"""``docgen PATH...`` over one file or many: one run, one progress display, one summary, one exit status.

Every target of every file shares one concurrency ceiling, the provider's rate limiter, one token budget and
one cache (:func:`docgen_magic.api.document_files_sync`). While it runs, a progress display on standard error
(when it is a terminal) shows files and targets done, requests, tokens, elapsed time and the time left; at
the end a summary table. Output per mode: the documented code of each file under a ``# ==> path <==`` header,
``--diff`` (one diff per file or notebook cell), ``--write`` (each changed file rewritten atomically, a file
changed meanwhile refused), ``--json`` (one object: ``files`` and ``totals``). Problems are reported as
``path:line: message``. A file named on its own is the same run of one, printed as a filter would print it:
no header, ``--json`` its own object, a usage line instead of the table.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from docgen_magic.cli import EXIT_FAILED, EXIT_INPUT, EXIT_OK
from docgen_magic.core.errors import InputError
from docgen_magic.infra.files import FileError, WriteConflictError

logger = logging.getLogger("docgen")


@dataclass
class FileRun:
    """One file of a many-file run.

    Attributes:
        label: The path as given.
        source: What was read (``cli.Source``), or None when it could not be read.
        cells: Positions of the notebook's code cells (None for a .py file).
        results: One result per cell, once documented.
        error: Why the file was not documented (unreadable, syntax error), or None.
        status: The file's exit status.
        written: False when ``--write`` could not write it (refused or failed).
    """

    label: str
    source: Any = None
    cells: list[int] | None = None
    results: list[Any] = field(default_factory=list)
    error: str | None = None
    status: int = EXIT_OK
    written: bool = True

    def texts(self) -> list[str]:
        """Return the file's cell texts (one for a .py file).

        Returns:
            The texts to document.
        """
        from docgen_magic.cli import _cell_text, _code_cells

        if self.source.notebook is None:
            return [self.source.text]
        return [_cell_text(c) for _, c in _code_cells(self.source.notebook)]


class _Progress:
    """The progress display on standard error (rich), fed from the run's event loop thread."""

    def __init__(self, files: int, enabled: bool) -> None:
        self.files, self.files_done = files, 0
        self.requests = self.tokens = 0
        self._lock = threading.Lock()
        self._bar: Any = None
        self._task: Any = None
        if enabled:
            from rich.console import Console
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

    def target(self, event: Any) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=event.done, total=max(event.total, 1))

    def file_done(self, results: Any) -> None:
        with self._lock:
            self.files_done += 1
            if isinstance(results, list):
                for result in results:
                    self.requests += result.usage.requests
                    self.tokens += result.usage.total_tokens
            usage = f"{self.requests:,} requests, {self.tokens:,} tokens"
        if self._bar is not None:
            self._bar.update(self._task, files=self._files_text(), usage=usage)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()


def _read(labels: Sequence[str]) -> list[FileRun]:
    from docgen_magic.cli import _code_cells, read_source

    runs = []
    for label in labels:
        run = FileRun(label)
        try:
            run.source = read_source(label)
        except (InputError, FileError) as exc:
            run.error, run.status = str(exc), EXIT_INPUT
        else:
            run.label = run.source.label  # standard input is named <stdin> in messages
            if run.source.notebook is not None:
                run.cells = [i for i, _ in _code_cells(run.source.notebook)]
        runs.append(run)
    return runs


def _where(run: FileRun, cell: int | None) -> str:
    return run.label if cell is None or run.cells is None else f"{run.label}[cell {run.cells[cell] + 1}]"


def _settle(run: FileRun, outcome: Any) -> None:
    from docgen_magic.cli import _syntax_error
    from docgen_magic.core.cell import CellSyntaxError

    if isinstance(outcome, CellSyntaxError):
        where = _where(run, outcome.cell)
        run.error, run.status = str(_syntax_error(where, outcome)), EXIT_INPUT
        return
    run.results = outcome
    run.status = EXIT_OK if all(r.ok for r in outcome) else EXIT_FAILED


def _emit(run: FileRun, args: argparse.Namespace, single: bool) -> dict[str, Any] | None:
    """Print or write one documented file; its JSON object when ``--json``.

    A file run on its own prints as it always has (no ``# ==> path <==`` header; ``--json`` without the
    ``path`` and ``status`` keys); among several, each file is named.
    """
    from docgen_magic.cli import _print_code, _report_failures, _usage_summary

    results = run.results
    _report_failures(run.label, results, run.cells)
    if args.write:
        _write(run, args)
    elif args.diff:
        for n, result in enumerate(results):
            where = _where(run, n if run.cells is not None else None)
            sys.stdout.write(result.diff(name=where.removeprefix("<").removesuffix(">")))
    elif not args.json:
        if not single:
            sys.stdout.write(f"# ==> {run.label} <==\n")
        if run.cells is None:
            _print_code(run.source, results[0].code)
        else:
            for index, result in zip(run.cells, results, strict=True):
                sys.stdout.write(f"# %% [cell {index + 1}]\n{result.code}")
                if result.code and not result.code.endswith("\n"):
                    sys.stdout.write("\n")
    if not args.json:
        return None
    payload: dict[str, Any] = {} if single else {"path": run.label, "status": run.status}
    if run.cells is None:
        payload |= results[0].to_dict()
    else:
        payload |= {"cells": [r.to_dict() for r in results], "usage": _usage_summary(results)}
    return payload


def _write(run: FileRun, args: argparse.Namespace) -> None:
    from docgen_magic.cli import _notebook_json, _set_cell_text, _write_text

    source, results = run.source, run.results
    try:
        if source.notebook is None:
            if results[0].changed:
                _write_text(source, results[0].code, args.force)
            return
        notebook_cells = [source.notebook["cells"][i] for i in run.cells or []]
        changed = [(cell, r) for cell, r in zip(notebook_cells, results, strict=True) if r.changed]
        if not changed:
            return
        for cell, result in changed:
            _set_cell_text(cell, result.code)
        from docgen_magic.infra.notebook import edit_breaks_schema

        broken = edit_breaks_schema(json.loads(source.text), source.notebook)
        if broken:
            raise InputError(f"{run.label}: not written: the result would not be a valid notebook ({broken})")
        _write_text(source, _notebook_json(source), args.force)
    except WriteConflictError as exc:  # changed since it was read: refused
        logger.error("%s", exc)
        run.status, run.written = max(run.status, EXIT_FAILED), False
    except (InputError, FileError) as exc:  # could not be written (read-only, disk full)
        logger.error("%s", exc)
        run.status, run.written = max(run.status, EXIT_INPUT), False


def _summary(runs: Sequence[FileRun], elapsed: float) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from docgen_magic.core.usage import Usage

    usage = Usage()
    counts = {"documented": 0, "cached": 0, "failed": 0, "skipped": 0}
    for run in runs:
        for result in run.results:
            usage.add(result.usage)
            for target in result.targets:
                key = "cached" if target.cached else target.status
                counts[key] = counts.get(key, 0) + 1
    targets = sum(len(r.targets) for run in runs for r in run.results)
    unreadable = sum(1 for run in runs if run.error)
    table = Table(title=f"docgen: {len(runs)} file(s){f' ({unreadable} not read)' if unreadable else ''}, "
                        f"{elapsed:.1f} s", title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("targets", "documented", "cached", "failed", "skipped", "requests", "prompt tokens",
                   "API-cached", "completion tokens"):
        table.add_column(column, justify="right")
    table.add_row(*(f"{n:,}" for n in (targets, counts["documented"], counts["cached"], counts["failed"],
                                         counts["skipped"], usage.requests, usage.prompt_tokens, usage.cached_tokens,
                                         usage.completion_tokens)))
    Console(stderr=True, width=None if sys.stderr.isatty() else 110).print(table)


def run_files(labels: Sequence[str], args: argparse.Namespace, settings: Any, *, single: bool = False) -> int:
    """Document files in one run and print, diff, write or report them.

    Args:
        labels: File paths (already expanded from folders and globs), or ``-`` alone for standard input.
        args: The parsed command line.
        settings: The resolved settings.
        single: One file named on its own: its output carries no file header, ``--json`` prints its object
            alone, and a usage line replaces the summary table.

    Returns:
        The exit status over all files: 2 when a file could not be read, parsed or written, else 1 when a
        target failed or a write was refused, else 0.

    Raises:
        InputError: ``--write`` with standard input.
    """
    from docgen_magic.api import document_files_sync

    started = time.perf_counter()
    runs = _read(labels)
    readable = [run for run in runs if run.source is not None]
    if args.write and any(run.source.path is None for run in readable):
        raise InputError("--write needs a file, not standard input")
    progress = _Progress(len(readable), enabled=sys.stderr.isatty() and not args.quiet)
    try:
        outcomes = document_files_sync([run.texts() for run in readable], settings=settings,
                                       on_progress=progress.target,
                                       on_file=lambda _, results: progress.file_done(results))
    finally:
        progress.stop()
    for run, outcome in zip(readable, outcomes, strict=True):
        _settle(run, outcome)
    payloads = []
    for run in runs:
        if run.error is not None:
            logger.error("%s", run.error)
            continue
        payload = _emit(run, args, single)
        if payload is not None:
            payloads.append(payload)
    status = max((run.status for run in runs), default=EXIT_OK)
    if single:
        if args.json and payloads:
            sys.stdout.write(json.dumps(payloads[0], ensure_ascii=False) + "\n")
        elif not args.json and not runs[0].error and runs[0].written:  # else the one line says what went wrong
            _usage_line(runs[0])
        return status
    if args.json:
        _print_json(runs, payloads, status)
    if not args.quiet:
        _summary(runs, time.perf_counter() - started)
    return status


def _usage_line(run: FileRun) -> None:
    """Log the one-line usage of a file run on its own (``-q`` hides it)."""
    from docgen_magic.cli import _usage_summary

    if run.cells is None:
        logger.info("%s", run.results[0].usage_line())
    else:
        documented = sum(len(r.documented) for r in run.results)
        logger.info("%s: %d cells, %d documented, %s", run.label, len(run.results), documented,
                    _usage_summary(run.results))


def _print_json(runs: Sequence[FileRun], payloads: list[dict[str, Any]], status: int) -> None:
    from docgen_magic.cli import _usage_summary

    unreadable = [{"path": run.label, "status": run.status, "error": run.error} for run in runs if run.error]
    results = [r for run in runs for r in run.results]
    totals = {"files": len(runs), "unreadable": len(unreadable), "targets": sum(len(r.targets) for r in results),
              "documented": sum(len(r.documented) for r in results),
              "failed": sum(len(r.failed) for r in results), "status": status, "usage": _usage_summary(results)}
    sys.stdout.write(json.dumps({"files": payloads + unreadable, "totals": totals}, ensure_ascii=False) + "\n")
