"""The pre-commit hooks, run for real: ``pre-commit run`` in a fresh git repository installs docgen_magic from a
clone of this repository (its .pre-commit-hooks.yaml) and checks and documents a .py file and a notebook.

pip reaches PyPI for the build backend and the dependencies of the hook's environment (no other network).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.docgen_runner import env_without_model

ROOT = Path(__file__).resolve().parent.parent
BUILT = ROOT / "docgen_magic" / "labextension"

pytestmark = pytest.mark.slow


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def _hook_repository(tmp: Path) -> tuple[Path, str]:
    """A git repository of this project's files plus its built lab extension (so pip needs no Node.js)."""
    repo = tmp / "hook-repo"
    archive = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                             check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, archive):
        source = ROOT / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    shutil.copytree(BUILT, repo / "docgen_magic" / "labextension")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "add", "-f", "docgen_magic/labextension")
    _git(repo, "commit", "-q", "-m", "hook repository")
    return repo, _git(repo, "rev-parse", "HEAD").strip()


@pytest.mark.skipif(not (BUILT / "static" / "style.js").is_file(), reason="the lab extension is not built")
def test_pre_commit_runs_the_check_and_the_writing_hook(tmp_path: Path) -> None:
    hooks, rev = _hook_repository(tmp_path)
    project = tmp_path / "project"
    project.mkdir()
    _git(project, "init", "-q")
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks}\n    rev: {rev}\n    hooks:\n      - id: docgen-check\n", encoding="utf-8")
    (project / "stats.py").write_text("def mean_value(values):\n    return sum(values) / len(values)\n",
                                      encoding="utf-8")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("def scale(x, factor=2):\n    return x * factor")]
    nbformat.write(notebook, str(project / "analysis.ipynb"))
    _git(project, "add", "-A")
    env = env_without_model()
    env |= {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "DOCGEN_CACHE_DIR": str(tmp_path / "cache")}
    pre_commit = [sys.executable, "-m", "pre_commit"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*pre_commit, *args], cwd=project, env=env, capture_output=True, text=True,
                              timeout=900)

    failed = run("run", "--all-files")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "stats.py:1: mean_value: no docstring" in failed.stdout
    assert "analysis.ipynb[cell 1]:1: scale: no docstring" in failed.stdout

    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks}\n    rev: {rev}\n    hooks:\n      - id: docgen\n      - id: docgen-check\n",
        encoding="utf-8")
    written = run("run", "--all-files")  # the writing hook changes files: pre-commit reports a failure once
    assert written.returncode == 1, written.stdout + written.stderr
    assert '"""' in (project / "stats.py").read_text(encoding="utf-8")
    assert '"""' in nbformat.read(str(project / "analysis.ipynb"), as_version=4).cells[0].source
    _git(project, "add", "-A")
    clean = run("run", "--all-files")
    assert clean.returncode == 0, clean.stdout + clean.stderr
