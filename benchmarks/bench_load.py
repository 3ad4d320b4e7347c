"""How much ``%load_ext docgen_magic`` adds to a fresh IPython process (goal: < 150 ms), measured, not asserted.

Three measures, each the median over fresh subprocesses (nothing cached in ``sys.modules``):

* in process: ``perf_counter`` around ``ip.run_line_magic("load_ext", "docgen_magic")`` right after the shell
  starts, so only what the extension itself costs;
* whole process: wall time of ``python -c "<start a shell>; load_ext"`` minus the same without ``load_ext``
  (includes interpreter noise; the ratio is with / without);
* first ``%%docgen`` (offline, one function): where the lazy imports (pipeline, renderers) are paid;
* in a real kernel (the issue's goal: "loading adds under 150 ms to a kernel"): a fresh ipykernel started with
  jupyter_client, ``perf_counter`` around ``%load_ext docgen_magic`` inside it, plus the execute round trip seen
  by the client for ``%load_ext`` minus that of an empty cell in the same kernel.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

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
IN_KERNEL = """\
import json, sys, time
start = time.perf_counter()
get_ipython().run_line_magic("load_ext", "docgen_magic")
loaded = time.perf_counter() - start
heavy = [m for m in ("openai", "diskcache", "ipywidgets", "docgen_magic.core.pipeline") if m in sys.modules]
print(json.dumps({"load": loaded, "heavy": heavy}))
"""
KERNEL_RUNS = 5


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


def _round_trip(client: Any, code: str) -> tuple[float, str]:
    """Execute one cell in a kernel and wait for it.

    Args:
        client: A started blocking kernel client.
        code: The cell.

    Returns:
        (seconds from the request to the reply, everything the cell printed).

    Raises:
        RuntimeError: The cell failed.
    """
    printed: list[str] = []

    def keep(message: dict[str, Any]) -> None:
        if message["msg_type"] == "stream":
            printed.append(message["content"]["text"])

    start = time.perf_counter()
    reply = client.execute_interactive(code, timeout=120, output_hook=keep)
    elapsed = time.perf_counter() - start
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"the kernel failed to run {code!r}: {reply['content'].get('evalue')}")
    return elapsed, "".join(printed)


def _in_kernel() -> tuple[float, float, set[str]]:
    """One fresh ipykernel: the in-kernel time of ``%load_ext`` and its round trip over an empty cell's.

    Returns:
        (in-kernel seconds, extra round-trip seconds, heavy modules imported).
    """
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", env=_env())
    try:
        _round_trip(client, "pass")  # warm the kernel's execute path
        empty, _ = _round_trip(client, "pass")
        loaded, printed = _round_trip(client, IN_KERNEL)
        data = json.loads(printed.strip().splitlines()[-1])
        return data["load"], loaded - empty, set(data["heavy"])
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


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
    kernel_loads, kernel_trips = [], []
    for _ in range(KERNEL_RUNS):
        in_kernel, trip, kernel_heavy = _in_kernel()
        kernel_loads.append(in_kernel)
        kernel_trips.append(trip)
        heavy.update(kernel_heavy)
    rows = [
        (f"%load_ext docgen_magic, in process (median of {RUNS} fresh processes)",
         f"{statistics.median(loads) * 1000:.1f} ms", "< 150 ms"),
        ("  heavy modules imported by %load_ext", ", ".join(sorted(heavy)) or "none", "none"),
        ("fresh IPython process, without / with %load_ext",
         f"{base * 1000:.0f} / {loaded * 1000:.0f} ms (+{(loaded - base) * 1000:.0f} ms, x{loaded / base:.2f})",
         "+ < 150 ms"),
        (f"%load_ext docgen_magic in a fresh ipykernel (median of {KERNEL_RUNS} kernels), in the kernel",
         f"{statistics.median(kernel_loads) * 1000:.1f} ms", "< 150 ms"),
        ("  the same, execute round trip seen by the client, over an empty cell's",
         f"+{statistics.median(kernel_trips) * 1000:.1f} ms", "< 150 ms"),
        ("first %%docgen after loading (offline, 1 function; lazy imports)",
         f"{statistics.median(firsts) * 1000:.0f} ms", ""),
    ]
    print(table(rows))
    return rows


if __name__ == "__main__":
    main()
