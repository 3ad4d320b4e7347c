"""The embedded default provider: a docstring template built from the facts alone, with no model.

It answers through the same path as a model (JSON tool arguments, validated and conformed), so a template
is exactly as well-formed as a model's answer. Results built from it are marked as templates.
"""

from __future__ import annotations

import json
from typing import Any

from docgen_magic.core.facts import Param, Target, TargetKind
from docgen_magic.core.ports import GenerationRequest, Reply
from docgen_magic.core.rules import may_document_returns, needs_returns, words
from docgen_magic.core.usage import Usage

_DUNDERS = {
    "__init__": "Initialize the {owner}.",
    "__repr__": "Return the developer representation of the {owner}.",
    "__str__": "Return the readable text of the {owner}.",
    "__len__": "Return the number of items in the {owner}.",
    "__iter__": "Iterate over the items of the {owner}.",
    "__eq__": "Compare the {owner} with another object for equality.",
    "__hash__": "Return the hash of the {owner}.",
    "__call__": "Call the {owner}.",
    "__enter__": "Enter the {owner}'s context.",
    "__exit__": "Leave the {owner}'s context.",
    "__post_init__": "Finish initializing the {owner}.",
}
_PREPOSITIONS = {"to": "Convert", "from": "Create", "by": "Group", "as": "Return", "with": "Return a copy",
                 "for": "Handle", "on": "Handle"}
_PREDICATES = ("is", "has", "can", "should", "contains")
_VERBS = frozenset((
    "add", "apply", "build", "calculate", "check", "clean", "clear", "close", "compute", "convert",
    "count", "create", "decode", "delete", "describe", "download", "drop", "encode", "ensure",
    "evaluate", "export", "extract", "fetch", "filter", "find", "fit", "format", "generate", "get",
    "group", "handle", "import", "init", "initialize", "iterate", "join", "load", "log", "make", "map",
    "merge", "normalize", "open", "parse", "plot", "predict", "prepare", "print", "process", "read",
    "record", "reduce", "refresh", "register", "remove", "render", "replace", "reset", "resolve", "run",
    "save", "scale", "score", "search", "select", "send", "set", "show", "sort", "split", "start",
    "stop", "store", "summarize", "test", "train", "transform", "update", "upload", "validate",
    "visualize", "write", "aggregate", "append", "assign", "cast", "collect", "combine", "compare",
    "copy", "crop", "dedupe", "detect", "emit", "estimate", "explode", "fill", "flag", "flatten",
    "impute", "insert", "interpolate", "invert", "label", "list", "match", "measure", "melt", "pivot",
    "pop", "push", "query", "rank", "rename", "reshape", "resample", "retry", "rotate", "round",
    "sample", "shift", "shuffle", "smooth", "strip", "sum", "tokenize", "trim", "unpack", "wrap", "zip",
))


def summary_for(target: Target) -> str:
    """Return a one-sentence summary derived from the target's name.

    Args:
        target: The target.

    Returns:
        A sentence ending with a period.
    """
    owner = target.qualname.rsplit(".", 1)[0] if "." in target.qualname else target.name
    if target.name in _DUNDERS:
        return _DUNDERS[target.name].format(owner=owner.rsplit(".", 1)[-1])
    parts = words(target.name) or [target.name]
    text = " ".join(parts)
    if target.kind is TargetKind.CLASS:
        return f"{text[0].upper()}{text[1:]}."
    if target.kind is TargetKind.PROPERTY:
        return f"The {text}."
    if parts[0] in _PREDICATES and len(parts) > 1:
        return f"Return whether it {text}."
    if parts[0] in _PREPOSITIONS and len(parts) > 1:
        return f"{_PREPOSITIONS[parts[0]]} {text}."
    if parts[0] in _VERBS or parts[0].endswith(("ize", "ise")):
        rest = " ".join(parts[1:]) or _object_of(target, owner)
        return f"{parts[0].capitalize()} {rest}.".replace(" .", ".")
    verb = "Yield" if target.is_generator else "Return" if target.returns_value else "Handle"
    return f"{verb} the {text}."


def _object_of(target: Target, owner: str) -> str:
    """Return what a bare verb name acts on: the instance for a method, else the first parameter.

    Args:
        target: The target, whose name is a single verb.
        owner: The qualified name of the enclosing class, or the target's own name.

    Returns:
        E.g. ``the summary`` for ``Summary.flag``; empty when there is nothing to name.
    """
    if "." in target.qualname:
        return "the " + " ".join(words(owner.rsplit(".", 1)[-1]))
    regular = [p for p in target.params if p.kind.value not in ("var-positional", "var-keyword")]
    return "the " + " ".join(words(regular[0].name)) if regular else ""


def param_description(param: Param) -> str:
    """Return the template description of one parameter.

    Args:
        param: The parameter.

    Returns:
        A sentence naming the parameter and, when it has one, its default.
    """
    text = " ".join(words(param.name)) or param.name
    if param.kind.value == "var-positional":
        sentence = f"Additional positional {text}."
    elif param.kind.value == "var-keyword":
        sentence = f"Additional keyword {text}."
    else:
        sentence = f"The {text}."
    if param.default is not None:
        sentence += f" Defaults to {param.default}."
    return sentence


def template(target: Target) -> dict[str, Any]:
    """Return the docstring template of a target, as tool arguments.

    Args:
        target: The target.

    Returns:
        A dict matching the strict docstring schema.
    """
    returns = None
    if needs_returns(target) or (may_document_returns(target) and not target.is_generator):
        returns = {"type": None, "description": "The result." if target.kind is not TargetKind.PROPERTY
                   else summary_for(target)}
    return {
        "summary": summary_for(target),
        "description": None,
        "args": [{"name": p.display_name, "type": None, "description": param_description(p)}
                 for p in target.params],
        "returns": returns,
        "yields": {"type": None, "description": "Each produced item."} if target.is_generator else None,
        "raises": [{"exception": name, "description": "If the operation cannot be completed."}
                   for name in target.raises],
        "attributes": [{"name": a.name, "type": None, "description": f"The {' '.join(words(a.name))}."}
                       for a in target.attributes] if target.is_class else [],
    }


class OfflineProvider:
    """Templates from the facts of the code; no network, no credentials, no tokens.

    Attributes:
        name: Always ``offline``.
        model: Always None.
        is_template: Always True.
    """

    name = "offline"
    model: str | None = None
    is_template = True

    async def generate(self, request: GenerationRequest) -> Reply:
        """Build the template for one target.

        Args:
            request: The target (context and refinement fields are ignored).

        Returns:
            A reply with the template as tool arguments and zero usage.
        """
        return Reply(arguments=json.dumps(template(request.target)), usage=Usage())

    async def aclose(self) -> None:
        """Nothing to release."""

    def __repr__(self) -> str:
        """Return ``OfflineProvider()``.

        Returns:
            The representation.
        """
        return "OfflineProvider()"
