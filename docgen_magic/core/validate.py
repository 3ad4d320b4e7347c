"""Validation of a model's answer: JSON Schema first, then the facts of the code.

Every problem carries a short stable code and a message written so that it can be sent back to the model
verbatim in a refinement request. :func:`conform` then makes the structure exactly the code's: parameters
in signature order under their real names, types from the annotations.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import importlib.util
import json
import sys
import threading
import types
from dataclasses import dataclass
from typing import Any

from docgen_magic.core import drafts
from docgen_magic.core.facts import Target
from docgen_magic.core.model import ArgDoc, AttributeDoc, Docstring, RaisesDoc, ReturnsDoc, YieldsDoc, docstring_schema
from docgen_magic.core.rules import (
    Code,
    bare_names,
    imperative,
    is_placeholder,
    is_raised,
    may_document_returns,
    needs_returns,
    needs_yields,
    prose_fault,
    undocumented_raises,
    with_article,
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a proposed docstring.

    Attributes:
        code: Short stable identifier, e.g. ``missing-param``.
        message: One sentence, fit to be sent back to the model verbatim.
    """

    code: Code
    message: str


_VALIDATORS: dict[bool, Any] = {}
_VALIDATORS_LOCK = threading.Lock()


def _validator(strict: bool) -> Any:
    """Return the Draft 2020-12 validator of the docstring schema, compiled once per variant.

    ``jsonschema`` is imported here, on first use, not when docgen_magic loads (see :func:`_import_jsonschema`);
    :func:`prepare_schema_check` pays that in a worker thread while the first request is in flight.
    """
    validator = _VALIDATORS.get(strict)
    if validator is None:
        with _VALIDATORS_LOCK:  # the warming thread and the first answer may both get here
            validator = _VALIDATORS.get(strict)
            if validator is None:
                validator = _VALIDATORS[strict] = _import_jsonschema().Draft202012Validator(
                    docstring_schema(strict=strict))
    return validator


class _LazyRfc3987Syntax(types.ModuleType):
    """Stands in for ``rfc3987_syntax`` while jsonschema is imported; the real module loads on first use.

    jsonschema's format module imports ``is_valid_syntax`` from ``rfc3987_syntax`` (installed with Jupyter's
    format extras) for its ``iri`` and ``iri-reference`` checkers, and that module builds a Lark grammar at
    import: about a second of CPU. docgen's schema has no ``format`` keyword. Other users of jsonschema in the
    process (e.g. jupyter_events) keep both checkers: they call :meth:`is_valid_syntax`, which imports the
    real module then.
    """

    def is_valid_syntax(self, term: str, value: str) -> bool:
        """Check a string against a rule of RFC 3987 with the real module (imported on the first call).

        Args:
            term: The rule, e.g. ``iri``.
            value: The string.

        Returns:
            The real ``rfc3987_syntax.is_valid_syntax(term, value)``.
        """
        return bool(self._real().is_valid_syntax(term, value))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # the import system probes e.g. __path__: not a use of the module
            raise AttributeError(name)
        return getattr(self._real(), name)

    def _real(self) -> types.ModuleType:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return importlib.import_module(self.__name__)


def _import_jsonschema() -> Any:
    """Import ``jsonschema`` without building ``rfc3987_syntax``'s grammar (see :class:`_LazyRfc3987Syntax`).

    The stand-in is only in ``sys.modules`` while jsonschema's own import runs, and only when the real module
    is installed and not imported yet (so jsonschema registers exactly the checkers it would have).
    """
    name = "rfc3987_syntax"
    if "jsonschema" in sys.modules or name in sys.modules or importlib.util.find_spec(name) is None:
        return importlib.import_module("jsonschema")
    stand_in = _LazyRfc3987Syntax(name)
    sys.modules[name] = stand_in
    try:
        return importlib.import_module("jsonschema")
    finally:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]


def prepare_schema_check() -> None:
    """Import ``jsonschema`` and compile both validators now (called off the event loop by the pipeline)."""
    _validator(True)
    _validator(False)


def schema_valid(data: object, *, strict: bool) -> bool:
    """Tell whether data matches the docstring schema (the yes/no form of :func:`schema_problems`).

    Args:
        data: Decoded JSON.
        strict: Which variant of the schema: strict (every property present) or not.

    Returns:
        True when the data is valid.
    """
    return bool(_validator(strict).is_valid(data))


def schema_problems(data: object, *, strict: bool, limit: int = 5) -> list[Problem]:
    """Return the schema errors of an answer as problems, in answer order, each naming where it is.

    Args:
        data: The decoded tool arguments.
        strict: Which variant of the schema.
        limit: The most problems returned.

    Returns:
        ``schema`` problems with jsonschema's own messages (the most specific branch of an ``anyOf``).
    """
    errors = sorted(_validator(strict).iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    problems = []
    for error in errors[:limit]:
        specific = _closest(error)
        where = "/".join(str(p) for p in specific.absolute_path) or "the answer"
        problems.append(Problem(Code.SCHEMA, f"Schema error at {where}: {specific.message}."))
    return problems


def _closest(error: Any) -> Any:
    """Return the error of the ``anyOf`` branch the data was meant for (not the branch of another type).

    ``returns`` is ``null`` or an object: for a wrong object, "is not of type 'null'" says nothing useful,
    the object branch's own error does.
    """
    while error.context:
        meant = [e for e in error.context if e.relative_path or e.validator != "type"]
        if not meant:
            break
        error = meant[0]
    return error


def no_tool_call(prose: str | None = None) -> Problem:
    """Return the problem of an answer that made no call to the tool.

    Args:
        prose: What the model wrote instead, if anything.

    Returns:
        The ``no-tool-call`` problem, quoting the start of the prose.
    """
    said = f" (it wrote text instead: {prose.strip()[:80]!r})" if prose and prose.strip() else ""
    return Problem(Code.NO_TOOL_CALL, f"No call to the write_docstring function was made{said}; answer only by "
                                   "calling it.")


def parse_arguments(text: str | None) -> tuple[Any, list[Problem]]:
    """Read the JSON text of a tool call's arguments.

    Args:
        text: The raw arguments, or None when the model made no tool call.

    Returns:
        (data, problems): the decoded data and no problems, or None and the one problem found.
    """
    if text is None:
        return None, [no_tool_call()]
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        return None, [Problem(Code.MALFORMED_JSON, f"The function arguments are not valid JSON ({exc.msg} at "
                                                f"character {exc.pos}); send one complete JSON object."
                                                if isinstance(exc, json.JSONDecodeError) else
                                                "The function arguments are not valid JSON.")]
    if not isinstance(data, dict):
        return None, [Problem(Code.MALFORMED_JSON, "The function arguments must be one JSON object.")]
    return data, []


def _arg_problems(data: dict[str, Any], target: Target) -> list[Problem]:
    expected = list(target.param_names)
    bare = {p.name: p.display_name for p in target.params}
    problems: list[Problem] = []
    seen: set[str] = set()
    for arg in data.get("args") or []:
        name = str(arg.get("name", "")).strip()
        real = bare.get(next(iter(bare_names(name)), ""))
        if real is None:
            where = f"`{target.qualname}`" if not target.is_class else f"class `{target.qualname}` (document " \
                                                                       "constructor parameters in __init__)"
            problems.append(Problem(Code.UNKNOWN_PARAM, f"`{name}` is not a parameter of {where}; remove it."))
        elif real in seen:
            problems.append(Problem(Code.DUPLICATE_PARAM, f"Parameter `{real}` is documented more than once; "
                                                       "document it exactly once."))
        else:
            seen.add(real)
            if not str(arg.get("description") or "").strip():
                problems.append(Problem(Code.EMPTY_PARAM, f"Parameter `{real}` has an empty description."))
    missing = [name for name in expected if name not in seen]
    if missing:
        names = ", ".join(f"`{n}`" for n in missing)
        problems.append(Problem(Code.MISSING_PARAM, f"Parameter(s) {names} are not documented; add each to args "
                                                 "under that exact name."))
    return problems


def _section_problems(data: dict[str, Any], target: Target) -> list[Problem]:
    problems: list[Problem] = []
    returns, yields = data.get("returns"), data.get("yields")
    wants_returns = needs_returns(target)
    if wants_returns and not returns:
        problems.append(Problem(Code.MISSING_RETURNS, "The code returns a value; describe it in returns."))
    elif returns and not wants_returns and not may_document_returns(target):
        problems.append(Problem(Code.UNEXPECTED_RETURNS, "The code returns no value; set returns to null."))
    if needs_yields(target) and not yields:
        problems.append(Problem(Code.MISSING_YIELDS, "The code is a generator; describe the yielded values in "
                                                  "yields."))
    elif yields and not target.is_generator:
        problems.append(Problem(Code.UNEXPECTED_YIELDS, "The code does not yield; set yields to null."))
    documented = [str(r.get("exception", "")).strip() for r in data.get("raises") or []]
    for name in documented:
        if not is_raised(name, target.raises):
            problems.append(Problem(Code.UNKNOWN_RAISE, f"The code does not raise `{name}` itself; remove it from "
                                                     "raises."))
    missing = undocumented_raises(target, documented)
    if missing:
        names = ", ".join(f"`{n}`" for n in missing)
        problems.append(Problem(Code.MISSING_RAISE, f"The code raises {names}; document each in raises."))
    return problems


def _attribute_problems(data: dict[str, Any], target: Target) -> list[Problem]:
    attributes = data.get("attributes") or []
    if not target.is_class:
        return [Problem(Code.UNKNOWN_ATTRIBUTE, "Only classes document attributes; set attributes to an empty "
                                             "list.")] if attributes else []
    known = {a.name for a in target.attributes}
    problems = [Problem(Code.UNKNOWN_ATTRIBUTE, f"`{a.get('name')}` is not an attribute of `{target.qualname}`; "
                                             "remove it.")
                for a in attributes if a.get("name") not in known]
    named = {a.get("name") for a in attributes}
    missing = [a.name for a in target.attributes if a.name not in named]
    if missing:
        names = ", ".join(f"`{n}`" for n in missing)
        problems.append(Problem(Code.MISSING_ATTRIBUTE, f"Attribute(s) {names} are not documented; add each to "
                                                     "attributes."))
    return problems


def _prose_parts(data: dict[str, Any]) -> list[tuple[str, str, object]]:
    """Every piece of prose of an answer: (part judged as, label in messages, text)."""
    parts: list[tuple[str, str, object]] = [("summary", "summary", data.get("summary")),
                                            ("description", "description", data.get("description"))]
    parts += [("param", f"description of `{a.get('name')}`", a.get("description")) for a in data.get("args") or []]
    for key in ("returns", "yields"):
        value = data.get(key)
        if isinstance(value, dict):
            parts.append((key, f"{key} text", value.get("description")))
            if key == "returns" and value.get("type"):  # a type the model gave is a claim like its prose
                parts.append((key, f"{key} type", value.get("type")))
    parts += [("raises", f"raises text of `{r.get('exception')}`", r.get("description"))
              for r in data.get("raises") or []]
    parts += [("attribute", f"description of attribute `{a.get('name')}`", a.get("description"))
              for a in data.get("attributes") or []]
    return parts


def prose_problems(data: dict[str, Any], target: Target) -> list[Problem]:
    """Return the faults of an answer's prose (see :func:`~docgen_magic.core.rules.prose_fault`) as problems.

    Args:
        data: An answer that matches the schema.
        target: The facts of the target.

    Returns:
        One problem per faulty piece of prose, naming the words at fault.
    """
    problems = []
    for part, label, text in _prose_parts(data):
        if isinstance(text, str) and is_placeholder(text):
            problems.append(Problem(Code.PLACEHOLDER, f'The {label} is a placeholder ("{text.strip()[:40]}"); write '
                                                      "what it is."))
            continue
        fault = prose_fault(text if isinstance(text, str) else None, target, part=part)
        if fault is None:
            continue
        if fault.code is Code.VACUOUS:
            message = (f'The {label} talks about the code ("{fault.found}") instead of saying what it is; say '
                       "what it is." if fault.about_code else
                       f'The {label} ("{fault.found}") has no words; write what it is.')
        elif fault.code is Code.VACUOUS_SUMMARY:
            message = (f'The summary talks about the code ("{fault.found}") instead of saying what '
                       f"`{target.qualname}` does; start with what it does." if fault.about_code else
                       f'The summary ("{fault.found}") says nothing about what `{target.qualname}` does beyond its '
                       "name; say what it does in one sentence.")
        elif fault.code is Code.MARKUP:
            message = (f'The {label} contains markup ("{fault.found}"); write plain text, without HTML tags or '
                       "entities.")
        else:
            message = (f"The {label} says {with_article(fault.found)} is returned, but the code returns "
                       f"{with_article(fault.expected)}; say what the {fault.expected} holds.")
        problems.append(Problem(fault.code, message))
    return problems


def validate(data: object, target: Target, *, strict: bool = True, check_schema: bool = True) -> list[Problem]:
    """Check a decoded answer against the schema, then against the facts of the code.

    Args:
        data: The decoded tool arguments.
        target: The facts of the target.
        strict: Validate against the strict schema (every property present, nullable where optional).
        check_schema: False for answers valid by construction (offline drafts): only the facts are checked,
            not the schema nor the prose.

    Returns:
        The problems found; empty when the answer can be shipped.
    """
    problems = schema_problems(data, strict=strict) if check_schema else []
    if problems or not isinstance(data, dict):
        return problems
    summary = str(data.get("summary") or "").strip()
    if not summary:
        problems.append(Problem(Code.EMPTY_SUMMARY, "The summary is empty; write one sentence."))
    elif "\n" in summary:
        problems.append(Problem(Code.MULTILINE_SUMMARY, "The summary must be one sentence on one line; move the "
                                                     "rest to description."))
    problems += _arg_problems(data, target)
    problems += _section_problems(data, target)
    problems += _attribute_problems(data, target)
    return problems + prose_problems(data, target) if check_schema else problems


def yielded_type(annotation: str | None) -> str | None:
    """Return the type of each yielded value, read from a generator's return annotation.

    Args:
        annotation: Source text such as ``Iterator[int]`` or ``Generator[str, None, None]``.

    Returns:
        The first type argument, or None when it cannot be read.
    """
    if not annotation:
        return None
    try:
        node = ast.parse(annotation, mode="eval").body
        if isinstance(node, ast.Constant) and isinstance(node.value, str):  # a quoted forward reference
            node = ast.parse(node.value, mode="eval").body
    except SyntaxError:
        return None
    if isinstance(node, ast.Subscript):
        inner = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) and node.slice.elts else node.slice
        return ast.unparse(inner)
    return None


def conform(doc: Docstring, target: Target, *, fill: bool = False) -> Docstring:
    """Make a docstring's structure exactly the code's.

    Parameters follow the signature's order under their real names (stars included); names the code does not
    have are dropped, and so are exceptions it does not raise and attributes it does not have. Types come
    from the annotations; the model's type is kept only where the code has none and it says something
    (never ``Any``, ``object`` or empty). Every parameter with a default says so (``Defaults to ...``). A
    function's summary opening with a verb in the third person is put in the imperative (``Return ...``).

    Args:
        doc: A docstring that passed :func:`validate` (possibly with droppable problems).
        target: The facts of the target.
        fill: Also give the code's structure to the sections the docstring gets wrong: missing parameters,
            return value, yields, exceptions and attributes are written from the facts
            (:mod:`~docgen_magic.core.drafts`), and a return value or yields the code does not have are
            dropped. See :func:`conform_with_notes`.

    Returns:
        The conformed docstring.
    """
    return conform_with_notes(doc, target, fill=fill)[0]


def conform_with_notes(doc: Docstring, target: Target, *, fill: bool = True) -> tuple[Docstring, list[str]]:
    """:func:`conform`, also naming what was taken from the code instead of the answer.

    Args:
        doc: The docstring.
        target: The facts of the target.
        fill: Fill and drop sections from the code (see :func:`conform`).

    Returns:
        The docstring and one note per part written from the code, e.g. ``Returns written from the code``.
    """
    notes: list[str] = []
    by_name: dict[str, ArgDoc] = {}
    for given in doc.args:
        for name in bare_names(given.name)[:1]:
            by_name.setdefault(name, given)
    args = []
    for param in target.params:
        arg = by_name.get(param.name)
        text = str(arg.description).strip() if arg is not None else ""
        if not text:
            if not fill:
                continue
            text = drafts.param_text(target, param)
            notes.append(f"parameter {param.display_name}")
        args.append(ArgDoc(param.display_name, param.annotation or _clean_type(arg.type if arg else None),
                           drafts.with_default(text, param)))
    returns = doc.returns
    if returns is None and fill and needs_returns(target):
        returns = ReturnsDoc(None, drafts.returns_text(target))
        notes.append("Returns")
    elif returns is not None and fill and not needs_returns(target) and not may_document_returns(target):
        returns = None
        notes.append("no Returns")
    if returns is not None:
        returns = ReturnsDoc(target.returns_annotation or _clean_type(returns.type), returns.description) \
            if not target.is_generator else ReturnsDoc(_clean_type(returns.type), returns.description)
    yields = doc.yields
    if fill and yields is None and needs_yields(target):
        yields = YieldsDoc(None, drafts.yields_text(target))
        notes.append("Yields")
    elif fill and yields is not None and not needs_yields(target):
        yields = None
        notes.append("no Yields")
    if yields is not None:
        yields = YieldsDoc(yielded_type(target.returns_annotation) or _clean_type(yields.type),
                           yields.description)
    raises = [r for r in doc.raises if is_raised(r.exception, target.raises)]
    if fill:
        for name in undocumented_raises(target, [r.exception for r in raises]):
            raises.append(RaisesDoc(name, drafts.raise_text(target, name)))
            notes.append(f"Raises {name}")
    known = {a.name: a for a in target.attributes}
    attributes = [dataclasses.replace(a, type=known[a.name].annotation or _clean_type(a.type))
                  for a in doc.attributes if a.name in known] if target.is_class else []
    if fill and target.is_class:
        named = {a.name for a in attributes}
        for attribute in target.attributes:
            if attribute.name not in named:
                attributes.append(AttributeDoc(attribute.name, attribute.annotation,
                                               drafts.attribute_text(target, attribute.name)))
                notes.append(f"attribute {attribute.name}")
        order = {a.name: i for i, a in enumerate(target.attributes)}
        attributes.sort(key=lambda a: order[a.name])
    conformed = dataclasses.replace(doc, summary=imperative(doc.summary, target), args=args, returns=returns,
                                    yields=yields, raises=raises, attributes=attributes)
    return conformed, notes


_VACUOUS_TYPES = frozenset({"", "any", "typing.any", "object", "builtins.object", "unknown", "type", "none",
                            "nonetype", "null"})


def _clean_type(text: str | None) -> str | None:
    """Return a model's type, or None when it says nothing (``Any``, ``object``, empty)."""
    text = (text or "").strip().strip("`").strip()
    return None if text.lower() in _VACUOUS_TYPES else text
