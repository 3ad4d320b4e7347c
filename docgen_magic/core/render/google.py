"""Google style: ``Args:`` / ``Returns:`` / ``Yields:`` / ``Raises:`` / ``Attributes:`` sections.

Items read ``name (type): text``; continuation lines are indented one level further than the item.
``*args`` and ``**kwargs`` keep their stars. Without a type, ``Returns:`` holds the description alone.
"""

from __future__ import annotations

import functools

from docgen_magic.core.facts import Target
from docgen_magic.core.model import Docstring
from docgen_magic.core.render.parts import ITEM_INDENT, headed_sections, item, type_text

_CONTINUATION = ITEM_INDENT * 2


def sections(doc: Docstring, target: Target, columns: int) -> list[list[str]]:
    """Return the Google-style sections of a docstring.

    Args:
        doc: The docstring content.
        target: The documented target.
        columns: Maximum line width, relative to the docstring's indentation.

    Returns:
        One list of lines per non-empty section, in order.
    """
    return headed_sections(doc, target, ("Args:", "Returns:", "Yields:", "Raises:", "Attributes:"),
                           _section, functools.partial(_named, columns=columns),
                           functools.partial(_value, columns=columns),
                           functools.partial(_value, columns=columns, required=True))


def _section(title: str, entries: list[list[str]]) -> list[str]:
    lines = [line for entry in entries for line in entry]
    return [title, *lines] if lines else []


def _named(name: str, type_: str | None, description: str, *, columns: int) -> list[str]:
    if not name:
        return []
    kind = type_text(type_)
    head = f"{name} ({kind}):" if kind else f"{name}:"
    return item(f"{ITEM_INDENT}{head} ", description, columns, _CONTINUATION)


def _value(type_: str | None, description: str, *, columns: int, required: bool = False) -> list[str]:
    kind = type_text(type_)
    if required and not kind:
        return []
    prefix = f"{ITEM_INDENT}{kind}: " if kind else ITEM_INDENT
    return item(prefix, description, columns, _CONTINUATION if kind else ITEM_INDENT)
