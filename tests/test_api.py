"""The Python API: which provider ``auto`` picks and why, cost from a price table, session totals."""

from __future__ import annotations

import pytest

import docgen_magic
from docgen_magic.api import describe_provider, session_usage
from docgen_magic.kernel.review_state import ReviewState, review_data
from docgen_magic.providers.select import choose_provider
from docgen_magic.settings import Prices, SettingsError, resolve_settings
from docgen_magic.views.result import REPORT_COLUMNS, report_rows
from tests.fake_openai import FakeOpenAI

CELL = "def area(w: float, h: float) -> float:\n    return w * h\n"


@pytest.mark.parametrize(("environ", "name", "reason"), [
    ({}, "offline", "offline: no AZURE_OPENAI_ENDPOINT, OPENAI_API_KEY or OPENAI_BASE_URL set"),
    ({"OPENAI_BASE_URL": "http://localhost:11434/v1"}, "openai",
     "openai: an OpenAI base URL is set in the environment (OPENAI_BASE_URL)"),
    ({"OPENAI_API_KEY": "sk-x"}, "openai", "openai: an OpenAI key is set in the environment (OPENAI_API_KEY)"),
    ({"OPENAI_API_KEY": "sk-x", "AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com",
      "AZURE_OPENAI_DEPLOYMENT": "d"}, "azure",
     "azure: the Azure endpoint is set in the environment (AZURE_OPENAI_ENDPOINT)"),
    ({"DOCGEN_AZURE_ENDPOINT": "https://r.openai.azure.com", "AZURE_OPENAI_DEPLOYMENT": "d"}, "azure",
     "azure: the Azure endpoint is set in the environment (DOCGEN_AZURE_ENDPOINT)"),
    ({"DOCGEN_PROVIDER": "offline", "AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com"}, "offline",
     "offline: chosen in the environment (DOCGEN_PROVIDER)"),
])
def test_auto_picks_azure_then_openai_then_offline_and_says_why(environ: dict[str, str], name: str,
                                                                reason: str) -> None:
    choice = choose_provider(resolve_settings(environ=environ))
    assert choice.name == name
    assert choice.reason.startswith(reason)


def test_an_explicit_provider_beats_the_environment_and_is_named_as_an_option() -> None:
    settings = resolve_settings({"provider": "openai"}, environ={"AZURE_OPENAI_ENDPOINT": "https://r.x"})
    choice = choose_provider(settings)
    assert (choice.name, choice.model, choice.reason) == ("openai", "gpt-4o-mini", "openai: chosen by an option")


def test_azure_without_a_deployment_is_one_clear_error() -> None:
    with pytest.raises(SettingsError, match=r"^provider azure needs a deployment: set AZURE_OPENAI_DEPLOYMENT"):
        choose_provider(resolve_settings(environ={"AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com"}))


def test_the_result_says_which_provider_was_picked_and_why(azure_env: dict[str, str],
                                                          fake_openai: FakeOpenAI) -> None:
    result = docgen_magic.document(CELL)
    assert (result.provider, result.model, result.template) == ("azure", "docgen-test", False)
    assert result.provider_reason == "azure: the Azure endpoint is set in the environment (AZURE_OPENAI_ENDPOINT)"
    assert result.to_dict()["provider_reason"] == result.provider_reason
    assert describe_provider() == ("azure", "docgen-test", result.provider_reason)
    offline = docgen_magic.document(CELL, provider="offline")
    assert offline.template and offline.provider_reason == "offline: chosen by an option"


def test_cost_comes_only_from_the_users_price_table(azure_env: dict[str, str], fake_openai: FakeOpenAI) -> None:
    without = docgen_magic.document(CELL, use_cache=False)
    assert without.cost is None and "≈" not in without.usage_line()
    prices = Prices(prompt=0.15, completion=0.6, cached_prompt=0.075, currency="EUR")
    priced = docgen_magic.document(CELL, use_cache=False, prices=prices)
    u = priced.usage
    assert u.cached_tokens > 0
    expected = ((u.prompt_tokens - u.cached_tokens) * 0.15 + u.cached_tokens * 0.075 + u.completion_tokens * 0.6) / 1e6
    assert priced.cost == pytest.approx(expected)
    assert f"≈ {expected:.4f} EUR" in priced.usage_line()
    assert docgen_magic.document(CELL, provider="offline", prices=prices).cost is None


def test_answers_without_token_counts_are_said_not_counted(azure_env: dict[str, str],
                                                            fake_openai: FakeOpenAI) -> None:
    prices = Prices(prompt=0.15, completion=0.6, currency="EUR")
    fake_openai.enqueue({"usage": None})  # as llama.cpp's server streams: no counts in the answer
    result = docgen_magic.document("def f(a):\n    return a\n", use_cache=False, prices=prices)
    assert result.usage.requests == 1 and result.usage.uncounted == 1 and result.usage.prompt_tokens == 0
    line = result.usage_line()
    assert "0 prompt + 0 completion tokens (not counted for 1 answer)" in line
    assert "≥ 0.0000 EUR" in line and "≈" not in line  # what it cost is not known: zero is only a floor
    assert [row[REPORT_COLUMNS.index("tokens")] for row in report_rows(result)] == ["not counted"]
    (entry,) = review_data(ReviewState(status="done", result=result))["targets"]
    assert entry["tokens"] == 0 and entry["tokens_uncounted"] is True  # the review shows "not counted"


def test_session_totals_add_up_every_run(azure_env: dict[str, str], fake_openai: FakeOpenAI) -> None:
    before = session_usage()
    first = docgen_magic.document(CELL)
    again = docgen_magic.document(CELL)  # from the cache
    after = session_usage()
    assert after.requests - before.requests == first.usage.requests == 1
    assert after.total_tokens - before.total_tokens == fake_openai.usage_totals["total_tokens"]
    assert after.cache_hits - before.cache_hits == again.usage.cache_hits == 1
