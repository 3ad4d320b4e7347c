"""Settings, resolved once (explicit > IPython config > environment > defaults) into one immutable object."""

from __future__ import annotations

import json
import math
import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from docgen_magic.core.errors import SettingsError
from docgen_magic.core.options import DEFAULT_CONCURRENCY, RunOptions
from docgen_magic.infra.redact import redact, register_secret

STYLES = ("google", "numpy", "sphinx")
PROVIDERS = ("auto", "offline", "azure", "openai")
DEFAULT_API_VERSION = "2024-10-21"
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"


class Secret:
    """A credential that never shows itself in reprs, strings, logs or pickles."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        """Wrap a secret value.

        Args:
            value: The secret; only :meth:`reveal` gives it back.
        """
        self._value = value
        register_secret(value)  # masked in every message and log line from now on (when long enough)

    def reveal(self) -> str:
        """The secret value, for the one place that needs it (the SDK client).

        Returns:
            The raw credential.
        """
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> Any:
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True)
class Prices:
    """A user-supplied price table, in currency units per one million tokens.

    Attributes:
        prompt: Price of one million prompt tokens.
        completion: Price of one million completion tokens.
        cached_prompt: Price of one million cached prompt tokens (defaults to the prompt price).
        currency: Currency label shown next to the cost.
    """

    prompt: float
    completion: float
    cached_prompt: float | None = None
    currency: str = "USD"

    def cost(self, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0) -> float:
        """Estimate the cost of the given token counts.

        Args:
            prompt_tokens: Prompt tokens, cached ones included.
            completion_tokens: Completion tokens.
            cached_tokens: The part of the prompt tokens served from the provider's cache.

        Returns:
            The cost in ``currency``.
        """
        cached_price = self.prompt if self.cached_prompt is None else self.cached_prompt
        fresh = max(prompt_tokens - cached_tokens, 0)
        return (fresh * self.prompt + cached_tokens * cached_price + completion_tokens * self.completion) / 1e6


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know, already resolved.

    Attributes:
        style: Docstring style: google, numpy or sphinx.
        provider: Requested provider: auto, offline, azure or openai.
        model: Model name (OpenAI) or deployment name (Azure); None for the provider's default.
        azure_endpoint: Azure OpenAI resource endpoint.
        azure_api_key: Azure OpenAI key; None to use Microsoft Entra ID.
        api_version: Azure OpenAI API version.
        openai_api_key: OpenAI (or compatible server) key.
        openai_base_url: Base URL of an OpenAI-compatible server.
        cache_dir: Cache folder; None for the user cache dir.
        use_cache: Whether to read and write the cache.
        concurrency: Requests in flight at once.
        max_attempts: Model attempts per target (first answer plus refinements).
        timeout: Seconds before one request times out.
        max_retries: SDK retries for transport faults.
        width: Line width of rendered docstrings.
        overwrite: Replace existing docstrings.
        nested_functions: Also document functions nested inside functions.
        strict: Use OpenAI strict mode for the tool schema.
        max_completion_tokens: Completion token cap per request.
        send_temperature: Send temperature 0 (some reasoning models reject any temperature).
        token_budget: Stop before total tokens would exceed this; None for no budget.
        prices: Price table for a cost estimate; None for no estimate.
        sources: Where each non-default setting came from (name -> explicit/config/environment VAR).
    """

    style: str = "google"
    provider: str = "auto"
    model: str | None = None
    azure_endpoint: str | None = None
    azure_api_key: Secret | None = None
    api_version: str = DEFAULT_API_VERSION
    openai_api_key: Secret | None = None
    openai_base_url: str | None = None
    cache_dir: str | None = None
    use_cache: bool = True
    concurrency: int = DEFAULT_CONCURRENCY
    max_attempts: int = 3
    timeout: float = 60.0
    max_retries: int = 3
    width: int = 88
    overwrite: bool = False
    nested_functions: bool = False
    strict: bool = True
    max_completion_tokens: int = 1024
    send_temperature: bool = False
    token_budget: int | None = None
    prices: Prices | None = None
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    def __repr__(self) -> str:
        """Every setting, endpoints without user info or query and keys hidden.

        Returns:
            The representation.
        """
        shown = []
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name in URL_SETTINGS:
                value = shown_url(value)
            if item.name != "sources":
                shown.append(f"{item.name}={value!r}")
        return f"Settings({', '.join(shown)})"

    __str__ = __repr__

    def with_changes(self, **changes: Any) -> Settings:
        """A copy with some settings replaced explicitly.

        Args:
            **changes: Setting names and their new values.

        Returns:
            The new settings, with the changed names recorded as explicit.
        """
        converted = {name: _convert(name, value) for name, value in changes.items()}
        sources = dict(self.sources) | dict.fromkeys(converted, "explicit")
        return replace(self, **converted, sources=sources)

    def run_options(self) -> RunOptions:
        """Return what the core needs of these settings (no credentials, endpoints or prices).

        Returns:
            The run options.
        """
        return RunOptions(style=self.style, width=self.width, overwrite=self.overwrite,
                          nested_functions=self.nested_functions, max_attempts=self.max_attempts,
                          strict=self.strict, max_completion_tokens=self.max_completion_tokens,
                          concurrency=self.concurrency, token_budget=self.token_budget)

    def source_of(self, name: str) -> str:
        """Where a setting came from.

        Args:
            name: A setting name.

        Returns:
            ``explicit``, ``config``, ``environment (VAR)`` or ``default``.
        """
        return self.sources.get(name, "default")

    def resolved_cache_dir(self) -> str:
        """The cache folder: the configured one, or the user cache dir.

        Returns:
            An absolute path.
        """
        if self.cache_dir:
            return os.path.abspath(os.path.expanduser(self.cache_dir))
        import platformdirs

        return platformdirs.user_cache_dir("docgen_magic")


# Environment variables per setting, highest priority first: DOCGEN_* overrides the standard names.
ENVIRONMENT: dict[str, tuple[str, ...]] = {
    "style": ("DOCGEN_STYLE",),
    "provider": ("DOCGEN_PROVIDER",),
    "model": ("DOCGEN_MODEL", "AZURE_OPENAI_DEPLOYMENT", "OPENAI_MODEL"),
    "azure_endpoint": ("DOCGEN_AZURE_ENDPOINT", "AZURE_OPENAI_ENDPOINT"),
    "azure_api_key": ("DOCGEN_AZURE_API_KEY", "AZURE_OPENAI_API_KEY"),
    "api_version": ("DOCGEN_API_VERSION", "OPENAI_API_VERSION"),
    "openai_api_key": ("DOCGEN_OPENAI_API_KEY", "OPENAI_API_KEY"),
    "openai_base_url": ("DOCGEN_OPENAI_BASE_URL", "OPENAI_BASE_URL"),
    "cache_dir": ("DOCGEN_CACHE_DIR",),
    "use_cache": ("DOCGEN_USE_CACHE",),
    "concurrency": ("DOCGEN_CONCURRENCY",),
    "max_attempts": ("DOCGEN_MAX_ATTEMPTS",),
    "timeout": ("DOCGEN_TIMEOUT",),
    "max_retries": ("DOCGEN_MAX_RETRIES",),
    "width": ("DOCGEN_WIDTH",),
    "strict": ("DOCGEN_STRICT",),
    "max_completion_tokens": ("DOCGEN_MAX_COMPLETION_TOKENS",),
    "token_budget": ("DOCGEN_TOKEN_BUDGET",),
    "prices": ("DOCGEN_PRICES",),
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


URL_SETTINGS = frozenset({"azure_endpoint", "openai_base_url"})
"""Settings holding an endpoint URL (shown only through :func:`shown_url`)."""


def shown_url(url: str | None) -> str | None:
    """An endpoint as it may be shown or logged: without ``user:password@``, query or fragment.

    Args:
        url: An endpoint or base URL, or None.

    Returns:
        The URL with credentials and query removed, or None.
    """
    if not url:
        return url
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:  # not a URL Python can split: the text rules still remove what they recognise
        return redact(url).split("#", 1)[0]
    host = parts.netloc.rsplit("@", 1)[-1]
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


def _parse_url(name: str, value: Any) -> str | None:
    """An endpoint setting, checked so that a malformed one fails here in one line, not inside the SDK."""
    text = str(value).strip()
    if not text:
        return None
    try:
        parts = urllib.parse.urlsplit(text)
        parts.port  # noqa: B018 - raises for a port out of range or not a number
    except ValueError as exc:
        raise SettingsError(f"setting {name}: not a usable URL ({exc}): {shown_url(text)}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"setting {name}: expected an http(s) URL such as https://NAME.openai.azure.com, "
                            f"got {shown_url(text)!r}")
    return text


def _parse_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise SettingsError(f"setting {name}: expected true or false, got {value!r}")


def _parse_number(name: str, value: Any, kind: type, *, minimum: int = 1) -> Any:
    try:
        number = kind(value)
    except (TypeError, ValueError, OverflowError):
        raise SettingsError(f"setting {name}: expected a number, got {value!r}") from None
    if not math.isfinite(number):
        raise SettingsError(f"setting {name}: expected a finite number, got {value!r}")
    if number < minimum if kind is int else number <= 0:
        limit = "positive" if minimum == 1 else f"{minimum} or more"
        raise SettingsError(f"setting {name}: must be {limit}, got {value!r}")
    return number


def parse_prices(value: Any) -> Prices:
    """Read a price table from JSON text, a mapping or ``prompt=..,completion=..`` text.

    Args:
        value: The table, e.g. ``{"prompt": 0.15, "completion": 0.6}`` (per million tokens).

    Returns:
        The prices.

    Raises:
        SettingsError: The table cannot be read.
    """
    if isinstance(value, Prices):
        return value
    data: Any = value
    if isinstance(value, str):
        text = value.strip()
        try:
            data = json.loads(text) if text.startswith("{") else dict(
                part.split("=", 1) for part in text.split(",") if part.strip())
        except ValueError:
            raise SettingsError(f"setting prices: cannot read {value!r}") from None
    if not isinstance(data, Mapping):
        raise SettingsError(f"setting prices: expected a mapping, got {value!r}")
    try:
        return Prices(
            prompt=float(data["prompt"]),
            completion=float(data["completion"]),
            cached_prompt=None if data.get("cached_prompt") is None else float(data["cached_prompt"]),
            currency=str(data.get("currency", "USD")),
        )
    except (KeyError, TypeError, ValueError):
        raise SettingsError("setting prices: needs numeric 'prompt' and 'completion' per million tokens") from None


def _convert(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "style":
        style = str(value).strip().lower()
        if style not in STYLES:
            raise SettingsError(f"setting style: expected one of {', '.join(STYLES)}, got {value!r}")
        return style
    if name == "provider":
        provider = str(value).strip().lower()
        if provider not in PROVIDERS:
            raise SettingsError(f"setting provider: expected one of {', '.join(PROVIDERS)}, got {value!r}")
        return provider
    if name in ("azure_api_key", "openai_api_key"):
        if isinstance(value, Secret):
            return value
        return Secret(str(value)) if str(value) else None
    if name in ("use_cache", "overwrite", "nested_functions", "strict", "send_temperature"):
        return _parse_bool(name, value)
    if name in ("concurrency", "max_attempts", "width", "max_completion_tokens", "token_budget"):
        return _parse_number(name, value, int)
    if name == "max_retries":
        return _parse_number(name, value, int, minimum=0)
    if name == "timeout":
        return _parse_number(name, value, float)
    if name == "prices":
        return parse_prices(value)
    if name in URL_SETTINGS:
        return _parse_url(name, value)
    return str(value) if str(value) else None


SETTING_NAMES = tuple(f.name for f in fields(Settings) if f.name != "sources")


def resolve_settings(
    explicit: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve settings once: explicit beats config beats environment beats defaults.

    Args:
        explicit: Values given for this run (keyword arguments, command-line or magic options); None values
            count as not given.
        config: Values from IPython configuration (traitlets); None values count as not given.
        environ: The environment; ``os.environ`` when None.

    Returns:
        The resolved settings, with the origin of every non-default value in ``sources``.

    Raises:
        SettingsError: A value cannot be used, or a name is unknown.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, variables in ENVIRONMENT.items():
        for variable in variables:
            if environ.get(variable, "").strip():
                values[name] = _convert(name, environ[variable].strip())
                sources[name] = f"environment ({variable})"
                break
    for origin, layer in (("config", config or {}), ("explicit", explicit or {})):
        for name, value in layer.items():
            if name not in SETTING_NAMES:
                raise SettingsError(f"unknown setting {name!r}")
            if value is None:
                continue
            values[name] = _convert(name, value)
            sources[name] = origin
    return Settings(**values, sources=sources)
