"""Round trips over every shape of the corpus × every style × the offline drafts and the (fake) model.

document → check finds no structural gap (offline drafts: only their marked placeholders);
document → document --update changes nothing; docstring_parser reads the parameters back in signature
order; pydoclint (its own tool environment, ``make tools``) and ruff's D rules (the style's convention)
report nothing on the generated docstrings.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import docstring_parser
import pytest

from docgen_magic import api
from docgen_magic.core.cell import parse_cell
from docgen_magic.core.facts import Target, extract_targets
from docgen_magic.core.ports import Provider
from docgen_magic.core.rules import bare_names
from docgen_magic.providers.chat import make_azure_provider
from tests.fake_openai import DISTINCTIVE_KEY as FAKE_KEY
from tests.fake_openai import FakeOpenAI
from tests.shapes import SHAPES

ROOT = Path(__file__).resolve().parent.parent
PYDOCLINT = ROOT / ".venv-tools" / "bin" / "pydoclint"
RUFF = ROOT / ".venv" / "bin" / "ruff"
STYLES = ("google", "numpy", "sphinx")
PROVIDERS = ("offline", "model")
RUFF_CONVENTION = {"google": "google", "numpy": "numpy", "sphinx": "pep257"}
ALLOWED_GAPS = {"offline": {"placeholder"}, "model": set()}

# pydoclint's options that judge the user's code rather than the docstrings: whether the signature and
# the docstring carry type hints (docgen writes a type exactly where the code has an annotation) and
# whether return / yield types match an annotation the code may not have. Class attributes follow the
# Google guide (``self.x`` set in ``__init__`` included), which pydoclint's attribute check does not.
PYDOCLINT_OPTIONS = ["--quiet", "--skip-checking-short-docstrings=False", "--allow-init-docstring=True",
                     "--check-class-attributes=False", "--check-return-types=False",
                     "--check-yield-types=False", "--require-return-section-when-returning-nothing=False"]
TYPE_HINT_POLICY = ("DOC106", "DOC107", "DOC108", "DOC109", "DOC110", "DOC111")


def _python(text: str) -> bool:
    try:
        ast.parse(text)
    except SyntaxError:
        return False
    return True


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    """One loopback fake for the module."""
    with FakeOpenAI(api_key=FAKE_KEY) as server:
        yield server


def _provider(kind: str, fake: FakeOpenAI) -> Provider | str:
    if kind == "offline":
        return "offline"
    return make_azure_provider(endpoint=fake.url, deployment="docgen-test", api_version="2024-10-21",
                               api_key=FAKE_KEY, timeout=10.0, max_retries=2, strict=True,
                               max_completion_tokens=512, send_temperature=False)


_documented: dict[tuple[str, str], dict[str, str]] = {}


def _document_all(kind: str, style: str, fake: FakeOpenAI) -> dict[str, str]:
    """Every shape documented from scratch (``overwrite``, so every docstring is generated)."""
    key = (kind, style)
    if key not in _documented:
        provider = _provider(kind, fake)
        codes = [r.code for r in api.document_cells_sync([text for _, text in SHAPES], provider=provider,
                                                           style=style, overwrite=True, use_cache=False)]
        _documented[key] = {sid: code for (sid, _), code in zip(SHAPES, codes, strict=True)}
    return _documented[key]


def _targets(code: str) -> list[Target]:
    return [t for t in extract_targets(parse_cell(code)) if t.docstring]


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("kind", PROVIDERS)
def test_document_then_check_finds_no_structural_gap(kind: str, style: str, fake: FakeOpenAI) -> None:
    wrong = []
    for sid, code in _document_all(kind, style, fake).items():
        for finding in api.check(code).findings:
            extra = set(finding.codes) - ALLOWED_GAPS[kind]
            if extra:
                wrong.append(f"{sid}: {finding.qualname}: {finding.message}")
    assert wrong == []


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("kind", PROVIDERS)
def test_document_then_update_changes_nothing(kind: str, style: str, fake: FakeOpenAI) -> None:
    documented = _document_all(kind, style, fake)
    requests = len(fake.requests)
    again = api.document_cells_sync(list(documented.values()), provider=_provider(kind, fake), style=style,
                                    update=True, use_cache=False)
    changed = [sid for sid, result in zip(documented, again, strict=True) if result.code != documented[sid]]
    assert changed == []
    assert len(fake.requests) == requests  # nothing to fill: no model call


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("kind", PROVIDERS)
def test_docstring_parser_reads_the_parameters_back_in_order(kind: str, style: str, fake: FakeOpenAI) -> None:
    wrong = []
    for sid, code in _document_all(kind, style, fake).items():
        for target in _targets(code):
            parsed = docstring_parser.parse(target.docstring or "")
            names = [n for p in parsed.params if p.args[0] in ("param", "parameter", "arg", "argument",
                                                                 "key", "keyword")
                     for n in bare_names(p.arg_name)]
            if names != [p.name for p in target.params]:
                wrong.append(f"{sid}: {target.qualname}: {names}")
    assert wrong == []


def _tool_dir(kind: str, style: str, fake: FakeOpenAI, tmp_path: Path) -> Path:
    folder = tmp_path / f"{kind}_{style}"
    folder.mkdir()
    for sid, code in _document_all(kind, style, fake).items():
        if _python(code):
            (folder / f"{sid}.py").write_text(code, encoding="utf-8")
    return folder


def _unannotated_generators(folder: Path) -> set[str]:
    names = set()
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is None:
                names.add(node.name)
    return names


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("kind", PROVIDERS)
def test_pydoclint_reports_nothing(kind: str, style: str, fake: FakeOpenAI, tmp_path: Path) -> None:
    if not PYDOCLINT.exists():
        if os.environ.get("DOCGEN_REQUIRE_TOOLS"):
            pytest.fail("pydoclint's tool environment is missing: run `make tools`")
        pytest.skip("pydoclint's tool environment is missing: run `make tools`")
    folder = _tool_dir(kind, style, fake, tmp_path)
    proc = subprocess.run([str(PYDOCLINT), f"--style={style}", *PYDOCLINT_OPTIONS, str(folder)],
                          capture_output=True, text=True, timeout=300)
    unannotated = _unannotated_generators(folder)
    findings = []
    for line in proc.stdout.splitlines():
        if "DOC" not in line or any(code in line for code in TYPE_HINT_POLICY):
            continue
        # DOC403 asks for a Generator/Iterator return annotation, which is the code's to add.
        if "DOC403" in line and any(f"`{name}`" in line for name in unannotated):
            continue
        findings.append(line.strip())
    assert findings == [], proc.stdout[-3000:]


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("kind", PROVIDERS)
def test_ruff_docstring_rules_report_nothing(kind: str, style: str, fake: FakeOpenAI, tmp_path: Path) -> None:
    folder = _tool_dir(kind, style, fake, tmp_path)
    # D1xx: undocumented targets that are not docgen's (overload stubs, setters, nested helpers).
    # D206: a tab-indented cell gets a tab-indented docstring, like its code.
    proc = subprocess.run([str(RUFF), "check", "--isolated", "--select", "D", "--ignore", "D1,D206",
                           "--config", f"lint.pydocstyle.convention='{RUFF_CONVENTION[style]}'",
                           "--output-format", "concise", str(folder)], capture_output=True, text=True, timeout=300)
    # D202 only where the user's own blank line follows the ``def`` (it stays; the docstring goes right under
    # the ``def``, since a blank line before it would be D201).
    own_blank = {sid for sid, text in SHAPES if re.search(r":[ \t]*(#[^\n]*)?\r?\n[ \t]*\r?\n", text)}
    findings = [line for line in proc.stdout.splitlines() if ": D" in line
                and not (" D202 " in line and Path(line.split(":", 1)[0]).stem in own_blank)]
    assert findings == [], proc.stdout
