"""docgen_magic: docstrings for the Python code in notebook cells, validated against the code.

``%load_ext docgen_magic`` then ``%%docgen`` on a cell; or ``docgen_magic.document(source)`` from Python;
or the ``docgen`` command. Heavy imports wait until first use so loading the extension stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from docgen_magic.core.errors import (
    CellSyntaxError,
    DocgenError,
    FileError,
    InputError,
    ProviderAuthenticationError,
    ProviderConfigurationError,
    ProviderError,
    ProviderTransientError,
    SettingsError,
    WriteConflictError,
)

__version__ = "0.1.0"

if TYPE_CHECKING:
    from docgen_magic.api import (
        CheckReport,
        ProgressEvent,
        check,
        clear_cache,
        close,
        describe_provider,
        document,
        document_async,
        document_cells_async,
        document_cells_sync,
        session_usage,
    )
    from docgen_magic.core.result import Result, TargetOutcome
    from docgen_magic.core.usage import Usage
    from docgen_magic.settings import SettingOverrides, Settings, resolve_settings

__all__ = [
    "CellSyntaxError",
    "CheckReport",
    "DocgenError",
    "FileError",
    "InputError",
    "ProgressEvent",
    "ProviderAuthenticationError",
    "ProviderConfigurationError",
    "ProviderError",
    "ProviderTransientError",
    "Result",
    "SettingOverrides",
    "Settings",
    "SettingsError",
    "TargetOutcome",
    "Usage",
    "WriteConflictError",
    "__version__",
    "check",
    "clear_cache",
    "close",
    "describe_provider",
    "document",
    "document_async",
    "document_cells_async",
    "document_cells_sync",
    "load_ipython_extension",
    "resolve_settings",
    "session_usage",
    "unload_ipython_extension",
]

# Imported on first use, so that ``import docgen_magic`` and ``%load_ext docgen_magic`` stay light.
_LAZY = {
    **dict.fromkeys(("CheckReport", "ProgressEvent", "check", "clear_cache", "close", "describe_provider",
                     "document", "document_async", "document_cells_async", "document_cells_sync", "session_usage"),
                    "docgen_magic.api"),
    "Result": "docgen_magic.core.result",
    "TargetOutcome": "docgen_magic.core.result",
    "Usage": "docgen_magic.core.usage",
    "SettingOverrides": "docgen_magic.settings",
    "Settings": "docgen_magic.settings",
    "resolve_settings": "docgen_magic.settings",
}


def __getattr__(name: str) -> Any:
    """Return a public name from the module that defines it, importing that module on first use."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'docgen_magic' has no attribute {name!r}")


def load_ipython_extension(ipython: Any) -> None:
    """Register the ``%%docgen`` and ``%docgen`` magics (``%load_ext docgen_magic``).

    Args:
        ipython: The InteractiveShell.
    """
    from docgen_magic.kernel.magic import load_ipython_extension as load  # IPython's, only when loaded

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """Remove the magics (``%unload_ext docgen_magic``).

    Args:
        ipython: The InteractiveShell.
    """
    from docgen_magic.kernel.magic import unload_ipython_extension as unload  # IPython's, only when loaded

    unload(ipython)
