"""What ``%docgen`` shows: the provider in use and why, where each setting came from, the cache; the session's usage."""

from __future__ import annotations

from docgen_magic.api import SettingsError, provider_choice, session_usage
from docgen_magic.settings import SETTING_NAMES, URL_SETTINGS, Secret, Settings, shown_url

__all__ = ["STATUS_HINT", "show_value", "status_text", "usage_text"]

STATUS_HINT = (
    "To use a model, set these in the environment before starting Jupyter, or in the notebook with os.environ\n"
    "(read again on every run, no restart needed; use getpass for the key):\n"
    "  Azure OpenAI:  AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY (or Entra ID sign-in), AZURE_OPENAI_DEPLOYMENT\n"
    "  OpenAI:        OPENAI_API_KEY (optional OPENAI_MODEL)\n"
    "  Ollama, vLLM:  OPENAI_BASE_URL (and OPENAI_MODEL)"
)
"""How to configure a model, as ``%docgen`` shows it when no model is configured."""

_SOURCE_LABELS = {"explicit": "option", "config": "IPython config"}


def show_value(settings: Settings, name: str) -> str:
    """Return a setting's value for people; secrets only say whether they are set.

    Args:
        settings: The resolved settings.
        name: The setting name.

    Returns:
        The text.
    """
    value = getattr(settings, name)
    if isinstance(value, Secret):
        return "set (hidden)"
    if name in URL_SETTINGS:
        return str(shown_url(value))
    if value is None:
        return "not set"
    return str(value)


def status_text(settings: Settings) -> str:
    """Return what ``%docgen`` shows: provider, model, endpoint, why, where each setting came from, the cache.

    Args:
        settings: The resolved settings.

    Returns:
        Plain text; secrets only say whether they are set.
    """
    try:
        choice = provider_choice(settings)
        name, reason, unconfigured = choice.name, choice.reason, choice.unconfigured
        lines = [f"provider: {name}"]
        if choice.model:
            lines.append(f"model/deployment: {choice.model}")
        if choice.endpoint:
            lines.append(f"endpoint: {choice.endpoint}")
    except SettingsError as exc:
        name, reason, unconfigured = "", str(exc), False
        lines = ["provider: not usable"]
    lines.append(f"why: {reason}")
    if unconfigured:
        lines += ["", STATUS_HINT]
    chosen, defaults = [], []
    for setting in SETTING_NAMES:
        source = settings.source_of(setting)
        if source == "default" and getattr(settings, setting) is None:
            continue
        entry = f"  {setting} = {show_value(settings, setting)}"
        if source == "default":
            defaults.append(entry)
        else:
            chosen.append(f"{entry}  [{_SOURCE_LABELS.get(source, source)}]")
    lines += ["", "settings you set (value  [where it came from]):"] + (chosen or ["  none"])
    lines += ["defaults:", *defaults]
    cache = settings.resolved_cache_dir()
    lines += ["", f"cache: {cache}" + ("" if settings.use_cache else " (disabled)")
              + " (offline templates are not cached)" * (name == "offline")]
    return "\n".join(lines)


def usage_text() -> str:
    """Return what ``%docgen usage`` shows: the session's totals.

    Returns:
        Plain text.
    """
    u = session_usage()
    return f"docgen session usage: {u.summary()} · {u.total_tokens:,} tokens in all · {u.latency_s:.2f} s in requests"
