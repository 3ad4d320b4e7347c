r"""Shared text handling for the renderers: cleaning model prose, wrapping it, and building safe literals.

The prose comes from a model and must be treated as hostile. Everything that reaches a docstring literal
goes through :func:`clean_text`, and :func:`build_literal` re-checks the final lines, so no input can end the
string literal early or inject code. The alterations are deliberately small:

* ``\r\n``, ``\r``, ``\v``, ``\f``, ``\x1c``-``\x1e``, ``U+0085``, ``U+2028`` and ``U+2029`` become ``\n``
  (they are line breaks for :meth:`str.splitlines`, and would otherwise split lines differently for the
  splicer and for Python).
* Other control characters (NUL included), lone surrogates, private-use and unassigned code points and
  format characters (bidi overrides, zero-width spaces, BOM) are removed; the zero-width (non-)joiners
  U+200C/U+200D are kept because some scripts need them. Unicode spaces become an ASCII space.
* Every run of three or more double quotes becomes as many single quotes, so nothing in the text can
  close the triple-quoted literal.
* Nothing a tool would run: a ``>>>`` doctest prompt, an IPython ``In [1]:`` prompt and a reST directive
  (``.. raw::``, ``.. plot::``, ``.. testcode::`` run code or inject markup in built docs) get a backslash
  in front wherever they start a word, so no wrapping can bring one to the start of a line. doctest,
  IPython's doctest runner and Sphinx then see text (reST shows the escaped ``>>>`` as written).
* Backslashes are kept: the literal then gets an ``r`` prefix (pydocstyle D301), which keeps their value.
  The text never ends right before the closing quotes (summaries end with a period; multi-line literals
  close on their own line), so a trailing ``"`` or ``\`` cannot touch the closing quotes.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

TAB_COLUMNS = 4
"""How many columns a tab in the indentation counts for."""

_LINE_BREAK = re.compile(r"\r\n|[\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_KEPT_FORMAT_CHARS = frozenset("\u200c\u200d")
_QUOTE_RUN = re.compile(r'"{3,}')
_RUNNABLE = re.compile(r"(?<!\S)(?=>>>|In \[\d*\]:|\.\.[ \t]+[\w.+:-]+::)")
_BULLET = re.compile(r"([-*+•‣◦]|\d{1,3}[.)]|#\.)\s+")
_FENCE = re.compile(r"(```|~~~)")
_UNDERLINE = re.compile(r"([-=~^*+#`:'\"_.])\1{2,}")


@dataclass(frozen=True)
class Rendered:
    """A rendered docstring literal.

    Attributes:
        literal_lines: The whole string literal (prefix and quotes included) split into lines, without the
            indentation and without newline characters. The splicer prefixes every non-empty line with the
            indentation.
        value: Exactly the string the literal evaluates to once spliced with that indentation, i.e. what
            ``ast.get_docstring(node, clean=False)`` returns afterwards.
    """

    literal_lines: list[str]
    value: str


def sanitize(text: str) -> str:
    r"""Remove or normalise every character that could break a docstring literal or its line structure.

    Args:
        text: Raw text from a model.

    Returns:
        The text with only printable characters, ``\n`` and ``\t`` (see the module docstring for the rules).
    """
    if text.isascii() and not _ASCII_CONTROL.search(text):
        return text
    text = _LINE_BREAK.sub("\n", text)
    if text.replace("\n", "").replace("\t", "").isprintable():
        return text
    return "".join(_keep_char(ch) for ch in text)


def _keep_char(ch: str) -> str:
    if ch.isprintable() or ch in "\n\t":
        return ch
    if ch in _KEPT_FORMAT_CHARS:
        return ch
    if unicodedata.category(ch) == "Zs":
        return " "
    return ""


def neutralize_quotes(text: str) -> str:
    """Replace every run of three or more double quotes by as many single quotes.

    Args:
        text: Text that will sit inside a triple-double-quoted literal.

    Returns:
        The text with no run of three double quotes left in it.
    """
    if '"""' not in text:
        return text
    return _QUOTE_RUN.sub(lambda m: "'" * len(m.group()), text)


def neutralize_runnable(text: str) -> str:
    r"""Escape, with a backslash, every doctest or IPython prompt and reST directive that starts a word.

    Args:
        text: Sanitised model text.

    Returns:
        The text, with ``>>>``, ``In [1]:`` and ``.. name::`` turned into ``\>>>``, ``\In [1]:`` and
        ``\.. name::``.
    """
    if ">>>" not in text and "In [" not in text and ".." not in text:
        return text
    return _RUNNABLE.sub(r"\\", text)


def clean_text(text: str | None) -> str:
    """Make model text safe for a docstring literal, keeping its line structure.

    Args:
        text: Raw text, or None.

    Returns:
        Sanitised text with quote runs and runnable prompts neutralised; ``""`` for None.
    """
    if not text:
        return ""
    return neutralize_runnable(neutralize_quotes(sanitize(text)))


def clean_inline(text: str | None) -> str:
    """Make model text safe and collapse it onto one line.

    Args:
        text: Raw text, or None.

    Returns:
        The cleaned text with every whitespace run replaced by one space, stripped.
    """
    return " ".join(clean_text(text).split())


def indent_columns(indent: str) -> int:
    """Return the number of columns an indentation takes, a tab counting as :data:`TAB_COLUMNS`.

    Args:
        indent: Spaces and tabs.

    Returns:
        The column count.
    """
    return len(indent) + (TAB_COLUMNS - 1) * indent.count("\t")


def text_width(text: str) -> int:
    """Return the display width of a line: wide East Asian characters count 2, combining marks 0.

    Args:
        text: One line of text.

    Returns:
        The number of columns the text takes.
    """
    if text.isascii():
        return len(text)
    return sum(_char_width(ch) for ch in text)


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch) or ch in _KEPT_FORMAT_CHARS:
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def wrap_words(words: list[str], columns: int, first_prefix: str = "", next_prefix: str = "") -> list[str]:
    """Fill words into lines of at most ``columns``, never splitting a word.

    A word longer than a line stays whole on its own line. When ``first_prefix`` carries text (e.g.
    ``"x (int): "``) and the first word does not fit after it, the prefix stands alone on the first line.

    Args:
        words: The words, without whitespace.
        columns: Maximum width of a line, prefixes included.
        first_prefix: Text starting the first line.
        next_prefix: Text starting every following line (usually spaces).

    Returns:
        The lines, without trailing whitespace; ``[first_prefix]`` stripped when there are no words and the
        prefix carries text, else ``[]`` when there are no words.
    """
    if not words:
        return [first_prefix.rstrip()] if first_prefix.strip() else []
    text = " ".join(words)
    if not text.isascii():
        return wrap_words_slow(words, columns, first_prefix, next_prefix)
    # ASCII: one regex match per line instead of a Python step per word (this runs for every target).
    room = columns - text_width(first_prefix)
    first = _line_pattern(room).match(text)
    lines, pos = [first_prefix.rstrip()], 0
    if first is not None and (len(first.group(1)) <= room or not first_prefix.strip()):
        lines, pos = [(first_prefix + first.group(1)).rstrip()], first.end()
    rest = _line_pattern(columns - text_width(next_prefix)).findall(text, pos)
    lines.extend(next_prefix + line for line in rest)
    return lines


@functools.lru_cache(maxsize=256)
def _line_pattern(room: int) -> re.Pattern[str]:
    """Return the longest run of single-spaced words fitting ``room`` columns, else one (overlong) word."""
    return re.compile(rf"(.{{1,{max(room, 1)}}}|\S+)(?: |\Z)")


def wrap_words_slow(words: list[str], columns: int, first_prefix: str = "",
                    next_prefix: str = "") -> list[str]:
    """Return the word-by-word version of :func:`wrap_words`, used for non-ASCII text (display widths vary).

    Args:
        words: The words, without whitespace.
        columns: Maximum width of a line, prefixes included.
        first_prefix: Text starting the first line.
        next_prefix: Text starting every following line.

    Returns:
        The same lines :func:`wrap_words` returns.
    """
    lines: list[str] = []
    line, used, has_word = first_prefix, text_width(first_prefix), False
    next_used = text_width(next_prefix)
    for word in words:
        width = text_width(word)
        if has_word:
            if used + 1 + width <= columns:
                line, used = f"{line} {word}", used + 1 + width
                continue
            lines.append(line)
        elif used + width <= columns or not line.strip():
            line, used, has_word = line + word, used + width, True
            continue
        else:
            lines.append(line.rstrip())
        line, used, has_word = next_prefix + word, next_used + width, True
    if has_word or line.strip():
        lines.append(line.rstrip())
    return lines


def _dedent(lines: list[str]) -> list[str]:
    lines = [(line.expandtabs(TAB_COLUMNS) if "\t" in line else line).rstrip() for line in lines]
    margins = [len(line) - len(line.lstrip()) for line in lines if line]
    cut = min(margins, default=0)
    return [line[cut:] for line in lines]


def _paragraphs(text: str) -> list[tuple[bool, list[str]]]:
    """Split cleaned text into ``(verbatim, lines)`` paragraphs; fenced code keeps its blank lines."""
    if "\n" not in text:
        line = text.strip()
        return [(_is_verbatim([line]), [line])] if line else []
    lines = _dedent(text.split("\n"))
    paragraphs: list[tuple[bool, list[str]]] = []
    current: list[str] = []
    in_fence = False
    for line in lines:
        if _FENCE.match(line.lstrip()):
            in_fence = not in_fence
            current.append(line)
        elif line or in_fence:
            current.append(line)
        elif current:
            paragraphs.append((False, current))
            current = []
    if current:
        paragraphs.append((False, current))
    return [(_is_verbatim(p), p) for _, p in paragraphs]


def _is_verbatim(lines: list[str]) -> bool:
    for line in lines:
        if not line or line[0].isspace() or line.startswith((">>>", "\\>>>", "|")) or _FENCE.match(line):
            return True
        if _UNDERLINE.fullmatch(line):
            return True
    return False


def _items(lines: list[str]) -> list[tuple[str, list[str]]]:
    """Split a prose paragraph into ``(marker, words)`` items, one per bullet; plain text has no marker."""
    items: list[tuple[str, list[str]]] = []
    for line in lines:
        match = _BULLET.match(line)
        if match:
            items.append((match.group(1), line[match.end():].split()))
        elif items:
            items[-1][1].extend(line.split())
        else:
            items.append(("", line.split()))
    return items


def format_block(text: str, columns: int, first_prefix: str = "", next_prefix: str = "") -> list[str]:
    """Lay out cleaned multi-paragraph text: prose is wrapped, code and doctests are kept verbatim.

    Paragraphs are separated by one blank line. Lines starting with whitespace, ``>>>`` or ``|``, fenced
    code and reST underlines make a paragraph verbatim; bullet and numbered items are wrapped one by one
    with a hanging indent.

    Args:
        text: Text already passed through :func:`clean_text`.
        columns: Maximum line width, prefixes included.
        first_prefix: Text starting the first line (e.g. ``"x (int): "``).
        next_prefix: Indentation of every other non-blank line.

    Returns:
        The lines; empty for blank text unless ``first_prefix`` carries text.
    """
    if "\n" not in text:
        short = _short_line(text, columns, first_prefix)
        if short is not None:
            return short
    out: list[str] = []
    pending_prefix = first_prefix
    for verbatim, lines in _paragraphs(text):
        if out:
            out.append("")
        starts_with_item = not verbatim and bool(_BULLET.match(lines[0]))
        if pending_prefix.strip() and (verbatim or starts_with_item):
            out.append(pending_prefix.rstrip())
            pending_prefix = next_prefix
        if verbatim:
            out.extend((next_prefix + line).rstrip() if line else "" for line in lines)
        else:
            out.extend(_format_items(_items(lines), columns, pending_prefix, next_prefix))
        pending_prefix = next_prefix
    if not out and first_prefix.strip():
        out.append(first_prefix.rstrip())
    return out


def _short_line(text: str, columns: int, prefix: str) -> list[str] | None:
    """Return the layout of one-line prose that fits after its prefix, or None when the general path is needed."""
    words = text.split()
    if not words:
        return [prefix.rstrip()] if prefix.strip() else []
    line = prefix + " ".join(words)
    if text_width(line) > columns or _BULLET.match(words[0] + " ") or _is_verbatim([words[0]]):
        return None
    return [line]


def _format_items(items: list[tuple[str, list[str]]], columns: int, first_prefix: str,
                  next_prefix: str) -> list[str]:
    out: list[str] = []
    for marker, words in items:
        if not marker:
            out.extend(wrap_words(words, columns, first_prefix, next_prefix))
        else:
            hanging = next_prefix + " " * (text_width(marker) + 1)
            out.extend(wrap_words(words, columns, f"{first_prefix}{marker} ", hanging))
        first_prefix = next_prefix
    return out


def build_literal(summary: str, body: list[str], *, indent: str, width: int) -> Rendered:
    r"""Assemble the docstring literal and compute the exact value it evaluates to.

    The summary is never wrapped (PEP 257 wants it on one line; pydocstyle D205/D400/D415 check it). A
    summary-only docstring is a one-liner; its closing quotes move to their own line only when that makes
    the line fit (as black does), and it stays a one-liner otherwise.

    Args:
        summary: The cleaned one-line summary; it must not end with ``"`` or ``\`` (it ends with a period).
        body: The lines after the summary's blank line, relative to the docstring's indentation.
        indent: The indentation the splicer puts before every non-empty line.
        width: The maximum line width, indentation included.

    Returns:
        The literal lines and the value.
    """
    text = neutralize_quotes(sanitize("\n".join([summary, *body])))
    summary, *body = text.split("\n")
    prefix = 'r"""' if "\\" in text else '"""'
    safe_end = not summary.endswith(('"', "\\"))
    if not body and safe_end:
        one_line = f"{prefix}{summary}\"\"\""
        too_long = indent_columns(indent) + text_width(one_line) > width
        if not too_long or indent_columns(indent) + text_width(one_line) - 3 > width:
            return Rendered([one_line], summary)
    lines = [prefix + summary]
    if body:
        lines.append("")
        lines.extend(body)
    lines.append('"""')
    value = "\n".join([summary, *indent_literal(lines[1:-1], indent), indent])
    return Rendered(lines, value)


def indent_literal(literal_lines: Sequence[str], indent: str) -> list[str]:
    """Return the literal's lines as the splicer writes them (without line endings): the one indentation rule.

    Args:
        literal_lines: :attr:`Rendered.literal_lines`, unindented.
        indent: The body indentation.

    Returns:
        Each non-empty line prefixed with ``indent``; empty lines stay empty (no trailing whitespace).
    """
    return [indent + line if line else "" for line in literal_lines]
