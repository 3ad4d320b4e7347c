"""Render a style-free :class:`~docgen_magic.core.model.Docstring` as a docstring literal.

One module per style (``google``, ``numpy``, ``sphinx``) lays out the sections; this module adds the
summary and description, and :func:`~docgen_magic.core.render.text.build_literal` quotes the result safely.

Layout rules shared by every style:

* prose is wrapped to ``width`` columns counting the indentation (a tab counts 4); words stay whole;
  the description keeps its paragraphs, and code, doctest and list lines are kept (see
  :func:`~docgen_magic.core.render.text.format_block`);
* the summary line is never wrapped (see :mod:`~docgen_magic.core.render.summary`);
* for a property, the return value is not a section: its description joins the description (as the
  Google and NumPy guides ask for properties; the type is in the annotation);
* sections are separated by one blank line and the closing quotes sit on their own line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from docgen_magic.core.facts import Target, TargetKind
from docgen_magic.core.model import Docstring
from docgen_magic.core.options import STYLES
from docgen_magic.core.render import google, numpy, sphinx
from docgen_magic.core.render.summary import make_summary, split_overlong
from docgen_magic.core.render.text import Rendered, build_literal, clean_inline, clean_text, format_block
from docgen_magic.core.render.text import indent_columns as indent_columns

__all__ = ["STYLES", "Rendered", "indent_columns", "render", "sections", "summary_columns"]


_SECTIONS: dict[str, Callable[[Docstring, Target, int], list[list[str]]]] = {
    "google": google.sections,
    "numpy": numpy.sections,
    "sphinx": sphinx.sections,
}


def render(doc: Docstring, target: Target, *, style: str = "google", width: int = 88,
           indent: str = "    ") -> Rendered:
    """Render a docstring for a target in one style.

    Args:
        doc: The docstring content (prose from a model; it is cleaned here, see
            :mod:`~docgen_magic.core.render.text`).
        target: The documented target; its kind and signature shape the layout.
        style: ``google``, ``numpy`` or ``sphinx`` (case-insensitive).
        width: Maximum line width, indentation included.
        indent: The indentation of the body the docstring goes into (spaces and/or tabs).

    Returns:
        The literal's lines and the exact string value it has once spliced with ``indent``.

    Raises:
        ValueError: If the style is unknown or the indentation holds anything but spaces and tabs.
    """
    if indent.strip(" \t"):
        raise ValueError("indent must contain only spaces and tabs")
    columns = width - indent_columns(indent)
    doc = _fold_property_returns(doc, target)
    laid_out = sections(doc, target, style=style, columns=columns)
    summary, rest = split_overlong(make_summary(doc.summary, target), summary_columns(width, indent))
    description = "\n\n".join(part for part in (rest, clean_text(doc.description)) if part.strip())
    blocks = [format_block(description, columns), *laid_out]
    body = [line for block in blocks if block for line in ("", *block)][1:]
    return build_literal(summary, body, indent=indent, width=width)


def sections(doc: Docstring, target: Target, *, style: str, columns: int) -> list[list[str]]:
    """Lay out a docstring's sections (parameters, returns, yields, raises, attributes) in one style.

    Args:
        doc: The docstring content; its summary and description are not used.
        target: The documented target.
        style: ``google``, ``numpy`` or ``sphinx`` (case-insensitive).
        columns: Maximum line width, relative to the docstring's indentation.

    Returns:
        One list of lines per non-empty section (Sphinx: one list of fields), relative to the docstring's
        indentation, items indented by four spaces.

    Raises:
        ValueError: If the style is unknown.
    """
    lay_out = _SECTIONS.get(style.strip().lower()) if isinstance(style, str) else None
    if lay_out is None:
        raise ValueError(f"unknown docstring style {style!r}; expected one of {', '.join(STYLES)}")
    return lay_out(doc, target, columns)


def summary_columns(width: int, indent: str) -> int:
    """Return the columns left for the summary text on the first line of a multi-line docstring.

    A validator can use it to ask the model for a shorter summary, since the summary is never wrapped.

    Args:
        width: Maximum line width, indentation included.
        indent: The docstring's indentation.

    Returns:
        ``width`` minus the indentation and the opening quotes.
    """
    return width - indent_columns(indent) - 3


def _fold_property_returns(doc: Docstring, target: Target) -> Docstring:
    if target.kind is not TargetKind.PROPERTY or doc.returns is None:
        return doc
    extra = clean_text(doc.returns.description).strip()
    same = clean_inline(extra).rstrip(".").lower() == clean_inline(doc.summary).rstrip(".").lower()
    parts = [clean_text(doc.description).strip(), "" if same else extra]
    return dataclasses.replace(doc, returns=None, description="\n\n".join(p for p in parts if p) or None)
