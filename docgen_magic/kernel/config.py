"""The magic's settings surfaces, generated from the settings table: ``%config`` traits and ``%%docgen`` options."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from IPython.core.magic_arguments import argument
from traitlets import Bool, Dict, Float, Int, TraitType, Unicode, Union
from traitlets.config import Configurable
from traitlets.traitlets import MetaHasTraits

from docgen_magic.settings import Setting, option_arguments, rows_for

__all__ = ["CONFIG_NAMES", "MAGIC_OPTION_NAMES", "SettingTraits", "explicit_settings", "setting_options"]

CONFIG_NAMES = tuple(row.name for row in rows_for("trait"))
"""Settings that ``%config DocgenMagics.<name> = ...`` (or ``ipython_config.py``) can set (from the table)."""
MAGIC_OPTION_NAMES = tuple(row.name for row in rows_for("magic"))
"""Settings that ``%%docgen`` options can set (from the table)."""


def _trait(row: Setting) -> TraitType[Any, Any]:
    """Return the ``%config`` trait of one setting; None means "not configured" (environment and defaults decide)."""
    help = row.help[0].upper() + row.help[1:] + "."
    trait: TraitType[Any, Any]
    if row.kind == "bool":
        trait = Bool(None, allow_none=True, help=help)
    elif row.kind == "int":
        trait = Int(None, allow_none=True, help=help)
    elif row.kind == "float":
        trait = Float(None, allow_none=True, help=help)
    elif row.kind == "prices":
        trait = Union([Unicode(), Dict()], default_value=None, allow_none=True, help=help)
    else:
        trait = Unicode(None, allow_none=True, help=help)
    return trait.tag(config=True)


SettingTraits = MetaHasTraits("SettingTraits", (Configurable,), {row.name: _trait(row) for row in rows_for("trait")})
"""A configurable with one trait per setting the table marks ``trait`` (generated, not written out)."""


def setting_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add the magic's setting options, generated from the settings table, to a magic_arguments function.

    Args:
        func: The magic, already decorated with ``magic_arguments``.

    Returns:
        The magic with one ``argument`` per setting the table marks ``magic``.
    """
    for flags, options in reversed(option_arguments("magic")):
        func = argument(*flags, **options)(func)
    return func


def explicit_settings(args: Any) -> dict[str, Any]:
    """Return the settings given as magic options (None where not given).

    Args:
        args: The parsed arguments.

    Returns:
        Setting name to value.
    """
    return {name: getattr(args, name) for name in MAGIC_OPTION_NAMES}
