"""Helpers shared by the style modules: cleaned names and types, and item layout."""

from __future__ import annotations

from docgen_magic.core.facts import ParamKind, Target
from docgen_magic.core.model import ArgDoc
from docgen_magic.core.render.text import clean_inline, clean_text, format_block

ITEM_INDENT = "    "
"""Indentation of section items and of continuation lines, relative to the docstring."""


def arg_name(arg: ArgDoc, target: Target) -> str:
    """The display name of a documented parameter, with stars for ``*args`` / ``**kwargs``.

    Args:
        arg: The documented parameter; its name may lack the stars.
        target: The target, whose signature decides the stars.

    Returns:
        The cleaned name, e.g. ``*args``; ``""`` when the name is blank.
    """
    name = clean_inline(arg.name).replace(" ", "")
    bare = name.lstrip("*")
    for param in target.params:
        if param.name == bare and param.kind in (ParamKind.VAR_POSITIONAL, ParamKind.VAR_KEYWORD):
            return param.display_name
    return name


def type_text(text: str | None) -> str:
    """A type written on one line, or ``""`` when absent.

    Args:
        text: The type text, or None.

    Returns:
        The cleaned type.
    """
    return clean_inline(text)


def item(first_prefix: str, description: str | None, columns: int, next_prefix: str) -> list[str]:
    """Lay out one item whose description starts after ``first_prefix``.

    Args:
        first_prefix: Start of the first line, e.g. ``"    x (int): "``.
        description: Raw description text.
        columns: Maximum line width.
        next_prefix: Indentation of the continuation lines.

    Returns:
        The item's lines.
    """
    return format_block(clean_text(description), columns, first_prefix, next_prefix)
