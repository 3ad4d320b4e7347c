"""Plain renderings of a ``%%docgen`` result: a text/plain + text/html mimebundle.

They serve every place the review widget cannot: nbconvert and nbclient output, GitHub / nbviewer, terminal
IPython and VS Code with widgets off. The widget shows the same pieces (``code_html``, ``diff_html``,
``report_html``) so the two views never drift apart. Nothing here imports IPython or ipywidgets.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from docgen_magic.api import CheckReport
    from docgen_magic.core.result import Result, TargetOutcome

__all__ = [
    "AZURE_HINT",
    "check_bundle",
    "code_html",
    "diff_html",
    "highlight",
    "notes_for",
    "report_html",
    "report_rows",
    "result_bundle",
    "result_html",
    "result_text",
]

AZURE_HINT = (
    "No model is configured, so these are offline templates built from the code. For model-written "
    "docstrings set AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY and AZURE_OPENAI_DEPLOYMENT (Azure OpenAI) "
    "or OPENAI_API_KEY (OpenAI) before starting the kernel; `%docgen` shows what is in use."
)
"""The note shown when the automatic provider choice fell back to offline templates."""

_STYLE = (
    "<style>"
    ".docgen-html table{border-collapse:collapse;font-size:90%}"
    ".docgen-html th,.docgen-html td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
    ".docgen-html pre{margin:0;padding:6px;overflow-x:auto}"
    ".docgen-diff .add{color:#22863a}.docgen-diff .del{color:#b31d28}.docgen-diff .hunk{color:#6f42c1}"
    ".docgen-failed{color:#b31d28}.docgen-note{color:#6a737d}"
    "</style>"
)

REPORT_COLUMNS = ("name", "kind", "status", "attempts", "cached", "tokens", "time", "problems fixed",
                  "error / reason")


def highlight(code: str) -> str:
    """Syntax-highlight Python code as HTML with inline styles, or escape it when Pygments is missing.

    Args:
        code: The code.

    Returns:
        A ``<pre>`` block (Pygments' ``<div class="highlight">`` wrapper when available).
    """
    try:
        from pygments import highlight as pygmentize
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return f"<pre>{html.escape(code)}</pre>"
    return pygmentize(code, PythonLexer(stripnl=False, ensurenl=False), HtmlFormatter(noclasses=True))


def code_html(code: str) -> str:
    """The documented code, highlighted, inside a ``docgen-code`` element (a browser test reads it).

    Args:
        code: The documented code.

    Returns:
        HTML text.
    """
    return f'<div class="docgen-code">{highlight(code)}</div>'


def diff_html(diff: str) -> str:
    """A unified diff as coloured HTML inside a ``docgen-diff`` element.

    Args:
        diff: The diff text (``Result.diff()``).

    Returns:
        HTML text; says "No changes." when the diff is empty.
    """
    if not diff:
        return '<div class="docgen-diff"><p class="docgen-note">No changes.</p></div>'
    lines = []
    for line in diff.splitlines():
        css = ""
        if line.startswith("@@"):
            css = "hunk"
        elif line.startswith("+") and not line.startswith("+++"):
            css = "add"
        elif line.startswith("-") and not line.startswith("---"):
            css = "del"
        text = html.escape(line)
        lines.append(f'<span class="{css}">{text}</span>' if css else text)
    return '<div class="docgen-diff"><pre>' + "\n".join(lines) + "</pre></div>"


def _outcome_detail(outcome: TargetOutcome) -> str:
    """The error or the skip reason of one target, or an empty string.

    Args:
        outcome: The target's outcome.

    Returns:
        One line.
    """
    return outcome.error or outcome.reason or ""


def report_rows(result: Result) -> list[tuple[str, ...]]:
    """One row of plain cells per target, in :data:`REPORT_COLUMNS` order.

    Args:
        result: The result.

    Returns:
        The rows.
    """
    rows = []
    for t in result.targets:
        tokens = t.usage.prompt_tokens + t.usage.completion_tokens
        rows.append((t.name, t.kind, t.status, str(t.attempts), "yes" if t.cached else "no",
                     f"{tokens:,}", f"{t.elapsed_s:.2f} s", ", ".join(t.problems_fixed), _outcome_detail(t)))
    return rows


def report_html(result: Result) -> str:
    """The per-target report as an HTML table inside a ``docgen-report`` element.

    Args:
        result: The result.

    Returns:
        HTML text.
    """
    if not result.targets:
        return '<div class="docgen-report"><p class="docgen-note">No functions or classes in this cell.</p></div>'
    head = "".join(f"<th>{html.escape(c)}</th>" for c in REPORT_COLUMNS)
    body = []
    for row, outcome in zip(report_rows(result), result.targets, strict=True):
        css = ' class="docgen-failed"' if outcome.status == "failed" else ""
        body.append(f"<tr{css}>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>")
    return (f'<div class="docgen-report"><table><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def notes_for(result: Result) -> list[str]:
    """The remarks a user should see next to a result: failures, notes and the "configure a model" hint.

    Args:
        result: The result.

    Returns:
        One line per remark.
    """
    notes = list(result.notes)
    if not result.targets and not result.notes:
        notes.append("nothing to document: the cell has no functions or classes")
    errors = [t.error for t in result.failed if t.error]
    if errors and len(set(errors)) == 1 and len(errors) == len(result.targets) > 1:
        notes.append(f"every target failed: {errors[0]} (the cell is unchanged)")
    else:
        notes += [f"{t.name} failed: {t.error or 'no reason given'} (left as written)" for t in result.failed]
    if result.provider == "offline" and result.provider_reason.startswith("offline: no "):
        notes.append(AZURE_HINT)
    return notes


def result_text(result: Result) -> str:
    """The text/plain rendering: the documented code, the usage line and the remarks.

    Args:
        result: The result.

    Returns:
        Plain text.
    """
    parts = [result.code.rstrip("\r\n"), "", "# " + result.usage_line()]
    parts += ["# " + note for note in notes_for(result)]
    return "\n".join(parts)


def _notes_html(notes: Iterable[str]) -> str:
    """Remarks as an HTML list.

    Args:
        notes: One line per remark.

    Returns:
        HTML text, empty when there are none.
    """
    items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return f'<ul class="docgen-notes">{items}</ul>' if items else ""


def result_html(result: Result) -> str:
    """The text/html rendering: highlighted code, diff, report table, usage line and remarks.

    Args:
        result: The result.

    Returns:
        HTML text, self-contained (inline styles, no script).
    """
    return (f'<div class="docgen-html">{_STYLE}'
            f"{_notes_html(notes_for(result))}"
            f"{code_html(result.code)}"
            f"<details><summary>Changes</summary>{diff_html(result.diff())}</details>"
            f"<details><summary>Report</summary>{report_html(result)}</details>"
            f'<p class="docgen-usage">{html.escape(result.usage_line())}</p></div>')


def result_bundle(result: Result) -> dict[str, Any]:
    """The plain mimebundle of a result.

    Args:
        result: The result.

    Returns:
        ``{"text/plain": ..., "text/html": ...}``.
    """
    return {"text/plain": result_text(result), "text/html": result_html(result)}


def _check_lines(report: CheckReport) -> list[str]:
    """The plain lines of a coverage report.

    Args:
        report: The report.

    Returns:
        The lines.
    """
    lines = [f"coverage: {report.complete}/{report.total} targets fully documented"]
    for finding in report.findings:
        lines.append(f"  line {finding.lineno}: {finding.kind} {finding.qualname}: {finding.message}")
    lines += [f"note: {n}" for n in report.notes]
    if report.total == 0 and not report.notes:
        lines.append("nothing to document: the cell has no functions or classes")
    elif report.ok:
        lines.append("every public function and class is fully documented")
    else:
        lines.append("`%%docgen` (without --check) writes the missing docstrings")
    return lines


def check_bundle(report: CheckReport, line_offset: int = 0) -> dict[str, Any]:
    """The mimebundle of ``%%docgen --check``: coverage, then per target what is missing and why.

    Args:
        report: The coverage report.
        line_offset: Added to the reported line numbers (1 when the ``%%docgen`` line counts).

    Returns:
        ``{"text/plain": ..., "text/html": ...}``.
    """
    if line_offset:
        from dataclasses import replace

        report = type(report)(total=report.total, complete=report.complete,
                              findings=[replace(f, lineno=f.lineno + line_offset) for f in report.findings],
                              notes=list(report.notes))
    lines = _check_lines(report)
    rows = "".join(
        f"<tr><td>{f.lineno}</td><td>{html.escape(f.qualname)}</td><td>{html.escape(f.kind)}</td>"
        f"<td>{html.escape(f.message)}</td></tr>" for f in report.findings)
    table = (f"<table><thead><tr><th>line</th><th>name</th><th>kind</th><th>what is missing</th></tr></thead>"
             f"<tbody>{rows}</tbody></table>") if rows else ""
    tail = "".join(f"<p>{html.escape(line)}</p>" for line in lines[1 + len(report.findings):])
    body = (f'<div class="docgen-html docgen-check">{_STYLE}<p><b>{html.escape(lines[0])}</b></p>'
            f"{table}{tail}</div>")
    return {"text/plain": "\n".join(lines), "text/html": body}
