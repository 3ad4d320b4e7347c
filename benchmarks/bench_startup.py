"""Whole-process cost of the model path: one ``docgen FILE`` of one function against the loopback fake.

At 0 ms model latency the run is nearly all start-up: the interpreter, docgen's own modules, ``openai``
(imported when the client is made) and ``jsonschema`` with the two compiled validators (imported in a worker
thread while the first request is in flight; both imports hold the GIL, so their costs add up). Three
measures, each the median of fresh processes: the whole command, a process that only imports what that
command imports, and the bare interpreter. Wall time and the child's CPU (user + system) are both shown:
on a loaded machine the CPU is the steadier figure.

The command is ``python -m docgen_magic`` run in this checkout (not the installed ``docgen`` script, which
may belong to another checkout), so the same script measures before and after a change.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from common import ROOT, table

from tests.fake_openai import FakeOpenAI

KEY = "bench-key-not-secret"
REPEAT = 7
ONE_FUNCTION = "def scale(values: list[float], factor: float = 2.0) -> list[float]:\n" \
               "    return [v * factor for v in values]\n"
# What a model-path run imports, in one process (openai is imported by the chat provider when it makes the
# client; prepare_schema_check imports jsonschema and compiles the validators).
IMPORTS = ("import docgen_magic.cli, docgen_magic.api, docgen_magic.providers.chat, openai\n"
           "from docgen_magic.core.validate import prepare_schema_check\n"
           "prepare_schema_check()\n")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_runs(command: Sequence[str], env: dict[str, str] | None = None, repeat: int = REPEAT) -> tuple[float, float]:
    """Run a command in fresh processes (one untimed warm-up first).

    Args:
        command: The command line.
        env: The environment, or None for this one.
        repeat: Timed runs.

    Returns:
        The medians of wall time and of the child's CPU time, in seconds.
    """
    subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
    walls, cpus = [], []
    for _ in range(repeat):
        cpu, start = _children_cpu(), time.perf_counter()
        subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
        walls.append(time.perf_counter() - start)
        cpus.append(_children_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def _shown(wall: float, cpu: float) -> str:
    return f"{wall:.2f} s (CPU {cpu:.2f} s)"


def main() -> list[tuple[str, str, str]]:
    """Run the measures and print their table.

    Returns:
        The table rows.
    """
    with FakeOpenAI(api_key=KEY, latency=0.0) as fake, tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "one.py")
        path.write_text(ONE_FUNCTION)
        env = {**os.environ, "AZURE_OPENAI_ENDPOINT": fake.url, "AZURE_OPENAI_API_KEY": KEY,
               "AZURE_OPENAI_DEPLOYMENT": "bench-deployment", "DOCGEN_USE_CACHE": "0",
               "DOCGEN_CACHE_DIR": str(Path(folder, "cache"))}
        whole = timed_runs([sys.executable, "-m", "docgen_magic", str(path), "-q"], env)
        assert len(fake.responses) == REPEAT + 1, "every run should make exactly one request"
    imports = timed_runs([sys.executable, "-c", IMPORTS])
    bare = timed_runs([sys.executable, "-c", "pass"])
    rows = [
        ("`docgen FILE`, 1 function, model path (loopback fake, 0 ms latency), whole process", _shown(*whole), ""),
        ("  imports of that run alone (cli, api, chat provider, openai, jsonschema + validators), fresh process",
         _shown(*imports), ""),
        ("  bare interpreter (`python -c pass`)", _shown(*bare), ""),
    ]
    print(table(rows))
    return rows


if __name__ == "__main__":
    main()
