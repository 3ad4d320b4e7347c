"""Docstring drafts written from the facts of the code alone.

They are what the offline provider answers, what fills a section a model kept getting wrong, and what
``--update`` adds.

Every sentence says something the code states: a raise's condition and message, a default, a returned
expression, a yielded item, the value an attribute starts with, the verb and noun of a name. Where the code
says nothing, the text is an honest placeholder (:func:`~docgen_magic.core.rules.placeholder`), which
``--check`` reports as a gap still to write.
"""

from __future__ import annotations

import ast
from functools import lru_cache

from docgen_magic.core.facts import Param, ParamKind, Target, TargetKind, dotted_name, own_scope_nodes
from docgen_magic.core.model import ArgDoc, AttributeDoc, Docstring, RaisesDoc, ReturnsDoc, YieldsDoc
from docgen_magic.core.observed import Observation, observed_text, observed_type
from docgen_magic.core.rules import (
    VERBS,
    is_truth_valued,
    is_variadic,
    may_document_returns,
    needs_returns,
    placeholder,
    prose_fault,
    same_exception,
    states_default,
    words,
    written_default,
)

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
_ARTICLES = frozenset({"the", "a", "an", "all", "each", "every", "one", "many", "some", "into", "in", "at"})


def summary_for(target: Target) -> str:
    """Return a one-sentence summary derived from the target's name, or a placeholder when the name says nothing.

    Args:
        target: The target, with the facts read from its code.

    Returns:
        A sentence ending with a period; a placeholder for a name that is only an acronym or a symbol
        (``ABC``, ``_``), which the rule book judges a summary that says nothing.
    """
    summary = _name_summary(target)
    if prose_fault(summary, target, part="summary") is not None:
        return placeholder(f"summarize ``{target.name}``")
    return summary


def _name_summary(target: Target) -> str:
    """Say what a target does from the verb and noun of its name."""
    owner = target.qualname.rsplit(".", 1)[0] if "." in target.qualname else target.name
    if target.name in _DUNDERS:
        return _DUNDERS[target.name].format(owner=owner.rsplit(".", 1)[-1])
    parts = words(target.name) or [target.name]
    text = " ".join(parts)
    if target.kind is TargetKind.CLASS:
        held = _listing([" ".join(words(a.name)) for a in target.attributes[:4]])
        return f"{text[0].upper()}{text[1:]}" + (f" holding the {held}." if held else ".")
    if target.kind is TargetKind.PROPERTY:
        return f"The {text}."
    if parts[0] in _PREDICATES and len(parts) > 1:
        return f"Return whether it {text}."
    if parts[0] in _PREPOSITIONS and len(parts) > 1:
        return f"{_PREPOSITIONS[parts[0]]} {text}."
    if parts[0] in VERBS or parts[0].endswith(("ize", "ise")):
        rest = " ".join(parts[1:])
        rest = f"the {rest}" if rest and parts[1] not in _PREPOSITIONS and parts[1] not in _ARTICLES else rest
        return f"{parts[0].capitalize()} {rest or _object_of(target, owner)}.".replace(" .", ".")
    verb = "Yield" if target.is_generator else "Return" if target.returns_value else "Handle"
    return f"{verb} the {text}."


def _object_of(target: Target, owner: str) -> str:
    """Name what a bare verb acts on: the instance for a method, else the first parameter.

    Args:
        target: The target, whose name is a single verb.
        owner: The qualified name of the enclosing class, or the target's own name.

    Returns:
        E.g. ``the summary`` for ``Summary.flag``; empty when there is nothing to name.
    """
    if "." in target.qualname:
        return "the " + " ".join(words(owner.rsplit(".", 1)[-1]))
    regular = [p for p in target.params if not is_variadic(p)]
    return "the " + " ".join(words(regular[0].name)) if regular else ""




def _listing(items: list[str]) -> str:
    """Join items as ``a``, ``a and b``, ``a, b and c``."""
    items = [i for i in items if i]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" and {items[-1]}" if items else ""


def _code(node: ast.AST, limit: int = 60) -> str:
    """Return an expression as inline code, or ``""`` when it is too long to read in a sentence."""
    text = ast.unparse(node)
    return f"``{text}``" if len(text) <= limit and "\n" not in text else ""


def _string(node: ast.AST | None) -> str | None:
    """Return the text of a string literal (or the literal parts of an f-string), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.strip()
    if isinstance(node, ast.JoinedStr):
        text = "".join(str(v.value) if isinstance(v, ast.Constant) else "…" for v in node.values)
        return text.strip() if text.strip(" …") else None
    return None


def _parents(target: Target) -> dict[int, ast.AST]:
    """Map every node in the target's own scope to its parent."""
    node = target.node
    return _scope(node)[1] if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else {}


def _own(target: Target) -> list[ast.AST]:
    node = target.node
    return list(_scope(node)[0]) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else []


@lru_cache(maxsize=16)
def _scope(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[tuple[ast.AST, ...], dict[int, ast.AST]]:
    """Walk a function's own scope once per draft (every part of a draft asks for it)."""
    own = tuple(own_scope_nodes(node))
    parents: dict[int, ast.AST] = {}
    for parent in (node, *own):
        for child in ast.iter_child_nodes(parent):
            parents.setdefault(id(child), parent)
    return own, parents


def _condition(node: ast.AST, parents: dict[int, ast.AST]) -> str:
    """When a statement runs, read from the nearest enclosing ``if`` / ``except``: a phrase or ``""``."""
    child, parent = node, parents.get(id(node))
    while parent is not None and not isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
        if isinstance(parent, ast.If):
            test = parent.test if child in parent.body else ast.UnaryOp(ast.Not(), parent.test)
            return condition_phrase(test)
        if isinstance(parent, ast.ExceptHandler):
            caught = f"``{ast.unparse(parent.type)}``" if parent.type is not None else "an exception"
            return f"if {_tried(parent, parents)} raises {caught}"
        if isinstance(parent, (ast.For, ast.AsyncFor, ast.While)) and child in parent.body:
            return ""
        child, parent = parent, parents.get(id(parent))
    return ""


def condition_phrase(test: ast.expr) -> str:
    """Read a test as an ``if`` clause: ``if fewer than 2 values are given`` for ``len(values) < 2``.

    Args:
        test: The condition.

    Returns:
        The clause, starting with ``if``; ``""`` when the condition is too long to quote.
    """
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = test.operand
        if isinstance(inner, ast.Name):
            return f"if ``{inner.id}`` is empty or false"
        if isinstance(inner, ast.Call) and dotted_name(inner.func) == "isinstance" and len(inner.args) == 2:
            return f"if ``{ast.unparse(inner.args[0])}`` is not {_kind_of(inner.args[1])}"
        if isinstance(inner, ast.Compare):
            return _compare_phrase(inner, negate=True)
        code = _code(inner)
        return f"if {code} is false" if code else ""
    if isinstance(test, ast.Compare):
        return _compare_phrase(test, negate=False)
    if isinstance(test, ast.BoolOp) and len(test.values) <= 3:
        parts = [condition_phrase(v) for v in test.values]
        if all(parts):
            joiner = " and " if isinstance(test.op, ast.And) else " or "
            return "if " + joiner.join(p.removeprefix("if ") for p in parts)
    if isinstance(test, ast.Name):
        return f"if ``{test.id}`` is true"
    code = _code(test)
    return f"if {code}" if code else ""


_NEGATED = {ast.Lt: ast.GtE, ast.LtE: ast.Gt, ast.Gt: ast.LtE, ast.GtE: ast.Lt, ast.Eq: ast.NotEq,
            ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}


def _compare_phrase(test: ast.Compare, *, negate: bool) -> str:
    if len(test.ops) != 1:
        code = _code(test)
        return (f"unless {code}" if negate else f"if {code}") if code else ""
    op = _NEGATED[type(test.ops[0])]() if negate else test.ops[0]
    left, right = test.left, test.comparators[0]
    if (isinstance(left, ast.Call) and dotted_name(left.func) == "len" and len(left.args) == 1
            and isinstance(left.args[0], ast.Name) and isinstance(right, ast.Constant)
            and isinstance(right.value, int)):
        things = left.args[0].id
        if isinstance(op, ast.Lt):
            return f"if fewer than {right.value} {things} are given"
        if isinstance(op, ast.Eq) and right.value == 0:
            return f"if ``{things}`` is empty"
    if isinstance(right, ast.Constant) and right.value is None and isinstance(op, (ast.Is, ast.IsNot)):
        return f"if {_code(left) or 'it'} is {'' if isinstance(op, ast.Is) else 'not '}None"
    code = _code(ast.Compare(left=left, ops=[op], comparators=[right]))
    return f"if {code}" if code else ""


def _kind_of(node: ast.expr) -> str:
    names = node.elts if isinstance(node, ast.Tuple) else [node]
    return "a " + " or ".join(f"``{ast.unparse(n)}``" for n in names)


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[0].upper() + text[1:]).rstrip(".") + "." if text else text


def with_default(text: str, param: Param) -> str:
    """Add a parameter's default from the code to its description, unless the text already states that value.

    Args:
        text: The description.
        param: One parameter of its signature.

    Returns:
        The text, ending with ``Defaults to <default>.`` when the parameter has a default the text does not
        give (see :func:`~docgen_magic.core.rules.states_default`).
    """
    if param.default is None or states_default(text, param.default):
        return text
    return f"{text.rstrip()} Defaults to {written_default(param.default)}.".lstrip()


def param_text(target: Target, param: Param, observed: Observation | None = None) -> str:
    """Say what a draft says about a parameter: how the body uses it, its default, or a placeholder.

    Args:
        target: The target, with the facts read from its code.
        param: One parameter of its signature.
        observed: What the kernel saw the target called with (a frame's columns, an inherited
            description), or None.

    Returns:
        One or two sentences.
    """
    if param.kind is ParamKind.VAR_POSITIONAL:
        use = _use_of(target, param.name) or f"Extra positional arguments, collected in ``{param.name}``"
    elif param.kind is ParamKind.VAR_KEYWORD:
        use = _use_of(target, param.name) or f"Extra keyword arguments, collected in ``{param.name}``"
    else:
        use = _use_of(target, param.name)
    text = observed_text(param, observed, _sentence(use) if use else "") \
        or (_sentence(use) if use else placeholder(f"describe ``{param.name}``"))
    return with_default(text, param)


def _use_of(target: Target, name: str) -> str:
    """Find the first telling use of a name in the body: passed on to a call, compared, iterated over.

    Only uses up to the line that first assigns the name again are read: after it, the name may hold
    something else than the argument.
    """
    limit = _first_stores(target).get(name)
    own = _own(target) if limit is None else [n for n in _own(target) if getattr(n, "lineno", 0) <= limit]
    parents = _parents(target)
    for node in own:
        if (isinstance(node, ast.Return) and isinstance(node.value, ast.Name) and node.value.id == name
                and not _rebound(target, name)):
            when = _condition(node, parents)
            return f"returned {when}".strip() if when else "returned unchanged"
        if isinstance(node, ast.IfExp) and isinstance(node.test, ast.Name) and node.test.id == name:
            body, orelse = _code(node.body, 40), _code(node.orelse, 40)
            if body and orelse:
                return f"when true, {body} is used, else {orelse}"
    for node in own:
        if isinstance(node, ast.Call):
            callee = dotted_name(node.func) or ""
            for keyword in node.keywords:
                if isinstance(keyword.value, ast.Name) and keyword.value.id == name and callee and keyword.arg:
                    return f"passed to ``{callee}`` as ``{keyword.arg}``"
            for arg in node.args:
                inner = arg.value if isinstance(arg, ast.Starred) else arg
                if isinstance(inner, ast.Name) and inner.id == name and callee and callee not in _TRIVIAL_CALLS:
                    return f"passed to ``{callee}``"
        elif isinstance(node, (ast.For, ast.comprehension)):
            if isinstance(node.iter, ast.Name) and node.iter.id == name:
                return f"iterated over, one ``{ast.unparse(node.target)}`` at a time"
        elif isinstance(node, ast.Compare) and len(node.ops) == 1:
            sides = [node.left, node.comparators[0]]
            if any(isinstance(s, ast.Name) and s.id == name for s in sides):
                other = next((s for s in sides if not (isinstance(s, ast.Name) and s.id == name)), None)
                code = _code(other, 30) if other is not None else ""  # ``x == x``: compared with itself
                if code:
                    return f"compared with {code}"
    for node in own:
        if isinstance(node, ast.BinOp) and any(isinstance(side, ast.Name) and side.id == name
                                               for side in (node.left, node.right)):
            code = _code(node, 40)
            if code:
                return f"used in {code}"
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Name) and node.slice.id == name:
            code = _code(node, 40)
            if code:
                return f"the key read in {code}"
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == name):
            code = _code(node, 40)
            if code:
                return f"used as {code}"
    return _other_use(target, name, own, parents)


def _other_use(target: Target, name: str, own: list[ast.AST], parents: dict[int, ast.AST]) -> str:
    """Read the uses left after the telling ones.

    In order: a flag's branch, where it is stored, what of it is read, the expression it is part of, the call
    it goes to when that says little, the nested function that reads it.
    """
    uses = [n for n in own if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)]
    only_flag = bool(uses) and all(_is_flag_test(use, parents) for use in uses)
    phrases = [_flag_phrase(use, parents, only_flag=only_flag) for use in uses]
    phrases += [_stored_phrase(use, parents) for use in uses]
    read = list(dict.fromkeys(parent.attr for use in uses if isinstance(parent := parents.get(id(use)), ast.Attribute)
                              and not isinstance(parents.get(id(parent)), ast.Call)))
    if read:
        phrases.append(f"its {_listing([f'``.{a}``' for a in read[:3]])} {'is' if len(read[:3]) == 1 else 'are'} read")
    phrases += [_part_phrase(use, parents) for use in uses] + [_call_phrase(use, parents) for use in uses]
    return next((p for p in phrases if p), "") or _nested_use(own, name)


def _flag_phrase(use: ast.Name, parents: dict[int, ast.AST], *, only_flag: bool = False) -> str:
    """``if flag:`` / ``if not flag:`` -> what the branch it selects does first, or ``""``.

    A name only ever tested as ``if flag:`` is "whether to" do what its branch does first; otherwise (negated,
    or also used elsewhere) the text says what happens when it is true or false.
    """
    test = parents.get(id(use))
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    statement = parents.get(id(test)) if negated else test
    if not negated:
        test, statement = use, parents.get(id(use))
    if not isinstance(statement, ast.If) or statement.test is not test or _condition(statement, parents):
        return ""  # under another condition, the flag alone does not select the branch
    if only_flag and not negated:
        action = _action(statement.body[0])
        if action:
            return f"whether to {action}"
    effect = _effect(statement.body[0])
    return f"when {'false' if negated else 'true'}, {effect}" if effect else ""


def _is_flag_test(use: ast.Name, parents: dict[int, ast.AST]) -> bool:
    """Whether a use of a name is the whole test of an ``if`` (``if flag:`` or ``if not flag:``)."""
    test = parents.get(id(use))
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return isinstance(statement := parents.get(id(test)), ast.If) and statement.test is test
    return isinstance(test, ast.If) and test.test is use


def _effect(statement: ast.stmt) -> str:
    """Say what one statement does: ``f(x)`` is called, ``x`` is returned, ``E`` is raised, ``a`` is set."""
    parts = _effect_parts(statement)
    if parts is None:
        return ""
    kind, code, value = parts
    if kind == "set":
        return f"{code} is set to {value}"
    return f"{code} is {kind}"


def _action(statement: ast.stmt) -> str:
    """Say what one statement does as an action: call ``f(x)``, return ``x``, raise ``E``, set ``a`` to ``b``."""
    parts = _effect_parts(statement)
    if parts is None:
        return ""
    kind, code, value = parts
    verb = {"called": "call", "returned": "return", "raised": "raise", "set": "set"}[kind]
    return f"{verb} {code}" + (f" to {value}" if kind == "set" else "")


def _effect_parts(statement: ast.stmt) -> tuple[str, str, str] | None:
    """Read one statement as (what is done, the code it is done to, the value set), or None when unsaid."""
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        code = _code(statement.value, 50)
        return ("called", code, "") if code else None
    if isinstance(statement, ast.Return):
        code = _code(statement.value, 40) if statement.value is not None else "``None``"
        return ("returned", code, "") if code else None
    if isinstance(statement, ast.Raise) and statement.exc is not None:
        exc = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
        raised = dotted_name(exc)
        return ("raised", f"``{raised}``", "") if raised else None
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        left, right = _code(statement.targets[0], 30), _code(statement.value, 30)
        return ("set", left, right) if left and right else None
    return None


def _stored_phrase(use: ast.Name, parents: dict[int, ast.AST]) -> str:
    """``self.x = x`` -> ``stored as ``self.x```` (with the condition it is stored under)."""
    statement = parents.get(id(use))
    if not (isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is use):
        return ""
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    if len(targets) != 1 or not isinstance(targets[0], (ast.Attribute, ast.Subscript)):
        return ""
    code = _code(targets[0], 40)
    when = _condition(statement, parents)
    return f"stored as {code} {when}".strip() if code else ""


def _part_phrase(use: ast.Name, parents: dict[int, ast.AST]) -> str:
    """Name the short expression a name is part of: a tuple, an ``or``, ``not x``, ``x[i]``, an f-string."""
    parent = parents.get(id(use))
    if isinstance(parent, ast.FormattedValue):
        text = parents.get(id(parent))
        code = _code(text, 50) if text is not None else ""
        return f"formatted into {code}" if code else "formatted into a text"
    if isinstance(parent, ast.Subscript) and parent.value is use:
        code = _code(parent, 40)
        return f"indexed as {code}" if code else ""
    if isinstance(parent, (ast.Tuple, ast.List, ast.Set, ast.Dict, ast.BoolOp, ast.UnaryOp)):
        code = _code(parent, 40)
        return f"used in {code}" if code else ""
    return ""


def _call_phrase(use: ast.Name, parents: dict[int, ast.AST]) -> str:
    """Name a call the telling pass left out: a callee that is not a plain name, ``**x``, ``len`` and the like."""
    parent = parents.get(id(use))
    keyword = parent if isinstance(parent, ast.keyword) else None
    call = parents.get(id(keyword)) if keyword is not None else parents.get(id(parent)) \
        if isinstance(parent, ast.Starred) else parent
    if not isinstance(call, ast.Call) or call.func is use:
        return ""
    callee = f"``{dotted_name(call.func)}``" if dotted_name(call.func) else _code(call.func, 30)
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call) and dotted_name(func.value.func) == "super":
        callee = f"the parent class's ``{func.attr}``"
    if not callee:
        return ""
    if keyword is not None:
        return f"passed to {callee} as ``{keyword.arg}``" if keyword.arg else \
            f"its items are passed to {callee} as keyword arguments"
    return f"its items are passed to {callee} as positional arguments" if isinstance(parent, ast.Starred) \
        else f"passed to {callee}"


def _nested_use(own: list[ast.AST], name: str) -> str:
    """Name the nested function or lambda that reads a name the body itself does not."""
    for inner in own:
        if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and _reads(inner, name):
            return f"read by the nested ``{inner.name}``" if not isinstance(inner, ast.Lambda) \
                else "read by a ``lambda`` in the body"
    return ""


def _reads(scope: ast.AST, name: str) -> bool:
    """Whether a nested scope reads a name of the enclosing one (a parameter of the same name hides it)."""
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        args = scope.args
        if any(a.arg == name for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg)
               if a is not None):
            return False
    return any((isinstance(child, ast.Name) and child.id == name) or _reads(child, name)
               for child in ast.iter_child_nodes(scope))


def _rebound(target: Target, name: str) -> bool:
    """Whether the body assigns (or deletes) a name, so that it may no longer hold the argument given."""
    return name in _first_stores(target)


def _first_stores(target: Target) -> dict[str, int]:
    """Map each name the function's own scope assigns or deletes to the first line doing so."""
    node = target.node
    return _stores(node) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else {}


@lru_cache(maxsize=16)
def _stores(node: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, int]:
    found: dict[str, int] = {}
    for child in _scope(node)[0]:
        if isinstance(child, ast.Name) and not isinstance(child.ctx, ast.Load):
            found[child.id] = min(found.get(child.id, child.lineno), child.lineno)
    return found


_TRIVIAL_CALLS = frozenset({"print", "len", "str", "repr", "id", "type"})


def returns_text(target: Target) -> str:
    """Say what comes back, read from the ``return`` statements.

    Args:
        target: The target, with the facts read from its code.

    Returns:
        A sentence naming the returned expression(s); the annotation or a placeholder when none can be read.
    """
    parents = _parents(target)
    found = [n for n in _own(target) if isinstance(n, ast.Return) and n.value is not None
             and not (isinstance(n.value, ast.Constant) and n.value.value is None)]
    phrases: list[str] = []
    for node in found[:3]:
        assert node.value is not None
        phrase = _value_phrase(node.value, target)
        if not phrase:
            phrases = []
            break
        when = _condition(node, parents) if len(found) > 1 else ""
        phrases.append(f"{phrase} {when}".strip())
    if phrases and len(found) <= 3:
        return _sentence("; or ".join(dict.fromkeys(phrases)))
    if target.returns_annotation and target.returns_annotation not in ("None",):
        return placeholder(f"describe the returned ``{target.returns_annotation}``")
    return placeholder("describe the return value")


def _value_phrase(value: ast.expr, target: Target) -> str:
    """Say in words what an expression gives: ``the same summary (for chaining)``, ``a new `Summary```..."""
    if isinstance(value, ast.Name):
        if value.id in ("self", "cls") and "." in target.qualname:
            owner = " ".join(words(target.qualname.rsplit(".", 2)[-2]))
            return f"the same {owner}, so calls can be chained"
        given = any(p.name == value.id for p in target.params) and not _rebound(target, value.id)
        return f"the given ``{value.id}``" if given else f"``{value.id}``"
    if isinstance(value, ast.Constant):
        code = _code(value)
        return code or ("a fixed text" if isinstance(value.value, str) else "")
    if is_truth_valued(value):
        code = _code(value)
        return f"whether {code}" if code else "whether the test holds"
    if isinstance(value, ast.BoolOp):
        return _operand_phrase(value)
    if isinstance(value, ast.Call):
        callee = dotted_name(value.func) or ""
        last = callee.rsplit(".", 1)[-1]
        if callee == "cls":
            owner = target.qualname.rsplit(".", 2)[-2] if "." in target.qualname else "class"
            return f"a new ``{owner}``"
        if last in ("dict", "list", "set", "tuple", "frozenset"):
            made = _code(value.args[0], 40) if len(value.args) == 1 else ""
            return f"a {last} made from {made}" if made else f"a new {last}"
        if last[:1].isupper():
            return f"a new ``{last}``"
        code = _code(value)
        return f"the result of {code}" if code else ""
    if isinstance(value, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
        kind = {ast.ListComp: "a list", ast.SetComp: "a set", ast.GeneratorExp: "an iterator"}[type(value)]
        element, first = _code(value.elt, 40), value.generators[0]
        source = _code(first.iter, 40)
        return f"{kind} of {element} for each ``{ast.unparse(first.target)}`` in {source}" \
            if element and source else kind
    if isinstance(value, ast.DictComp):
        key, item, first = _code(value.key, 30), _code(value.value, 30), value.generators[0]
        source = _code(first.iter, 40)
        return f"a dict mapping {key} to {item} for each ``{ast.unparse(first.target)}`` in {source}" \
            if key and item and source and len(value.generators) == 1 else "a dict"
    if isinstance(value, ast.JoinedStr):
        code = _code(value)
        return f"the text {code}" if code else "a formatted text"
    if isinstance(value, (ast.List, ast.Tuple, ast.Dict, ast.Set)):
        code = _code(value)
        kind = {ast.List: "a list", ast.Tuple: "a tuple", ast.Dict: "a dict", ast.Set: "a set"}[type(value)]
        return f"{kind} {code}".strip()
    code = _code(value)
    return f"the value of {code}" if code else ""


def _operand_phrase(value: ast.BoolOp) -> str:
    """Say which operand ``a or b`` / ``a and b`` gives (it is one of them, not a truth value).

    Args:
        value: An ``and`` / ``or`` whose operands are not all truth values.

    Returns:
        E.g. ``the ``a`` if it is truthy, else ``b````; ``""`` when an operand is too long to quote.
    """
    codes = [_code(v, 40) for v in value.values]
    if not all(codes):
        return ""
    if len(codes) == 2:
        first, last = codes
        return (f"{first} if it is truthy, else {last}" if isinstance(value.op, ast.Or)
                else f"{last} if {first} is truthy, else {first}")
    which = "truthy" if isinstance(value.op, ast.Or) else "falsy"
    return f"the first of {_listing(codes)} that is {which}, else {codes[-1]}"


def yields_text(target: Target) -> str:
    """Say what each yielded item is.

    Args:
        target: The generator.

    Returns:
        A sentence naming the yielded expression and the loop it comes from, or a placeholder.
    """
    parents = _parents(target)
    found = [n for n in _own(target) if isinstance(n, (ast.Yield, ast.YieldFrom))]
    if len(found) == 1:
        node = found[0]
        if isinstance(node, ast.YieldFrom):
            code = _code(node.value)
            return _sentence(f"each item of {code}") if code else placeholder("describe each yielded item")
        code = _code(node.value) if node.value is not None else "``None``"
        loop = _enclosing_loop(node, parents)
        if code:
            return _sentence(f"{code} for each ``{ast.unparse(loop.target)}`` in {_code(loop.iter, 40)}"
                             if loop is not None and _code(loop.iter, 40) else code)
    return placeholder("describe each yielded item")


def _enclosing_loop(node: ast.AST, parents: dict[int, ast.AST]) -> ast.For | ast.AsyncFor | None:
    parent = parents.get(id(node))
    while parent is not None and not isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
        if isinstance(parent, (ast.For, ast.AsyncFor)):
            return parent
        parent = parents.get(id(parent))
    return None


def raise_text(target: Target, exception: str) -> str:
    """When a draft says an exception is raised: the raise's condition and its message.

    Args:
        target: The target, with the facts read from its code.
        exception: A name in ``target.raises``.

    Returns:
        E.g. ``If fewer than 2 values are given ("need at least two values").``, or a placeholder.
    """
    parents = _parents(target)
    for node in _own(target):
        if not isinstance(node, ast.Raise):
            continue
        if node.exc is None or (isinstance(node.exc, ast.Name) and not node.exc.id[:1].isupper()):
            handler = _handler_of(node, parents)
            if handler is not None and handler.type is not None and any(
                    same_exception(exception, dotted_name(t) or "") for t in _handler_types(handler)):
                return _sentence(f"if {_tried(handler, parents)} raises it (re-raised)")
            continue
        exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        if not same_exception(exception, dotted_name(exc) or ""):
            continue
        message = _string(node.exc.args[0]) if isinstance(node.exc, ast.Call) and node.exc.args else None
        when = _condition(node, parents)
        quoted = f' ("{message}")' if message else ""
        if when:
            return _sentence(when + quoted)
        if message:
            return _sentence(f'with the message "{message}"')
    return placeholder(f"say when ``{exception}`` is raised")


def _handler_of(node: ast.AST, parents: dict[int, ast.AST]) -> ast.ExceptHandler | None:
    parent = parents.get(id(node))
    while parent is not None and not isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
        if isinstance(parent, ast.ExceptHandler):
            return parent
        parent = parents.get(id(parent))
    return None


def _handler_types(handler: ast.ExceptHandler) -> list[ast.expr]:
    if handler.type is None:
        return []
    return list(handler.type.elts) if isinstance(handler.type, ast.Tuple) else [handler.type]


def _tried(handler: ast.ExceptHandler, parents: dict[int, ast.AST]) -> str:
    """Quote the one call the ``try`` of a handler makes, as inline code, or ``the guarded code``."""
    parent = parents.get(id(handler))
    if isinstance(parent, ast.Try) and len(parent.body) == 1:
        calls = [n for n in ast.walk(parent.body[0]) if isinstance(n, ast.Call)]
        code = _code(calls[0], 40) if calls else ""
        if code:
            return code
    return "the guarded code"


def attribute_text(target: Target, name: str) -> str:
    """Say what a class attribute holds: the value it starts with, or a placeholder.

    Args:
        target: The class.
        name: One of its attributes.

    Returns:
        A sentence.
    """
    node = target.node
    if not isinstance(node, ast.ClassDef):
        return placeholder(f"describe ``{name}``")
    for stmt in node.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == name:
            if stmt.value is None:
                return placeholder(f"describe ``{name}``")
            factory = _default_factory(stmt.value)
            if factory:
                return _sentence(f"starts as a new empty ``{factory}``")
            text = ast.unparse(stmt.value)
            return _sentence(f"defaults to {text}") if len(text) <= 40 else placeholder(f"describe ``{name}``")
    init = next((s for s in node.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
    if init is not None:
        for assign in ast.walk(init):
            if (isinstance(assign, (ast.Assign, ast.AnnAssign)) and assign.value is not None and any(
                    isinstance(t, ast.Attribute) and t.attr == name
                    for t in (assign.targets if isinstance(assign, ast.Assign) else [assign.target]))):
                value: ast.expr = assign.value
                if isinstance(value, ast.Name):
                    return _sentence(f"the ``{value.id}`` given to the constructor"
                                     if any(a.arg == value.id for a in init.args.args) else
                                     f"set from ``{value.id}`` when the object is built")
                code = _code(value, 40)
                return _sentence(f"set to {code} when the object is built") if code else \
                    placeholder(f"describe ``{name}``")
    return placeholder(f"describe ``{name}``")


def _default_factory(value: ast.expr) -> str:
    if isinstance(value, ast.Call) and (dotted_name(value.func) or "").endswith("field"):
        for keyword in value.keywords:
            if keyword.arg == "default_factory":
                return dotted_name(keyword.value) or ""
    return ""


def draft(target: Target, observed: Observation | None = None) -> Docstring:
    """Draft a whole docstring for a target, every part from the facts.

    Args:
        target: The target, with the facts read from its code.
        observed: What the kernel saw it called with: types where the code has no annotation, a frame's
            columns, inherited descriptions. None for the code alone.

    Returns:
        A docstring whose structure is exactly the code's.
    """
    returns = None
    if needs_returns(target) or (may_document_returns(target) and not target.is_generator):
        text = returns_text(target) if target.kind is not TargetKind.PROPERTY or target.returns_value \
            else summary_for(target)
        returns = ReturnsDoc(None, text)
    return Docstring(
        summary=summary_for(target),
        args=[ArgDoc(p.display_name, observed_type(p, observed), param_text(target, p, observed))
              for p in target.params],
        returns=returns,
        yields=YieldsDoc(None, yields_text(target)) if target.is_generator else None,
        raises=[RaisesDoc(name, raise_text(target, name)) for name in target.raises],
        attributes=[AttributeDoc(a.name, None, attribute_text(target, a.name)) for a in target.attributes]
        if target.is_class else [],
    )
