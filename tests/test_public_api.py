"""The public surface: exported names, one error tree, typed keyword signatures, and results that display."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from IPython.core.formatters import format_display_data

import docgen_magic
from docgen_magic import api
from docgen_magic.settings import SETTINGS, SettingOverrides
from docgen_magic.views.result import result_bundle, result_text
from tests.shapes import SHAPES

ERRORS = ("CellSyntaxError", "SettingsError", "InputError", "FileError", "WriteConflictError", "ProviderError",
          "ProviderAuthenticationError", "ProviderConfigurationError", "ProviderTransientError")


@pytest.mark.parametrize("name", docgen_magic.__all__)
def test_every_exported_name_resolves(name: str) -> None:
    assert getattr(docgen_magic, name) is not None


def test_api_exports_the_public_functions_not_the_pipeline() -> None:
    assert "document_cells" not in api.__all__  # the pipeline's internal (sources, run) function
    for name in ("document", "document_async", "document_cells_sync", "document_cells_async", "check"):
        assert name in api.__all__ and name in docgen_magic.__all__
    assert all(hasattr(api, name) for name in api.__all__)


@pytest.mark.parametrize("name", ERRORS)
def test_one_error_tree(name: str) -> None:
    error = getattr(docgen_magic, name)
    assert issubclass(error, docgen_magic.DocgenError)
    if name.startswith("Provider") and name != "ProviderError":
        assert issubclass(error, docgen_magic.ProviderError)


def test_provider_errors_say_whether_retrying_can_help() -> None:
    assert docgen_magic.ProviderAuthenticationError("x").fatal
    assert docgen_magic.ProviderConfigurationError("x").fatal
    assert not docgen_magic.ProviderTransientError("x").fatal


def test_callers_catch_docgen_error_for_every_cause(tmp_path: Path) -> None:
    with pytest.raises(docgen_magic.DocgenError) as syntax:
        docgen_magic.document("def broken(:\n    pass\n", provider="offline")
    assert isinstance(syntax.value, docgen_magic.CellSyntaxError)
    with pytest.raises(docgen_magic.DocgenError) as setting:
        docgen_magic.document("def f(): pass\n", provider="offline", style="pep8")  # type: ignore[arg-type]
    assert isinstance(setting.value, docgen_magic.SettingsError)
    with pytest.raises(docgen_magic.DocgenError) as checked:
        docgen_magic.check("def broken(:\n")
    assert isinstance(checked.value, docgen_magic.CellSyntaxError)
    from docgen_magic.infra.files import read_source_file

    with pytest.raises(docgen_magic.InputError):
        read_source_file(tmp_path / "missing.py")


def test_setting_overrides_are_the_settings_table() -> None:
    assert set(SettingOverrides.__annotations__) == set(SETTINGS) - {"provider"}


@pytest.mark.parametrize("function", [api.document, api.document_async, api.document_cells_sync,
                                      api.document_cells_async, api.check])
def test_keyword_only_signatures(function: object) -> None:
    parameters = inspect.signature(function).parameters  # type: ignore[arg-type]
    first, *rest = parameters.values()
    assert first.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    named = [p for p in rest if p.kind is inspect.Parameter.KEYWORD_ONLY]
    assert "settings" in {p.name for p in named}
    assert rest[-1].kind is inspect.Parameter.VAR_KEYWORD and "SettingOverrides" in str(rest[-1].annotation)


def test_result_displays_like_the_magic() -> None:
    result = docgen_magic.document("def add(a, b):\n    return a + b\n", provider="offline")
    bundle = result._repr_mimebundle_()
    assert bundle == result_bundle(result)
    assert bundle["text/plain"] == result_text(result) and "def add(a, b):" in bundle["text/plain"]
    shown, _ = format_display_data(result)  # what IPython shows for `r` after `%%docgen -o r`
    assert shown["text/plain"] == bundle["text/plain"] and shown["text/html"] == bundle["text/html"]
    assert "dataclass" not in shown["text/plain"] and "Result(" not in shown["text/plain"]
    assert set(result._repr_mimebundle_(include={"text/plain"})) == {"text/plain"}
    assert set(result._repr_mimebundle_(exclude={"text/html"})) == {"text/plain"}


def test_package_is_typed() -> None:
    assert (Path(docgen_magic.__file__).parent / "py.typed").is_file()


@pytest.mark.parametrize(("name", "source"), [s for s in SHAPES if s[1].strip()], ids=[s[0] for s in SHAPES
                                                                                       if s[1].strip()])
def test_documented_code_passes_check(name: str, source: str) -> None:
    """What ``document`` writes, ``check`` finds complete in structure (offline drafts follow the same rule book).

    The only findings an offline draft may have are its marked placeholders: what the code cannot tell.
    """
    result = docgen_magic.document(source, provider="offline", use_cache=False)
    report = docgen_magic.check(result.code)
    documented = {t.name for t in result.targets if t.status == "documented"}
    gaps = [f for f in report.findings if f.qualname in documented and set(f.codes) != {"placeholder"}]
    assert gaps == [], f"{name}: check finds gaps in what document wrote: {gaps}"
