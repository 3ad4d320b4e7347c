"""Every setting is reachable from each surface the settings table names, and from no other."""

from __future__ import annotations

import shlex
from dataclasses import fields
from typing import Any

import pytest
from traitlets.config import Config

from docgen_magic.cli.main import OPTION_NAMES, build_parser
from docgen_magic.core.options import RunOptions
from docgen_magic.kernel.config import CONFIG_NAMES, MAGIC_OPTION_NAMES
from docgen_magic.kernel.magic import DocgenMagics
from docgen_magic.kernel.status import status_text
from docgen_magic.settings import SETTINGS, Prices, Secret, Setting, Settings, resolve_settings

ROWS = list(SETTINGS.values())


def sample(row: Setting) -> tuple[str, Any]:
    """A non-default value for a setting, as text and as the value it must resolve to."""
    if row.kind == "bool":
        return ("false" if row.default else "true"), not row.default
    if row.choices:
        return row.choices[-1], row.choices[-1]
    if row.kind == "int":
        return "7", 7
    if row.kind == "float":
        return "2.5", 2.5
    if row.kind == "prices":
        return "prompt=1,completion=2", Prices(prompt=1.0, completion=2.0)
    if row.url:
        return f"https://{row.name.replace('_', '-')}.example/v1", f"https://{row.name.replace('_', '-')}.example/v1"
    if row.kind == "secret":
        return "sk-sample-secret", Secret("sk-sample-secret")
    return f"sample-{row.name}", f"sample-{row.name}"


def option_line(row: Setting) -> list[str]:
    assert row.flag is not None
    return [row.flag] if row.kind == "bool" else [row.flag, sample(row)[0]]


def test_every_settings_field_is_a_row_of_the_table() -> None:
    assert [f.name for f in fields(Settings) if f.name != "sources"] == list(SETTINGS)


def test_run_options_take_their_defaults_from_the_settings() -> None:
    defaults = Settings().run_options()
    assert defaults == RunOptions()
    for f in fields(RunOptions):
        assert SETTINGS[f.name].default == getattr(RunOptions(), f.name), f.name


@pytest.mark.parametrize("row", [r for r in ROWS if r.cli], ids=lambda r: r.name)
def test_command_line_sets_it(row: Setting) -> None:
    args = build_parser().parse_args([*option_line(row), "file.py"])
    settings = resolve_settings({name: getattr(args, name) for name in OPTION_NAMES}, environ={})
    assert getattr(settings, row.name) == sample(row)[1]
    assert settings.source_of(row.name) == "explicit"


@pytest.mark.parametrize("row", [r for r in ROWS if r.magic], ids=lambda r: r.name)
def test_magic_option_sets_it(row: Setting) -> None:
    settings = DocgenMagics().settings_for_line(shlex.join(option_line(row)), environ={})
    assert getattr(settings, row.name) == sample(row)[1]
    assert settings.source_of(row.name) == "explicit"


@pytest.mark.parametrize("row", [r for r in ROWS if r.trait], ids=lambda r: r.name)
def test_config_trait_sets_it(row: Setting) -> None:
    text, value = sample(row)
    configured = value if row.kind in ("bool", "int", "float") else text
    magics = DocgenMagics(config=Config({"DocgenMagics": {row.name: configured}}))
    settings = magics.resolve(environ={})
    assert getattr(settings, row.name) == value
    assert settings.source_of(row.name) == "config"


@pytest.mark.parametrize("row", [r for r in ROWS if r.env], ids=lambda r: r.name)
def test_each_environment_variable_sets_it(row: Setting) -> None:
    text, value = sample(row)
    for variable in row.env:
        settings = resolve_settings(environ={variable: text})
        assert getattr(settings, row.name) == value, variable
        assert settings.source_of(row.name) == f"environment ({variable})"


def test_the_first_environment_variable_wins() -> None:
    both = resolve_settings(environ={"DOCGEN_MODEL": "first", "AZURE_OPENAI_DEPLOYMENT": "second"})
    assert both.model == "first"


def test_surfaces_hold_exactly_what_the_table_says() -> None:
    assert set(OPTION_NAMES) == {r.name for r in ROWS if r.cli}
    assert set(MAGIC_OPTION_NAMES) == {r.name for r in ROWS if r.magic}
    assert set(CONFIG_NAMES) == {r.name for r in ROWS if r.trait}
    assert set(CONFIG_NAMES) <= set(DocgenMagics.class_traits(config=True))
    parsed = set(vars(build_parser().parse_args(["file.py"])))  # every option's destination, with its default
    assert {r.name for r in ROWS if r.cli} <= parsed
    assert {r.name for r in ROWS if not r.cli} & parsed == set()
    # Credentials never travel on a command line, a magic line or a config file.
    for row in ROWS:
        if row.secret:
            assert not (row.cli or row.magic or row.trait or row.flag), row.name


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.name)
def test_status_page_shows_it(row: Setting) -> None:
    text, value = sample(row)
    settings = resolve_settings({row.name: value}, environ={})
    status = status_text(settings)
    shown = "set (hidden)" if row.secret else str(value)
    assert f"  {row.name} = {shown}  [option]" in status
    if row.secret:
        assert text not in status


def test_a_bad_value_from_any_surface_is_one_line_naming_the_setting() -> None:
    from docgen_magic.core.errors import SettingsError

    for explicit in ({"width": "wide"}, {"max_retries": "-1"}, {"style": "pep8"}, {"prices": "x"}):
        with pytest.raises(SettingsError) as info:
            resolve_settings(explicit, environ={})
        assert "\n" not in str(info.value) and f"setting {next(iter(explicit))}" in str(info.value)


def test_readme_configuration_table_is_the_generated_one() -> None:
    from pathlib import Path

    from docgen_magic.settings import markdown_table

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme, "README's settings table is stale: paste settings.markdown_table()"
