"""The ``docgen`` command: document a .py file, a notebook or stdin.

Exit status: 0 when every target is documented or skipped, 1 when some target failed (the others are still
applied) or ``--check`` found gaps, 2 for unusable input (unreadable file, syntax error, bad option).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docgen_magic.core.errors import InputError, SettingsError
from docgen_magic.infra.files import (
    FileError,
    SourceFile,
    decode_source,
    encode_source,
    read_source_file,
    write_atomic,
)
from docgen_magic.paths import expand_paths
from docgen_magic.settings import option_arguments, rows_for

if TYPE_CHECKING:
    from docgen_magic.core.cell import CellSyntaxError

logger = logging.getLogger("docgen")

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2
"""Exit statuses, for one file and many alike: 0 done; 1 a target failed, a write was refused (the file changed
since it was read) or ``--check`` found gaps; 2 a file could not be read, parsed or written."""


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser.

    Returns:
        The parser of every ``docgen`` option.
    """
    parser = argparse.ArgumentParser(
        prog="docgen",
        description="Add validated docstrings to the functions, classes and methods of Python code or a "
                    "notebook. With no model configured, writes offline templates.")
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help=".py files, .ipynb notebooks, folders or globs (what .gitignore ignores is left out), "
                             "or - for standard input")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--diff", action="store_true", help="print a unified diff instead of the code")
    mode.add_argument("--write", action="store_true",
                      help="rewrite the file in place (atomically; refused if it changed meanwhile)")
    mode.add_argument("--check", action="store_true",
                      help="write nothing; list undocumented or incomplete targets; exit 1 if any")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object (code, targets, usage; for several files: files and "
                             "totals); with --check, the findings")
    parser.add_argument("--exclude", action="append", default=[], metavar="PATTERN",
                        help="leave out files and folders matching this gitignore-style pattern "
                             "(repeatable)")
    settings = parser.add_argument_group("settings (each also read from its environment variable)")
    for flags, options in option_arguments("cli"):
        settings.add_argument(*flags, **options)
    parser.add_argument("--force", action="store_true",
                        help="with --write: write even if the file changed since it was read")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more diagnostics (-vv: debug)")
    parser.add_argument("-q", "--quiet", action="store_true", help="only errors on stderr")
    return parser


OPTION_NAMES = tuple(row.name for row in rows_for("cli"))
"""The settings the command line can set (generated from the settings table)."""


@dataclass
class Source:
    """What the command reads.

    Attributes:
        label: Name used in messages and diffs.
        path: The file, or None for stdin.
        text: The text of a .py file or stdin (without a byte order mark).
        notebook: The parsed notebook JSON, or None.
        file: The file as read (encoding, snapshot for the conflict check), or None for stdin.
        encoding: The encoding the code came in (PEP 263), used again when it is printed.
    """

    label: str
    path: Path | None
    text: str = ""
    notebook: dict[str, Any] | None = None
    file: SourceFile | None = None
    encoding: str = "utf-8"


def read_source(arg: str) -> Source:
    """Read the input named on the command line.

    Args:
        arg: A path or ``-``.

    Returns:
        The text read and what it is (code or notebook).

    Raises:
        FileError: The file cannot be read or decoded, or is not a usable notebook.
    """
    if arg == "-":
        buffer = getattr(sys.stdin, "buffer", None)
        if buffer is None:  # a text stream (an embedding program, tests): already decoded
            text = sys.stdin.read()
            return Source("<stdin>", None, text[1:] if text.startswith("\ufeff") else text)
        text, encoding, _ = decode_source(buffer.read(), label="<stdin>")
        return Source("<stdin>", None, text, encoding=encoding)
    path = Path(arg)
    notebook = path.suffix == ".ipynb"
    file = read_source_file(path, python=not notebook)
    if not notebook:
        return Source(arg, path, file.text, file=file, encoding=file.encoding)
    from docgen_magic.infra.notebook import load_notebook

    return Source(arg, path, file.text, load_notebook(file.text, arg), file)


def _cell_text(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _code_cells(notebook: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return [(i, c) for i, c in enumerate(notebook["cells"]) if c.get("cell_type") == "code"]


def _set_cell_text(cell: dict[str, Any], text: str) -> None:
    cell["source"] = text.splitlines(keepends=True) if isinstance(cell.get("source"), list) else text


def _write_text(source: Source, text: str, force: bool) -> None:
    assert source.path is not None and source.file is not None
    write_atomic(source.path, source.file.encode(text), expected=source.file.snapshot, force=force)


def _notebook_json(source: Source) -> str:
    """Return the notebook as JSON in the file's own layout (indent, key order, escapes, ending) where it can tell.

    When the file as read is not exactly ``json.dumps`` of its content in that layout, nbformat's own layout
    (indent 1, sorted keys, no escapes, a final newline) is used.
    """
    text, notebook = source.text, source.notebook
    body = text.rstrip()
    second = body.split("\n", 2)[1] if "\n" in body else ""
    layout: dict[str, Any] = {"indent": len(second) - len(second.lstrip(" ")) if "\n" in body else None,
                              "ensure_ascii": body.isascii(), "sort_keys": False}
    original = json.loads(text)  # source.notebook is edited in place by now
    tail = text[len(body):]
    if json.dumps(original, **layout) + tail != text:
        layout, tail = {"indent": 1, "ensure_ascii": False, "sort_keys": True}, "\n"
    return json.dumps(notebook, **layout) + tail


def _syntax_error(where: str, exc: CellSyntaxError) -> InputError:
    return InputError(f"{where}:{exc.lineno}: syntax error: {exc.message}")


def _report_failures(label: str, results: Sequence[Any], cells: Sequence[int] | None = None) -> None:
    from docgen_magic.core.result import FROM_CODE, SALVAGED

    for n, result in enumerate(results):
        where = label if cells is None else f"{label}[cell {cells[n] + 1}]"
        by_error: dict[str | None, list[Any]] = {}
        for outcome in result.failed:
            by_error.setdefault(outcome.error, []).append(outcome)
        for error, outcomes in by_error.items():
            if len(outcomes) == 1:
                logger.error("%s:%d: %s: %s", where, outcomes[0].lineno, outcomes[0].name, error)
            else:
                names = ", ".join(f"{o.name} (line {o.lineno})" for o in outcomes)
                logger.error("%s: %d targets failed: %s: %s", where, len(outcomes), error, names)
        for outcome in result.documented:  # what the code wrote for a weak model, named per target
            if outcome.origin in (SALVAGED, FROM_CODE):
                for note in outcome.notes:
                    logger.info("%s:%d: %s: %s", where, outcome.lineno, outcome.name, note)
        for outcome in result.targets:  # --update: what only the author can settle
            if outcome.changes is not None and outcome.changes.needs_author:
                logger.warning("%s:%d: %s: %s", where, outcome.lineno, outcome.name, outcome.changes.summary())
        for note in result.notes:
            logger.debug("%s: %s", where, note)


def _usage_summary(results: Sequence[Any]) -> dict[str, int]:
    from docgen_magic.core.usage import Usage

    total = Usage()
    for result in results:
        total.add(result.usage)
    keys = ("requests", "prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens",
            "reasoning_tokens", "cache_hits")
    return {k: getattr(total, k) for k in keys}


def _run_check(source: Source, settings: Any, *, as_json: bool = False) -> tuple[int, dict[str, Any]]:
    """Check one file; print ``path:line: name: message`` per finding unless ``as_json``."""
    from docgen_magic.api import check
    from docgen_magic.core.cell import CellSyntaxError

    texts = [source.text] if source.notebook is None else [_cell_text(c) for _, c in
                                                             _code_cells(source.notebook)]
    indices = None if source.notebook is None else [i for i, _ in _code_cells(source.notebook)]
    findings: list[dict[str, Any]] = []
    total = complete = 0
    for n, text in enumerate(texts):
        where = source.label if indices is None else f"{source.label}[cell {indices[n] + 1}]"
        try:
            report = check(text, settings=settings)
        except CellSyntaxError as exc:
            raise _syntax_error(where, exc) from None
        total, complete = total + report.total, complete + report.complete
        for finding in report.findings:
            findings.append({"path": source.label, "cell": None if indices is None else indices[n] + 1,
                             "line": finding.lineno, "name": finding.qualname, "message": finding.message})
            if not as_json:
                sys.stdout.write(f"{where}:{finding.lineno}: {finding.qualname}: {finding.message}\n")
    logger.info("%s: %d of %d documented completely", source.label, complete, total)
    status = EXIT_FAILED if findings else EXIT_OK
    return status, {"path": source.label, "status": status, "targets": total, "complete": complete,
                    "findings": findings}


def _print_code(source: Source, code: str) -> None:
    """Print code in the encoding its coding line names, so that redirecting the output makes a valid file."""
    stream = getattr(sys.stdout, "buffer", None)
    if source.encoding == "utf-8" or stream is None:
        sys.stdout.write(code)
        return
    data = encode_source(code, source.encoding, False, label=source.label)
    sys.stdout.flush()
    stream.write(data)
    stream.flush()


def _configure_logging(args: argparse.Namespace) -> None:
    level = logging.ERROR if args.quiet else logging.INFO if args.verbose == 0 else logging.DEBUG
    from docgen_magic.infra.redact import RedactingFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("docgen: %(message)s"))
    handler.addFilter(RedactingFilter())  # whatever logs at -vv (httpx's request lines), no credentials
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING if args.verbose < 2 else logging.DEBUG)
    logger.setLevel(level)
    logging.getLogger("docgen_magic").setLevel(logging.WARNING if args.verbose == 0 else logging.DEBUG)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` when None.

    Returns:
        The exit status.
    """
    args = build_parser().parse_args(argv)
    _configure_logging(args)
    from docgen_magic.settings import resolve_settings

    try:
        settings = resolve_settings({name: getattr(args, name) for name in OPTION_NAMES})
        if args.json and args.diff:
            raise InputError("--json and --diff cannot be combined")
        files = expand_paths(args.paths, exclude=args.exclude)
        if not files:
            raise InputError(f"no .py or .ipynb files in {' '.join(args.paths)}")
        if "-" in files and len(files) > 1:
            raise InputError("- (standard input) cannot be combined with other paths")
        if args.check:
            return _check_paths(files, settings, as_json=args.json)
        from docgen_magic.runfiles import run_files

        # One file named on its own prints as a filter would; several files, or a folder or glob, are named.
        return run_files(files, args, settings, single=len(files) == 1 and files == args.paths)
    except (InputError, SettingsError, FileError) as exc:
        logger.error("%s", exc)
        return EXIT_INPUT
    except BrokenPipeError:
        return _closed_pipe()
    except KeyboardInterrupt:
        logger.error("interrupted")
        return 130


def _check_paths(files: Sequence[str], settings: Any, *, as_json: bool = False) -> int:
    """``--check`` over files: a file that cannot be read is reported and the others go on.

    With ``as_json``, one object is printed: ``files`` (path, status, targets, complete, findings with line,
    name and message) and ``totals``.
    """
    status = EXIT_OK
    reports: list[dict[str, Any]] = []
    for label in files:
        try:
            file_status, report = _run_check(read_source(label), settings, as_json=as_json)
        except (InputError, FileError) as exc:
            logger.error("%s", exc)
            file_status, report = EXIT_INPUT, {"path": label, "status": EXIT_INPUT, "error": str(exc)}
        status = max(status, file_status)
        reports.append(report)
    if as_json:
        totals = {"files": len(reports), "targets": sum(r.get("targets", 0) for r in reports),
                  "complete": sum(r.get("complete", 0) for r in reports),
                  "findings": sum(len(r.get("findings", ())) for r in reports), "status": status}
        sys.stdout.write(json.dumps({"files": reports, "totals": totals}, ensure_ascii=False) + "\n")
    return status


def _closed_pipe() -> int:
    """Stop quietly, like a killed ``cat``, when the reader of stdout went away (``docgen FILE | head -1``)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's final flush must not fail again
    except (OSError, ValueError):
        pass
    return 141
