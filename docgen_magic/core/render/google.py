"""Google style: ``Args:`` / ``Returns:`` / ``Yields:`` / ``Raises:`` / ``Attributes:`` sections.

Items read ``name (type): text``; continuation lines are indented one level further than the item.
``*args`` and ``**kwargs`` keep their stars. Without a type, ``Returns:`` holds the description alone, and
its first line holds no colon outside inline code: Napoleon reads ``text: more`` there as type ``text``
(docstring_parser does when ``text`` is one word), so the line breaks before the word with the colon, and a
first word ending with a colon gets a dash instead.
"""

from __future__ import annotations

import functools
import re

from docgen_magic.core.facts import Target
from docgen_magic.core.model import Docstring
from docgen_magic.core.render.parts import ITEM_INDENT, headed_sections, item, type_text
from docgen_magic.core.render.text import format_block
from docgen_magic.core.rules import Style
from docgen_magic.core.titles import ATTRIBUTES, PARAMS, RAISES, RETURNS, YIELDS

_TITLES = {PARAMS: "Args:", RETURNS: "Returns:", YIELDS: "Yields:", RAISES: "Raises:", ATTRIBUTES: "Attributes:"}

_CONTINUATION = ITEM_INDENT * 2
_INLINE_CODE = re.compile(r"``.+?``|:[\w:.+-]+:`.+?`")
_TYPE_COLON = re.compile(r"(?<!:):(?!:)")


def sections(doc: Docstring, target: Target, columns: int) -> list[list[str]]:
    """Return the Google-style sections of a docstring.

    Args:
        doc: The docstring content.
        target: The documented target.
        columns: Maximum line width, relative to the docstring's indentation.

    Returns:
        One list of lines per non-empty section, in order.
    """
    return headed_sections(doc, target, Style.GOOGLE, _TITLES, _section, functools.partial(_named, columns=columns),
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
    if kind:
        return item(f"{ITEM_INDENT}{kind}: ", description, columns, _CONTINUATION)
    lines = item(ITEM_INDENT, description, columns, ITEM_INDENT)
    end = lines.index("") if "" in lines else len(lines)
    head = " ".join(line.strip() for line in lines[:end])
    if not lines or not 0 <= _type_colon(head) < len(lines[0].strip()):
        return lines  # no colon a reader would split the first line on (code spans may cross lines)
    while (cut := _type_colon(head)) >= 0 and head.rfind(" ", 0, cut) < 0:
        head = f"{head[:cut]} -{head[cut + 1:]}"  # the first word ends with the colon: it would be the type
    parts = [head] if cut < 0 else [head[:head.rfind(" ", 0, cut)], head[head.rfind(" ", 0, cut) + 1:]]
    return [line for part in parts for line in format_block(part, columns, ITEM_INDENT, ITEM_INDENT)] + lines[end:]


def _type_colon(line: str) -> int:
    """Return where a reader would split a typeless value's first line into type and text, or -1."""
    masked = _INLINE_CODE.sub(lambda match: "x" * len(match.group()), line)
    found = _TYPE_COLON.search(masked)
    return found.start() if found else -1
