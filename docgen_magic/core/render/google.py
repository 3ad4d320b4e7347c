"""Google style: ``Args:`` / ``Returns:`` / ``Yields:`` / ``Raises:`` / ``Attributes:`` sections.

Items read ``name (type): text``; continuation lines are indented one level further than the item.
``*args`` and ``**kwargs`` keep their stars. Without a type, ``Returns:`` holds the description alone.
"""

from __future__ import annotations

from docgen_magic.core.facts import Target
from docgen_magic.core.model import Docstring
from docgen_magic.core.render.parts import ITEM_INDENT, arg_name, item, type_text
from docgen_magic.core.render.text import clean_inline

_CONTINUATION = ITEM_INDENT * 2


def sections(doc: Docstring, target: Target, columns: int) -> list[list[str]]:
    """The Google-style sections of a docstring.

    Args:
        doc: The docstring content.
        target: The documented target.
        columns: Maximum line width, relative to the docstring's indentation.

    Returns:
        One list of lines per non-empty section, in order.
    """
    blocks = [
        _section("Args:", [_named(arg_name(a, target), a.type, a.description, columns) for a in doc.args]),
        _section("Returns:", [_value(doc.returns.type, doc.returns.description, columns)]
                 if doc.returns else []),
        _section("Yields:", [_value(doc.yields.type, doc.yields.description, columns)] if doc.yields else []),
        _section("Raises:", [_value(clean_inline(r.exception), r.description, columns, required=True)
                             for r in doc.raises]),
        _section("Attributes:", [_named(clean_inline(a.name), a.type, a.description, columns)
                                 for a in doc.attributes]),
    ]
    return [block for block in blocks if block]


def _section(title: str, entries: list[list[str]]) -> list[str]:
    lines = [line for entry in entries for line in entry]
    return [title, *lines] if lines else []


def _named(name: str, type_: str | None, description: str, columns: int) -> list[str]:
    if not name:
        return []
    kind = type_text(type_)
    head = f"{name} ({kind}):" if kind else f"{name}:"
    return item(f"{ITEM_INDENT}{head} ", description, columns, _CONTINUATION)


def _value(type_: str | None, description: str, columns: int, *, required: bool = False) -> list[str]:
    kind = type_text(type_)
    if required and not kind:
        return []
    prefix = f"{ITEM_INDENT}{kind}: " if kind else ITEM_INDENT
    return item(prefix, description, columns, _CONTINUATION if kind else ITEM_INDENT)
