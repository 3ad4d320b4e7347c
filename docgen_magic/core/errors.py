"""The one error tree: every error docgen_magic raises to a caller derives from :class:`DocgenError`.

Callers catch ``DocgenError`` for "docgen could not do it" or a subclass for one cause. The tree lives in the
core (it imports nothing) so the core, the providers and the shells all raise the same types.
"""

from __future__ import annotations


class DocgenError(Exception):
    """Base of every error docgen_magic reports; its text is one line fit to show a user (never a secret)."""


class CellSyntaxError(DocgenError):
    """The cell does not parse as (IPython-flavoured) Python.

    Attributes:
        message: What is wrong, as the compiler said it.
        lineno: 1-based line in the user's original cell text.
        cell: 0-based position of the cell among the cells of a multi-cell run, else None.
    """

    def __init__(self, message: str, lineno: int) -> None:
        """Create the error.

        Args:
            message: What is wrong.
            lineno: 1-based line in the user's original cell text.
        """
        super().__init__(f"line {lineno}: {message}")
        self.message = message
        self.lineno = lineno
        self.cell: int | None = None

    def describe(self, source: str = "", *, line_offset: int = 0, where: str | None = None) -> str:
        """Say what is wrong in one line: where, the offending line's text, the compiler's message.

        The one wording of a syntax error, for the magic, the review's requests and the command line.

        Args:
            source: The text that was parsed; its offending line is quoted (shortened) when it is not blank.
            line_offset: Added to :attr:`lineno` (the cell's lines above the text, e.g. a ``%%docgen`` line).
            where: A file name: the line is then located as compilers do (``where:line: ...``).

        Returns:
            e.g. ``syntax error on cell line 3 in `def f(:`: invalid syntax``, or with ``where``
            ``a.py:3: syntax error in `def f(:`: invalid syntax``.
        """
        lines = source.splitlines()
        shown = ""
        if 1 <= self.lineno <= len(lines) and lines[self.lineno - 1].strip():
            text = lines[self.lineno - 1].strip()
            shown = f" in `{text if len(text) <= 60 else text[:57] + '...'}`"
        line = self.lineno + line_offset
        head = f"syntax error on cell line {line}" if where is None else f"{where}:{line}: syntax error"
        return f"{head}{shown}: {self.message}"


class SettingsError(DocgenError, ValueError):
    """A setting has a value that cannot be used, or a provider lacks a setting it needs."""


class InputError(DocgenError):
    """An input cannot be used: a file cannot be read, is not text, or is not a notebook."""


class FileError(InputError):
    """A file cannot be read, decoded or written; the message names the file and the cause."""


class WriteConflictError(FileError):
    """The file changed on disk after it was read (or was removed); nothing was written."""


class ProviderError(DocgenError):
    """A request to a provider failed for good (after the SDK's own retries).

    Attributes:
        fatal: True when every further request would fail the same way (bad key, bad endpoint, a setting the
            server rejects), so a run stops asking; False for a fault of this one request.
        status: The HTTP status the API answered with, or None when no answer came (timeout, no connection):
            an answered request counts in the usage as a rejected request.
    """

    fatal = False

    def __init__(self, message: str, *, fatal: bool | None = None, status: int | None = None) -> None:
        """Create the error.

        Args:
            message: One line naming the cause (never a secret).
            fatal: Override the class's ``fatal``; None keeps it.
            status: The HTTP status the API answered with, if it answered.
        """
        super().__init__(message)
        if fatal is not None:
            self.fatal = fatal
        self.status = status


class ProviderAuthenticationError(ProviderError):
    """The credentials were refused or are missing (401, 403, a failed Entra ID sign-in)."""

    fatal = True


class ProviderConfigurationError(ProviderError):
    """A setting is wrong for this server (404 deployment or model, a rejected parameter, no SDK installed)."""

    fatal = True


class ProviderTransientError(ProviderError):
    """One request failed (timeout, connection, rate limit, server error) after the SDK's retries; others may work."""


__all__ = [
    "CellSyntaxError",
    "DocgenError",
    "FileError",
    "InputError",
    "ProviderAuthenticationError",
    "ProviderConfigurationError",
    "ProviderError",
    "ProviderTransientError",
    "SettingsError",
    "WriteConflictError",
]
