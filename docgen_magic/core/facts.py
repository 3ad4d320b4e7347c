"""Facts about documentable targets, as read from the AST.

These types are the contract between the parser (``facts``), the validator, the renderers, the
providers and the splicer.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from docgen_magic.core.cell import Cell, char_col


class ParamKind(str, Enum):
    """How a parameter can be passed."""

    POSITIONAL_ONLY = "positional-only"
    POSITIONAL_OR_KEYWORD = "positional-or-keyword"
    VAR_POSITIONAL = "var-positional"
    KEYWORD_ONLY = "keyword-only"
    VAR_KEYWORD = "var-keyword"


class TargetKind(str, Enum):
    """What sort of definition a target is."""

    FUNCTION = "function"
    METHOD = "method"
    CLASSMETHOD = "classmethod"
    STATICMETHOD = "staticmethod"
    PROPERTY = "property"
    CLASS = "class"


@dataclass(frozen=True)
class Param:
    """One parameter of a function signature.

    Attributes:
        name: The bare parameter name (no stars).
        kind: How the parameter is passed.
        annotation: The annotation's source text, or None.
        default: The default value's source text, or None.
    """

    name: str
    kind: ParamKind
    annotation: str | None = None
    default: str | None = None

    @property
    def display_name(self) -> str:
        """The name as written in a docstring: ``*args`` and ``**kwargs`` keep their stars."""
        if self.kind is ParamKind.VAR_POSITIONAL:
            return f"*{self.name}"
        if self.kind is ParamKind.VAR_KEYWORD:
            return f"**{self.name}"
        return self.name


@dataclass(frozen=True)
class Attribute:
    """A class attribute found in the code (class-level annotation or ``self.x`` in ``__init__``).

    Attributes:
        name: The attribute name.
        annotation: The annotation's source text, or None.
    """

    name: str
    annotation: str | None = None


@dataclass(frozen=True)
class Target:
    """A function, method or class that can carry a docstring, with the facts the code states.

    Attributes:
        qualname: Dotted name inside the cell, e.g. ``Model.fit``.
        name: The bare name.
        kind: Function, method, class, property, ...
        is_async: True for ``async def``.
        params: Parameters in signature order, without the implicit ``self`` / ``cls``.
        returns_annotation: Source text of the return annotation, or None.
        returns_value: True when some ``return`` statement returns a value.
        is_generator: True when the body yields (directly, not in nested scopes).
        raises: Exception names raised directly, in order of first appearance, no duplicates.
        attributes: For classes, the attributes found; empty otherwise.
        docstring: The existing docstring (raw, uncleaned), or None.
        source: The exact source segment of the definition, decorators included.
        lineno: 1-based line of the ``def`` / ``class`` keyword in the cell text.
        end_lineno: 1-based last line of the definition.
        decorators: Decorator source texts.
        node: The AST node (not compared, not serialised).
    """

    qualname: str
    name: str
    kind: TargetKind
    is_async: bool
    params: tuple[Param, ...]
    returns_annotation: str | None
    returns_value: bool
    is_generator: bool
    raises: tuple[str, ...]
    attributes: tuple[Attribute, ...]
    docstring: str | None
    source: str
    lineno: int
    end_lineno: int
    decorators: tuple[str, ...] = ()
    node: ast.AST | None = field(default=None, compare=False, repr=False, hash=False)

    @property
    def is_class(self) -> bool:
        """True when the target is a class."""
        return self.kind is TargetKind.CLASS

    @property
    def param_names(self) -> tuple[str, ...]:
        """Display names of the parameters, in order."""
        return tuple(p.display_name for p in self.params)


# --------------------------------------------------------------------------------------------------------
# Extraction: reading targets and their facts from a parsed cell.
# --------------------------------------------------------------------------------------------------------

_FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef)
_DEF_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_PROPERTY_DECORATORS = frozenset({"property", "cached_property", "abstractproperty"})
_ACCESSOR_DECORATORS = frozenset({"setter", "deleter"})


def is_documented(target: Target) -> bool:
    """Whether a target already carries a docstring with some text in it.

    Args:
        target: The target, with its docstring.

    Returns:
        True when the existing docstring is not empty or blank.
    """
    return bool(target.docstring and target.docstring.strip())


def extract_targets(cell: Cell, *, nested_functions: bool = False) -> list[Target]:
    """Find every documentable definition of a cell, in source order, with its facts.

    Module-level functions and classes are targets, also when defined inside top-level ``if`` / ``try`` /
    ``with`` / ``for`` / ``match`` blocks; so are methods and nested classes (qualname
    ``Outer.Inner.method``).
    ``@overload`` stubs and property setters/deleters are not targets. Functions and classes defined inside
    functions are targets only with ``nested_functions=True``; their qualname joins the names with dots
    (``outer.inner``, not ``outer.<locals>.inner``). A qualname defined twice (``if``/``else`` variants)
    gets ``#2``, ``#3``... on its later definitions so that every target has a unique name.

    Args:
        cell: The parsed cell.
        nested_functions: Also document functions (and classes) defined inside functions.

    Returns:
        The targets in the order their ``def`` / ``class`` lines appear.
    """
    found: list[tuple[ast.AST, str, TargetKind]] = []
    _collect(cell.module.body, "", False, nested_functions, found)  # pre-order is source order
    seen: dict[str, int] = {}
    targets = []
    for node, qualname, kind in found:
        seen[qualname] = seen.get(qualname, 0) + 1
        unique = qualname if seen[qualname] == 1 else f"{qualname}#{seen[qualname]}"
        targets.append(_make_target(cell, node, unique, kind))  # type: ignore[arg-type]
    return targets


def decorator_name(decorator: ast.expr) -> str:
    """Return the last name of a decorator: ``overload`` for ``@typing.overload``, ``cache`` for ``@cache(1)``.

    Args:
        decorator: A decorator expression.

    Returns:
        The final dotted component, or ``""`` when the decorator is not a (called) name.
    """
    if isinstance(decorator, ast.Call):
        decorator = decorator.func
    if isinstance(decorator, ast.Name):
        return decorator.id
    if isinstance(decorator, ast.Attribute):
        return decorator.attr
    return ""


def _is_skipped_function(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """``@overload`` stubs and ``@x.setter`` / ``@x.deleter`` accessors are not documented on their own."""
    for decorator in node.decorator_list:
        name = decorator_name(decorator)
        if name == "overload" and not isinstance(decorator, ast.Call):
            return True
        if isinstance(decorator, ast.Attribute) and decorator.attr in _ACCESSOR_DECORATORS:
            return True
    return False


def _method_kind(node: ast.FunctionDef | ast.AsyncFunctionDef) -> TargetKind:
    names = {decorator_name(d) for d in node.decorator_list}
    if names & _PROPERTY_DECORATORS:
        return TargetKind.PROPERTY
    if "staticmethod" in names:
        return TargetKind.STATICMETHOD
    if "classmethod" in names:
        return TargetKind.CLASSMETHOD
    return TargetKind.METHOD


def _block_children(node: ast.stmt) -> list[list[ast.stmt]]:
    """Statement lists nested in a compound statement that stay in the same scope, in source order."""
    blocks: list[list[ast.stmt]] = []
    body = getattr(node, "body", None)
    if isinstance(body, list):
        blocks.append(body)
    blocks.extend(handler.body for handler in getattr(node, "handlers", []))
    blocks.extend(case.body for case in getattr(node, "cases", []))
    for name in ("orelse", "finalbody"):
        value = getattr(node, name, None)
        if isinstance(value, list):
            blocks.append(value)
    return blocks


def _collect(body: list[ast.stmt], prefix: str, in_class: bool, nested: bool,
             found: list[tuple[ast.AST, str, TargetKind]]) -> None:
    for node in body:
        if isinstance(node, _FUNCTION_NODES):
            if not _is_skipped_function(node):
                kind = _method_kind(node) if in_class else TargetKind.FUNCTION
                found.append((node, prefix + node.name, kind))
            if nested:
                _collect(node.body, f"{prefix}{node.name}.", False, nested, found)
        elif isinstance(node, ast.ClassDef):
            found.append((node, prefix + node.name, TargetKind.CLASS))
            _collect(node.body, f"{prefix}{node.name}.", True, nested, found)
        else:
            for block in _block_children(node):
                _collect(block, prefix, in_class, nested, found)


def _make_target(cell: Cell, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, qualname: str,
                 kind: TargetKind) -> Target:
    common: dict[str, Any] = {
        "qualname": qualname,
        "name": node.name,
        "kind": kind,
        "docstring": ast.get_docstring(node, clean=False),
        "source": _definition_source(cell, node),
        "lineno": cell.original_line(node.lineno) or cell.nearest_line(node.lineno),
        "end_lineno": cell.original_line(node.end_lineno or node.lineno)
        or cell.nearest_line(node.end_lineno or node.lineno),
        "decorators": tuple(cell.segment(d) or "" for d in node.decorator_list),
        "node": node,
    }
    if isinstance(node, ast.ClassDef):
        return Target(is_async=False, params=(), returns_annotation=None, returns_value=False,
                      is_generator=False, raises=(), attributes=_class_attributes(cell, node), **common)
    own = list(own_scope_nodes(node))
    return Target(
        is_async=isinstance(node, ast.AsyncFunctionDef),
        params=_params(cell, node.args, drop_first=kind in _BOUND_KINDS),
        returns_annotation=cell.segment(node.returns) if node.returns is not None else None,
        returns_value=any(isinstance(n, ast.Return) and not _is_none(n.value) for n in own),
        is_generator=any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in own),
        raises=_raised_names(node, own),
        attributes=(),
        **common,
    )


_BOUND_KINDS = frozenset({TargetKind.METHOD, TargetKind.CLASSMETHOD, TargetKind.PROPERTY})


def _is_none(value: ast.expr | None) -> bool:
    return value is None or (isinstance(value, ast.Constant) and value.value is None)


def _params(cell: Cell, args: ast.arguments, *, drop_first: bool) -> tuple[Param, ...]:
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    params: list[Param] = []
    for index, (arg, default) in enumerate(zip(positional, defaults, strict=True)):
        kind = ParamKind.POSITIONAL_ONLY if index < len(args.posonlyargs) else ParamKind.POSITIONAL_OR_KEYWORD
        params.append(_param(cell, arg, kind, default))
    if drop_first and positional:
        params.pop(0)
    if args.vararg is not None:
        params.append(_param(cell, args.vararg, ParamKind.VAR_POSITIONAL, None))
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        params.append(_param(cell, arg, ParamKind.KEYWORD_ONLY, kw_default))
    if args.kwarg is not None:
        params.append(_param(cell, args.kwarg, ParamKind.VAR_KEYWORD, None))
    return tuple(params)


def _param(cell: Cell, arg: ast.arg, kind: ParamKind, default: ast.expr | None) -> Param:
    return Param(
        name=arg.arg,
        kind=kind,
        annotation=cell.segment(arg.annotation) if arg.annotation is not None else None,
        default=cell.segment(default) if default is not None else None,
    )


def own_scope_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> Iterator[ast.AST]:
    """Nodes that belong to a function's own scope, depth-first in source order.

    Nested functions, lambdas and classes are not entered, except for the parts of them that are evaluated
    in this scope (decorators, defaults, bases and keywords).

    Args:
        function: The function whose body is walked.

    Yields:
        The nodes of the body (the signature is not included).
    """
    body = function.body
    stack: list[ast.AST] = list(reversed(body)) if isinstance(body, list) else [body]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(_scope_children(node)))


def _scope_children(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, _FUNCTION_NODES):
        return [*node.decorator_list, *node.args.defaults, *[d for d in node.args.kw_defaults if d]]
    if isinstance(node, ast.Lambda):
        return [*node.args.defaults, *[d for d in node.args.kw_defaults if d]]
    if isinstance(node, ast.ClassDef):
        return [*node.decorator_list, *node.bases, *node.keywords]
    return list(ast.iter_child_nodes(node))


def dotted_name(node: ast.expr) -> str | None:
    """``mod.Error`` for an attribute chain of names, ``Error`` for a name.

    Args:
        node: An expression.

    Returns:
        The dotted text, or None for anything else.
    """
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _local_names(function: ast.FunctionDef | ast.AsyncFunctionDef, own: list[ast.AST]) -> set[str]:
    """Names bound in the function (parameters, assignments, ``except ... as``): variables, not classes."""
    args = function.args
    names = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    names.update(a.arg for a in (args.vararg, args.kwarg) if a is not None)
    for node in own:
        if isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def _raised_names(function: ast.FunctionDef | ast.AsyncFunctionDef, own: list[ast.AST]) -> tuple[str, ...]:
    """Exceptions raised directly: ``raise X``, ``raise X(...)``, ``raise mod.X(...) from e``.

    A re-raise of a caught exception (a bare ``raise``, or ``raise err`` of the name bound by
    ``except X as err``) raises the caught type(s) ``X`` when the handler names them. ``raise e`` of another
    variable (a parameter or an assignment) names no type and is not listed. Neither is an exception raised
    in a ``try`` body whose own handlers catch that very name (it never leaves the function).
    """
    local = _local_names(function, own)
    caught = _caught_in_try(own)
    handlers = _enclosing_handlers(own)
    raised: dict[str, None] = {}
    for node in own:
        if not isinstance(node, ast.Raise):
            continue
        handler = handlers.get(id(node))
        if handler is not None and (node.exc is None or (isinstance(node.exc, ast.Name)
                                                         and node.exc.id == handler.name)):
            for caught_name in _handled_names(handler):
                raised.setdefault(caught_name, None)
            continue
        if node.exc is None:
            continue
        exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        name = dotted_name(exc)
        if name is None or (isinstance(exc, ast.Name) and name in local) or name in caught.get(id(node), ()):
            continue
        if _built_by_factory(node.exc, name):
            continue
        raised.setdefault(name, None)
    return tuple(raised)


def _handled_names(handler: ast.ExceptHandler) -> list[str]:
    """Return the exception names an ``except`` clause catches; empty for a bare ``except:``."""
    if handler.type is None:
        return []
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return [n for n in (dotted_name(t) for t in types) if n]


def _enclosing_handlers(own: list[ast.AST]) -> dict[int, ast.ExceptHandler]:
    """For each ``raise`` in an ``except`` clause of the function's own scope: the innermost such clause."""
    handlers: dict[int, ast.ExceptHandler] = {}
    own_ids = {id(n) for n in own}
    for node in own:  # pre-order: an inner handler comes later and overwrites its outer one
        if isinstance(node, ast.ExceptHandler):
            for statement in node.body:
                for inner in ast.walk(statement):
                    if isinstance(inner, ast.Raise) and id(inner) in own_ids:
                        handlers[id(inner)] = node
    return handlers


def _built_by_factory(exc: ast.expr, name: str) -> bool:
    """Whether ``raise`` takes its exception from a helper (``raise self._error(e)``), whose type is unknown.

    Exception classes are CapWords by convention; a call to a lower-case name, or anything reached through
    ``self`` / ``cls``, builds an exception of a type the code does not name.
    """
    last = name.rsplit(".", 1)[-1]
    rooted_at_instance = name.split(".", 1)[0] in ("self", "cls") and "." in name
    return rooted_at_instance or (isinstance(exc, ast.Call) and last.lstrip("_")[:1].islower())


def _caught_in_try(own: list[ast.AST]) -> dict[int, set[str]]:
    """For each ``raise`` inside a ``try`` body: the exception names that try's handlers catch by name."""
    caught: dict[int, set[str]] = {}
    for node in own:
        if not isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            continue
        block: ast.Try = node  # type: ignore[assignment]  # TryStar has the same fields
        names: set[str] = set()
        for handler in block.handlers:
            types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            names.update(n for n in (dotted_name(t) for t in types if t is not None) if n)
        for statement in block.body:
            for inner in ast.walk(statement):
                if isinstance(inner, ast.Raise):
                    caught.setdefault(id(inner), set()).update(names)
    return caught


def _class_attributes(cell: Cell, node: ast.ClassDef) -> tuple[Attribute, ...]:
    """Public attributes: class-level (annotated) assignments, then ``self.x`` assignments in ``__init__``."""
    found: dict[str, str | None] = {}

    def add(name: str, annotation: ast.expr | None) -> None:
        if name.startswith("_"):
            return
        text = cell.segment(annotation) if annotation is not None else None
        if found.get(name) is None:
            found[name] = text

    for stmt in _class_level_statements(node.body):
        for target, annotation in _assigned(stmt):
            if isinstance(target, ast.Name):
                add(target.id, annotation)
    init = next((s for s in node.body if isinstance(s, _FUNCTION_NODES) and s.name == "__init__"), None)
    if init is not None and [*init.args.posonlyargs, *init.args.args]:
        self_name = [*init.args.posonlyargs, *init.args.args][0].arg
        for inner in own_scope_nodes(init):
            for target, annotation in _assigned(inner):
                if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                        and target.value.id == self_name):
                    add(target.attr, annotation)
    return tuple(Attribute(name, annotation) for name, annotation in found.items())


def _class_level_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for stmt in body:
        if isinstance(stmt, _DEF_NODES):
            continue
        yield stmt
        for block in _block_children(stmt):
            yield from _class_level_statements(block)


def _assigned(node: ast.AST) -> list[tuple[ast.expr, ast.expr | None]]:
    """Return assignment targets of a statement (tuples unpacked) with the annotation, if any."""
    if isinstance(node, ast.AnnAssign):
        return [(node.target, node.annotation)]
    if isinstance(node, ast.Assign):
        out: list[tuple[ast.expr, ast.expr | None]] = []
        for target in node.targets:
            elements = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
            out.extend((element, None) for element in elements)
        return out
    return []


def _definition_source(cell: Cell, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> str:
    """Return the user's exact text of a definition, decorators included (original lines, original endings)."""
    first_py = node.decorator_list[0].lineno if node.decorator_list else node.lineno
    last_py = node.end_lineno or node.lineno
    first, last = cell.original_line(first_py), cell.original_line(last_py)
    if first is None:
        return ast.get_source_segment(cell.python, node) or ""
    start = char_col(cell.python_lines[node.lineno - 1], node.col_offset)
    if last is None:
        last = max(first, cell.nearest_line(last_py))
        chunk = cell.lines[first - 1:last]
        return ("".join(chunk)[start:]).rstrip("\r\n")
    end_line = cell.python_lines[last_py - 1]
    end = char_col(end_line, node.end_col_offset or 0)
    pieces = list(cell.lines[first - 1:last])
    pieces[-1] = pieces[-1][:end]
    pieces[0] = pieces[0][start:]
    return "".join(pieces)

