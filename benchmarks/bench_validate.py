"""CPU per target on the model path: reading, schema-checking, fact-checking and conforming an answer.

Measured with ``time.process_time`` (CPU, not wall) over the targets of a synthetic cell, answers being the
offline drafts serialised as a model would send them. Two measures: the answer check alone (parse, schema,
facts, conform) and the whole generate → validate loop for one target with an in-process model-like
provider (no network). Also the one-off cost of importing ``jsonschema`` and compiling the validators in a
fresh process (paid off the event loop, while the first request is in flight).

Runs against whichever docgen_magic is first on ``sys.path`` (the benchmarks put this checkout first), so
the same script measures before and after a change.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import statistics
import subprocess
import sys
import time
from typing import Any

from common import ROOT, synthetic_cell, table

from docgen_magic.core.cell import parse_cell
from docgen_magic.core.facts import extract_targets
from docgen_magic.core.model import Docstring
from docgen_magic.core.refine import generate_docstring
from docgen_magic.core.usage import Usage
from docgen_magic.core.validate import conform, parse_arguments, validate
from docgen_magic.providers.offline import template

try:
    from docgen_magic.core.ports import GenerationRequest, Reply
except ImportError:  # before core/ports.py
    from docgen_magic.providers.base import GenerationRequest, Reply  # type: ignore[no-redef]

REPEAT = 7


class ModelLike:
    """Answers like a model (not a template, so the schema is checked), instantly, from prepared JSON."""

    name, model, is_template = "bench", "bench", False

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers

    async def generate(self, request: GenerationRequest) -> Reply:
        return Reply(arguments=self.answers[request.target.qualname],
                     usage=Usage(requests=1, prompt_tokens=100, completion_tokens=50, total_tokens=150))

    async def aclose(self) -> None:
        return None


def _cpu_per_target(run: Any, count: int) -> float:
    samples = []
    run()  # warm-up (imports, compiled validators)
    for _ in range(REPEAT):
        start = time.process_time()
        run()
        samples.append((time.process_time() - start) / count)
    return statistics.median(samples)


def answer_check(targets: list[Any], answers: dict[str, str]) -> None:
    for target in targets:
        data, problems = parse_arguments(answers[target.qualname])
        assert not problems and not validate(data, target, strict=True), target.qualname
        conform(Docstring.from_dict(data), target)


def refine_loop(targets: list[Any], provider: ModelLike) -> None:
    async def all_targets() -> None:
        for target in targets:
            generation = await _generate(target, provider)
            assert generation.docstring is not None, generation.error

    asyncio.run(all_targets())


_TAKES_OPTIONS = "options" in inspect.signature(generate_docstring).parameters  # once: it costs ~15 µs a call


async def _generate(target: Any, provider: ModelLike) -> Any:
    if _TAKES_OPTIONS:
        return await generate_docstring(target, provider)  # default RunOptions
    return await generate_docstring(target, provider, max_attempts=3)  # type: ignore[call-arg]


def import_cost() -> str:
    """The one-off cost of the schema check's library in a fresh process, or why there is none."""
    code = ("import sys, time; s = time.perf_counter()\n"
            "import docgen_magic.core.validate as v\n"
            "prepare = getattr(v, 'prepare_schema_check', None)\n"
            "prepare and prepare()\n"
            "print((time.perf_counter() - s) * 1000, prepare is not None, 'rfc3987_syntax' in sys.modules)")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           cwd=ROOT).stdout.split() for _ in range(5)]
    if runs[0][1] == "False":
        return "none (hand-written check)"
    grammar = "built" if runs[0][2] == "True" else "not built"
    return f"{statistics.median(float(r[0]) for r in runs):.0f} ms (rfc3987_syntax grammar {grammar})"


def main() -> list[tuple[str, str, str]]:
    """Run the measures and print their table.

    Returns:
        The table rows.
    """
    targets = extract_targets(parse_cell(synthetic_cell(200, seed="validate")))
    answers = {t.qualname: json.dumps(template(t)) for t in targets}
    check = _cpu_per_target(lambda: answer_check(targets, answers), len(targets))
    loop = _cpu_per_target(lambda: refine_loop(targets, ModelLike(answers)), len(targets))
    rows = [
        (f"answer check per target (parse + schema + facts + conform; {len(targets)} targets, CPU)",
         f"{check * 1e6:.0f} µs", ""),
        ("generate → validate loop per target, in-process model-like provider (CPU)", f"{loop * 1e6:.0f} µs", ""),
        ("schema library import + validators, fresh process (once, off the event loop)", import_cost(), ""),
    ]
    print(table(rows))
    return rows


if __name__ == "__main__":
    main()
