"""Loading a notebook's JSON with one-line errors, and guarding the notebook that is written back.

Only the structure the command reads and edits is required (a list of cell objects; code cells with a
``source`` string or list of strings): notebooks that nbformat's schema would fault elsewhere (old metadata,
missing cell ids) are still documented. Before a notebook is written back, nbformat's own validator makes
sure the edit did not turn a valid notebook into an invalid one.
"""

from __future__ import annotations

import copy
import json
import logging
import warnings
from typing import Any

from docgen_magic.infra.files import FileError

logger = logging.getLogger(__name__)


def load_notebook(text: str, label: str) -> dict[str, Any]:
    """Parse a notebook and check the parts that get read and edited.

    Args:
        text: The file's text.
        label: The file's name for messages.

    Returns:
        The notebook JSON.

    Raises:
        FileError: The text is not JSON, or its cells are not usable (the message names the cell).
    """
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileError(f"{label}: not a notebook: {exc.msg} at line {exc.lineno}") from None
    except RecursionError:
        raise FileError(f"{label}: not a notebook: nested too deeply") from None
    problem = structure_problem(notebook)
    if problem is not None:
        raise FileError(f"{label}: not a usable notebook: {problem}")
    return notebook


def structure_problem(notebook: Any) -> str | None:
    """Return what makes a notebook unusable for reading and editing its code cells, if anything.

    Args:
        notebook: Parsed JSON.

    Returns:
        One line naming the cell (1-based) and the fault, or None.
    """
    if not isinstance(notebook, dict):
        return f"the top level is {_kind(notebook)}, not an object"
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        return "no cells" if cells is None else f"'cells' is {_kind(cells)}, not a list"
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict):
            return f"cell {number} is {_kind(cell)}, not an object"
        if not isinstance(cell.get("cell_type"), str):
            return f"cell {number} has no cell_type"
        if cell["cell_type"] != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            for index, item in enumerate(source):
                if not isinstance(item, str):
                    return f"cell {number}: source line {index + 1} is {_kind(item)}, not text"
        elif not isinstance(source, str):
            return f"cell {number}: source is {_kind(source)}, not text"
    return None


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def edit_breaks_schema(original: dict[str, Any], edited: dict[str, Any]) -> str | None:
    """Whether an edit made a notebook that nbformat accepted into one it rejects.

    Args:
        original: The notebook as read (unchanged).
        edited: The notebook about to be written.

    Returns:
        nbformat's complaint about the edited notebook, or None (also when nbformat is not installed or
        already rejected the original).
    """
    try:
        from nbformat.validator import ValidationError, validate
    except ImportError:  # pragma: no cover - nbformat is a dependency
        return None
    def check(notebook: dict[str, Any]) -> None:
        with warnings.catch_warnings():  # nbformat warns about missing cell ids; only the verdict matters
            warnings.simplefilter("ignore")
            validate(copy.deepcopy(notebook))  # a copy: older nbformat repairs cell ids in place

    try:
        check(original)
    except ValidationError:
        return None
    except Exception:  # an unknown nbformat version, ...
        logger.debug("nbformat cannot validate the original", exc_info=True)
        return None
    try:
        check(edited)
    except ValidationError as exc:
        return str(exc.message).splitlines()[0]
    return None
