"""Reading the JSON object in a model's answer as models write it, not only as the JSON grammar allows.

Small and local models put raw control characters (a newline, a tab) inside strings, wrap the object in a
Markdown code fence, write a sentence before or after it, or are cut off by the token limit half way through.
Reasoning models served without a reasoning parser (Qwen3, DeepSeek-R1 and their distillations through
llama.cpp, LM Studio or vLLM) first think aloud in a ``<think>`` block, often with braces of their own:
:func:`without_reasoning` takes that block off the message content before it is read.
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
_LEADING_BLOCK = re.compile(rf"\A\s*<({_REASONING_TAGS})>.*?</\1>", re.S | re.I)
_LEADING_OPEN = re.compile(rf"\A\s*<(?:{_REASONING_TAGS})>", re.I)
_CLOSE = re.compile(rf"</(?:{_REASONING_TAGS})>", re.I)


def without_reasoning(text: str) -> str:
    """Remove a reasoning model's thinking aloud from the start of its message content.

    Only where a model thinks: blocks at the very start go; a closing tag with no opening one (servers that
    strip the opening tag) takes the text before it along, unless the text opens as an answer (``{`` or a
    fence: the tag is then a word of the answer); a block opened at the start and never closed (cut off while
    thinking) leaves nothing. Tags inside an answer's text are the answer's own.

    Args:
        text: The message content (never tool-call arguments: those hold no thinking).

    Returns:
        The text without its reasoning.
    """
    while (block := _LEADING_BLOCK.match(text)) is not None:
        text = text[block.end():]
    if _LEADING_OPEN.match(text):
        return ""
    closing = _CLOSE.search(text)
    if closing is not None and not text.lstrip().startswith(("{", "```")):
        return text[closing.end():]
    return text


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
