"""One-click "Replace cell" of the real ``%%docgen`` review, in a real JupyterLab 4 / Notebook 7 and Chromium.

The kernel documents the cell through the Azure OpenAI provider talking to the loopback fake in this test
process (``tests/fake_openai.py``; nothing leaves 127.0.0.1). The tests click the widget's "Replace cell",
check the live notebook model and the saved file, undo with Ctrl-Z in the cell editor, and walk the
"changed since %%docgen ran" dialog both ways (JupyterLab and Notebook 7). In JupyterLab they also cover
the kernel lifecycle: a restart, a change of kernel, and a console that connected to the kernel before the
notebook (then a restart)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_browser import (
    FIND_PANEL_JS,
    SCREENSHOTS,
    SHOOT,
    Flavor,
    NotebookPage,
    chromium_available,
    chromium_page,
    extension_problem,
    jupyter_server,
    write_notebook,
)

from docgen_magic.api import document
from docgen_magic.settings import resolve_settings
from tests.fake_openai import FakeOpenAI

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

NOTEBOOK = "analysis.ipynb"
LOAD_ID = "load-ext"
DOCGEN_ID = "docgen-cell"
FAKE_KEY = "sk-e2e-fake-key"

LOAD = "%load_ext docgen_magic"
BODY = """\
def normalize(values, lower=0.0, upper=1.0):
    lo, hi = min(values), max(values)
    if hi == lo:
        raise ValueError("all values are equal")
    return [lower + (v - lo) * (upper - lower) / (hi - lo) for v in values]


def moving_average(values, window=3):
    for i in range(len(values) - window + 1):
        yield sum(values[i:i + window]) / window"""
ORIGINAL = "%%docgen\n" + BODY
# The body as the kernel documents it: exactly as the frontend sent it (IPython appends a newline to a cell
# magic's body; %%docgen drops it again, so the replaced cell gains no trailing "\n").
KERNEL_BODY = BODY
EDIT = "  # my edit"


@pytest.fixture(scope="module")
def chromium() -> None:
    """Require the system Chromium (.ci/run installs it) and the current build of the lab extension."""
    if not chromium_available():
        pytest.fail("/usr/bin/chromium is missing: apt-get install -y chromium (.ci/run does this)")
    problem = extension_problem()
    if problem:
        pytest.fail(problem)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    """The loopback fake of Azure OpenAI the kernels talk to."""
    with FakeOpenAI(api_key=FAKE_KEY) as server:
        yield server


def _model_env(fake: FakeOpenAI, cache_dir: Path) -> dict[str, str]:
    """The environment that points docgen_magic (in the kernel) at the fake, as an Azure OpenAI resource.

    Args:
        fake: The running fake.
        cache_dir: A fresh docstring cache folder.

    Returns:
        The variables.
    """
    return {
        "AZURE_OPENAI_ENDPOINT": fake.url,
        "AZURE_OPENAI_API_KEY": FAKE_KEY,
        "AZURE_OPENAI_DEPLOYMENT": "docgen-e2e",
        "DOCGEN_CACHE_DIR": str(cache_dir),
    }


def _expected_code(env: dict[str, str], tmp_path: Path) -> str:
    """Document BODY in this process with the same settings as the kernel (the fake answers deterministically).

    Args:
        env: The kernel's model environment.
        tmp_path: For a cache of this process's own.

    Returns:
        The documented code the widget must put into the cell.
    """
    environ = {**env, "DOCGEN_CACHE_DIR": str(tmp_path / "expected-cache")}
    result = document(KERNEL_BODY, settings=resolve_settings(environ=environ))
    assert not result.failed, result
    return result.code


def _assert_documented(code: str) -> None:
    """The code is BODY plus a docstring on each function, and nothing else.

    Args:
        code: The documented code.
    """
    tree = ast.parse(code)
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert [f.name for f in functions] == ["normalize", "moving_average"]
    assert all(ast.get_docstring(f) for f in functions)
    for function in functions:
        function.body = function.body[1:]
    assert ast.dump(tree) == ast.dump(ast.parse(BODY))


def _run_docgen(nb: NotebookPage) -> Any:
    """Run the load and ``%%docgen`` cells and wait for the review widget with its result.

    Args:
        nb: The notebook page.

    Returns:
        The widget's locator.
    """
    nb.run_cell(0)
    nb.run_cell(1)
    widget = nb.cell(1).locator(".docgen-review")
    widget.locator(".docgen-replace").wait_for(state="visible")
    widget.locator(".docgen-code").get_by_text("def moving_average").wait_for()
    return widget


def _click_replace(widget: Any, status: str | None) -> None:
    """Click "Replace cell" and, if ``status`` is given, wait for the status label to start with it.

    Args:
        widget: The widget's locator.
        status: The outcome status to wait for, e.g. ``"replaced"``; None to not wait.
    """
    widget.locator(".docgen-replace").click()
    if status is None:
        return
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    label = widget.locator(".docgen-status")
    try:
        label.filter(has_text=STATUS_TEXT[status]).wait_for()
    except PlaywrightTimeout:
        raise AssertionError(f"expected status {status!r}, the widget says {label.inner_text()!r}") from None


STATUS_TEXT = {"replaced": "Replaced the cell", "cancelled": "Kept the cell as edited"}
"""What the review's status line starts with after each outcome."""


def _dialog(nb: NotebookPage) -> Any:
    """Wait for the "changed since" dialog and return its locator.

    Args:
        nb: The notebook page.

    Returns:
        The dialog locator.
    """
    dialog = nb.page.locator(".jp-Dialog").filter(has_text="The cell changed since %%docgen ran")
    dialog.wait_for()
    return dialog


def _screenshot(nb: NotebookPage, name: str) -> None:
    """Save a screenshot of the %%docgen cell from its top (its input and the widget below), in JupyterLab.

    The page is made taller for the shot (1280x1280) so the cell and the whole widget fit, then restored.

    Args:
        nb: The notebook page.
        name: File name under docs/screenshots.
    """
    if not SHOOT:
        return
    page = nb.page
    page.evaluate("() => { window.jupyterapp.shell.collapseLeft(); }")
    page.set_viewport_size({"width": 1280, "height": 1280})
    nb.cell(1).evaluate("(el) => el.scrollIntoView({block: 'start'})")
    page.wait_for_function(
        "() => { const r = document.querySelectorAll('.jp-Notebook .jp-Cell')[1].getBoundingClientRect();"
        " return r.top >= 0 && r.top < 200; }"
    )
    page.screenshot(path=str(SCREENSHOTS / name))
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.parametrize("flavor", ["lab", "notebook"])
def test_replace_cell_in_browser(flavor: Flavor, chromium: None, fake: FakeOpenAI, tmp_path: Path) -> None:
    """%%docgen, Replace cell, Ctrl-Z, and the "changed since" dialog both ways, through the real UI."""
    env = _model_env(fake, tmp_path / "kernel-cache")
    expected = _expected_code(env, tmp_path)
    _assert_documented(expected)
    root = tmp_path / "root"
    root.mkdir()
    write_notebook(root / NOTEBOOK, [(LOAD_ID, LOAD), (DOCGEN_ID, ORIGINAL)])
    fake.requests.clear()

    with (
        jupyter_server(root, tmp_path / "home", flavor, env=env) as server,
        chromium_page(tmp_path / "profile") as page,
    ):
        nb = NotebookPage(page, server, NOTEBOOK).open()
        widget = _run_docgen(nb)
        # The kernel asked the fake, as an Azure OpenAI deployment, once per function.
        paths = {r["path"] for r in fake.requests}
        assert paths == {"/openai/deployments/docgen-e2e/chat/completions"}, paths
        assert len(fake.requests) == 2

        # One click replaces the %%docgen cell (found by id) with the documented code.
        _click_replace(widget, "replaced")
        nb.wait_cell_source(DOCGEN_ID, expected)
        assert nb.cell_source(LOAD_ID) == LOAD
        if flavor == "lab":
            _screenshot(nb, "replace-cell-replaced.png")

        # The replacement is one undo step in the cell editor.
        nb.focus_editor(1)
        page.keyboard.press("Control+z")
        nb.wait_cell_source(DOCGEN_ID, ORIGINAL)

        # The user edits the cell: Replace now asks first; "Keep my edits" keeps them.
        nb.focus_editor(1)
        page.keyboard.press("Control+End")
        page.keyboard.type(EDIT)
        nb.wait_cell_source(DOCGEN_ID, ORIGINAL + EDIT)
        _click_replace(widget, None)
        dialog = _dialog(nb)
        if flavor == "lab" and SHOOT:
            page.screenshot(path=str(SCREENSHOTS / "replace-cell-dialog.png"))
        dialog.get_by_role("button", name="Keep my edits").click()
        widget.locator(".docgen-status", has_text=STATUS_TEXT["cancelled"]).wait_for()
        assert nb.cell_source(DOCGEN_ID) == ORIGINAL + EDIT

        # ... and "Replace" overwrites them.
        _click_replace(widget, None)
        _dialog(nb).get_by_role("button", name="Replace", exact=True).click()
        widget.locator(".docgen-status", has_text=STATUS_TEXT["replaced"]).wait_for()
        nb.wait_cell_source(DOCGEN_ID, expected)

        saved = nb.save()
        by_id = {cell["id"]: "".join(cell["source"]) for cell in saved["cells"]}
        assert by_id == {LOAD_ID: LOAD, DOCGEN_ID: expected}


# Insert a cell at the top of the notebook and make it the active one: the %%docgen cell moves down a place
# and is no longer active, as when the user has moved on before clicking Replace.
MOVE_ON_JS = f"""
([path, source]) => {{
  const panel = ({FIND_PANEL_JS})(path);
  panel.content.model.sharedModel.insertCell(0, {{cell_type: 'code', source}});
  panel.content.activeCellIndex = 0;
  return panel.content.activeCell.model.sharedModel.getSource();
}}
"""
ACTIVE_INDEX_JS = f"(path) => ({FIND_PANEL_JS})(path).content.activeCellIndex"


def test_replace_finds_the_cell_by_id_not_the_active_one(chromium: None, fake: FakeOpenAI, tmp_path: Path) -> None:
    """After the user moved on (another cell inserted above and active), Replace still changes the %%docgen cell.

    The button is clicked with a DOM click event alone (no mousedown), so JupyterLab does not make the widget's
    cell active again: the request must find the cell by id, at its new index, and leave the active cell alone.
    """
    env = _model_env(fake, tmp_path / "kernel-cache")
    expected = _expected_code(env, tmp_path)
    root = tmp_path / "root"
    root.mkdir()
    write_notebook(root / NOTEBOOK, [(LOAD_ID, LOAD), (DOCGEN_ID, ORIGINAL)])
    moved_on = "summary = 'the user is working here now'"
    with (
        jupyter_server(root, tmp_path / "home", "lab", env=env) as server,
        chromium_page(tmp_path / "profile") as page,
    ):
        nb = NotebookPage(page, server, NOTEBOOK).open()
        _run_docgen(nb)
        assert page.evaluate(MOVE_ON_JS, [NOTEBOOK, moved_on]) == moved_on
        widget = page.locator(".docgen-review")  # now in the notebook's third cell
        widget.locator(".docgen-replace").dispatch_event("click")
        widget.locator(".docgen-status", has_text=STATUS_TEXT["replaced"]).wait_for()
        nb.wait_cell_source(DOCGEN_ID, expected)
        assert page.evaluate(ACTIVE_INDEX_JS, NOTEBOOK) == 0
        saved = [("".join(cell["source"]), cell.get("id")) for cell in nb.save()["cells"]]
        assert [source for source, _ in saved] == [moved_on, LOAD, expected]
        assert [cell_id for _, cell_id in saved][1:] == [LOAD_ID, DOCGEN_ID]


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


def _replace_and_undo(nb: NotebookPage, expected: str) -> None:
    """Run %%docgen, replace the cell, check it, and undo back to the %%docgen cell.

    Args:
        nb: The notebook page.
        expected: The documented code.
    """
    widget = _run_docgen(nb)
    _click_replace(widget, "replaced")
    nb.wait_cell_source(DOCGEN_ID, expected)
    nb.focus_editor(1)
    nb.page.keyboard.press("Control+z")
    nb.wait_cell_source(DOCGEN_ID, ORIGINAL)


def _write_lifecycle_notebook(tmp_path: Path) -> Path:
    """Write the notebook of the lifecycle tests (load, then %%docgen).

    Args:
        tmp_path: The test's temporary directory.

    Returns:
        The server root dir.
    """
    root = tmp_path / "root"
    root.mkdir()
    write_notebook(root / NOTEBOOK, [(LOAD_ID, LOAD), (DOCGEN_ID, ORIGINAL)])
    return root


def test_replace_after_kernel_restart_and_change(chromium: None, fake: FakeOpenAI, tmp_path: Path) -> None:
    """Replace works after a restart (same connection, new process) and a kernel change (new one)."""
    env = _model_env(fake, tmp_path / "kernel-cache")
    expected = _expected_code(env, tmp_path)
    root = _write_lifecycle_notebook(tmp_path)
    with (
        jupyter_server(root, tmp_path / "home", "lab", env=env) as server,
        chromium_page(tmp_path / "profile") as page,
    ):
        nb = NotebookPage(page, server, NOTEBOOK).open()
        kernel_id = nb.kernel_id()
        _replace_and_undo(nb, expected)

        nb.restart_kernel()
        assert nb.kernel_id() == kernel_id
        _replace_and_undo(nb, expected)

        assert nb.change_kernel() != kernel_id
        _replace_and_undo(nb, expected)


def test_replace_when_a_console_connected_to_the_kernel_first(
    chromium: None, fake: FakeOpenAI, tmp_path: Path
) -> None:
    """JupyterLab lets only the first connection to a kernel handle its comms; when it is a console's, Replace works.

    Also after the notebook restarts the kernel: the console's connection then stamps comm messages with
    subshell ids of the old kernel process.
    """
    env = _model_env(fake, tmp_path / "kernel-cache")
    expected = _expected_code(env, tmp_path)
    root = _write_lifecycle_notebook(tmp_path)
    with (
        jupyter_server(root, tmp_path / "home", "lab", env=env) as server,
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
        _replace_and_undo(nb, expected)

        nb.restart_kernel()
        assert nb.kernel_id() == kernel_id
        _replace_and_undo(nb, expected)
