"""``--update``: insert what an existing docstring misses, and leave every line its author wrote as it is.

The docstring is edited as a careful colleague would, line by line, never re-rendered:

* its own source lines are read (:mod:`~docgen_magic.core.layout`): the style (Google, NumPy or Sphinx, from
  its sections; the configured style when it has none), each section's lines and the indentation of its
  headers, entries and continuation lines;
* the parts the code needs and the docstring lacks (parameters, Returns, Yields, Raises, attributes) are
  written from a model's answer or the offline drafts, laid out in that style and inserted where the style
  puts them: a parameter after the entry of the one before it in the signature, a section after the section
  that precedes it in the style's order (numpydoc's for NumPy), or after the last line when there are no
  sections — in the author's indentation;
* every other line stays byte for byte: wrapping, punctuation, doctests, quotes and prefix. Two edits touch an
  author's line without changing a character of their text: closing quotes that share the last line move to
  their own line when something is inserted after it, and an ``r`` prefix is added when the new text has a
  backslash and the author's has none (otherwise the new text's backslashes are escaped instead);
* entries the code no longer has (a renamed parameter) are reported as stale and left in place: removing
  them is the author's call.

When an insertion cannot be made without touching the author's text (styles mixed in one docstring, sections
out of the style's order around the gap, a section whose entries do not read as the style's entries, a string
that is not one triple-quoted literal on lines of its own, a line continuation where the new text goes), the
target is reported with the reason and left alone. The edited literal is evaluated and compared with the
original value with the new text spliced in before anything is written.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Any

from docgen_magic.core import drafts
from docgen_magic.core.cell import Cell, char_col, leading_indent, line_ending
from docgen_magic.core.facts import Target
from docgen_magic.core.layout import Layout, Section, opens_with_section, read_layout
from docgen_magic.core.model import ArgDoc, AttributeDoc, Docstring, RaisesDoc, ReturnsDoc, YieldsDoc
from docgen_magic.core.render import sections as render_sections
from docgen_magic.core.render.text import indent_columns
from docgen_magic.core.rules import (
    Style,
    is_raised,
    needs_returns_section,
    needs_yields,
    undocumented_raises,
    unknown_params,
)
from docgen_magic.core.titles import ATTRIBUTES, PARAM_KEYS, PARAMS, RAISES, RETURNS, YIELDS, rank

_OPENING = re.compile(r"([A-Za-z]*)(\"\"\"|''')")
_HEADER_LINES = {Style.GOOGLE: 1, Style.NUMPY: 2, Style.SPHINX: 0}
_ITEM = "    "  # the renderers' item indentation, one level


@dataclass
class Changes:
    """What ``--update`` did to one docstring.

    Attributes:
        added: Parts inserted, e.g. ``parameter limit``, ``Returns``, ``Raises ValueError``.
        stale: Entries for what the code no longer has, e.g. ``parameter old``: reported, left in place.
        style: The style the docstring was read and edited in.
        notes: Edits of the author's lines that keep their text (closing quotes moved, ``r`` prefix added).
        refused: Why the docstring was left alone, when it could not be edited without touching the author's
            text; None otherwise.
    """

    added: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    style: str = Style.GOOGLE
    notes: list[str] = field(default_factory=list)
    refused: str | None = None

    @property
    def needs_author(self) -> bool:
        """True when the author has something to do: a docstring left alone, or stale entries."""
        return bool(self.refused or self.stale)

    def summary(self) -> str:
        """One line for the report.

        Returns:
            E.g. ``added parameter limit, Returns; stale, left in place: parameter old``, or why it was left alone.
        """
        parts = [f"--update left it as is: {self.refused}"] if self.refused else []
        if self.added and not self.refused:
            parts.append("added " + ", ".join(self.added))
        if self.stale:
            parts.append("stale, left in place: " + ", ".join(self.stale))
        parts += self.notes
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """Return the changes as JSON-ready data.

        Returns:
            added, stale, style, notes and refused.
        """
        return {"added": list(self.added), "stale": list(self.stale), "style": str(self.style),
                "notes": list(self.notes), "refused": self.refused}


@dataclass(frozen=True)
class Part:
    """One part a docstring misses.

    Attributes:
        label: How the report names it, e.g. ``parameter limit``.
        key: The section it belongs to (``params``, ``returns``, ``yields``, ``raises``, ``attributes``).
        name: The parameter, exception or attribute; ``""`` for Returns and Yields.
    """

    label: str
    key: str
    name: str = ""


@dataclass(frozen=True)
class Literal:
    """An existing docstring literal, as it sits in the cell's lines.

    Attributes:
        lines: Its lines in the cell, without line endings (the first and last whole, with what surrounds it).
        start: The 0-based index of its first line in the cell's lines.
        column: Where the literal (its prefix) starts in the first line.
        end: Where it ends (after the closing quotes) in the last line.
        prefix: Its string prefix, e.g. ``r`` or ``""``.
        quote: ``\"\"\"`` or ``'''``.
        texts: Its content, line by line: the text after the opening quotes on the first line, the text
            before the closing quotes on the last.
        value: The string it evaluates to.
    """

    lines: list[str]
    start: int
    column: int
    end: int
    prefix: str
    quote: str
    texts: list[str]
    value: str

    @property
    def raw(self) -> bool:
        """Whether the literal is a raw string."""
        return "r" in self.prefix.lower()


@dataclass(frozen=True)
class Plan:
    """An existing docstring read for ``--update``: its layout and what it misses.

    Attributes:
        literal: The docstring literal in the cell.
        layout: Its sections.
        style: The style it is edited in: its own, or the configured one when it has no sections.
        missing: The parts to insert, in order.
        stale: Entries for parameters the code no longer has.
    """

    literal: Literal
    layout: Layout
    style: str
    missing: list[Part]
    stale: list[str]

    @property
    def labels(self) -> tuple[str, ...]:
        """The missing parts' labels, for the model's prompt and the report."""
        return tuple(part.label for part in self.missing)


@dataclass(frozen=True)
class Edited:
    """A docstring with its gaps filled.

    Attributes:
        lines: The literal's new lines, whole (indentation and what surrounds the literal included), without
            line endings; they replace :attr:`Literal.lines`.
        value: The string the new literal evaluates to.
        changes: What was inserted and reported.
    """

    lines: list[str]
    value: str
    changes: Changes


def plan(target: Target, cell: Cell, default_style: str) -> Plan | str:
    """Read an existing docstring and find what it misses.

    Args:
        target: A documented target extracted from ``cell``.
        cell: The parsed cell.
        default_style: The style for a docstring without sections of its own.

    Returns:
        The plan (its ``missing`` is empty when the docstring is complete), or why the docstring cannot be
        edited without touching the author's text.
    """
    literal = _literal(target, cell)
    if isinstance(literal, str):
        return literal
    if opens_with_section(literal.texts):  # where its sections end cannot be told from their indentation
        return "it opens with a section instead of a summary"
    layout = read_layout(literal.texts, leading_indent(literal.lines[0]))
    if layout.mixed:
        return f"it mixes docstring styles ({', '.join(layout.mixed)})"
    missing, stale = _missing(target, layout)
    return Plan(literal, layout, layout.style or default_style, missing, stale)


def _literal(target: Target, cell: Cell) -> Literal | str:
    """Find the docstring literal's own lines in the cell, or say why they cannot be edited line by line."""
    node = target.node
    body = getattr(node, "body", None)
    if not body or not isinstance(body[0], ast.Expr) or not isinstance(body[0].value, ast.Constant) \
            or not isinstance(body[0].value.value, str):
        return "it has no docstring literal"
    doc, value = body[0], body[0].value.value
    first, last = doc.lineno, doc.end_lineno or doc.lineno
    originals = [cell.original_line(number) for number in range(first, last + 1)]
    if originals[0] is None or originals != list(range(originals[0], originals[0] + len(originals))):
        return "its lines are rewritten by IPython"
    start = originals[0] - 1
    cell_lines = cell.lines[start:start + len(originals)]
    if any(line_ending(line) != cell.newline for line in cell_lines[:-1]):
        return "its lines mix line endings"
    lines = [line[: len(line) - len(line_ending(line))] for line in cell_lines]
    if lines != [line.rstrip("\r\n") for line in cell.python_lines[first - 1:last]]:
        return "its lines are rewritten by IPython"
    column, end = char_col(lines[0], doc.col_offset), char_col(lines[-1], doc.end_col_offset or 0)
    if lines[0][:column].strip(" \t\f") or lines[-1][end:].strip():
        return "it shares its lines with other code or a comment"
    segment = "\n".join([lines[0][column:], *lines[1:]])[: len("\n".join(lines)) - len(lines[-1]) + end - column]
    opening = _OPENING.match(segment)
    if opening is None or not _one_string(segment):
        return "it is not one triple-quoted string"
    prefix, quote = opening.groups()
    texts = [*([segment[opening.end():]] if len(lines) == 1 else
               [lines[0][column + opening.end():], *lines[1:-1], lines[-1][:end]])]
    texts[-1] = texts[-1][: len(texts[-1]) - len(quote)]
    return Literal(lines, start, column, end, prefix, quote, texts, value)


def _one_string(segment: str) -> bool:
    """Whether a piece of source is exactly one string token (not implicitly concatenated ones)."""
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(segment).readline)
                  if t.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER)]
    except (tokenize.TokenError, SyntaxError):
        return False
    return len(tokens) == 1 and tokens[0].type == tokenize.STRING


def _missing(target: Target, layout: Layout) -> tuple[list[Part], list[str]]:
    """Find the parts the code needs that the docstring lacks, and its entries for parameters the code lacks."""
    documented = layout.names(*PARAM_KEYS)
    parts = [Part(f"parameter {p.display_name}", PARAMS, p.name) for p in target.params if p.name not in documented]
    stale = [f"parameter {name}" for name in unknown_params(target, documented)]
    if needs_returns_section(target) and not layout.has(RETURNS):
        parts.append(Part("Returns", RETURNS))
    if needs_yields(target) and not layout.has(YIELDS):
        parts.append(Part("Yields", YIELDS))
    raised = undocumented_raises(target, layout.names(RAISES))
    parts += [Part(f"Raises {name}", RAISES, name) for name in raised]
    if target.is_class:
        named = set(layout.names(ATTRIBUTES))
        parts += [Part(f"attribute {a.name}", ATTRIBUTES, a.name) for a in target.attributes if a.name not in named]
    return parts, stale


def edit(plan: Plan, target: Target, answer: Docstring | None, *, width: int) -> Edited | str:
    """Insert the missing parts into the docstring's lines.

    Args:
        plan: The docstring as read by :func:`plan`, with something missing.
        target: The target, with the facts read from its code.
        answer: A model's conformed answer for the whole target, whose parts fill the gaps; None to write
            them from :mod:`~docgen_magic.core.drafts`.
        width: Maximum line width of new lines, indentation included.

    Returns:
        The edited lines and value, or why the parts cannot be inserted without touching the author's text.
    """
    inserts: dict[int, list[str]] = {}
    sectioned: set[int] = set()
    content = _content(plan.missing, target, answer)
    keys = sorted((PARAMS, RETURNS, YIELDS, RAISES, ATTRIBUTES), key=lambda k: rank(plan.style, k))
    for key in keys:  # new sections at one place go in the style's order
        parts = [p for p in plan.missing if p.key == key]
        if not parts:
            continue
        section = plan.layout.first(key)
        placed = (_entries_into(plan, section, parts, content, target, width, inserts) if section is not None
                  else _new_section(plan, key, parts, content, target, width, inserts, sectioned))
        if placed is not None:
            return placed
    return _assemble(plan, inserts, sectioned)


def _content(parts: list[Part], target: Target, answer: Docstring | None) -> Docstring:
    """Write the missing parts' text: the answer's where it has them, else the offline drafts'."""
    answers = {a.name.lstrip("*"): a for a in answer.args} if answer is not None else {}
    by_name = {p.name: p for p in target.params}
    args = []
    for part in (p for p in parts if p.key == PARAMS):
        param = by_name[part.name]
        given = answers.get(param.name)
        text = given.description if given is not None else drafts.param_text(target, param)
        args.append(ArgDoc(param.display_name, param.annotation, drafts.with_default(text, param)))
    keys = {p.key for p in parts}
    returns = yields = None
    if RETURNS in keys:
        text = answer.returns.description if answer is not None and answer.returns else drafts.returns_text(target)
        returns = ReturnsDoc(target.returns_annotation, text)
    if YIELDS in keys:
        yields = (answer.yields if answer is not None and answer.yields
                  else YieldsDoc(None, drafts.yields_text(target)))
    raises = []
    for part in (p for p in parts if p.key == RAISES):
        given_raise = next((r for r in (answer.raises if answer else []) if is_raised(r.exception, [part.name])), None)
        raises.append(RaisesDoc(part.name, given_raise.description if given_raise
                                else drafts.raise_text(target, part.name)))
    extra = {a.name: a.description for a in (answer.attributes if answer else [])}
    annotations = {a.name: a.annotation for a in target.attributes}
    attributes = [AttributeDoc(p.name, annotations.get(p.name), extra.get(p.name) or
                               drafts.attribute_text(target, p.name)) for p in parts if p.key == ATTRIBUTES]
    return Docstring(summary="", args=args, returns=returns, yields=yields, raises=raises, attributes=attributes)


def _only(content: Docstring, key: str, names: set[str], typed: bool) -> Docstring:
    """Keep the part of the content for one section (and some of its entries), with or without types."""
    return Docstring(
        summary="",
        args=[ArgDoc(a.name, a.type if typed else None, a.description) for a in content.args
              if key == PARAMS and a.name.lstrip("*") in names],
        returns=content.returns if key == RETURNS else None,
        yields=content.yields if key == YIELDS else None,
        raises=[r for r in content.raises if key == RAISES and r.exception in names],
        attributes=[AttributeDoc(a.name, a.type if typed else None, a.description) for a in content.attributes
                    if key == ATTRIBUTES and a.name in names])


@dataclass(frozen=True)
class _Indents:
    """The author's indentation for a section's header, its entries and their deeper lines."""

    header: str
    entry: str
    deeper: str


def _step(margin: str) -> str:
    return "\t" if margin.endswith("\t") else _ITEM


def _relative(outer: str | None, inner: str | None, default: str) -> str:
    """``inner`` minus ``outer`` when one extends the other, else ``default``."""
    return inner[len(outer):] if outer is not None and inner is not None and inner.startswith(outer) else default


def _indents_of(section: Section, style: str, step: str) -> _Indents:
    entry = section.entry_indent or (section.indent + step if style == Style.GOOGLE else section.indent)
    return _Indents(section.indent, entry, section.deeper or entry + step)


def _new_indents(layout: Layout, style: str) -> _Indents:
    """Indent a new section like the author's sections, else at the docstring's margin."""
    step = _step(layout.margin)
    model = next((s for s in layout.sections if s.entry_indent is not None), None)
    header = layout.sections[0].indent if layout.sections else layout.margin
    entry_step = step if style == Style.GOOGLE else ""
    deeper_step = step
    if model is not None:
        entry_step = _relative(model.indent, model.entry_indent, entry_step) if style != Style.SPHINX else ""
        if model.deeper is not None and model.entry_indent is not None and \
                model.deeper.startswith(model.entry_indent) and model.deeper != model.entry_indent:
            deeper_step = model.deeper[len(model.entry_indent):]
    return _Indents(header, header + entry_step, header + entry_step + deeper_step)


def _render(style: str, doc: Docstring, target: Target, indents: _Indents, width: int) -> list[list[str]]:
    """Lay out the parts in the style, wrapped to fit the author's indentation."""
    deep = (8 if style == Style.GOOGLE else 4)
    entry = 4 if style == Style.GOOGLE else 0
    columns = width - max(indent_columns(indents.deeper) - deep, indent_columns(indents.entry) - entry,
                          indent_columns(indents.header))
    return render_sections(doc, target, style=style, columns=max(columns, 20))


def _reindent(lines: list[str], style: str, indents: _Indents, headed: bool) -> list[str]:
    """Move rendered lines (items at four-space levels) to the author's indentation.

    Lines deeper than the first continuation level (a list's or a code block's inside new text) keep the
    spaces beyond it.
    """
    out = []
    header_lines = _HEADER_LINES[Style(style)] if headed else 0
    entry_level = 1 if style == Style.GOOGLE else 0
    for number, line in enumerate(lines):
        text = line.lstrip(" ")
        lead = len(line) - len(text)
        if not text:
            out.append("")
        elif number < header_lines:
            out.append(indents.header + text)
        elif lead < len(_ITEM) * (entry_level + 1):
            out.append(indents.entry + text)
        else:
            out.append(indents.deeper + " " * (lead - len(_ITEM) * (entry_level + 1)) + text)
    return out


def _entries_into(plan: Plan, section: Section, parts: list[Part], content: Docstring, target: Target,
                  width: int, inserts: dict[int, list[str]]) -> str | None:
    """Insert entries into an existing section: parameters in signature order, others at its end."""
    style = plan.style
    if not section.regular:
        return f"its {section.title} section's entries do not read as {style} entries, so where new ones go is unclear"
    indents = _indents_of(section, style, _step(plan.layout.margin))
    typed = any(e.typed for e in section.entries) or not section.entries
    order = {p.name: i for i, p in enumerate(target.params)}
    for part in parts:
        [block] = _render(style, _only(content, part.key, {part.name}, typed), target, indents, width) or [[]]
        lines = _reindent(block[_HEADER_LINES[Style(style)]:], style, indents, headed=False)
        if not lines:
            return f"cannot lay out {part.label}"
        after, before_first = _entry_point(section, order.get(part.name) if part.key == PARAMS else None, order)
        if section.spaced:
            lines = [*lines, ""] if before_first else ["", *lines]
        inserts.setdefault(after, []).extend(lines)
    return None


def _entry_point(section: Section, index: int | None, order: dict[str, int]) -> tuple[int, bool]:
    """Where a new entry goes: after the entry of the parameter before it, else before the one after it.

    Returns:
        The line to insert after, and whether that puts it before the section's first entry.
    """
    if index is None or not section.entries:
        return (section.last if section.entries else section.body), False
    ranked = [(min(order[n] for n in e.names if n in order), e) for e in section.entries
              if any(n in order for n in e.names)]
    before = [e for rank, e in ranked if rank < index]
    after = [e for rank, e in ranked if rank > index]
    if before:
        previous = max(before, key=lambda e: e.start)
        if any(e.start < previous.start for e in after):  # the author's order is not the signature's
            return section.last, False
        return previous.last, False
    if after:
        following = min(after, key=lambda e: e.start)
        return following.start - 1, following is section.entries[0]
    return section.last, False


def _new_section(plan: Plan, key: str, parts: list[Part], content: Docstring, target: Target, width: int,
                 inserts: dict[int, list[str]], sectioned: set[int]) -> str | None:
    """Insert a whole new section where the style's order puts it."""
    style, layout = plan.style, plan.layout
    indents = _new_indents(layout, style)
    blocks = _render(style, _only(content, key, {p.name for p in parts}, True), target, indents, width)
    if not blocks:
        return f"cannot lay out {', '.join(p.label for p in parts)}"
    lines = _reindent(blocks[0], style, indents, headed=True)
    point = _section_point(plan, key)
    if isinstance(point, str):
        return point
    after, adjacent = point
    adjacent = adjacent or (style == Style.SPHINX and after in sectioned)  # one field list, however many fields
    inserts.setdefault(after, []).extend(lines if adjacent else ["", *lines])
    if not adjacent:
        sectioned.add(after)
    return None


def _section_point(plan: Plan, key: str) -> tuple[int, bool] | str:
    """Where a new section goes, and whether it joins other fields directly (Sphinx) or needs blank lines.

    Returns:
        The line to insert after and the adjacency, or why the place cannot be told.
    """
    place = rank(plan.style, key)
    sections = plan.layout.sections
    fields = plan.style == Style.SPHINX
    ranked = [s for s in sections if s.rank is not None]
    before = [s for s in ranked if s.rank is not None and s.rank < place]
    after = [s for s in ranked if s.rank is not None and s.rank > place]
    if before:
        previous = max(before, key=lambda s: s.start)
        if any(s.start < previous.start for s in after):
            names = ", ".join(sorted({s.key for s in before + after}))
            return f"its sections ({names}) are not in the {plan.style} order, so where {key} goes is unclear"
        if not previous.regular and previous.last == previous.start and not previous.inline:  # where does it end?
            return f"its {previous.title} section's text is not laid out as {plan.style} entries, so where " \
                   f"{key} goes is unclear"
        return previous.last, fields
    following = min(after or sections, key=lambda s: s.start) if (after or sections) else None
    if following is not None:
        if fields:
            return following.start - 1, True
        return _last_text_before(plan.literal.texts, following.start), False
    return _last_text_before(plan.literal.texts, len(plan.literal.texts)), False


def _last_text_before(texts: list[str], stop: int) -> int:
    return max((i for i in range(stop) if texts[i].strip()), default=0)


def _assemble(plan: Plan, inserts: dict[int, list[str]], sectioned: set[int]) -> Edited | str:
    """Build the new literal lines, encode the new text for the literal, and check the value."""
    literal = plan.literal
    texts, lines = literal.texts, list(literal.lines)
    if not any(t.strip() for t in texts):
        return "it has no text to add to"
    changes = Changes(added=list(plan.labels), stale=list(plan.stale), style=plan.style)
    new_text = [line for block in inserts.values() for line in block]
    needs_backslash = any("\\" in line for line in new_text)
    prefix = literal.prefix
    escape = False
    if needs_backslash and not literal.raw:
        if "\\" not in "\n".join(literal.lines) and "u" not in prefix.lower():
            prefix = "r" + prefix
            lines[0] = lines[0][: literal.column] + "r" + lines[0][literal.column:]
            changes.notes.append("added the r prefix (the new text has backslashes)")
        else:
            escape = True
    if any(literal.quote in line for line in new_text):
        return "the new text would contain the docstring's own quotes"
    last = len(lines) - 1
    closing = ""
    if last in inserts and texts[last].strip():  # the closing quotes share the author's last line
        cut = len(lines[last]) - (len(literal.lines[last]) - literal.end) - len(literal.quote)
        closing = leading_indent(lines[0]) + lines[last][cut:]
        lines[last] = lines[last][:cut]
        changes.notes.append("moved the closing quotes to their own line")
    out: list[str] = []
    pieces: list[tuple[int, str]] = []
    for index, line in enumerate(lines):
        out.append(line)
        block = list(inserts.get(index, []))
        if not block:
            continue
        if index in sectioned and index + 1 < len(texts) and texts[index + 1].strip():
            block.append("")  # a new section ends with a blank line before the author's next text
        out += [(b.replace("\\", "\\\\") if escape else b) for b in block]
        pieces.append((index, "\n".join(block) + "\n"))
    if closing:
        out.append(closing)
    return _checked(plan, out, pieces, changes)


def _checked(plan: Plan, out: list[str], pieces: list[tuple[int, str]], changes: Changes) -> Edited | str:
    """Evaluate the new literal and compare it with the old value plus the new text at its places."""
    literal = plan.literal
    joined = "\n".join([out[0][literal.column:], *out[1:]])
    segment = joined[: len(joined) - (len(literal.lines[-1]) - literal.end)]
    try:
        value = ast.literal_eval(segment)
    except (SyntaxError, ValueError):
        return "the new text cannot be put into this literal"
    expected = literal.value
    for index, text in reversed(pieces):
        if index == len(literal.texts) - 1:
            expected = expected + "\n" + text + leading_indent(literal.lines[0])
            continue
        offset = _offset(literal, index)
        if offset is None:
            return "a line continuation inside the docstring is where the new text goes"
        expected = expected[:offset] + text + expected[offset:]
    if value != expected:
        return "the new text cannot be inserted without changing the author's text"
    return Edited(out, value, changes)


def _offset(literal: Literal, index: int) -> int | None:
    """Where in the value the line after content line ``index`` starts."""
    head = "\n".join(literal.texts[: index + 1])
    try:
        value = ast.literal_eval(f"{literal.prefix}{literal.quote}{head}\n{literal.quote}")
    except (SyntaxError, ValueError):
        return None
    if not isinstance(value, str) or not value.endswith("\n") or not literal.value.startswith(value):
        return None
    return len(value)
