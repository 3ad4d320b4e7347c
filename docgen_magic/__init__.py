"""docgen_magic: docstrings for the Python code in notebook cells, validated against the code.

``%load_ext docgen_magic`` then ``%%docgen`` on a cell; or ``docgen_magic.document(source)`` from Python;
or the ``docgen`` command. Heavy imports wait until first use so loading the extension stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from docgen_magic.api import check, document, document_async
    from docgen_magic.core.result import Result

__all__ = [
    "Result",
    "__version__",
    "check",
    "document",
    "document_async",
    "load_ipython_extension",
    "unload_ipython_extension",
]

_LAZY = {
    "document": "docgen_magic.api",
    "document_async": "docgen_magic.api",
    "check": "docgen_magic.api",
    "Result": "docgen_magic.core.result",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'docgen_magic' has no attribute {name!r}")


def load_ipython_extension(ipython: Any) -> None:
    """Register the ``%%docgen`` and ``%docgen`` magics (``%load_ext docgen_magic``).

    Args:
        ipython: The InteractiveShell.
    """
    from docgen_magic.magic import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """Remove the magics (``%unload_ext docgen_magic``).

    Args:
        ipython: The InteractiveShell.
    """
    from docgen_magic.magic import unload_ipython_extension as unload

    unload(ipython)
