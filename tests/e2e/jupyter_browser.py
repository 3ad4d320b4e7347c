"""Reusable helpers for end-to-end tests: a real Jupyter server, a real Chromium, a real kernel.

* :func:`jupyter_server` starts ``jupyter lab`` or ``jupyter notebook`` on a free loopback port with a
  temporary root dir and isolated config/data/settings dirs, waits until it answers, and always kills it.
* :func:`chromium_page` launches the system Chromium through Playwright with a fresh profile.
* :class:`NotebookPage` drives one open notebook: wait for the kernel, run a cell by index, read a cell's
  source by id from the live notebook model (``window.jupyterapp``, exposed with
  ``--expose-app-in-browser``), press keys in a cell editor.

Every wait is bounded (``WAIT_MS``) and waits on a condition, never a fixed sleep.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

logger = logging.getLogger(__name__)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WAIT_MS = 60_000
"""Upper bound for any single wait in the browser (generous: a cold JupyterLab can take a while)."""
SERVER_START_S = 90.0
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
"""Where the README's screenshots live (tracked in git)."""
SHOOT = os.environ.get("DOCGEN_SCREENSHOTS", "") not in ("", "0")
"""Rewrite the tracked screenshots only when asked: ``DOCGEN_SCREENSHOTS=1``."""

Flavor = Literal["lab", "notebook"]

# The server and its kernels must only reach the model servers a test names (a loopback fake): whatever the
# developer's shell sets for docgen_magic or the OpenAI SDK is dropped.
_DROPPED_ENV_PREFIXES = ("DOCGEN_", "AZURE_OPENAI_", "OPENAI_")


@dataclass(frozen=True)
class JupyterServer:
    """A running Jupyter server.

    Attributes:
        url: Base URL, e.g. ``http://127.0.0.1:8888``.
        token: The auth token.
        root_dir: The server's root directory (notebooks live here).
        flavor: ``"lab"`` (JupyterLab) or ``"notebook"`` (Notebook 7).
        log_path: File receiving the server's stdout/stderr.
    """

    url: str
    token: str
    root_dir: Path
    flavor: Flavor
    log_path: Path

    def notebook_url(self, relpath: str) -> str:
        """Return the browser URL that opens a notebook in this server's UI.

        Args:
            relpath: Notebook path relative to the root dir.

        Returns:
            The URL, token included.
        """
        route = "lab/tree" if self.flavor == "lab" else "notebooks"
        return f"{self.url}/{route}/{relpath}?token={self.token}"

    def log_tail(self, chars: int = 4000) -> str:
        """Return the end of the server log, for failure messages.

        Args:
            chars: How many characters to return at most.

        Returns:
            The log tail.
        """
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now.

    Returns:
        The port number.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_notebook(path: Path, cells: list[tuple[str, str]]) -> None:
    """Write a Python notebook whose code cells have fixed ids.

    Args:
        path: Where to write the ``.ipynb``.
        cells: ``(cell_id, source)`` pairs, in order.
    """
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source=src, id=cid) for cid, src in cells]
    nbformat.validate(nb)
    path.write_text(nbformat.writes(nb), encoding="utf-8")


def _server_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment isolating the server (and its kernels) from the user's Jupyter/IPython/model settings.

    Args:
        home: A temporary directory for config, settings, workspaces and IPython.
        extra: Variables to add (e.g. ``AZURE_OPENAI_ENDPOINT`` pointing at a loopback fake).

    Returns:
        The environment mapping.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED_ENV_PREFIXES)}
    for name, sub in [
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("JUPYTERLAB_SETTINGS_DIR", "lab-settings"),
        ("JUPYTERLAB_WORKSPACES_DIR", "lab-workspaces"),
        ("IPYTHONDIR", "ipython"),
    ]:
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[name] = str(home / sub)
    # No "get notified about Jupyter news?" toast (it would also cover screenshots).
    news = home / "lab-settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True, exist_ok=True)
    news.write_text('{"fetchNews": "false"}', encoding="utf-8")
    env.pop("JUPYTER_TOKEN", None)
    env.update(extra or {})
    return env


def _jupyter_command(flavor: Flavor, port: int, token: str, root_dir: Path) -> list[str]:
    """Build the server command line.

    Args:
        flavor: ``"lab"`` or ``"notebook"``.
        port: The port to listen on.
        token: The auth token.
        root_dir: The server root dir.

    Returns:
        The argv list.
    """
    jupyter = str(Path(sys.executable).with_name("jupyter"))
    argv = [
        jupyter,
        flavor,
        "--no-browser",
        "--expose-app-in-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root_dir}",
        # Nothing may reach beyond 127.0.0.1: no PyPI extension manager, no update check.
        "--LabApp.extension_manager=readonly",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")  # CI containers run as root
    return argv


def _wait_until_up(url: str, token: str, proc: subprocess.Popen[bytes], deadline: float) -> None:
    """Poll ``/api/status`` until the server answers.

    Args:
        url: The server's base URL.
        token: The auth token.
        proc: The server process (a crash ends the wait early).
        deadline: ``time.monotonic()`` value after which to give up.

    Raises:
        RuntimeError: If the server exits or does not answer before the deadline.
    """
    request = urllib.request.Request(f"{url}/api/status", headers={"Authorization": f"token {token}"})
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter server exited with code {proc.returncode}")
        with contextlib.suppress(OSError, urllib.error.URLError), urllib.request.urlopen(
            request, timeout=5
        ) as response:
            if response.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("jupyter server did not start in time")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server and its kernels (its whole process group).

    Args:
        proc: The server process, started in its own session.
    """
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            logger.warning("jupyter server ignored SIGTERM; killing it")
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=15)


@contextlib.contextmanager
def jupyter_server(
    root_dir: Path, home: Path, flavor: Flavor = "lab", env: Mapping[str, str] | None = None
) -> Iterator[JupyterServer]:
    """Run a Jupyter server for the duration of the ``with`` block; always kill it afterwards.

    Args:
        root_dir: The server's root dir (put the notebooks here first).
        home: A temporary directory for the server's isolated config/settings and its log.
        flavor: ``"lab"`` for JupyterLab, ``"notebook"`` for Notebook 7.
        env: Extra environment variables for the server and the kernels it starts.

    Yields:
        The running server.

    Raises:
        RuntimeError: If the server does not come up.
    """
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    token = secrets.token_hex(16)
    log_path = home / f"jupyter-{flavor}.log"
    server = JupyterServer(f"http://127.0.0.1:{port}", token, root_dir, flavor, log_path)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            _jupyter_command(flavor, port, token, root_dir),
            cwd=root_dir,
            env=_server_env(home, env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            try:
                _wait_until_up(server.url, token, proc, time.monotonic() + SERVER_START_S)
            except RuntimeError as exc:
                raise RuntimeError(f"{exc}\n--- server log ---\n{server.log_tail()}") from exc
            yield server
        finally:
            _stop(proc)


REPO = Path(__file__).resolve().parents[2]
EXTENSION_NAME = "docgen-magic"


def extension_problem() -> str | None:
    """Check that the installed docgen-magic lab extension is the build of the current TypeScript, styles and schema.

    ``pip install -e .`` builds ``labextension/`` into ``docgen_magic/labextension/`` and COPIES it to
    ``<prefix>/share/jupyter/labextensions/docgen-magic``; editing the TypeScript afterwards changes neither.
    A browser test against a stale copy would test old code, so it must stop and say how to refresh.

    Returns:
        None when the installed extension is current, else what is wrong and how to fix it.
    """
    from jupyter_core.paths import jupyter_path

    fix = "run `.venv/bin/python -m pip install -e .` (rebuilds and reinstalls the extension)"
    build = REPO / "docgen_magic" / "labextension"
    sources = [f for part in ("src", "style", "schema") for f in (REPO / "labextension" / part).rglob("*.*")]
    if not (build / "package.json").is_file():
        return f"the lab extension was never built ({build} is missing): {fix}"
    newest_source = max((f.stat().st_mtime for f in sources), default=0.0)
    if newest_source > (build / "package.json").stat().st_mtime:
        return f"labextension/ (TypeScript, styles or schema) changed since the last build: {fix}"
    installed = next(
        (Path(d) / EXTENSION_NAME for d in jupyter_path("labextensions") if (Path(d) / EXTENSION_NAME).is_dir()),
        None,
    )
    if installed is None:
        return f"the {EXTENSION_NAME} lab extension is not installed where Jupyter looks: {fix}"
    built = json.loads((build / "package.json").read_text(encoding="utf-8"))["jupyterlab"]["_build"]["load"]
    used = json.loads((installed / "package.json").read_text(encoding="utf-8"))["jupyterlab"]["_build"]["load"]
    if built != used:
        return f"{installed} holds an older build ({used}, the current one is {built}): {fix}"
    return None


def chromium_available() -> bool:
    """Whether the system Chromium is installed.

    Returns:
        True if :data:`CHROMIUM` exists.
    """
    return shutil.which(CHROMIUM) is not None


@contextlib.contextmanager
def chromium_page(profile_dir: Path) -> Iterator[Any]:
    """Launch the system Chromium (fresh profile) through Playwright and yield one page.

    Args:
        profile_dir: An empty directory for the browser profile.

    Yields:
        A ``playwright.sync_api.Page``.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile_dir),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        try:
            context.set_default_timeout(WAIT_MS)
            page = context.pages[0] if context.pages else context.new_page()
            yield page
        finally:
            context.close()


# JavaScript run in the page: find the open notebook panel by path through the exposed app.
FIND_PANEL_JS = """
(path) => {
  const app = window.jupyterapp;
  if (!app) { return null; }
  for (const w of app.shell.widgets('main')) {
    if (w.context && w.context.path === path && w.content && w.content.model) { return w; }
  }
  return null;
}
"""


class NotebookPage:
    """One notebook open in JupyterLab or Notebook 7, driven through a Playwright page.

    Args:
        page: The Playwright page.
        server: The server the notebook lives on.
        path: The notebook path relative to the server root.
    """

    def __init__(self, page: Any, server: JupyterServer, path: str) -> None:
        self.page = page
        self.server = server
        self.path = path

    def open(self) -> NotebookPage:
        """Navigate to the notebook and wait until its cells are shown and its kernel is idle.

        Returns:
            This object, for chaining.
        """
        self.page.goto(self.server.notebook_url(self.path))
        return self.wait_ready()

    def wait_ready(self) -> NotebookPage:
        """Wait until the (already opening) notebook shows its cells and its kernel is idle.

        Returns:
            This object, for chaining.
        """
        self.page.wait_for_selector(".jp-Notebook .jp-Cell .cm-content")
        self.page.wait_for_function(
            f"(path) => ({FIND_PANEL_JS})(path) !== null", arg=self.path, timeout=WAIT_MS
        )
        self.wait_kernel_idle()
        return self

    def wait_kernel_idle(self) -> None:
        """Wait until the notebook's kernel is connected and idle.

        Raises:
            AssertionError: If it does not get there in time (showing where it is).
        """
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            self._wait_kernel_idle()
        except PlaywrightTimeout:
            state = self.page.evaluate(
                f"""(path) => {{
                    const panel = ({FIND_PANEL_JS})(path);
                    const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
                    return kernel ? [kernel.connectionStatus, kernel.status] : null;
                }}""",
                self.path,
            )
            raise AssertionError(f"the kernel of {self.path} is not connected and idle: {state}") from None

    def _wait_kernel_idle(self) -> None:
        """Wait (at most ``WAIT_MS``) until the notebook's kernel is connected and idle."""
        self.page.wait_for_function(
            f"""(path) => {{
                const panel = ({FIND_PANEL_JS})(path);
                const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
                return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
            }}""",
            arg=self.path,
            timeout=WAIT_MS,
        )

    def cell(self, index: int) -> Any:
        """Return a locator for the cell at ``index`` (0-based, document order).

        Args:
            index: The cell index.

        Returns:
            A Playwright locator.
        """
        return self.page.locator(".jp-Notebook .jp-Cell").nth(index)

    def focus_editor(self, index: int) -> Any:
        """Click into a cell's editor so keystrokes go to it.

        Args:
            index: The cell index.

        Returns:
            The editor's locator.
        """
        editor = self.cell(index).locator(".cm-content")
        editor.click()
        self.page.wait_for_function(
            "(i) => { const c = document.querySelectorAll('.jp-Notebook .jp-Cell')[i];"
            " return !!c && c.querySelector('.cm-editor.cm-focused') !== null; }",
            arg=index,
        )
        return editor

    def run_cell(self, index: int) -> None:
        """Execute one cell through the UI (Ctrl+Enter in its editor) and wait until it finished.

        Ctrl+Enter runs the cell and stays on it, so no new cell is inserted after the last one.

        Args:
            index: The cell index.
        """
        self.focus_editor(index)
        self.page.keyboard.press("Control+Enter")
        prompt = self.cell(index).locator(".jp-InputArea-prompt")
        # The prompt shows "[*]:" while running and "[n]:" when done.
        self.page.wait_for_function(
            "(el) => /\\[\\d+\\]/.test(el.textContent)", arg=prompt.element_handle()
        )
        self.wait_kernel_idle()

    def cell_source(self, cell_id: str) -> str | None:
        """Read a cell's source from the live notebook model, by cell id.

        Args:
            cell_id: The cell id.

        Returns:
            The source, or None when no cell has that id.
        """
        return self.page.evaluate(
            f"""([path, id]) => {{
                const panel = ({FIND_PANEL_JS})(path);
                const cell = panel.content.model.sharedModel.cells.find(c => c.id === id);
                return cell ? cell.getSource() : null;
            }}""",
            [self.path, cell_id],
        )

    def wait_cell_source(self, cell_id: str, expected: str) -> None:
        """Wait until a cell's source in the notebook model equals ``expected``.

        Args:
            cell_id: The cell id.
            expected: The expected source.

        Raises:
            AssertionError: If the source does not become ``expected`` in time (showing both texts).
        """
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            self._wait_cell_source(cell_id, expected)
        except PlaywrightTimeout:
            actual = self.cell_source(cell_id)
            raise AssertionError(f"cell {cell_id} never became\n{expected!r}\nit is\n{actual!r}") from None

    def _wait_cell_source(self, cell_id: str, expected: str) -> None:
        """Wait (at most ``WAIT_MS``) until a cell's source equals ``expected``.

        Args:
            cell_id: The cell id.
            expected: The expected source.
        """
        self.page.wait_for_function(
            f"""([path, id, expected]) => {{
                const panel = ({FIND_PANEL_JS})(path);
                const cell = panel && panel.content.model.sharedModel.cells.find(c => c.id === id);
                return !!cell && cell.getSource() === expected;
            }}""",
            arg=[self.path, cell_id, expected],
            timeout=WAIT_MS,
        )

    def output_text(self, index: int) -> str:
        """Return the visible text of a cell's output area.

        Args:
            index: The cell index.

        Returns:
            The text.
        """
        return str(self.cell(index).locator(".jp-OutputArea").inner_text())

    def save(self) -> dict[str, Any]:
        """Save the notebook through the app and return the file as read back from disk.

        Returns:
            The saved notebook JSON.
        """
        self.page.evaluate(
            f"async (path) => {{ const panel = ({FIND_PANEL_JS})(path); await panel.context.save(); }}",
            self.path,
        )
        return json.loads((self.server.root_dir / self.path).read_text(encoding="utf-8"))

    def kernel_id(self) -> str:
        """Return the id of the notebook's current kernel.

        Returns:
            The kernel id.
        """
        return str(
            self.page.evaluate(
                f"(path) => ({FIND_PANEL_JS})(path).sessionContext.session.kernel.id", self.path
            )
        )

    def restart_kernel(self) -> None:
        """Restart the notebook's kernel (same kernel connection, fresh process) and wait until idle."""
        self.page.evaluate(
            f"async (path) => {{ await ({FIND_PANEL_JS})(path).sessionContext.restartKernel(); }}",
            self.path,
        )
        self.wait_kernel_idle()

    def change_kernel(self) -> str:
        """Switch the notebook to a brand-new python3 kernel (a new kernel connection) and wait until idle.

        Returns:
            The new kernel's id.
        """
        self.page.evaluate(
            f"""async (path) => {{
                const ctx = ({FIND_PANEL_JS})(path).sessionContext;
                await ctx.changeKernel({{name: 'python3'}});
                await ctx.ready;
            }}""",
            self.path,
        )
        self.wait_kernel_idle()
        return self.kernel_id()
