"""``--update`` over unstripped standard-library modules: what it inserts, and what of the authors' it touches.

Each module is read from the running Python's ``Lib/`` (``sysconfig.get_paths()["stdlib"]``) and documented
offline with ``update=True`` (the pipeline ``docgen --update FILE`` runs: existing docstrings get their gaps
filled, targets without a docstring get one). For every docstring that existed before, its literal lines
before and after are compared: every line the author wrote must still be there, in order, byte for byte
(a closing ``\"\"\"`` that shared a line with the author's last words may move to its own line; that is
counted apart). Code outside docstrings must not change, and ``doctest.DocTestParser`` must find the same
examples in every existing docstring before and after.

Run: ``.venv/bin/python benchmarks/bench_update_stdlib.py [--style numpy] [module.py ...]``. Prints one row per
module and the totals; exits 1 when any author line or doctest example changed.
"""

from __future__ import annotations

import ast
import difflib
import doctest
import io
import re
import sys
import sysconfig
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from common import ROOT  # noqa: F401  (puts the project on sys.path)

from docgen_magic.api import document

MODULES = ("statistics.py", "textwrap.py", "fractions.py", "json/__init__.py", "json/decoder.py", "csv.py",
           "difflib.py", "heapq.py", "bisect.py", "dataclasses.py", "functools.py", "shlex.py", "string.py",
           "calendar.py", "random.py", "glob.py", "fnmatch.py", "copy.py", "pprint.py", "contextlib.py",
           "colorsys.py", "base64.py", "gettext.py", "ipaddress.py", "getpass.py", "poplib.py",
           "concurrent/futures/_base.py", "gzip.py", "py_compile.py", "linecache.py", "traceback.py",
           "importlib/metadata/__init__.py", "logging/handlers.py", "operator.py", "reprlib.py")
_CLOSE = "<closing quotes>"
_RAW_ADDED = re.compile(r"^([ \t]*)r(?=[uU]?(\"\"\"|'''))")


@dataclass
class Figures:
    """What ``--update`` did to one module (or to all of them).

    Attributes:
        modules: Modules measured.
        existing: Docstrings the authors wrote.
        edited: Existing docstrings whose text changed.
        added: Docstrings added to targets that had none.
        inserted: Lines inserted inside existing docstrings.
        author_changed: Lines of existing docstrings that are no longer there byte for byte.
        quotes_moved: Closing quotes moved off the author's last line to their own.
        prefixed: ``r`` prefixes added (the new text has a backslash, the author's none).
        code_changed: Lines outside docstrings that changed (a one-line body such as ``class E(Exception): pass``
            is split when it gets a new docstring; the AST guard checks the code is the same).
        doctests_before: Doctest examples in existing docstrings before.
        doctests_after: The same docstrings' examples after.
        doctests_changed: Docstrings whose examples differ after.
        reported: Existing docstrings left alone with a reason, by reason.
    """

    modules: int = 0
    existing: int = 0
    edited: int = 0
    added: int = 0
    inserted: int = 0
    author_changed: int = 0
    quotes_moved: int = 0
    prefixed: int = 0
    code_changed: int = 0
    doctests_before: int = 0
    doctests_after: int = 0
    doctests_changed: int = 0
    reported: Counter[str] = field(default_factory=Counter)

    def add(self, other: Figures) -> None:
        """Add another module's figures to these.

        Args:
            other: The figures to add.
        """
        for name in ("modules", "existing", "edited", "added", "inserted", "author_changed", "quotes_moved",
                     "prefixed", "code_changed", "doctests_before", "doctests_after", "doctests_changed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.reported.update(other.reported)


def lines_of(text: str) -> list[str]:
    """Split text into lines the way Python's tokenizer does (``\\n``, ``\\r\\n``, ``\\r``), endings kept.

    Args:
        text: The source text.

    Returns:
        The lines.
    """
    return io.StringIO(text, newline="").readlines()


def definitions(module: ast.Module) -> list[ast.AST]:
    """Every function and class, in a stable pre-order.

    Args:
        module: The parsed module.

    Returns:
        The definition nodes.
    """
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return sorted((n for n in ast.walk(module) if isinstance(n, kinds)), key=lambda n: (n.lineno, n.col_offset))


def docstring_span(node: ast.AST) -> tuple[int, int] | None:
    """The 0-based ``[start, stop)`` line range of a definition's docstring literal.

    Args:
        node: A definition node.

    Returns:
        The range, or None without a docstring.
    """
    body = getattr(node, "body", [])
    if not body or ast.get_docstring(node, clean=False) is None:  # type: ignore[arg-type]
        return None
    return body[0].lineno - 1, body[0].end_lineno or body[0].lineno


def _normalised(lines: list[str]) -> tuple[list[str], bool]:
    """The literal's lines without endings, the closing quotes on a line of their own; and whether they shared one.

    Line endings are left out of this comparison (the tests check CRLF files byte for byte).
    """
    *head, last = [line.rstrip("\r\n") for line in lines]
    stripped = last.rstrip()
    text = stripped[:-3] if stripped.endswith(('"""', "'''")) else stripped[:-1]
    if text.strip():
        return [*head, text, _CLOSE], True
    return [*head, _CLOSE], False


def compare_docstring(before: list[str], after: list[str]) -> tuple[int, int, bool, bool]:
    """Compare one docstring literal's lines before and after.

    Args:
        before: The literal's lines (with endings) as the author wrote them.
        after: The literal's lines after the run.

    Returns:
        Lines inserted, author lines no longer there in order, whether the closing quotes moved to their
        own line and whether an ``r`` prefix was added (both keep every character of the author's text).
    """
    old, shared = _normalised(before)
    new, still_shared = _normalised(after)
    prefixed = old[0] != new[0] and _RAW_ADDED.sub(r"\1", new[0], count=1) == old[0]
    new[0] = old[0] if prefixed else new[0]
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    kept = sum(block.size for block in matcher.get_matching_blocks())
    return len(new) - kept, len(old) - kept, shared and not still_shared, prefixed


def examples(value: str) -> list[tuple[str, str, int, str | None]]:
    """The doctest examples ``doctest`` finds in a docstring.

    Args:
        value: The docstring's value.

    Returns:
        Per example its source, expected output, indentation and exception message.
    """
    try:
        found = doctest.DocTestParser().get_examples(value)
    except ValueError:  # inconsistent indentation: doctest would refuse the docstring
        return [("<unparseable>", "", 0, None)]
    return [(e.source, e.want, e.indent, e.exc_msg) for e in found]


def _reported(reason: str | None) -> bool:
    """Whether a docstring was left alone for a reason other than having nothing to fill."""
    return bool(reason) and "up to date" not in (reason or "") and "already documented" not in (reason or "")


def measure(path: Path, style: str = "google") -> Figures:
    """Run ``--update`` offline on one module and compare.

    Args:
        path: The module's file.
        style: The configured style (docstrings without sections get theirs).

    Returns:
        Its figures.
    """
    text = path.read_text(encoding="utf-8")
    result = document(text, provider="offline", update=True, use_cache=False, style=style)
    figures = Figures(modules=1)
    before_lines, after_lines = lines_of(text), lines_of(result.code)
    before_nodes = definitions(ast.parse(text))
    after_nodes = definitions(ast.parse(result.code))
    assert len(before_nodes) == len(after_nodes), path
    outside_before, outside_after = list(before_lines), list(after_lines)
    by_line = {o.lineno: o for o in result.targets}
    for old_node, new_node in zip(before_nodes, after_nodes, strict=True):
        old_span, new_span = docstring_span(old_node), docstring_span(new_node)
        if new_span is not None:
            outside_after[new_span[0]:new_span[1]] = [None] * (new_span[1] - new_span[0])  # type: ignore[list-item]
        if old_span is None:
            figures.added += new_span is not None
            continue
        outside_before[old_span[0]:old_span[1]] = [None] * (old_span[1] - old_span[0])  # type: ignore[list-item]
        figures.existing += 1
        assert new_span is not None, path
        old_value = ast.get_docstring(old_node, clean=False)  # type: ignore[arg-type]
        new_value = ast.get_docstring(new_node, clean=False)  # type: ignore[arg-type]
        inserted, changed, moved, prefixed = compare_docstring(before_lines[slice(*old_span)],
                                                               after_lines[slice(*new_span)])
        figures.edited += old_value != new_value
        figures.inserted += inserted
        figures.author_changed += changed
        figures.quotes_moved += moved
        figures.prefixed += prefixed
        old_examples, new_examples = examples(old_value or ""), examples(new_value or "")
        figures.doctests_before += len(old_examples)
        figures.doctests_after += sum(e in old_examples for e in new_examples)
        figures.doctests_changed += old_examples != new_examples
        outcome = by_line.get(old_node.lineno)  # type: ignore[attr-defined]
        if outcome is not None and outcome.status != "documented" and _reported(outcome.error or outcome.reason):
            figures.reported[(outcome.error or outcome.reason or "").split(";")[0][:90]] += 1
    kept = [line for line in outside_before if line is not None]
    now = [line for line in outside_after if line is not None]
    matcher = difflib.SequenceMatcher(None, kept, now, autojunk=False)
    figures.code_changed = len(kept) - sum(block.size for block in matcher.get_matching_blocks())
    return figures


def main(argv: list[str]) -> int:
    """Measure the modules and print the table.

    Args:
        argv: ``[--style google|numpy|sphinx] [module ...]``: the configured style, and module paths relative
            to the standard library (all of :data:`MODULES` when none).

    Returns:
        0 when no author line and no doctest example changed, else 1.
    """
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    style = "google"
    if argv[:1] == ["--style"]:
        style, argv = argv[1], argv[2:]
    total = Figures()
    print(f"configured style: {style}\n")
    print("| module | existing | edited | added | lines inserted | author lines changed | quotes moved "
          "| r added | code changed | doctests before → kept |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in argv or MODULES:
        figures = measure(stdlib / name, style)
        total.add(figures)
        print(f"| {name} | {figures.existing} | {figures.edited} | {figures.added} | {figures.inserted} "
              f"| {figures.author_changed} | {figures.quotes_moved} | {figures.prefixed} "
              f"| {figures.code_changed} "
              f"| {figures.doctests_before} → {figures.doctests_after} |")
    print(f"| **{total.modules} modules** | {total.existing} | {total.edited} | {total.added} | {total.inserted} "
          f"| {total.author_changed} | {total.quotes_moved} | {total.prefixed} "
          f"| {total.code_changed} "
          f"| {total.doctests_before} → {total.doctests_after} |")
    print(f"\ndocstrings whose doctest examples changed: {total.doctests_changed}")
    print("existing docstrings left alone and reported:", sum(total.reported.values()))
    for reason, count in total.reported.most_common():
        print(f"  {count:5d}  {reason}")
    return 1 if total.author_changed or total.doctests_changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
