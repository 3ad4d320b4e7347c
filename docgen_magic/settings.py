"""The settings table and its resolution: each setting declared once, every surface generated from it.

Each field of :class:`Settings` declares one setting: its type (the annotation), its default, its environment
variables, its command-line / magic option, whether ``%config`` can set it, its help and whether it is a
secret. The ``docgen`` parser, the magic's options and traits, the environment reader and the ``%docgen``
status page are generated from that table. Settings resolve once: explicit > IPython config > environment >
defaults.
"""

from __future__ import annotations

import json
import math
import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, TypedDict

from docgen_magic.core.errors import SettingsError
from docgen_magic.core.options import KERNEL_CONTEXT_MODES, STYLES, RunOptions
from docgen_magic.infra.redact import redact, register_secret

PROVIDERS = ("auto", "offline", "azure", "openai")
STRUCTURED_OUTPUTS = ("auto", "tool", "json_schema", "json")
"""How a model is asked for its structured answer (``auto``: a forced tool call, then what the first answer
shows the server does)."""
DEFAULT_API_VERSION = "2024-10-21"
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"


@dataclass(frozen=True)
class Setting:
    """One row of the settings table: how a setting is read and where it can be set.

    Attributes:
        name: The setting's name (the ``Settings`` field, the keyword argument, the ``%config`` trait).
        kind: ``str``, ``bool``, ``int``, ``float``, ``secret`` or ``prices`` (from the field's annotation).
        default: The value used when no option, config or environment variable sets it.
        help: One line for people (option help, trait help, the status page).
        env: Environment variables that set it, highest priority first.
        flag: The command-line / magic option, e.g. ``--width``; a boolean's flag sets the opposite of its
            default.
        cli: Settable with ``flag`` on the ``docgen`` command line.
        magic: Settable with ``flag`` on the ``%%docgen`` line.
        trait: Settable with ``%config DocgenMagics.<name>`` and ``ipython_config.py``.
        secret: A credential: never shown, never an option or a trait.
        choices: The allowed values, when there is a fixed set.
        minimum: The smallest allowed value of a number.
        flag_help: What a boolean's flag does, when it turns the setting off (``--no-cache``).
        metavar: The option value's name in help; None for ``N`` (numbers) or the upper-cased name.
        url: An endpoint URL: checked when read, shown without user info or query.
    """

    name: str
    kind: str
    default: Any
    help: str
    env: tuple[str, ...] = ()
    flag: str | None = None
    cli: bool = False
    magic: bool = False
    trait: bool = False
    secret: bool = False
    choices: tuple[str, ...] = ()
    minimum: int = 1
    flag_help: str | None = None
    metavar: str | None = None
    url: bool = False

    def option_help(self) -> str:
        """Return the option's help: the description, its default and its environment variable.

        Returns:
            One line.
        """
        default = "" if self.default is None or self.kind == "bool" else f"default: {self.default}"
        env = f"env: {self.env[0]}" if self.env else ""
        extra = "; ".join(part for part in (default, env) if part)
        text = self.flag_help or self.help
        return f"{text} ({extra})" if extra else text


def _setting(default: Any, help: str, **declaration: Any) -> Any:
    """Declare one setting: its default and its row of the settings table (kept in the field's metadata)."""
    return field(default=default, metadata={"setting": {"help": help, **declaration}})


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
        """Return the secret value, for the one place that needs it (the SDK client).

        Returns:
            The raw credential.
        """
        return self._value

    def __repr__(self) -> str:
        """Return a fixed mask, never the value."""
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        """Compare two secrets by value (without showing either)."""
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        """Hash by value, like equality."""
        return hash(("Secret", self._value))

    def __reduce__(self) -> Any:
        """Refuse to pickle: a secret must not reach a file.

        Raises:
            TypeError: Always.
        """
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
            completion_tokens: Tokens the model wrote.
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
        concurrency: The most requests in flight at once (paced below it by the deployment's rate limits).
        max_attempts: Model attempts per target (first answer plus refinements).
        timeout: Seconds before one request times out.
        max_retries: SDK retries for transport faults.
        width: Line width of rendered docstrings.
        overwrite: Replace existing docstrings.
        update: Fill the gaps of existing docstrings (missing parameters and sections), keeping the author's
            text, removing parameters the code no longer has, in the docstring's own style.
        nested_functions: Also document functions nested inside functions.
        strict: Use OpenAI strict mode for the tool schema.
        structured_output: How the answer's JSON is asked for: auto, tool (a forced function call),
            json_schema (``response_format``) or json (in the message content).
        max_completion_tokens: Completion token cap per request.
        send_temperature: Send temperature 0 (some reasoning models reject any temperature).
        token_budget: Stop before total tokens would exceed this; None for no budget.
        prices: Price table for a cost estimate; None for no estimate.
        batch: Send each target's first request through the Batch API.
        batch_poll: Seconds between status polls of a batch.
        kernel_context: What a live kernel's objects may tell: off, types (types, dtypes, shapes, counts) or
            schema (also column names and record keys); never values.
        sources: Where each non-default setting came from (name -> explicit/config/environment VAR).
    """

    style: str = _setting(RunOptions.style, "docstring style", choices=STYLES, env=("DOCGEN_STYLE",),
                          flag="--style", cli=True, magic=True, trait=True)
    provider: str = _setting("auto", "where docstrings come from: auto (azure when its endpoint is set, then openai "
                             "when its key or base URL is set, else offline), offline, azure or openai",
                             choices=PROVIDERS, env=("DOCGEN_PROVIDER",), flag="--provider", cli=True, magic=True,
                             trait=True)
    model: str | None = _setting(None, "model name (OpenAI) or deployment name (Azure)",
                                 env=("DOCGEN_MODEL", "AZURE_OPENAI_DEPLOYMENT", "OPENAI_MODEL"), flag="--model",
                                 cli=True, magic=True, trait=True)
    azure_endpoint: str | None = _setting(None, "Azure OpenAI resource endpoint, e.g. https://NAME.openai.azure.com",
                                          env=("DOCGEN_AZURE_ENDPOINT", "AZURE_OPENAI_ENDPOINT"),
                                          flag="--azure-endpoint", cli=True, trait=True, metavar="URL", url=True)
    azure_api_key: Secret | None = _setting(None, "Azure OpenAI key (unset: Microsoft Entra ID sign-in)",
                                            env=("DOCGEN_AZURE_API_KEY", "AZURE_OPENAI_API_KEY"), secret=True)
    api_version: str = _setting(DEFAULT_API_VERSION, "Azure OpenAI API version",
                                env=("DOCGEN_API_VERSION", "OPENAI_API_VERSION"), flag="--api-version", cli=True,
                                trait=True, metavar="VERSION")
    openai_api_key: Secret | None = _setting(None, "OpenAI (or compatible server) key",
                                             env=("DOCGEN_OPENAI_API_KEY", "OPENAI_API_KEY"), secret=True)
    openai_base_url: str | None = _setting(None, "base URL of an OpenAI-compatible server (Ollama, vLLM)",
                                           env=("DOCGEN_OPENAI_BASE_URL", "OPENAI_BASE_URL"), flag="--base-url",
                                           cli=True, trait=True, metavar="URL", url=True)
    cache_dir: str | None = _setting(None, "docstring cache folder (unset: the user cache dir)",
                                     env=("DOCGEN_CACHE_DIR",), flag="--cache-dir", cli=True, magic=True, trait=True,
                                     metavar="DIR")
    use_cache: bool = _setting(True, "read and write the docstring cache", env=("DOCGEN_USE_CACHE",),
                               flag="--no-cache", flag_help="neither read nor write the docstring cache", cli=True,
                               magic=True, trait=True)
    concurrency: int = _setting(RunOptions.concurrency, "most requests in flight at once; paced below it by the "
                                "deployment's rate limits", env=("DOCGEN_CONCURRENCY",),
                                flag="--concurrency", cli=True, magic=True, trait=True)
    max_attempts: int = _setting(RunOptions.max_attempts, "model attempts per target (first answer plus "
                                 "refinements)", env=("DOCGEN_MAX_ATTEMPTS",), flag="--max-attempts", cli=True,
                                 magic=True, trait=True)
    timeout: float = _setting(60.0, "seconds before one request times out", env=("DOCGEN_TIMEOUT",),
                              flag="--timeout", cli=True, magic=True, trait=True, metavar="SECONDS")
    max_retries: int = _setting(3, "SDK retries for transport faults (5xx, timeouts, connection errors; 429s are "
                                "paced by the rate limiter)",
                                env=("DOCGEN_MAX_RETRIES",), flag="--max-retries", cli=True, magic=True, trait=True,
                                minimum=0)
    width: int = _setting(RunOptions.width, "line width of rendered docstrings", env=("DOCGEN_WIDTH",),
                          flag="--width", cli=True, magic=True, trait=True)
    overwrite: bool = _setting(RunOptions.overwrite, "replace existing docstrings too", env=("DOCGEN_OVERWRITE",),
                               flag="--overwrite", cli=True, magic=True, trait=True)
    update: bool = _setting(RunOptions.update, "fill the gaps of existing docstrings, keeping their authors' words "
                            "and style", env=("DOCGEN_UPDATE",), flag="--update", cli=True, magic=True, trait=True)
    nested_functions: bool = _setting(RunOptions.nested_functions, "also document functions nested inside "
                                      "functions", env=("DOCGEN_NESTED_FUNCTIONS",), flag="--nested", cli=True,
                                      magic=True, trait=True)
    strict: bool = _setting(RunOptions.strict, "send the tool schema in strict mode", env=("DOCGEN_STRICT",),
                            flag="--no-strict", flag_help="send the tool schema without strict mode (for servers "
                            "that reject it)", cli=True, magic=True, trait=True)
    structured_output: str = _setting("auto", "how the answer's JSON is asked for: auto (a forced tool call; JSON "
                                      "in the content when the first answer shows the server ignores tool_choice), "
                                      "tool, json_schema (response_format) or json (schema in the prompt)",
                                      choices=STRUCTURED_OUTPUTS, env=("DOCGEN_STRUCTURED_OUTPUT",),
                                      flag="--structured-output", cli=True, magic=True, trait=True)
    max_completion_tokens: int = _setting(RunOptions.max_completion_tokens, "completion token cap per request (a "
                                          "ceiling: each request asks for what its target needs)",
                                          env=("DOCGEN_MAX_COMPLETION_TOKENS",), flag="--max-completion-tokens",
                                          cli=True, magic=True, trait=True)
    send_temperature: bool = _setting(False, "send temperature 0 (some reasoning models reject any temperature)",
                                      env=("DOCGEN_SEND_TEMPERATURE",), flag="--send-temperature", cli=True,
                                      magic=True, trait=True)
    token_budget: int | None = _setting(RunOptions.token_budget, "stop asking before the run's tokens would "
                                        "exceed this", env=("DOCGEN_TOKEN_BUDGET",), flag="--token-budget",
                                        cli=True, magic=True, trait=True)
    prices: Prices | None = _setting(None, 'price table per million tokens for a cost estimate, e.g. '
                                     '\'{"prompt": 0.15, "completion": 0.6}\' or prompt=0.15,completion=0.6',
                                     env=("DOCGEN_PRICES",), flag="--prices", cli=True, magic=True, trait=True,
                                     metavar="TABLE")
    batch: bool = _setting(False, "send each target's first request through the Batch API (about half the price, "
                           "answers within 24 h; resumable: rerun the same command to pick the batch up)",
                           env=("DOCGEN_BATCH",), flag="--batch", cli=True, magic=True, trait=True)
    batch_poll: float = _setting(30.0, "seconds between status polls of a batch", env=("DOCGEN_BATCH_POLL",),
                                 flag="--batch-poll", cli=True, trait=True, metavar="SECONDS")
    kernel_context: str = _setting("schema", "what the kernel's objects a function is called with may tell the "
                                   "docstring (never values): off, types (types, dtypes, shapes) or schema (also "
                                   "column names and record keys)", choices=KERNEL_CONTEXT_MODES,
                                   env=("DOCGEN_KERNEL_CONTEXT",), flag="--kernel-context", magic=True, trait=True)
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
        """Return a copy with some settings replaced explicitly.

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
            Style, width, modes, attempts and limits, as the core reads them.
        """
        return RunOptions(style=self.style, width=self.width, overwrite=self.overwrite, update=self.update,
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
        """Return the cache folder: the configured one, or the user cache dir.

        Returns:
            An absolute path.
        """
        if self.cache_dir:
            return os.path.abspath(os.path.expanduser(self.cache_dir))
        import platformdirs

        return platformdirs.user_cache_dir("docgen_magic")


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def shown_url(url: str | None) -> str | None:
    """Return an endpoint as it may be shown or logged: without ``user:password@``, query or fragment.

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
    """Return an endpoint setting, checked so that a malformed one fails here in one line, not inside the SDK."""
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
        The prices per million prompt, cached and completion tokens.

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
    """Read one setting's value (text from the environment or an option, or a Python value) by its table row."""
    if value is None:
        return None
    row = SETTINGS[name]
    if row.choices:
        text = str(value).strip().lower()
        if text not in row.choices:
            raise SettingsError(f"setting {name}: expected one of {', '.join(row.choices)}, got {value!r}")
        return text
    if row.kind == "secret":
        if isinstance(value, Secret):
            return value
        return Secret(str(value)) if str(value) else None
    if row.kind == "bool":
        return _parse_bool(name, value)
    if row.kind in ("int", "float"):
        return _parse_number(name, value, int if row.kind == "int" else float, minimum=row.minimum)
    if row.kind == "prices":
        return parse_prices(value)
    if row.url:
        return _parse_url(name, value)
    return str(value) if str(value) else None


def _kind(annotation: str) -> str:
    """Return the kind of a setting from its field annotation (``int | None`` is ``int``)."""
    base = annotation.replace(" | None", "").strip()
    return {"Secret": "secret", "Prices": "prices"}.get(base, base)


SETTINGS: dict[str, Setting] = {
    f.name: Setting(name=f.name, kind=_kind(str(f.type)), default=f.default, **f.metadata["setting"])
    for f in fields(Settings) if "setting" in f.metadata
}
"""The settings table: one row per setting, in declaration order; every surface is generated from it."""

SETTING_NAMES = tuple(SETTINGS)
URL_SETTINGS = frozenset(name for name, row in SETTINGS.items() if row.url)
"""Settings holding an endpoint URL (checked when read, shown only through :func:`shown_url`)."""
ENVIRONMENT: dict[str, tuple[str, ...]] = {name: row.env for name, row in SETTINGS.items() if row.env}
"""Environment variables per setting, highest priority first: DOCGEN_* overrides the standard names."""


def rows_for(surface: str) -> list[Setting]:
    """Return the settings reachable from one surface.

    Args:
        surface: ``cli``, ``magic``, ``trait``, ``env`` or ``secret``.

    Returns:
        The table rows, in declaration order.
    """
    return [row for row in SETTINGS.values() if getattr(row, surface)]


def option_arguments(surface: str) -> list[tuple[tuple[str, ...], dict[str, Any]]]:
    """Return the ``argparse`` arguments of the settings on the command line or in the magic, from the table.

    A boolean's flag sets the opposite of its default (``--overwrite``, ``--no-cache``); every option defaults
    to None, meaning "not given", so the environment and the defaults still apply. Values stay text: they are
    read by the same converter as the environment's, with the same one-line errors.

    Args:
        surface: ``cli`` or ``magic``.

    Returns:
        (flags, keyword arguments) pairs for ``add_argument`` (IPython's ``@argument`` takes the same).
    """
    arguments: list[tuple[tuple[str, ...], dict[str, Any]]] = []
    for row in rows_for(surface):
        assert row.flag is not None, row.name
        options: dict[str, Any] = {"dest": row.name, "default": None, "help": row.option_help()}
        if row.kind == "bool":
            options.update(action="store_const", const=not row.default)
        elif row.choices:
            options["choices"] = row.choices
        else:
            options["metavar"] = row.metavar or ("N" if row.kind in ("int", "float") else row.name.upper())
        arguments.append(((row.flag,), options))
    return arguments


class SettingOverrides(TypedDict, total=False):
    """Setting overrides a caller passes by keyword to ``document``, ``check`` and friends.

    One key per row of the settings table except ``provider`` (an explicit parameter there); a test keeps the
    keys and the table equal. Values may be given as the setting's type or as text, as on the command line;
    None means "not given".
    """

    style: str | None
    model: str | None
    azure_endpoint: str | None
    azure_api_key: Secret | str | None
    api_version: str | None
    openai_api_key: Secret | str | None
    openai_base_url: str | None
    cache_dir: str | None
    use_cache: bool | str | None
    concurrency: int | str | None
    max_attempts: int | str | None
    timeout: float | str | None
    max_retries: int | str | None
    width: int | str | None
    overwrite: bool | str | None
    update: bool | str | None
    nested_functions: bool | str | None
    strict: bool | str | None
    structured_output: str | None
    max_completion_tokens: int | str | None
    send_temperature: bool | str | None
    token_budget: int | str | None
    prices: Prices | Mapping[str, Any] | str | None
    batch: bool | str | None
    batch_poll: float | str | None
    kernel_context: str | None


def markdown_table() -> str:
    """Return the settings table as Markdown, for the README (a test keeps the README's copy identical).

    Returns:
        One row per setting: name, option (command line / ``%%docgen``), ``%config``, environment, default,
        description.
    """
    lines = ["| setting | option | `%config` | environment | default | what it does |", "|---|---|---|---|---|---|"]
    for row in SETTINGS.values():
        where = "CLI and magic" if row.cli and row.magic else "CLI" if row.cli else "magic" if row.magic else ""
        option = f"`{row.flag}` ({where})" if row.flag else "—"
        env = ", ".join(f"`{name}`" for name in row.env) or "—"
        default = "—" if row.default is None else ("on" if row.default else "off") if row.kind == "bool" \
            else f"`{row.default}`"
        text = row.help.replace("|", "\\|")
        lines.append(f"| `{row.name}` | {option} | {'yes' if row.trait else '—'} | {env} | {default} | {text} |")
    return "\n".join(lines)


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
