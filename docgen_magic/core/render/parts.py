"""Helpers shared by the style modules: cleaned names and types, and item layout."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from docgen_magic.core.facts import ParamKind, Target
from docgen_magic.core.model import ArgDoc, Docstring
from docgen_magic.core.render.summary import sentence
from docgen_magic.core.render.text import clean_inline, clean_text, format_block
from docgen_magic.core.rules import Style
from docgen_magic.core.titles import ATTRIBUTES, PARAMS, RAISES, RETURNS, YIELDS, in_order

ITEM_INDENT = "    "
"""Indentation of section items and of continuation lines, relative to the docstring."""


def arg_name(arg: ArgDoc, target: Target) -> str:
    """Return the display name of a documented parameter, with stars for ``*args`` / ``**kwargs``.

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
    """Return a type written on one line, or ``""`` when absent.

    Args:
        text: The type text, or None.

    Returns:
        The cleaned type.
    """
    return clean_inline(text)


def item(first_prefix: str, description: str | None, columns: int, next_prefix: str) -> list[str]:
    """Lay out one item whose description starts after ``first_prefix``, written as a sentence in every style.

    Args:
        first_prefix: Start of the first line, e.g. ``"    x (int): "``.
        description: Raw description text.
        columns: Maximum line width.
        next_prefix: Indentation of the continuation lines.

    Returns:
        The item's lines.
    """
    return format_block(clean_text(sentence(description)), columns, first_prefix, next_prefix)


Entry = Callable[[str, str | None, str], list[str]]
"""Lays out one named item: ``(name, type or None, description) -> lines``."""


def headed_sections(doc: Docstring, target: Target, style: Style, titles: Mapping[str, str],
                    section: Callable[[str, list[list[str]]], list[str]], named: Entry,
                    value: Callable[[str | None, str], list[str]], raised: Callable[[str, str], list[str]],
                    yielded: Callable[[str | None, str], list[str]] | None = None) -> list[list[str]]:
    """Return the five headed sections (parameters, returns, yields, raises, attributes) of Google and NumPy.

    Args:
        doc: The docstring content.
        target: The documented target (its signature decides the stars of ``*args`` / ``**kwargs``).
        style: The style, whose table (:mod:`~docgen_magic.core.titles`) orders the sections.
        titles: Each section's title, by section key (``params``, ``returns``, ``yields``, ``raises``,
            ``attributes``).
        section: Builds a section from its title and its entries' lines (``[]`` when it has none).
        named: Lays out a parameter or an attribute.
        value: Lays out a return or yield value from its type and description.
        raised: Lays out an exception from its cleaned name and description.
        yielded: Lays out a yield value; ``value`` when None.

    Returns:
        One list of lines per non-empty section, in the style's order.
    """
    return in_order(style, {
        PARAMS: section(titles[PARAMS], [named(arg_name(a, target), a.type, a.description) for a in doc.args]),
        RETURNS: section(titles[RETURNS], [value(doc.returns.type, doc.returns.description)] if doc.returns else []),
        YIELDS: section(titles[YIELDS],
                        [(yielded or value)(doc.yields.type, doc.yields.description)] if doc.yields else []),
        RAISES: section(titles[RAISES], [raised(clean_inline(r.exception), r.description) for r in doc.raises]),
        ATTRIBUTES: section(titles[ATTRIBUTES],
                            [named(clean_inline(a.name), a.type, a.description) for a in doc.attributes]),
    })
