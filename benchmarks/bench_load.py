"""How much ``%load_ext docgen_magic`` adds to a fresh IPython process (goal: < 150 ms), measured, not asserted.

Three measures, each the median over fresh subprocesses (nothing cached in ``sys.modules``):

* in process: ``perf_counter`` around ``ip.run_line_magic("load_ext", "docgen_magic")`` right after the shell
  starts, so only what the extension itself costs;
* whole process: wall time of ``python -c "<start a shell>; load_ext"`` minus the same without ``load_ext``
  (includes interpreter noise; the ratio is with / without);
* first ``%%docgen`` (offline, one function): where the lazy imports (pipeline, renderers) are paid.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

from common import ROOT, table

RUNS = 9

SHELL = "from IPython.core.interactiveshell import InteractiveShell; ip = InteractiveShell.instance()\n"
IN_PROCESS = SHELL + """\
import json, sys, time
start = time.perf_counter()
ip.run_line_magic("load_ext", "docgen_magic")
loaded = time.perf_counter() - start
heavy = [m for m in ("openai", "diskcache", "ipywidgets", "docgen_magic.core.pipeline") if m in sys.modules]
start = time.perf_counter()
ip.run_cell_magic("docgen", "--provider offline --no-cache", "def add(a, b):\\n    return a + b\\n")
first = time.perf_counter() - start
print(json.dumps({"load": loaded, "first": first, "heavy": heavy}))
"""
WITHOUT = SHELL
WITH = SHELL + 'ip.run_line_magic("load_ext", "docgen_magic")\n'


def _env() -> dict[str, str]:
    """An environment without model configuration, so the first run stays offline.

    Returns:
        The environment.
    """
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("AZURE_OPENAI", "OPENAI_", "DOCGEN_"))} | {"PYTHONPATH": str(ROOT)}


def _wall(code: str) -> float:
    """Wall time of one fresh interpreter running ``code``.

    Args:
        code: The program.

    Returns:
        Seconds.
    """
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, env=_env())
    return time.perf_counter() - start


def main() -> list[tuple[str, str, str]]:
    """Run the measures and print their table.

    Returns:
        The table rows.
    """
    loads, firsts, heavy = [], [], set()
    for _ in range(RUNS):
        out = subprocess.run([sys.executable, "-c", IN_PROCESS], check=True, capture_output=True, text=True,
                             env=_env()).stdout
        data = json.loads(out.strip().splitlines()[-1])
        loads.append(data["load"])
        firsts.append(data["first"])
        heavy.update(data["heavy"])
    _wall(WITHOUT)  # warm the file system cache
    without, with_ext = [], []
    for _ in range(RUNS):  # interleaved, so drift affects both alike
        without.append(_wall(WITHOUT))
        with_ext.append(_wall(WITH))
    base, loaded = statistics.median(without), statistics.median(with_ext)
    rows = [
        (f"%load_ext docgen_magic, in process (median of {RUNS} fresh processes)",
         f"{statistics.median(loads) * 1000:.1f} ms", "< 150 ms"),
        ("  heavy modules imported by %load_ext", ", ".join(sorted(heavy)) or "none", "none"),
        ("fresh IPython process, without / with %load_ext",
         f"{base * 1000:.0f} / {loaded * 1000:.0f} ms (+{(loaded - base) * 1000:.0f} ms, x{loaded / base:.2f})",
         "+ < 150 ms"),
        ("first %%docgen after loading (offline, 1 function; lazy imports)",
         f"{statistics.median(firsts) * 1000:.0f} ms", ""),
    ]
    print(table(rows))
    return rows


if __name__ == "__main__":
    main()
