"""Reading a notebook cell the way IPython does, without a shell.

A cell may contain IPython syntax (line magics, shell escapes, ``obj?`` help, a leading cell magic), top-level
``await``, tabs and any mix of line endings. :func:`parse_cell` runs IPython's own input transformation
(:class:`IPython.core.inputtransformer2.TransformerManager`, which needs no shell) so the cell becomes plain
Python, parses that, and maps the lines of the transformed text back to the user's lines. The user's text
itself is never altered: every edit later happens on the original lines, and only on lines that map exactly.
"""

from __future__ import annotations

import ast
import difflib
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from docgen_magic.core.errors import CellSyntaxError as CellSyntaxError  # re-exported: callers catch it here

if TYPE_CHECKING:
    from IPython.core.inputtransformer2 import TransformerManager

logger = logging.getLogger(__name__)

_COMPILE_FLAGS = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
# The same line breaks the tokenizer and ast.get_source_segment recognise (str.splitlines knows more).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_CELL_MAGIC_HELP = re.compile(r"%%\w+\?")

PYTHON_BODY_MAGICS = frozenset({"time", "timeit", "capture", "prun", "memit", "debug", "snakeviz",
                                "pyinstrument", "python", "python3"})
"""Cell magics whose body is Python (they time, profile, capture or run it): the body is read and documented,
the magic's line is kept byte for byte. The body of any other cell magic (``%%bash``, ``%%html``, ``%%sql``,
``%%writefile``...) is not Python and is not read."""


@cache
def _transformer() -> TransformerManager:
    """Return IPython's input transformer, imported on first use: only a cell that is not plain Python needs it.

    The import brings in most of IPython's shell (about 65 ms), which a ``docgen FILE`` over plain Python
    would otherwise pay on every run.
    """
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()  # type: ignore[no-untyped-call]


@dataclass(frozen=True, eq=False)
class Cell:
    r"""A parsed cell: the user's text untouched, plus the Python it stands for.

    Attributes:
        text: The original cell text, exactly as given.
        lines: The original lines, each with its own line ending (the last may have none).
        newline: The dominant line ending, used for lines that get inserted.
        python: The transformed, plain-Python text that was parsed.
        python_lines: The lines of ``python`` with their endings, split as the tokenizer splits them.
        module: The AST of ``python`` (empty for an empty cell or a cell magic).
        line_map: Python line -> original line (both 1-based), only for lines that are the same text.
        approx_map: Python line -> nearest original line, for every python line (for messages).
        cell_magic: Name of a leading cell magic whose body is not Python (``bash`` for ``%%bash``), else None:
            the cell is not read. A cell magic in :data:`PYTHON_BODY_MAGICS` is read through its body.
        indent_unit: The cell's indentation step (``"    "`` or ``"\t"``), for one-line bodies.
    """

    text: str
    lines: tuple[str, ...]
    newline: str
    python: str
    python_lines: tuple[str, ...] = field(repr=False)
    module: ast.Module
    line_map: dict[int, int] = field(repr=False)
    approx_map: dict[int, int] = field(repr=False)
    cell_magic: str | None = None
    indent_unit: str = "    "

    def original_line(self, python_lineno: int) -> int | None:
        """Return the original line a python line is an exact copy of.

        Args:
            python_lineno: 1-based line in the transformed text.

        Returns:
            The 1-based original line, or None when the line was rewritten by IPython (unusable for edits).
        """
        return self.line_map.get(python_lineno)

    def nearest_line(self, python_lineno: int) -> int:
        """Return the original line closest to a python line, for messages and reports.

        Args:
            python_lineno: 1-based line in the transformed text.

        Returns:
            A 1-based original line (1 when nothing better is known).
        """
        return self.approx_map.get(python_lineno, max(1, min(python_lineno, len(self.lines))))

    def segment(self, node: ast.AST) -> str | None:
        """Return the user's spelling of a node (annotation, default, decorator).

        Args:
            node: A node of :attr:`module`.

        Returns:
            The source text of the node, or None when it has no position.
        """
        try:
            lineno: int = node.lineno - 1  # type: ignore[attr-defined]
            end_lineno: int = node.end_lineno - 1  # type: ignore[attr-defined]
            col: int = node.col_offset  # type: ignore[attr-defined]
            end_col: int | None = node.end_col_offset  # type: ignore[attr-defined]
        except (AttributeError, TypeError):  # a node without positions, or without an end
            return None
        if end_lineno is None or end_col is None:
            return None
        # Like ast.get_source_segment, which would split the whole text again on every call.
        if lineno == end_lineno:
            return self.python_lines[lineno].encode()[col:end_col].decode()
        first = self.python_lines[lineno].encode()[col:].decode()
        last = self.python_lines[end_lineno].encode()[:end_col].decode()
        return "".join([first, *self.python_lines[lineno + 1:end_lineno], last])


def split_lines(text: str) -> list[str]:
    r"""Split text into lines keeping their endings, breaking only at ``\r\n``, ``\r`` and ``\n``.

    Args:
        text: Text with any mix of ``\n``, ``\r\n`` and ``\r`` endings.

    Returns:
        The lines; ``"".join`` of them is ``text``.
    """
    return _LINE.findall(text)


def line_ending(line: str) -> str:
    r"""Return the ending of one line.

    Args:
        line: A line as returned by :func:`split_lines`.

    Returns:
        ``"\r\n"``, ``"\r"``, ``"\n"`` or ``""``.
    """
    if line.endswith("\r\n"):
        return "\r\n"
    if line.endswith(("\r", "\n")):
        return line[-1]
    return ""


def dominant_newline(lines: list[str] | tuple[str, ...]) -> str:
    r"""Return the most common line ending (``\n`` on a tie or when there is none).

    Args:
        lines: Lines with their endings.

    Returns:
        The line ending to use for inserted lines.
    """
    counts = Counter(line_ending(line) for line in lines)
    counts.pop("", None)
    if not counts:
        return "\n"
    best = max(counts.values())
    return "\n" if counts.get("\n") == best else max(counts, key=lambda k: counts[k])


def _cell_magic_line(lines: list[str]) -> tuple[int, str] | None:
    """Return the position and name of a leading cell magic, as IPython recognises it.

    Args:
        lines: The cell's lines.

    Returns:
        (index of the magic's line, its name), or None when the cell does not start with a cell magic.
    """
    for index, line in enumerate(lines):
        if not line or line.isspace():
            continue
        line = line.lstrip(" \t")  # IPython removes a leading indent before it looks for %%
        if line.startswith("%%") and not _CELL_MAGIC_HELP.match(line):
            return index, line[2:].split(maxsplit=1)[0] if line[2:].strip() else ""
        return None
    return None


def find_cell_magic(text: str) -> str | None:
    """Return the name of a leading cell magic, as IPython recognises it.

    Args:
        text: The cell text.

    Returns:
        ``"time"`` for a cell starting with ``%%time`` (leading blank lines and indent allowed), else None.
    """
    found = _cell_magic_line(text.splitlines())
    return found[1] if found is not None else None


def cell_magic_note(name: str) -> str:
    """Say, once, why a cell under a cell magic whose body is not Python was not documented.

    Args:
        name: The cell magic (``bash`` for ``%%bash``).

    Returns:
        One line for the user, naming the magic.
    """
    return f"%%{name} cell: its body is not Python, so nothing was documented"


def _python_body(text: str) -> str:
    """Return the text with the line of a Python-bodied cell magic blanked, so the body parses as Python.

    The line's ending is kept, so every other line keeps its number.

    Args:
        text: The cell text.

    Returns:
        The text to parse: unchanged unless it starts with a cell magic in :data:`PYTHON_BODY_MAGICS`.
    """
    lines = split_lines(text)
    found = _cell_magic_line(lines)
    if found is None or found[1] not in PYTHON_BODY_MAGICS:
        return text
    index = found[0]
    lines[index] = lines[index][len(lines[index].rstrip("\r\n")):]
    return "".join(lines)


def mask(text: str) -> str:
    """Turn IPython syntax into plain Python exactly as IPython does before running a cell.

    Line magics become ``get_ipython().run_line_magic(...)`` calls, shell escapes ``get_ipython().system``
    calls and so on. The guard parses spliced text through this same function.

    Args:
        text: Cell text with IPython syntax.

    Returns:
        Plain Python text (with a trailing newline when the text is not empty).
    """
    if not text:
        return ""
    try:
        return _transformer().transform_cell(text)
    except Exception:  # IPython's transformers are best effort; the compiler will judge the raw text
        logger.debug("IPython input transformation failed; parsing the raw text", exc_info=True)
        return text if text.endswith(("\n", "\r")) else text + "\n"


def compile_python(python: str) -> ast.Module:
    """Parse plain Python text, allowing top-level ``await``.

    Args:
        python: Plain Python text.

    Returns:
        The module AST.

    Raises:
        SyntaxError: The text does not parse (also for null bytes or nesting too deep).
    """
    null = python.find("\x00")
    if null >= 0:  # the compiler says so without a line number
        line = python.count("\n", 0, null) + python.count("\r", 0, null) - python.count("\r\n", 0, null) + 1
        raise SyntaxError("source code cannot contain null bytes", ("<cell>", line, 0, None))
    try:
        try:  # with PEP 484 type comments in the tree, the splicer's guard sees one that moves
            tree = compile(python, "<cell>", "exec", flags=_COMPILE_FLAGS | ast.PyCF_TYPE_COMMENTS,
                           dont_inherit=True)
        except SyntaxError:  # a "# type:" comment where the grammar allows none: an ordinary comment to Python
            tree = compile(python, "<cell>", "exec", flags=_COMPILE_FLAGS, dont_inherit=True)
    except (ValueError, RecursionError, MemoryError) as exc:
        raise SyntaxError(str(exc) or type(exc).__name__) from None
    assert isinstance(tree, ast.Module)
    return tree


def parse_python(text: str) -> tuple[str, ast.Module]:
    """Parse cell text the way IPython runs it; the splicer's guard parses its output with this too.

    Every piece of IPython syntax (magics, escapes, ``obj?``, prompts, a leading indent) is invalid Python,
    and IPython's transformation leaves valid Python alone apart from blank lines. So text that compiles as
    it is has the AST IPython would run and is used unchanged (its lines then map one to one); otherwise it
    goes through :func:`mask` first. This keeps the common case fast: IPython re-tokenises the whole cell for
    every magic it rewrites.

    Args:
        text: Cell text, possibly with IPython syntax.

    Returns:
        ``(python, module)``: the plain Python text that was parsed and its AST.

    Raises:
        SyntaxError: Neither the text nor its transformation parses; positions refer to the transformation.
    """
    text = _python_body(text)
    try:
        return text, compile_python(text)
    except SyntaxError:
        python = mask(text)
        return python, compile_python(python)


def _key(line: str) -> str:
    """Return what a line is compared by: its text without the ending; whitespace-only lines are all alike."""
    body = line.rstrip("\r\n")
    return "" if body.isspace() else body


def map_lines(original: list[str], python: list[str]) -> tuple[dict[int, int], dict[int, int]]:
    """Map lines of the transformed text back to the original lines.

    IPython only ever rewrites lines in place, joins backslash-continued magic lines into one and drops
    leading blank lines, so equal line counts mean a line-for-line correspondence; otherwise the lines are
    aligned with :mod:`difflib`. Only lines whose text is unchanged are mapped exactly.

    Args:
        original: Original lines.
        python: Transformed lines.

    Returns:
        ``(exact, approx)``: exact maps python lines whose text is unchanged; approx maps every python line
        to the nearest original line. Both 1-based.
    """
    a = [_key(line) for line in python]
    b = [_key(line) for line in original]
    exact: dict[int, int] = {}
    approx: dict[int, int] = {}
    if len(a) == len(b):
        for i, (left, right) in enumerate(zip(a, b, strict=True), start=1):
            approx[i] = i
            if left == right:
                exact[i] = i
        return exact, approx
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b).get_opcodes():
        for offset, i in enumerate(range(i1, i2)):
            if tag == "equal":
                exact[i + 1] = j1 + offset + 1
                approx[i + 1] = j1 + offset + 1
            elif j2 > j1:  # rewritten lines: pair them up in order, extra ones stick to the last
                approx[i + 1] = min(j1 + offset, j2 - 1) + 1
            else:  # lines with no original counterpart: the original line before them
                approx[i + 1] = max(j1, 1)
    return exact, approx


def detect_indent_unit(module: ast.Module, python_lines: list[str] | tuple[str, ...]) -> str:
    """Return the indentation step the cell uses, from its first indented block.

    Args:
        module: The parsed cell.
        python_lines: The transformed lines the module was parsed from.

    Returns:
        The extra leading whitespace of a block body over its header (``"    "`` when the cell has no block).
    """
    for node in ast.walk(module):
        body = getattr(node, "body", None)
        if not isinstance(body, list) or not body or not hasattr(node, "lineno"):
            continue
        first = body[0]
        if first.lineno == node.lineno:
            continue
        outer = leading_indent(python_lines[node.lineno - 1])
        inner = leading_indent(python_lines[first.lineno - 1])
        if inner.startswith(outer) and len(inner) > len(outer):
            return inner[len(outer):]
    return "    "


def leading_indent(line: str) -> str:
    """Return the indentation of a line as the tokenizer counts it.

    A form feed resets the tokenizer's column count, so only the spaces and tabs after the last one count;
    that part is what a new line needs to sit at the same depth.

    Args:
        line: One line of source, possibly with its ending.

    Returns:
        The leading spaces and tabs, after any form feed among them.
    """
    return line[: len(line) - len(line.lstrip(" \t\f"))].rpartition("\f")[2]


def char_col(line: str, byte_col: int) -> int:
    """Convert an AST column (UTF-8 bytes) into a character index in ``line``.

    Args:
        line: The line the column refers to.
        byte_col: The column as the AST gives it (``col_offset`` / ``end_col_offset``).

    Returns:
        The index of the same position in the ``str``.
    """
    return len(line.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


def _empty_cell(text: str, lines: list[str], magic: str | None) -> Cell:
    return Cell(text=text, lines=tuple(lines), newline=dominant_newline(lines), python="",
                python_lines=(), module=ast.Module(body=[], type_ignores=[]), line_map={}, approx_map={},
                cell_magic=magic)


def parse_cell(text: str) -> Cell:
    """Parse a notebook cell.

    Args:
        text: The cell text as the user wrote it.

    Returns:
        The parsed cell. An empty cell, or one under a cell magic whose body is not Python, gives an empty
        module; under a cell magic of :data:`PYTHON_BODY_MAGICS` the body is parsed (the magic's line is
        kept as it is and maps to no Python line).

    Raises:
        CellSyntaxError: The cell does not parse; ``lineno`` refers to the original cell text.
    """
    lines = split_lines(text)
    magic = find_cell_magic(text)
    if (magic is not None and magic not in PYTHON_BODY_MAGICS) or not text.strip():
        return _empty_cell(text, lines, magic)
    try:
        python, module = parse_python(text)
    except SyntaxError as exc:
        python_lines = split_lines(mask(_python_body(text)))
        exact, approx = map_lines(lines, python_lines)
        py_line = exc.lineno or 1
        lineno = exact.get(py_line) or approx.get(py_line) or max(1, min(py_line, len(lines)))
        raise CellSyntaxError(exc.msg or str(exc), lineno) from None
    python_lines = split_lines(python)
    exact, approx = map_lines(lines, python_lines)
    return Cell(text=text, lines=tuple(lines), newline=dominant_newline(lines), python=python,
                python_lines=tuple(python_lines), module=module,
                line_map=exact, approx_map=approx, cell_magic=None,
                indent_unit=detect_indent_unit(module, python_lines))
