"""Kernel context: what a live namespace says about the objects a cell's functions are called with.

It reads, never runs. The kernel's executed cells (its input history, ``In``) are parsed, and the calls to
each target made at module level are resolved against the namespace: a plain name (a loop variable still
bound counts), an attribute of a name, or a literal. The globals a function reads are looked up the same
way, and a parameter passed straight to a callable the kernel holds takes that callable's documented
description of it. No user code is run, wrapped, traced or re-executed:

- objects are described only for known-safe types (builtins, numpy arrays, pandas frames / series /
  indexes, polars frames and series, each of the exact type), anything else by its type name alone; no
  ``repr``, no ``__len__`` of unknown types, no property or ``__getattr__`` (attributes are read statically);
- a type's names come from ``type``'s own descriptors, so a metaclass cannot intercept them;
- libraries are described only when the user imported them (``sys.modules``), never imported here;
- values never enter a description: no strings, no cell contents, no keys of a dict that is not a record.

The descriptions are the core's plain data (:mod:`docgen_magic.core.observed`).
"""

from __future__ import annotations

import ast
import inspect
import itertools
import logging
import re
import sys
import time
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from docgen_magic.core.cell import Cell, CellSyntaxError, parse_cell
from docgen_magic.core.facts import (
    Param,
    ParamKind,
    Target,
    TargetKind,
    dotted_name,
    extract_targets,
    own_scope_nodes,
)
from docgen_magic.core.observed import (
    ARRAY,
    FRAME,
    INDEX,
    MAPPING,
    RECORD,
    SEQUENCE,
    SERIES,
    SET,
    Inherited,
    Observation,
    Seen,
    merge,
    report,
    seen_line,
)
from docgen_magic.core.options import KERNEL_CONTEXT_MODES

__all__ = ["KERNEL_CONTEXT_MODES", "context_report", "describe", "forget", "gather", "history_of", "observer"]

logger = logging.getLogger(__name__)

DESCRIBE_SECONDS = 0.005
"""The time cap of one description: sampling stops there and what was read so far is kept."""

_MAX_HISTORY = 1000  # the most recent executed cells read
_MAX_SAMPLE = 50  # elements, items or columns read from one container
_MAX_FIELDS = 30  # columns or keys listed
_MAX_WIDE = 2000  # a frame wider than this is described by its column count (reading its dtypes takes long)
_MAX_RECORD_KEYS = 20  # a dict with more keys holds data, not a record
_MAX_NAME_CHARS = 64  # a longer column name is data-like
_MAX_GLOBALS = 10
_MAX_LITERAL_NODES = 200
_MAX_INHERITED_CHARS = 240
_PARSED_CACHE = 4096
_IPYTHON_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit", "display"})
_MISSING = object()

_type_name_of = type.__dict__["__name__"].__get__
_type_qualname_of = type.__dict__["__qualname__"].__get__
_type_module_of = type.__dict__["__module__"].__get__
_type_mro_of = type.__dict__["__mro__"].__get__
_type_doc_of = type.__dict__["__doc__"].__get__
_type_dict_of = type.__dict__["__dict__"].__get__


# -- the history: module-level calls of each executed cell, parsed once per text ----------------------------

@dataclass(frozen=True)
class _CallSite:
    """One module-level call: the callee's base name (``m`` of ``m.push``, None for ``f(...)``) and its node."""

    base: str | None
    node: ast.Call


@dataclass
class _CellCalls:
    by_name: dict[str, list[_CallSite]] = field(default_factory=dict)


_parsed: dict[str, _CellCalls | None] = {}
_split: dict[str, tuple[str, ...]] = {}
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
# Nodes never entered: leaves that hold no call, and scopes whose names are not the namespace's.
_UNVISITED = (ast.Name, ast.Constant, ast.expr_context, ast.operator, ast.boolop, ast.cmpop, ast.unaryop,
              ast.alias, ast.Import, ast.ImportFrom, ast.Pass, ast.Global, ast.Nonlocal, ast.Lambda,
              ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _module_calls(module: ast.Module) -> _CellCalls:
    """Index the calls a module makes at module level by the callee's last name.

    Bodies of functions, classes, lambdas and comprehensions are not entered: their names are not the
    namespace's.
    """
    calls = _CellCalls()
    by_name = calls.by_name
    stack: list[ast.AST] = list(module.body)
    while stack:
        node = stack.pop()
        if isinstance(node, _DEFINITIONS):
            stack.extend(node.decorator_list)
            continue
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                by_name.setdefault(func.id, []).append(_CallSite(None, node))
            elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                by_name.setdefault(func.attr, []).append(_CallSite(func.value.id, node))
        for name in node._fields:  # ast.iter_child_nodes, without its generators and the leaves
            value = getattr(node, name, None)
            if type(value) is list:
                stack.extend(item for item in value if isinstance(item, ast.AST) and not isinstance(item, _UNVISITED))
            elif isinstance(value, ast.AST) and not isinstance(value, _UNVISITED):
                stack.append(value)
    for sites in by_name.values():  # source order: what is seen first is listed first
        sites.sort(key=lambda site: (site.node.lineno, site.node.col_offset))
    return calls


def _parse_calls(text: str) -> _CellCalls | None:
    """Return the calls of a piece of Python text, parsed once per text; None when it does not parse."""
    found = _parsed.get(text, _MISSING)
    if found is _MISSING:
        try:
            module = compile(text, "<cell>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
                             dont_inherit=True)
            found = _module_calls(module)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            found = None
        if len(_parsed) >= _PARSED_CACHE:
            _parsed.clear()
        _parsed[text] = found
    return found  # type: ignore[return-value]


_BRACKETS = str.maketrans("[{]}", "(())")


def _statements(text: str) -> tuple[str, ...]:
    """Split a cell's text into its top-level statements, cheaply, for parsing only those that name a target.

    A statement starts on a line with no indentation, outside brackets, after no backslash or decorator, that
    does not continue a compound statement (``else``, ``except`` ...). A cell with a triple-quoted string is
    not split (a line inside it could look like a statement). A wrong split fails to parse, and then the
    whole cell is parsed instead.
    """
    cached = _split.get(text)
    if cached is not None:
        return cached
    if len(_split) >= _PARSED_CACHE:
        _split.clear()
    if '"""' in text or "'''" in text:
        _split[text] = (text,)
        return (text,)
    chunks: list[str] = []
    current: list[str] = []
    depth = 0
    for line in text.splitlines(keepends=True):
        starts = (depth == 0 and current and line[:1] not in _NOT_A_START and not line.startswith(_CONTINUATIONS)
                  and not current[-1].rstrip().endswith("\\") and not current[-1].startswith("@"))
        if starts:
            chunks.append("".join(current))
            current = []
        current.append(line)
        brackets = line.translate(_BRACKETS)
        depth = max(depth + brackets.count("(") - brackets.count(")"), 0)
    if current:
        chunks.append("".join(current))
    _split[text] = tuple(chunks)
    return _split[text]


_NOT_A_START = frozenset({" ", "\t", ")", "]", "}", "#", "\n", "\r", ""})
_CONTINUATIONS = ("else", "elif", "except", "finally", "case")


def _history_calls(text: str, mentions: re.Pattern[str]) -> list[_CellCalls]:
    """Return the calls of the statements of an executed cell that name one of the targets."""
    chunks = [chunk for chunk in _statements(text) if mentions.search(chunk)]
    found = [_parse_calls(chunk) for chunk in chunks]
    if all(calls is not None for calls in found):
        return found  # type: ignore[return-value]
    whole = _parse_calls(text)  # split wrongly (or not valid Python at all)
    return [whole] if whole is not None else []


def forget() -> None:
    """Forget every executed cell indexed so far (the next run parses the history again)."""
    _parsed.clear()
    _split.clear()


def history_of(namespace: Mapping[str, Any]) -> list[str]:
    """Return the executed cells an IPython namespace keeps in ``In`` (the most recent ones), else none.

    Args:
        namespace: A kernel's ``user_ns``, or any namespace.

    Returns:
        The cells' Python texts, oldest first.
    """
    cells = _lookup(namespace, "In")
    if type(cells) is not list:
        return []
    return [text for text in cells[-_MAX_HISTORY:] if type(text) is str and text]


# -- reading the namespace without running anything ---------------------------------------------------------

def _lookup(namespace: Mapping[str, Any], name: str) -> Any:
    if type(namespace) is dict:
        return dict.get(namespace, name, _MISSING)
    try:
        return namespace.get(name, _MISSING)
    except Exception:
        return _MISSING


def _has_get(value: Any) -> bool:
    """Whether a value is a descriptor (its type defines ``__get__``): reading it through an object runs code."""
    return any("__get__" in _type_dict_of(klass) for klass in _type_mro_of(type(value)))


def _static_attribute(obj: Any, name: str) -> Any:
    """Read an attribute's stored value without running a property, ``__getattr__`` or any descriptor."""
    if name.startswith("__"):
        return _MISSING
    try:
        value = inspect.getattr_static(obj, name)
    except Exception:
        return _MISSING
    if issubclass(type(obj), types.ModuleType):  # a module's own values are never bound on the way out
        return value
    if issubclass(type(obj), type) and type(value) is types.FunctionType:  # a plain function of a class
        return value
    return _MISSING if _has_get(value) else value  # a property, a bound method: reading it would run code


def _resolve_dotted(expr: ast.expr, namespace: Mapping[str, Any]) -> Any:
    """Return the object a name or an attribute chain of a name stands for, or _MISSING."""
    dotted = dotted_name(expr)
    if dotted is None:
        return _MISSING
    first, *parts = dotted.split(".")
    value = _lookup(namespace, first)
    for part in parts:
        if value is _MISSING:
            break
        value = _static_attribute(value, part)
    return value


def _literal(expr: ast.expr) -> Any:
    """Return the value of a literal (``"x"``, ``-1``, ``[1, 2]``, ``{"a": 1}``), or _MISSING."""
    if isinstance(expr, ast.Constant):
        return expr.value
    if not isinstance(expr, (ast.UnaryOp, ast.List, ast.Tuple, ast.Set, ast.Dict)):
        return _MISSING
    if sum(1 for _ in ast.walk(expr)) > _MAX_LITERAL_NODES:
        return _MISSING
    try:
        return ast.literal_eval(expr)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _MISSING


def _argument(expr: ast.expr, namespace: Mapping[str, Any]) -> tuple[Any, bool]:
    """Return the object an argument stands for (or _MISSING), and whether it lives in the namespace."""
    value = _literal(expr)
    return (_resolve_dotted(expr, namespace), True) if value is _MISSING else (value, False)


# -- describing an object safely ----------------------------------------------------------------------------

_type_names: dict[int, tuple[type, str]] = {}


def type_name(cls: type) -> str:
    """Return a type's name as its library exports it (``pandas.DataFrame``); builtins and ``__main__`` bare.

    Args:
        cls: The type.

    Returns:
        The qualified name.
    """
    cached = _type_names.get(id(cls))
    if cached is not None and cached[0] is cls:
        return cached[1]
    qualname = _type_qualname_of(cls)
    module = _type_module_of(cls)
    if cls is type(None):
        name = "None"
    elif module in ("builtins", "__main__") or not isinstance(module, str):
        name = qualname
    else:
        top = module.split(".")[0]
        package = sys.modules.get(top)
        exported = package is not None and "." not in qualname and _static_attribute(package, qualname) is cls
        name = f"{top}.{qualname}" if exported else f"{module}.{qualname}"
    if len(_type_names) > 4096:
        _type_names.clear()
    _type_names[id(cls)] = (cls, name)
    return name


def _bases(cls: type) -> tuple[str, ...]:
    return tuple(_type_name_of(klass) for klass in _type_mro_of(cls))


def _element_types(values: Iterable[Any], deadline: float) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for count, value in enumerate(values):
        if count >= _MAX_SAMPLE or time.perf_counter() > deadline:
            break
        found.setdefault(type_name(type(value)))
    return tuple(found)


def _is_schema_name(name: Any) -> bool:
    return type(name) is str and 0 < len(name) <= _MAX_NAME_CHARS and name.isprintable()


def describe(obj: Any, mode: str = "schema") -> Seen:
    """Describe an object by its type and, for known-safe types, the shape of its data; never its values.

    Args:
        obj: Any object of the namespace (a call argument or a global the function reads).
        mode: ``schema`` (column names and record keys listed) or ``types`` (types and counts only).

    Returns:
        The description.
    """
    cls = type(obj)
    deadline = time.perf_counter() + DESCRIBE_SECONDS
    base = Seen(type=type_name(cls), bases=_bases(cls))
    try:
        return _describe_known(obj, cls, base, mode == "schema", deadline) or base
    except Exception as exc:  # a library's own object misbehaving: its type is still known
        logger.debug("describing a %s failed: %s", base.type, type(exc).__name__)  # its message could quote data
        return base


def _describe_known(obj: Any, cls: type, base: Seen, names: bool, deadline: float) -> Seen | None:
    if cls in (list, tuple):
        return _replace(base, kind=SEQUENCE, items=_element_types(obj, deadline))
    if cls in (set, frozenset):
        return _replace(base, kind=SET, items=_element_types(obj, deadline))
    if cls is dict:
        return _describe_dict(obj, base, names, deadline)
    numpy = sys.modules.get("numpy")
    if numpy is not None and cls is numpy.ndarray:
        dtype = "structured" if obj.dtype.names and not names else str(obj.dtype)
        return _replace(base, kind=ARRAY, dtype=dtype, shape=tuple(int(n) for n in obj.shape))
    pandas = sys.modules.get("pandas")
    if pandas is not None:
        if cls is pandas.DataFrame:
            columns = obj.columns
            if len(columns) > _MAX_WIDE:  # the dtypes of every column would be read: count them only
                return _replace(base, kind=FRAME, field_count=len(columns),
                                index=type_name(type(obj.index)).rsplit(".", 1)[-1])
            listed = columns[:_MAX_FIELDS]
            dtypes = obj.dtypes.iloc[:_MAX_FIELDS]
            fields = tuple((label, str(dtype)) for label, dtype in zip(listed, dtypes, strict=True))
            shown = fields if names and all(_is_schema_name(label) for label, _ in fields) else ()
            return _replace(base, kind=FRAME, fields=shown, field_count=len(columns),
                            index=type_name(type(obj.index)).rsplit(".", 1)[-1])
        if cls is pandas.Series:
            return _replace(base, kind=SERIES, dtype=str(obj.dtype),
                            index=type_name(type(obj.index)).rsplit(".", 1)[-1])
        if issubclass(cls, pandas.Index) and _type_module_of(cls).startswith("pandas."):
            return _replace(base, kind=INDEX, dtype=str(obj.dtype))
    polars = sys.modules.get("polars")  # described only when the user imported it
    if polars is not None:
        if cls is polars.DataFrame:
            schema = list(obj.schema.items())
            fields = tuple((str(name), str(dtype)) for name, dtype in schema[:_MAX_FIELDS])
            shown = fields if names and all(_is_schema_name(label) for label, _ in fields) else ()
            return _replace(base, kind=FRAME, fields=shown, field_count=len(schema))
        if cls is polars.Series:
            return _replace(base, kind=SERIES, dtype=str(obj.dtype))
    return None


def _describe_dict(obj: dict[Any, Any], base: Seen, names: bool, deadline: float) -> Seen:
    keys = list(itertools.islice(obj, _MAX_RECORD_KEYS + 1))  # never a copy of a big dict's keys
    record = 0 < len(obj) <= _MAX_RECORD_KEYS and all(type(k) is str and k.isidentifier() for k in keys)
    if record:
        fields = tuple((key, type_name(type(dict.__getitem__(obj, key)))) for key in keys)
        items = tuple(dict.fromkeys(kind for _, kind in fields))
        return _replace(base, kind=RECORD, fields=fields if names else (), field_count=len(obj), items=items)
    return _replace(base, kind=MAPPING, keys=_element_types(obj.keys(), deadline),
                    items=_element_types(obj.values(), deadline))


def _replace(base: Seen, **changes: Any) -> Seen:
    return replace(base, **changes)


# -- calls to a target ---------------------------------------------------------------------------------------

def _owner(target: Target) -> str:
    return target.qualname.split("#", 1)[0].rsplit(".", 1)[0]


def _class_qualname(value: Any) -> str | None:
    return _type_qualname_of(value) if issubclass(type(value), type) else None


def _arguments_of(target: Target, site: _CallSite, namespace: Mapping[str, Any]) -> list[ast.expr] | None:
    """Return the positional arguments the target's parameters receive, or None when the call is not of it.

    ``f(x)`` calls the function ``f``; ``m.push(x)`` the method ``push`` of ``m``'s class; ``Model.push(m, x)``
    the same method through its class (its first argument is the instance); ``Model(x)`` and
    ``Model.from_csv(p)`` the class's ``__init__`` and class method.
    """
    name = target.qualname.split("#", 1)[0]
    args = list(site.node.args)
    if target.kind is TargetKind.FUNCTION:
        return args if "." not in name and site.base is None else None
    owner = _owner(target)
    if target.name == "__init__":
        if site.base is None:
            return args if "." not in owner and site.node.func.id == owner else None  # type: ignore[attr-defined]
        holder = _lookup(namespace, site.base)
        attr = site.node.func.attr  # type: ignore[attr-defined]
        cls = _static_attribute(holder, attr) if holder is not _MISSING else _MISSING
        return args if cls is not _MISSING and _class_qualname(cls) == owner else None
    if site.base is None or target.kind is TargetKind.PROPERTY:
        return None
    holder = _lookup(namespace, site.base)
    if holder is _MISSING:
        return None
    if _class_qualname(holder) == owner:  # called through the class
        if target.kind is TargetKind.METHOD:
            return args[1:] if args and not isinstance(args[0], ast.Starred) else None
        return args
    return args if _defined_by(type(holder), target.name) == owner else None


def _defined_by(cls: type, name: str) -> str | None:
    """Return the qualified name of the class whose method an instance's ``name`` is (a subclass may override it)."""
    for klass in _type_mro_of(cls):
        if name in _type_dict_of(klass):
            return str(_type_qualname_of(klass))
    return None


@dataclass(frozen=True)
class _Binder:
    """How a signature receives a call's arguments (worked out once per target, used for each of its calls)."""

    positional: tuple[str, ...]
    variadic: str | None
    keywords: frozenset[str]
    extra: str | None

    @classmethod
    def of(cls, params: Sequence[Param]) -> _Binder:
        """Read a signature.

        Args:
            params: The target's parameters (without ``self`` / ``cls``).

        Returns:
            The binder.
        """
        kinds = {p.kind: p.name for p in reversed(params)}
        return cls(positional=tuple(p.name for p in params
                                    if p.kind in (ParamKind.POSITIONAL_ONLY, ParamKind.POSITIONAL_OR_KEYWORD)),
                   variadic=kinds.get(ParamKind.VAR_POSITIONAL),
                   keywords=frozenset(p.name for p in params
                                      if p.kind in (ParamKind.POSITIONAL_OR_KEYWORD, ParamKind.KEYWORD_ONLY)),
                   extra=kinds.get(ParamKind.VAR_KEYWORD))

    def bind(self, args: Sequence[ast.expr], keywords: Sequence[ast.keyword]) -> list[tuple[str, ast.expr]]:
        """Pair a call's arguments with the parameters receiving them (a starred argument ends the positional part).

        Args:
            args: The call's positional arguments, as the target receives them.
            keywords: The call's keyword arguments.

        Returns:
            (parameter name, argument expression) pairs; ``**mapping`` arguments are left out.
        """
        pairs: list[tuple[str, ast.expr]] = []
        for index, arg in enumerate(args):
            if isinstance(arg, ast.Starred):
                break
            if index < len(self.positional):
                pairs.append((self.positional[index], arg))
            elif self.variadic is not None:
                pairs.append((self.variadic, arg))
        for item in keywords:
            if item.arg is None:
                continue
            if item.arg in self.keywords:
                pairs.append((item.arg, item.value))
            elif self.extra is not None:
                pairs.append((self.extra, item.value))
        return pairs


# -- globals and inherited descriptions ---------------------------------------------------------------------

@lru_cache(maxsize=512)
def _global_names(source: str, qualname: str, node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ...]:
    """Return the names a function reads and does not bind itself (parameters, assignments, imports), in order.

    ``source`` and ``qualname`` are the cache key (the node of a later parse of the same text is equivalent).
    """
    args = node.args
    bound = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg) if a}
    declared: set[str] = set()
    loaded: dict[str, None] = {}
    for child in ast.walk(node):
        if isinstance(child, ast.Global):
            declared.update(child.names)
        elif isinstance(child, ast.Name):
            if isinstance(child.ctx, ast.Load):
                loaded.setdefault(child.id)
            else:
                bound.add(child.id)
        elif isinstance(child, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in child.names)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and child is not node:
            bound.add(child.name)
    return tuple(n for n in loaded if n in declared or n not in bound)


_SCALARS = frozenset({str, int, float, bool, bytes, complex, type(None)})
_NOT_DATA = (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType, types.MethodType,
             types.BuiltinMethodType)


def _globals(target: Target, namespace: Mapping[str, Any], defined: set[str], mode: str) -> dict[str, Seen]:
    node = target.node
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return {}
    found: dict[str, Seen] = {}
    for name in _global_names(target.source, target.qualname, node):
        if name.startswith("_") or name in defined or name in _IPYTHON_NAMES:
            continue
        value = _lookup(namespace, name)
        if value is _MISSING or issubclass(type(value), _NOT_DATA) or issubclass(type(value), type):
            continue
        found[name] = describe(value, mode)
        if len(found) >= _MAX_GLOBALS:
            break
    return found


def _callable_name(func: Any) -> str:
    """``pandas.read_csv`` for a function its package exports, else ``module.qualname``."""
    if issubclass(type(func), type):
        return type_name(func)
    module = getattr(func, "__module__", None) if isinstance(func, types.FunctionType) else None
    qualname = func.__qualname__ if isinstance(func, (types.FunctionType, types.BuiltinFunctionType)) else ""
    if not isinstance(module, str) or module == "__main__":
        return qualname
    top = module.split(".")[0]
    package = sys.modules.get(top)
    if package is not None and _static_attribute(package, func.__name__) is func:
        return f"{top}.{func.__name__}"
    return f"{module}.{qualname}"


def _documented_callable(func: Any) -> tuple[str, list[str] | None] | None:
    """Return a callable's docstring and positional parameter names (None when unknown), without running it.

    Plain functions, builtins and classes only (a class's constructor is documented by the class or its
    ``__init__``); anything else might compute its docstring.
    """
    if isinstance(func, types.FunctionType) and type(func) is types.FunctionType:
        code = func.__code__
        doc = func.__doc__
        return (doc, list(code.co_varnames[:code.co_argcount])) if isinstance(doc, str) else None
    if type(func) is types.BuiltinFunctionType:
        doc = func.__doc__
        return (doc, None) if isinstance(doc, str) else None
    if issubclass(type(func), type) and type(func) is type:
        doc = _type_doc_of(func)
        init = vars(func).get("__init__")
        positional = None
        if type(init) is types.FunctionType:
            code = init.__code__
            positional = list(code.co_varnames[1:code.co_argcount])
            if not isinstance(doc, str) or not re.search(r":param|Parameters|Args:", doc):
                doc = init.__doc__ if isinstance(init.__doc__, str) else doc
        return (doc, positional) if isinstance(doc, str) else None
    return None


@lru_cache(maxsize=256)
def _documented_params(doc: str) -> dict[str, str]:
    """Parameter name -> description, read from a docstring with docstring_parser (any style)."""
    import docstring_parser

    try:
        parsed = docstring_parser.parse(doc)
    except Exception:
        return {}
    found: dict[str, str] = {}
    for param in parsed.params:
        text = re.sub(r"\s+", " ", param.description or "").strip()
        for name in re.split(r"\s*,\s*", param.arg_name.replace("\\", "").lstrip("*")):
            if name and text:
                found.setdefault(name, text)
    return found


def _first_sentences(text: str) -> str:
    """Return a description's first sentence (two when the first is short), at most a few hundred characters."""
    sentences = re.split(r"(?<=\.)\s+(?=[A-Z`(])", text)
    kept = sentences[0] if len(sentences[0]) >= 40 or len(sentences) == 1 else " ".join(sentences[:2])
    if len(kept) <= _MAX_INHERITED_CHARS:
        return kept
    return kept[:_MAX_INHERITED_CHARS].rsplit(" ", 1)[0] + " …"


_Passed = tuple[int | None, str | None, str]  # (position, keyword, the target's parameter)


@lru_cache(maxsize=512)
def _passed_on(source: str, qualname: str, node: ast.FunctionDef | ast.AsyncFunctionDef,
               ) -> tuple[tuple[str, ast.expr, tuple[_Passed, ...]], ...]:
    """Return the calls of a function's own scope that pass a parameter straight on, once per definition text.

    ``source`` and ``qualname`` are the cache key (the node of a later parse of the same text is equivalent).
    """
    args = node.args
    params = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg) if a}
    found = []
    for call in own_scope_nodes(node):
        if not isinstance(call, ast.Call) or any(isinstance(a, ast.Starred) for a in call.args):
            continue
        passed: list[_Passed] = [
            (i, None, a.id) for i, a in enumerate(call.args) if isinstance(a, ast.Name) and a.id in params]
        passed += [(None, k.arg, k.value.id) for k in call.keywords
                   if k.arg and isinstance(k.value, ast.Name) and k.value.id in params]
        name = dotted_name(call.func)
        if passed and name is not None and name.split(".")[0] not in params:
            found.append((name, call.func, tuple(passed)))
    return tuple(found)


def _inherited(target: Target, namespace: Mapping[str, Any], defined: set[str]) -> dict[str, Inherited]:
    """Parameters passed straight to a documented callable of the kernel (``pd.read_csv(path, sep=sep)``)."""
    node = target.node
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return {}
    found: dict[str, Inherited] = {}
    for name, func_node, passed_on in _passed_on(target.source, target.qualname, node):
        passed = [p for p in passed_on if p[2] not in found]
        if not passed or name in defined:
            continue
        func = _resolve_dotted(func_node, namespace)
        documented = _documented_callable(func) if func is not _MISSING else None
        if documented is None:
            continue
        doc, positional = documented
        descriptions = _documented_params(doc)
        for index, keyword_name, param in passed:
            callee_param = keyword_name
            if callee_param is None and positional is not None and index is not None and index < len(positional):
                callee_param = positional[index]
            if callee_param and callee_param in descriptions:
                found[param] = Inherited(_callable_name(func), callee_param,
                                         _first_sentences(descriptions[callee_param]))
    return found


# -- gathering -------------------------------------------------------------------------------------------------

def gather(targets: Sequence[Target], namespace: Mapping[str, Any], *, history: Sequence[str] = (),
           cell: Cell | None = None, mode: str = "schema") -> dict[str, Observation]:
    """Observe what each target is called with, the globals it reads and the descriptions it can inherit.

    Args:
        targets: The cell's targets.
        namespace: The live namespace the calls are resolved against (a kernel's ``user_ns``).
        history: Executed cells' Python texts, oldest first (their module-level calls are read).
        cell: The cell being documented: its own module-level calls count too.
        mode: ``schema`` or ``types`` (``off`` observes nothing).

    Returns:
        Target qualname -> its observation (targets with nothing observed are left out).
    """
    if mode == "off" or not targets:
        return {}
    names = {_lookup_name(t) for t in targets if not t.is_class}
    mentions = re.compile("|".join(sorted(map(re.escape, names))) or "(?!)")
    indexes = [calls for text in history if mentions.search(text)  # most cells call none of them
               for calls in _history_calls(text, mentions)]
    if cell is not None:
        indexes.append(_module_calls(cell.module))
    defined = {t.name for t in targets}
    observed: dict[str, Observation] = {}
    described: dict[int, Seen] = {}  # the namespace's objects stay alive meanwhile, so their ids are stable
    for target in targets:
        if target.is_class:
            continue
        try:
            observation = _observe(target, indexes, namespace, defined, mode, described)
        except RecursionError:
            continue
        if not observation.empty:
            observed[target.qualname] = observation
    return observed


def _lookup_name(target: Target) -> str:
    """Return the name a call of the target ends with: the function's, or the class's for ``__init__``."""
    return _owner(target).rsplit(".", 1)[-1] if target.name == "__init__" else target.name


def _observe(target: Target, indexes: Sequence[_CellCalls], namespace: Mapping[str, Any], defined: set[str],
             mode: str, described: dict[int, Seen]) -> Observation:
    lookup = _lookup_name(target)
    seen: dict[str, list[Seen]] = {}
    calls = 0
    binder = _Binder.of(target.params)
    described_scalars: dict[type, Seen] = {}
    for index in indexes:
        for site in index.by_name.get(lookup, ()):
            if target.name == "__init__" and site.base is None and site.node.func.id != lookup:  # type: ignore[attr-defined]
                continue
            args = _arguments_of(target, site, namespace)
            if args is None:
                continue
            calls += 1
            for name, expr in binder.bind(args, site.node.keywords):
                value, alive = _argument(expr, namespace)
                if value is _MISSING:
                    continue
                if not alive:  # a literal: its id may be reused once it is freed; a scalar's type says it all
                    scalar = type(value) in _SCALARS
                    if not scalar or type(value) not in described_scalars:
                        found = describe(value, mode)
                        if not scalar:
                            seen.setdefault(name, []).append(found)
                            continue
                        described_scalars[type(value)] = found
                    seen.setdefault(name, []).append(described_scalars[type(value)])
                    continue
                if id(value) not in described:  # one object passed by many calls is described once
                    described[id(value)] = describe(value, mode)
                seen.setdefault(name, []).append(described[id(value)])
    return Observation(params={name: merge(found) for name, found in seen.items()},
                       globals=_globals(target, namespace, defined, mode),
                       inherited=_inherited(target, namespace, defined), calls=calls)


def observer(namespace: Mapping[str, Any], mode: str = "schema",
             history: Sequence[str] | None = None) -> Callable[[Cell, Sequence[Target]], dict[str, Observation]]:
    """Return the pipeline's observe hook for a namespace: each cell's targets observed against it.

    Args:
        namespace: The live namespace (a kernel's ``user_ns``).
        mode: ``schema`` or ``types``.
        history: Executed cells; the namespace's ``In`` when None.

    Returns:
        A function of a parsed cell and its targets.
    """
    cells = history_of(namespace) if history is None else list(history)

    def observe(cell: Cell, targets: Sequence[Target]) -> dict[str, Observation]:
        return gather(targets, namespace, history=cells, cell=cell, mode=mode)

    return observe


def _magic_body(text: str) -> str:
    """Return the body of a ``%%docgen`` cell as ``In`` holds it (a ``run_cell_magic`` call), else the text."""
    if "run_cell_magic" not in text:
        return text
    try:
        module = ast.parse(text)
    except SyntaxError:
        return text
    if len(module.body) == 1 and isinstance(module.body[0], ast.Expr) and isinstance(module.body[0].value, ast.Call):
        call = module.body[0].value
        args = call.args
        if (isinstance(call.func, ast.Attribute) and call.func.attr == "run_cell_magic" and len(args) == 3
                and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args)
                and args[0].value == "docgen"):  # type: ignore[attr-defined]
            return str(args[2].value)  # type: ignore[attr-defined]
    return text


def context_report(namespace: Mapping[str, Any], mode: str = "schema") -> str:
    """Say what would be taken from the kernel for the last executed cell that defines functions or classes.

    Args:
        namespace: The kernel's ``user_ns`` (its ``In`` is the history; the newest entry, the command asking,
            is not looked at).
        mode: The ``kernel_context`` setting.

    Returns:
        Plain text: per target, the lines the review would show and the line a model would be sent.
    """
    if mode == "off":
        return "docgen context: kernel_context is off, so nothing is taken from the kernel"
    cells = _lookup(namespace, "In")
    cells = cells if type(cells) is list else []
    for number in range(len(cells) - 2, 0, -1):
        text = cells[number]
        if type(text) is not str:
            continue
        try:
            cell = parse_cell(_magic_body(text))
        except CellSyntaxError:
            continue
        targets = extract_targets(cell)
        if targets:
            break
    else:
        return "docgen context: no executed cell defines a function or class yet"
    observed = gather(targets, namespace, history=history_of(namespace), cell=cell, mode=mode)
    lines = [f"docgen context (kernel_context = {mode}) for In[{number}], the last cell defining functions:"]
    for target in targets:
        found = report(target, observed.get(target.qualname))
        lines.append(f"  {target.qualname}: {'' if found else 'nothing seen in this kernel'}".rstrip())
        lines += [f"    {line}" for line in found]
        sent = seen_line(target, observed.get(target.qualname))
        if sent:
            lines.append(f"    sent to a model: {sent}")
    return "\n".join(lines)
