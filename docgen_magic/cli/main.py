"""The ``docgen`` command: document .py files, notebooks, folders, globs or standard input.

Exit status (:class:`~docgen_magic.cli.exits.ExitCode`): 0 when every target is documented or skipped, 1 when
some target failed (the others are still applied), a write was refused or ``--check`` found gaps, 2 for unusable
input (unreadable path, syntax error, bad option), 130 when interrupted, 141 when the reader of the output went
away.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from docgen_magic.api import FileError, InputError, SettingsError
from docgen_magic.cli.check import check_paths
from docgen_magic.cli.exits import ExitCode
from docgen_magic.cli.output import close_stdout, configure_logging, logger
from docgen_magic.cli.paths import expand_paths
from docgen_magic.cli.run import Mode, RunRequest, run_files
from docgen_magic.settings import option_arguments, resolve_settings, rows_for

__all__ = ["OPTION_NAMES", "build_parser", "main"]


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




def main(argv: Sequence[str] | None = None) -> int:
    """Run the command.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` when None.

    Returns:
        The exit status.
    """
    args = build_parser().parse_args(argv)
    configure_logging(args.verbose, args.quiet)
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
            return check_paths(files, settings, as_json=args.json)
        mode: Mode = "write" if args.write else "diff" if args.diff else "code"
        # One file named on its own prints as a filter would; several files, or a folder or glob, are named.
        return run_files(RunRequest(files, settings, mode=mode, as_json=args.json, force=args.force,
                                    quiet=args.quiet, single=len(files) == 1 and files == args.paths))
    except (InputError, SettingsError, FileError) as exc:
        logger.error("%s", exc)
        return ExitCode.INPUT
    except BrokenPipeError:
        close_stdout()
        return ExitCode.BROKEN_PIPE
    except KeyboardInterrupt:
        logger.error("interrupted")
        return ExitCode.INTERRUPTED
