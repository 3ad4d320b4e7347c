"""Which files a ``docgen PATH...`` run reads: files, folders and globs, minus what git ignores and ``--exclude``.

A file named on the command line is always read (pre-commit and editors pass the files they mean); folders and
globs yield the ``.py`` and ``.ipynb`` files below them, leaving out hidden folders, ``__pycache__``,
``node_modules``, virtual environments, what the ``.gitignore`` files of the repository ignore and what an
``--exclude`` pattern (gitignore syntax, relative to the current folder) matches.
"""

from __future__ import annotations

import contextlib
import glob
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import pathspec

from docgen_magic.api import InputError

__all__ = ["SUFFIXES", "expand_paths"]

SUFFIXES = (".py", ".ipynb")
_ALWAYS_SKIPPED = frozenset({"__pycache__", "node_modules", "site-packages", "venv", "env"})
_GLOB_CHARS = frozenset("*?[")


def _resolved(path: Path) -> Path:
    """Return the path resolved, or made absolute where it cannot be (a symlink loop, a name too long).

    Such a path is kept: reading it then says why in one line.

    Args:
        path: A path.

    Returns:
        The path to compare with others.
    """
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: Python < 3.13 reports a symlink loop so
        return Path(os.path.abspath(path))


def _is_dir(path: Path) -> bool:
    """Whether the path is a folder; False where it cannot be told (it is then read, and says why).

    Args:
        path: A path.

    Returns:
        True for a folder.
    """
    try:
        return path.is_dir()
    except OSError:
        return False


class _Ignored:
    """The ``.gitignore`` rules that apply below a folder, read once per folder."""

    def __init__(self, excludes: Sequence[str]) -> None:
        self._excludes = pathspec.GitIgnoreSpec.from_lines(excludes) if excludes else None
        self._specs: dict[Path, pathspec.GitIgnoreSpec | None] = {}

    def _spec(self, folder: Path) -> pathspec.GitIgnoreSpec | None:
        if folder not in self._specs:
            try:
                lines = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                lines = []
            self._specs[folder] = pathspec.GitIgnoreSpec.from_lines(lines) if lines else None
        return self._specs[folder]

    def excluded(self, path: Path) -> bool:
        """Whether ``--exclude`` matches the path (relative to the current folder, or as given).

        Args:
            path: A file or folder.

        Returns:
            True when an exclude pattern matches.
        """
        if self._excludes is None:
            return False
        candidates = {path.as_posix()}
        with contextlib.suppress(ValueError):
            candidates.add(_resolved(path).relative_to(Path.cwd().resolve()).as_posix())
        suffix = "/" if _is_dir(path) else ""
        return any(self._excludes.match_file(c + suffix) for c in candidates)

    def ignored(self, path: Path, root: Path) -> bool:
        """Whether a ``.gitignore`` between the repository root (or ``root``) and the path ignores it.

        Args:
            path: A file or folder below ``root``.
            root: The top folder whose ``.gitignore`` files count (the repository's root when there is one).

        Returns:
            True when ignored.
        """
        suffix = "/" if _is_dir(path) else ""
        folder = path.parent
        while True:
            spec = self._spec(folder)
            if spec is not None and spec.match_file(path.relative_to(folder).as_posix() + suffix):
                return True
            if folder == root or folder.parent == folder:
                return False
            folder = folder.parent


def _repository_root(folder: Path) -> Path:
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


def _skipped_folder(name: str) -> bool:
    return name.startswith(".") or name in _ALWAYS_SKIPPED


def _unreadable(error: OSError) -> None:
    """Stop the walk at a folder that cannot be listed: one line, exit status 2.

    Args:
        error: The error ``os.walk`` met.

    Raises:
        InputError: Always.
    """
    raise InputError(f"{error.filename}: cannot read: {error.strerror or error}")


def _walk(folder: Path, ignored: _Ignored) -> Iterator[Path]:
    folder = _resolved(folder)
    root = _repository_root(folder)
    for current, dirs, files in os.walk(folder, onerror=_unreadable):
        here = Path(current)
        dirs[:] = sorted(d for d in dirs if not _skipped_folder(d) and not ignored.ignored(here / d, root)
                         and not ignored.excluded(here / d))
        for name in sorted(files):
            path = here / name
            if path.suffix in SUFFIXES and not ignored.ignored(path, root) and not ignored.excluded(path):
                yield path


def _shown(path: Path, given: str) -> str:
    """Show a path as the user would write it: relative to the current folder when below it."""
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path) if Path(given).is_absolute() else os.path.relpath(path)


def expand_paths(paths: Iterable[str], *, exclude: Sequence[str] = ()) -> list[str]:
    """Expand files, folders and globs into the files to read, each once, in a stable order.

    Args:
        paths: As given on the command line (``-`` is standard input, kept as is).
        exclude: Gitignore-style patterns to leave out (relative to the current folder).

    Returns:
        File paths (as the user would write them), in the order given, folders sorted. A path that cannot be
        examined (a symlink loop) is kept as named: reading it says why.

    Raises:
        InputError: A folder cannot be listed.
    """
    ignored = _Ignored(exclude)
    seen: set[Path] = set()
    found: list[str] = []

    def add(path: Path, shown: str) -> None:
        key = _resolved(path)
        if key not in seen:
            seen.add(key)
            found.append(shown)

    for arg in paths:
        if arg == "-":
            found.append(arg)
            continue
        path = Path(arg)
        if _is_dir(path):
            for file in _walk(path, ignored):
                add(file, _shown(file, arg))
        elif _GLOB_CHARS & set(arg) and not path.exists():
            for match in sorted(glob.glob(arg, recursive=True)):
                candidate = Path(match)
                if _is_dir(candidate):
                    for file in _walk(candidate, ignored):
                        add(file, _shown(file, match))
                elif (candidate.suffix in SUFFIXES and not ignored.excluded(candidate)
                      and not any(_skipped_folder(part) for part in candidate.parts[:-1] if part not in (".", ".."))):
                    root = _repository_root(_resolved(candidate).parent)
                    if not ignored.ignored(_resolved(candidate), root):
                        add(candidate, match)
        elif not ignored.excluded(path):
            add(path, arg)  # named explicitly: read it (a missing file is reported when read)
    return found
