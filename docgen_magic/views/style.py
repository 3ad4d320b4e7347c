"""The look of docgen's HTML: one stylesheet from JupyterLab's theme variables, and Python highlighted by Pygments.

Every colour is a theme variable with the light theme's value as its fallback, so a review or a check reads well
in light, dark and high-contrast themes and outside JupyterLab (nbviewer, GitHub) alike.
"""

from __future__ import annotations

import html
import re

__all__ = ["STYLE", "code_html", "highlight"]


def _var(name: str, fallback: str) -> str:
    """Return a CSS colour from JupyterLab's theme, with the light theme's value where no theme defines it.

    Args:
        name: The ``--jp-*`` variable, without the dashes.
        fallback: The colour used outside JupyterLab (nbviewer, a plain HTML page).

    Returns:
        ``var(--jp-NAME, FALLBACK)``.
    """
    return f"var(--jp-{name}, {fallback})"


_TOKEN_COLOURS = {
    "k kc kd kn kp kr kt ow": ("mirror-editor-keyword-color", "#008000"),
    "nf fm nc nn": ("mirror-editor-def-color", "#0000ff"),
    "nb bp": ("mirror-editor-builtin-color", "#008000"),
    "s s1 s2 sa sb sc sd se sh si sx sr ss dl": ("mirror-editor-string-color", "#ba2121"),
    "c c1 ch cm cs cp cpf": ("mirror-editor-comment-color", "#408080"),
    "m mi mf mh mo mb il": ("mirror-editor-number-color", "#080"),
    "nd": ("mirror-editor-meta-color", "#aa22ff"),
    "err": ("mirror-editor-error-color", "#f00"),
}
"""Pygments token classes -> the CodeMirror colours of the JupyterLab theme (light, dark, high contrast)."""

_PLAIN_SPANS = re.compile(r'<span class="(?:w|n|nv|ni|p|o)">([^<]*)</span>')
"""Spans of whitespace, plain names, punctuation and operators: drawn in the text colour, so left out (a saved
notebook stores a span per token otherwise: about twice the size)."""

_SPLIT_SPANS = re.compile(r'(<span class="(sd|s1|s2|c1)">[^<]*)</span>(\n\s*)<span class="\2">')
"""A span closed at a line end and reopened with the same kind of string or comment on the next line."""

_TEXT = _var("content-font-color1", "rgba(0, 0, 0, 0.87)")
_MUTED = _var("content-font-color2", "rgba(0, 0, 0, 0.54)")
_BORDER = _var("border-color2", "#e0e0e0")
_CODE_BG = _var("cell-editor-background", "#f7f7f7")
_FAILED = _var("error-color0", "#b71c1c")

STYLE = (
    "<style>"
    f".docgen-html{{color:{_TEXT};max-width:100%}}"
    f".docgen-html table{{border-collapse:collapse;font-size:90%;color:{_TEXT}}}"
    f".docgen-html th,.docgen-html td{{border:1px solid {_BORDER};padding:2px 6px;text-align:left;"
    "vertical-align:top}"
    ".docgen-html td{white-space:nowrap}.docgen-html td:last-child{white-space:normal;min-width:16em}"
    # Code never wraps (a line broken mid-word reads as different code): long lines scroll sideways.
    f".docgen-html pre{{margin:0;padding:6px;white-space:pre;overflow-x:auto;background:{_CODE_BG};"
    f"color:{_var('mirror-editor-variable-color', _TEXT)};font-family:{_var('code-font-family', 'monospace')};"
    f"font-size:{_var('code-font-size', '13px')};line-height:{_var('code-line-height', '1.3077')}}}"
    ".docgen-html .docgen-code,.docgen-html .docgen-report"
    "{max-height:40em;overflow:auto}"
    + "".join(f"{','.join(f'.docgen-pre .{c}' for c in classes.split())}{{color:{_var(*colour)}}}"
              for classes, colour in _TOKEN_COLOURS.items())
    + ".docgen-pre .k,.docgen-pre .kn,.docgen-pre .kd,.docgen-pre .ow{font-weight:bold}"
    ".docgen-pre .c,.docgen-pre .c1,.docgen-pre .sd{font-style:italic}"
    f".docgen-failed{{color:{_FAILED}}}.docgen-note{{color:{_MUTED}}}"
    "</style>"
)
"""The stylesheet of every docgen HTML rendering (classes ``docgen-*``)."""


def highlight(code: str) -> str:
    """Syntax-highlight Python code as HTML with token classes, or escape it when Pygments is missing.

    The classes are coloured by the page's stylesheet from the JupyterLab theme (so dark themes get light
    text on a dark background), and a saved notebook stores a class name per token, not a style.

    Args:
        code: Python source to colour.

    Returns:
        A ``<pre class="docgen-pre">`` block.
    """
    try:
        from pygments import highlight as pygmentize
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return f'<pre class="docgen-pre">{html.escape(code)}</pre>'
    spans = pygmentize(code, PythonLexer(stripnl=False, ensurenl=False), HtmlFormatter(nowrap=True))
    spans = _PLAIN_SPANS.sub(r"\1", spans)
    merged = None
    while merged != spans:  # one span per docstring or comment block, not one per line
        merged, spans = spans, _SPLIT_SPANS.sub(r"\1\3", spans)
    return '<pre class="docgen-pre">' + spans + "</pre>"


def code_html(code: str) -> str:
    """Return the documented code, highlighted, inside a ``docgen-code`` element (a browser test reads it).

    Args:
        code: The documented code.

    Returns:
        HTML text.
    """
    return f'<div class="docgen-code">{highlight(code)}</div>'
