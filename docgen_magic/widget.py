"""The ``%%docgen`` review widget (ipywidgets 8), shown with the plain mimebundle as its fallback.

Layout of the root ``VBox`` (CSS class ``docgen-widget``), top to bottom:

* ``docgen-notes`` (HTML): remarks, e.g. failures or how to configure Azure OpenAI;
* while running, ``docgen-running`` (VBox): ``docgen-progress`` (IntProgress over targets) and
  ``docgen-targets`` (HTML list of per-target states, fed by ProgressEvents);
* then the progress bar (full; green, or red when a target failed) and ``docgen-tabs`` (Tab):
  "Code" (HTML, class ``docgen-code``), "Changes" (``docgen-diff-view``), "Report" (``docgen-report-view``);
* ``docgen-usage`` (HTML): the usage line;
* buttons "Replace cell" (``docgen-replace``), "Copy" (``docgen-copy``), "Regenerate" (``docgen-regenerate``);
* ``docgen-status`` (Label): what the last button did;
* ``docgen-copy-area`` (Textarea, hidden until Copy): the code, ready to select and copy.

Progress events arrive on docgen_magic's private loop thread; trait changes made there are sent to the
frontend by ipykernel's thread-safe IOPub socket. A lock keeps the view's own state consistent.
"""

from __future__ import annotations

import html
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
from IPython.display import DisplayHandle, display

from docgen_magic import bridge
from docgen_magic.display import diff_html, highlight, notes_html, report_html, result_bundle

if TYPE_CHECKING:
    from docgen_magic.core.pipeline import ProgressEvent
    from docgen_magic.core.result import Result

__all__ = ["DocgenView"]

logger = logging.getLogger(__name__)

_REFRESH_S = 0.1
_LIST_LIMIT = 40
PANE_MAX_HEIGHT = "32em"
"""The tallest the Code, Changes and Report panes get before they scroll."""
_ICONS = {"started": "…", "cached": "✓ (cached)", "documented": "✓", "skipped": "–", "failed": "✗"}

COPY_HINT = "Click in the box below, select all (Ctrl-A / Cmd-A) and copy (Ctrl-C / Cmd-C)."
NO_CELL_ID = ("This frontend did not say which cell ran, so the cell cannot be replaced from here. Rerun with "
              "`%%docgen --apply`, or use Copy and paste.")

Regenerate = Callable[[Callable[["ProgressEvent"], None]], "Future[Result]"]


def _classed(widget: Any, *classes: str) -> Any:
    """Add CSS classes to a widget.

    Args:
        widget: The widget.
        *classes: Class names.

    Returns:
        The same widget.
    """
    for css in classes:
        widget.add_class(css)
    return widget


def _scrolling() -> Any:
    """A layout that caps a pane's height and scrolls its content.

    Returns:
        The ipywidgets Layout.
    """
    return widgets.Layout(max_height=PANE_MAX_HEIGHT, overflow="auto")


class DocgenView:
    """The review widget of one ``%%docgen`` run, and its display.

    Attributes:
        root: The root VBox (class ``docgen-widget``).
        result: The result shown, once there is one.
    """

    def __init__(self, *, cell_id: str | None, original: str, regenerate: Regenerate | None = None) -> None:
        """Build the widgets (nothing is displayed until :meth:`show`).

        Args:
            cell_id: The notebook cell id at magic time (for Replace), or None when the frontend sent none.
            original: The cell text as ``%%docgen`` saw it, ``%%docgen`` line included.
            regenerate: Starts a cache-bypassing rerun with a progress callback; returns its future.
        """
        self.cell_id = cell_id
        self.original = original
        self._regenerate = regenerate
        self.result: Result | None = None
        self._lock = threading.Lock()
        self._states: dict[str, str] = {}
        self._last_refresh = 0.0
        self._handle: DisplayHandle | None = None

        self.notes = _classed(widgets.HTML(), "docgen-notes")
        self.bar = _classed(widgets.IntProgress(value=0, min=0, max=1, description="docgen",
                                                bar_style="info"), "docgen-progress")
        self.targets = _classed(widgets.HTML(), "docgen-targets")
        self.running = _classed(widgets.VBox([self.bar, self.targets]), "docgen-running")
        # A long cell (hundreds of functions) scrolls inside each tab instead of pushing the buttons away.
        self.code = _classed(widgets.HTML(layout=_scrolling()), "docgen-code")
        self.diff = _classed(widgets.HTML(layout=_scrolling()), "docgen-diff-view")
        self.report = _classed(widgets.HTML(layout=_scrolling()), "docgen-report-view")
        self.tabs = _classed(widgets.Tab(children=[self.code, self.diff, self.report],
                                         titles=["Code", "Changes", "Report"]), "docgen-tabs")
        self.usage = _classed(widgets.HTML(), "docgen-usage")
        self.replace_button = _classed(widgets.Button(description="Replace cell", icon="check",
                                                      tooltip="Replace this cell with the documented code"),
                                       "docgen-replace")
        self.copy_button = _classed(widgets.Button(description="Copy", icon="copy",
                                                   tooltip="Show the code ready to select and copy"),
                                    "docgen-copy")
        self.regenerate_button = _classed(widgets.Button(description="Regenerate", icon="refresh",
                                                         tooltip="Ask again, bypassing the cache"),
                                          "docgen-regenerate")
        self.buttons = _classed(widgets.HBox([self.replace_button, self.copy_button, self.regenerate_button]),
                                "docgen-buttons")
        self.status = _classed(widgets.Label(value=""), "docgen-status")
        self.copy_area = _classed(widgets.Textarea(value="", layout=widgets.Layout(width="100%", display="none")),
                                  "docgen-copy-area")
        self.root = _classed(widgets.VBox([self.notes, self.running]), "docgen-widget")

        self.replace_button.on_click(lambda _: self.replace())
        self.copy_button.on_click(lambda _: self.copy())
        self.regenerate_button.on_click(lambda _: self.regenerate())

    # ------------------------------------------------------------------ display

    def bundle(self, fallback: dict[str, Any] | None = None) -> dict[str, Any]:
        """The widget's mimebundle with the plain renderings added for frontends without widgets.

        Args:
            fallback: ``text/plain`` / ``text/html`` entries; a short running note when None.

        Returns:
            The bundle: the widget view plus ``text/plain`` (and ``text/html`` once there is a result).
        """
        data = dict(self.root._repr_mimebundle_() or {})
        data.update(fallback or {"text/plain": "docgen: documenting the cell…"})
        return data

    def show(self) -> None:
        """Display the widget (with a display id, so the fallback can be updated with the result)."""
        self._handle = display(self.bundle(), raw=True, display_id=True)

    def _update_display(self) -> None:
        """Refresh the displayed bundle so saved notebooks and widget-less frontends get the result."""
        if self._handle is None or self.result is None:
            return
        try:
            self._handle.update(self.bundle(result_bundle(self.result)), raw=True)
        except Exception:
            logger.debug("could not update the docgen display", exc_info=True)

    # ------------------------------------------------------------------ progress

    def progress(self, event: ProgressEvent) -> None:
        """Feed one progress event (called on the private loop's thread).

        Args:
            event: The event.
        """
        with self._lock:
            if event.status == "planned":
                self._states.clear()
                self.bar.max = max(event.total, 1)
                self.bar.value = 0
            else:
                self._states[event.name] = event.status
                self.bar.value = min(event.done, self.bar.max)
            now = time.monotonic()
            final = event.total == 0 or event.done >= event.total
            if final or now - self._last_refresh >= _REFRESH_S:
                self._last_refresh = now
                self.bar.description = f"{event.done}/{event.total}"
                self.targets.value = self._states_html()

    def _states_html(self) -> str:
        """The per-target state list as HTML (the most recent entries when there are many).

        Returns:
            HTML text.
        """
        items = list(self._states.items())
        hidden = max(len(items) - _LIST_LIMIT, 0)
        lines = [f"<li><code>{html.escape(name)}</code> {html.escape(_ICONS.get(state, state))} "
                 f"{html.escape(state)}</li>" for name, state in items[hidden:]]
        more = f"<li>… and {hidden} more</li>" if hidden else ""
        return f"<ul>{more}{''.join(lines)}</ul>"

    # ------------------------------------------------------------------ outcomes

    def show_result(self, result: Result) -> None:
        """Show the documented code, diff, report, usage and buttons, and refresh the fallback.

        Args:
            result: The result.
        """
        self.result = result
        self.notes.value = notes_html(result, inline_styles=True)
        self.code.value = highlight(result.code)
        self.diff.value = diff_html(result.diff())
        self.report.value = report_html(result)
        self.usage.value = f"<small>{html.escape(result.usage_line())}</small>"
        self.copy_area.value = result.code
        self.copy_area.rows = min(max(result.code.count("\n") + 1, 3), 25)
        self.bar.bar_style = "danger" if result.failed else "success"
        self._enable(True)
        self.root.children = [self.notes, self.bar, self.tabs, self.usage, self.buttons, self.status, self.copy_area]
        self._update_display()

    def interrupted(self) -> None:
        """Show that the run was interrupted."""
        self.bar.bar_style = "warning"
        self.status.value = "Interrupted: the run was cancelled; the cell is unchanged."
        self.root.children = [self.notes, self.running, self.status]

    def failed(self, message: str) -> None:
        """Show that the run failed as a whole.

        Args:
            message: One line naming the cause.
        """
        self.bar.bar_style = "danger"
        self.status.value = f"Failed: {message}"
        self.root.children = [self.notes, self.running, self.status]

    def _enable(self, enabled: bool) -> None:
        """Enable or disable the buttons.

        Args:
            enabled: True to enable.
        """
        for button in (self.replace_button, self.copy_button, self.regenerate_button):
            button.disabled = not enabled

    # ------------------------------------------------------------------ buttons

    def replace(self) -> None:
        """Ask the notebook frontend to replace the cell with the documented code."""
        if self.result is None:
            return
        if not self.cell_id:
            self.status.value = NO_CELL_ID
            self.copy()
            self.status.value = NO_CELL_ID
            return
        self.status.value = "Asking the notebook to replace the cell…"
        bridge.request_replace(self.cell_id, self.result.code, self.original, self._replaced)

    def _replaced(self, outcome: bridge.ReplaceOutcome) -> None:
        """Show a replace outcome; without a bridge, also offer the copy area.

        Args:
            outcome: The outcome.
        """
        self.status.value = f"{outcome.status}: {outcome.message}"
        if outcome.status == "no-bridge":
            self.copy_area.layout.display = None

    def copy(self) -> None:
        """Show the code in a text area ready to select and copy (no JavaScript involved)."""
        if self.result is None:
            return
        self.copy_area.value = self.result.code
        self.copy_area.layout.display = None
        self.status.value = COPY_HINT

    def regenerate(self) -> None:
        """Ask again, bypassing the cache, and refresh the view when the answer arrives."""
        if self._regenerate is None:
            return
        self._enable(False)
        self.status.value = "Regenerating (bypassing the cache)…"
        self.bar.bar_style = "info"
        self.root.children = [self.notes, self.running, self.status]
        try:
            future = self._regenerate(self.progress)
        except Exception as exc:
            self._regenerate_failed(exc)
            return
        future.add_done_callback(self._regenerated)

    def _regenerated(self, future: Future[Result]) -> None:
        """Show the regenerated result (called on the private loop's thread).

        Args:
            future: The finished run.
        """
        try:
            result = future.result()
        except BaseException as exc:  # cancelled or failed: keep the previous result
            self._regenerate_failed(exc)
            return
        self.show_result(result)
        self.status.value = "Regenerated."

    def _regenerate_failed(self, exc: BaseException) -> None:
        """Show why regenerating failed and bring the previous result back.

        Args:
            exc: The failure.
        """
        logger.debug("regenerate failed", exc_info=exc)
        if self.result is not None:
            self.show_result(self.result)
        self._enable(True)
        self.status.value = f"Regenerate failed: {type(exc).__name__}: {exc}"
