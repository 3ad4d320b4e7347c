"""One-click "Replace cell" in a real JupyterLab 4 / Notebook 7, real kernel, real Chromium.

A notebook holds a target cell (it records its own id with ``bridge.current_cell_id()``) and a cell with
ipywidgets buttons calling ``bridge.request_replace`` for the target. The test clicks, checks the live
notebook model and the saved file, undoes with Ctrl-Z in the cell editor, and walks the "changed since"
dialog both ways and the not-found path.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from jupyter_browser import (
    Flavor,
    NotebookPage,
    chromium_available,
    chromium_page,
    jupyter_server,
    write_notebook,
)

pytestmark = pytest.mark.timeout(600)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
NOTEBOOK = "replace.ipynb"
TARGET_ID = "target-cell"
BUTTONS_ID = "buttons-cell"

ORIGINAL = (
    "from docgen_magic import bridge\n"
    "\n"
    "def add(a, b):\n"
    "    return a + b\n"
    "\n"
    "target_id = bridge.current_cell_id()\n"
    'print("target cell id:", target_id)'
)
NEW = (
    "from docgen_magic import bridge\n"
    "\n"
    "def add(a, b):\n"
    '    """Add two numbers.\n'
    "\n"
    "    Args:\n"
    "        a: The first number.\n"
    "        b: The second number.\n"
    "\n"
    "    Returns:\n"
    "        The sum.\n"
    '    """\n'
    "    return a + b\n"
    "\n"
    "target_id = bridge.current_cell_id()\n"
    'print("target cell id:", target_id)'
)
# Stands in for the %%docgen widget until the lead switches this test to a real %%docgen cell.
BUTTONS = f"""\
import ipywidgets as widgets
from docgen_magic import bridge

ORIGINAL = {ORIGINAL!r}
NEW = {NEW!r}
outcomes = []
status = widgets.Label(value="no click yet")

def show(outcome):
    outcomes.append(outcome)
    status.value = f"outcome {{len(outcomes)}}: {{outcome.status}}"

replace = widgets.Button(description="Replace cell")
replace.on_click(lambda _: bridge.request_replace(target_id, NEW, ORIGINAL, show, timeout=30))
missing = widgets.Button(description="Replace missing cell")
missing.on_click(lambda _: bridge.request_replace("no-such-cell", NEW, ORIGINAL, show, timeout=30))
widgets.VBox([replace, missing, status])
"""


@pytest.fixture(scope="module")
def chromium() -> None:
    """Require the system Chromium (Debian package ``chromium``); .ci/run installs it."""
    if not chromium_available():
        pytest.fail("/usr/bin/chromium is missing: apt-get install -y chromium")


def _click_and_wait(nb: NotebookPage, button: str, outcome: str) -> None:
    """Click a widget button and wait for the status label to show ``outcome``.

    Args:
        nb: The notebook page.
        button: The button's label.
        outcome: The label text to wait for, e.g. ``"outcome 1: replaced"``.
    """
    nb.page.get_by_role("button", name=button, exact=True).click()
    nb.page.get_by_text(outcome, exact=True).wait_for()


def _dialog(nb: NotebookPage) -> object:
    """Wait for the "changed since" dialog and return its locator.

    Args:
        nb: The notebook page.

    Returns:
        The dialog locator.
    """
    dialog = nb.page.locator(".jp-Dialog").filter(has_text="The cell changed since %%docgen ran")
    dialog.wait_for()
    return dialog


@pytest.mark.parametrize("flavor", ["lab", "notebook"])
def test_replace_cell_in_browser(flavor: Flavor, chromium: None, tmp_path: Path) -> None:
    """Replace, undo, dialog cancel / accept and not-found, all through the real UI."""
    root = tmp_path / "root"
    root.mkdir()
    write_notebook(root / NOTEBOOK, [(TARGET_ID, ORIGINAL), (BUTTONS_ID, BUTTONS)])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    with (
        jupyter_server(root, tmp_path / "home", flavor) as server,
        chromium_page(tmp_path / "profile") as page,
    ):
        nb = NotebookPage(page, server, NOTEBOOK).open()
        nb.run_cell(0)
        assert f"target cell id: {TARGET_ID}" in nb.output_text(0)
        nb.run_cell(1)
        page.get_by_text("no click yet", exact=True).wait_for()

        # One click replaces the other cell, found by id.
        _click_and_wait(nb, "Replace cell", "outcome 1: replaced")
        assert nb.cell_source(TARGET_ID) == NEW
        if flavor == "lab":
            page.screenshot(path=str(SCREENSHOTS / "replace-cell-replaced.png"))

        # The replacement is one undo step in the cell editor.
        nb.focus_editor(0)
        page.keyboard.press("Control+z")
        nb.wait_cell_source(TARGET_ID, ORIGINAL)
        assert nb.cell_source(TARGET_ID) == ORIGINAL

        # The user edits the cell: replacing now asks first; "Keep my edits" keeps them.
        nb.focus_editor(0)
        page.keyboard.press("Control+End")
        page.keyboard.type("  # my edit")
        edited = ORIGINAL + "  # my edit"
        nb.wait_cell_source(TARGET_ID, edited)
        page.get_by_role("button", name="Replace cell", exact=True).click()
        dialog = _dialog(nb)
        if flavor == "lab":
            page.screenshot(path=str(SCREENSHOTS / "replace-cell-dialog.png"))
        dialog.get_by_role("button", name="Keep my edits").click()
        page.get_by_text("outcome 2: cancelled", exact=True).wait_for()
        assert nb.cell_source(TARGET_ID) == edited

        # ... and "Replace" overwrites them.
        page.get_by_role("button", name="Replace cell", exact=True).click()
        _dialog(nb).get_by_role("button", name="Replace", exact=True).click()
        page.get_by_text("outcome 3: replaced", exact=True).wait_for()
        assert nb.cell_source(TARGET_ID) == NEW

        # An id that is not in this notebook is reported, nothing else changes.
        _click_and_wait(nb, "Replace missing cell", "outcome 4: not-found")
        assert nb.cell_source(TARGET_ID) == NEW

        saved = nb.save()
        by_id = {cell["id"]: "".join(cell["source"]) for cell in saved["cells"]}
        assert by_id[TARGET_ID] == NEW
        assert by_id[BUTTONS_ID] == BUTTONS.rstrip("\n") or by_id[BUTTONS_ID] == BUTTONS


OPEN_CONSOLE_JS = """
async () => {
  const console = await window.jupyterapp.commands.execute(
    'console:create', {kernelPreference: {name: 'python3'}});
  await console.sessionContext.ready;
  return console.sessionContext.session.kernel.id;
}
"""
OPEN_NOTEBOOK_ON_KERNEL_JS = """
async ([path, id]) => {
  const panel = await window.jupyterapp.commands.execute(
    'docmanager:open', {path, factory: 'Notebook', kernel: {id, name: 'python3'}});
  await panel.sessionContext.ready;
  return panel.sessionContext.session.kernel.id;
}
"""


def test_replace_when_a_console_connected_to_the_kernel_first(chromium: None, tmp_path: Path) -> None:
    """The first connection to a kernel handles its comms; when it is a console's, replacing still works."""
    root = tmp_path / "root"
    root.mkdir()
    write_notebook(root / NOTEBOOK, [(TARGET_ID, ORIGINAL), (BUTTONS_ID, BUTTONS)])

    with (
        jupyter_server(root, tmp_path / "home", "lab") as server,
        chromium_page(tmp_path / "profile") as page,
    ):
        page.goto(f"{server.url}/lab?token={server.token}")
        page.wait_for_function(
            "() => !!window.jupyterapp && ['console:create', 'docmanager:open']"
            ".every(c => window.jupyterapp.commands.hasCommand(c))"
        )
        page.evaluate("() => window.jupyterapp.restored")
        kernel_id = page.evaluate(OPEN_CONSOLE_JS)
        assert page.evaluate(OPEN_NOTEBOOK_ON_KERNEL_JS, [NOTEBOOK, kernel_id]) == kernel_id
        nb = NotebookPage(page, server, NOTEBOOK).wait_ready()
        nb.run_cell(0)
        nb.run_cell(1)
        _click_and_wait(nb, "Replace cell", "outcome 1: replaced")
        assert nb.cell_source(TARGET_ID) == NEW
