"""How the docstring readers of the tool environment read docstrings: Sphinx's Napoleon and numpydoc.

A script for ``.venv-tools`` (``make tools``), where Sphinx and numpydoc are installed; it imports nothing of
docgen or the tests. It reads a JSON list of ``{"style": ..., "text": ...}`` on stdin and writes, for each,
``{"napoleon": <the reST Napoleon makes of it>, "numpydoc": {section: [[name, type, description], ...]}}``
(Napoleon for the Google and NumPy styles, numpydoc for NumPy; ``null`` where a reader does not apply).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from numpydoc.docscrape import NumpyDocString
from sphinx.ext.napoleon import Config
from sphinx.ext.napoleon.docstring import GoogleDocstring
from sphinx.ext.napoleon.docstring import NumpyDocstring as NapoleonNumpy

_CONFIG = Config(napoleon_use_rtype=True, napoleon_use_ivar=True, napoleon_use_param=True)
_SECTIONS = ("Parameters", "Returns", "Yields", "Raises", "Attributes")


def read(style: str, text: str) -> dict[str, Any]:
    """Read one docstring with the readers of its style.

    Args:
        style: ``google``, ``numpy`` or ``sphinx``.
        text: The docstring (cleaned, as ``inspect.cleandoc`` gives it).

    Returns:
        What each reader made of it.
    """
    napoleon = {"google": GoogleDocstring, "numpy": NapoleonNumpy}.get(style)
    found: dict[str, Any] = {"napoleon": str(napoleon(text, _CONFIG)) if napoleon else None, "numpydoc": None}
    if style == "numpy":
        parsed = NumpyDocString(text)
        found["numpydoc"] = {section: [[p.name, p.type, "\n".join(p.desc)] for p in parsed[section]]
                             for section in _SECTIONS}
    return found


if __name__ == "__main__":
    json.dump([read(item["style"], item["text"]) for item in json.load(sys.stdin)], sys.stdout)
