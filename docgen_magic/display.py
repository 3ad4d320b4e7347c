"""Plain renderings of a ``%%docgen`` result: a text/plain + text/html mimebundle.

They serve every place the review widget cannot: nbconvert and nbclient output, GitHub / nbviewer, terminal
IPython and VS Code with widgets off. The widget shows the same pieces (``code_html``, ``diff_html``,
``report_html``) so the two views never drift apart. Nothing here imports IPython or ipywidgets.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from docgen_magic.api import CheckReport
    from docgen_magic.core.result import Result, TargetOutcome

__all__ = [
    "AZURE_HINT",
    "STATUS_HINT",
    "check_bundle",
    "code_html",
    "diff_html",
    "failure_notes",
    "highlight",
    "notes_for",
    "report_html",
    "report_rows",
    "result_bundle",
    "result_html",
    "result_text",
]

AZURE_HINT = (
    "Offline templates (no model configured). For model-written docstrings set AZURE_OPENAI_ENDPOINT, "
    "AZURE_OPENAI_API_KEY and AZURE_OPENAI_DEPLOYMENT (or OPENAI_API_KEY) with os.environ or in the environment "
    "and rerun; `%docgen` shows what is in use."
)
"""The note shown when the automatic provider choice fell back to offline templates."""

STATUS_HINT = (
    "To use a model, set these in the environment before starting Jupyter, or in the notebook with os.environ\n"
    "(read again on every run, no restart needed; use getpass for the key):\n"
    "  Azure OpenAI:  AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY (or Entra ID sign-in), AZURE_OPENAI_DEPLOYMENT\n"
    "  OpenAI:        OPENAI_API_KEY (optional OPENAI_MODEL)\n"
    "  Ollama, vLLM:  OPENAI_BASE_URL (and OPENAI_MODEL)"
)
"""How to configure a model, as ``%docgen`` shows it when no model is configured."""

NOTES_LIMIT = 12
"""At most this many failure notes (one per distinct error); the Report lists every target."""

CHECK_WHY = {
    "no-docstring": "help() and the editor's tooltip show nothing, so a reader has to read the code",
    "missing-param": "a caller cannot tell what to pass without reading the body",
    "unknown-param": "the docstring promises a parameter the function does not take (renamed or removed?)",
    "missing-returns": "a caller cannot tell what comes back",
    "missing-yields": "a generator gives values lazily; say what each one is",
    "missing-raise": "a caller cannot tell which errors to expect and catch",
}
"""Why each kind of gap matters, for ``--check`` in teaching mode (keyed by the finding's codes)."""

_STYLE = (
    "<style>"
    ".docgen-html table{border-collapse:collapse;font-size:90%}"
    ".docgen-html th,.docgen-html td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
    ".docgen-html pre{margin:0;padding:6px;overflow-x:auto}"
    ".docgen-html .docgen-code,.docgen-html .docgen-diff,.docgen-html .docgen-report{max-height:40em;overflow:auto}"
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


def failure_notes(result: Result) -> list[str]:
    """The remarks about failed targets: one per distinct error, naming the targets that hit it.

    Args:
        result: The result.

    Returns:
        The remarks (at most :data:`NOTES_LIMIT`; the Report lists every target).
    """
    failed = result.failed
    if not failed:
        return []
    if len(failed) == len(result.targets) > 1 and len({t.error for t in failed}) == 1 and failed[0].error:
        return [f"every target failed: {failed[0].error} (the cell is unchanged)"]
    by_error: dict[str, list[str]] = {}
    for t in failed:
        by_error.setdefault(t.error or "no reason given", []).append(t.name)
    notes = []
    for error, names in by_error.items():
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        notes.append(f"{shown} failed: {error} (left as written)")
    if len(notes) > NOTES_LIMIT:
        hidden = sum(len(names) for names in list(by_error.values())[NOTES_LIMIT - 1:])
        notes = [*notes[:NOTES_LIMIT - 1], f"... and {hidden} more failed targets: see the Report"]
    return notes


def notes_for(result: Result) -> list[str]:
    """The remarks a user should see next to a result: failures, notes and the "configure a model" hint.

    Args:
        result: The result.

    Returns:
        One line per remark, failures first.
    """
    notes = failure_notes(result) + list(result.notes)
    if not result.targets and not result.notes:
        notes.append("nothing to document: the cell has no functions or classes")
    if result.provider_unconfigured and result.targets:
        notes.append(AZURE_HINT)
    return notes


def result_text(result: Result) -> str:
    """The text/plain rendering: failures first, then the documented code, the usage line and the remarks.

    Failures come before the code so that a long cell cannot hide them (terminal IPython, GitHub).

    Args:
        result: The result.

    Returns:
        Plain text; every line that is not code is a ``#`` comment, so the whole text can be pasted back.
    """
    failures = failure_notes(result)
    parts = ["# " + note for note in failures]
    if failures:
        parts.append("")
    parts += [result.code.rstrip("\r\n"), "", "# " + result.usage_line()]
    parts += ["# " + note for note in notes_for(result)[len(failures):]]
    return "\n".join(parts)


def notes_html(result: Result, *, inline_styles: bool = False) -> str:
    """The remarks of a result as an HTML list, failures first and marked as such.

    Args:
        result: The result.
        inline_styles: Colour the items with inline styles (a widget's HTML has no stylesheet) instead of
            the classes ``docgen-failed`` / ``docgen-note`` that the fallback's own stylesheet colours.

    Returns:
        HTML text, empty when there is nothing to say.
    """
    failures = len(failure_notes(result))

    def item(i: int, note: str) -> str:
        failed = i < failures
        if inline_styles:
            return f'<li style="color:{"#b31d28" if failed else "#6a737d"}">{html.escape(note)}</li>'
        return f'<li class="{"docgen-failed" if failed else "docgen-note"}">{html.escape(note)}</li>'

    items = "".join(item(i, note) for i, note in enumerate(notes_for(result)))
    if not items:
        return ""
    return f"<ul>{items}</ul>" if inline_styles else f'<ul class="docgen-notes">{items}</ul>'


def result_html(result: Result) -> str:
    """The text/html rendering: highlighted code, diff, report table, usage line and remarks.

    Args:
        result: The result.

    Returns:
        HTML text, self-contained (inline styles, no script).
    """
    return (f'<div class="docgen-html">{_STYLE}'
            f"{notes_html(result)}"
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


def _gaps(finding: Any) -> list[str]:
    """The separate gaps of one finding (its message joins them with ``"; "``, one per code).

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
             "missing-yields": "no Yields section", "missing-raise": "undocumented exception"}
    seen = dict.fromkeys(code for f in report.findings for code in f.codes if code in CHECK_WHY)
    return [(names.get(code, code), CHECK_WHY[code]) for code in seen]


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
    body = (f'<div class="docgen-html docgen-check">{_STYLE}<p><b>{html.escape(lines[0])}</b></p>'
            f"{table}{notes}{why_html}{tail}</div>")
    return {"text/plain": "\n".join(lines), "text/html": body}
