"""The section titles each docstring style knows, what each documents and the order they go in.

One table per style: ``--update`` reads an author's sections with it (:mod:`~docgen_magic.core.layout`), the
renderers put fresh sections in its order, and ``--check`` reads parameters with its Sphinx field names.
The NumPy order is numpydoc's (``numpydoc.validate.ALLOWED_SECTIONS``, which its GL07 check enforces);
Google and Sphinx have no order of their own and keep the renderers' (parameters, returns, yields, raises,
attributes).
"""

from __future__ import annotations

from collections.abc import Mapping

from docgen_magic.core.rules import Style

PARAMS = "params"
RETURNS = "returns"
YIELDS = "yields"
RAISES = "raises"
ATTRIBUTES = "attributes"
OTHER = "other"
"""Section keys: what a section documents (``other`` for prose sections such as Examples or Notes)."""

PARAM_KEYS = frozenset({PARAMS, "kwparams", "otherparams"})
"""Sections whose entries document parameters."""

GOOGLE_TITLES: dict[str, tuple[str, float | None]] = {
    **dict.fromkeys(("args", "arguments", "parameters", "params"), (PARAMS, 0)),
    **dict.fromkeys(("keyword args", "keyword arguments", "kwargs"), ("kwparams", 1)),
    **dict.fromkeys(("other parameters", "other args", "other arguments"), ("otherparams", 2)),
    **dict.fromkeys(("returns", "return"), (RETURNS, 3)),
    **dict.fromkeys(("yields", "yield"), (YIELDS, 4)),
    **dict.fromkeys(("raises", "raise", "exceptions", "except"), (RAISES, 5)),
    "attributes": (ATTRIBUTES, 6),
    **dict.fromkeys(("example", "examples", "note", "notes", "todo", "warning", "warnings", "warns", "see also",
                     "references", "methods", "attention", "caution", "danger", "error", "hint", "important",
                     "tip", "receives", "receive"), (OTHER, None)),
}
"""Google (Napoleon) section titles, lower case: their key and rank (the renderer's order; None: free)."""

NUMPY_TITLES: dict[str, tuple[str, float | None]] = {
    "Parameters": (PARAMS, 0), "Attributes": (ATTRIBUTES, 1), "Methods": (OTHER, 2), "Returns": (RETURNS, 3),
    "Yields": (YIELDS, 4), "Receives": (OTHER, 4.5), "Other Parameters": ("otherparams", 5), "Raises": (RAISES, 6),
    "Warns": (OTHER, 7), "Warnings": (OTHER, 8), "See Also": (OTHER, 9), "Notes": (OTHER, 10),
    "References": (OTHER, 11), "Examples": (OTHER, 12),
}
"""NumPy section titles: their key and rank (numpydoc's ``ALLOWED_SECTIONS`` order, which it validates)."""

PARAM_FIELDS = ("param", "parameter", "arg", "argument", "key", "keyword")
"""The Sphinx fields (docstring_parser's keys) that document a parameter."""

ATTRIBUTE_FIELDS = ("ivar", "cvar", "var")
"""The Sphinx fields that document an attribute (docstring_parser reads a Google / NumPy one as ``attribute``)."""

SPHINX_FIELDS: dict[str, tuple[str, float | None]] = {
    **dict.fromkeys((*PARAM_FIELDS, "type"), (PARAMS, 0)),
    **dict.fromkeys(("returns", "return", "rtype"), (RETURNS, 1)),
    **dict.fromkeys(("yields", "yield", "ytype"), (YIELDS, 2)),
    **dict.fromkeys(("raises", "raise", "except", "exception"), (RAISES, 3)),
    **dict.fromkeys((*ATTRIBUTE_FIELDS, "vartype"), (ATTRIBUTES, 4)),
}
"""Sphinx field names: their key and rank (the renderer's order). Other fields (``:meta:``) are free."""

_TABLES = {Style.GOOGLE: GOOGLE_TITLES, Style.NUMPY: NUMPY_TITLES, Style.SPHINX: SPHINX_FIELDS}


def rank(style: str, key: str) -> float:
    """Return the place of a section in a style's order.

    Args:
        style: ``google``, ``numpy`` or ``sphinx``.
        key: A section key that has a place, e.g. ``returns``.

    Returns:
        The rank its titles have in the style's table.
    """
    return min(r for k, r in _TABLES[Style(style)].values() if k == key and r is not None)


def in_order(style: str, blocks: Mapping[str, list[str]]) -> list[list[str]]:
    """Put rendered sections in a style's order, leaving out the empty ones.

    Args:
        style: ``google``, ``numpy`` or ``sphinx``.
        blocks: Each section's lines, by section key (``params``, ``returns``, ...).

    Returns:
        The non-empty sections, in the order of the style's table.
    """
    return [blocks[key] for key in sorted(blocks, key=lambda key: rank(style, key)) if blocks[key]]
