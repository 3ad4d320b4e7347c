r"""Sphinx (reST field list) style: ``:param:``, ``:type:``, ``:returns:``, ``:rtype:``, ``:raises X:``.

Attributes use ``:ivar name:`` and ``:vartype name:``. Yields use ``:yields:`` and ``:ytype:`` (the pair
Sphinx's Python domain and most reST tools use for generators). ``*args`` / ``**kwargs`` are written
``\*args`` / ``\*\*kwargs`` as Napoleon does, so reST does not read the star as emphasis (the literal then
gets an ``r`` prefix). Field bodies continue on lines indented by four spaces; all fields form one block.
"""

from __future__ import annotations

from docgen_magic.core.facts import Target
from docgen_magic.core.model import Docstring
from docgen_magic.core.render.parts import ITEM_INDENT, arg_name, item, type_text
from docgen_magic.core.render.text import clean_inline
from docgen_magic.core.rules import Style, written_name


def sections(doc: Docstring, target: Target, columns: int) -> list[list[str]]:
    """Return the field list of a docstring, as one block.

    Args:
        doc: The docstring content.
        target: The documented target.
        columns: Maximum line width, relative to the docstring's indentation.

    Returns:
        ``[lines]`` with every field, or ``[]`` when there is none.
    """
    lines: list[str] = []
    for arg in doc.args:
        name = written_name(arg_name(arg, target), Style.SPHINX)
        lines += _pair(f"param {name}", arg.description, f"type {name}", arg.type, columns) if name else []
    if doc.returns:
        lines += _pair("returns", doc.returns.description, "rtype", doc.returns.type, columns)
    if doc.yields:
        lines += _pair("yields", doc.yields.description, "ytype", doc.yields.type, columns)
    for raised in doc.raises:
        exception = clean_inline(raised.exception)
        lines += _field(f"raises {exception}", raised.description, columns) if exception else []
    for attribute in doc.attributes:
        name = clean_inline(attribute.name)
        lines += _pair(f"ivar {name}", attribute.description, f"vartype {name}", attribute.type,
                       columns) if name else []
    return [lines] if lines else []


def _field(key: str, body: str | None, columns: int) -> list[str]:
    return item(f":{key}: ", body, columns, ITEM_INDENT)


def _pair(key: str, body: str | None, type_key: str, type_: str | None, columns: int) -> list[str]:
    kind = type_text(type_)
    has_body = bool(clean_inline(body))
    lines = _field(key, body, columns) if has_body or (not kind and key.startswith("param ")) else []
    return lines + ([f":{type_key}: {kind}"] if kind else [])
