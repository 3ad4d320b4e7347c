"""The summary line: cleaned, capitalised, ending with a period, never empty; and item descriptions as sentences.

Rules (all styles):

* the text is cleaned (:func:`~docgen_magic.core.render.text.clean_inline`) and put on one line;
* a summary without any letter or digit is replaced by one made from the target's name;
* the first letter is upper-cased when the first word is a plain lower-case word (identifiers such as
  ``np.array``, ``my_func`` or ``iPhone`` are left alone);
* trailing ``,`` ``;`` ``:`` are dropped, a final ``?`` or ``!`` becomes ``.``, and a period is added when
  missing, because pydocstyle D400 wants the summary line to end with a period;
* a summary too long for its line is split after its first sentence when it has several; the rest opens
  the description.

:func:`sentence` applies the same first-letter and final-period rules to an item's description, in every style
(numpydoc's validator wants every parameter and return description to start with a capital letter and end
with a period, PR08 / PR09 / RT04 / RT05), leaving a description that ends in code, a doctest or a list alone.
"""

from __future__ import annotations

import re

from docgen_magic.core.facts import Target, TargetKind
from docgen_magic.core.render.text import clean_inline, text_width

_ALNUM = re.compile(r"[^\W_]")
_PLAIN_WORD = re.compile(r"[a-z][a-z'-]*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`(\[])")
_ABBREVIATIONS = frozenset({"e.g.", "i.e.", "etc.", "vs.", "cf.", "approx.", "no.", "mr.", "dr.", "st."})
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+|[0-9]+")
_NOT_PROSE = re.compile(r"\s|>>>|\||```|~~~|([-*+•‣◦]|\d{1,3}[.)]|#\.)\s")
"""A last line that is not prose: indented (code), a doctest, a line block, a fence or a list item."""


def make_summary(text: str | None, target: Target) -> str:
    """Return the summary line for a target, from the model's summary.

    Args:
        text: The model's summary (may be empty, multi-line or hostile).
        target: The documented target, for the fallback text.

    Returns:
        A non-empty one-line summary ending with a period.
    """
    summary = clean_inline(text)
    if not _ALNUM.search(summary):
        return fallback_summary(target)
    first_word = summary.split(" ", 1)[0]
    if _PLAIN_WORD.fullmatch(first_word):
        summary = summary[0].upper() + summary[1:]
    return _end_with_period(summary)


def sentence(text: str | None) -> str:
    """Return an item's description written as a sentence: capitalised and ending with a period.

    The first letter is upper-cased when the first word is a plain lower-case word and the period is added as
    for the summary, unless the last line is not prose (code, a doctest, a line block, a fence or a list item).

    Args:
        text: The description (model text, may be empty, multi-line or hostile).

    Returns:
        The description without surrounding blank space (cleaning is the layout's); ``""`` when blank.
    """
    text = (text or "").strip()
    if not _ALNUM.search(text):
        return text
    if _PLAIN_WORD.fullmatch(text.split(None, 1)[0].rstrip(",;:.!?")):
        text = text[0].upper() + text[1:]
    return text if _NOT_PROSE.match(text.rsplit("\n", 1)[-1]) else _end_with_period(text)


def _end_with_period(summary: str) -> str:
    summary = summary.rstrip(",;: ")
    if summary.endswith((".", "?", "!")):
        return summary[:-1] + "."
    return summary + "."


def fallback_summary(target: Target) -> str:
    """Return a plain summary made from the target's name, for when the model gave none.

    Args:
        target: The documented target.

    Returns:
        E.g. ``"Compute mean."`` for ``compute_mean``, ``"The DataLoader class."`` for a class,
        ``"The mean value."`` for a property ``mean_value``.
    """
    name = target.name
    if target.kind is TargetKind.CLASS:
        return f"The {name} class." if name else "A class."
    if name == "__init__":
        return "Initialize the instance."
    if name.startswith("__") and name.endswith("__") and len(name) > 4:
        return f"Implement ``{name}``."
    words = " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in _CAMEL.findall(name))
    if not words:
        return "Undocumented."
    if target.kind is TargetKind.PROPERTY:
        return f"The {words}."
    return f"{words[0].upper()}{words[1:]}."


def split_overlong(summary: str, columns: int) -> tuple[str, str]:
    """Move the sentences after the first one out of a summary that does not fit on its line.

    Args:
        summary: A summary made by :func:`make_summary`.
        columns: The columns available for the summary text on its line.

    Returns:
        ``(summary, rest)``: ``rest`` is ``""`` when the summary fits or has one sentence only.
    """
    if text_width(summary) <= columns:
        return summary, ""
    for match in _SENTENCE_END.finditer(summary):
        head = summary[: match.start()]
        last_word = head.rsplit(" ", 1)[-1].lower()
        if last_word in _ABBREVIATIONS or len(last_word) <= 2:
            continue
        return _end_with_period(head), summary[match.end():]
    return summary, ""
