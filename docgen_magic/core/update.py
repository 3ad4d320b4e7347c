"""``--update``: fill the gaps of an existing docstring and keep every word its author wrote.

The existing docstring is read with ``docstring_parser`` (its style detected: Google, NumPy or Sphinx).
Whatever the author wrote stays: the summary, the description and the text of every entry that still
matches the code. Parameters the code no longer has are removed, missing parameters and sections are added
(from a model's answer or from the offline drafts), parameters follow the signature's order, and the
result is rendered in the docstring's own style. A docstring with nothing missing, stale or out of order
is left byte for byte. Before anything is written, every word of the original (apart from removed entries)
must still be there; otherwise the target is left as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from docgen_magic.core import drafts
from docgen_magic.core.facts import Target
from docgen_magic.core.model import ArgDoc, AttributeDoc, Docstring, RaisesDoc, ReturnsDoc, YieldsDoc
from docgen_magic.core.rules import (
    Style,
    bare_names,
    is_raised,
    needs_returns_section,
    needs_yields,
    undocumented_raises,
)

_PARAM_KEYS = frozenset({"param", "parameter", "arg", "argument", "key", "keyword"})
_ATTRIBUTE_KEYS = frozenset({"attribute", "ivar", "cvar", "var"})
_WORDS = re.compile(r"[^\W_]+")


@dataclass
class Changes:
    """What ``--update`` did to one docstring.

    Attributes:
        added: Entries written anew, e.g. ``parameter limit``, ``Returns``, ``Raises ValueError``.
        removed: Entries dropped because the code no longer has them, e.g. ``parameter old``.
        kept: Entries whose author text was kept.
        reordered: True when parameters were put back in signature order.
        style: The style the docstring was read and re-rendered in.
    """

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    reordered: bool = False
    style: str = Style.GOOGLE

    @property
    def changed(self) -> bool:
        """True when anything was added, removed or reordered."""
        return bool(self.added or self.removed or self.reordered)

    def summary(self) -> str:
        """One line for the report.

        Returns:
            E.g. ``added parameter limit, Returns; removed parameter old; kept the author's summary``.
        """
        parts = []
        if self.added:
            parts.append("added " + ", ".join(self.added))
        if self.removed:
            parts.append("removed " + ", ".join(self.removed))
        if self.reordered:
            parts.append("put the parameters in signature order")
        if self.kept:
            listed = ", ".join(self.kept) if len(self.kept) <= 4 else f"{len(self.kept)} entries"
            parts.append(f"kept the author's {listed}")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """Return the changes as JSON-ready data.

        Returns:
            added, removed, kept, reordered and style.
        """
        return {"added": list(self.added), "removed": list(self.removed), "kept": list(self.kept),
                "reordered": self.reordered, "style": str(self.style)}


_STYLES = {"GOOGLE": Style.GOOGLE, "NUMPYDOC": Style.NUMPY, "REST": Style.SPHINX, "EPYDOC": Style.SPHINX}


def read_existing(text: str, default_style: str) -> tuple[Docstring, str] | None:
    """Read an existing docstring into the style-free model.

    Args:
        text: The docstring's value (raw, as in the code).
        default_style: The style to use when the docstring has no sections to tell its own.

    Returns:
        The content and its style, or None when the text cannot be read.
    """
    import docstring_parser

    try:
        parsed = docstring_parser.parse(text)
    except docstring_parser.ParseError:
        return None
    doc = Docstring(summary=(parsed.short_description or "").strip(),
                    description=(parsed.long_description or "").strip() or None)
    for meta in parsed.meta:
        key = meta.args[0] if meta.args else ""
        description = (meta.description or "").strip()
        if isinstance(meta, docstring_parser.DocstringParam) and key in _ATTRIBUTE_KEYS:
            doc.attributes.append(AttributeDoc(meta.arg_name.replace("\\", ""), meta.type_name, description))
        elif isinstance(meta, docstring_parser.DocstringParam) and key in _PARAM_KEYS:
            doc.args.append(ArgDoc(meta.arg_name.replace("\\", ""), meta.type_name, description))
        elif isinstance(meta, docstring_parser.DocstringReturns):
            value = (meta.type_name, description)
            if meta.is_generator:
                doc.yields = doc.yields or YieldsDoc(*value)
            else:
                doc.returns = doc.returns or ReturnsDoc(*value)
        elif isinstance(meta, docstring_parser.DocstringRaises):
            doc.raises.append(RaisesDoc(meta.type_name or "", description))
        else:
            return None  # a section this model cannot carry (Examples, Notes, ...): never lose it
    style = _STYLES.get(parsed.style.name) if parsed.meta and parsed.style is not None else None
    return doc, str(style or default_style)


def needs_update(target: Target, existing: Docstring) -> bool:
    """Whether an existing docstring misses, keeps stale or misorders anything the code states.

    Args:
        target: The target, with its docstring.
        existing: The docstring as read by :func:`read_existing`.

    Returns:
        True when :func:`merge` would change the structure.
    """
    return merge(existing, None, target)[1].changed


def merge(existing: Docstring, answer: Docstring | None, target: Target) -> tuple[Docstring, Changes]:
    """Give the existing docstring the code's structure, its gaps filled from an answer or the drafts.

    Args:
        existing: The docstring as the author wrote it.
        answer: A model's conformed answer for the whole target, whose parts fill the gaps; None to fill
            them from :mod:`~docgen_magic.core.drafts`.
        target: The target, with the facts read from its code.

    Returns:
        The merged docstring (types from the annotations where the author gave none) and what changed.
    """
    changes = Changes()
    by_name: dict[str, ArgDoc] = {}
    order: list[str] = []
    for arg in existing.args:
        for name in bare_names(arg.name):
            by_name.setdefault(name, arg)
            order.append(name)
    known = [p.name for p in target.params]
    changes.removed += [f"parameter {n}" for n in dict.fromkeys(order) if n not in known]
    present = [n for n in dict.fromkeys(order) if n in known]
    changes.reordered = present != [n for n in known if n in present]
    answers = {a.name.lstrip("*"): a for a in answer.args} if answer is not None else {}
    args = []
    for param in target.params:
        mine = by_name.get(param.name)
        if mine is not None and mine.description:
            changes.kept.append(f"parameter {param.display_name}")
            args.append(ArgDoc(param.display_name, mine.type or param.annotation, mine.description))
            continue
        new = answers.get(param.name)
        text = new.description if new is not None else drafts.param_text(target, param)
        args.append(ArgDoc(param.display_name, param.annotation, drafts.with_default(text, param)))
        changes.added.append(f"parameter {param.display_name}")
    returns = _section(existing.returns, answer.returns if answer else None, needs_returns_section(target),
                       "Returns", changes, lambda: ReturnsDoc(None, drafts.returns_text(target)))
    if returns is not None and existing.returns is None:
        returns = ReturnsDoc(target.returns_annotation if not target.is_generator else None, returns.description)
    yields = _section(existing.yields, answer.yields if answer else None, needs_yields(target), "Yields",
                      changes, lambda: YieldsDoc(None, drafts.yields_text(target)))
    raises = list(existing.raises)
    changes.kept += [f"Raises {r.exception}" for r in raises if is_raised(r.exception, target.raises)]
    for name in undocumented_raises(target, [r.exception for r in raises]):
        given = next((r for r in (answer.raises if answer else []) if is_raised(r.exception, [name])), None)
        raises.append(RaisesDoc(name, given.description if given else drafts.raise_text(target, name)))
        changes.added.append(f"Raises {name}")
    attributes = list(existing.attributes)
    if target.is_class:
        named = {a.name for a in attributes}
        changes.kept += [f"attribute {a.name}" for a in attributes]
        extra = {a.name: a for a in (answer.attributes if answer else [])}
        for attribute in target.attributes:
            if attribute.name not in named:
                extra_text = extra[attribute.name].description if attribute.name in extra else None
                attributes.append(AttributeDoc(attribute.name, attribute.annotation,
                                               extra_text or drafts.attribute_text(target, attribute.name)))
                changes.added.append(f"attribute {attribute.name}")
    summary = existing.summary or (answer.summary if answer else drafts.summary_for(target))
    if not existing.summary:
        changes.added.insert(0, "summary")
    else:
        changes.kept[:0] = ["summary"] + (["description"] if existing.description else [])
    merged = Docstring(summary=summary, description=existing.description, args=args, returns=returns,
                       yields=yields, raises=raises, attributes=attributes)
    return merged, changes


def _section(mine: Any, given: Any, needed: bool, label: str, changes: Changes, draft: Any) -> Any:
    """Keep the author's section; add the answer's or the draft's when the code needs one and none exists."""
    if mine is not None:
        changes.kept.append(label)
        return mine
    if not needed:
        return None
    changes.added.append(label)
    return given if given is not None else draft()


def words_kept(original: str, updated: str, removed: list[str], existing: Docstring) -> list[str]:
    """List the words of the original docstring missing from the update (those of removed entries excepted).

    Args:
        original: The docstring's value before.
        updated: The rendered docstring after.
        removed: Labels of removed entries (``parameter old``).
        existing: The original content, to find the removed entries' text.

    Returns:
        The lost words; empty when every word the author wrote is still there.
    """
    gone = {label.split(" ", 1)[1] for label in removed}
    dropped = " ".join(f"{a.name} {a.type or ''} {a.description}" for a in existing.args
                       if set(bare_names(a.name)) & gone)
    allowed = {w.lower() for w in _WORDS.findall(dropped)}
    after = {w.lower() for w in _WORDS.findall(updated)}
    return [w for w in dict.fromkeys(_WORDS.findall(original))
            if w.lower() not in after and w.lower() not in allowed]
