"""NumPy style: ``Parameters`` / ``Returns`` / ``Yields`` / ``Raises`` / ``Attributes`` underlined headings.

Items read ``name : type`` with the description indented below. A return value without a type is
written as its description alone, unindented.
"""

from __future__ import annotations

from docgen_magic.core.facts import Target
from docgen_magic.core.model import Docstring
from docgen_magic.core.render.parts import ITEM_INDENT, arg_name, item, type_text
from docgen_magic.core.render.text import clean_inline


def sections(doc: Docstring, target: Target, columns: int) -> list[list[str]]:
    """The NumPy-style sections of a docstring.

    Args:
        doc: The docstring content.
        target: The documented target.
        columns: Maximum line width, relative to the docstring's indentation.

    Returns:
        One list of lines per non-empty section, in order.
    """
    blocks = [
        _section("Parameters", [_entry(_head(arg_name(a, target), a.type), a.description, columns)
                                for a in doc.args]),
        _section("Returns", [_value(doc.returns.type, doc.returns.description, columns)]
                 if doc.returns else []),
        _section("Yields", [_value(doc.yields.type, doc.yields.description, columns)] if doc.yields else []),
        _section("Raises", [_entry(clean_inline(r.exception), r.description, columns) for r in doc.raises]),
        _section("Attributes", [_entry(_head(clean_inline(a.name), a.type), a.description, columns)
                                for a in doc.attributes]),
    ]
    return [block for block in blocks if block]


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
