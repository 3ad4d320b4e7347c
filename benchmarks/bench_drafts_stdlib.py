"""Offline drafts over the standard library: how much they say, and whether what they say is so.

The docstrings of the standard library's top-level modules (``sysconfig.get_paths()['stdlib']``) are stripped,
each module is documented offline in every style, and the result is judged:

* the share of parameter descriptions that are placeholders, and where the others come from;
* docgen's own ``--check`` on its own output: every finding other than a placeholder is a failure, and
  every placeholder must be reported;
* readers: a placeholder read as a type by docstring_parser;
* truth: a Returns starting with "Whether" for a ``return`` that is not a truth value; a parameter with a
  default whose description does not give it;
* placement: ruff's D202 / D204 (the style's convention) on the written modules.

Run: ``.venv/bin/python benchmarks/bench_drafts_stdlib.py [--modules N] [--styles google,numpy,sphinx]``.
"""

from __future__ import annotations

import argparse
import ast
import collections
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, table

from docgen_magic.api import document
from docgen_magic.core import drafts
from docgen_magic.core.cell import parse_cell
from docgen_magic.core.check import check_target
from docgen_magic.core.facts import Target, extract_targets, own_scope_nodes
from docgen_magic.core.rules import Code, is_placeholder, is_truth_valued, states_default
from tests.stdlib_corpus import stdlib_modules, strip_docstrings

RUFF = ROOT / ".venv" / "bin" / "ruff"
RUFF_CONVENTION = {"google": "google", "numpy": "numpy", "sphinx": "pep257"}
_SOURCES = (("placeholder", "TODO"), ("passed on to a call", "Passed to"),
            ("passed on to a call", "Its items are passed"), ("compared", "Compared with"),
            ("iterated over", "Iterated over"), ("returned", "Returned"), ("returned", "The given"),
            ("flag selecting a branch", "When true"),
            ("flag selecting a branch", "Whether to"), ("flag selecting a branch", "When false"),
            ("stored on the object", "Stored as"), ("attributes read", "Its "), ("indexed", "Indexed as"),
            ("formatted into a text", "Formatted into"), ("read by a nested function", "Read by"),
            ("used in an expression", "Used in"), ("method called on it", "Used as"),
            ("key read", "The key read in"), ("variadic, collected", "Extra "))


def source_of(text: str) -> str:
    """Name where a parameter description comes from, by how it starts.

    Args:
        text: A drafted parameter description.

    Returns:
        A short label, ``other`` when none fits.
    """
    return next((label for label, start in _SOURCES if text.startswith(start)), "other")


def draft_figures(modules: list[tuple[str, str]]) -> dict[str, object]:
    """Measure the drafts themselves (style-free): parameter sources, "Whether" returns, defaults.

    Args:
        modules: (name, stripped source) pairs.

    Returns:
        The counts, and a few examples of each defect.
    """
    sources: collections.Counter[str] = collections.Counter()
    whether, false_whether, lost_defaults = 0, [], []
    summaries: collections.Counter[str] = collections.Counter()
    for name, source in modules:
        for target in extract_targets(parse_cell(source)):
            summaries["placeholder" if is_placeholder(drafts.summary_for(target)) else "from the name"] += 1
            for param in target.params:
                text = drafts.param_text(target, param)
                sources[source_of(text)] += 1
                if param.default is not None and not states_default(text, param.default):
                    lost_defaults.append(f"{name}:{target.qualname}({param.name})")
            if drafts.needs_returns(target) and target.kind.value != "property":
                claims = whether_claims(drafts.returns_text(target))
                whether += bool(claims)
                long_tests = any(is_truth_valued(v) and len(ast.unparse(v)) > 60 for v in _returned(target))
                if any(not is_truth_valued(claim) if claim is not None else not long_tests for claim in claims):
                    false_whether.append(f"{name}:{target.qualname}")
    return {"sources": sources, "whether": whether, "false_whether": false_whether,
            "lost_defaults": lost_defaults, "summaries": summaries}


def _returned(target: Target) -> list[ast.expr]:
    node = target.node
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return []
    return [n.value for n in own_scope_nodes(node) if isinstance(n, ast.Return) and n.value is not None]


def whether_claims(text: str) -> list[ast.expr | None]:
    """Return the expressions a Returns text says are truth values ("Whether ``x > 0``"), one per claim.

    Args:
        text: A drafted Returns text; several returns are joined by ``; or``.

    Returns:
        The quoted expression of each "whether" claim, None where the claim quotes none (the expression is
        too long to quote: a truth-valued ``return`` longer than 60 characters must then exist).
    """
    claims: list[ast.expr | None] = []
    for part in text.split("; or "):
        if part.lower().startswith("whether"):
            quoted = re.match(r"whether ``(.+?)``(?: |\.|$)", part, re.IGNORECASE)
            claims.append(ast.parse(quoted.group(1), mode="eval").body if quoted else None)
    return claims


def style_figures(modules: list[tuple[str, str]], style: str, folder: Path) -> dict[str, object]:
    """Document every module offline in one style and judge the output.

    Args:
        modules: (name, stripped source) pairs.
        style: The docstring style.
        folder: Where to write the documented modules for ruff.

    Returns:
        The counts, and a few examples of each defect.
    """
    import docstring_parser

    targets = failed = placeholders = 0
    own_check, unreported, read_as_type = [], [], []
    folder.mkdir()
    for name, source in modules:
        result = document(source, provider="offline", style=style, use_cache=False)
        failed += len(result.failed)
        (folder / f"{name}.py").write_text(result.code, encoding="utf-8")
        for target in extract_targets(parse_cell(result.code)):
            if not target.docstring:
                continue
            targets += 1
            finding = check_target(target)
            codes = set(finding.codes) if finding else set()
            if codes - {Code.PLACEHOLDER}:
                own_check.append(f"{name}:{target.qualname}: {finding.message if finding else ''}")
            marked = "TODO" in target.docstring
            placeholders += marked
            if marked and Code.PLACEHOLDER not in codes:
                unreported.append(f"{name}:{target.qualname}")
            try:
                parsed = docstring_parser.parse(target.docstring)
            except docstring_parser.ParseError:
                continue
            if any(is_placeholder(r.type_name) for r in parsed.many_returns):
                read_as_type.append(f"{name}:{target.qualname}")
    proc = subprocess.run([str(RUFF), "check", "--isolated", "--select", "D2", "--config",
                           f"lint.pydocstyle.convention='{RUFF_CONVENTION[style]}'", "--output-format", "concise",
                           str(folder)], capture_output=True, text=True, timeout=600)
    ruff = collections.Counter(m.group(1) for m in re.finditer(r": (D20[24]) ", proc.stdout))
    return {"targets": targets, "failed": failed, "placeholders": placeholders, "own_check": own_check,
            "unreported": unreported, "read_as_type": read_as_type, "ruff": ruff}


def main(argv: list[str] | None = None) -> list[tuple[str, str, str]]:
    """Run the measurement and print its tables.

    Args:
        argv: Command-line arguments (``--modules``, ``--styles``, ``--examples``).

    Returns:
        The table rows.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--modules", type=int, default=None, help="how many modules (default: all)")
    parser.add_argument("--styles", default="google,numpy,sphinx")
    parser.add_argument("--examples", type=int, default=3, help="examples shown per defect")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    modules = [(path.stem, strip_docstrings(path.read_text(encoding="utf-8"))) for path in
               stdlib_modules(args.modules)]
    figures = draft_figures(modules)
    sources: collections.Counter[str] = figures["sources"]  # type: ignore[assignment]
    total = sum(sources.values())
    rows = [("stdlib modules (docstrings stripped)", str(len(modules)), ""),
            ("parameter descriptions", str(total), "")]
    rows += [(f"  {label}", str(count), f"{count / total:.1%}") for label, count in sources.most_common()]
    summaries: collections.Counter[str] = figures["summaries"]  # type: ignore[assignment]
    rows.append(("summaries", str(sum(summaries.values())), ""))
    rows += [(f"  {label}", str(count), f"{count / sum(summaries.values()):.1%}")
             for label, count in summaries.most_common()]
    false_whether: list[str] = figures["false_whether"]  # type: ignore[assignment]
    lost: list[str] = figures["lost_defaults"]  # type: ignore[assignment]
    rows.append(('Returns starting "Whether"', str(figures["whether"]), ""))
    rows.append(("  of a return that is not a truth value", str(len(false_whether)),
                 ", ".join(false_whether[:args.examples])))
    rows.append(("parameters whose default is not given", str(len(lost)), ", ".join(lost[:args.examples])))
    with tempfile.TemporaryDirectory() as tmp:
        for style in filter(None, args.styles.split(",")):
            found = style_figures(modules, style, Path(tmp) / style)
            own: list[str] = found["own_check"]  # type: ignore[assignment]
            unreported: list[str] = found["unreported"]  # type: ignore[assignment]
            as_type: list[str] = found["read_as_type"]  # type: ignore[assignment]
            ruff: collections.Counter[str] = found["ruff"]  # type: ignore[assignment]
            rows += [(f"{style}: documented targets (failed)", f"{found['targets']} ({found['failed']})", ""),
                     (f"{style}: targets with a placeholder", str(found["placeholders"]), ""),
                     (f"{style}: own --check finds more than placeholders", str(len(own)),
                      " | ".join(own[:args.examples])),
                     (f"{style}: placeholders --check does not report", str(len(unreported)),
                      ", ".join(unreported[:args.examples])),
                     (f"{style}: placeholder read as a type (docstring_parser)", str(len(as_type)),
                      ", ".join(as_type[:args.examples])),
                     (f"{style}: ruff D202 / D204", f"{ruff['D202']} / {ruff['D204']}", "")]
    rows.append(("wall time", f"{time.perf_counter() - start:.0f} s", ""))
    print(table(rows))
    return rows


if __name__ == "__main__":
    sys.exit(main() and 0)
