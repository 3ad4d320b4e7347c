"""Where things are in an existing docstring's lines: its sections, their entries and their indentation.

``--update`` edits a docstring as its author laid it out, so it reads the literal's own source lines, not its
value: each section (Google ``Args:``, NumPy ``Parameters`` over a dashed line, Sphinx ``:param x:`` fields)
with the line it starts on, its last non-blank line, its entries and the indentation of each level. Nothing
here changes a line; :mod:`~docgen_magic.core.update` decides what to insert where.

The section titles each style knows, and their order, are :mod:`~docgen_magic.core.titles`'s (the renderers
read the same tables).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from docgen_magic.core.cell import leading_indent
from docgen_magic.core.render.text import indent_columns
from docgen_magic.core.rules import Style, bare_names
from docgen_magic.core.titles import GOOGLE_TITLES, NUMPY_TITLES, OTHER, RAISES, RETURNS, SPHINX_FIELDS, YIELDS

_GOOGLE_HEADER = re.compile(r"^[ \t]*([A-Za-z][A-Za-z ]*?)[ \t]*:[ \t]*$")
_GOOGLE_INLINE = re.compile(r"^[ \t]*([A-Za-z][A-Za-z ]*?)[ \t]*:[ \t]+\S")
_UNDERLINE = re.compile(r"^[ \t]*-{3,}[ \t]*$")
_FIELD = re.compile(r"^[ \t]*:([A-Za-z]+)([^:\n]*):")
_GOOGLE_ENTRY = re.compile(r"^[ \t]*([\w\\*.]+(?:[ \t]*,[ \t]*[\w\\*.]+)*)[ \t]*(\((?:[^()]|\([^()]*\))*\))?[ \t]*:")
_NUMPY_ENTRY = re.compile(r"^[ \t]*([\w\\*.]+(?:[ \t]*,[ \t]*[\w\\*.]+)*)[ \t]*(:.*)?$")


@dataclass
class Entry:
    """One entry of a section (a parameter, an exception, an attribute, a Sphinx field).

    Attributes:
        names: The bare names it documents (parameters without stars; exception names as written).
        start: Its first line (index into the docstring's lines).
        last: Its last non-blank line.
        typed: Whether it gives a type.
    """

    names: list[str]
    start: int
    last: int
    typed: bool = False


@dataclass
class Section:
    """One section of a docstring, as laid out in its lines.

    Attributes:
        key: What it documents: ``params``, ``returns``, ``yields``, ``raises``, ``attributes``, ``other``, ...
        rank: Its place in the style's order; None for free sections (Google's Examples, Notes, ...).
        start: Its first line (the header, or a Sphinx group's first field).
        last: Its last non-blank line.
        body: The line after which a first entry goes (the header, NumPy's underline, or before the first
            Sphinx field).
        indent: The header's (or the Sphinx field's) indentation.
        entry_indent: The entries' indentation, when there are entries.
        deeper: The indentation of the entries' continuation (Google, Sphinx) or description (NumPy) lines,
            when one was seen.
        entries: The entries, in order.
        spaced: Whether blank lines separate its entries.
        title: The title as written, for messages.
        regular: Whether its entries could all be read (a line at the entries' depth that does not read as an
            entry, or a header whose text is not indented under it, makes the section irregular: an entry
            inserted there could split an author's entry).
        inline: Whether it is written on one line with its title (``Returns: the count.``).
    """

    key: str
    rank: float | None
    start: int
    last: int
    body: int
    indent: str
    entry_indent: str | None = None
    deeper: str | None = None
    entries: list[Entry] = field(default_factory=list)
    spaced: bool = False
    title: str = ""
    regular: bool = True
    inline: bool = False


@dataclass
class Layout:
    """A docstring's sections, read from its content lines.

    Attributes:
        style: The style the sections are written in, or None when there are none.
        sections: The sections, in order.
        margin: The docstring's own indentation (that of its least indented line after the first).
        mixed: The styles found when the docstring mixes more than one.
    """

    style: str | None
    sections: list[Section]
    margin: str
    mixed: tuple[str, ...] = ()

    def names(self, *keys: str) -> list[str]:
        """Every name documented in the sections of some keys.

        Args:
            *keys: Section keys, e.g. ``params``.

        Returns:
            The names, in order.
        """
        return [name for s in self.sections if s.key in keys for e in s.entries for name in e.names]

    def has(self, key: str) -> bool:
        """Whether a section of a key is there.

        Args:
            key: A section key.

        Returns:
            True when at least one section has it.
        """
        return any(s.key == key for s in self.sections)

    def first(self, key: str) -> Section | None:
        """Return the first section of a key.

        Args:
            key: A section key.

        Returns:
            The section, or None.
        """
        return next((s for s in self.sections if s.key == key), None)


def opens_with_section(texts: list[str]) -> bool:
    """Whether a docstring's first line (right after the quotes) starts a section instead of a summary.

    Args:
        texts: The docstring's content lines, as for :func:`read_layout`.

    Returns:
        True when it is a Google header of a part ``--update`` inserts (``Args:``), a Sphinx field
        (``:param x: ...``) or a NumPy title over dashes.
    """
    first = texts[0]
    header = _GOOGLE_HEADER.match(first) or _GOOGLE_INLINE.match(first)
    if header and GOOGLE_TITLES.get(" ".join(header.group(1).lower().split()), (OTHER, None))[0] != OTHER:
        return True
    field = _FIELD.match(first)
    if field and field.group(1).lower() in SPHINX_FIELDS:
        return True
    return first.strip() in NUMPY_TITLES and len(texts) > 1 and bool(_UNDERLINE.match(texts[1]))


def _depth(line: str) -> int:
    return indent_columns(leading_indent(line))


def read_layout(texts: list[str], default_indent: str) -> Layout:
    """Read the sections of a docstring from its content lines.

    Args:
        texts: The docstring's lines as in the source, without the quotes: the first is the text after the
            opening quotes, the last the text before the closing ones.
        default_indent: The indentation to use as the margin when no line after the first has text.

    Returns:
        The layout; ``style`` is None when no section is found, and ``mixed`` names the styles when more than
        one is.
    """
    found = {Style.GOOGLE: _google(texts), Style.NUMPY: _numpy(texts), Style.SPHINX: _sphinx(texts)}
    styles = [style for style, sections in found.items() if any(s.key != OTHER for s in sections)] or \
        [style for style, sections in found.items() if sections and style != Style.SPHINX]
    lines = [line for line in texts[1:] if line.strip()]
    margin = min((leading_indent(line) for line in lines), key=indent_columns) if lines else default_indent
    if len(styles) > 1:
        return Layout(None, [], margin, tuple(str(s) for s in styles))
    style = styles[0] if styles else None
    return Layout(str(style) if style else None, found[style] if style else [], margin)


def _block_end(texts: list[str], start: int, stop: int, depth: int) -> int:
    """Return the last non-blank line from ``start`` on indented deeper than ``depth`` (else ``start - 1``)."""
    last = start - 1
    for index in range(start, stop):
        if texts[index].strip():
            if _depth(texts[index]) <= depth:
                break
            last = index
    return last


def _google(texts: list[str]) -> list[Section]:
    sections: list[Section] = []
    index = 1
    while index < len(texts):
        match = _GOOGLE_HEADER.match(texts[index])
        known = GOOGLE_TITLES.get(" ".join(match.group(1).lower().split())) if match else None
        if known is None:
            index = _inline(texts, index, sections)
            continue
        last = _block_end(texts, index + 1, len(texts), _depth(texts[index]))
        section = Section(known[0], known[1], index, max(last, index), index, leading_indent(texts[index]),
                          title=match.group(1) if match else "")
        _entries(section, texts, index + 1, last, _GOOGLE_ENTRY)
        following = next((line for line in texts[index + 1:] if line.strip()), None)
        if last < index + 1 and following is not None and not _GOOGLE_HEADER.match(following):
            section.regular = False  # "Args:" with its entries not indented under it
        sections.append(section)
        index = max(last, index) + 1
    return sections


def _inline(texts: list[str], index: int, sections: list[Section]) -> int:
    """Read ``Returns: the count.`` (a section's title with its text on the same line) as an irregular section.

    Only titles of what ``--update`` inserts count (not ``Note: ...``): such a line documents that part in the
    author's own form, and a section inserted next to it would say it twice or split it.

    Returns:
        The line to read next.
    """
    match = _GOOGLE_INLINE.match(texts[index])
    known = GOOGLE_TITLES.get(" ".join(match.group(1).lower().split())) if match else None
    if match is None or known is None or known[0] == OTHER:
        return index + 1
    last = max(_block_end(texts, index + 1, len(texts), _depth(texts[index])), index)
    sections.append(Section(known[0], known[1], index, last, index, leading_indent(texts[index]),
                            title=match.group(1), regular=False, inline=True))
    return last + 1


def _numpy(texts: list[str]) -> list[Section]:
    heads = [i for i in range(1, len(texts) - 1)
             if texts[i].strip() in NUMPY_TITLES and _UNDERLINE.match(texts[i + 1])]
    sections: list[Section] = []
    for position, head in enumerate(heads):
        stop = heads[position + 1] if position + 1 < len(heads) else len(texts)
        last = max([i for i in range(head + 2, stop) if texts[i].strip()], default=head + 1)
        key, rank = NUMPY_TITLES[texts[head].strip()]
        section = Section(key, rank, head, last, head + 1, leading_indent(texts[head]), title=texts[head].strip())
        _entries(section, texts, head + 2, last, _NUMPY_ENTRY)
        sections.append(section)
    return sections


def _entries(section: Section, texts: list[str], start: int, last: int, pattern: re.Pattern[str]) -> None:
    """Find a headed section's entries: the lines at the indentation of its first line of text."""
    lines = [i for i in range(start, last + 1) if texts[i].strip()]
    if not lines or section.key in (OTHER, RETURNS, YIELDS):
        return
    depth = _depth(texts[lines[0]])
    section.entry_indent = leading_indent(texts[lines[0]])
    for index in lines:
        if _depth(texts[index]) > depth:
            section.deeper = section.deeper or leading_indent(texts[index])
            if section.entries:
                section.entries[-1].last = index
            continue
        if section.entries and section.entries[-1].last < index - 1:
            section.spaced = True
        match = pattern.match(texts[index])
        section.regular = section.regular and match is not None
        names = _names(section.key, match.group(1)) if match else []
        section.entries.append(Entry(names, index, index, bool(match and match.group(2) and
                                                            match.group(2).strip(" \t:()"))))


def _names(key: str, written: str) -> list[str]:
    if key == RAISES:
        return [name.strip() for name in written.split(",") if name.strip()]
    return bare_names(written)


def _sphinx(texts: list[str]) -> list[Section]:
    sections: list[Section] = []
    index = 1
    while index < len(texts):
        match = _FIELD.match(texts[index])
        if match is None:
            index += 1
            continue
        key, rank = SPHINX_FIELDS.get(match.group(1).lower(), (OTHER, None))
        last = _block_end(texts, index + 1, len(texts), _depth(texts[index]))
        last = max(last, index)
        argument = match.group(2).split()
        names = _names(key, argument[-1]) if argument and key != RAISES else _names(key, match.group(2))
        entry = Entry(names if key != OTHER else [], index, last, match.group(1).lower() == "type")
        previous = sections[-1] if sections else None
        if previous is not None and previous.key == key and previous.last == index - 1:
            previous.entries.append(entry)
            previous.last = last
        else:
            sections.append(Section(key, rank, index, last, index - 1, leading_indent(texts[index]),
                                    leading_indent(texts[index]), entries=[entry], title=f":{match.group(1)}:"))
        continuation = next((line for line in texts[index + 1:last + 1] if line.strip()), None)
        if continuation is not None:
            sections[-1].deeper = sections[-1].deeper or leading_indent(continuation)
        index = last + 1
    return sections
