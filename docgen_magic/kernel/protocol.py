"""What the kernel and the docgen-magic JupyterLab / Notebook 7 extension say to each other, defined once.

The review's mime type and its version, the comm target the extension asks the kernel for work on and the
requests it sends there, the words of a run's and a target's state (and which states are still running), the
sentence saying the documented code was not run, and the grammar of the ``%%docgen`` line that the magic, the
review and Regenerate all read. ``labextension/src/protocol.ts`` is generated from this module
(``python -m docgen_magic.kernel.protocol --write``); a test holds the committed file to it.

Only the standard library is imported: the magic's loading and the frontend's requests both read this.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ACTIONS",
    "EXTENSION",
    "MAGIC",
    "MODES",
    "NOT_RUN",
    "REVIEW_MIME",
    "REVIEW_STATUSES",
    "REVIEW_VERSION",
    "RUNNING_STATES",
    "RUN_TARGET",
    "STATE_WORDS",
    "MagicLine",
    "split_magic_line",
    "typescript",
]

EXTENSION = "docgen_magic"
"""The module ``%load_ext`` loads (the frontend loads it in a kernel before its first request)."""

REVIEW_MIME = "application/vnd.docgen.result+json"
"""The project's mime type: the review's data, drawn by the docgen-magic JupyterLab / Notebook 7 extension.

A saved notebook keeps it (with text/html and text/plain renderings beside it), so a reopened or shared notebook
shows the review again without a kernel; Replace and Copy work from the saved data alone."""

REVIEW_VERSION = 1
"""The version of :data:`REVIEW_MIME`'s data; the extension draws only the versions it knows."""

RUN_TARGET = "docgen_magic.run"
"""The comm target the kernel registers for the extension's requests (Regenerate, "Document this cell",
"Check this notebook"). Replies carry whole bundles; the last one is marked ``final``."""

ACTIONS = ("document", "check")
"""The requests on :data:`RUN_TARGET`: ``document`` a cell's text, or ``check`` a notebook's cells."""

REVIEW_STATUSES = ("running", "done", "failed", "interrupted")
"""The status of a run as a whole."""

STATE_WORDS = {"queued": "queued", "started": "in flight", "retrying": "retrying", "documented": "done",
               "cached": "done (cached)", "skipped": "skipped", "failed": "failed"}
"""Each state a target can be in, and the words the review shows for it."""

RUNNING_STATES = ("queued", "started", "retrying")
"""The target states of a run still in flight (every other state is finished)."""

NOT_RUN = ("%%docgen only reads the cell: its functions are not defined until the cell runs "
           "(Replace cell, then run it, or use %%docgen --run).")
"""The line that says the documented functions were not run."""

MODES = ("add", "update")
"""What a run does with docstrings that already exist: ``add`` only missing ones, or ``update`` also fills their
gaps (``--update``). The review's data carries its run's mode; a ``document`` request may carry one to override
the cell's options (without one, the cell's ``%%docgen`` line decides)."""

MAGIC = "%%docgen"
"""The cell magic's line, as the user types it."""


@dataclass(frozen=True)
class MagicLine:
    """A cell read as ``%%docgen [options]`` and its body.

    Attributes:
        options: The options after ``%%docgen`` (empty when there are none, or no ``%%docgen`` line).
        body: The text to document: what follows the ``%%docgen`` line, or the whole cell without one.
        line: The 1-based line of ``%%docgen`` in the cell (after any blank lines, which IPython drops), or 0
            when the cell has no ``%%docgen`` line. A body line ``n`` is line ``n + line`` of the cell.
    """

    options: str
    body: str
    line: int

    @property
    def present(self) -> bool:
        """Whether the cell starts with a ``%%docgen`` line."""
        return self.line > 0


def split_magic_line(source: str) -> MagicLine:
    """Read a cell as IPython reads a cell magic: blank lines, then ``%%docgen [options]``, then the body.

    As in IPython, the first line that is not blank is the magic's line, whatever its indentation, when it
    is ``%%docgen`` alone or followed by whitespace and options.

    Args:
        source: The cell text.

    Returns:
        The options, the body and the line of ``%%docgen``; without a ``%%docgen`` line, the whole cell is
        the body.
    """
    rest = source
    number = 1
    while rest:
        first, newline, after = rest.partition("\n")
        if first.strip():
            break
        if not newline:
            return MagicLine("", source, 0)
        rest, number = after, number + 1
    first, newline, after = rest.partition("\n")
    text = first.lstrip(" \t")
    if text.startswith(MAGIC) and (len(text) == len(MAGIC) or text[len(MAGIC)].isspace()):
        return MagicLine(text[len(MAGIC):].strip(), after if newline else "", number)
    return MagicLine("", source, 0)


# ------------------------------------------------------------------------------------------ the TypeScript

_TS_PATH = Path("labextension", "src", "protocol.ts")
_WIDTH = 80


def _ts_string(value: str) -> str:
    """Return a TypeScript string literal in single quotes (JSON escapes, then the quotes swapped).

    Args:
        value: The text.

    Returns:
        The literal.
    """
    inner = json.dumps(value, ensure_ascii=False)[1:-1].replace('\\"', '"').replace("'", "\\'")
    return f"'{inner}'"


def _ts_const(name: str, value: str | Sequence[str], doc: str) -> list[str]:
    """Return an exported constant with its doc comment, broken as Prettier breaks a long one.

    Args:
        name: The constant's name.
        value: Its TypeScript expression, or the strings of a readonly tuple.
        doc: One line of documentation.

    Returns:
        The lines.
    """
    if isinstance(value, str):
        line = f"export const {name} = {value};"
        body = [line] if len(line) <= _WIDTH else [f"export const {name} =", f"  {value};"]
    else:
        items = [_ts_string(v) for v in value]
        line = f"export const {name} = [{', '.join(items)}] as const;"
        body = [line] if len(line) <= _WIDTH else [f"export const {name} = [",
                                                    *(f"  {item}," for item in items[:-1]),
                                                    f"  {items[-1]}", "] as const;"]
    return [f"/** {doc} */", *body, ""]


def typescript() -> str:
    """Return ``labextension/src/protocol.ts``: this module's constants for the extension.

    Returns:
        The file's text.
    """
    words = ",\n".join(f"  {key}: {_ts_string(value)}" for key, value in STATE_WORDS.items())
    lines = [
        "/**",
        " * What the kernel and this extension say to each other. Generated from",
        " * docgen_magic/kernel/protocol.py by `python -m docgen_magic.kernel.protocol",
        " * --write`; do not edit (a test compares it with the Python).",
        " */",
        "",
        *_ts_const("EXTENSION", _ts_string(EXTENSION), "The module `%load_ext` loads in the kernel."),
        *_ts_const("REVIEW_MIME", _ts_string(REVIEW_MIME), "The review's mime type."),
        *_ts_const("REVIEW_VERSION", str(REVIEW_VERSION), "The version of the review's data."),
        *_ts_const("RUN_TARGET", _ts_string(RUN_TARGET), "The comm target the kernel serves requests on."),
        *_ts_const("ACTIONS", ACTIONS, "The requests on RUN_TARGET."),
        "/** A request on RUN_TARGET. */",
        "export type Action = (typeof ACTIONS)[number];",
        "",
        *_ts_const("REVIEW_STATUSES", REVIEW_STATUSES, "The status of a run as a whole."),
        "/** The status of a run as a whole. */",
        "export type ReviewStatus = (typeof REVIEW_STATUSES)[number];",
        "",
        "/** Each state a target can be in, and the words the review shows for it. */",
        "export const STATE_WORDS: Readonly<Record<string, string>> = {",
        words,
        "};",
        "",
        *_ts_const("RUNNING_STATES", RUNNING_STATES, "Target states of a run still in flight."),
        *_ts_const("NOT_RUN", _ts_string(NOT_RUN), "The line saying the documented code was not run."),
        *_ts_const("MODES", MODES, "What a run does with docstrings that already exist."),
        "/** What a run does with docstrings that already exist (`update`: --update). */",
        "export type Mode = (typeof MODES)[number];",
        "",
        *_ts_const("MAGIC", _ts_string(MAGIC), "The cell magic's line, as the user types it."),
    ]
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Print the TypeScript, or with ``--write`` write it to ``labextension/src/protocol.ts``.

    Args:
        argv: The arguments; ``sys.argv[1:]`` when None.

    Returns:
        The exit status.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    if args == ["--write"]:
        path = Path(__file__).resolve().parents[2] / _TS_PATH
        path.write_text(typescript(), encoding="utf-8", newline="\n")
        return 0
    if args:
        sys.stderr.write("usage: python -m docgen_magic.kernel.protocol [--write]\n")
        return 2
    sys.stdout.write(typescript())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
