"""Splicing rendered docstrings into the user's own text, checked by an AST guard.

Every edit is made on the user's original lines: a docstring literal is inserted right after the line that
ends the ``def`` / ``class`` header (or replaces the old docstring's lines), indented like the body, with the
cell's dominant line ending; every other line keeps its text and its own ending. Blank lines right under a
function's header are taken by the docstring (pydocstyle's D202 rejects a blank line between a function's
docstring and its code), and so are a class's when its style asks for exactly one after the docstring
(D204), which it then gets. A one-line body (``def f(x): return x  # note``) becomes a block, the body and
its comment moving to their own line.

The guard then parses the result through the same IPython transformation, checks that every inserted
docstring evaluates to exactly the expected string, and that the AST with those docstrings stripped equals
the original's. All insertions are applied and guarded at once; only when that fails are they isolated to
find the culprits. A target that fails keeps its text exactly as it was.
"""

from __future__ import annotations

import ast
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from docgen_magic.core.cell import Cell, char_col, leading_indent, line_ending, parse_python
from docgen_magic.core.facts import Target
from docgen_magic.core.render.text import indent_literal

__all__ = ["OK", "Insertion", "LineEdit", "SpliceResult", "body_indent", "guard", "indent_literal", "literal_value",
           "same_tree", "splice"]

logger = logging.getLogger(__name__)

OK = "ok"
_TYPE_COMMENT = re.compile(r"#\s*type:")
_DEF_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_DefNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


@dataclass(frozen=True)
class Insertion:
    """A docstring to put into one target.

    The literal lines carry no indentation and no newline characters; the splicer indents every non-empty
    line with :func:`body_indent` and leaves empty lines empty (no trailing whitespace). The renderer must
    compute ``expected_docstring`` under that same rule (see :func:`indent_literal`).

    Attributes:
        target: The target, as extracted from the same cell.
        literal_lines: The docstring literal, one line per item, e.g.
            ``[<3 quotes>Add two numbers., '', Args:, '    a: First.', <3 quotes>]``.
        expected_docstring: The exact string value the spliced literal must evaluate to.
        blank_after: Leave exactly one blank line after the docstring when the next line is code (the NumPy
            and PEP 257 conventions ask it of class docstrings, pydocstyle's D204).
        verbatim: ``literal_lines`` are whole lines, indentation included, that replace the lines of the
            target's existing docstring as they are (``--update``'s line edits); the cell's line ending is
            added to each, and the last keeps the old last line's ending.
    """

    target: Target
    literal_lines: list[str]
    expected_docstring: str
    blank_after: bool = False
    verbatim: bool = False


@dataclass(frozen=True)
class LineEdit:
    """One target's edit of the original text: lines ``[start, stop)`` (0-based) become ``lines``.

    Attributes:
        start: First original line replaced (or the insertion point when ``start == stop``).
        stop: One past the last original line replaced.
        lines: The new lines, each with its line ending.
    """

    start: int
    stop: int
    lines: tuple[str, ...]


@dataclass(frozen=True)
class SpliceResult:
    """The spliced text and what happened to each target.

    Attributes:
        text: The new cell text (the original text when nothing could be inserted).
        outcomes: Per target qualname, :data:`OK` or a one-line reason why it was left untouched.
        edits: Per target that received its docstring, its own edit of the original lines. The edits are
            disjoint; applying any subset of them bottom-up gives that subset's text (per-function review).
    """

    text: str
    outcomes: dict[str, str] = field(default_factory=dict)
    edits: dict[str, LineEdit] = field(default_factory=dict)

    @property
    def ok(self) -> list[str]:
        """Qualnames of the targets that received their docstring."""
        return [name for name, outcome in self.outcomes.items() if outcome == OK]

    @property
    def failures(self) -> dict[str, str]:
        """Qualname -> reason, for the targets left untouched."""
        return {name: outcome for name, outcome in self.outcomes.items() if outcome != OK}


@dataclass(frozen=True)
class _Edit:
    """Replace original lines ``[start, stop)`` (0-based) with ``lines`` (complete, with endings)."""

    insertion: Insertion
    start: int
    stop: int
    lines: list[str]

    @property
    def qualname(self) -> str:
        return self.insertion.target.qualname


class _Unsplicable(ValueError):
    """A target whose text cannot be edited safely; the message is the reason shown to the user."""


def literal_value(literal_lines: Sequence[str], indent: str) -> str:
    """Return the string a literal evaluates to once spliced with ``indent`` (for renderers and tests).

    Args:
        literal_lines: The literal's lines, unindented.
        indent: The body indentation.

    Returns:
        The string value.

    Raises:
        ValueError: The lines are not a single string literal.
    """
    source = "\n".join(line.lstrip(" \t") if i == 0 else line
                       for i, line in enumerate(indent_literal(literal_lines, indent)))
    value = ast.literal_eval(source)
    if not isinstance(value, str):
        raise ValueError("the literal is not a string")
    return value


def body_indent(cell: Cell, target: Target) -> str:
    """Return the indentation a docstring of ``target`` gets in this cell.

    It is the first body line's own leading whitespace (tabs stay tabs); for a one-line body
    (``def f(x): return x``) it is the ``def`` line's indentation plus the cell's indentation step.

    Args:
        cell: The parsed cell.
        target: A target extracted from ``cell``.

    Returns:
        The whitespace to put before each docstring line.

    Raises:
        ValueError: The target has no definition node or its header cannot be read.
    """
    node = _node(target)
    colon_line, _ = _header_colon(cell, node)
    first = node.body[0]
    if first.lineno == colon_line:
        return leading_indent(cell.python_lines[node.lineno - 1]) + cell.indent_unit
    return leading_indent(cell.python_lines[first.lineno - 1])


def splice(cell: Cell, insertions: Sequence[Insertion]) -> SpliceResult:
    """Put docstrings into the cell text, keeping everything else byte for byte.

    Args:
        cell: The parsed cell the targets were extracted from.
        insertions: One docstring per target.

    Returns:
        The new text and, per target qualname, ``"ok"`` or the reason it was left untouched.
    """
    outcomes: dict[str, str] = {}
    edits = _plan_edits(cell, insertions, outcomes)
    if not edits:
        return SpliceResult(cell.text, outcomes)
    reason = guard(cell, _apply(cell, edits), [e.insertion for e in edits])
    if reason is None:
        accepted = edits
    else:
        logger.debug("guard failed for the whole cell (%s); isolating the culprits", reason)
        accepted = _isolate(cell, edits, outcomes)
    outcomes.update({edit.qualname: OK for edit in accepted})
    names = dict.fromkeys(i.target.qualname for i in insertions)
    ordered = {name: outcomes[name] for name in names}
    own = {e.qualname: LineEdit(e.start, e.stop, tuple(e.lines)) for e in accepted}
    return SpliceResult(_apply(cell, accepted) if accepted else cell.text, ordered, own)


def guard(cell: Cell, text: str, insertions: Sequence[Insertion]) -> str | None:
    """Check spliced text against the original cell.

    Args:
        cell: The original parsed cell.
        text: The spliced text.
        insertions: The insertions that were applied to produce ``text``.

    Returns:
        None when the text parses, every inserted docstring equals its expected value and the code is
        otherwise unchanged; else a one-line reason.
    """
    try:
        _, new_module = parse_python(text)
    except SyntaxError as exc:
        return f"the result would not parse ({exc.msg})"
    old_nodes = _def_nodes(cell.module)
    new_nodes = _def_nodes(new_module)
    if len(old_nodes) != len(new_nodes):
        return "the result would change the definitions"
    index = {id(node): i for i, node in enumerate(old_nodes)}
    positions = [index[id(i.target.node)] for i in insertions]
    for insertion, position in zip(insertions, positions, strict=True):
        new_node = new_nodes[position]
        if type(new_node) is not type(old_nodes[position]) or new_node.name != insertion.target.name:
            return "the result would change the definitions"
        if ast.get_docstring(new_node, clean=False) != insertion.expected_docstring:
            return "the inserted docstring does not evaluate to the expected text"
    for position in positions:
        _strip_docstring(new_nodes[position])
    # The cell's own tree is stripped for the comparison and restored at once (cheaper than a fresh parse).
    removed = [(node, node.body[0]) for node in (old_nodes[p] for p in positions)
               if ast.get_docstring(node, clean=False) is not None]
    for node, _ in removed:
        del node.body[0]
    try:
        same = same_tree(cell.module, new_module)
    finally:
        for node, docstring in removed:
            node.body.insert(0, docstring)
    return None if same else "the result would change the code"


def same_tree(first: ast.AST, second: ast.AST) -> bool:
    """Whether two ASTs are equal, positions aside (like comparing ``ast.dump`` texts, about 3x faster).

    Leaves must have the same type and compare equal, so ``1``, ``1.0`` and ``True`` differ; a NaN constant
    never equals itself, which errs on the safe side. ``# type: ignore`` entries count, but not their line
    numbers (every insertion above one moves it).

    Args:
        first: One tree.
        second: The other tree.

    Returns:
        True when every node has the same type and the same fields.
    """
    stack: list[tuple[Any, Any]] = [(first, second)]
    pop, push, node_type = stack.pop, stack.append, ast.AST
    while stack:
        left, right = pop()
        if left is right:  # shared singletons (Load, Store, small ints, interned names)
            continue
        kind = type(left)
        if kind is not type(right):
            return False
        if kind is ast.TypeIgnore:  # "# type: ignore" comments: their line numbers move with any insertion
            continue
        if isinstance(left, node_type):
            for name in left._fields:
                push((getattr(left, name, None), getattr(right, name, None)))
        elif kind is list:
            if len(left) != len(right):
                return False
            stack.extend(zip(left, right, strict=True))
        elif left != right:
            return False
    return True


def _node(target: Target) -> _DefNode:
    if not isinstance(target.node, _DEF_NODES):
        raise _Unsplicable("the target has no definition node")
    return target.node


def _def_nodes(module: ast.Module) -> list[_DefNode]:
    """Every function and class in pre-order; an added docstring statement cannot shift the order.

    Definitions are statements, so only statement lists are walked (much faster than :func:`ast.walk`).
    """
    found: list[_DefNode] = []
    stack: list[ast.stmt] = list(reversed(module.body))
    while stack:
        node = stack.pop()
        if isinstance(node, _DEF_NODES):
            found.append(node)
        stack.extend(reversed([stmt for block in _statement_blocks(node) for stmt in block]))
    return found


def _statement_blocks(node: ast.stmt) -> list[list[ast.stmt]]:
    blocks = [getattr(node, name, None) for name in ("body", "orelse", "finalbody")]
    blocks += [handler.body for handler in getattr(node, "handlers", [])]
    blocks += [case.body for case in getattr(node, "cases", [])]
    return [block for block in blocks if isinstance(block, list)]


def _strip_docstring(node: _DefNode) -> None:
    if ast.get_docstring(node, clean=False) is not None:
        del node.body[0]


def _header_start(node: _DefNode) -> tuple[int, int]:
    """Where the last part of the header that is an AST node ends (or the ``def`` keyword when none)."""
    parts: list[ast.AST] = list(getattr(node, "type_params", []))
    if isinstance(node, ast.ClassDef):
        parts += [*node.bases, *node.keywords]
    else:
        args = node.args
        parts += [*args.posonlyargs, *args.args, *args.kwonlyargs, *args.defaults]
        parts += [a for a in (args.vararg, args.kwarg, node.returns, *args.kw_defaults) if a is not None]
    ends: list[tuple[int, int]] = [(end, getattr(p, "end_col_offset", 0) or 0) for p in parts
                                   if (end := getattr(p, "end_lineno", None)) is not None]
    return max(ends) if ends else (node.lineno, node.col_offset)


def _header_colon(cell: Cell, node: _DefNode) -> tuple[int, int]:
    """Return the (python line, character column) of the colon that ends a definition's header.

    After the last AST node of the header only brackets, commas, ``*``, ``/``, the name, comments and
    line continuations can come before the colon, so a plain scan that skips comments finds it.
    """
    lineno, byte_col = _header_start(node)
    lines = cell.python_lines
    col = char_col(lines[lineno - 1], byte_col)
    for number in range(lineno, node.body[0].lineno + 1):
        text = lines[number - 1]
        for index in range(col if number == lineno else 0, len(text)):
            char = text[index]
            if char == "#":
                break
            if char == ":":
                return number, index
    raise _Unsplicable("cannot find the end of the definition header")


def _original(cell: Cell, python_lineno: int) -> int:
    line = cell.original_line(python_lineno)
    if line is None:
        where = cell.nearest_line(python_lineno)
        raise _Unsplicable(f"line {where} is rewritten by IPython and cannot be edited")
    return line


def _literal_checks(insertion: Insertion) -> None:
    lines = insertion.literal_lines
    if not lines or not any(line.strip() for line in lines):
        raise _Unsplicable("the docstring literal is empty")
    if any("\n" in line or "\r" in line for line in lines):
        raise _Unsplicable("the docstring literal contains a line break inside a line")


def _plan_one(cell: Cell, insertion: Insertion) -> _Edit:
    _literal_checks(insertion)
    node = _node(insertion.target)
    colon_line, colon_col = _header_colon(cell, node)
    first = node.body[0]
    if ast.get_docstring(node, clean=False) is not None:
        return _replace_docstring(cell, insertion, first, colon_line)
    if insertion.verbatim:
        raise _Unsplicable("the docstring to edit is gone")
    if first.lineno == colon_line:
        return _split_one_liner(cell, insertion, node, colon_line, colon_col)
    header = _original(cell, colon_line)
    if cell.lines[header - 1][colon_col + 1:].strip() == "\\":  # after the colon: a comment, or this
        raise _Unsplicable("the definition header ends with a line continuation")
    header = _after_signature_type_comment(cell, header)
    indent = leading_indent(cell.python_lines[first.lineno - 1])  # IPython keeps the indent of lines it rewrites
    new = [line + cell.newline for line in indent_literal(insertion.literal_lines, indent)]
    # A function's docstring takes the blank lines under its header (D202); a class's takes them only when
    # its convention asks for exactly one blank line after it (D204), which it then gets back.
    taken = _blank_lines_after(cell, header, first) \
        if not isinstance(node, ast.ClassDef) or insertion.blank_after else 0
    if insertion.blank_after and header + taken < len(cell.lines) and cell.lines[header + taken].strip():
        new.append(cell.newline)
    return _Edit(insertion, header, header + taken, new)


def _blank_lines_after(cell: Cell, header: int, first: ast.stmt) -> int:
    """Count the blank lines right after a definition's header, before its first statement or comment.

    The docstring takes their place (blank lines are not part of the AST, and no other line moves).
    """
    stop = cell.original_line(first.lineno)
    if stop is None:
        return 0
    count = 0
    while header + count < stop - 1 and not cell.lines[header + count].strip():
        count += 1
    return count


def _after_signature_type_comment(cell: Cell, header: int) -> int:
    """Return the line to insert after: the header's, or the PEP 484 signature type comment right below it.

    ``def f(a, b):`` followed by ``# type: (int, int) -> int`` on the next line keeps the comment directly
    under the ``def`` (where type checkers read it); the docstring goes below it.
    """
    after = header
    for number in range(header, len(cell.lines)):  # 0-based index of the line after the header
        text = cell.lines[number].strip()
        if text and not text.startswith("#"):
            break
        if _TYPE_COMMENT.match(text):  # it may follow other comment lines
            after = number + 1
    return after


def _replace_docstring(cell: Cell, insertion: Insertion, doc: ast.stmt, colon_line: int) -> _Edit:
    if doc.lineno == colon_line:
        raise _Unsplicable("the existing docstring shares its line with the definition")
    start, stop = _original(cell, doc.lineno), _original(cell, doc.end_lineno or doc.lineno)
    if stop - start != (doc.end_lineno or doc.lineno) - doc.lineno:
        raise _Unsplicable("the existing docstring spans lines rewritten by IPython")
    first_text = cell.python_lines[doc.lineno - 1]
    last_text = cell.python_lines[(doc.end_lineno or doc.lineno) - 1]
    before = first_text[: char_col(first_text, doc.col_offset)]
    after = last_text[char_col(last_text, doc.end_col_offset or 0):]
    if before.strip() or after.strip():
        raise _Unsplicable("the existing docstring shares its line with other code or a comment")
    if insertion.verbatim:
        new = [line + cell.newline for line in insertion.literal_lines]
    else:  # the old literal's line keeps its own start (a form feed, say); the others get the docstring's indent
        new = [line + cell.newline for line in indent_literal(insertion.literal_lines, leading_indent(before))]
        new[0] = before + insertion.literal_lines[0] + cell.newline
    new[-1] = new[-1][: -len(cell.newline)] + line_ending(cell.lines[stop - 1])
    if insertion.blank_after and stop < len(cell.lines) and cell.lines[stop].strip() and line_ending(new[-1]):
        new.append(cell.newline)
    return _Edit(insertion, start - 1, stop, new)


def _split_one_liner(cell: Cell, insertion: Insertion, node: _DefNode, colon_line: int,
                     colon_col: int) -> _Edit:
    """``def f(x): return x  # note`` -> header line, docstring, ``return x  # note`` on its own line."""
    line_no = _original(cell, colon_line)
    original = cell.lines[line_no - 1]
    head, rest = original[: colon_col + 1], original[colon_col + 1:].lstrip(" \t")
    indent = leading_indent(cell.python_lines[node.lineno - 1]) + cell.indent_unit
    new = [head + cell.newline]
    new += [line + cell.newline for line in indent_literal(insertion.literal_lines, indent)]
    if insertion.blank_after:
        new.append(cell.newline)
    new.append(indent + rest)
    return _Edit(insertion, line_no - 1, line_no, new)


def _plan_edits(cell: Cell, insertions: Sequence[Insertion], outcomes: dict[str, str]) -> list[_Edit]:
    """Plan an edit per insertion; targets that cannot be edited safely fail here, before any guard."""
    owned = {id(node) for node in _def_nodes(cell.module)}
    planned: list[_Edit] = []
    duplicated: set[str] = set()
    for insertion in insertions:
        name = insertion.target.qualname
        if name in outcomes:
            duplicated.add(name)
            continue
        outcomes[name] = "pending"
        try:
            if id(insertion.target.node) not in owned:
                raise _Unsplicable("the target does not come from this cell")
            planned.append(_plan_one(cell, insertion))
        except _Unsplicable as exc:
            outcomes[name] = str(exc)
    for name in duplicated:
        outcomes[name] = "more than one docstring was given for this target"
    edits: list[_Edit] = []
    for edit in sorted(planned, key=lambda e: (e.start, e.stop)):
        if edit.qualname in duplicated:
            continue
        # Accepted edits are disjoint and sorted, so only the last one can overlap the next.
        if edits and _overlaps(edit.start, edit.stop, edits[-1].start, edits[-1].stop):
            outcomes[edit.qualname] = "the edit overlaps another target's edit"
            continue
        edits.append(edit)
    return edits


def _overlaps(start: int, stop: int, other_start: int, other_stop: int) -> bool:
    """Whether two edits touch the same lines; an insertion may sit right before a replaced range."""
    if start == stop and other_start == other_stop:
        return start == other_start
    if start == stop:
        return other_start < start < other_stop
    if other_start == other_stop:
        return start < other_start < stop
    return start < other_stop and other_start < stop


def _apply(cell: Cell, edits: Sequence[_Edit]) -> str:
    """Apply edits bottom-up so that earlier line numbers stay valid.

    At equal starts the replacement goes first, so that an insertion there lands before the replaced lines.
    """
    lines = list(cell.lines)
    for edit in sorted(edits, key=lambda e: (e.start, e.stop), reverse=True):
        lines[edit.start:edit.stop] = edit.lines
    return "".join(lines)


def _isolate(cell: Cell, edits: list[_Edit], outcomes: dict[str, str]) -> list[_Edit]:
    """Find the edits that pass the guard on their own (by halving), then keep a set that passes together."""
    passing: list[_Edit] = []
    groups = [edits]
    while groups:
        group = groups.pop()
        reason = guard(cell, _apply(cell, group), [e.insertion for e in group])
        if reason is None:
            passing.extend(group)
        elif len(group) == 1:
            outcomes[group[0].qualname] = reason
        else:
            middle = len(group) // 2
            groups += [group[middle:], group[:middle]]
    if guard(cell, _apply(cell, passing), [e.insertion for e in passing]) is None:
        return passing
    accepted: list[_Edit] = []  # edits that pass alone but clash together: add them one at a time
    for edit in sorted(passing, key=lambda e: e.start):
        trial = [*accepted, edit]
        reason = guard(cell, _apply(cell, trial), [e.insertion for e in trial])
        if reason is None:
            accepted.append(edit)
        else:
            outcomes[edit.qualname] = reason
    return accepted
