"""What ``docgen`` reads and writes back: a .py file, a notebook's code cells, or standard input."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docgen_magic.infra.files import SourceFile, decode_source, read_source_file, write_atomic
from docgen_magic.infra.notebook import load_notebook

__all__ = ["Source", "cell_text", "code_cells", "notebook_json", "read_source", "set_cell_text", "write_text"]


@dataclass
class Source:
    """What the command reads.

    Attributes:
        label: Name used in messages and diffs.
        path: The file, or None for stdin.
        text: The text of a .py file or stdin (without a byte order mark).
        notebook: The parsed notebook JSON, or None.
        file: The file as read (encoding, snapshot for the conflict check), or None for stdin.
        encoding: The encoding the code came in (PEP 263), used again when it is printed.
    """

    label: str
    path: Path | None
    text: str = ""
    notebook: dict[str, Any] | None = None
    file: SourceFile | None = None
    encoding: str = "utf-8"

    def texts(self) -> list[str]:
        """Return the texts to document: the code of a .py file or stdin, or each code cell of a notebook.

        Returns:
            The texts, one per cell (one for a .py file).
        """
        if self.notebook is None:
            return [self.text]
        return [cell_text(c) for _, c in code_cells(self.notebook)]

    def cells(self) -> list[int] | None:
        """Return the positions of a notebook's code cells among all its cells.

        Returns:
            The 0-based positions, or None for a .py file or stdin.
        """
        return None if self.notebook is None else [i for i, _ in code_cells(self.notebook)]


def read_source(arg: str) -> Source:
    """Read the input named on the command line.

    Args:
        arg: A path or ``-``.

    Returns:
        The text read and what it is (code or notebook).

    Raises:
        FileError: The file cannot be read or decoded, or is not a usable notebook.
    """
    if arg == "-":
        buffer = getattr(sys.stdin, "buffer", None)
        if buffer is None:  # a text stream (an embedding program, tests): already decoded
            text = sys.stdin.read()
            return Source("<stdin>", None, text[1:] if text.startswith("\ufeff") else text)
        text, encoding, _ = decode_source(buffer.read(), label="<stdin>")
        return Source("<stdin>", None, text, encoding=encoding)
    path = Path(arg)
    notebook = path.suffix == ".ipynb"
    file = read_source_file(path, python=not notebook)
    if not notebook:
        return Source(arg, path, file.text, file=file, encoding=file.encoding)
    return Source(arg, path, file.text, load_notebook(file.text, arg), file)


def cell_text(cell: dict[str, Any]) -> str:
    """Return a notebook cell's source as one string.

    Args:
        cell: The cell's JSON.

    Returns:
        The source (nbformat allows a string or a list of lines).
    """
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def code_cells(notebook: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """Return a notebook's code cells with their positions.

    Args:
        notebook: The notebook's JSON.

    Returns:
        (0-based position among all cells, cell) pairs.
    """
    return [(i, c) for i, c in enumerate(notebook["cells"]) if c.get("cell_type") == "code"]


def set_cell_text(cell: dict[str, Any], text: str) -> None:
    """Set a notebook cell's source, keeping the form the file used (a string or a list of lines).

    Args:
        cell: The cell's JSON, changed in place.
        text: The new source.
    """
    cell["source"] = text.splitlines(keepends=True) if isinstance(cell.get("source"), list) else text


def write_text(source: Source, text: str, force: bool) -> None:
    """Write a file back atomically in its own encoding, refusing when it changed since it was read.

    Args:
        source: The file as read.
        text: The new text.
        force: Write even when the file changed meanwhile.

    Raises:
        WriteConflictError: The file changed since it was read (and ``force`` is off).
        FileError: The file cannot be written.
    """
    assert source.path is not None and source.file is not None
    write_atomic(source.path, source.file.encode(text), expected=source.file.snapshot, force=force)


def notebook_json(source: Source) -> str:
    """Return the notebook as JSON in the file's own layout (indent, key order, escapes, ending) where it can tell.

    When the file as read is not exactly ``json.dumps`` of its content in that layout, nbformat's own layout
    (indent 1, sorted keys, no escapes, a final newline) is used.

    Args:
        source: The notebook as read, its cells edited in place since.

    Returns:
        The text to write.
    """
    text, notebook = source.text, source.notebook
    body = text.rstrip()
    second = body.split("\n", 2)[1] if "\n" in body else ""
    layout: dict[str, Any] = {"indent": len(second) - len(second.lstrip(" ")) if "\n" in body else None,
                              "ensure_ascii": body.isascii(), "sort_keys": False}
    original = json.loads(text)  # source.notebook is edited in place by now
    tail = text[len(body):]
    if json.dumps(original, **layout) + tail != text:
        layout, tail = {"indent": 1, "ensure_ascii": False, "sort_keys": True}, "\n"
    return json.dumps(notebook, **layout) + tail
