"""The style-free docstring model and its JSON Schema, derived from one set of dataclasses.

The dataclasses below are the single source of truth: :func:`docstring_schema` walks their fields to build
the JSON Schema sent to the model as a strict function tool and used by the validator.
"""

from __future__ import annotations

import functools
import types
import typing
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any, Union

SCHEMA_VERSION = 1


@dataclass
class ArgDoc:
    """One documented parameter.

    Attributes:
        name: Parameter name as in the signature (``*args`` / ``**kwargs`` with stars).
        type: Type text; the code's annotation wins over the model's.
        description: What the parameter means.
    """

    name: str
    type: str | None
    description: str


@dataclass
class ReturnsDoc:
    """The documented return value.

    Attributes:
        type: Type text; the code's annotation wins over the model's.
        description: What is returned.
    """

    type: str | None
    description: str


@dataclass
class YieldsDoc:
    """The documented yielded values of a generator.

    Attributes:
        type: Type text of each yielded value.
        description: What is yielded.
    """

    type: str | None
    description: str


@dataclass
class RaisesDoc:
    """One documented exception.

    Attributes:
        exception: Exception class name.
        description: When it is raised.
    """

    exception: str
    description: str


@dataclass
class AttributeDoc:
    """One documented class attribute.

    Attributes:
        name: Attribute name.
        type: Type text.
        description: What the attribute holds.
    """

    name: str
    type: str | None
    description: str


@dataclass
class Docstring:
    """A docstring's content, independent of any rendering style.

    Attributes:
        summary: One sentence, ending with a period.
        description: Optional longer explanation.
        args: Documented parameters, in signature order.
        returns: The return value, or None.
        yields: The yielded values of a generator, or None.
        raises: Exceptions the code raises.
        attributes: Class attributes (classes only).
    """

    summary: str
    description: str | None = None
    args: list[ArgDoc] = field(default_factory=list)
    returns: ReturnsDoc | None = None
    yields: YieldsDoc | None = None
    raises: list[RaisesDoc] = field(default_factory=list)
    attributes: list[AttributeDoc] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the docstring as plain JSON-ready data.

        Returns:
            A dict matching :func:`docstring_schema`.
        """
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Docstring:
        """Build a docstring from data that already passed the schema.

        Args:
            data: A dict matching :func:`docstring_schema` (optional keys may be absent).

        Returns:
            The docstring.
        """
        returns, yields = data.get("returns"), data.get("yields")
        return cls(
            summary=data["summary"],
            description=data.get("description"),
            args=[ArgDoc(a["name"], a.get("type"), a["description"]) for a in data.get("args") or []],
            returns=ReturnsDoc(returns.get("type"), returns["description"]) if returns else None,
            yields=YieldsDoc(yields.get("type"), yields["description"]) if yields else None,
            raises=[RaisesDoc(r["exception"], r["description"]) for r in data.get("raises") or []],
            attributes=[AttributeDoc(a["name"], a.get("type"), a["description"])
                        for a in data.get("attributes") or []],
        )


_PART_CLASSES: dict[str, type] = {
    "ArgDoc": ArgDoc,
    "ReturnsDoc": ReturnsDoc,
    "YieldsDoc": YieldsDoc,
    "RaisesDoc": RaisesDoc,
    "AttributeDoc": AttributeDoc,
    "Docstring": Docstring,
}


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, globalns=_PART_CLASSES | {"Any": Any})


def _unwrap_optional(hint: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(members) == 1 and len(typing.get_args(hint)) == 2:
            return members[0], True
    return hint, False


def _schema_for(hint: Any, *, strict: bool) -> dict[str, Any]:
    inner, optional = _unwrap_optional(hint)
    if inner is str:
        schema: dict[str, Any] = {"type": "string"}
    elif typing.get_origin(inner) is list:
        (item,) = typing.get_args(inner)
        schema = {"type": "array", "items": _schema_for(item, strict=strict)}
    elif isinstance(inner, type) and inner in _PART_CLASSES.values():
        schema = _object_schema(inner, strict=strict)
    else:  # pragma: no cover - the model only uses the types above
        raise TypeError(f"unsupported field type {hint!r}")
    if optional:
        schema = {"anyOf": [schema, {"type": "null"}]} if "properties" in schema else {
            **schema, "type": [schema["type"], "null"]}
    return schema


def _object_schema(cls: type, *, strict: bool) -> dict[str, Any]:
    hints = _hints(cls)
    props = {f.name: _schema_for(hints[f.name], strict=strict) for f in fields(cls)}
    if strict:
        required = list(props)
    else:
        required = [f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING]
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


def docstring_schema(*, strict: bool = True) -> dict[str, Any]:
    """Return the JSON Schema of :class:`Docstring`.

    Args:
        strict: When True (OpenAI strict mode), every property is required and optional ones are nullable;
            when False, properties with defaults may be left out.

    Returns:
        A JSON Schema dict.
    """
    return _object_schema(Docstring, strict=strict)
