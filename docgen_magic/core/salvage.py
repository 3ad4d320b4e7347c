"""Salvage: what is kept of answers that never passed validation, and what the code writes instead.

A model's answer is a witness checked against the code. When no attempt passes, the best one is kept: the one
with the most usable parts (a summary that says something, each real parameter with a description, the
sections the code has), then the fewest problems, then the latest. It is read part by part; a part that is
missing, malformed, vacuous or contradicts the code is written from the code's draft
(:mod:`~docgen_magic.core.drafts`) and named in a note; markup is removed when what is left reads as prose.
With no usable part in any answer, the code's own draft is used when it needs no placeholder; otherwise the
target fails, and the reason says what the code cannot tell.
"""

from __future__ import annotations

import dataclasses
import html
import re
from dataclasses import dataclass
from typing import Any

from docgen_magic.core import drafts
from docgen_magic.core.facts import Target
from docgen_magic.core.model import ArgDoc, AttributeDoc, Docstring, RaisesDoc, ReturnsDoc, YieldsDoc
from docgen_magic.core.observed import Observation
from docgen_magic.core.rules import (
    Code,
    bare_names,
    is_placeholder,
    is_raised,
    may_document_returns,
    prose_fault,
)
from docgen_magic.core.validate import Problem, conform_with_notes


@dataclass(frozen=True)
class Candidate:
    """One attempt's answer, read as far as it goes.

    Attributes:
        attempt: The attempt that gave it (1-based).
        docstring: The parts that could be read (possibly none), or None when nothing could be read.
        problems: The problems validation found in it.
        usable: How many of its parts can be shipped as written (see :func:`usable_parts`).
    """

    attempt: int
    docstring: Docstring | None
    problems: tuple[Problem, ...]
    usable: int

    @property
    def score(self) -> tuple[int, int, int]:
        """How good the answer is: the most usable parts, then the fewest problems, then the latest attempt."""
        return self.usable, -len(self.problems), self.attempt


def candidate(data: object, problems: list[Problem], target: Target, attempt: int) -> Candidate:
    """Read an answer that failed validation into a candidate for salvage.

    Args:
        data: The decoded answer (any shape), or None when it could not be decoded.
        problems: What validation found.
        target: The facts of the target (its code, parameters and sections).
        attempt: The attempt number.

    Returns:
        The candidate, scored.
    """
    doc = read_leniently(data)
    return Candidate(attempt, doc, tuple(problems), usable_parts(doc, target) if doc is not None else 0)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _items(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def read_leniently(data: object) -> Docstring | None:
    """Read every well-formed part of an answer, whatever the schema says of the rest.

    A part with a wrong shape (a number for a description, a string for a list) or an empty text is left out;
    a multi-line summary keeps its first line, the rest going to the description.

    Args:
        data: The decoded answer.

    Returns:
        The parts read (the summary may be empty), or None when the answer is not a JSON object.
    """
    if not isinstance(data, dict):
        return None
    summary, description = _text(data.get("summary")), _text(data.get("description"))
    if "\n" in summary:
        summary, _, rest = summary.partition("\n")
        description = "\n\n".join(part for part in (rest.strip(), description) if part)
    returns, yields = data.get("returns"), data.get("yields")
    return Docstring(
        summary=summary.strip(),
        description=description or None,
        args=[ArgDoc(name, _text(a.get("type")) or None, text) for a in _items(data.get("args"))
              if (name := _text(a.get("name"))) and (text := _text(a.get("description")))],
        returns=ReturnsDoc(_text(returns.get("type")) or None, _text(returns.get("description")))
        if isinstance(returns, dict) and _text(returns.get("description")) else None,
        yields=YieldsDoc(_text(yields.get("type")) or None, _text(yields.get("description")))
        if isinstance(yields, dict) and _text(yields.get("description")) else None,
        raises=[RaisesDoc(name, text) for r in _items(data.get("raises"))
                if (name := _text(r.get("exception"))) and (text := _text(r.get("description")))],
        attributes=[AttributeDoc(name, _text(a.get("type")) or None, text) for a in _items(data.get("attributes"))
                    if (name := _text(a.get("name"))) and (text := _text(a.get("description")))],
    )


def usable_parts(doc: Docstring, target: Target) -> int:
    """Count the parts of a docstring that can be shipped as the model wrote them.

    Args:
        doc: Parts read from an answer.
        target: The facts of the target (its code, parameters and sections).

    Returns:
        One for a summary that says something, each real parameter (first entry), a return value or yields
        the code has, each exception it raises and each attribute it has, whose text has no fault.
    """
    def fine(text: str, part: str = "") -> bool:
        return bool(text) and not is_placeholder(text) and prose_fault(text, target, part=part) is None

    params = {p.name for p in target.params}
    named = {name for a in doc.args if fine(a.description) for name in bare_names(a.name)[:1] if name in params}
    count = int(fine(doc.summary, "summary")) + len(named)
    if doc.returns is not None and may_document_returns(target) and fine(doc.returns.description, "returns"):
        count += 1
    if doc.yields is not None and target.is_generator and fine(doc.yields.description):
        count += 1
    count += len({r.exception for r in doc.raises if is_raised(r.exception, target.raises) and fine(r.description)})
    known = {a.name for a in target.attributes} if target.is_class else set()
    return count + len({a.name for a in doc.attributes if a.name in known and fine(a.description)})


_TAGS = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")


def _plain(text: str | None, target: Target, part: str) -> tuple[str | None, bool]:
    """Keep a text that has no fault, clean one that has only markup, drop any other.

    Returns:
        The text to keep (None: write it from the code) and whether markup was removed.
    """
    if not text or is_placeholder(text):
        return None, False
    fault = prose_fault(text, target, part=part)
    if fault is None:
        return text, False
    if fault.code is Code.MARKUP:
        cleaned = " ".join(html.unescape(_TAGS.sub("", text)).split())
        if cleaned and prose_fault(cleaned, target, part=part) is None:
            return cleaned, True
    return None, False


def salvage(kept: Candidate, target: Target) -> tuple[Docstring, list[str], list[str]]:
    """Complete the kept answer from the code: every part it lacks or gets wrong is written from the draft.

    Args:
        kept: The best candidate (its docstring may be partial).
        target: The facts of the target (its code, parameters and sections).

    Returns:
        The docstring, the parts written from the code (``summary``, ``parameter x``, ``Returns``, ...) and
        the parts whose markup was removed.
    """
    doc = kept.docstring or Docstring(summary="")
    written: list[str] = []
    cleaned: list[str] = []

    def keep(text: str | None, label: str, part: str = "") -> str | None:
        kept_text, was_cleaned = _plain(text, target, part)
        if was_cleaned:
            cleaned.append(label)
        return kept_text

    summary = keep(doc.summary, "summary", "summary")
    if summary is None:
        summary = drafts.summary_for(target)
        written.append("summary")
    args = [dataclasses.replace(a, description=text) for a in doc.args
            if (text := keep(a.description, f"parameter {a.name}")) is not None]
    returns = doc.returns
    if returns is not None:
        text = keep(returns.description, "Returns", "returns")
        type_ = returns.type if returns.type and prose_fault(returns.type, target, part="returns") is None else None
        returns = dataclasses.replace(returns, type=type_, description=text) if text is not None else None
    yields = doc.yields
    if yields is not None:
        text = keep(yields.description, "Yields")
        yields = dataclasses.replace(yields, description=text) if text is not None else None
    raises = [dataclasses.replace(r, description=text) for r in doc.raises
              if (text := keep(r.description, f"Raises {r.exception}")) is not None]
    attributes = [dataclasses.replace(a, description=text) for a in doc.attributes
                  if (text := keep(a.description, f"attribute {a.name}")) is not None]
    description = keep(doc.description, "description")
    plain = Docstring(summary=summary, description=description, args=args, returns=returns, yields=yields,
                      raises=raises, attributes=attributes)
    conformed, filled = conform_with_notes(plain, target, fill=True)
    return conformed, written + filled, cleaned


def from_code(target: Target, observed: Observation | None = None) -> tuple[Docstring | None, list[str]]:
    """Return the code's own draft, when it can describe the target without a placeholder.

    Args:
        target: The facts of the target (its code, parameters and sections).
        observed: What a live kernel saw the target called with (types and columns the draft may use), or None.

    Returns:
        (draft, []) when every part of the draft says something the code states; (None, parts) naming the
        parts the code cannot tell (``parameter strict``, ``Returns``, ...) otherwise.
    """
    draft = drafts.draft(target, observed)
    parts = [("summary", draft.summary)]
    parts += [(f"parameter {a.name}", a.description) for a in draft.args]
    parts += [("Returns", draft.returns.description)] if draft.returns is not None else []
    parts += [("Yields", draft.yields.description)] if draft.yields is not None else []
    parts += [(f"Raises {r.exception}", r.description) for r in draft.raises]
    parts += [(f"attribute {a.name}", a.description) for a in draft.attributes]
    unknown = [label for label, text in parts if is_placeholder(text)]
    return (None, unknown) if unknown else (conform_with_notes(draft, target, fill=False)[0], [])
