"""Validation of a model's answer: JSON Schema first, then the facts of the code.

Every problem carries a short stable code and a message written so that it can be sent back to the model
verbatim in a refinement request.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a proposed docstring.

    Attributes:
        code: Short stable identifier, e.g. ``missing-param``.
        message: One sentence, fit to be sent back to the model verbatim.
    """

    code: str
    message: str

# CONTRACT (to be implemented):
# def validate(data: object, target: Target, *, strict: bool = True) -> list[Problem]
#     schema check (jsonschema against docstring_schema(strict=...)), then facts checks.
# def parse_arguments(text: str | None) -> tuple[object | None, list[Problem]]
#     JSON text of tool arguments -> data, or a 'malformed-json' / 'no-tool-call' problem.
# def conform(doc: Docstring, target: Target) -> Docstring
#     the final docstring: args in signature order, types from annotations, hallucinated names dropped.
