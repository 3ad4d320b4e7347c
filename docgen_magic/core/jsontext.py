"""Reading the JSON object in a model's answer as models write it, not only as the JSON grammar allows.

Small and local models put raw control characters (a newline, a tab) inside strings, wrap the object in a
Markdown code fence, write a sentence before or after it, or are cut off by the token limit half way through.
Reasoning models served without a reasoning parser (Qwen3, DeepSeek-R1 and their distillations through
llama.cpp, LM Studio or vLLM) first think aloud in a ``<think>`` block, often with braces of their own: that
block is never read as the answer.
:func:`read_object` finds the object and reads it leniently; :func:`close_prefix` turns a cut-off answer into
the longest prefix that is a complete object (the entries written so far), so what the model did write is
used and the rest can be asked again or filled from the code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

_FENCE = re.compile(r"```[a-zA-Z0-9_-]*\s*\n?(.*?)```", re.S)
_MAX_CUTS = 64  # the last cut points only: a prefix that fails this often ends in garbage, not in a cut entry
_DECODER = json.JSONDecoder(strict=False)  # strict=False: control characters inside strings are accepted
_REASONING_TAGS = "think|thinking|reasoning|reflection"
_REASONING = re.compile(rf"<({_REASONING_TAGS})>.*?</\1>", re.S | re.I)
_REASONING_CLOSE = re.compile(rf"</(?:{_REASONING_TAGS})>", re.I)
_REASONING_OPEN = re.compile(rf"<(?:{_REASONING_TAGS})>", re.I)


def thinks_aloud(text: str | None) -> bool:
    """Tell whether a model's text holds a reasoning block (or the tag that opens or closes one).

    Args:
        text: The message content, or None.

    Returns:
        True when a ``<think>`` (or ``<thinking>``, ``<reasoning>``, ``<reflection>``) tag is in it.
    """
    return text is not None and bool(_REASONING_OPEN.search(text) or _REASONING_CLOSE.search(text))


def without_reasoning(text: str) -> str:
    """Remove a reasoning model's thinking aloud from its answer.

    Closed blocks go; text before a closing tag with no opening one (servers that strip the opening tag) goes;
    an opening tag never closed (cut off while thinking) leaves only what came before it.

    Args:
        text: The message content.

    Returns:
        The text without its reasoning.
    """
    text = _REASONING.sub("", text)
    closings = list(_REASONING_CLOSE.finditer(text))
    if closings:
        text = text[closings[-1].end():]
    opening = _REASONING_OPEN.search(text)
    return text[:opening.start()] if opening else text


def read_object(text: str | None, *, truncated: bool = False) -> dict[str, Any] | None:
    """Read the first JSON object in a model's text.

    Args:
        text: Tool arguments or message content, possibly fenced, surrounded by prose, or cut off.
        truncated: The answer was cut off by the token limit: fall back to its longest complete prefix.

    Returns:
        The object, or None when there is none (or, when truncated, nothing usable was written).
    """
    if not text:
        return None
    text = without_reasoning(text)
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    for candidate in candidates:
        start = candidate.find("{")
        while start != -1:
            try:
                value, _ = _DECODER.raw_decode(candidate, start)
            except json.JSONDecodeError as exc:
                if exc.pos - start > 2:  # an object was there, broken: not prose braces before the real one
                    break
                value = None
            except (ValueError, RecursionError):
                break
            if isinstance(value, dict):
                return value
            start = candidate.find("{", start + 1)
    if truncated:
        start = text.find("{")
        return close_prefix(text[start:]) if start != -1 else None
    return None


def close_prefix(text: str) -> dict[str, Any] | None:
    """Make the longest complete JSON object out of the start of a cut-off one.

    An unfinished string value is kept (closed where it was cut), a key without its value and an unfinished
    number or literal are dropped, and the open arrays and objects are closed.

    Args:
        text: Text starting with ``{``.

    Returns:
        The object, or None when not even one entry survives.
    """
    for end in _cut_points(text)[:_MAX_CUTS]:
        value = _try_close(text[:end])
        if isinstance(value, dict) and value:
            return value
    return None


def _quotes_and_structure(text: str) -> Iterator[tuple[int, str]]:
    """Yield each string's opening and closing quote and each character outside strings, with its index.

    The one reading of JSON's string escapes that both the cutting and the closing rely on.
    """
    in_string = escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
                yield index, char
        else:
            in_string = char == '"'
            yield index, char


def _cut_points(text: str) -> list[int]:
    """Where to try cutting: the whole text, then after each structural character, last first."""
    in_string = False
    marks = []
    for index, char in _quotes_and_structure(text):
        if char == '"':
            if in_string:
                marks.append(index + 1)
            in_string = not in_string
        elif char in ",{[]}":
            marks.append(index if char == "," else index + 1)
    return [len(text), *sorted(set(marks), reverse=True)]


def _try_close(prefix: str) -> Any:
    """Close the strings, arrays and objects left open at the end of a prefix; None when that is not JSON."""
    stack: list[str] = []
    in_string = False
    for _, char in _quotes_and_structure(prefix):
        if char == '"':
            in_string = not in_string
        elif char in "{[":
            stack.append("}" if char == "{" else "]")
        elif char in "}]" and stack:
            stack.pop()
    # inside an open string, an odd run of trailing backslashes ends in an escape waiting for its character
    escaped = in_string and (len(prefix) - len(prefix.rstrip("\\"))) % 2 == 1
    text = prefix
    if in_string:
        text = (text[:-1] if escaped else text) + '"'
    text = text.rstrip().rstrip(",")
    try:
        return _DECODER.decode(text + "".join(reversed(stack)))
    except (ValueError, RecursionError):
        return None
