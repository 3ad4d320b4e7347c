"""Documentation coverage without any model: which targets lack a docstring, and what existing ones miss.

Existing docstrings are compared with the facts of the code: every parameter documented, no unknown ones,
Returns when a value is returned, Yields for generators, Raises for the exceptions raised directly. Which
sections a docstring has, and the names they document, are read as ``--update`` reads them
(:mod:`~docgen_magic.core.layout`); the descriptions are read with ``docstring_parser`` (style detected).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from docgen_magic.core.facts import Target, is_documented
from docgen_magic.core.layout import read_layout
from docgen_magic.core.observed import Observation, unsaid
from docgen_magic.core.rules import (
    Code,
    bare_names,
    is_placeholder,
    is_placeholder_entry,
    needs_returns_section,
    needs_yields,
    prose_fault,
    says_nothing,
    undocumented_raises,
    unknown_params,
    with_article,
)
from docgen_magic.core.titles import ATTRIBUTE_FIELDS, PARAM_FIELDS, PARAM_KEYS, RAISES, RETURNS, YIELDS


@dataclass(frozen=True)
class CheckFinding:
    """What one target's documentation lacks.

    Attributes:
        qualname: Dotted name of the target.
        lineno: 1-based line of its ``def`` / ``class`` in the cell.
        kind: Function, method, class, ...
        message: One line naming everything missing.
        codes: Short stable codes, one per gap (``no-docstring``, ``missing-param``, ...).
    """

    qualname: str
    lineno: int
    kind: str
    message: str
    codes: tuple[Code, ...] = field(default=())


def _parse(text: str) -> Any:
    """Read a docstring with docstring_parser (its style detected): the one reader of this module.

    docstring_parser is imported on first use: a run that checks nothing never pays for it.

    Args:
        text: The docstring.

    Returns:
        The parsed docstring, or None when it cannot be read.
    """
    import docstring_parser

    try:
        return docstring_parser.parse(text)
    except docstring_parser.ParseError:
        return None


def _parsed_names(text: str) -> tuple[list[str], bool, bool, list[str]]:
    """Parameter names, whether Returns / Yields sections exist, and the exceptions of a docstring.

    They are read as ``--update`` reads them (:func:`~docgen_magic.core.layout.read_layout`, with the titles of
    :mod:`~docgen_magic.core.titles`: ``Raise:`` and ``Keyword Args:`` as Napoleon reads them), so ``--check``
    never misses what ``--update`` found or added. A docstring that mixes styles, which ``--update`` leaves
    alone, is read by docstring_parser's choice of one style.
    """
    layout = read_layout(text.splitlines() or [""], "")
    if layout.mixed:
        parsed = _parse(text)
        return _names_of(parsed) if parsed is not None else ([], False, False, [])
    return layout.names(*PARAM_KEYS), layout.has(RETURNS), layout.has(YIELDS), layout.names(RAISES)


def _names_of(parsed: Any) -> tuple[list[str], bool, bool, list[str]]:
    names = [name for p in parsed.params if p.args and p.args[0] in PARAM_FIELDS for name in bare_names(p.arg_name)]
    returns = [r for r in parsed.many_returns if not r.is_generator]
    yields = [r for r in parsed.many_returns if r.is_generator]
    raises = [(r.type_name or "").strip() for r in parsed.raises]
    return names, bool(returns), bool(yields), raises


_ATTRIBUTE_KEYS = frozenset({"attribute", *ATTRIBUTE_FIELDS})  # Google / NumPy attributes read as "attribute"


def _entries(parsed: Any, target: Target) -> list[tuple[str, str | None, str, bool]]:
    """Every described part of a parsed docstring: (label, description, name, whether it is a placeholder).

    Placeholders are found in every section they can occur in, as each style's reader returns it:
    parameters, attributes (Sphinx's ``:ivar:`` comes back as a generic field), Returns and Yields (where an
    older ``TODO: ...`` is read as a type), Raises, the summary and the description.
    """
    import docstring_parser  # the classes of what _parse read (already imported by it)

    entries = [("summary", parsed.short_description, "", is_placeholder(parsed.short_description))]
    paragraphs = (parsed.long_description or "").split("\n\n")
    if any(is_placeholder(p) for p in paragraphs):
        entries.append(("description", parsed.long_description, "", True))
    for meta in parsed.meta:
        key = meta.args[0] if meta.args else ""
        if isinstance(meta, docstring_parser.DocstringParam):
            label = "attribute" if key in _ATTRIBUTE_KEYS else "parameter"
            name = meta.arg_name
        elif isinstance(meta, docstring_parser.DocstringReturns):
            entries.append(("Yields" if meta.is_generator else "Returns", meta.description, target.name,
                            is_placeholder_entry(meta.type_name, meta.description)))
            continue
        elif isinstance(meta, docstring_parser.DocstringRaises):
            name = meta.type_name or ""
            entries.append((f"Raises {name}".strip(), meta.description, name, is_placeholder(meta.description)))
            continue
        elif key in _ATTRIBUTE_KEYS and len(meta.args) > 1:
            label, name = "attribute", meta.args[-1]
        else:
            continue
        entries.append((f"{label} {name.replace(chr(92), '')}", meta.description, name,
                        is_placeholder(meta.description)))
    return entries


def _empty_words(target: Target) -> list[tuple[Code, str]]:
    """Descriptions of the docstring that are placeholders or only restate a name (the teaching check).

    Args:
        target: The target, with its existing docstring.

    Returns:
        At most one placeholder and one restated-name gap, each listing the entries concerned.
    """
    parsed = _parse(target.docstring or "")
    if parsed is None:
        return []
    found: dict[Code, list[str]] = {}
    for label, text, name, marked in _entries(parsed, target):
        code = Code.PLACEHOLDER if marked else None
        if code is None and label not in ("summary", "description"):
            code = says_nothing(text, name, value=label in ("Returns", "Yields"))
        if code is not None:
            found.setdefault(code, []).append(label)
    gaps = []
    if Code.PLACEHOLDER in found:
        gaps.append((Code.PLACEHOLDER, f"placeholder text still to write: {', '.join(found[Code.PLACEHOLDER])}"))
    if Code.RESTATED_NAME in found:
        gaps.append((Code.RESTATED_NAME, "says nothing beyond the name: "
                                         f"{', '.join(found[Code.RESTATED_NAME])}"))
    return gaps


def _prose_gaps(target: Target) -> list[tuple[Code, str]]:
    """Prose of the docstring that says nothing, carries markup or contradicts the code (the rule book's rule).

    Args:
        target: The target, with its existing docstring.

    Returns:
        At most one gap per kind of fault, naming the parts concerned and the words at fault.
    """
    import docstring_parser  # the classes of what _parse read (already imported by it)

    parsed = _parse(target.docstring or "")
    if parsed is None:
        return []
    entries: list[tuple[str, str, str | None]] = [("summary", "summary", parsed.short_description),
                                                  ("description", "description", parsed.long_description)]
    for meta in parsed.meta:
        if isinstance(meta, docstring_parser.DocstringParam):
            entries.append(("param", f"parameter {meta.arg_name.replace(chr(92), '')}", meta.description))
        elif isinstance(meta, docstring_parser.DocstringReturns):
            part = "yields" if meta.is_generator else "returns"
            entries += [(part, part.capitalize(), meta.type_name), (part, part.capitalize(), meta.description)]
        elif isinstance(meta, docstring_parser.DocstringRaises):
            entries.append(("raises", f"Raises {meta.type_name or ''}".strip(), meta.description))
    found: dict[Code, list[str]] = {}
    for part, label, text in entries:
        fault = prose_fault(text, target, part=part)
        if fault is None:
            continue
        if fault.code is Code.VACUOUS:
            found.setdefault(fault.code, []).append(f'{label} ("{fault.found}")')
        elif fault.code is Code.VACUOUS_SUMMARY:
            found.setdefault(fault.code, []).append(f'talks about the code ("{fault.found}") instead of saying what '
                                                    "it does" if fault.about_code else
                                                    f'says nothing beyond the name: "{fault.found}"')
        elif fault.code is Code.MARKUP:
            found.setdefault(fault.code, []).append(f'{label} ("{fault.found}")')
        else:
            found.setdefault(fault.code, []).append(f"{label} names {with_article(fault.found)}, the code returns "
                                                    f"{with_article(fault.expected)}")
    prefix = {Code.VACUOUS_SUMMARY: "summary ", Code.VACUOUS: "says nothing or talks about the code: ",
              Code.MARKUP: "markup in: ", Code.CONTRADICTS_CODE: ""}
    return [(code, prefix[code] + "; ".join(dict.fromkeys(texts))) for code, texts in found.items()]


def _unsaid_types(target: Target, observed: Observation | None) -> list[tuple[Code, str]]:
    """Parameters a live kernel saw called with a frame or an array that their docstring entry never mentions."""
    if observed is None or not observed.params:
        return []
    parsed = _parse(target.docstring or "")
    if parsed is None:
        return []
    documented = {name: f"{p.type_name or ''} {p.description or ''}" for p in parsed.params
                  for name in bare_names(p.arg_name)}
    found = unsaid(target, observed, documented)
    return [(Code.UNSAID_TYPE, f"seen in this kernel, the docstring does not say so: {', '.join(found)}")] \
        if found else []


def gaps(target: Target, observed: Observation | None = None) -> list[tuple[Code, str]]:
    """Return what a target's existing docstring lacks, compared with the code.

    Args:
        target: The target, with its existing docstring.
        observed: What a live kernel saw the target called with (a frame the docstring never mentions is a
            gap), or None.

    Returns:
        (code, text) pairs, empty when the docstring is complete.
    """
    if not is_documented(target):
        return [(Code.NO_DOCSTRING, "no docstring")]
    names, has_returns, has_yields, raises = _parsed_names(target.docstring or "")
    found: list[tuple[Code, str]] = []
    missing = [p.display_name for p in target.params if p.name not in names]
    if missing:
        found.append((Code.MISSING_PARAM, f"parameter(s) not documented: {', '.join(missing)}"))
    unknown = unknown_params(target, names)
    if unknown:
        found.append((Code.UNKNOWN_PARAM, f"documents parameter(s) not in the signature: {', '.join(unknown)}"))
    if needs_returns_section(target) and not has_returns:
        found.append((Code.MISSING_RETURNS, "returns a value but has no Returns section"))
    if needs_yields(target) and not has_yields:
        found.append((Code.MISSING_YIELDS, "is a generator but has no Yields section"))
    undocumented = undocumented_raises(target, raises)
    if undocumented:
        found.append((Code.MISSING_RAISE, f"raises {', '.join(undocumented)} but does not document it"))
    return found + _empty_words(target) + _prose_gaps(target) + _unsaid_types(target, observed)


def check_target(target: Target, observed: Observation | None = None) -> CheckFinding | None:
    """Check one target's documentation.

    Args:
        target: The target, with its existing docstring.
        observed: What a live kernel saw the target called with, or None.

    Returns:
        A finding naming what is missing, or None when the docstring is complete.
    """
    found = gaps(target, observed)
    if not found:
        return None
    return CheckFinding(qualname=target.qualname, lineno=target.lineno, kind=target.kind.value,
                        message="; ".join(text for _, text in found), codes=tuple(code for code, _ in found))


def coverage(targets: Sequence[Target],
             observed: Mapping[str, Observation] | None = None) -> tuple[int, int]:
    """How many targets are documented completely.

    Args:
        targets: The targets to count.
        observed: What a live kernel saw each target called with (qualname -> observation), or None.

    Returns:
        (complete, total).
    """
    observed = observed or {}
    complete = sum(1 for t in targets if not gaps(t, observed.get(t.qualname)))
    return complete, len(targets)


@dataclass
class CheckReport:
    """Documentation coverage of a cell, without any model call.

    Attributes:
        total: Targets found.
        complete: Targets whose docstring is complete.
        findings: What is missing, per target.
        notes: Remarks (e.g. a cell magic cell).
        cell_magic: The cell magic (``bash`` for ``%%bash``) whose body is not Python, so the cell was not
            read; None otherwise.
    """

    total: int
    complete: int
    findings: list[CheckFinding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cell_magic: str | None = None

    @property
    def ok(self) -> bool:
        """True when every target is complete."""
        return not self.findings
