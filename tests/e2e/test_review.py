"""The %%docgen review in a real JupyterLab 4 / Notebook 7 and Chromium: themes, saved notebooks, progress,
per-function accept, Copy, and the "Document this cell" / "Check this notebook" commands.

Offline runs need no model; the progress test talks to the loopback fake (``tests/fake_openai.py``) with a
latency, so requests stay in flight long enough to be seen. Screenshots for the README are written only with
``DOCGEN_SCREENSHOTS=1``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_browser import (
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

from tests.fake_openai import FakeOpenAI

pytestmark = [pytest.mark.timeout(600), pytest.mark.browser]

REVIEW_MIME = "application/vnd.docgen.result+json"
NOTEBOOK = "review.ipynb"
FAKE_KEY = "sk-e2e-review-key"

LOAD = "%load_ext docgen_magic"
BODY = """\
def normalize(values, lower=0.0, upper=1.0):
    lo, hi = min(values), max(values)
    if hi == lo:
        raise ValueError("all values are equal")
    return [lower + (v - lo) * (upper - lower) / (hi - lo) for v in values]


def moving_average(values, window=3):
    # a long line, so that narrow windows must scroll it sideways instead of wrapping it in mid-word ........
    for i in range(len(values) - window + 1):
        yield sum(values[i:i + window]) / window"""
DOCGEN = "%%docgen\n" + BODY
NAMES = ["normalize", "moving_average"]

# Colour arithmetic for the contrast checks below (pasted into their function bodies).
COLOR_JS = """
  // rgb(r, g, b[, a]) with 0-255 channels, or color(srgb r g b[ / a]) with 0-1 channels (color-mix results)
  const parse = s => {
    const n = s.match(/[\\d.]+/g).map(Number);
    if (!s.startsWith('color(')) { return n; }
    return [n[0] * 255, n[1] * 255, n[2] * 255, ...(n.length > 3 ? [n[3]] : [])];
  };
  const blend = (fg, bg) => {
    const a = fg.length > 3 ? fg[3] : 1;
    return [0, 1, 2].map(i => a * fg[i] + (1 - a) * bg[i]);
  };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
                     return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
"""

# WCAG 2 contrast of every piece of code text against the code's background, alpha blended.
CONTRAST_JS = """
(root) => {""" + COLOR_JS + """
  const pre = root.querySelector('pre.docgen-code');
  let el = pre, bg = parse(getComputedStyle(el).backgroundColor);
  while (bg.length > 3 && bg[3] === 0 && el.parentElement) {
    el = el.parentElement;
    bg = parse(getComputedStyle(el).backgroundColor);
  }
  bg = bg.slice(0, 3);
  let worst = { ratio: 99, text: '', color: '' };
  const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
  let pieces = 0;
  const all = {};
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) { continue; }
    pieces++;
    const color = getComputedStyle(node.parentElement).color;
    const fg = blend(parse(color), bg);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    if (ratio < worst.ratio) { worst = { ratio, text: node.textContent.slice(0, 40), color }; }
    all[color] = [Math.round(ratio * 100) / 100, node.textContent.slice(0, 12)];
  }
  return { worst, all, pieces, background: getComputedStyle(el).backgroundColor, lightness: lum(bg) };
}
"""

# WCAG 2 contrast of a toolbar button's icon against the backgrounds stacked behind its centre, and the icon's
# size: a themed icon must stay visible in light and dark themes.
ICON_CONTRAST_JS = """
(button) => {""" + COLOR_JS + """
  const svg = button.querySelector('svg');
  const path = svg.querySelector('path');
  const box = svg.getBoundingClientRect();
  const layers = [];
  let opaque = false;
  for (const el of document.elementsFromPoint(box.left + box.width / 2, box.top + box.height / 2)) {
    if (el instanceof SVGElement) { continue; }
    const c = parse(getComputedStyle(el).backgroundColor);
    if (c.length > 3 && c[3] === 0) { continue; }
    layers.push(c);
    if (c.length === 3 || c[3] === 1) { opaque = true; break; }
  }
  // Nothing opaque under the icon (e.g. it is outside the window): no ratio to speak of.
  if (!opaque) { return { ratio: 0, background: null, width: box.width, height: box.height }; }
  let bg = layers.pop();
  for (const c of layers.reverse()) { bg = blend(c, bg); }
  const fill = getComputedStyle(path).fill;
  const [a, b] = [lum(blend(parse(fill), bg)), lum(bg)].sort((x, y) => y - x);
  return { ratio: (a + 0.05) / (b + 0.05), fill, background: bg.map(Math.round), width: box.width,
           height: box.height };
}
"""

HIGH_CONTRAST = "JupyterLab Dark High Contrast"
# Whether a theme is installed: switching to it takes effect within a few seconds (an unknown theme never does).
HAS_THEME_JS = """
async (theme) => {
  try { await window.jupyterapp.commands.execute('apputils:change-theme', {theme}); } catch (e) { return false; }
  for (let i = 0; i < 50; i++) {
    if (document.body.dataset.jpThemeName === theme) { return true; }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  return false;
}
"""

LAYOUT_JS = """
(root) => {
  const pre = root.querySelector('pre.docgen-code');
  const style = getComputedStyle(pre);
  const box = root.getBoundingClientRect();
  return { whiteSpace: style.whiteSpace, scrolls: pre.scrollWidth > pre.clientWidth,
           right: box.right, width: window.innerWidth,
           lines: pre.textContent.split('\\n').length };
}
"""


@pytest.fixture(scope="module")
def chromium() -> None:
    """Require the system Chromium (.ci/run installs it) and the current build of the lab extension."""
    if not chromium_available():
        pytest.fail("/usr/bin/chromium is missing: apt-get install -y chromium (.ci/run does this)")
    problem = extension_problem()
    if problem:
        pytest.fail(problem)


def _root(tmp_path: Path, cells: list[tuple[str, str]]) -> Path:
    """A server root holding the test notebook.

    Args:
        tmp_path: The test's temporary directory.
        cells: (id, source) of each code cell.

    Returns:
        The root dir.
    """
    root = tmp_path / "root"
    root.mkdir(exist_ok=True)
    write_notebook(root / NOTEBOOK, cells)
    return root


def _review(nb: NotebookPage, index: int) -> Any:
    """Wait for the finished review in a cell's output.

    Args:
        nb: The notebook page.
        index: The cell index.

    Returns:
        The review's locator.
    """
    review = nb.cell(index).locator(".docgen-review[data-status='done']")
    review.locator(".docgen-replace").wait_for(state="visible")
    return review


def _theme(page: Any, name: str) -> None:
    """Switch the JupyterLab / Notebook 7 theme and wait until it is applied.

    Args:
        page: The page.
        name: "JupyterLab Light", "JupyterLab Dark" or "JupyterLab High Contrast"... as the theme manager names it.
    """
    page.evaluate("async (theme) => { await window.jupyterapp.commands.execute('apputils:change-theme', {theme}); }",
                  name)
    page.wait_for_function("(theme) => document.body.dataset.jpThemeName === theme", arg=name)


def _shot(page: Any, locator: Any, name: str) -> None:
    """Save a screenshot of the cell holding the review, when asked for (DOCGEN_SCREENSHOTS=1).

    Args:
        page: The page.
        locator: The cell.
        name: File name under docs/screenshots.
    """
    if not SHOOT:
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": 1600})  # room for the whole review
    try:
        locator.scroll_into_view_if_needed()
        locator.screenshot(path=str(SCREENSHOTS / name))
    finally:
        page.set_viewport_size(size)


def _shot_top(page: Any, locator: Any, name: str, margin: int = 16) -> None:
    """Save a screenshot of the top of the window down to just below an element, when asked for.

    Unlike :func:`_shot`, the window keeps its size, so a floating widget (the command palette) stays as it is,
    shown where it opens.

    Args:
        page: The page.
        locator: The element whose bottom edge (plus the margin) ends the picture.
        name: File name under docs/screenshots.
        margin: Pixels below the element.
    """
    if not SHOOT:
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    box, size = locator.bounding_box(), page.viewport_size
    bottom = min(size["height"], box["y"] + box["height"] + margin)
    page.screenshot(path=str(SCREENSHOTS / name), clip={"x": 0, "y": 0, "width": size["width"], "height": bottom})


def _apply(review: dict[str, Any], names: set[str]) -> str:
    """The code the review builds from its saved data with exactly these targets accepted.

    Args:
        review: The saved review data.
        names: The accepted targets.

    Returns:
        The code.
    """
    lines = list(review["lines"])
    edits = [t["edit"] for t in review["targets"] if t.get("edit") and t["name"] in names]
    for start, stop, added in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        lines[start:stop] = added
    return "".join(lines)


@pytest.mark.parametrize("flavor", ["lab", "notebook"])
def test_review_reads_well_in_light_dark_and_high_contrast(flavor: Flavor, chromium: None, tmp_path: Path) -> None:
    """Code text meets WCAG AA contrast (4.5:1) on its background in every theme; at 800 px long lines scroll."""
    root = _root(tmp_path, [("load", LOAD), ("doc", DOCGEN)])
    with jupyter_server(root, tmp_path / "home", flavor) as server, chromium_page(tmp_path / "profile") as page:
        nb = NotebookPage(page, server, NOTEBOOK).open()
        nb.run_cell(0)
        nb.run_cell(1)
        review = _review(nb, 1)
        themes = [("JupyterLab Light", False), ("JupyterLab Dark", True)]
        if page.evaluate(HAS_THEME_JS, HIGH_CONTRAST):
            themes.append((HIGH_CONTRAST, True))
        assert flavor != "lab" or len(themes) == 3  # JupyterLab 4 ships the high-contrast theme
        for theme, dark in themes:
            _theme(page, theme)
            measured = review.evaluate(CONTRAST_JS)
            assert measured["pieces"] > 20, measured
            assert (measured["lightness"] < 0.2) == dark, measured  # the code background follows the theme
            assert measured["worst"]["ratio"] >= 4.5, (theme, measured)
            if theme != HIGH_CONTRAST:
                _shot(page, nb.cell(1), f"review-{flavor}-{'dark' if dark else 'light'}.png")
        page.set_viewport_size({"width": 800, "height": 900})
        _theme(page, "JupyterLab Light")
        layout = review.evaluate(LAYOUT_JS)
        assert layout["whiteSpace"] == "pre" and layout["scrolls"], layout  # scrolls sideways, never wraps
        assert layout["right"] <= layout["width"] + 1, layout  # the review fits the window
        if flavor == "lab":
            _shot(page, nb.cell(1), "review-lab-800px.png")


@pytest.mark.parametrize("flavor", ["lab", "notebook"])
def test_saved_review_reopens_in_a_fresh_server(flavor: Flavor, chromium: None, tmp_path: Path) -> None:
    """Saved, reopened in a fresh server (new kernel): the review is back with no error; accept, Replace, Copy
    work from the saved data; Regenerate loads docgen_magic into the new kernel by itself; nbconvert HTML
    shows the result too."""
    root = _root(tmp_path, [("load", LOAD), ("doc", DOCGEN)])
    with jupyter_server(root, tmp_path / "home1", "lab") as server, chromium_page(tmp_path / "p1") as page:
        nb = NotebookPage(page, server, NOTEBOOK).open()
        nb.run_cell(0)
        nb.run_cell(1)
        _review(nb, 1)
        saved = nb.save()
    (output,) = saved["cells"][1]["outputs"]
    assert set(output["data"]) == {REVIEW_MIME, "text/html", "text/plain"}  # no widget view to go missing
    data = output["data"][REVIEW_MIME]
    assert [t["name"] for t in data["targets"]] == NAMES
    size = len(json.dumps(output))
    assert size < 6000 + 12 * len(_apply(data, set(NAMES))), size

    html = subprocess.run([sys.executable, "-m", "nbconvert", "--to", "html", "--stdout", str(root / NOTEBOOK)],
                          capture_output=True, text=True, timeout=120, check=True).stdout
    assert "docgen-html" in html and "moving_average" in html and "Yields" in html
    assert "Error displaying" not in html and "model not found" not in html

    only_first = _apply(data, {"normalize"})
    with (
        jupyter_server(root, tmp_path / "home2", flavor) as server,
        chromium_page(tmp_path / "p2") as page,
    ):
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
        nb = NotebookPage(page, server, NOTEBOOK).open()
        review = _review(nb, 1)
        text = review.inner_text()
        assert "Replace cell (2 of 2)" in text and "def moving_average" in text
        body = page.locator("body").inner_text()
        assert "Error displaying" not in body and "model not found" not in body

        # Reject moving_average in the Report: Replace now applies exactly the accepted docstring.
        review.get_by_role("tab", name="Report").click()
        review.locator("tr[data-name='moving_average'] .docgen-accept").uncheck()
        review = _review(nb, 1)
        review.get_by_text("Replace cell (1 of 2)").wait_for()
        review.get_by_role("tab", name="Code").click()
        review.locator(".docgen-copy").click()
        review.locator(".docgen-status", has_text="Copied").wait_for()
        assert page.evaluate("() => navigator.clipboard.readText()") == only_first
        review.locator(".docgen-replace").click()
        review.locator(".docgen-status", has_text="Replaced the cell with 1 of 2 docstrings").wait_for()
        nb.wait_cell_source("doc", only_first)

        # Nothing accepted: Replace is disabled and says why.
        review.get_by_role("tab", name="Report").click()
        review.locator("tr[data-name='normalize'] .docgen-accept").uncheck()
        review = _review(nb, 1)
        replace = review.locator(".docgen-replace")
        assert replace.is_disabled()
        assert replace.get_attribute("title") == "Nothing to replace: every docstring is rejected."

        # Regenerate documents the cell's current text in the fresh kernel (docgen_magic loaded on demand),
        # adding missing docstrings unless the mode says to fill the gaps of existing ones too (--update).
        assert review.locator(".docgen-mode").input_value() == "add"
        nb.restart_kernel()
        review.locator(".docgen-regenerate").click()
        page.wait_for_function(
            "() => { const r = document.querySelectorAll('.jp-Notebook .jp-Cell')[1]"
            ".querySelector('.docgen-review tr[data-name=\"normalize\"]');"
            " return !!r && r.dataset.state === 'skipped'; }")
        review = _review(nb, 1)
        assert review.locator("tr[data-name='moving_average']").get_attribute("data-state") == "documented"
        saved = nb.save()
        (output,) = saved["cells"][1]["outputs"]
        regenerated = output["data"][REVIEW_MIME]
        assert regenerated["source"] == only_first  # the text the cell holds now, saved with the notebook


@pytest.fixture
def slow_fake() -> Iterator[FakeOpenAI]:
    """The loopback fake answering each request after 1.5 s."""
    with FakeOpenAI(api_key=FAKE_KEY, latency=1.5) as server:
        yield server


def test_progress_shows_every_target_and_the_clock(chromium: None, slow_fake: FakeOpenAI, tmp_path: Path) -> None:
    """On a slow model: every target listed from the start, in flight ones marked, elapsed time moving, count
    and bar agreeing, and the total time at the end."""
    names = [f"step_{i}" for i in range(4)]
    cell = "%%docgen --concurrency 2 --no-cache\n" + "\n\n".join(f"def {n}(x):\n    return x\n" for n in names)
    root = _root(tmp_path, [("load", LOAD), ("doc", cell)])
    env = {"AZURE_OPENAI_ENDPOINT": slow_fake.url, "AZURE_OPENAI_API_KEY": FAKE_KEY,
           "AZURE_OPENAI_DEPLOYMENT": "docgen-e2e", "DOCGEN_CACHE_DIR": str(tmp_path / "cache")}
    with jupyter_server(root, tmp_path / "home", "lab", env=env) as server, chromium_page(tmp_path / "p") as page:
        nb = NotebookPage(page, server, NOTEBOOK).open()
        nb.run_cell(0)
        nb.focus_editor(1)
        page.keyboard.press("Control+Enter")
        running = nb.cell(1).locator(".docgen-review[data-status='running']")
        running.locator(".docgen-target[data-state='started']").first.wait_for()
        states = running.locator(".docgen-target").evaluate_all(
            "(items) => items.map(i => [i.querySelector('.docgen-name').textContent, i.dataset.state])")
        assert [n for n, _ in states] == names  # every target, in order, from the start
        assert {s for _, s in states} <= {"queued", "started", "documented"}
        first = running.locator(".docgen-count").inner_text()
        page.wait_for_function(
            "(before) => { const c = document.querySelector('.docgen-review[data-status=\"running\"] .docgen-count');"
            " return !!c && c.textContent !== before; }", arg=first)
        check = """(root) => {
            const done = [...root.querySelectorAll('.docgen-target')].filter(
                i => !['queued', 'started', 'retrying'].includes(i.dataset.state)).length;
            const bar = root.querySelector('.docgen-bar');
            return [done, Number(bar.getAttribute('aria-valuenow')), root.querySelector('.docgen-count').textContent];
        }"""
        done, bar, label = running.evaluate(check)
        assert done == bar and label.startswith(f"{done}/4 · ") and " in flight · " in label, label
        _shot(page, nb.cell(1), "review-progress.png")
        final = _review(nb, 1)
        label = final.locator(".docgen-count").inner_text()
        assert label.startswith("4/4 · done in "), label
        assert slow_fake.max_concurrent == 2


OPEN_CONTEXT_MENU_JS = """
(index) => {
  const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[index];
  const box = cell.querySelector('.jp-InputArea').getBoundingClientRect();
  return [box.left + 20, box.top + 5];
}
"""


def _palette_item(page: Any, label: str) -> Any:
    """The enabled command palette entry with this label, once it is listed.

    Args:
        page: The page, its command palette open.
        label: The command's label.

    Returns:
        The entry's locator.
    """
    item = page.locator(".lm-CommandPalette-item").filter(
        has=page.locator(".lm-CommandPalette-itemLabel", has_text=label))
    item.first.wait_for()
    assert item.count() == 1, f"{item.count()} palette entries labelled {label!r}"
    assert "lm-mod-disabled" not in (item.get_attribute("class") or ""), f"{label!r} is disabled in the palette"
    return item


@pytest.mark.parametrize("flavor", ["lab", "notebook"])
def test_document_this_cell_and_check_this_notebook(flavor: Flavor, chromium: None, tmp_path: Path) -> None:
    """Without typing %%docgen (and without %load_ext): the keyboard shortcut, the context menu, the cell
    toolbar button and the command palette document the active cell; "Check this notebook", from the palette,
    lists the findings per cell. The same in JupyterLab and Notebook 7 (Notebook 7 in an 800 px window), the
    pencil readable and both commands listed in the light and the dark theme."""
    plain = "def rect_area(width, height):\n    return width * height\n"
    other = "def perimeter(width, height):\n    return 2 * (width + height)\n"
    third = "def volume(width, height, depth):\n    return width * height * depth\n"
    root = _root(tmp_path, [("a", plain), ("b", other), ("c", "x = 1\n"), ("d", third)])
    with jupyter_server(root, tmp_path / "home", flavor) as server, chromium_page(tmp_path / "p") as page:
        nb = NotebookPage(page, server, NOTEBOOK).open()
        labels = page.evaluate("() => ['docgen:document-cell', 'docgen:check-notebook']"
                               ".map(c => window.jupyterapp.commands.label(c))")
        assert labels == ["Document this cell", "Check this notebook (docstrings)"]

        # The keyboard shortcut, in command mode.
        nb.cell(0).locator(".jp-InputArea-prompt").click()
        page.keyboard.press("Escape")
        page.keyboard.press("Alt+Shift+D")
        review = _review(nb, 0)
        assert '"""' in review.locator("pre.docgen-code").inner_text()
        assert nb.cell_source("a") == plain  # nothing changed until Replace
        review.locator(".docgen-replace").click()
        review.locator(".docgen-status", has_text="Replaced the cell").wait_for()
        assert '"""' in (nb.cell_source("a") or "")

        # The context menu on the second cell.
        nb.cell(1).locator(".jp-InputArea-prompt").click()
        x, y = page.evaluate(OPEN_CONTEXT_MENU_JS, 1)
        page.mouse.click(x, y, button="right")
        page.locator(".lm-Menu-itemLabel", has_text="Document this cell").first.click()
        _review(nb, 1)

        # The cell toolbar shows the pencil on the active cell, and the palette lists both commands, in both
        # themes; Notebook 7 in an 800 px window. (JupyterLab hides a cell's whole toolbar when it would cover
        # more than half of the editor: at 800 px, beside its file browser, the editor is 368 px wide, under
        # twice the toolbar's 7 x 29 px.)
        if flavor == "notebook":
            page.set_viewport_size({"width": 800, "height": 900})
        nb.cell(2).locator(".jp-InputArea-prompt").click()
        button = nb.cell(2).locator(".jp-cell-toolbar jp-button[data-command='docgen:document-cell']")
        button.wait_for()
        assert "Alt+Shift+D" in (button.get_attribute("title") or "")
        for theme, shade in (("JupyterLab Light", "light"), ("JupyterLab Dark", "dark")):
            _theme(page, theme)
            button.scroll_into_view_if_needed()
            icon = button.evaluate(ICON_CONTRAST_JS)
            assert icon["width"] >= 12 and icon["height"] >= 12, (theme, icon)
            assert icon["ratio"] >= 3, (theme, icon)  # WCAG 2 non-text contrast
            if flavor == "notebook":
                _shot(page, nb.cell(2), f"toolbar-notebook-{shade}.png")
            page.keyboard.press("Control+Shift+C")
            page.keyboard.type("docgen")
            _palette_item(page, "Check this notebook (docstrings)")
            _palette_item(page, "Document this cell")
            if flavor == "notebook":
                _shot_top(page, page.locator(".lm-CommandPalette").first, f"palette-notebook-{shade}.png")
            page.keyboard.press("Escape")
        _theme(page, "JupyterLab Light")

        # The cell toolbar button, on a cell without functions.
        button.click()
        done = nb.cell(2).locator(".docgen-review[data-status='done']")
        done.locator(".docgen-regenerate").wait_for()
        assert "no functions or classes" in done.inner_text()
        assert done.locator(".docgen-replace").count() == 0  # nothing to replace: no such button

        # The command palette (Ctrl+Shift+C) on the fourth cell.
        nb.cell(3).locator(".jp-InputArea-prompt").click()
        page.keyboard.press("Control+Shift+C")
        page.keyboard.type("Document this cell")
        _palette_item(page, "Document this cell").click()
        review = _review(nb, 3)
        assert "def volume" in review.locator("pre.docgen-code").inner_text()

        # Check this notebook, from the palette opened with View > Activate Command Palette: per-cell findings
        # in a dialog, with a way to each cell.
        page.locator(".lm-MenuBar-itemLabel", has_text="View").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Activate Command Palette").first.click()
        page.keyboard.type("Check this notebook")
        _palette_item(page, "Check this notebook (docstrings)").click()
        dialog = page.locator(".jp-Dialog .docgen-check")
        dialog.wait_for()
        text = dialog.inner_text()
        # The first cell holds its docstring since Replace; the second and fourth were only reviewed.
        assert text.startswith("1/3 public functions and classes fully documented (33%) in 4 code cells."), text
        cells = dialog.locator(".docgen-check-cell").evaluate_all("(s) => s.map(c => c.dataset.cellId)")
        assert cells == ["b", "d"], text
        assert "function perimeter" in text and "function volume" in text
        _shot(page, page.locator(".jp-Dialog-content"), f"check-notebook-{flavor}.png")
        page.locator(".jp-Dialog").get_by_role("button", name="Close").click()
