"""The ``docgen`` command, reaching the core through :mod:`docgen_magic.api`: paths, sources, runs, output.

``docgen = "docgen_magic.cli:main"`` is the console script; :mod:`docgen_magic.cli.main` builds the parser.
"""

from __future__ import annotations

from docgen_magic.cli.main import main

__all__ = ["main"]
