"""``docgen PATH...``: files, folders and globs (minus .gitignore and --exclude) in one run with one
concurrency limit, one cache, one progress display and one summary; --write, --diff, --json, --check --json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from docgen_magic.cli.paths import expand_paths
from tests.conftest import FAKE_KEY
from tests.docgen_runner import env_without_model
from tests.fake_openai import FakeOpenAI
from tests.test_cli import run_cli


def _tree(root: Path) -> Path:
    (root / ".git").mkdir(parents=True)
    (root / ".gitignore").write_text("build/\n*.tmp.py\n", encoding="utf-8")
    for name, count in (("src/pkg/a.py", 3), ("src/pkg/b.py", 4), ("src/pkg/sub/c.py", 2), ("scripts/run.py", 1)):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n\n".join(f"def {path.stem}_{i}(x, y=1):\n    return x + y + {i}\n" for i in range(count)),
                        encoding="utf-8")
    for ignored in ("build/gen.py", "src/scratch.tmp.py", ".venv/lib/x.py", "src/__pycache__/a.py",
                    "src/pkg/sub/.hidden/d.py", "src/pkg/data.txt"):
        (root / ignored).parent.mkdir(parents=True, exist_ok=True)
        (root / ignored).write_text("def nope(a):\n    return a\n", encoding="utf-8")
    (root / "src/pkg/sub/.gitignore").write_text("c.py\n", encoding="utf-8")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# Analysis"),
                      nbformat.v4.new_code_cell("def clean(frame):\n    return frame.dropna()"),
                      nbformat.v4.new_code_cell("def plot(frame, column='x'):\n    return frame[column].plot()")]
    (root / "notebooks").mkdir()
    nbformat.write(notebook, str(root / "notebooks/analysis.ipynb"))
    return root


def test_folders_and_globs_expand_to_python_files_and_notebooks_minus_ignored(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path / "repo")
    monkeypatch.chdir(root)
    assert expand_paths(["src", "notebooks"]) == ["src/pkg/a.py", "src/pkg/b.py", "notebooks/analysis.ipynb"]
    assert expand_paths(["."]) == ["notebooks/analysis.ipynb", "scripts/run.py", "src/pkg/a.py", "src/pkg/b.py"]
    assert expand_paths(["src/**/*.py"]) == ["src/pkg/a.py", "src/pkg/b.py"]
    assert expand_paths(["src", "src/pkg/a.py"]) == ["src/pkg/a.py", "src/pkg/b.py"]  # each file once
    assert expand_paths(["."], exclude=["scripts/", "b.py"]) == ["notebooks/analysis.ipynb", "src/pkg/a.py"]
    # a file named explicitly is read even when ignored (pre-commit passes what it means); --exclude still wins
    assert expand_paths(["build/gen.py"]) == ["build/gen.py"]
    assert expand_paths(["build/gen.py"], exclude=["build/"]) == []


def _env(fake: FakeOpenAI, tmp_path: Path) -> dict[str, str]:
    return {"AZURE_OPENAI_ENDPOINT": fake.url, "AZURE_OPENAI_API_KEY": FAKE_KEY,
            "AZURE_OPENAI_DEPLOYMENT": "docgen-test", "DOCGEN_CACHE_DIR": str(tmp_path / "cache")}


def test_write_over_a_tree_is_one_run_with_shared_concurrency(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    root = _tree(tmp_path / "repo")
    (root / "src/pkg/broken.py").write_text("def broken(:\n    pass\n", encoding="utf-8")
    fake_openai.latency = 0.3
    proc = run_cli("--write", "src", "notebooks", "scripts", env=_env(fake_openai, tmp_path), cwd=root)
    assert proc.returncode == 2, proc.stderr  # the broken file; the others are written
    assert "src/pkg/broken.py:1: syntax error" in proc.stderr
    for name in ("src/pkg/a.py", "src/pkg/b.py", "scripts/run.py"):
        text = (root / name).read_text(encoding="utf-8")
        assert text.count('"""Do the ') == text.count("def "), name
    cells = nbformat.read(str(root / "notebooks/analysis.ipynb"), as_version=4).cells
    assert all('"""' in c.source for c in cells if c.cell_type == "code")
    assert "def nope" not in (root / "build/gen.py").read_text() or '"""' not in (root / "build/gen.py").read_text()
    assert len(fake_openai.requests) == 3 + 4 + 1 + 2
    assert fake_openai.max_concurrent == 10  # every target of every file in one wave
    assert "targets" in proc.stderr and "requests" in proc.stderr  # the summary table
    again = run_cli("--write", "src/pkg/a.py", "src/pkg/b.py", env=_env(fake_openai, tmp_path), cwd=root)
    assert again.returncode == 0 and len(fake_openai.requests) == 10  # documented now: nothing to ask


def test_json_over_many_files_has_one_object_per_file_and_totals(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    root = _tree(tmp_path / "repo")
    proc = run_cli("--json", "-q", "src", "notebooks", env=_env(fake_openai, tmp_path), cwd=root)
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    assert [f["path"] for f in payload["files"]] == ["src/pkg/a.py", "src/pkg/b.py", "notebooks/analysis.ipynb"]
    assert len(payload["files"][0]["targets"]) == 3 and len(payload["files"][2]["cells"]) == 2
    totals = payload["totals"]
    assert totals["files"] == 3 and totals["targets"] == 9 and totals["documented"] == 9 and totals["status"] == 0
    assert totals["usage"]["requests"] == 9
    assert (root / "src/pkg/a.py").read_text().count('"""') == 0  # --json alone writes nothing


def test_diff_over_many_files_names_each_file(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    root = _tree(tmp_path / "repo")
    proc = run_cli("--diff", "-q", "src/pkg/a.py", "notebooks", env=_env(fake_openai, tmp_path), cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "--- a/src/pkg/a.py" in proc.stdout and "+++ b/src/pkg/a.py" in proc.stdout
    assert "notebooks/analysis.ipynb[cell 3]" in proc.stdout
    assert run_cli("--diff", "--json", "src", cwd=root).returncode == 2


def test_a_file_that_cannot_be_written_has_the_same_status_alone_and_among_many(tmp_path: Path) -> None:
    root = _tree(tmp_path / "repo")
    locked = root / "src/pkg/a.py"
    before = locked.read_bytes()
    locked.chmod(0o444)
    alone = run_cli("--write", "-q", "src/pkg/a.py", cwd=root)
    among_many = run_cli("--write", "-q", "src", cwd=root)
    assert alone.returncode == among_many.returncode == 2, (alone.stderr, among_many.stderr)
    assert f"docgen: {locked.relative_to(root)}: not written: the file is read-only" in among_many.stderr
    assert locked.read_bytes() == before
    assert '"""' in (root / "src/pkg/b.py").read_text(encoding="utf-8")  # the other file is still written


def test_each_file_prints_in_its_own_encoding_alone_and_among_many(tmp_path: Path) -> None:
    (tmp_path / "latin.py").write_bytes(b"# -*- coding: latin-1 -*-\ndef caf\xe9(x):\n    return 'd\xe9j\xe0'\n")
    (tmp_path / "plain.py").write_bytes(b"def plain(x):\n    return 'd\xc3\xa9j\xc3\xa0'\n")
    base = env_without_model()

    def stdout(*paths: str) -> bytes:
        done = subprocess.run([sys.executable, "-m", "docgen_magic", "-q", *paths], capture_output=True,
                              env=base, cwd=tmp_path, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    alone = stdout("latin.py")
    among_many = stdout("latin.py", "plain.py")
    assert b"return 'd\xe9j\xe0'" in alone and b"return 'd\xe9j\xe0'" in among_many  # latin-1, as read
    assert b"return 'd\xc3\xa9j\xc3\xa0'" in among_many  # the UTF-8 file stays UTF-8
    assert among_many.startswith(b"# ==> latin.py <==\n" + alone)


def test_check_json_reports_findings_per_file_and_exit_status_over_all(tmp_path: Path) -> None:
    root = _tree(tmp_path / "repo")
    (root / "src/pkg/done.py").write_text('def ok():\n    """Do it."""\n', encoding="utf-8")
    proc = run_cli("--check", "--json", "src", cwd=root)
    assert proc.returncode == 1
    payload = json.loads(proc.stdout)
    by_path = {f["path"]: f for f in payload["files"]}
    assert by_path["src/pkg/done.py"]["findings"] == [] and by_path["src/pkg/done.py"]["status"] == 0
    first = by_path["src/pkg/a.py"]["findings"][0]
    assert first == {"path": "src/pkg/a.py", "cell": None, "line": 1, "name": "a_0", "message": "no docstring"}
    assert payload["totals"]["findings"] == 7 and payload["totals"]["status"] == 1
    plain = run_cli("--check", "src", cwd=root)
    assert "src/pkg/b.py:5: b_1: no docstring" in plain.stdout.splitlines()  # path:line: message


def test_progress_is_shown_on_a_terminal(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    import pty

    root = _tree(tmp_path / "repo")
    fake_openai.latency = 0.2
    leader, follower = pty.openpty()
    env = env_without_model(**_env(fake_openai, tmp_path), COLUMNS="160")
    proc = subprocess.Popen([sys.executable, "-m", "docgen_magic", "--write", "src", "notebooks"], cwd=root,
                            env=env, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert proc.wait(timeout=60) == 0
    os.close(leader)
    shown = b"".join(chunks).decode("utf-8", "replace")
    assert "targets" in shown and "files 3/3" in shown and "requests" in shown and "ETA" in shown
