"""Plain renderings of a ``%%docgen`` result: a text/plain + text/html mimebundle.

They serve every place the docgen-magic frontend extension does not draw the review: nbconvert and nbclient
output, GitHub / nbviewer, terminal IPython and VS Code. The review's own data (:func:`review_data`, mime type
:data:`REVIEW_MIME`) is built here too, beside them, from the same result. Nothing here imports IPython.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from docgen_magic.core.cell import split_lines
from docgen_magic.kernel.protocol import NOT_RUN, REVIEW_MIME, REVIEW_VERSION, RUNNING_STATES, STATE_WORDS

if TYPE_CHECKING:
    from docgen_magic.api import CheckReport
    from docgen_magic.core.result import Result, TargetOutcome

__all__ = [
    "AZURE_HINT",
    "NOT_RUN",
    "REVIEW_MIME",
    "STATUS_HINT",
    "ReviewState",
    "check_bundle",
    "code_html",
    "failure_notes",
    "highlight",
    "notes_for",
    "report_html",
    "report_rows",
    "result_bundle",
    "result_html",
    "result_text",
    "review_bundle",
    "review_data",
    "wants_model_hint",
]

AZURE_HINT = (
    "Offline drafts: no model is configured. For model-written docstrings set AZURE_OPENAI_ENDPOINT, "
    "AZURE_OPENAI_API_KEY and AZURE_OPENAI_DEPLOYMENT (or OPENAI_API_KEY) with os.environ and rerun; "
    "%docgen shows what is in use."
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
    "placeholder": "a draft's TODO marks what only the author knows; replace it with what the thing means",
    "restated-name": "repeating the name tells a reader nothing new; say what it means, its unit or its shape",
}
"""Why each kind of gap matters, for ``--check`` in teaching mode (keyed by the finding's codes)."""

def _var(name: str, fallback: str) -> str:
    """Return a CSS colour from JupyterLab's theme, with the light theme's value where no theme defines it.

    Args:
        name: The ``--jp-*`` variable, without the dashes.
        fallback: The colour used outside JupyterLab (nbviewer, a plain HTML page).

    Returns:
        ``var(--jp-NAME, FALLBACK)``.
    """
    return f"var(--jp-{name}, {fallback})"


_TOKEN_COLOURS = {
    "k kc kd kn kp kr kt ow": ("mirror-editor-keyword-color", "#008000"),
    "nf fm nc nn": ("mirror-editor-def-color", "#0000ff"),
    "nb bp": ("mirror-editor-builtin-color", "#008000"),
    "s s1 s2 sa sb sc sd se sh si sx sr ss dl": ("mirror-editor-string-color", "#ba2121"),
    "c c1 ch cm cs cp cpf": ("mirror-editor-comment-color", "#408080"),
    "m mi mf mh mo mb il": ("mirror-editor-number-color", "#080"),
    "nd": ("mirror-editor-meta-color", "#aa22ff"),
    "err": ("mirror-editor-error-color", "#f00"),
}
"""Pygments token classes -> the CodeMirror colours of the JupyterLab theme (light, dark, high contrast)."""

_PLAIN_SPANS = re.compile(r'<span class="(?:w|n|nv|ni|p|o)">([^<]*)</span>')
"""Spans of whitespace, plain names, punctuation and operators: drawn in the text colour, so left out (a saved
notebook stores a span per token otherwise: about twice the size)."""

_SPLIT_SPANS = re.compile(r'(<span class="(sd|s1|s2|c1)">[^<]*)</span>(\n\s*)<span class="\2">')
"""A span closed at a line end and reopened with the same kind of string or comment on the next line."""

_TEXT = _var("content-font-color1", "rgba(0, 0, 0, 0.87)")
_MUTED = _var("content-font-color2", "rgba(0, 0, 0, 0.54)")
_BORDER = _var("border-color2", "#e0e0e0")
_CODE_BG = _var("cell-editor-background", "#f7f7f7")
_ADD, _DEL = _var("success-color0", "#1b5e20"), _var("error-color0", "#b71c1c")
_ADD_BG, _DEL_BG = _var("success-color3", "#e8f5e9"), _var("error-color3", "#ffebee")

_STYLE = (
    "<style>"
    f".docgen-html{{color:{_TEXT};max-width:100%}}"
    f".docgen-html table{{border-collapse:collapse;font-size:90%;color:{_TEXT}}}"
    f".docgen-html th,.docgen-html td{{border:1px solid {_BORDER};padding:2px 6px;text-align:left;"
    "vertical-align:top}"
    ".docgen-html td{white-space:nowrap}.docgen-html td:last-child{white-space:normal;min-width:16em}"
    # Code never wraps (a line broken mid-word reads as different code): long lines scroll sideways.
    f".docgen-html pre{{margin:0;padding:6px;white-space:pre;overflow-x:auto;background:{_CODE_BG};"
    f"color:{_var('mirror-editor-variable-color', _TEXT)};font-family:{_var('code-font-family', 'monospace')};"
    f"font-size:{_var('code-font-size', '13px')};line-height:{_var('code-line-height', '1.3077')}}}"
    ".docgen-html .docgen-code,.docgen-html .docgen-diff,.docgen-html .docgen-report"
    "{max-height:40em;overflow:auto}"
    + "".join(f"{','.join(f'.docgen-pre .{c}' for c in classes.split())}{{color:{_var(*colour)}}}"
              for classes, colour in _TOKEN_COLOURS.items())
    + ".docgen-pre .k,.docgen-pre .kn,.docgen-pre .kd,.docgen-pre .ow{font-weight:bold}"
    ".docgen-pre .c,.docgen-pre .c1,.docgen-pre .sd{font-style:italic}"
    f".docgen-diff .add{{color:{_ADD};background:{_ADD_BG}}}.docgen-diff .del{{color:{_DEL};background:{_DEL_BG}}}"
    f".docgen-diff .hunk{{color:{_MUTED}}}"
    f".docgen-failed{{color:{_DEL}}}.docgen-note{{color:{_MUTED}}}"
    "</style>"
)

REPORT_COLUMNS = ("name", "kind", "status", "attempts", "cached", "tokens", "time", "problems fixed",
                  "error / reason")


def highlight(code: str) -> str:
    """Syntax-highlight Python code as HTML with token classes, or escape it when Pygments is missing.

    The classes are coloured by the page's stylesheet from the JupyterLab theme (so dark themes get light
    text on a dark background), and a saved notebook stores a class name per token, not a style.

    Args:
        code: Python source to colour.

    Returns:
        A ``<pre class="docgen-pre">`` block.
    """
    try:
        from pygments import highlight as pygmentize
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return f'<pre class="docgen-pre">{html.escape(code)}</pre>'
    spans = pygmentize(code, PythonLexer(stripnl=False, ensurenl=False), HtmlFormatter(nowrap=True))
    spans = _PLAIN_SPANS.sub(r"\1", spans)
    merged = None
    while merged != spans:  # one span per docstring or comment block, not one per line
        merged, spans = spans, _SPLIT_SPANS.sub(r"\1\3", spans)
    return '<pre class="docgen-pre">' + spans + "</pre>"


def code_html(code: str) -> str:
    """Return the documented code, highlighted, inside a ``docgen-code`` element (a browser test reads it).

    Args:
        code: The documented code.

    Returns:
        HTML text.
    """
    return f'<div class="docgen-code">{highlight(code)}</div>'


def _outcome_detail(outcome: TargetOutcome) -> str:
    """Return the error, the skip reason or the notes of one target, or an empty string.

    Args:
        outcome: The target's outcome.

    Returns:
        One line.
    """
    return outcome.error or outcome.reason or "; ".join(outcome.notes)


def report_rows(result: Result) -> list[tuple[str, ...]]:
    """One row of plain cells per target, in :data:`REPORT_COLUMNS` order.

    Args:
        result: The documented cell.

    Returns:
        The rows, one per target.
    """
    rows: list[tuple[str, ...]] = []
    for t in result.targets:
        tokens = t.usage.prompt_tokens + t.usage.completion_tokens
        rows.append((t.name, t.kind, t.status, str(t.attempts), "yes" if t.cached else "no",
                     f"{tokens:,}", f"{t.elapsed_s:.2f} s", ", ".join(t.problems_fixed), _outcome_detail(t)))
    return rows


def report_html(result: Result) -> str:
    """Return the per-target report as an HTML table inside a ``docgen-report`` element.

    Args:
        result: The documented cell.

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
    """Return the remarks about failed targets: one per distinct error, naming the targets that hit it.

    Args:
        result: The documented cell.

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


def wants_model_hint(result: Result) -> bool:
    """Whether the result came from offline drafts only because no model is configured.

    Args:
        result: The documented cell.

    Returns:
        True when the "configure a model" hint applies.
    """
    return bool(result.provider_unconfigured and result.targets)


def notes_for(result: Result, *, hint: bool = True) -> list[str]:
    """Return the remarks a user should see next to a result: failures, notes and the "configure a model" hint.

    Args:
        result: The documented cell.
        hint: Include the "configure a model" hint when it applies (the notebook shows it once a session).

    Returns:
        One line per remark, failures first.
    """
    notes = failure_notes(result) + list(result.notes)
    if not result.targets and not result.notes:
        notes.append("nothing to document: the cell has no functions or classes")
    if hint and wants_model_hint(result):
        notes.append(AZURE_HINT)
    return notes


def result_text(result: Result, *, hint: bool = True) -> str:
    """Return the text/plain rendering: failures first, then the documented code, the usage line and the remarks.

    Failures come before the code so that a long cell cannot hide them (terminal IPython, GitHub).

    Args:
        result: The documented cell.
        hint: Include the "configure a model" hint when it applies.

    Returns:
        Plain text; every line that is not code is a ``#`` comment, so the whole text can be pasted back.
    """
    failures = failure_notes(result)
    parts = ["# " + note for note in failures]
    if failures:
        parts.append("")
    parts += [result.code.rstrip("\r\n"), "", "# " + result.usage_line()]
    parts += ["# " + note for note in notes_for(result, hint=hint)[len(failures):]]
    return "\n".join(parts)


def notes_html(result: Result, *, hint: bool = True) -> str:
    """Return the remarks of a result as an HTML list, failures first and marked as such.

    Args:
        result: The documented cell.
        hint: Include the "configure a model" hint when it applies.

    Returns:
        HTML text, empty when there is nothing to say.
    """
    failures = len(failure_notes(result))
    items = "".join(f'<li class="{"docgen-failed" if i < failures else "docgen-note"}">{html.escape(note)}</li>'
                    for i, note in enumerate(notes_for(result, hint=hint)))
    return f'<ul class="docgen-notes">{items}</ul>' if items else ""


def result_html(result: Result, *, hint: bool = True) -> str:
    """Return the text/html rendering: highlighted code, diff, report table, usage line and remarks.

    Args:
        result: The documented cell.
        hint: Include the "configure a model" hint when it applies.

    Returns:
        HTML text, self-contained (one stylesheet from the theme's variables, no script).
    """
    return (f'<div class="docgen-html">{_STYLE}'
            f"{notes_html(result, hint=hint)}"
            f"{code_html(result.code)}"
            f"<details><summary>Report</summary>{report_html(result)}</details>"
            f'<p class="docgen-usage">{html.escape(result.usage_line())}</p></div>')


def result_bundle(result: Result) -> dict[str, Any]:
    """Return the plain mimebundle of a result.

    Args:
        result: The documented cell.

    Returns:
        ``{"text/plain": ..., "text/html": ...}``.
    """
    return {"text/plain": result_text(result), "text/html": result_html(result)}


def _check_lines(report: CheckReport) -> list[str]:
    """Return the plain lines of a coverage report.

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


# ---------------------------------------------------------------------------------------------- the review

_QUEUED = RUNNING_STATES[0]


@dataclass
class ReviewState:
    """Everything a review shows, while running and after: the shape of :data:`REVIEW_MIME`'s data.

    Attributes:
        status: ``running``, ``done``, ``failed`` (the run as a whole) or ``interrupted``.
        cell_id: The notebook cell id, when the frontend sent one (Replace finds the cell by it).
        source: The cell as the notebook held it when the run started, ``%%docgen`` line included.
        body: The text that was documented (the cell without its ``%%docgen`` line).
        line: The ``%%docgen`` options (Regenerate reuses them).
        states: Target name -> progress status, in source order.
        done: Targets finished.
        total: Targets in the run.
        elapsed_s: Seconds since the run started (the whole run once it has finished).
        result: The result, once there is one.
        message: Why the run failed or stopped, or an empty string.
        hint: Show the "configure a model" hint (once a session in the notebook).
        ran: The documented code was also run (``--run``).
    """

    status: str = "running"
    cell_id: str | None = None
    source: str = ""
    body: str = ""
    line: str = ""
    states: dict[str, str] = field(default_factory=dict)
    done: int = 0
    total: int = 0
    elapsed_s: float = 0.0
    result: Result | None = None
    message: str = ""
    hint: bool = True
    ran: bool = False

    def plan(self, names: Sequence[str]) -> None:
        """List every target as queued, before any request starts.

        Args:
            names: The targets, in source order.
        """
        self.states = dict.fromkeys(names, _QUEUED)
        self.total, self.done = len(self.states), 0

    def advance(self, name: str, status: str, done: int, total: int) -> None:
        """Record one progress step; the count is taken from the states, so count and list always agree.

        Args:
            name: The target.
            status: Its new status.
            done: Targets finished, as the pipeline counts them.
            total: Targets in the run.
        """
        if name:
            self.states[name] = status
        finished = sum(1 for s in self.states.values() if s not in RUNNING_STATES)
        self.total = max(total, len(self.states))
        self.done = min(max(done, finished), self.total)


def _target_entry(name: str, state: str, outcome: TargetOutcome | None) -> dict[str, Any]:
    """One target as the review's data describes it.

    Args:
        name: The qualified name.
        state: Its progress status.
        outcome: Its outcome, once the run has finished.

    Returns:
        A JSON-ready mapping.
    """
    entry: dict[str, Any] = {"name": name, "state": outcome.status if outcome else state}
    if outcome is None:
        return entry
    edit = outcome.edit
    entry.update(kind=outcome.kind, lineno=outcome.lineno, attempts=outcome.attempts, cached=outcome.cached,
                 tokens=outcome.usage.prompt_tokens + outcome.usage.completion_tokens,
                 elapsed_s=round(outcome.elapsed_s, 2), detail=_outcome_detail(outcome),
                 problems_fixed=list(outcome.problems_fixed),
                 changes=outcome.changes.to_dict() if outcome.changes is not None else None,
                 edit=[edit.start, edit.stop, list(edit.lines)] if edit is not None else None)
    return entry


def review_data(state: ReviewState) -> dict[str, Any]:
    """Return the data of :data:`REVIEW_MIME`: progress while running, then everything the review needs.

    Neither the documented code nor the diff is stored: both follow from the original lines and each accepted
    target's edit, so the saved data is about the size of the cell plus its docstrings, and per-function
    accept needs nothing else.

    Args:
        state: The review state.

    Returns:
        A JSON-ready mapping.
    """
    result = state.result
    outcomes = {t.name: t for t in result.targets} if result is not None else {}
    names = list(state.states) + [n for n in outcomes if n not in state.states]
    data: dict[str, Any] = {
        "version": REVIEW_VERSION, "status": state.status, "cell_id": state.cell_id, "source": state.source,
        "line": state.line, "done": state.done, "total": state.total, "elapsed_s": round(state.elapsed_s, 2),
        "message": state.message, "ran": state.ran,
        "targets": [_target_entry(n, state.states.get(n, _QUEUED), outcomes.get(n)) for n in names],
    }
    if result is None:
        return data
    failures = len(failure_notes(result))
    data.update(
        lines=split_lines(result.original), usage_line=result.usage_line(),
        notes=[{"text": note, "kind": "failure" if i < failures else "note"}
               for i, note in enumerate(notes_for(result, hint=state.hint))],
        provider=result.provider, template=result.template,
        done=len(result.targets), total=len(result.targets))
    return data


def _progress_lines(state: ReviewState) -> list[str]:
    """Return the progress as plain lines: the count and elapsed time, then one line per target.

    Args:
        state: The review state.

    Returns:
        The lines.
    """
    head = f"docgen: {state.done}/{state.total} targets · {state.elapsed_s:.0f} s"
    if state.status == "interrupted":
        head += " · interrupted"  # the magic's one error line says the rest
    elif state.status == "failed":
        head += f" · failed: {state.message}"
    return [head] + [f"  {STATE_WORDS.get(s, s):<13} {name}" for name, s in state.states.items()]


def review_bundle(state: ReviewState) -> dict[str, Any]:
    """Return the mimebundle of a review: the project's mime type plus text/html and text/plain renderings.

    Args:
        state: The review state.

    Returns:
        The bundle; the html and plain renderings show progress until there is a result.
    """
    result = state.result
    if result is not None and state.status == "done":
        plain = result_text(result, hint=state.hint)
        page = result_html(result, hint=state.hint)
        if not state.ran and result.targets:
            plain += "\n# " + NOT_RUN
            page = page[:-len("</div>")] + f'<p class="docgen-note">{html.escape(NOT_RUN)}</p></div>'
    else:
        lines = _progress_lines(state)
        plain = "\n".join(lines)
        page = (f'<div class="docgen-html">{_STYLE}<p>{html.escape(lines[0])}</p>'
                f'<pre>{html.escape(chr(10).join(lines[1:]))}</pre></div>')
    return {REVIEW_MIME: review_data(state), "text/html": page, "text/plain": plain}
