r"""The rule book: what a target's docstring must hold, read from the code's facts.

Validation of a model's answer, the ``--check`` report, the offline drafts, ``--update`` and the prompt all
ask these functions, so they cannot disagree: which sections a target needs, how a documented exception
matches a raised one, how a documented parameter name is read in each style (``\*args`` in reST, ``x, y``
in NumPy), how an identifier splits into words, and when a function's summary opens with a verb in the
third person that belongs in the imperative.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum

from docgen_magic.core.facts import Param, ParamKind, Target, TargetKind


class _StrEnum(str, Enum):
    """A string enum that prints as its value (``enum.StrEnum`` needs Python 3.11; we support 3.10)."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


class Style(_StrEnum):
    """A docstring style."""

    GOOGLE = "google"
    NUMPY = "numpy"
    SPHINX = "sphinx"


class Code(_StrEnum):
    """Stable codes of the problems of a model's answer and the gaps of an existing docstring."""

    NO_DOCSTRING = "no-docstring"
    SCHEMA = "schema"
    MALFORMED_JSON = "malformed-json"
    NO_TOOL_CALL = "no-tool-call"
    TRUNCATED = "truncated"
    CONTENT_FILTER = "content-filter"
    EMPTY_SUMMARY = "empty-summary"
    MULTILINE_SUMMARY = "multiline-summary"
    MISSING_PARAM = "missing-param"
    UNKNOWN_PARAM = "unknown-param"
    DUPLICATE_PARAM = "duplicate-param"
    EMPTY_PARAM = "empty-param"
    MISSING_RETURNS = "missing-returns"
    UNEXPECTED_RETURNS = "unexpected-returns"
    MISSING_YIELDS = "missing-yields"
    UNEXPECTED_YIELDS = "unexpected-yields"
    MISSING_RAISE = "missing-raise"
    UNKNOWN_RAISE = "unknown-raise"
    MISSING_ATTRIBUTE = "missing-attribute"
    UNKNOWN_ATTRIBUTE = "unknown-attribute"
    PLACEHOLDER = "placeholder"
    RESTATED_NAME = "restated-name"


DROPPABLE = frozenset({Code.UNKNOWN_PARAM, Code.UNKNOWN_RAISE, Code.UNKNOWN_ATTRIBUTE, Code.DUPLICATE_PARAM})
"""Problems that only name things the code does not have: conforming drops them."""

CONFORMABLE = frozenset({Code.MISSING_RETURNS, Code.UNEXPECTED_RETURNS, Code.MISSING_YIELDS,
                         Code.UNEXPECTED_YIELDS, Code.MISSING_RAISE, Code.MISSING_ATTRIBUTE})
"""Section problems whose structure the code knows: conforming takes it from the code (with a note)."""

_NO_RETURN_ANNOTATIONS = frozenset({"", "None", "NoReturn", "Never", "typing.NoReturn", "typing.Never"})


def needs_returns(target: Target) -> bool:
    """Whether the docstring content must describe a return value (a property's is folded into its text).

    Args:
        target: The facts of the target.

    Returns:
        True when some ``return`` gives a value and the target is not a class or ``__init__``.
    """
    return target.returns_value and not target.is_class and target.name != "__init__"


def may_document_returns(target: Target) -> bool:
    """Whether a return value may be described although no ``return value`` statement exists.

    Stubs (abstract methods, Protocol members) return nothing in their body but declare what implementations
    return; their annotation allows a Returns section.

    Args:
        target: The facts of the target.

    Returns:
        True when the target returns a value or declares a return type other than None.
    """
    if target.is_class or target.name == "__init__" or target.is_generator:
        return needs_returns(target)
    return target.returns_value or (target.returns_annotation or "").strip() not in _NO_RETURN_ANNOTATIONS


def needs_returns_section(target: Target) -> bool:
    """Whether an existing docstring must show a Returns section.

    A property's value is its description, and a generator's ``return`` value (``StopIteration.value``) is
    rarely what a reader wants first, so neither requires the section (a generator may still have one).

    Args:
        target: The facts of the target.

    Returns:
        True when :func:`needs_returns` holds and the target is neither a property nor a generator.
    """
    return needs_returns(target) and target.kind is not TargetKind.PROPERTY and not target.is_generator


def needs_yields(target: Target) -> bool:
    """Whether the docstring must describe yielded values.

    Args:
        target: The facts of the target.

    Returns:
        True for a generator.
    """
    return target.is_generator


def same_exception(raised: str, documented: str) -> bool:
    """Whether a documented exception names a raised one (``mod.Error`` matches ``Error``).

    Args:
        raised: The name the code raises.
        documented: The name a docstring gives.

    Returns:
        True when the full names or their last components agree.
    """
    documented = documented.strip().strip("`~")
    return raised == documented or raised.rsplit(".", 1)[-1] == documented.rsplit(".", 1)[-1]


def is_raised(documented: str, raised: Iterable[str]) -> bool:
    """Whether a documented exception is one the code raises.

    Args:
        documented: The name a docstring gives.
        raised: The names the code raises.

    Returns:
        True when one of them matches.
    """
    return any(same_exception(name, documented) for name in raised)


def undocumented_raises(target: Target, documented: Iterable[str]) -> list[str]:
    """Return the exceptions the code raises that no documented name matches.

    Args:
        target: The facts of the target.
        documented: The exception names a docstring gives.

    Returns:
        The raised names left undocumented, in the code's order.
    """
    given = list(documented)
    return [name for name in target.raises if not any(same_exception(name, d) for d in given)]


def bare_names(documented: str) -> list[str]:
    r"""Return the bare parameter names one documented entry stands for, in any style.

    ``\*args`` (reST escaping), ``**kwargs``, ``x, y`` (NumPy's combined entry) and ``x (int)`` all
    read as the names the signature uses without stars.

    Args:
        documented: The name part of a parameter entry.

    Returns:
        The bare names; empty when the entry names nothing.
    """
    text = documented.replace("\\", "").split("(")[0]
    return [name for part in text.split(",") if (name := part.strip().lstrip("*").strip())]


def display_name(param: Param, style: str) -> str:
    r"""Return the name of a parameter as a docstring of a style writes it.

    Args:
        param: One parameter of a signature.
        style: The docstring style; reST (Sphinx) escapes stars as ``\*`` so they are not read as emphasis.

    Returns:
        E.g. ``*args`` for Google and NumPy, ``\*args`` for Sphinx.
    """
    return written_name(param.display_name, style)


def written_name(name: str, style: str) -> str:
    r"""Write a documented name (``*args``) as a docstring of a style does; :func:`bare_names` reads it back.

    Args:
        name: The display name, stars included.
        style: The docstring style.

    Returns:
        ``\*args`` in reST (Sphinx), where a bare star would open emphasis; the name itself otherwise.
    """
    return name.replace("*", "\\*") if style == Style.SPHINX else name


def is_variadic(param: Param) -> bool:
    """Whether a parameter collects extra arguments (``*args`` / ``**kwargs``).

    Args:
        param: One parameter of a signature.

    Returns:
        True for var-positional and var-keyword parameters.
    """
    return param.kind in (ParamKind.VAR_POSITIONAL, ParamKind.VAR_KEYWORD)


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def words(name: str) -> list[str]:
    """Split an identifier into lower-case words.

    Args:
        name: ``snake_case``, ``camelCase`` or ``CamelCase``.

    Returns:
        The words, e.g. ``["load", "csv", "file"]``; acronyms keep their case.
    """
    parts = [p for chunk in name.strip("_").split("_") for p in _CAMEL.split(chunk) if p]
    return [p if p.isupper() and len(p) > 1 else p.lower() for p in parts]


VERBS = frozenset((
    "add", "apply", "build", "calculate", "check", "clean", "clear", "close", "compute", "convert",
    "count", "create", "decode", "delete", "describe", "download", "drop", "encode", "ensure",
    "evaluate", "export", "extract", "fetch", "filter", "find", "fit", "format", "generate", "get",
    "group", "handle", "import", "init", "initialize", "iterate", "join", "load", "log", "make", "map",
    "merge", "normalize", "open", "parse", "plot", "predict", "prepare", "print", "process", "read",
    "record", "reduce", "refresh", "register", "remove", "render", "replace", "reset", "resolve", "run",
    "save", "scale", "score", "search", "select", "send", "set", "show", "sort", "split", "start",
    "stop", "store", "summarize", "test", "train", "transform", "update", "upload", "validate",
    "visualize", "write", "return", "yield", "raise", "give", "take", "provide", "define", "represent",
    "construct", "determine", "execute", "call", "invoke", "verify", "wait", "keep", "turn", "look", "try",
    "use", "accept", "produce", "derive", "infer", "resize", "serialize", "deserialize", "configure",
    "connect", "disconnect", "schedule", "notify", "dispatch", "mark", "move", "pick", "post", "put",
    "receive", "release", "request", "require", "attach", "detach", "lock", "unlock", "toggle", "enable",
    "disable", "allocate", "free", "fold", "walk", "visit",
    "aggregate", "append", "assign", "cast", "collect", "combine", "compare",
    "copy", "crop", "dedupe", "detect", "emit", "estimate", "explode", "fill", "flag", "flatten",
    "impute", "insert", "interpolate", "invert", "label", "list", "match", "measure", "melt", "pivot",
    "pop", "push", "query", "rank", "rename", "reshape", "resample", "retry", "rotate", "round",
    "sample", "shift", "shuffle", "smooth", "strip", "sum", "tokenize", "trim", "unpack", "wrap", "zip",
))
"""Verbs a function's name or summary commonly starts with (offline summaries, the imperative-mood rule)."""

_OBJECT_STARTS = frozenset({"the", "a", "an", "each", "every", "all", "its", "their", "this", "that", "these",
                            "those", "one", "two", "any", "some", "no", "new", "given", "whether", "if",
                            "it", "them", "up", "out", "down", "back", "over", "into", "and", "or"})
"""Words that can follow a verb taking an object; a plural noun ("Counts of ...") is not followed by them."""


def imperative(summary: str, target: Target) -> str:
    """Put a function's summary in the imperative mood when it opens with a known verb in the third person.

    ``Returns the mean.`` becomes ``Return the mean.`` (pydocstyle's D401, numpydoc's SS05), but only when the
    next word shows the verb takes an object (an article, a pronoun, ``whether``, code in backticks), so that
    a plural noun (``Counts of each label.``) is left alone; classes and properties are described by nouns
    and are left alone too.

    Args:
        summary: The summary line.
        target: The documented target.

    Returns:
        The summary, its first word in the imperative when that is certain.
    """
    if target.kind in (TargetKind.CLASS, TargetKind.PROPERTY):
        return summary
    first, _, rest = summary.partition(" ")
    if not rest or not first.isalpha() or not first[0].isupper() or first[1:] != first[1:].lower():
        return summary
    next_word = rest.split(None, 1)[0].strip(",;:.").lower() if rest.strip() else ""
    if next_word not in _OBJECT_STARTS and not rest.startswith("`"):
        return summary
    base = _base_form(first.lower())
    return summary if base is None else f"{base[0].upper()}{base[1:]} {rest}"


def _base_form(word: str) -> str | None:
    """Return the verb of :data:`VERBS` a third-person form stands for (``applies`` -> ``apply``), or None."""
    candidates = []
    if word.endswith("ies"):
        candidates.append(word[:-3] + "y")
    if word.endswith("es"):
        candidates.append(word[:-2])
    if word.endswith("s") and not word.endswith("ss"):
        candidates.append(word[:-1])
    return next((c for c in candidates if c in VERBS), None)


PLACEHOLDER_MARKS = ("TODO", "FIXME", "XXX", "TBD")
"""Text starting with one of these (or made only of dots) is a placeholder the author still has to replace."""

_DEFAULTS_SENTENCE = re.compile(r"\s*\bDefaults? (?:to|is)\b.*$", re.IGNORECASE | re.DOTALL)
_WORD = re.compile(r"[a-z0-9]+")
_CODE_SPAN = re.compile(r"`{1,2}([^`]+)`{1,2}")
_FILLER = frozenset((
    "a", "an", "the", "of", "to", "for", "in", "on", "at", "by", "with", "from", "as", "is", "are", "be",
    "been", "being", "it", "this", "that", "these", "those", "some", "any", "given", "input", "inputs",
    "argument", "arguments", "parameter", "parameters", "param", "params", "value", "values", "object",
    "objects", "data", "result", "results", "return", "returns", "returned", "output", "outputs", "item",
    "items", "each", "produced", "yielded", "one", "if", "operation", "cannot", "can", "could", "not",
    "completed", "fails", "failed", "error", "errors", "exception", "exceptions", "raised", "raise", "raises",
    "occurs", "occur", "happens", "something", "wrong", "invalid", "used", "use",
))
"""Words that carry no meaning of their own in a one-line description."""


def is_placeholder(text: str | None) -> bool:
    """Whether a text is a marked placeholder (``TODO: ...``, ``...``).

    Args:
        text: A description from a docstring.

    Returns:
        True when it starts with a mark of :data:`PLACEHOLDER_MARKS` or holds only dots.
    """
    text = (text or "").strip()
    return text.upper().startswith(PLACEHOLDER_MARKS) or (bool(text) and not text.strip(".…"))


def says_nothing(text: str | None, name: str) -> Code | None:
    """Whether a description is a placeholder or only restates a name.

    ``"The df."`` for ``df``, ``"The result."`` for a return value, ``"If the operation cannot be
    completed."`` for an exception say nothing a reader could not guess from the name. A ``Defaults to ...``
    sentence is a fact and does not count as saying nothing.

    Args:
        text: The description.
        name: The documented name (a parameter, attribute, exception or the function itself).

    Returns:
        :attr:`Code.PLACEHOLDER`, :attr:`Code.RESTATED_NAME`, or None when the text says something.
    """
    text = (text or "").strip()
    if is_placeholder(text):
        return Code.PLACEHOLDER
    rest = _DEFAULTS_SENTENCE.sub("", text)
    if rest != text and not rest.strip(" .").strip():
        return None
    if any(span.strip("*") not in ("", name) for span in _CODE_SPAN.findall(rest)):
        return None  # quoted code (an expression, a call, a key) is a fact of its own
    own = {w.rstrip("s") for w in words(name)}
    said = [w for w in _WORD.findall(rest.lower()) if w not in _FILLER and w.rstrip("s") not in own]
    return Code.RESTATED_NAME if not said else None
