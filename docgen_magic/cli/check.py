"""``docgen --check PATH...``: coverage without any model, ``path:line: name: message`` per gap."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from docgen_magic.api import CellSyntaxError, FileError, InputError, check
from docgen_magic.cli.exits import ExitCode
from docgen_magic.cli.output import logger, where
from docgen_magic.cli.sources import Source, read_source
from docgen_magic.settings import Settings

__all__ = ["check_file", "check_paths"]


def check_file(source: Source, settings: Settings, *, as_json: bool = False) -> tuple[ExitCode, dict[str, Any]]:
    """Check one file; print ``path:line: name: message`` per finding unless ``as_json``.

    Args:
        source: The file as read.
        settings: The resolved settings.
        as_json: Print nothing; the findings are in the returned object.

    Returns:
        The file's exit status and its JSON object (path, status, targets, complete, findings).

    Raises:
        InputError: A cell does not parse.
    """
    cells = source.cells()
    findings: list[dict[str, Any]] = []
    total = complete = 0
    for n, text in enumerate(source.texts()):
        place = where(source.label, cells, n if cells is not None else None)
        try:
            report = check(text, settings=settings)
        except CellSyntaxError as exc:
            raise InputError(exc.describe(text, where=place)) from None
        total, complete = total + report.total, complete + report.complete
        if report.cell_magic is not None:
            logger.info("%s: %s", place, report.notes[0])
        for finding in report.findings:
            findings.append({"path": source.label, "cell": None if cells is None else cells[n] + 1,
                             "line": finding.lineno, "name": finding.qualname, "message": finding.message})
            if not as_json:
                sys.stdout.write(f"{place}:{finding.lineno}: {finding.qualname}: {finding.message}\n")
    logger.info("%s: %d of %d documented completely", source.label, complete, total)
    status = ExitCode.FAILED if findings else ExitCode.OK
    return status, {"path": source.label, "status": status, "targets": total, "complete": complete,
                    "findings": findings}


def check_paths(files: Sequence[str], settings: Settings, *, as_json: bool = False) -> ExitCode:
    """``--check`` over files: a file that cannot be read is reported and the others go on.

    With ``as_json``, one object is printed: ``files`` (path, status, targets, complete, findings with line,
    name and message) and ``totals``.

    Args:
        files: The paths, expanded.
        settings: The resolved settings.
        as_json: Print one JSON object instead of the findings.

    Returns:
        The worst status over the files.
    """
    status = ExitCode.OK
    reports: list[dict[str, Any]] = []
    for label in files:
        try:
            file_status, report = check_file(read_source(label), settings, as_json=as_json)
        except (InputError, FileError) as exc:
            logger.error("%s", exc)
            file_status, report = ExitCode.INPUT, {"path": label, "status": ExitCode.INPUT, "error": str(exc)}
        status = max(status, file_status)
        reports.append(report)
    if as_json:
        totals = {"files": len(reports), "targets": sum(r.get("targets", 0) for r in reports),
                  "complete": sum(r.get("complete", 0) for r in reports),
                  "findings": sum(len(r.get("findings", ())) for r in reports), "status": status}
        sys.stdout.write(json.dumps({"files": reports, "totals": totals}, ensure_ascii=False) + "\n")
    return status
