"""What is sent to a model: the compact cell context, the messages and the forced function tool.

The prompt asks for prose only. Names, order, annotations and defaults come from the code; the messages
list them so the model knows exactly which parameters its answer must cover.
"""

from __future__ import annotations

import ast
import copy
import json
import textwrap
import weakref
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from docgen_magic.core.facts import Target
from docgen_magic.core.model import docstring_schema
from docgen_magic.core.rules import needs_returns, needs_yields

if TYPE_CHECKING:
    from docgen_magic.core.cell import Cell
    from docgen_magic.core.ports import GenerationRequest

PROMPT_VERSION = 2
"""Bumped whenever the messages change in a way that should invalidate cached answers."""

TOOL_NAME = "write_docstring"

_MAX_CONTEXT_CHARS = 4000

SYSTEM_PROMPT = (
    "You write Python docstrings. Call the function write_docstring exactly once with the docstring's "
    "content. Write prose only: a one-sentence summary ending with a period, an optional description, "
    "and a description for every parameter, the return value, yielded values, exceptions and class "
    "attributes that the code has. Document each listed parameter exactly once, under its exact name "
    "(keep the stars of *args and **kwargs); never invent parameters or exceptions. Give a type only "
    "when the code has no annotation for it, else use null. Do not repeat the signature, do not write "
    "reStructuredText or Markdown markup, and do not include quotes that would close a string literal."
)


def _signature_only(node: ast.stmt) -> ast.stmt:
    """Return a shallow copy of a definition with every body reduced to ``...`` (methods kept as signatures).

    Bodies are never copied or unparsed: one deeply nested expression in a body (valid Python) would
    otherwise exceed the recursion limit for every target of the cell.
    """
    node = copy.copy(node)
    ellipsis = ast.Expr(value=ast.Constant(value=...))
    if isinstance(node, ast.ClassDef):
        members = [_signature_only(n) for n in node.body
                   if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        node.body = members or [ellipsis]
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        node.body = [ellipsis]
    return node


def _context_text(node: ast.stmt) -> str:
    """One context entry; a signature too deeply nested to unparse is named instead, not fatal."""
    try:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            return ast.unparse(node)
        return ast.unparse(_signature_only(node))
    except RecursionError:
        return f"# {getattr(node, 'name', 'a definition')}: signature left out (nested too deeply)"


_context_cache: weakref.WeakKeyDictionary[Cell, list[tuple[ast.AST, str]]] = weakref.WeakKeyDictionary()


def _context_lines(cell: Cell) -> list[tuple[ast.AST, str]]:
    """Each top-level import and definition of the cell with its context text, computed once per cell.

    Every target of a cell shares these lines (minus its own), so computing them per target would make a
    cell of n definitions cost n squared unparses.
    """
    lines = _context_cache.get(cell)
    if lines is None:
        lines = []
        for node in cell.module.body:
            if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                lines.append((node, _context_text(node)))
        _context_cache[cell] = lines
    return lines


def build_context(cell: Cell, target: Target) -> str:
    """Return the compact context of a target: the cell's imports and the signatures of its other definitions.

    Args:
        cell: The parsed cell.
        target: The target being documented (its own definition is left out).

    Returns:
        Python-like text, at most a few thousand characters; empty when the cell has nothing else.
    """
    own = target.node
    lines = [text for node, text in _context_lines(cell) if node is not own]
    text = "\n".join(lines)
    if len(text) > _MAX_CONTEXT_CHARS:
        text = text[:_MAX_CONTEXT_CHARS].rsplit("\n", 1)[0] + "\n# (context truncated)"
    return text


def _describe_target(target: Target) -> str:
    parts = [f"Target: {target.kind.value} `{target.qualname}`."]
    if target.is_class:
        names = ", ".join(a.name for a in target.attributes)
        parts.append(f"Constructor parameters to document under args: {', '.join(target.param_names) or 'none'}.")
        parts.append(f"Attributes found in the code: {names or 'none'}.")
    else:
        parts.append(f"Parameters to document, in order: {', '.join(target.param_names) or 'none'}.")
        if needs_yields(target):
            parts.append("It is a generator: fill yields; returns only if it also returns a value.")
        elif needs_returns(target):
            parts.append("It returns a value: fill returns.")
        else:
            parts.append("It returns no value: returns must be null.")
    parts.append(f"Exceptions it raises directly: {', '.join(target.raises) or 'none'}.")
    return "\n".join(parts)


def source_block(target: Target) -> str:
    """Return a target's source as the prompt shows it: the whole definition dedented, not only its first line.

    ``Target.source`` starts at the ``def`` / ``class`` (or its first decorator), so for a method or a nested
    definition the first line has lost the indentation its body still has.

    Args:
        target: The target, whose ``source`` and AST node (for the column) are read.

    Returns:
        The definition with its common indentation removed.
    """
    col = getattr(target.node, "col_offset", 0)  # the ``@`` of a decorator sits in the ``def``'s column
    lines = target.source.splitlines(keepends=True)
    if not col or len(lines) < 2:
        return target.source
    body = next((line for line in lines[1:] if line.strip()), "")
    indent = body[:len(body) - len(body.lstrip())]
    prefix = indent[:col] if len(indent) >= col else " " * col
    return textwrap.dedent(prefix + target.source)


def build_messages(request: GenerationRequest) -> list[dict[str, Any]]:
    """Return the chat messages for one request (first attempt or refinement).

    Args:
        request: The target, its context and, when refining, the previous answer and its problems.

    Returns:
        Chat Completions messages.
    """
    target = request.target
    user = [_describe_target(target)]
    if request.context:
        user.append(f"Context from the same notebook cell (signatures only):\n```python\n{request.context}\n```")
    user.append(f"Source:\n```python\n{source_block(target)}\n```")
    if request.missing:
        user.append(f"The existing docstring is kept as its author wrote it:\n```\n{target.docstring}\n```\n"
                    f"Only these parts are missing and will be taken from your answer: "
                    f"{', '.join(request.missing)}. Write them to fit the existing text; fill the other fields "
                    "briefly.")
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": "\n\n".join(user)},
    ]
    if request.attempt > 1:
        previous = request.previous_arguments if request.previous_arguments is not None else "(no tool call)"
        problems = "\n".join(f"- {p.message}" for p in request.problems) or "- the answer was not usable."
        messages.append({"role": "assistant", "content": f"Previous answer (tool arguments):\n{previous}"})
        messages.append({"role": "user", "content": (
            f"That answer has these problems:\n{problems}\n"
            f"Call {TOOL_NAME} again with a corrected, complete answer.")})
    return messages


def tool_definition(*, strict: bool = True) -> dict[str, Any]:
    """Return the one function tool the model is forced to call, generated from the docstring schema.

    Args:
        strict: Use OpenAI strict mode (every property required, nullable where optional).

    Returns:
        A Chat Completions ``tools`` entry.
    """
    function: dict[str, Any] = {
        "name": TOOL_NAME,
        "description": "Record the docstring content for the target.",
        "parameters": docstring_schema(strict=strict),
    }
    if strict:
        function["strict"] = True
    return {"type": "function", "function": function}


def tool_choice() -> dict[str, Any]:
    """Return the ``tool_choice`` that forces the call.

    Returns:
        A Chat Completions ``tool_choice`` value.
    """
    return {"type": "function", "function": {"name": TOOL_NAME}}



@lru_cache(maxsize=2)
def tool_chars(*, strict: bool = True) -> int:
    """Characters of the tool definition as sent (compact JSON), computed once.

    Args:
        strict: Which variant of the tool.

    Returns:
        The number of characters.
    """
    return len(json.dumps(tool_definition(strict=strict), separators=(",", ":")))


def prompt_chars(request: GenerationRequest, *, strict: bool = True) -> int:
    """Characters of what a request sends as its prompt: its messages (built once per request) and the tool.

    Args:
        request: The request: target, context, attempt and earlier problems.
        strict: Which variant of the tool is sent.

    Returns:
        The number of characters.
    """
    return sum(len(str(m.get("content") or "")) for m in request.messages) + tool_chars(strict=strict)
