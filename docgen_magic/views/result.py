"""Plain renderings of a documented cell: a text/plain + text/html mimebundle.

They serve every place the docgen-magic frontend extension does not draw the review: nbconvert and nbclient
output, GitHub / nbviewer, terminal IPython and VS Code, and a :class:`~docgen_magic.core.result.Result` shown by
IPython (the API registers :func:`result_bundle` as its renderer). Nothing here imports IPython.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from docgen_magic.views.style import STYLE, code_html

if TYPE_CHECKING:
    from docgen_magic.core.result import Result, TargetOutcome

__all__ = [
    "AZURE_HINT",
    "NOTES_LIMIT",
    "REPORT_COLUMNS",
    "failure_notes",
    "notes_for",
    "notes_html",
    "outcome_detail",
    "report_html",
    "report_rows",
    "result_bundle",
    "result_html",
    "result_text",
    "wants_model_hint",
]

AZURE_HINT = (
    "Offline drafts: no model is configured. For model-written docstrings set AZURE_OPENAI_ENDPOINT, "
    "AZURE_OPENAI_API_KEY and AZURE_OPENAI_DEPLOYMENT (or OPENAI_API_KEY) with os.environ and rerun; "
    "%docgen shows what is in use."
)
"""The note shown when the automatic provider choice fell back to offline templates."""

NOTES_LIMIT = 12
"""At most this many failure notes (one per distinct error); the Report lists every target."""

REPORT_COLUMNS = ("name", "kind", "status", "attempts", "cached", "tokens", "time", "problems fixed",
                  "error / reason")


def outcome_detail(outcome: TargetOutcome) -> str:
    """Return the error, the skip reason or the notes of one target and what the kernel told, or an empty string.

    Args:
        outcome: The target's outcome.

    Returns:
        One line.
    """
    kernel = [f"from the kernel: {'; '.join(outcome.kernel)}"] if outcome.kernel else []
    return outcome.error or outcome.reason or "; ".join([*outcome.notes, *kernel])


def report_rows(result: Result) -> list[tuple[str, ...]]:
    """One row of plain cells per target, in :data:`REPORT_COLUMNS` order.

    Args:
        result: The documented cell.

    Returns:
        The rows, one per target.
    """
    rows: list[tuple[str, ...]] = []
    for t in result.targets:
        rows.append((t.name, t.kind, t.status, str(t.attempts), "yes" if t.cached else "no",
                     t.usage.tokens_text(), f"{t.elapsed_s:.2f} s", ", ".join(t.problems_fixed), outcome_detail(t)))
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
    """Return the text/plain rendering: failures first, then the code, the usage line, remarks and kernel context.

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
    parts += [f"# {t.name}, from the kernel: {'; '.join(t.kernel)}" for t in result.targets if t.kernel]
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
    return (f'<div class="docgen-html">{STYLE}'
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
