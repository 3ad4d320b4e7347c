"""What a live kernel knows about the objects a target is called with, as plain data, and how docgen uses it.

The namespace reader (``docgen_magic.infra.namespace``) finds the calls to each target in the kernel's executed
cells and describes the objects they pass, and the globals the target reads, for known-safe types only: a
qualified type, an element type, a shape, column or record-key names with their types. Never a value. The
core sees only these descriptions:

- offline drafts write the observed type where the code has no annotation, and a sentence for a frame, a
  record or an array (:func:`observed_arg`);
- the prompt carries one compact line (:func:`seen_line`), which is also part of the cache key;
- an annotation always wins: an observation that contradicts it is reported (:func:`report`), never written;
- ``--check`` says when a documented parameter was seen called with a type its docstring does not mention
  (:func:`unsaid`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from docgen_magic.core.facts import Param, Target

FRAME, SERIES, INDEX, ARRAY, SEQUENCE, SET, MAPPING, RECORD = (
    "frame", "series", "index", "array", "sequence", "set", "mapping", "record")
"""Kinds of described objects (an object of any other type is described by its type alone)."""

_MAX_DESCRIPTIONS = 4  # distinct descriptions kept per parameter; more calls only repeat what is known
_MAX_LINE_CHARS = 1200
_NOUNS = {FRAME: "Frame", SERIES: "Series", INDEX: "Index", ARRAY: "Array", RECORD: "Record"}


@dataclass(frozen=True)
class Seen:
    """One object as the kernel described it: its type and shape of data, never its values.

    Attributes:
        type: Qualified type name as its library exports it, e.g. ``pandas.DataFrame``; builtins unqualified.
        kind: ``frame``, ``series``, ``index``, ``array``, ``sequence``, ``set``, ``mapping``, ``record`` or
            ``""`` for an object described by its type alone.
        bases: Short names of the type and its base classes (``bool``, ``int``, ``object``), to compare with
            an annotation.
        dtype: Element type of an array or series (``float64``).
        shape: Shape of an array or frame.
        fields: A frame's columns or a record's keys, each with its type (only when names may be used).
        field_count: How many columns or keys there are (also when their names are not listed).
        items: Element types of a sequence or set, value types of a mapping.
        keys: Key types of a mapping that is not a record.
        index: The index type of a pandas object (``RangeIndex``).
    """

    type: str
    kind: str = ""
    bases: tuple[str, ...] = ()
    dtype: str = ""
    shape: tuple[int, ...] | None = None
    fields: tuple[tuple[str, str], ...] = ()
    field_count: int = 0
    items: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    index: str = ""

    @property
    def short(self) -> str:
        """The type as an annotation would read: ``list[int]``, ``dict[str, float]``, ``pandas.DataFrame``."""
        items = " | ".join(self.items)
        if self.kind in (SEQUENCE, SET) and items:
            return f"{self.type}[{items}]"
        if self.kind == MAPPING and self.keys and items:
            return f"{self.type}[{' | '.join(self.keys)}, {items}]"
        if self.kind == RECORD and items:
            return f"{self.type}[str, {items}]"
        return self.type

    def text(self) -> str:
        """Describe the object in a few words, as the prompt and the report show it.

        Returns:
            E.g. ``pandas.DataFrame with columns city (object), temp_c (float64); index RangeIndex``.
        """
        parts = [self.short]
        if self.kind in (FRAME, RECORD) and self.fields:
            more = self.field_count - len(self.fields)
            word = "columns" if self.kind == FRAME else "keys"
            parts.append(f" with {word} {_fields(self.fields)}" + (f" and {more} more" if more > 0 else ""))
        elif self.kind in (FRAME, RECORD) and self.field_count:
            parts.append(f" with {self.field_count} {'columns' if self.kind == FRAME else 'keys'}")
        if self.kind in (ARRAY, SERIES, INDEX) and self.dtype:
            parts.append(f" of {self.dtype}")
        if self.kind == ARRAY and self.shape is not None:
            parts.append(f", shape {_shape(self.shape)}")
        if self.index:
            parts.append(f"; index {self.index}")
        return "".join(parts)


@dataclass(frozen=True)
class Inherited:
    """A parameter passed straight to a callable the kernel holds, which documents it.

    Attributes:
        source: The callable as its module exports it, e.g. ``pandas.read_csv``.
        name: The callable's parameter the target's parameter is passed as.
        description: The callable's description of it (its first sentences).
    """

    source: str
    name: str
    description: str


@dataclass(frozen=True)
class Observation:
    """What the kernel knows about one target.

    Attributes:
        params: Bare parameter name -> the distinct descriptions of what it was called with.
        globals: Name -> description of the module-level values the target reads.
        inherited: Bare parameter name -> the description a callable it is passed to gives of it.
        calls: How many calls to the target were found.
    """

    params: Mapping[str, tuple[Seen, ...]] = field(default_factory=dict)
    globals: Mapping[str, Seen] = field(default_factory=dict)
    inherited: Mapping[str, Inherited] = field(default_factory=dict)
    calls: int = 0

    @property
    def empty(self) -> bool:
        """True when nothing was observed."""
        return not (self.params or self.globals or self.inherited)


def merge(seen: Sequence[Seen]) -> tuple[Seen, ...]:
    """Keep the distinct descriptions of what one parameter was called with, in the order first seen.

    Args:
        seen: One description per call (repeats allowed).

    Returns:
        At most a few distinct descriptions.
    """
    return tuple(dict.fromkeys(seen))[:_MAX_DESCRIPTIONS]


def type_text(seen: Sequence[Seen]) -> str:
    """Return the observed type of a parameter; every type when the calls disagree (``int | float``).

    Args:
        seen: The distinct descriptions of the parameter.

    Returns:
        The type text, or ``""`` when nothing was seen.
    """
    return " | ".join(dict.fromkeys(s.short for s in seen))


def phrase(seen: Sequence[Seen]) -> str:
    """Describe a parameter in a sentence, when every call agrees on something worth saying.

    Args:
        seen: The distinct descriptions of the parameter.

    Returns:
        E.g. ``Frame with columns city (object), month (int64).`` or ``Array of float64 (seen with shape
        (3,)).``; ``""`` for plain types or calls that disagree.
    """
    kinds = {s.kind for s in seen}
    if len(kinds) != 1 or next(iter(kinds)) not in _NOUNS:
        return ""
    kind = next(iter(kinds))
    noun = _NOUNS[kind]
    if kind in (FRAME, RECORD):
        word = "columns" if kind == FRAME else "keys"
        common = _common_fields(seen)
        if common:
            return f"{noun} with {word} {_fields(common)}."
        counts = {s.field_count for s in seen}
        return f"{noun} with {counts.pop()} {word}." if len(counts) == 1 and 0 not in counts else ""
    dtypes = {s.dtype for s in seen}
    if len(dtypes) != 1 or not next(iter(dtypes)):
        return ""
    dtype = dtypes.pop()
    shapes = [s.shape for s in seen if s.shape is not None]
    if kind == ARRAY and shapes:
        listed = " and ".join(_shape(s) for s in dict.fromkeys(shapes))
        return f"{noun} of {dtype} (seen with shape {listed})."
    return f"{noun} of {dtype}."


def _common_fields(seen: Sequence[Seen]) -> tuple[tuple[str, str], ...]:
    """Return the fields every description shares with the same type, in the first one's order."""
    first = seen[0].fields
    return tuple(f for f in first if all(f in s.fields for s in seen[1:]))


def _fields(fields: Sequence[tuple[str, str]]) -> str:
    return ", ".join(f"{name} ({kind})" for name, kind in fields)


def _shape(shape: tuple[int, ...]) -> str:
    return f"({shape[0]},)" if len(shape) == 1 else "(" + ", ".join(str(n) for n in shape) + ")"


def observed_type(param: Param, observation: Observation | None) -> str | None:
    """Return the type a draft writes for a parameter from what the kernel saw it called with.

    An annotation always wins: an annotated parameter gets no type from the kernel (the renderer writes the
    annotation).

    Args:
        param: One parameter of the target's signature (its annotation, if any, wins).
        observation: What the kernel saw the target called with, or None.

    Returns:
        The observed type (``int | float`` when calls disagree), or None.
    """
    if observation is None or param.annotation is not None:
        return None
    return type_text(observation.params.get(param.name, ())) or None


def observed_text(param: Param, observation: Observation | None, use: str) -> str:
    """Return what a draft says of a parameter with the kernel's help, or ``""`` when the kernel adds nothing.

    Args:
        param: One parameter of the target's signature (its annotation, if any, wins).
        observation: What the kernel saw the target called with, or None.
        use: The draft's own sentence about how the body uses the parameter (``""`` when it has none).

    Returns:
        A sentence for a frame, record or array (none when it contradicts the annotation), then the
        description inherited from a callable the parameter is passed to, or else ``use``.
    """
    if observation is None:
        return ""
    seen = observation.params.get(param.name, ())
    if param.annotation is not None and seen and contradicts(param.annotation, seen):
        seen = ()
    inherited = observation.inherited.get(param.name)
    said = phrase(seen)
    if not said and inherited is None:
        return ""
    rest = _inherited_sentence(inherited) if inherited is not None else use
    return f"{said} {rest}".strip()


def _inherited_sentence(inherited: Inherited) -> str:
    text = inherited.description.strip().rstrip(".")
    text = text[0].upper() + text[1:] if text else text
    return f"{text} (as ``{inherited.name}`` of ``{inherited.source}``)."


# -- annotations against observations ----------------------------------------------------------------------

# Names an annotation can use that the observed types' own names can be compared with, for sure. Any other
# name (a protocol, an ABC, a TypeVar, an alias) might accept the observed type: no contradiction is claimed.
_CONCRETE = frozenset({"int", "float", "complex", "str", "bytes", "bytearray", "bool", "list", "tuple", "dict",
                       "set", "frozenset", "None", "NoneType", "DataFrame", "Series", "Index", "ndarray"})
_PROMOTIONS = {"float": {"int", "bool"}, "complex": {"int", "float", "bool"}}  # PEP 484's numeric tower


def _annotation_names(annotation: str) -> set[str] | None:
    """Return the last name of each member of an annotation's union; None when it cannot be read."""
    try:
        node = ast.parse(annotation.strip("'\""), mode="eval").body
    except SyntaxError:
        return None
    members: list[ast.expr] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.BinOp) and isinstance(current.op, ast.BitOr):
            stack += [current.left, current.right]
        elif isinstance(current, ast.Subscript) and _last_name(current.value) in ("Optional", "Union"):
            inner = current.slice
            stack += list(inner.elts) if isinstance(inner, ast.Tuple) else [inner]
            if _last_name(current.value) == "Optional":
                members.append(ast.Constant(value=None))
        else:
            members.append(current)
    names = set()
    for member in members:
        if isinstance(member, ast.Constant) and member.value is None:
            names.add("None")
            continue
        base = member.value if isinstance(member, ast.Subscript) else member
        name = _last_name(base)
        if not name:
            return None
        names.add(name)
    return names


def _last_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def contradicts(annotation: str, seen: Sequence[Seen]) -> bool:
    """Whether some observed type is certainly not what an annotation accepts.

    Only annotations made of concrete names docgen can compare (builtins, ``DataFrame``, ``ndarray``...)
    are judged; anything else (``Sequence``, ``Any``, a protocol or an alias) might accept the object.

    Args:
        annotation: The annotation's source text.
        seen: What the parameter was called with.

    Returns:
        True when an observed type matches no member of the annotation.
    """
    names = _annotation_names(annotation)
    if not names or not names <= _CONCRETE:
        return False
    accepted = set(names)
    for name in names:
        accepted |= _PROMOTIONS.get(name, set())
    return any(not (set(s.bases or (s.type.rsplit(".", 1)[-1],)) & accepted) for s in seen)


# -- the prompt, the report, the check ---------------------------------------------------------------------

def seen_line(target: Target, observation: Observation | None) -> str:
    """Write the prompt's one compact line of what the kernel saw; also the observation's part of the cache key.

    Args:
        target: The target (its parameters give the order).
        observation: What the kernel saw, or None.

    Returns:
        E.g. ``Seen in this kernel: df: pandas.DataFrame with columns city (object); col: str. Reads
        THRESHOLD: float.``; ``""`` when nothing was seen.
    """
    if observation is None or observation.empty:
        return ""
    parts = []
    for param in target.params:
        seen = observation.params.get(param.name, ())
        if param.annotation is not None and seen and contradicts(param.annotation, seen):
            seen = ()  # the annotation wins: the model is not told otherwise (the review reports it)
        described = " | ".join(dict.fromkeys(s.text() for s in seen))
        inherited = observation.inherited.get(param.name)
        if inherited is not None:
            quoted = _one_line(inherited.description)
            described = f"{described}, " if described else ""
            described += f"passed as {inherited.name} to {inherited.source}, documented there as \"{quoted}\""
        if described:
            parts.append(f"{param.display_name}: {described}")
    text = "; ".join(parts)
    if observation.globals:
        reads = "; ".join(f"{name}: {seen.text()}" for name, seen in observation.globals.items())
        text = f"{text}. Reads {reads}" if text else f"Reads {reads}"
    line = f"Seen in this kernel: {text}."
    return line if len(line) <= _MAX_LINE_CHARS else line[:_MAX_LINE_CHARS - 2].rsplit(";", 1)[0] + " …."


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().replace('"', "'")


def report(target: Target, observation: Observation | None) -> list[str]:
    """Say what was taken from the kernel for a target, one line per parameter or global (for the review).

    Args:
        target: The function or method documented (its parameters give the order).
        observation: What the kernel saw, or None.

    Returns:
        Lines such as ``2 calls seen``, ``df: pandas.DataFrame with columns …``, ``sep: description inherited from
        pandas.read_csv`` or ``n: annotated int, seen called with float; the annotation is kept``.
    """
    if observation is None or observation.empty:
        return []
    lines = [f"{observation.calls} call{'s' if observation.calls != 1 else ''} seen"] if observation.calls else []
    for param in target.params:
        seen = observation.params.get(param.name, ())
        if seen:
            described = " | ".join(dict.fromkeys(s.text() for s in seen))
            if param.annotation is not None and contradicts(param.annotation, seen):
                lines.append(f"{param.display_name}: annotated {param.annotation}, seen called with "
                             f"{type_text(seen)}; the annotation is kept")
            else:
                lines.append(f"{param.display_name}: {described}")
        inherited = observation.inherited.get(param.name)
        if inherited is not None:
            lines.append(f"{param.display_name}: description inherited from {inherited.source} "
                         f"(its parameter {inherited.name})")
    lines += [f"{name} (global): {seen.text()}" for name, seen in observation.globals.items()]
    return lines


def unsaid(target: Target, observation: Observation | None, documented: Mapping[str, str]) -> list[str]:
    """Parameters seen called with a frame, series, index or array their docstring entry does not mention.

    Args:
        target: The documented function or method (its parameters and annotations).
        observation: What the kernel saw, or None.
        documented: Bare parameter name -> its docstring entry (type and description, as written).

    Returns:
        E.g. ``df (seen called with a DataFrame)``, one per parameter concerned.
    """
    if observation is None:
        return []
    found = []
    for param in target.params:
        seen = [s for s in observation.params.get(param.name, ()) if s.kind in (FRAME, SERIES, INDEX, ARRAY)]
        text = documented.get(param.name)
        if not seen or text is None or param.annotation is not None:
            continue
        names = {s.type.rsplit(".", 1)[-1] for s in seen}
        words = {_NOUNS[s.kind].lower() for s in seen} | {n.lower() for n in names}
        if not any(re.search(rf"\b{re.escape(w)}", text, re.IGNORECASE) for w in words):
            article = "an" if min(names)[:1].lower() in "aeiou" else "a"
            found.append(f"{param.display_name} (seen called with {article} {' or '.join(sorted(names))})")
    return found
