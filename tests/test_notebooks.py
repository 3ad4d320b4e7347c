"""The example notebooks, executed headless with nbclient in a real kernel: offline, and against the fake.

Checks that every cell runs, that %%docgen outputs carry the review (the project's mime type) plus text/plain
and text/html (what nbconvert, GitHub and nbviewer show), that the committed files have no outputs, and that
the Azure cells of the quickstart reach the loopback fake when it is configured.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import FAKE_KEY, kernel_env
from tests.fake_openai import FakeOpenAI

pytestmark = [pytest.mark.kernel, pytest.mark.timeout(300)]

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NAMES = ("quickstart", "teaching", "data_science_cleanup")
REVIEW_MIME = "application/vnd.docgen.result+json"


def execute(name: str, env: dict[str, str], cwd: Path) -> Any:
    """Run a notebook top to bottom in a fresh python3 kernel.

    Args:
        name: Notebook name without extension.
        env: The kernel's environment.
        cwd: Working directory of the kernel.

    Returns:
        The executed notebook.
    """
    book = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = NotebookClient(book, kernel_name="python3", timeout=120, allow_errors=False,
                            resources={"metadata": {"path": str(cwd)}})
    client.execute(env=env)
    return book


def docgen_outputs(book: Any) -> list[tuple[str, dict[str, Any]]]:
    """The final display bundle of every %%docgen cell.

    Args:
        book: An executed notebook.

    Returns:
        (first line of the cell, output data) pairs.
    """
    found = []
    for cell in book.cells:
        if cell.cell_type == "code" and cell.source.startswith("%%docgen"):
            displays = [o for o in cell.outputs if o.output_type in ("display_data", "execute_result")]
            assert displays, f"no output for {cell.source.splitlines()[0]}"
            found.append((cell.source.splitlines()[0], dict(displays[-1].data)))
    return found


def stdout_of(cell: Any) -> str:
    """A cell's stdout.

    Args:
        cell: An executed code cell.

    Returns:
        The text.
    """
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def text_of(cell: Any) -> str:
    """A cell's displayed text/plain.

    Args:
        cell: An executed code cell.

    Returns:
        The text.
    """
    return "\n".join(o.data.get("text/plain", "") for o in cell.outputs if o.output_type == "display_data")


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebooks_have_no_outputs(name: str) -> None:
    """The committed files are valid and cleared."""
    book = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(book)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.fixture(scope="module")
def offline_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every notebook executed once with no model configured."""
    tmp = tmp_path_factory.mktemp("offline-notebooks")
    return {name: execute(name, kernel_env(tmp), tmp) for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_docgen_cells_have_plain_and_html_outputs(offline_runs: dict[str, Any], name: str) -> None:
    """Each %%docgen output: the review data, text/plain with docstrings (or --check text), text/html."""
    outputs = docgen_outputs(offline_runs[name])
    assert outputs
    for first_line, data in outputs:
        assert "text/plain" in data and "text/html" in data, first_line
        if "--check" in first_line:
            assert data["text/plain"].startswith("coverage: ")
        else:
            assert REVIEW_MIME in data, first_line
            assert '"""' in data["text/plain"] and 'class="docgen-code"' in data["text/html"], first_line


def test_quickstart_offline(offline_runs: dict[str, Any]) -> None:
    """Offline: templates, the -o result, and a hint on how to configure Azure."""
    cells = offline_runs["quickstart"].cells
    outputs = dict(docgen_outputs(offline_runs["quickstart"]))
    numpy = outputs["%%docgen --provider offline --style numpy -o result"]["text/plain"]
    assert "Parameters\n    ----------" in numpy and "Yields\n    ------" in numpy
    result_cell = next(c for c in cells if c.source.startswith("print(result.usage_line())"))
    assert "('Thermometer.read', 'documented')" in stdout_of(result_cell)
    auto = outputs["%%docgen -o modelled"]["text/plain"]
    assert "offline (template)" in auto and "AZURE_OPENAI_ENDPOINT" in auto
    status = next(c for c in cells if c.source == "%docgen")
    assert text_of(status).startswith("provider: offline")


def test_teaching_before_and_after(offline_runs: dict[str, Any]) -> None:
    """--check names the gaps before; after documenting, everything is complete; the three styles differ."""
    book = offline_runs["teaching"]
    outputs = dict(docgen_outputs(book))
    before = outputs["%%docgen --check"]["text/plain"]
    assert before.startswith("coverage: 0/3")
    assert "function grade\n    - parameter(s) not documented: pass_mark\n" in before
    assert "function letters\n    - no docstring\n" in before
    assert "why it matters:" in before
    assert "Args:" in outputs["%%docgen --provider offline --overwrite --style google -o after"]["text/plain"]
    numpy = outputs["%%docgen --provider offline --overwrite --style numpy"]["text/plain"]
    assert "Parameters\n    ----------" in numpy
    assert ":param score:" in outputs["%%docgen --provider offline --overwrite --style sphinx"]["text/plain"]
    # --update: the student's sentences stay, the missing parts are added from the code.
    filled = outputs["%%docgen --provider offline --update -o filled"]["text/plain"]
    for kept in ('"""Average of the scores.', '"""Turn a score into a grade.', "score: The score."):
        assert kept in filled
    assert "pass_mark: Compared with ``score``. Defaults to 50." in filled
    assert 'ValueError: If ``score < 0`` ("negative score").' in filled
    after = next(c for c in book.cells if c.source.startswith("from docgen_magic import check"))
    # What is left is what only the student can write: the restated "score: The score.", and the summary of
    # ``letters``, whose one-word name says no more than "Return the letters.".
    assert stdout_of(after).strip() == ("after --update: 1/3 fully documented\n"
                                        "grade - says nothing beyond the name: parameter score\n"
                                        "letters - placeholder text still to write: summary")
    # The exercise: an incomplete docstring, its gaps named, the report kept for grading.
    exercise = outputs["%%docgen --check -o feedback"]["text/plain"]
    assert exercise.startswith("coverage: 0/1")
    for gap in ("parameter(s) not documented: low, high", "no Returns section", "raises ValueError"):
        assert gap in exercise


def test_data_science_cleanup_runs_the_documented_code(offline_runs: dict[str, Any]) -> None:
    """--run defines the documented functions; the analysis uses them; help() shows their docstrings."""
    book = offline_runs["data_science_cleanup"]
    analysis = next(c for c in book.cells if c.source.startswith("rows = list(load_rows(RAW))"))
    out = stdout_of(analysis)
    assert "dropped 1 outlier(s)" in out
    assert "{'north': {'mean_temp': 3.8, 'total_rain': 1.2}, 'south': {'mean_temp': 7.75, 'total_rain': 3.4}}" in out
    assert "Args:" in out and "Returns:" in out  # help(drop_outliers) shows the new docstring
    report = next(c for c in book.cells if c.source.startswith("for t in cleaned.targets"))
    assert stdout_of(report).count("function  documented") == 5


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    """The loopback fake of Azure OpenAI."""
    with FakeOpenAI(api_key=FAKE_KEY) as server:
        yield server


def test_quickstart_against_azure_fake(fake: FakeOpenAI, tmp_path: Path) -> None:
    """With Azure configured, the quickstart's model cells reach the fake; the rerun is served from the cache."""
    env = kernel_env(tmp_path, AZURE_OPENAI_ENDPOINT=fake.url, AZURE_OPENAI_API_KEY=FAKE_KEY,
               AZURE_OPENAI_DEPLOYMENT="docgen-quickstart")
    book = execute("quickstart", env, tmp_path)
    outputs = dict(docgen_outputs(book))
    modelled = outputs["%%docgen -o modelled"]["text/plain"]
    assert "azure:docgen-quickstart" in modelled and "(template)" not in modelled
    assert "AZURE_OPENAI_ENDPOINT" not in modelled
    # normalize, rolling_mean, Thermometer, Thermometer.__init__, Thermometer.read, Thermometer.label
    assert "6 documented · 6 requests" in modelled
    assert len(fake.requests) == 6
    rerun = outputs["%%docgen --style sphinx"]["text/plain"]
    assert "0 requests" in rerun and ":param values:" in rerun  # every docstring from the cache
    cells = book.cells
    status = text_of(next(c for c in cells if c.source == "%docgen"))
    assert status.startswith("provider: azure\nmodel/deployment: docgen-quickstart\nendpoint: ")
    # The offline cells stayed offline even with a model configured.
    assert "offline (template)" in outputs["%%docgen --provider offline --style numpy -o result"]["text/plain"]
    assert FAKE_KEY not in json.dumps(book, default=str)


def test_data_science_cleanup_against_azure_fake(fake: FakeOpenAI, tmp_path: Path) -> None:
    """With Azure configured, the messy cell is documented by the model (one request per function) and still runs."""
    env = kernel_env(tmp_path, AZURE_OPENAI_ENDPOINT=fake.url, AZURE_OPENAI_API_KEY=FAKE_KEY,
                     AZURE_OPENAI_DEPLOYMENT="docgen-cleanup")
    before = len(fake.requests)
    book = execute("data_science_cleanup", env, tmp_path)
    (first_line, data), = docgen_outputs(book)
    assert first_line == "%%docgen --run -o cleaned"
    assert REVIEW_MIME in data and 'class="docgen-code"' in data["text/html"]
    text = data["text/plain"]
    assert "5 documented · 5 requests" in text and "azure:docgen-cleanup" in text and "(template)" not in text
    assert len(fake.requests) - before == 5
    assert {r["path"] for r in fake.requests[before:]} == {"/openai/deployments/docgen-cleanup/chat/completions"}
    analysis = next(c for c in book.cells if c.source.startswith("rows = list(load_rows(RAW))"))
    out = stdout_of(analysis)
    assert "dropped 1 outlier(s)" in out  # the documented code, run by --run, behaves as written
    assert "{'north': {'mean_temp': 3.8, 'total_rain': 1.2}, 'south': {'mean_temp': 7.75, 'total_rain': 3.4}}" in out
    report = next(c for c in book.cells if c.source.startswith("for t in cleaned.targets"))
    assert stdout_of(report).count("function  documented attempts=1 cached=False") == 5
    assert FAKE_KEY not in json.dumps(book, default=str)
