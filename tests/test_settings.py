"""Settings resolution: precedence, conversion, secrets."""

from __future__ import annotations

import pickle

import pytest

from docgen_magic.settings import Prices, Secret, SettingsError, parse_prices, resolve_settings


def test_defaults_without_environment() -> None:
    settings = resolve_settings(environ={})
    assert settings.style == "google"
    assert settings.provider == "auto"
    assert settings.concurrency == 100  # a ceiling: the rate limiter paces below it
    assert settings.max_attempts == 3
    assert settings.sources == {}
    assert settings.source_of("style") == "default"


def test_explicit_beats_config_beats_environment() -> None:
    env = {"DOCGEN_STYLE": "sphinx", "DOCGEN_CONCURRENCY": "2", "DOCGEN_TIMEOUT": "9"}
    settings = resolve_settings({"style": "numpy"}, {"style": "google", "concurrency": 4}, env)
    assert settings.style == "numpy" and settings.source_of("style") == "explicit"
    assert settings.concurrency == 4 and settings.source_of("concurrency") == "config"
    assert settings.timeout == 9.0 and settings.source_of("timeout") == "environment (DOCGEN_TIMEOUT)"


def test_none_counts_as_not_given() -> None:
    settings = resolve_settings({"style": None}, {"style": None}, {"DOCGEN_STYLE": "numpy"})
    assert settings.style == "numpy"


def test_docgen_variables_override_standard_ones() -> None:
    env = {"AZURE_OPENAI_ENDPOINT": "https://a.example", "DOCGEN_AZURE_ENDPOINT": "https://b.example",
           "AZURE_OPENAI_DEPLOYMENT": "dep", "OPENAI_API_VERSION": "2025-01-01"}
    settings = resolve_settings(environ=env)
    assert settings.azure_endpoint == "https://b.example"
    assert settings.model == "dep"
    assert settings.api_version == "2025-01-01"


@pytest.mark.parametrize(("name", "value"), [
    ("style", "markdown"), ("provider", "anthropic"), ("concurrency", "0"), ("timeout", "soon"),
    ("use_cache", "maybe"), ("max_retries", "-1"), ("max_retries", "three"), ("max_retries", "1.5"),
    ("timeout", "nan"), ("timeout", "inf"), ("width", "inf"), ("max_attempts", "2.5"),
])
def test_bad_values_raise_one_clear_error(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        resolve_settings({name: value}, environ={})


def test_unknown_setting() -> None:
    with pytest.raises(SettingsError, match="unknown setting 'colour'"):
        resolve_settings({"colour": "red"}, environ={})


def test_keys_never_show() -> None:
    settings = resolve_settings(environ={"AZURE_OPENAI_API_KEY": "sk-very-secret-123",
                                         "OPENAI_API_KEY": "sk-other-secret-456"})
    text = repr(settings) + str(settings) + str(settings.sources)
    assert "sk-very-secret-123" not in text and "sk-other-secret-456" not in text
    assert settings.azure_api_key is not None and settings.azure_api_key.reveal() == "sk-very-secret-123"
    with pytest.raises(TypeError):
        pickle.dumps(Secret("sk-very-secret-123"))


def test_with_changes_records_explicit() -> None:
    settings = resolve_settings(environ={"DOCGEN_STYLE": "numpy"}).with_changes(style="sphinx", use_cache="0")
    assert settings.style == "sphinx" and settings.source_of("style") == "explicit"
    assert settings.use_cache is False


def test_prices_from_text_and_json() -> None:
    assert parse_prices("prompt=0.15,completion=0.6") == Prices(0.15, 0.6)
    prices = parse_prices('{"prompt": 2, "completion": 8, "cached_prompt": 0.5, "currency": "EUR"}')
    assert prices.cost(1_000_000, 500_000, cached_tokens=200_000) == pytest.approx(0.8 * 2 + 0.2 * 0.5 + 4)
    with pytest.raises(SettingsError):
        parse_prices("cheap")
