r"""The rule book: what a target's docstring must hold, read from the code's facts.

Validation of a model's answer, the ``--check`` report, the offline drafts, ``--update`` and the prompt all
ask these functions, so they cannot disagree: which sections a target needs, how a documented exception
matches a raised one, how a documented parameter name is read in each style (``\*args`` in reST, ``x, y``
in NumPy), how an identifier splits into words, and when a function's summary opens with a verb in the
third person that belongs in the imperative, and what prose says nothing, carries markup or contradicts the
code (:func:`prose_fault`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from docgen_magic.core.facts import Param, ParamKind, Target, TargetKind, dotted_name, own_scope_nodes


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
    VACUOUS_SUMMARY = "vacuous-summary"
    VACUOUS = "vacuous"
    MARKUP = "markup"
    CONTRADICTS_CODE = "contradicts-code"
    UNSAID_TYPE = "unsaid-type"


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


def unknown_params(target: Target, documented: Iterable[str]) -> list[str]:
    """Return the documented parameter names that are not the target's, each once.

    A class has no parameters of its own: its docstring may document its constructor's (Google's ``Args:``
    and NumPy's ``Parameters`` in a class docstring; ruff and pydoclint accept it), so there a name is unknown
    only when the class's own ``__init__`` / ``__new__`` does not take it. A class that defines neither has an
    inherited or generated constructor (a dataclass's), whose parameters the code does not state: no name is
    judged.

    Args:
        target: The facts of the target.
        documented: The bare parameter names a docstring gives.

    Returns:
        The names the signature (a class's constructor's) lacks, in the docstring's order.
    """
    known = _constructor_params(target) if target.is_class else {p.name for p in target.params}
    return [] if known is None else [name for name in dict.fromkeys(documented) if name not in known]


def _constructor_params(target: Target) -> set[str] | None:
    """Return the parameters of a class's own ``__init__`` / ``__new__`` (not ``self``), or None without either."""
    node = target.node
    defined = [stmt.args for stmt in node.body if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef)
               and stmt.name in ("__init__", "__new__")] if isinstance(node, ast.ClassDef) else []
    if not defined:
        return None
    return {arg.arg for args in defined for arg in (*[*args.posonlyargs, *args.args][1:], args.vararg,
                                                    *args.kwonlyargs, args.kwarg) if arg is not None}


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

def is_verb(word: str) -> bool:
    """Whether a lower-case word of a name reads as a verb (one of :data:`VERBS`, or ``...ize`` / ``...ise``).

    Args:
        word: One word of an identifier, lower case.

    Returns:
        True for e.g. ``load``, ``normalize``, ``customise``.
    """
    return word in VERBS or word.endswith(("ize", "ise"))


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


PREDICATE_CALLS = frozenset((
    "isinstance", "issubclass", "callable", "hasattr", "bool", "all", "any", "startswith", "endswith",
    "exists", "lexists", "samefile", "isdisjoint", "issubset", "issuperset", "iskeyword", "isdigit", "isalpha",
    "isalnum", "isspace", "isupper", "islower", "istitle", "isidentifier", "isdecimal", "isnumeric",
    "isprintable", "isascii", "isabs", "isfile", "isdir", "islink", "ismount", "isjunction", "isclass",
    "isfunction", "ismethod", "ismodule", "isbuiltin", "isroutine", "isabstract", "isgenerator",
    "isgeneratorfunction", "iscoroutine", "iscoroutinefunction", "isawaitable", "isasyncgen",
    "isasyncgenfunction", "isdatadescriptor", "ismethoddescriptor", "isatty", "isleap", "isfinite", "isinf",
    "isnan", "isclose", "isEnabledFor", "is_alive", "readable", "writable", "seekable", "done", "cancelled",
    "empty", "full", "locked", "is_set",
))
"""Calls that give a truth value whatever their arguments (stdlib predicates; ``is_x`` / ``has_x`` match too)."""
_PREDICATE_NAME = re.compile(r"_*(?:is|has|can|should|must|needs?|contains)_\w+$")


def is_truth_valued(value: ast.expr) -> bool:
    """Whether an expression gives a truth value (``True`` / ``False``) rather than one of its operands.

    Comparisons, ``not``, bool literals, predicate calls (``isinstance``, ``callable``, ``str.isdigit``,
    ``is_valid(...)``) and ``and`` / ``or`` whose operands are all truth values are; ``a or b`` in general is
    not (it gives ``a`` or ``b``), nor is anything else.

    Args:
        value: A returned expression.

    Returns:
        True when the expression can only be True or False.
    """
    if isinstance(value, ast.Compare) or (isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.Not)):
        return True
    if isinstance(value, ast.Constant):
        return isinstance(value.value, bool)
    if isinstance(value, ast.BoolOp):
        return all(is_truth_valued(v) for v in value.values)
    if isinstance(value, ast.Call):
        func = value.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        return name in PREDICATE_CALLS or bool(_PREDICATE_NAME.match(name))
    return False


PLACEHOLDER_MARK = "TODO"
"""How a draft marks text the author still has to write (see :func:`placeholder`)."""

PLACEHOLDER_MARKS = ("TODO", "FIXME", "XXX", "TBD")
"""Text starting with one of these words (or made only of dots) is a placeholder the author still has to replace."""

_MARKED = re.compile(rf"(?:{'|'.join(PLACEHOLDER_MARKS)})\b|(?i:{'|'.join(PLACEHOLDER_MARKS)}):")
"""A mark in capitals (``TODO describe``), or in any case before a colon (``todo: ...``); ``Todo items`` is prose."""
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


def placeholder(what: str) -> str:
    """Write the one placeholder form, e.g. ``TODO describe ``path``.``.

    The mark is followed by a space, never a colon: a Google ``Returns:`` / ``Yields:`` entry reading
    ``TODO: ...`` is taken by docstring_parser and Napoleon as a value of *type* ``TODO``. A colon left in
    ``what`` outside inline code is dropped for the same reason.

    Args:
        what: What the author still has to write, e.g. ``describe ``path````.

    Returns:
        The placeholder sentence, which :func:`is_placeholder` recognises.
    """
    text = "".join(part if part.startswith("``") else part.replace(":", "")
                   for part in re.split(r"(``[^`]+``)", what.strip().rstrip(".")))
    return f"{PLACEHOLDER_MARK} {text}."


def is_placeholder(text: str | None) -> bool:
    """Whether a text is a marked placeholder (``TODO describe ...``, ``FIXME``, ``...``).

    Args:
        text: A description from a docstring.

    Returns:
        True when it starts with a word of :data:`PLACEHOLDER_MARKS` or holds only dots.
    """
    text = (text or "").strip()
    return bool(_MARKED.match(text)) or (bool(text) and not text.strip(".…"))


def is_placeholder_entry(type_name: str | None, description: str | None) -> bool:
    """Whether an entry, as a reader parsed it, is a placeholder.

    A Google ``Returns:`` entry written ``TODO: describe ...`` (the older form) is read as type ``TODO`` with
    the description ``describe ...``: the mark in the type counts as well.

    Args:
        type_name: The type the reader found, if any.
        description: The description the reader found.

    Returns:
        True when either part is a placeholder.
    """
    return is_placeholder(description) or (bool(type_name) and is_placeholder(type_name))


def prose_only(text: str) -> str:
    """Blank out inline code (````x````, ```x```), keeping every other character where it was.

    Args:
        text: A description.

    Returns:
        The text with each code span replaced by as many NUL characters, so positions still match.
    """
    return _CODE_SPAN.sub(lambda match: "\0" * len(match.group()), text)


_SENTENCE_BREAK = re.compile(r"(?<=[.;!?])\s+")
_DEFAULT_WORD = re.compile(r"\bdefault", re.IGNORECASE)


_NOT_PLAIN = re.compile(r"[<>&*`|\\]|_$")


def written_default(default: str) -> str:
    """Write a default's source text as a description gives it: on one line, as inline code when needed.

    Args:
        default: The default's source text (it may span lines).

    Returns:
        The text for ``Defaults to <it>.``: inline code when reST or HTML would read it as markup
        (``<``, ``&``, ``*``, a backslash, a trailing ``_``).
    """
    value = default
    if "\n" in value:
        try:
            value = ast.unparse(ast.parse(value.strip(), mode="eval"))  # one line, string contents untouched
        except SyntaxError:
            value = " ".join(value.split())
    return f"``{value}``" if _NOT_PLAIN.search(value) and "``" not in value else value


def states_default(text: str, default: str) -> bool:
    """Whether a description already gives a parameter's default value *as its default*.

    The word alone is not enough (a parameter may be named ``default``, a sentence may speak of another
    default): one sentence must say "default" in its prose and give the value itself (inline code or not,
    either quote, ``None`` / ``True`` / ``False`` in any case).

    Args:
        text: The description.
        default: The default's source text, e.g. ``'score'``.

    Returns:
        True when some sentence states that value as the default.
    """
    value = " ".join(written_default(default).strip("`").split())
    forms = {value, value.replace("'", '"'), value.replace('"', "'"), " ".join(default.split())}
    flags = re.IGNORECASE if value in ("None", "True", "False") else 0
    pattern = re.compile("|".join(rf"(?<![\w.]){re.escape(form)}(?![\w]|\.\d)" for form in forms), flags)
    for sentence in _SENTENCE_BREAK.split(" ".join(text.split())):
        if _DEFAULT_WORD.search(prose_only(sentence)) and pattern.search(sentence.replace("`", "")):
            return True
    return False


def says_nothing(text: str | None, name: str, *, value: bool = False) -> Code | None:
    """Whether a description is a placeholder or only restates a name.

    ``"The df."`` for ``df``, ``"The result."`` for a return value, ``"If the operation cannot be
    completed."`` for an exception say nothing a reader could not guess from the name. A ``Defaults to ...``
    sentence is a fact and does not count as saying nothing.

    Args:
        text: The description.
        name: The documented name (a parameter, attribute, exception or the function itself).
        value: The text describes a returned or yielded value: quoted code there names an expression,
            never the documented name, even when it is spelled the same (``return callback``).

    Returns:
        :attr:`Code.PLACEHOLDER`, :attr:`Code.RESTATED_NAME`, or None when the text says something.
    """
    text = (text or "").strip()
    if is_placeholder(text):
        return Code.PLACEHOLDER
    defaults = _DEFAULTS_SENTENCE.search(prose_only(text))  # a sentence of the prose, never inside code
    rest = text[:defaults.start()] if defaults else text
    if rest != text and not rest.strip(" .").strip():
        return None
    if any(span.strip("*") not in ("", "" if value else name) for span in _CODE_SPAN.findall(rest)):
        return None  # quoted code (an expression, a call, a key) is a fact of its own
    own = {w.rstrip("s") for w in words(name)}
    said = [w for w in _WORD.findall(rest.lower()) if w not in _FILLER and w.rstrip("s") not in own]
    return Code.RESTATED_NAME if not said else None


# -- prose that says something ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProseFault:
    """What is wrong with one piece of prose, and the words at fault.

    Attributes:
        code: :attr:`Code.VACUOUS_SUMMARY` (a summary), :attr:`Code.VACUOUS` (another part),
            :attr:`Code.MARKUP` or :attr:`Code.CONTRADICTS_CODE`.
        found: The words at fault as written (``This function``, ``&#34;``, ``list``), or the whole summary
            when it says nothing.
        expected: For a contradiction, what the code returns (``dict``); empty otherwise.
        about_code: For vacuous text: True when it talks about the code (``This function ...``), False when
            it says nothing of its own (``Return the result.``, the name restated, no word at all).
    """

    code: Code
    found: str
    expected: str = ""
    about_code: bool = False


_META_START = re.compile(
    r"^(?:this|here)\s+is\s+(?:a|an|the|my|our)\s+(?:[a-z]+\s+)?(?:docstring|documentation|function|method|"
    r"code|implementation)\b"
    r"|^this\s+(?:function|method|routine|class|code|property|object|module|decorator|generator|coroutine|"
    r"docstring|snippet|helper)\b"
    r"|^(?:(?:the|a|an)\s+)?(?:[\w.]+\s+)?(?:function|method|routine)"
    r"\s+(?:that|which|to|for|used|will|is|was|can|does|called|named|(?P<verb>[a-z]+s))\b"
    r"|^(?:(?:the|a|an)\s+)?(?:docstring|documentation)\s+(?:for|of)\b"
    r"|^(?:(?:a|the)\s+)?class\s+(?:that|which|for|to|representing|used|implementing|defining|holding)\b",
    re.IGNORECASE)
_ACTIONS = frozenset({TargetKind.FUNCTION, TargetKind.METHOD, TargetKind.CLASSMETHOD, TargetKind.STATICMETHOD})
_LABEL_START = re.compile(
    r"^(?:(?:the|a|an)\s+)?(?:function|method|class|routine|generator|coroutine|property)\s+[\w.]+(?:\(\))?"
    r"\s*[:;\u2013\u2014-]", re.IGNORECASE)
"""A label before the text: ``Function zscores():``, ``Method Model.fit -``, ``Class Summary;``."""
_META_WORDS = frozenset({"function", "method", "class", "docstring", "documentation", "code", "python",
                         "property", "routine", "helper", "this", "here", "called", "named", "implementation"})
_ENTITY = re.compile(r"&(?:#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,7});")
_TAG = re.compile(r"</?(?:a|b|i|u|em|strong|code|pre|br|p|div|span|ul|ol|li|table|tr|td|th|h[1-6]|sub|sup|tt|"
                  r"kbd|var|blockquote|img|hr|font|small|big|s|strike|mark)(?:\s[^<>]*)?/?>", re.IGNORECASE)
_LITERAL = re.compile(r"``.*?``|`[^`]*`|^\s*(?:>>>|\.\.\.).*$", re.MULTILINE | re.DOTALL)
_CONTAINERS = {
    "list": "list", "lists": "list", "dict": "dict", "dicts": "dict", "dictionary": "dict", "dictionaries": "dict",
    "mapping": "dict", "tuple": "tuple", "tuples": "tuple", "set": "set", "sets": "set", "frozenset": "set",
    "dataframe": "DataFrame", "series": "Series", "array": "array", "ndarray": "array", "string": "str",
    "str": "str",
}
_NAMED_KIND = re.compile(
    r"^(?:returns?\s+)?(?:(?:a|an|the)\s+)?(?:(?!(?:of|for|with|from|in|to|that|which|is|are)\b)[a-z-]+\s+){0,2}?"
    r"(data\s+frame|" + "|".join(sorted(_CONTAINERS, key=len, reverse=True)) + r")"
    r"(?=\s*(?:$|[.,;:()\[]|(?:of|with|that|which|containing|mapping|holding|where|is|are|was|for|from|in|made|"
    r"keyed|indexed|built|returned|whose|listing|giving|describing|naming)\b))")
_RETURN_VERB = re.compile(r"returns?\s", re.IGNORECASE)
_TYPE_KINDS = {
    "dict": "dict", "Dict": "dict", "Mapping": "dict", "MutableMapping": "dict", "OrderedDict": "dict",
    "defaultdict": "dict", "DefaultDict": "dict", "Counter": "dict", "list": "list", "List": "list",
    "tuple": "tuple", "Tuple": "tuple", "set": "set", "Set": "set", "frozenset": "set", "FrozenSet": "set",
    "AbstractSet": "set", "MutableSet": "set", "DataFrame": "DataFrame", "Series": "Series",
    "ndarray": "array", "NDArray": "array", "str": "str", "int": "int", "float": "float", "bool": "bool",
    "bytes": "bytes", "complex": "complex", "None": "None",
}
_CALL_KINDS = {"dict": "dict", "list": "list", "sorted": "list", "tuple": "tuple", "set": "set",
               "frozenset": "set", "str": "str", "DataFrame": "DataFrame", "Series": "Series", "array": "array",
               "OrderedDict": "dict", "defaultdict": "dict", "Counter": "dict"}
_NODE_KINDS: dict[type[ast.AST], str] = {ast.Dict: "dict", ast.DictComp: "dict", ast.List: "list",
                                         ast.ListComp: "list", ast.Tuple: "tuple", ast.Set: "set",
                                         ast.SetComp: "set", ast.JoinedStr: "str"}


def prose_fault(text: str | None, target: Target, *, part: str) -> ProseFault | None:
    """Judge one piece of prose: whether it says something, is plain text and agrees with the code.

    Validation re-asks the model with the fault, salvage replaces the text from the code's draft, and
    ``--check`` reports it in existing docstrings. Code spans and doctest lines are not judged as prose.

    Args:
        text: The prose.
        target: The documented target.
        part: ``summary`` (judged for saying something, and when it opens with "Return", against the returned
            type), ``returns`` (judged for talking about the code, and against the returned type), ``yields``
            (judged for talking about the code) or any other part's label; every part is judged for markup and
            for having a word at all.

    Returns:
        The first fault found, or None when the text is fine (or empty: emptiness is another rule's).
    """
    text = (text or "").strip()
    if not text:
        return None
    vacuous = Code.VACUOUS_SUMMARY if part == "summary" else Code.VACUOUS
    if not any(c.isalnum() for c in text) and "`" not in text:  # "][", "-"; quoted code is a fact
        return ProseFault(vacuous, text)
    prose = _LITERAL.sub(" ", text)
    markup = _ENTITY.search(prose) or _TAG.search(prose)
    if markup:
        return ProseFault(Code.MARKUP, markup.group(0))
    if part == "summary":
        fault = _vacuous(text, target)
        return fault or (_contradiction(prose, target) if _RETURN_VERB.match(prose.strip()) else None)
    if part in ("returns", "yields"):
        meta = _about_code(text, target)
        if meta is not None:
            return ProseFault(vacuous, meta, about_code=True)
    return _contradiction(prose, target) if part == "returns" else None


def _about_code(text: str, target: Target) -> str | None:
    """Return the opening words of a text about the code (``This function ...``), unless they are the name's."""
    plain = text.replace("`", "")
    label = _LABEL_START.match(plain)
    if label:
        return label.group(0).strip()
    meta = _META_START.match(plain)
    if meta and meta.group("verb") and _base_form(meta.group("verb").lower()) is None:
        return None  # "Function names ...": a noun, not "Function returns ..."
    own = {w.lower() for w in words(target.name)}
    if meta and not own & _META_WORDS & set(_WORD.findall(meta.group(0).lower())):
        return meta.group(0).strip()
    return None


def _vacuous(summary: str, target: Target) -> ProseFault | None:
    """Find a summary that talks about the code (``This function ...``) or only restates the name."""
    plain = summary.replace("`", "")
    own = {w.lower().rstrip("s") for w in words(target.name)} | {target.name.lower()}
    meta = _about_code(summary, target)
    if meta is not None:
        return ProseFault(Code.VACUOUS_SUMMARY, meta, about_code=True)
    found = _WORD.findall(plain.lower().replace("_", " "))
    if len(found) == 1 and len(found[0]) > 1 and found == [w.lower() for w in words(target.name)] \
            and target.kind in _ACTIONS and (
            not is_verb(found[0]) or "." in target.qualname or any(not is_variadic(p) for p in target.params)):
        # "scale." for scale(values): the name and nothing else, where the code names what it acts on
        return ProseFault(Code.VACUOUS_SUMMARY, summary)
    if target.kind in _ACTIONS and _verb_and_name(found, target.name):
        return ProseFault(Code.VACUOUS_SUMMARY, summary)
    said = [w for w in found if w not in _FILLER and w not in _META_WORDS and w.rstrip("s") not in own]
    mixed_case = any(c.isupper() for c in target.name[1:]) and any(c.islower() for c in target.name)
    code_like = bool(words(target.name)) and target.name in summary and (
        "`" in summary or "_" in target.name or mixed_case)
    named = any(w.rstrip("s") in own for w in found) or not words(target.name)
    if not said and (code_like or not named):  # the name in code, or only words like "Return the result."
        return ProseFault(Code.VACUOUS_SUMMARY, summary)
    return None


def _verb_and_name(found: list[str], name: str) -> bool:
    """Whether a summary is only a verb and a one-word name that reads as no verb and noun.

    "Return the f." for ``f``, "Compute the isfinite." for ``isfinite``: the name restated as a noun. A name
    of several words reads as a phrase ("Load the rows." for ``load_rows``, "Return the config path."); a
    one-word verb name is judged by the rule for a bare verb.

    Args:
        found: The summary's lower-case words.
        name: The target's name.

    Returns:
        True when the summary says nothing beyond the name.
    """
    parts = [w.lower() for w in words(name)]
    if len(parts) != 1 or is_verb(parts[0]) or len(found) < 2:
        return False
    if not (is_verb(found[0]) or _base_form(found[0]) is not None):
        return False
    rest = [w for w in found[1:] if w not in _FILLER]
    return bool(rest) and all(w in (parts[0], name.lower()) or w.rstrip("s") == parts[0].rstrip("s") for w in rest)


def _contradiction(prose: str, target: Target) -> ProseFault | None:
    """Find a Returns text whose head names a container type that the code evidently does not return."""
    named = _NAMED_KIND.match(prose.strip().lower())
    if not named:
        return None
    kind = "DataFrame" if named.group(1).replace(" ", "") == "dataframe" else _CONTAINERS[named.group(1)]
    returned = returned_kinds(target)
    if returned is None or kind in returned or "tuple" in returned:  # "a list of X and a count" is a tuple's parts
        return None
    return ProseFault(Code.CONTRADICTS_CODE, named.group(1), " or ".join(sorted(returned - {"None"})) or "None")


def with_article(noun: str) -> str:
    """Put "a" or "an" before a noun, by its first letter (``an array``, ``a list``).

    Args:
        noun: The noun, e.g. a container kind named by :class:`ProseFault`.

    Returns:
        The noun with its indefinite article.
    """
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def returned_kinds(target: Target) -> frozenset[str] | None:
    """Tell the kinds of value a target evidently returns: from its annotation, else from every ``return``.

    Args:
        target: The facts of the target (its code, parameters and sections).

    Returns:
        Kinds such as ``dict``, ``list``, ``DataFrame``, ``str`` or ``int``; None when the code does not
        make them evident (an annotation naming another type, a return of a name or another call).
    """
    if target.returns_annotation:
        try:
            annotation = ast.parse(target.returns_annotation, mode="eval").body
        except SyntaxError:
            return None
        return _annotation_kinds(annotation)
    function = target.node
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or target.is_generator:
        return None
    kinds: set[str] = set()
    for node in own_scope_nodes(function):
        if isinstance(node, ast.Return) and node.value is not None:
            kind = _value_kind(node.value)
            if kind is None:
                return None
            kinds.add(kind)
    return frozenset(kinds) or None


def _annotation_kinds(node: ast.expr) -> frozenset[str] | None:
    if isinstance(node, ast.Constant) and node.value is None:
        return frozenset({"None"})
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return _annotation_kinds(ast.parse(node.value, mode="eval").body)
        except SyntaxError:
            return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = _annotation_kinds(node.left), _annotation_kinds(node.right)
        return left | right if left is not None and right is not None else None
    if isinstance(node, ast.Subscript):
        outer = (dotted_name(node.value) or "").rsplit(".", 1)[-1]
        if outer in ("Optional", "Union"):
            members = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            kinds = [_annotation_kinds(m) for m in members]
            found = frozenset().union(*(k for k in kinds if k is not None))
            return (found | ({"None"} if outer == "Optional" else set())) if all(k is not None for k in kinds) \
                else None
        node = node.value
    kind = _TYPE_KINDS.get((dotted_name(node) or "").rsplit(".", 1)[-1])
    return frozenset({kind}) if kind else None


def _value_kind(value: ast.expr) -> str | None:
    for node_type, kind in _NODE_KINDS.items():
        if isinstance(value, node_type):
            return kind
    if isinstance(value, ast.Constant):
        return "None" if value.value is None else _TYPE_KINDS.get(type(value.value).__name__)
    if isinstance(value, ast.Call):
        return _CALL_KINDS.get((dotted_name(value.func) or "").rsplit(".", 1)[-1])
    return None
