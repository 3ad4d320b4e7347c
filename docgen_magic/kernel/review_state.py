"""The review's state while a run is in flight and after it, and its wire format (:data:`REVIEW_MIME`'s data).

:class:`ReviewState` is what a review shows; :func:`review_bundle` turns it into the one output the magic
displays and updates in place: the project's mime type for the docgen-magic extension plus text/html and
text/plain renderings for every other frontend.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from docgen_magic.kernel.protocol import MODES, NOT_RUN, REVIEW_MIME, REVIEW_VERSION, RUNNING_STATES, STATE_WORDS
from docgen_magic.views.result import failure_notes, notes_for, outcome_detail, result_html, result_text
from docgen_magic.views.style import STYLE

if TYPE_CHECKING:
    from docgen_magic.api import Result, TargetOutcome

__all__ = ["ReviewState", "review_bundle", "review_data"]

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
        update: The run fills the gaps of existing docstrings (the resolved ``update`` setting, from the line,
            ``%config`` or the environment); the review's data says it as its ``mode``.
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
    update: bool = False
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
    if outcome.usage.uncounted:  # some answers gave no token counts: ``tokens`` is a floor
        entry["tokens_uncounted"] = True
    edit = outcome.edit
    entry.update(kind=outcome.kind, lineno=outcome.lineno, attempts=outcome.attempts, cached=outcome.cached,
                 tokens=outcome.usage.tokens,
                 elapsed_s=round(outcome.elapsed_s, 2), detail=outcome_detail(outcome),
                 problems_fixed=list(outcome.problems_fixed),
                 changes=outcome.changes.to_dict() if outcome.changes is not None else None,
                 kernel=list(outcome.kernel),
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
        "line": state.line, "mode": MODES[1] if state.update else MODES[0], "done": state.done,
        "total": state.total, "elapsed_s": round(state.elapsed_s, 2),
        "message": state.message, "ran": state.ran,
        "targets": [_target_entry(n, state.states.get(n, _QUEUED), outcomes.get(n)) for n in names],
    }
    if result is None:
        return data
    failures = len(failure_notes(result))
    data.update(
        lines=result.original_lines(), usage_line=result.usage_line(),
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
        page = (f'<div class="docgen-html">{STYLE}<p>{html.escape(lines[0])}</p>'
                f'<pre>{html.escape(chr(10).join(lines[1:]))}</pre></div>')
    return {REVIEW_MIME: review_data(state), "text/html": page, "text/plain": plain}
