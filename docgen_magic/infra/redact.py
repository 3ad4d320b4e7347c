"""Keeping credentials out of every message and log line: URL user info and queries, and known keys.

Three rules, applied by :func:`redact`:

* ``scheme://user:password@host`` loses its ``user:password@``;
* a URL loses its query string (``?api-key=...``, ``?sig=...``, and ``api-version`` with them);
* every registered secret (an API key from the settings) that stands as a whole token becomes ``***``.
  Keys shorter than :data:`MIN_MASKED_LENGTH` are not registered: masking them would mangle ordinary
  words that happen to contain them, so the user is warned about such keys instead.

:func:`install_log_redaction` puts a filter with these rules on the loggers of the HTTP stack and the
``openai`` SDK (which log request URLs at INFO and DEBUG) and on their handlers, and the CLI puts one on
its own handler, so that no verbosity shows a credential.
"""

from __future__ import annotations

import logging
import re
import threading

__all__ = ["MIN_MASKED_LENGTH", "RedactingFilter", "install_log_redaction", "redact", "register_secret"]

MIN_MASKED_LENGTH = 8
"""Shorter keys are never masked in text (they would match inside ordinary words)."""

_SCHEME = r"[A-Za-z][A-Za-z0-9+.\-]*://"
_USER_INFO = re.compile(rf"({_SCHEME})[^\s/?#@\"'<>]*@")
_QUERY = re.compile(rf"({_SCHEME}[^\s?#\"'<>]*)\?[^\s#\"'<>]*")
_LOGGER_PREFIXES = ("httpx", "httpcore", "openai", "azure", "docgen", "urllib3")

_lock = threading.Lock()
_secrets: set[str] = set()
_secret_pattern: re.Pattern[str] | None = None


def register_secret(value: str) -> bool:
    """Remember a credential so that :func:`redact` masks it wherever it appears as a whole token.

    Args:
        value: The secret.

    Returns:
        False when the value is too short to be masked safely (the caller should warn).
    """
    global _secret_pattern
    if len(value) < MIN_MASKED_LENGTH:
        return False
    with _lock:
        if value not in _secrets:
            _secrets.add(value)
            alternatives = "|".join(re.escape(s) for s in sorted(_secrets, key=len, reverse=True))
            _secret_pattern = re.compile(rf"(?<![A-Za-z0-9_\-])(?:{alternatives})(?![A-Za-z0-9_\-])")
    return True


def redact(text: str) -> str:
    """Remove URL user info and queries, and mask registered secrets.

    Args:
        text: Any text about to be shown or logged.

    Returns:
        The text without credentials.
    """
    if "://" in text:
        text = _QUERY.sub(r"\1", _USER_INFO.sub(r"\1", text))
    pattern = _secret_pattern
    if pattern is not None:
        text = pattern.sub("***", text)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that applies :func:`redact` to the message and to the formatted traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it.

        Args:
            record: The log record.

        Returns:
            True.
        """
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logging module's to report
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


_FILTER = RedactingFilter()


def install_log_redaction() -> None:
    """Put the redacting filter on the HTTP stack's, the SDK's and docgen's loggers and their handlers.

    A logger's filter only sees records logged to it (not those its children propagate), so every existing
    logger under those names gets it; handlers see everything that reaches them. Safe to call repeatedly.
    """
    manager = logging.Logger.manager
    names = [name for name in list(manager.loggerDict) if name.startswith(_LOGGER_PREFIXES)]
    for name in ["httpx", "httpx2", "httpcore", "httpcore2", "openai", *names]:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        for handler in logger.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)
