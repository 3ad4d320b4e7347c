"""NumPy style: ``Parameters`` / ``Attributes`` / ``Returns`` / ``Yields`` / ``Raises`` underlined headings.

The sections go in numpydoc's order (:data:`~docgen_magic.core.titles.NUMPY_TITLES`, which its GL07 checks).

Items read ``name : type`` with the description indented below. numpydoc wants a head line before every
return or yield description, so a value without a type is headed by a name, the convention numpydoc
accepts: the returned (yielded) variable when the code returns one name, else ``result`` (``item``).
"""

from __future__ import annotations

import ast

from docgen_magic.core.facts import Target, own_scope_nodes
from docgen_magic.core.model import Docstring
from docgen_magic.core.render.parts import ITEM_INDENT, headed_sections, item, type_text
from docgen_magic.core.rules import Style
from docgen_magic.core.titles import ATTRIBUTES, PARAMS, RAISES, RETURNS, YIELDS

_TITLES = {PARAMS: "Parameters", RETURNS: "Returns", YIELDS: "Yields", RAISES: "Raises", ATTRIBUTES: "Attributes"}


def sections(doc: Docstring, target: Target, columns: int) -> list[list[str]]:
    """Return the NumPy-style sections of a docstring.

    Args:
        doc: The docstring content.
        target: The documented target.
        columns: Maximum line width, relative to the docstring's indentation.

    Returns:
        One list of lines per non-empty section, in order.
    """
    return headed_sections(
        doc, target, Style.NUMPY, _TITLES, _section,
        lambda name, type_, text: _entry(_head(name, type_), text, columns),
        lambda type_, text: _entry(type_text(type_) or _value_name(target, ast.Return, "result"), text, columns),
        lambda name, text: _entry(name, text, columns),
        lambda type_, text: _entry(type_text(type_) or _value_name(target, ast.Yield, "item"), text, columns))


def _value_name(target: Target, kind: type[ast.Return] | type[ast.Yield], fallback: str) -> str:
    """Return the one variable name every ``return`` (``yield``) of the target gives, else ``fallback``."""
    node = target.node
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return fallback
    values = {n.value.id if isinstance(n.value, ast.Name) else "" for n in own_scope_nodes(node)
              if isinstance(n, kind) and n.value is not None}
    name = values.pop() if len(values) == 1 else ""
    return name if name and name not in ("self", "cls") else fallback


def _section(title: str, entries: list[list[str]]) -> list[str]:
    lines = [line for entry in entries for line in entry]
    return [title, "-" * len(title), *lines] if lines else []


def _head(name: str, type_: str | None) -> str:
    kind = type_text(type_)
    return f"{name} : {kind}" if name and kind else name


def _entry(head: str, description: str, columns: int) -> list[str]:
    if not head:
        return []
    return [head, *item(ITEM_INDENT, description, columns, ITEM_INDENT)]


