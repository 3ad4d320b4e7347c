"""What is sent to a model: the lean context of a target, the messages and the forced function tool.

The prompt asks for prose only. Names, order, annotations and defaults come from the code; the facts line
lists them so the model knows exactly which parameters its answer must cover.

Every request is laid out for the providers' prompt caching: the parts shared by every request (the tool,
the system prompt) come first and never vary; then what the target uses from the cell; the target itself
comes last. The context is lean: only the imports, definitions and constants of the cell that the target
actually names (a method also gets the signatures of the methods it calls on ``self``), so a request's size
does not grow with the cell, and a signature edit changes the context (and the cache key) of that
definition's users only.
"""

from __future__ import annotations

import ast
import copy
import json
import textwrap
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from docgen_magic.core.facts import Target
from docgen_magic.core.model import docstring_schema
from docgen_magic.core.observed import seen_line
from docgen_magic.core.rules import may_document_returns, needs_returns, needs_yields

if TYPE_CHECKING:
    from docgen_magic.core.cell import Cell
    from docgen_magic.core.ports import GenerationRequest

PROMPT_VERSION = 3
"""Bumped whenever the messages change in a way that should invalidate cached answers."""

TOOL_NAME = "write_docstring"

_MAX_CONTEXT_CHARS = 4000
_MAX_CONSTANT_CHARS = 120

SYSTEM_PROMPT = (
    "Document the Python code: call write_docstring once. summary: one sentence on what it does. Exact "
    "parameter names, stars kept. Plain prose, no markup."
)

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


# -- the cell's index of names ----------------------------------------------------------------------------

@dataclass
class _CellIndex:
    """What a cell binds at top level, as context lines, and which class owns each method."""

    names: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # name -> (line, text)
    methods: dict[int, dict[str, tuple[int, str]]] = field(default_factory=dict)  # id(class) -> name -> text
    owner: dict[int, ast.ClassDef] = field(default_factory=dict)  # id(function) -> its class

    def bind(self, name: str, line: int, text: str) -> None:
        entries = self.names.setdefault(name, [])
        if (line, text) not in entries:
            entries.append((line, text))


def _one_line_stubs(text: str) -> str:
    r"""Join ``def f(x):\\n    ...`` into ``def f(x): ...`` and drop blank lines (as ast.unparse writes stubs)."""
    out: list[str] = []
    for line in text.splitlines():
        if line.strip() == "..." and out:
            out[-1] += " ..."
        elif line.strip():
            out.append(line)
    return "\n".join(out)


def _unparse(node: ast.AST, name: str) -> str:
    """``ast.unparse``; a node too deeply nested to unparse is named instead (never fatal for the cell)."""
    try:
        return ast.unparse(node)
    except RecursionError:
        return f"# {name}: signature left out (nested too deeply)"


def _stub(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """Return the signature as one line (a shallow copy: the body is never copied or unparsed)."""
    stub = copy.copy(node)
    stub.decorator_list, stub.body = [], [ast.Expr(value=ast.Constant(value=...))]
    return _one_line_stubs(_unparse(stub, node.name))


def _class_stub(node: ast.ClassDef) -> str:
    """Return the class line (and decorators, e.g. ``@dataclass``) with the constructor's signature."""
    stub = copy.copy(node)
    init = [n for n in node.body if isinstance(n, _FUNCTIONS) and n.name == "__init__"]
    body: list[ast.stmt] = [ast.Expr(value=ast.Constant(value=...))]
    if init:
        method = copy.copy(init[0])
        method.decorator_list, method.body = [], body
        body = [method]
    stub.body = body
    return _one_line_stubs(_unparse(stub, node.name))


def _top_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements at module scope, also inside top-level if / try / with / for blocks."""
    for node in body:
        yield node
        if not isinstance(node, _DEFINITIONS):
            for name in ("body", "orelse", "finalbody"):
                inner = getattr(node, name, None)
                if isinstance(inner, list):
                    yield from _top_level(inner)
            for handler in getattr(node, "handlers", []):
                yield from _top_level(handler.body)


def _index_classes(node: ast.ClassDef, index: _CellIndex) -> None:
    members: dict[str, tuple[int, str]] = {}
    for child in node.body:
        if isinstance(child, _FUNCTIONS):
            members.setdefault(child.name, (child.lineno, _stub(child)))
            index.owner[id(child)] = node
        elif isinstance(child, ast.ClassDef):
            _index_classes(child, index)
    index.methods[id(node)] = members


def _index_statement(node: ast.stmt, index: _CellIndex) -> None:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            bound = alias.asname or alias.name.split(".")[0]
            one = copy.copy(node)
            one.names = [alias]
            index.bind(bound, node.lineno, _unparse(one, bound))
    elif isinstance(node, _FUNCTIONS):
        index.bind(node.name, node.lineno, _stub(node))
    elif isinstance(node, ast.ClassDef):
        index.bind(node.name, node.lineno, _class_stub(node))
    elif isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        text = _unparse(node, "a constant")
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    shown = text if len(text) <= _MAX_CONSTANT_CHARS else f"{name.id} = ..."
                    index.bind(name.id, node.lineno, shown)


_index_cache: weakref.WeakKeyDictionary[Cell, _CellIndex] = weakref.WeakKeyDictionary()


def _cell_index(cell: Cell) -> _CellIndex:
    """Return the cell's top-level names and methods, computed once per cell (every target shares them)."""
    index = _index_cache.get(cell)
    if index is None:
        index = _CellIndex()
        for node in _top_level(cell.module.body):
            _index_statement(node, index)
        for any_node in ast.walk(cell.module):
            if isinstance(any_node, ast.ClassDef):
                _index_classes(any_node, index)
        _index_cache[cell] = index
    return index


# -- what a target uses ------------------------------------------------------------------------------------

def _used_names(node: ast.AST) -> tuple[set[str], set[str]]:
    """Names a definition reads (anywhere in it) and attributes it reads on its first parameter (self/cls)."""
    names: set[str] = set()
    on_self: set[str] = set()
    first = ""
    if isinstance(node, _FUNCTIONS):
        positional = [*node.args.posonlyargs, *node.args.args]
        first = positional[0].arg if positional else ""
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            names.add(child.id)
        elif (isinstance(child, ast.Attribute) and first and isinstance(child.value, ast.Name)
              and child.value.id == first):
            on_self.add(child.attr)
    return names, on_self


def build_context(cell: Cell, target: Target) -> str:
    """Return the lean context of a target: what it uses from the rest of the cell.

    The imports it names, the signatures of the cell's functions and classes it names (a class shows its
    constructor), short constants it reads and, for a method, the signatures of the sibling methods it calls
    on ``self`` / ``cls``. Bodies are never sent.

    Args:
        cell: The parsed cell.
        target: The target being documented (its own definition is left out; its source is sent apart).

    Returns:
        Python-like text in source order, at most a few thousand characters; empty when it uses nothing.
    """
    node = target.node
    if node is None:
        return ""
    index = _cell_index(cell)
    names, on_self = _used_names(node)
    own_name = getattr(node, "name", "")
    entries: set[tuple[int, str]] = set()
    for name in names:
        if name != own_name or not isinstance(node, ast.ClassDef):
            entries.update(index.names.get(name, ()))
    own_stubs = {_stub(node)} if isinstance(node, _FUNCTIONS) else set()
    lines = [text for _, text in sorted(entries) if text not in own_stubs]
    owner = index.owner.get(id(node))
    if owner is not None:
        members = index.methods.get(id(owner), {})
        used = sorted(members[n] for n in on_self if n in members and n != own_name)
        if used:
            lines.append(f"class {owner.name}:")
            lines.extend("    " + text.replace("\n", "\n    ") for _, text in used)
    text = "\n".join(lines)
    if len(text) > _MAX_CONTEXT_CHARS:
        text = text[:_MAX_CONTEXT_CHARS].rsplit("\n", 1)[0] + "\n# (context truncated)"
    return text


def _dedent(text: str, target: Target) -> str:
    """Remove the indentation a method's or nested definition's body keeps while its first line has none."""
    col = getattr(target.node, "col_offset", 0)  # the ``@`` of a decorator sits in the ``def``'s column
    lines = text.splitlines(keepends=True)
    if not col or len(lines) < 2:
        return text
    body = next((line for line in lines[1:] if line.strip()), "")
    indent = body[:len(body) - len(body.lstrip())]
    prefix = indent[:col] if len(indent) >= col else " " * col
    return textwrap.dedent(prefix + text)


def source_block(target: Target) -> str:
    """Return a target's code as sent: dedented, a class's methods other than ``__init__`` as signatures only.

    ``Target.source`` starts at the ``def`` / ``class`` (or its first decorator), so for a method or a nested
    definition the first line has lost the indentation its body still has. A class's methods are targets of
    their own; the class's docstring needs its constructor and the names of its methods, not their bodies.

    Args:
        target: The target, whose ``source`` and AST node are read.

    Returns:
        The source text (the target's own text, dedented, when it is not a class or its lines cannot be
        mapped).
    """
    node = target.node
    text = target.source
    if isinstance(node, ast.ClassDef):
        lines = text.splitlines(keepends=True)
        first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
        if len(lines) == (node.end_lineno or node.lineno) - first + 1:  # else IPython syntax: send it whole
            cuts = []
            for child in node.body:
                if isinstance(child, _FUNCTIONS) and child.name != "__init__" and child.body[0].lineno > child.lineno:
                    start, end = child.body[0].lineno - first, (child.end_lineno or child.lineno) - first
                    body = lines[start]
                    cuts.append((start, end, body[:len(body) - len(body.lstrip())] + "...\n"))
            for start, end, stub in reversed(cuts):
                lines[start:end + 1] = [stub]
            text = "".join(lines).rstrip("\n")
    return _dedent(text, target)


# -- messages and tool ------------------------------------------------------------------------------------

def describe_target(target: Target) -> str:
    """Write the facts line: the target and the names its answer must cover (absent sections not offered).

    Args:
        target: The target's facts (kind, name, parameters, attributes, raises).

    Returns:
        One line, e.g. ``Target: function `load`. Args: path, limit. Returns: yes. Raises: OSError.``
    """
    parts = [f"Target: {target.kind.value} `{target.qualname}`."]
    sections = answer_sections(target)
    if target.param_names:
        parts.append(f"Args: {', '.join(target.param_names)}.")
    if target.is_class and target.attributes:
        parts.append(f"Attributes: {', '.join(a.name for a in target.attributes)}.")
    if sections.get("yields"):
        parts.append("Yields: yes.")
    if sections.get("returns"):
        parts.append("Returns: yes.")
    if target.raises:
        parts.append(f"Raises: {', '.join(target.raises)}.")
    return " ".join(parts)


def build_messages(request: GenerationRequest) -> list[dict[str, Any]]:
    """Return the chat messages for one request (first attempt or refinement): shared parts first, target last.

    Args:
        request: The target, its context and, when refining, the previous answer and its problems.

    Returns:
        Chat Completions messages.
    """
    target = request.target
    user = []
    if request.context:
        user.append(f"Uses:\n```python\n{request.context}\n```")
    user.append(describe_target(target))
    seen = seen_line(target, request.observed)
    if seen:
        user.append(seen)
    user.append(f"Source:\n```python\n{source_block(target)}\n```")
    if request.missing:
        user.append(f"The existing docstring is kept as its author wrote it:\n```\n{target.docstring}\n```\n"
                    f"Only these parts are missing and will be taken from your answer: "
                    f"{', '.join(request.missing)}. Write them to fit the existing text; fill the other fields "
                    "briefly.")
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": "\n".join(user)},
    ]
    if request.attempt > 1:
        previous = request.previous_arguments if request.previous_arguments is not None else "(no tool call)"
        problems = "\n".join(f"- {p.message}" for p in request.problems) or "- the answer was not usable."
        messages.append({"role": "assistant", "content": f"Previous answer (tool arguments):\n{previous}"})
        messages.append({"role": "user", "content": (
            f"That answer has these problems:\n{problems}\n"
            f"Call {TOOL_NAME} again with a corrected, complete answer.")})
    return messages


def shared_definitions(schema: dict[str, Any]) -> dict[str, Any]:
    """Write every object shape that occurs more than once in a schema once, under ``$defs``.

    The docstring schema repeats two shapes (a named entry for args and attributes, a typed value for
    returns and yields); sending each once keeps the fixed part of every request small. Validation uses the
    expanded schema: both accept exactly the same answers.

    Args:
        schema: A JSON Schema without ``$defs``.

    Returns:
        An equivalent schema with ``$ref`` to ``#/$defs/NAME``, each NAME the first property that holds it.
    """
    counts: dict[str, int] = {}
    first_name: dict[str, str] = {}

    def visit(node: Any, name: str) -> None:
        if isinstance(node, dict):
            if "properties" in node and name:
                key = json.dumps(node, sort_keys=True)
                counts[key] = counts.get(key, 0) + 1
                first_name.setdefault(key, name)
            for prop, value in (node.get("properties") or {}).items():
                visit(value, prop)
            for option in node.get("anyOf") or ():
                visit(option, name)
            if "items" in node:
                visit(node["items"], name)

    visit(schema, "")
    shared = {key: first_name[key] for key, count in counts.items() if count > 1}
    definitions: dict[str, Any] = {}

    def rewrite(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        key = json.dumps(node, sort_keys=True) if "properties" in node else None
        if key in shared and node is not schema:
            definitions.setdefault(shared[key], {k: rewrite(v) for k, v in node.items()})
            return {"$ref": f"#/$defs/{shared[key]}"}
        out: dict[str, Any] = {}
        for k, v in node.items():
            if k == "properties":
                out[k] = {p: rewrite(s) for p, s in v.items()}
            elif k == "anyOf":
                out[k] = [rewrite(o) for o in v]
            elif k == "items":
                out[k] = rewrite(v)
            else:
                out[k] = v
        return out

    compact: dict[str, Any] = rewrite(schema)
    if definitions:
        compact["$defs"] = definitions
    return compact


def answer_sections(target: Target) -> dict[str, bool]:
    """Return the optional sections a target's answer carries, each with whether it must be filled.

    Sections the code cannot have (yields of a plain function, attributes of a function, raises of code
    that raises nothing) are not offered at all: the model cannot fill them wrongly, and the tool it is sent
    stays small.

    Args:
        target: The target's facts (parameters, returns, generator, raises, attributes).

    Returns:
        Section name -> True when required and non-null, False when it may be null.
    """
    sections: dict[str, bool] = {}
    if target.params:
        sections["args"] = True
    if needs_returns(target):
        sections["returns"] = True
    elif may_document_returns(target):
        sections["returns"] = False
    if needs_yields(target):
        sections["yields"] = True
    if target.raises:
        sections["raises"] = True
    if target.is_class and target.attributes:
        sections["attributes"] = True
    return sections


def answer_schema(target: Target | None, *, strict: bool = True) -> dict[str, Any]:
    """Return the docstring schema cut to what a target can have (the whole schema without a target).

    Args:
        target: The target, or None for every section.
        strict: OpenAI strict mode (every offered property required).

    Returns:
        A JSON Schema; :func:`complete_answer` turns an answer to it into one of the whole schema.
    """
    full = docstring_schema(strict=strict)
    if target is None:
        return full
    sections = answer_sections(target)
    properties: dict[str, Any] = {}
    for name, schema in full["properties"].items():
        if name in ("summary", "description"):
            properties[name] = schema
        elif name in sections:
            options = schema.get("anyOf")
            properties[name] = options[0] if sections[name] and options else schema
    for name in typed_by_code(target):
        if name in properties:
            properties[name] = _without_type(properties[name])
    required = [n for n in properties if strict or n == "summary" or sections.get(n)]
    return {**full, "properties": properties, "required": required}


def typed_by_code(target: Target) -> frozenset[str]:
    """Return the sections whose every type the code states, so the tool does not ask the model for one.

    The code's annotation always wins over the model's type (see ``validate.conform``); asking for a type
    the answer cannot change only makes the request longer.

    Args:
        target: The target's facts (annotations of its parameters, return value and attributes).

    Returns:
        Some of ``args``, ``returns``, ``attributes``.
    """
    typed = set()
    if target.params and all(p.annotation for p in target.params):
        typed.add("args")
    if target.returns_annotation and not target.is_generator:
        typed.add("returns")
    if target.attributes and all(a.annotation for a in target.attributes):
        typed.add("attributes")
    return frozenset(typed)


def _without_type(schema: dict[str, Any]) -> dict[str, Any]:
    """Return the schema of a section without its entries' ``type`` property (arrays, nullable or not)."""
    if "anyOf" in schema:
        return {**schema, "anyOf": [_without_type(option) for option in schema["anyOf"]]}
    if "items" in schema:
        return {**schema, "items": _without_type(schema["items"])}
    if "properties" in schema:
        return {**schema, "properties": {k: v for k, v in schema["properties"].items() if k != "type"},
                "required": [k for k in schema["required"] if k != "type"]}
    return schema


def complete_answer(data: dict[str, Any], target: Target | None = None) -> dict[str, Any]:
    """Add to an answer to a target's cut schema what it was not offered: sections empty, types null.

    Args:
        data: Decoded tool arguments.
        target: The target whose tool was sent; None when the whole schema was sent (sections only).

    Returns:
        The same answer with every property of the whole docstring schema present.
    """
    empty: dict[str, Any] = {"description": None, "args": [], "returns": None, "yields": None, "raises": [],
                             "attributes": []}
    completed = {**{k: v for k, v in empty.items() if k not in data}, **data}
    for name in typed_by_code(target) if target is not None else ():
        value = completed.get(name)
        if isinstance(value, dict):
            completed[name] = {"type": None, **value}
        elif isinstance(value, list):
            completed[name] = [{"type": None, **e} if isinstance(e, dict) else e for e in value]
    return completed


def tool_definition(target: Target | None = None, *, strict: bool = True) -> dict[str, Any]:
    """Return the one function tool the model is forced to call, generated from the docstring schema.

    Args:
        target: The target the tool is for (its schema offers only the sections the target can have);
            None for the whole schema.
        strict: Use OpenAI strict mode (every property required, nullable where optional).

    Returns:
        A Chat Completions ``tools`` entry.
    """
    schema = shared_definitions(answer_schema(target, strict=strict))
    function: dict[str, Any] = {"name": TOOL_NAME, "parameters": schema}
    if strict:
        function["strict"] = True
    return {"type": "function", "function": function}


def tool_choice() -> dict[str, Any]:
    """Return the ``tool_choice`` that forces the call.

    Returns:
        A Chat Completions ``tool_choice`` value.
    """
    return {"type": "function", "function": {"name": TOOL_NAME}}


def tool_chars(target: Target | None = None, *, strict: bool = True) -> int:
    """Characters of a target's tool definition as sent (compact JSON).

    Args:
        target: The target (its tool offers only its sections); None for the whole schema.
        strict: Which variant of the tool.

    Returns:
        The number of characters.
    """
    return len(json.dumps(tool_definition(target, strict=strict), separators=(",", ":")))


def prompt_chars(request: GenerationRequest, *, strict: bool = True) -> int:
    """Characters of what a request sends as its prompt: its messages (built once per request) and its tool.

    Args:
        request: The request: its target (for the tool) and its messages.
        strict: Which variant of the tool is sent.

    Returns:
        The number of characters.
    """
    return sum(len(str(m.get("content") or "")) for m in request.messages) + tool_chars(request.target,
                                                                                        strict=strict)
