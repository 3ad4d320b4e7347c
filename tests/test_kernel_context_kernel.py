"""Kernel context in a real ipykernel: cells build a DataFrame and a numpy array and call the notebook's functions
with them (positional, keyword, method, loop variable); %%docgen on the defining cell writes what was seen
(offline) or sends it (the loopback fake), and a value planted in the data never leaves the kernel.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import FAKE_KEY, kernel_env
from tests.fake_openai import FakeOpenAI
from tests.test_magic_kernel import Kernel, review_of

pytestmark = [pytest.mark.kernel, pytest.mark.timeout(300)]

PLANTED = "PLANTED-9K-value"

DEFINING = '''def clean(df, col):
    return df.dropna(subset=[col])


def scale(values, factor=2.0):
    return values * factor


class Meter:
    def push(self, x):
        return x
'''

DATA = f'''import numpy as np
import pandas as pd

sales = pd.DataFrame({{"city": ["Oslo", "{PLANTED}"], "month": [1, 2], "temp_c": [3.5, 4.0]}})
weights = np.linspace(0.0, 1.0, 12).reshape(4, 3)
notes = {{"{PLANTED}": 1, "other words here": 2}}
clean(sales, "temp_c")
m = Meter()
m.push(x=weights)
for name, part in {{"north": weights}}.items():
    scale(part, factor=0.5)
'''


def prepare(kernel: Kernel) -> None:
    """Run the defining cell and the data cell, as a user would."""
    kernel.ok(DEFINING)
    kernel.ok(DATA)


def everything(kernel: Kernel) -> str:
    """Every output the kernel sent (displays, streams, results, errors, comm messages), as text.

    The echo of the executed code (``execute_input``) is left out: the data cell itself holds the value.
    """
    return json.dumps([m["content"] for m in kernel.all if m["msg_type"] != "execute_input"], default=str)


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kernel]:
    session = Kernel(kernel_env(tmp_path_factory.mktemp("context-offline")))
    try:
        session.ok("%load_ext docgen_magic")
        prepare(session)
        yield session
    finally:
        session.close()


def test_offline_docgen_on_the_defining_cell_writes_the_types_and_columns(offline: Kernel) -> None:
    offline.ok("%%docgen --provider offline -o r\n" + DEFINING)
    code = offline.ok("print(' '.join(r.code.split()))").stdout
    assert "df (pandas.DataFrame): Frame with columns city" in code and "temp_c (float64)." in code
    assert "col (str):" in code
    assert "x (numpy.ndarray): Array of float64 (seen with shape (4, 3))." in code  # m.push(x=weights)
    assert "values (numpy.ndarray): Array of float64 (seen with shape (4, 3))." in code  # loop variable
    assert "factor (float):" in code
    shown = offline.run("%%docgen --provider offline\n" + DEFINING)
    assert "# clean, from the kernel: 1 call seen; df: pandas.DataFrame with columns city" in shown.text
    review = review_of(shown.final_bundle)
    clean = next(t for t in review["targets"] if t["name"] == "clean")
    assert clean["kernel"][1].startswith("df: pandas.DataFrame with columns city")
    assert "from the kernel: 1 call seen; df: pandas.DataFrame" in clean["detail"]
    assert PLANTED not in everything(offline) and "Oslo" not in shown.text


def test_docgen_context_lists_what_would_be_used_for_the_last_cell(offline: Kernel) -> None:
    offline.ok(DEFINING)
    text = offline.run("%docgen context").text
    assert "for In[" in text and "clean:" in text and "df: pandas.DataFrame with columns city" in text
    assert "sent to a model: Seen in this kernel: df: pandas.DataFrame" in text
    assert "Meter.push:" in text and "x: numpy.ndarray of float64, shape (4, 3)" in text
    off = offline.run("%docgen context --kernel-context off").text
    assert "kernel_context is off" in off
    assert PLANTED not in everything(offline)


def test_check_says_a_frame_is_not_mentioned(offline: Kernel) -> None:
    documented = ('def clean(df, col):\n    """Drop the rows missing a value.\n\n    Args:\n'
                  '        df: Rows to clean, one order each.\n        col: The column that must be set.\n\n'
                  '    Returns:\n        The rows kept.\n    """\n    return df.dropna(subset=[col])\n')
    text = offline.run("%%docgen --check\n" + documented).text
    assert "df (seen called with a DataFrame)" in text


def test_kernel_context_off_writes_what_the_code_alone_gives(offline: Kernel) -> None:
    offline.ok("%%docgen --provider offline --kernel-context off -o off_result\n" + DEFINING)
    off = offline.ok("print(off_result.code)").stdout
    offline.ok("from docgen_magic import document as _document")
    alone = offline.ok(f"print(_document({DEFINING!r}, provider='offline').code)").stdout
    assert off == alone and "pandas" not in off


def test_the_request_carries_the_context_line_and_no_value(tmp_path: Path) -> None:
    with FakeOpenAI(api_key=FAKE_KEY) as fake:
        env = kernel_env(tmp_path, AZURE_OPENAI_ENDPOINT=fake.url, AZURE_OPENAI_API_KEY=FAKE_KEY,
                         AZURE_OPENAI_DEPLOYMENT="docgen-test")
        kernel = Kernel(env)
        try:
            kernel.ok("%load_ext docgen_magic")
            prepare(kernel)
            kernel.ok("%%docgen\n" + DEFINING)
            sent = json.dumps([r.get("body") for r in fake.requests])
            assert "Seen in this kernel: df: pandas.DataFrame with columns city" in sent
            assert "x: numpy.ndarray of float64, shape (4, 3)" in sent
            assert PLANTED not in sent and "Oslo" not in sent and "other words" not in sent
            assert PLANTED not in everything(kernel)
            cache = tmp_path / "cache"
            stored = "".join(p.read_bytes().decode("utf-8", "replace") for p in cache.rglob("*") if p.is_file())
            assert stored and PLANTED not in stored
        finally:
            kernel.close()
