"""Choosing and building the provider from resolved settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from docgen_magic.core.ports import Provider
from docgen_magic.settings import DEFAULT_OPENAI_MODEL, Settings, SettingsError, shown_url

if TYPE_CHECKING:
    from docgen_magic.providers.connections import Connections


@dataclass(frozen=True)
class ProviderChoice:
    """Which provider a run uses, and why.

    Attributes:
        name: offline, azure or openai.
        model: Model or deployment name, or None offline.
        reason: One line saying why this provider was picked.
        endpoint: Endpoint or base URL (never a secret), or None.
        unconfigured: True when offline only because no model provider is configured (not chosen).
    """

    name: str
    model: str | None
    reason: str
    endpoint: str | None = None
    unconfigured: bool = False


def _where(settings: Settings, name: str) -> str:
    """Where a setting came from, as the end of a sentence: ``in the environment (AZURE_OPENAI_ENDPOINT)``."""
    source = settings.source_of(name)
    if source.startswith("environment"):
        return "in the " + source
    return {"explicit": "by an option", "config": "in the IPython configuration"}.get(source, "by default")


def choose_provider(settings: Settings) -> ProviderChoice:
    """Pick the provider: explicit choice, else azure, else openai, else offline.

    Azure is picked when its endpoint is set, openai when its key or base URL is set.

    Args:
        settings: The resolved settings.

    Returns:
        The choice, with its reason.

    Raises:
        SettingsError: An explicitly chosen provider lacks what it needs.
    """
    requested = settings.provider
    if requested == "offline":
        return ProviderChoice("offline", None, f"offline: chosen {_where(settings, 'provider')}")
    if requested == "azure" or (requested == "auto" and settings.azure_endpoint):
        if not settings.azure_endpoint:
            raise SettingsError("provider azure needs an endpoint: set AZURE_OPENAI_ENDPOINT")
        if not settings.model:
            raise SettingsError("provider azure needs a deployment: set AZURE_OPENAI_DEPLOYMENT or --model")
        why = (f"chosen {_where(settings, 'provider')}" if requested == "azure"
               else f"the Azure endpoint is set {_where(settings, 'azure_endpoint')}")
        return ProviderChoice("azure", settings.model, f"azure: {why}", shown_url(settings.azure_endpoint))
    if requested == "openai" or (requested == "auto" and (settings.openai_api_key or settings.openai_base_url)):
        model = settings.model or DEFAULT_OPENAI_MODEL
        if requested == "openai":
            why = f"chosen {_where(settings, 'provider')}"
        elif settings.openai_api_key:
            why = f"an OpenAI key is set {_where(settings, 'openai_api_key')}"
        else:
            why = f"an OpenAI base URL is set {_where(settings, 'openai_base_url')}"
        return ProviderChoice("openai", model, f"openai: {why}", shown_url(settings.openai_base_url))
    return ProviderChoice(
        "offline", None,
        "offline: no AZURE_OPENAI_ENDPOINT, OPENAI_API_KEY or OPENAI_BASE_URL set (templates from the code)",
        unconfigured=True)


def build_provider(choice: ProviderChoice, settings: Settings, connections: Connections | None = None) -> Provider:
    """Build the chosen provider. Model providers create their SDK client lazily inside the running loop.

    Args:
        choice: From :func:`choose_provider`.
        settings: The resolved settings.
        connections: Where model providers share SDK clients and rate limiters; None for their own.

    Returns:
        The offline or chat provider the choice names.
    """
    if choice.name == "offline":
        from docgen_magic.providers.offline import OfflineProvider  # the drafts: ~18 ms only offline runs pay

        return OfflineProvider()
    from docgen_magic.providers import chat  # ~4 ms (its rate limiter) only model runs pay

    common: dict[str, Any] = {"timeout": settings.timeout, "max_retries": settings.max_retries,
                              "strict": settings.strict, "max_completion_tokens": settings.max_completion_tokens,
                              "send_temperature": settings.send_temperature, "concurrency": settings.concurrency,
                              "structured_output": settings.structured_output, "connections": connections}
    if choice.name == "azure":
        key = settings.azure_api_key.reveal() if settings.azure_api_key else None
        return chat.make_azure_provider(endpoint=settings.azure_endpoint, deployment=choice.model,
                                        api_version=settings.api_version, api_key=key, **common)
    key = settings.openai_api_key.reveal() if settings.openai_api_key else None
    return chat.make_openai_provider(model=choice.model, base_url=settings.openai_base_url, api_key=key,
                                     **common)
