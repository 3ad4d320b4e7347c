"""The exit statuses of ``docgen``, for one file and many alike."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ExitCode"]


class ExitCode(IntEnum):
    """What the exit status says.

    Attributes:
        OK: Every target was documented or skipped; ``--check`` found nothing missing.
        FAILED: A target failed (the others are still applied), a write was refused (the file changed since it
            was read) or ``--check`` found gaps.
        INPUT: A path could not be read, parsed or written, or an option cannot be used.
        INTERRUPTED: Stopped with Ctrl-C (128 + SIGINT, as shells report it).
        BROKEN_PIPE: The reader of standard output went away (128 + SIGPIPE, like a killed ``cat``).
    """

    OK = 0
    FAILED = 1
    INPUT = 2
    INTERRUPTED = 130
    BROKEN_PIPE = 141
