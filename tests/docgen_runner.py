"""Running ``docgen`` as users do, in a child process, with no model configured unless a test says so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MODEL_PREFIXES = ("AZURE_OPENAI", "OPENAI_", "DOCGEN_")
"""Environment variables that configure docgen or a model: never inherited from the machine running the tests."""


def env_without_model(**extra: str) -> dict[str, str]:
    """Return this process's environment without any model or docgen variable, plus ``extra``."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith(MODEL_PREFIXES)}, **extra}


def run_docgen(*args: str, env: dict[str, str] | None = None, stdin: Any = None, cwd: Path | None = None,
               timeout: float = 120, text: bool = True, **popen: Any) -> subprocess.CompletedProcess[Any]:
    """Run ``python -m docgen_magic ARGS`` and capture its output (``env`` adds to a model-free environment)."""
    return subprocess.run([sys.executable, "-m", "docgen_magic", *args], input=stdin, capture_output=True,
                          text=text, env=env_without_model(**(env or {})), cwd=cwd or ROOT, timeout=timeout, **popen)
