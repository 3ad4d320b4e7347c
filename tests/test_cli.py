"""The ``docgen`` command, run as a user runs it (a real subprocess) and in-process for the shape table."""

from __future__ import annotations

import ast
import io
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from docgen_magic import cli
from docgen_magic.api import check
from tests.docgen_runner import run_docgen
from tests.shapes import SHAPES

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run_docgen(*args, stdin=stdin, env=env, cwd=cwd)


def run_in_process(args: list[str], stdin: str, monkeypatch: pytest.MonkeyPatch,
                   capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    status = cli.main(args)
    out, err = capsys.readouterr()
    return status, out, err


def strip_docstrings(tree: ast.AST) -> str:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Module) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree, include_attributes=False)


def nothing_lost(before: str, after: str) -> bool:
    """Every non-blank character of the original is still there (multiset), i.e. only additions."""
    return not (Counter(before.replace(" ", "").replace("\t", "")) -
                Counter(after.replace(" ", "").replace("\t", "")))


@pytest.fixture
def no_model_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL",
                 "DOCGEN_PROVIDER", "DOCGEN_STYLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCGEN_CACHE_DIR", str(tmp_path / "cache"))


@pytest.mark.parametrize(("shape_id", "text"), SHAPES, ids=[s[0] for s in SHAPES])
def test_every_shape_offline_json(shape_id: str, text: str, no_model_env: None,
                                  monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_in_process(["--provider", "offline", "--json", "-"], text, monkeypatch, capsys)
    payload = json.loads(out)
    assert status == 0, payload["targets"]
    assert set(payload) >= {"code", "targets", "usage"}
    assert payload["usage"]["requests"] == 0 and payload["usage"]["total_tokens"] == 0
    code = payload["code"]
    assert nothing_lost(text, code)
    for target in payload["targets"]:
        assert set(target) >= {"name", "kind", "status", "attempts", "cached", "error"}
        assert target["status"] in ("documented", "skipped")
    from docgen_magic.core.cell import parse_cell

    if any(t["status"] == "documented" for t in payload["targets"]):
        assert code != text
        before, after = parse_cell(text), parse_cell(code)
        assert strip_docstrings(before.module) == strip_docstrings(after.module)
        report = check(code)
        documented = {t["name"] for t in payload["targets"] if t["status"] == "documented"}
        # An offline draft is complete in structure; what it cannot know is marked as a placeholder.
        assert [f for f in report.findings if f.qualname in documented and set(f.codes) != {"placeholder"}] == []
    else:
        assert code == text
    # Byte for byte: every original line is still there, in order, except the line of a one-line body that
    # became a block and existing docstrings (only replaced when overwriting, which this run does not ask).
    from docgen_magic.core.facts import extract_targets

    cell = parse_cell(text)
    lines = cell.text.splitlines()
    first_statements = [t.node.body[0] for t in extract_targets(cell)]
    split = {b.lineno for b in first_statements if lines[b.lineno - 1][:b.col_offset].strip()}
    remaining = iter(code.splitlines(keepends=True))
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        if number not in split:
            assert any(candidate == line for candidate in remaining), (number, line)


def test_default_output_is_the_code_and_usage_goes_to_stderr(no_model_env: None) -> None:
    proc = run_cli("examples/messy_analysis.py")
    assert proc.returncode == 0, proc.stderr
    original = (ROOT / "examples/messy_analysis.py").read_text()
    assert nothing_lost(original, proc.stdout) and proc.stdout != original
    assert '"""Load the rows.' in proc.stdout
    assert "documented" in proc.stderr and "offline (template)" in proc.stderr


def test_diff_and_write(tmp_path: Path, no_model_env: None) -> None:
    target = tmp_path / "m.py"
    target.write_text("def rect_area(w: float, h: float) -> float:\n    return w * h\n")
    diff = run_cli("--diff", str(target))
    assert diff.returncode == 0
    assert diff.stdout.startswith("--- a/") and '+    """' in diff.stdout
    assert target.read_text() == "def rect_area(w: float, h: float) -> float:\n    return w * h\n"
    wrote = run_cli("--write", str(target))
    assert wrote.returncode == 0 and wrote.stdout == ""
    assert '"""' in target.read_text()
    assert run_cli("--check", str(target)).returncode == 0


def test_check_lists_gaps_and_exits_1(tmp_path: Path, no_model_env: None) -> None:
    target = tmp_path / "m.py"
    target.write_text('def f(a, b):\n    """Do f.\n\n    Args:\n        a: A.\n    """\n    return a\n\n'
                      "class K:\n    pass\n")
    proc = run_cli("--check", str(target))
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert any(line.startswith(f"{target}:1: f:") and "b" in line for line in lines)
    assert any(line.startswith(f"{target}:9: K:") for line in lines)
    assert target.read_text().startswith("def f(a, b):")


def test_syntax_error_is_one_line_exit_2(no_model_env: None) -> None:
    proc = run_cli("-", stdin="x = 1\n\ndef broken(:\n    pass\n")
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "<stdin>:3:" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_empty_input_is_not_an_error(no_model_env: None) -> None:
    proc = run_cli("--json", "-", stdin="")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["code"] == ""


def test_missing_file_exit_2(no_model_env: None) -> None:
    proc = run_cli("does/not/exist.py")
    assert proc.returncode == 2 and "cannot read" in proc.stderr and "Traceback" not in proc.stderr


def test_notebook_write_keeps_outputs_and_metadata(tmp_path: Path, no_model_env: None) -> None:
    nb = {
        "cells": [
            {"cell_type": "markdown", "id": "m1", "metadata": {}, "source": ["# Title\n"]},
            {"cell_type": "code", "id": "c1", "execution_count": 3, "metadata": {"tags": ["keep"]},
             "outputs": [{"output_type": "stream", "name": "stdout", "text": ["hi\n"]}],
             "source": ["%matplotlib inline\n", "def mean(xs):\n", "    return sum(xs) / len(xs)\n"]},
            {"cell_type": "code", "id": "c2", "execution_count": None, "metadata": {}, "outputs": [],
             "source": "%%time\ndef timed(xs):\n    return xs\n"},
            {"cell_type": "code", "id": "c3", "execution_count": None, "metadata": {}, "outputs": [],
             "source": "%%bash\necho hi\n"},
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps(nb, indent=1))
    as_json = run_cli("--json", str(path))
    assert as_json.returncode == 0
    payload = json.loads(as_json.stdout)
    assert len(payload["cells"]) == 3 and set(payload["usage"]) >= {"requests", "cache_hits"}
    timed = payload["cells"][1]["code"]
    assert timed.startswith("%%time\ndef timed(xs):\n    \"\"\"") and timed.endswith("    return xs\n")
    assert payload["cells"][2]["code"] == "%%bash\necho hi\n"
    proc = run_cli("--write", str(path))
    assert proc.returncode == 0, proc.stderr
    # The %%bash cell is reported once; the summary is the usage line every run prints, not a dict.
    assert proc.stderr.count("%%bash") == 1 and "[cell 4]: %%bash cell: its body is not Python" in proc.stderr
    assert f"{path}: 3 code cells · 2 documented · 0 requests · " in proc.stderr and "{" not in proc.stderr
    after = json.loads(path.read_text())
    code = after["cells"][1]
    assert code["outputs"] == nb["cells"][1]["outputs"] and code["metadata"] == {"tags": ["keep"]}
    assert code["execution_count"] == 3 and code["id"] == "c1"
    assert code["source"][0] == "%matplotlib inline\n" and '"""' in "".join(code["source"])
    assert after["cells"][0] == nb["cells"][0] and after["cells"][3] == nb["cells"][3]
    assert "".join(after["cells"][2]["source"]) == timed
    assert after["metadata"] == nb["metadata"]


def test_own_code_passes_own_check() -> None:
    proc = run_cli("--check", "docgen_magic")
    assert proc.returncode == 0, proc.stdout


def test_write_keeps_a_byte_order_mark_and_crlf(tmp_path: Path, no_model_env: None) -> None:
    target = tmp_path / "bom.py"
    target.write_bytes(b"\xef\xbb\xbfdef area(w, h):\r\n    return w * h\r\n")
    proc = run_cli("--write", str(target))
    assert proc.returncode == 0, proc.stderr
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfdef area(w, h):\r\n") and b'"""' in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_stdin_keeps_crlf(no_model_env: None) -> None:
    proc = subprocess.run([sys.executable, "-m", "docgen_magic", "--provider", "offline", "-"],
                          input=b"def f(x):\r\n    return x\r\n", capture_output=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(b"def f(x):\r\n") and b'"""' in proc.stdout
    assert b"\n" not in proc.stdout.replace(b"\r\n", b"")


def test_stdin_with_a_byte_order_mark_is_read_like_a_file(no_model_env: None) -> None:
    proc = subprocess.run([sys.executable, "-m", "docgen_magic", "--provider", "offline", "-"],
                          input=b"\xef\xbb\xbfdef f(x):\n    return x\n", capture_output=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(b'def f(x):\n    """') and b"    return x\n" in proc.stdout


def test_notebook_write_keeps_the_files_own_json_layout(tmp_path: Path, no_model_env: None) -> None:
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"z": 1, "a": "é"},
          "cells": [{"source": ["def f(x):\n", "    return x\n"], "outputs": [], "metadata": {},
                     "execution_count": None, "cell_type": "code", "id": "c1"},
                    {"source": ["x = 1"], "outputs": [], "metadata": {}, "execution_count": 1,
                     "cell_type": "code", "id": "c2"}]}
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps(nb, indent=2, ensure_ascii=False))  # unsorted keys, indent 2, no final newline
    proc = run_cli("--write", str(path))
    assert proc.returncode == 0, proc.stderr
    after = json.loads(path.read_text())
    assert '"""' in "".join(after["cells"][0]["source"])
    nb["cells"][0]["source"] = after["cells"][0]["source"]
    assert path.read_text() == json.dumps(nb, indent=2, ensure_ascii=False)


def test_notebook_syntax_error_names_the_cell(tmp_path: Path, no_model_env: None) -> None:
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
          "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                     "source": "def ok():\n    pass\n"},
                    {"cell_type": "markdown", "metadata": {}, "source": "text"},
                    {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                     "source": "x = 1\ndef broken(:\n    pass\n"}]}
    path = tmp_path / "bad.ipynb"
    path.write_text(json.dumps(nb, indent=1))
    for args in (["--write"], ["--check"], []):
        proc = run_cli(*args, str(path))
        assert proc.returncode == 2, (args, proc.stderr)
        assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr
        assert f"{path}[cell 3]:2: syntax error" in proc.stderr, (args, proc.stderr)
    assert json.loads(path.read_text()) == nb


def test_nonexistent_path_with_check_is_one_line_exit_2(no_model_env: None) -> None:
    proc = run_cli("--check", "does/not/exist.py")
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0 and "cannot read" in proc.stderr


@pytest.mark.parametrize("mode", [[], ["--check"], ["--write"], ["--json"]])
def test_a_symlink_loop_is_one_line_and_exit_2(tmp_path: Path, no_model_env: None, mode: list[str]) -> None:
    (tmp_path / "a.py").symlink_to(tmp_path / "b.py")
    (tmp_path / "b.py").symlink_to(tmp_path / "a.py")
    good = tmp_path / "pkg" / "good.py"
    good.parent.mkdir()
    good.write_text("def f(x):\n    return x\n")
    (tmp_path / "pkg" / "loop.py").symlink_to(tmp_path / "a.py")
    for args in ([str(tmp_path / "a.py")], [str(tmp_path / "pkg")], [str(tmp_path / "*.py")]):
        proc = run_cli(*mode, *args)
        assert proc.returncode == 2, (args, proc.stderr)
        errors = [line for line in proc.stderr.splitlines() if "loop.py" in line or "a.py" in line]
        assert len(errors) == 1 and "symbolic links" in errors[0], (args, proc.stderr)
        assert "Traceback" not in proc.stderr and "RuntimeError" not in proc.stderr
    if not mode:  # the readable file of the folder is still documented
        assert '"""' in run_cli(str(tmp_path / "pkg")).stdout


def test_a_path_too_long_is_one_line_and_exit_2(no_model_env: None) -> None:
    proc = run_cli("x" * 5000 + ".py")
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr
