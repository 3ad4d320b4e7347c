"""Run numpydoc's validator over documented modules: a script for the tool environment (``make tools``).

numpydoc validates live objects (it imports them and reads their signature, source and ``__doc__``), so this
script runs in ``.venv-tools``, where numpydoc is installed, never in docgen's own environment, and imports
nothing of docgen or the tests. Usage::

    .venv-tools/bin/python tests/numpydoc_judge.py FOLDER

``FOLDER/targets.json`` maps a module name to the ``[qualname, def line]`` pairs to validate; ``FOLDER/NAME.py``
is that module's plain Python (a cell as IPython runs it: magics and ``!`` escapes are calls of
``get_ipython()``; top-level ``await`` is allowed). Each module is executed from its file, so that ``inspect``
finds the source numpydoc reads for ``RT01`` / ``YD01``, with a stand-in ``get_ipython()`` whose magics and shell
commands do nothing: what is judged is the functions and classes, not the cell's side effects. The report,
one JSON object on stdout, lists every validated target with numpydoc's ``(code, message)`` errors, the
targets whose name leads to another definition (the losing branch of an ``if`` / ``try``), and the modules or
names that could not be loaded, with the reason.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import importlib.util
import inspect
import json
import sys
import types
import typing
from pathlib import Path
from typing import Any

from numpydoc.docscrape import NumpyDocString
from numpydoc.validate import ERROR_MSGS, validate


class _Shell:
    """A stand-in for IPython's shell: every magic, shell escape or output capture does nothing."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


def _load(folder: Path, name: str) -> types.ModuleType:
    path = folder / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__dict__["get_ipython"] = _Shell
    sys.modules[name] = module
    code = compile(path.read_text(encoding="utf-8"), str(path), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(code, module.__dict__)  # a cell with top-level ``await`` compiles to a coroutine
    if inspect.iscoroutine(result):
        asyncio.run(result)
    return module


def _def_line(obj: Any) -> int | None:
    obj = inspect.unwrap(obj.fget if isinstance(obj, property) else obj)
    try:
        lines, start = inspect.getsourcelines(obj)
    except (OSError, TypeError):
        return None
    for offset, line in enumerate(lines):
        if line.lstrip().startswith(("def ", "async def ", "class ")):
            return start + offset
    return None


def _documented_elsewhere(cls: type) -> list[str]:
    """Names a class documents outside its own Parameters: its ``__init__``'s Parameters, its Attributes."""
    names = [name for name, _, _ in NumpyDocString(inspect.getdoc(cls) or "")["Attributes"]]
    init = cls.__dict__.get("__init__")
    if inspect.isfunction(init):
        names += [name for name, _, _ in NumpyDocString(inspect.getdoc(init) or "")["Parameters"]]
    return [part for name in names for part in name.split(", ")]


def judge(folder: Path) -> dict[str, Any]:
    """Validate every listed target of every module of a folder.

    Args:
        folder: Holds ``targets.json`` and the modules.

    Returns:
        ``{"codes": every check numpydoc has, "validated": [{"module", "qualname", "errors"}, ...],
        "shadowed": [...], "unloaded": [...]}``; a validated class also has ``protocol`` (it derives from
        ``typing.Protocol`` directly) and ``elsewhere`` (the names its ``__init__``'s Parameters and its
        Attributes document).
    """
    sys.path.insert(0, str(folder))
    wanted: dict[str, list[list[Any]]] = json.loads((folder / "targets.json").read_text(encoding="utf-8"))
    report: dict[str, list[Any]] = {"codes": sorted(ERROR_MSGS), "validated": [], "shadowed": [], "unloaded": []}
    for name, targets in wanted.items():
        try:
            module = _load(folder, name)
        except Exception as exc:  # the module itself is the finding
            report["unloaded"].append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        for qualname, line in targets:
            obj: Any = module
            try:
                for part in qualname.split("#")[0].split("."):
                    obj = getattr(obj, part)
            except AttributeError as exc:
                report["unloaded"].append(f"{name}.{qualname}: {exc}")
                continue
            if _def_line(obj) != line:
                report["shadowed"].append(f"{name}.{qualname}")
                continue
            found: dict[str, Any] = {"module": name, "qualname": qualname,
                                     "errors": validate(f"{name}.{qualname.split('#')[0]}")["errors"]}
            if inspect.isclass(obj):
                found["protocol"] = typing.Protocol in obj.__bases__
                found["elsewhere"] = _documented_elsewhere(obj)
            report["validated"].append(found)
    return report


if __name__ == "__main__":
    with contextlib.redirect_stdout(sys.stderr):  # what the cells print is not the report
        found = judge(Path(sys.argv[1]))
    print(json.dumps(found))
