"""NumPy style: ``Parameters`` / ``Returns`` / ``Yields`` / ``Raises`` / ``Attributes`` underlined headings.

Items read ``name : type`` with the description indented below. A return value without a type is
written as its description alone, unindented.
"""

from __future__ import annotations

from docgen_magic.core.facts import Target
from docgen_magic.core.model import Docstring
from docgen_magic.core.render.parts import ITEM_INDENT, headed_sections, item, type_text


def sections(doc: Docstring, target: Target, columns: int) -> list[list[str]]:
    """Return the NumPy-style sections of a docstring.

    Args:
        doc: The docstring content.
        target: The documented target.
        columns: Maximum line width, relative to the docstring's indentation.

    Returns:
        One list of lines per non-empty section, in order.
    """
    return headed_sections(doc, target, ("Parameters", "Returns", "Yields", "Raises", "Attributes"),
                           _section, lambda name, type_, text: _entry(_head(name, type_), text, columns),
                           lambda type_, text: _value(type_, text, columns),
                           lambda name, text: _entry(name, text, columns))


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


def _value(type_: str | None, description: str, columns: int) -> list[str]:
    kind = type_text(type_)
    if kind:
        return _entry(kind, description, columns)
    return item("", description, columns, "")
