"""Facts about documentable targets, as read from the AST.

These types are the contract between the parser (``facts``), the validator, the renderers, the
providers and the splicer.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from enum import Enum


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
