"""What ``--check`` says in the notebook: coverage, then per target what is missing and why it matters.

Used by ``%%docgen --check`` and by "Check this notebook"; the line numbers are the cell's as the notebook
shows it (the caller says how many lines come before the checked text).
"""

from __future__ import annotations

import dataclasses
import html
from typing import TYPE_CHECKING, Any

from docgen_magic.views.style import STYLE

if TYPE_CHECKING:
    from docgen_magic.api import CheckFinding, CheckReport

__all__ = ["CHECK_WHY", "check_bundle", "check_lines"]

CHECK_WHY = {
    "no-docstring": "help() and the editor's tooltip show nothing, so a reader has to read the code",
    "missing-param": "a caller cannot tell what to pass without reading the body",
    "unknown-param": "the docstring promises a parameter the function does not take (renamed or removed?)",
    "missing-returns": "a caller cannot tell what comes back",
    "missing-yields": "a generator gives values lazily; say what each one is",
    "missing-raise": "a caller cannot tell which errors to expect and catch",
    "placeholder": "a draft's TODO marks what only the author knows; replace it with what the thing means",
    "restated-name": "repeating the name tells a reader nothing new; say what it means, its unit or its shape",
}
"""Why each kind of gap matters, for ``--check`` in teaching mode (keyed by the finding's codes)."""


def check_lines(report: CheckReport) -> list[str]:
    """Return the plain lines of a coverage report.

    Args:
        report: The coverage and findings of one cell.

    Returns:
        The lines: coverage, then per target its line and name with each gap on its own line, then why
        those gaps matter, then what to do next.
    """
    if report.total == 0:
        lines = ["coverage: nothing to check"]
        lines += [f"note: {n}" for n in report.notes] or ["the cell has no functions or classes"]
        return lines
    percent = round(100 * report.complete / report.total)
    lines = [f"coverage: {report.complete}/{report.total} public functions and classes fully documented "
             f"({percent}%)"]
    for finding in report.findings:
        lines.append(f"line {finding.lineno}: {finding.kind} {finding.qualname}")
        lines += [f"    - {gap}" for gap in _gaps(finding)]
    lines += [f"note: {n}" for n in report.notes]
    why = _why(report)
    if why:
        lines += ["", "why it matters:"] + [f"    - {gap}: {reason}" for gap, reason in why]
    lines.append("")
    if report.ok:
        lines.append("every public function and class is fully documented")
    else:
        lines.append("next: write the missing parts yourself and rerun --check, or run %%docgen (without --check) "
                     "to have them written")
    return lines


def _gaps(finding: CheckFinding) -> list[str]:
    """Return the separate gaps of one finding (its message joins them with ``"; "``, one per code).

    Args:
        finding: A CheckFinding.

    Returns:
        One text per gap.
    """
    parts = [p.strip() for p in finding.message.split("; ")]
    return parts if len(parts) == len(finding.codes) or not finding.codes else [finding.message]


def _why(report: CheckReport) -> list[tuple[str, str]]:
    """Why each kind of gap in the report matters, once per kind, in order of first appearance.

    Args:
        report: The report.

    Returns:
        (short name of the gap, reason) pairs.
    """
    names = {"no-docstring": "no docstring", "missing-param": "undocumented parameter",
             "unknown-param": "unknown parameter", "missing-returns": "no Returns section",
             "missing-yields": "no Yields section", "missing-raise": "undocumented exception",
             "placeholder": "placeholder text", "restated-name": "text that restates the name"}
    seen = dict.fromkeys(code for f in report.findings for code in f.codes if code in CHECK_WHY)
    return [(names.get(code, code), CHECK_WHY[code]) for code in seen]


def check_bundle(report: CheckReport, line_offset: int = 0) -> dict[str, Any]:
    """Return the mimebundle of ``%%docgen --check``: coverage, then per target what is missing and why.

    Args:
        report: The coverage report.
        line_offset: Added to the reported line numbers (1 when the ``%%docgen`` line counts).

    Returns:
        ``{"text/plain": ..., "text/html": ...}``.
    """
    if line_offset:
        report = dataclasses.replace(report, findings=[dataclasses.replace(f, lineno=f.lineno + line_offset)
                                                       for f in report.findings])
    lines = check_lines(report)
    rows = "".join(
        f"<tr><td>{f.lineno}</td><td><code>{html.escape(f.qualname)}</code></td><td>{html.escape(f.kind)}</td>"
        "<td><ul>" + "".join(f"<li>{html.escape(g)}</li>" for g in _gaps(f)) + "</ul></td></tr>"
        for f in report.findings)
    table = (f"<table><thead><tr><th>line</th><th>name</th><th>kind</th><th>what is missing</th></tr></thead>"
             f"<tbody>{rows}</tbody></table>") if rows else ""
    why = _why(report)
    why_html = ("<p>Why it matters:</p><ul>" + "".join(
        f"<li><b>{html.escape(gap)}</b>: {html.escape(reason)}</li>" for gap, reason in why) + "</ul>") if why else ""
    notes = "".join(f'<p class="docgen-note">note: {html.escape(n)}</p>' for n in report.notes)
    if report.total == 0:
        notes = "".join(f"<p>{html.escape(line)}</p>" for line in lines[1:])
    tail = f"<p>{html.escape(lines[-1])}</p>" if report.total else ""
    body = (f'<div class="docgen-html docgen-check">{STYLE}<p><b>{html.escape(lines[0])}</b></p>'
            f"{table}{notes}{why_html}{tail}</div>")
    return {"text/plain": "\n".join(lines), "text/html": body}
