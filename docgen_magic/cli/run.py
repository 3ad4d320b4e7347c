"""``docgen PATH...`` over one file or many: one run, one progress display, one summary, one exit status.

Every target of every file shares one concurrency ceiling, the provider's rate limiter, one token budget and
one cache (:func:`docgen_magic.api.document_files_sync`). While it runs, a progress display on standard error
(when it is a terminal) shows files and targets done, requests, tokens, elapsed time and the time left; at
the end a summary table. Output per mode: the documented code of each file under a ``# ==> path <==`` header,
``--diff`` (one diff per file or notebook cell), ``--write`` (each changed file rewritten atomically, a file
changed meanwhile refused), ``--json`` (one object: ``files`` and ``totals``). Problems are reported as
``path:line: message``. A file named on its own is the same run of one, printed as a filter would print it:
no header, ``--json`` its own object, a usage line instead of the table.

A run is described by a :class:`RunRequest`, so anything (the command line, a test, another program) can drive
it.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from docgen_magic.api import (
    CellSyntaxError,
    FileError,
    InputError,
    Result,
    WriteConflictError,
    document_files_sync,
)
from docgen_magic.cli.exits import ExitCode
from docgen_magic.cli.output import (
    ProgressBar,
    file_usage_line,
    logger,
    print_code,
    report_results,
    summary_table,
    usage_summary,
    where,
)
from docgen_magic.cli.sources import Source, notebook_json, read_source, set_cell_text, write_text
from docgen_magic.infra.notebook import edit_breaks_schema
from docgen_magic.settings import Settings

__all__ = ["FileRun", "Mode", "RunRequest", "run_files"]

Mode = Literal["code", "diff", "write"]


@dataclass(frozen=True)
class RunRequest:
    """One ``docgen`` run over files.

    Attributes:
        labels: File paths (already expanded from folders and globs), or ``-`` alone for standard input.
        settings: The resolved settings.
        mode: ``code`` (print the documented code), ``diff`` or ``write`` (rewrite the files).
        as_json: Print one JSON object instead of code (with ``write``, besides writing).
        single: One file named on its own: its output carries no file header, JSON is its object alone, and a
            usage line replaces the summary table.
        force: With ``write``: write even if a file changed since it was read.
        quiet: Show no progress and no summary (errors only).
    """

    labels: Sequence[str]
    settings: Settings
    mode: Mode = "code"
    as_json: bool = False
    single: bool = False
    force: bool = False
    quiet: bool = False


@dataclass
class FileRun:
    """One file of a run.

    Attributes:
        label: The path as given.
        source: What was read, or None when it could not be read.
        results: One result per cell, once documented.
        error: Why the file was not documented (unreadable, syntax error), or None.
        status: The file's exit status.
        written: False when ``write`` could not write it (refused or failed).
    """

    label: str
    source: Source | None = None
    results: list[Result] = field(default_factory=list)
    error: str | None = None
    status: ExitCode = ExitCode.OK
    written: bool = True

    @property
    def cells(self) -> list[int] | None:
        """The positions of the notebook's code cells (None for a .py file or an unread file)."""
        return self.source.cells() if self.source is not None else None


def _read(labels: Sequence[str]) -> list[FileRun]:
    runs = []
    for label in labels:
        run = FileRun(label)
        try:
            run.source = read_source(label)
        except (InputError, FileError) as exc:
            run.error, run.status = str(exc), ExitCode.INPUT
        else:
            run.label = run.source.label  # standard input is named <stdin> in messages
        runs.append(run)
    return runs


def _settle(run: FileRun, outcome: list[Result] | CellSyntaxError) -> None:
    if isinstance(outcome, CellSyntaxError):
        assert run.source is not None
        position = outcome.cell
        text = run.source.texts()[position] if position is not None else ""
        run.error = outcome.describe(text, where=where(run.label, run.cells, position))
        run.status = ExitCode.INPUT
        return
    run.results = outcome
    run.status = ExitCode.OK if all(r.ok for r in outcome) else ExitCode.FAILED


def _emit(run: FileRun, request: RunRequest) -> dict[str, Any] | None:
    """Print or write one documented file; its JSON object when ``as_json``.

    A file run on its own prints as it always has (no ``# ==> path <==`` header; JSON without the ``path``
    and ``status`` keys); among several, each file is named.
    """
    assert run.source is not None
    results, cells = run.results, run.cells
    report_results(run.label, results, cells)
    if request.mode == "write":
        _write(run, request.force)
    elif request.mode == "diff":
        for n, result in enumerate(results):
            place = where(run.label, cells, n if cells is not None else None)
            sys.stdout.write(result.diff(name=place.removeprefix("<").removesuffix(">")))
    elif not request.as_json:
        if not request.single:
            sys.stdout.write(f"# ==> {run.label} <==\n")
        if cells is None:
            print_code(run.source, results[0].code)
        else:
            for index, result in zip(cells, results, strict=True):
                sys.stdout.write(f"# %% [cell {index + 1}]\n{result.code}")
                if result.code and not result.code.endswith("\n"):
                    sys.stdout.write("\n")
    if not request.as_json:
        return None
    payload: dict[str, Any] = {} if request.single else {"path": run.label, "status": run.status}
    if cells is None:
        payload |= results[0].to_dict()
    else:
        payload |= {"cells": [r.to_dict() for r in results], "usage": usage_summary(results)}
    return payload


def _write(run: FileRun, force: bool) -> None:
    source, results = run.source, run.results
    assert source is not None
    try:
        if source.notebook is None:
            if results[0].changed:
                write_text(source, results[0].code, force)
            return
        notebook_cells = [source.notebook["cells"][i] for i in run.cells or []]
        changed = [(cell, r) for cell, r in zip(notebook_cells, results, strict=True) if r.changed]
        if not changed:
            return
        for cell, result in changed:
            set_cell_text(cell, result.code)
        broken = edit_breaks_schema(json.loads(source.text), source.notebook)
        if broken:
            raise InputError(f"{run.label}: not written: the result would not be a valid notebook ({broken})")
        write_text(source, notebook_json(source), force)
    except WriteConflictError as exc:  # changed since it was read: refused
        logger.error("%s", exc)
        run.status, run.written = max(run.status, ExitCode.FAILED), False
    except (InputError, FileError) as exc:  # could not be written (read-only, disk full)
        logger.error("%s", exc)
        run.status, run.written = max(run.status, ExitCode.INPUT), False


def run_files(request: RunRequest) -> ExitCode:
    """Document files in one run and print, diff, write or report them.

    Args:
        request: What to run and how to show it.

    Returns:
        The exit status over all files: 2 when a file could not be read, parsed or written, else 1 when a
        target failed or a write was refused, else 0.

    Raises:
        InputError: ``write`` with standard input.
    """
    started = time.perf_counter()
    runs = _read(request.labels)
    readable = [run for run in runs if run.source is not None]
    if request.mode == "write" and any(run.source is not None and run.source.path is None for run in readable):
        raise InputError("--write needs a file, not standard input")
    progress = ProgressBar(len(readable), enabled=sys.stderr.isatty() and not request.quiet)
    try:
        outcomes = document_files_sync([run.source.texts() for run in readable if run.source is not None],
                                       settings=request.settings, on_progress=progress.target,
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
        payload = _emit(run, request)
        if payload is not None:
            payloads.append(payload)
    status = max((run.status for run in runs), default=ExitCode.OK)
    if request.single:
        if request.as_json and payloads:
            sys.stdout.write(json.dumps(payloads[0], ensure_ascii=False) + "\n")
        elif not request.as_json and not runs[0].error and runs[0].written:  # else one line said what failed
            logger.info("%s", file_usage_line(runs[0].label, runs[0].results, runs[0].cells))
        return status
    if request.as_json:
        _print_json(runs, payloads, status)
    if not request.quiet:
        summary_table([r for run in runs for r in run.results], len(runs), sum(1 for run in runs if run.error),
                      time.perf_counter() - started)
    return status


def _print_json(runs: Sequence[FileRun], payloads: list[dict[str, Any]], status: ExitCode) -> None:
    unreadable = [{"path": run.label, "status": run.status, "error": run.error} for run in runs if run.error]
    results = [r for run in runs for r in run.results]
    totals = {"files": len(runs), "unreadable": len(unreadable), "targets": sum(len(r.targets) for r in results),
              "documented": sum(len(r.documented) for r in results),
              "failed": sum(len(r.failed) for r in results), "status": status, "usage": usage_summary(results)}
    sys.stdout.write(json.dumps({"files": payloads + unreadable, "totals": totals}, ensure_ascii=False) + "\n")
