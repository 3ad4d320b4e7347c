r"""Sphinx (reST field list) style: ``:param:``, ``:type:``, ``:returns:``, ``:rtype:``, ``:raises X:``.

Attributes use ``:ivar name:`` and ``:vartype name:``. Yields use ``:yields:`` and ``:ytype:`` (the pair
Sphinx's Python domain and most reST tools use for generators). ``*args`` / ``**kwargs`` are written
``\*args`` / ``\*\*kwargs`` as Napoleon does, so reST does not read the star as emphasis (the literal then
gets an ``r`` prefix). Field bodies continue on lines indented by four spaces; all fields form one block, in
the order of :data:`~docgen_magic.core.titles.SPHINX_FIELDS`.
"""

from __future__ import annotations

from docgen_magic.core.facts import Target
from docgen_magic.core.model import Docstring
from docgen_magic.core.render.parts import ITEM_INDENT, arg_name, item, type_text
from docgen_magic.core.render.text import clean_inline
from docgen_magic.core.rules import Style, written_name
from docgen_magic.core.titles import ATTRIBUTES, PARAMS, RAISES, RETURNS, YIELDS, in_order


def sections(doc: Docstring, target: Target, columns: int) -> list[list[str]]:
    """Return the field list of a docstring, as one block.

    Args:
        doc: The docstring content.
        target: The documented target.
        columns: Maximum line width, relative to the docstring's indentation.

    Returns:
        ``[lines]`` with every field, or ``[]`` when there is none.
    """
    params: list[str] = []
    for arg in doc.args:
        name = written_name(arg_name(arg, target), Style.SPHINX)
        params += _pair(f"param {name}", arg.description, f"type {name}", arg.type, columns) if name else []
    raises: list[str] = []
    for raised in doc.raises:
        exception = clean_inline(raised.exception)
        raises += _field(f"raises {exception}", raised.description, columns) if exception else []
    attributes: list[str] = []
    for attribute in doc.attributes:
        name = clean_inline(attribute.name)
        attributes += _pair(f"ivar {name}", attribute.description, f"vartype {name}", attribute.type,
                            columns) if name else []
    fields = in_order(Style.SPHINX, {
        PARAMS: params,
        RETURNS: _pair("returns", doc.returns.description, "rtype", doc.returns.type, columns) if doc.returns else [],
        YIELDS: _pair("yields", doc.yields.description, "ytype", doc.yields.type, columns) if doc.yields else [],
        RAISES: raises,
        ATTRIBUTES: attributes,
    })
    lines = [line for group in fields for line in group]
    return [lines] if lines else []


def _field(key: str, body: str | None, columns: int) -> list[str]:
    return item(f":{key}: ", body, columns, ITEM_INDENT)


def _pair(key: str, body: str | None, type_key: str, type_: str | None, columns: int) -> list[str]:
    kind = type_text(type_)
    has_body = bool(clean_inline(body))
    lines = _field(key, body, columns) if has_body or (not kind and key.startswith("param ")) else []
    return lines + ([f":{type_key}: {kind}"] if kind else [])
