"""The ``%%docgen?`` page: the help magic_arguments builds, without the sections for code readers, plus examples."""

from __future__ import annotations

import re

__all__ = ["HELP_EXAMPLES", "help_page"]

HELP_EXAMPLES = """
examples:
  %%docgen                      document the cell below this line; review, then Replace cell
  %%docgen --style numpy        NumPy-style docstrings (google, numpy or sphinx)
  %%docgen --check              what is missing and why, without asking any model
  %%docgen --apply              replace the cell right away (no review)
  %%docgen --run -o result      also run the documented code; keep the Result in `result`
  %docgen                       which provider and model are in use, and why
  %docgen usage                 requests and tokens of this session

Without typing %%docgen: "Document this cell" (Alt+Shift+D, the cell toolbar, the context menu or the
command palette) and "Check this notebook" in JupyterLab 4 and Notebook 7.
"""
"""Examples appended to the %%docgen? page."""


def help_page(doc: str) -> str:
    """Return the ``%%docgen?`` page as plain text with examples, without the sections for code readers.

    Args:
        doc: The docstring that magic_arguments built (usage, description, sections, options).

    Returns:
        The page: Args / Raises removed, reST double backquotes removed, examples appended.
    """
    page = re.sub(r"\n\s*Args:\n.*?(?=\n(?:positional arguments|options):)", "\n", doc, flags=re.S)
    page = re.sub(r"^\s*::\s*\n", "", page)  # magic_arguments' reST literal-block marker
    return page.replace("``", "").rstrip() + "\n" + HELP_EXAMPLES
