"""docgen_magic.kernel.runtime against a real ipykernel whose frontend is a plain jupyter_client (no extension).

Covers what the browser tests cannot see directly: the cell id read from the execute request, and the module
staying light when imported.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from kernel_client import KernelSession, kernel_session

from docgen_magic.kernel import runtime

pytestmark = [pytest.mark.kernel, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def kernel() -> Iterator[KernelSession]:
    """One real kernel shared by the tests of this module."""
    with kernel_session() as session:
        yield session


def test_import_is_light() -> None:
    """Importing the kernel runtime pulls in neither IPython, ipykernel nor comm."""
    code = (
        "import sys, docgen_magic.kernel.runtime\n"
        "print(sorted(m for m in ('IPython', 'ipykernel', 'comm') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_outside_a_kernel_there_is_no_cell_and_no_target() -> None:
    """Outside an ipykernel there is no cell id, and no comm target can be registered."""
    assert runtime.current_cell_id() is None
    assert runtime.register_run_target("docgen_magic.test", lambda comm, data: None) is False


def test_current_cell_id_reads_execute_metadata(kernel: KernelSession) -> None:
    """The cell id comes from the execute request's ``cellId`` metadata, None when absent."""
    code = "from docgen_magic.kernel import runtime; print(runtime.current_cell_id())"
    assert kernel.execute(code, metadata={"cellId": "a1b2-c3"}).strip() == "a1b2-c3"
    assert kernel.execute(code).strip() == "None"
    assert kernel.execute(code, metadata={"cellId": 7}).strip() == "None"
