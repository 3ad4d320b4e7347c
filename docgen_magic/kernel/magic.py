"""The IPython magics: ``%%docgen`` documents a cell, ``%docgen`` reports settings, usage and the cache.

This module parses the magic's line and dispatches; the work is the API's (reached through
:mod:`docgen_magic.api`, imported on the first ``%%docgen``), the review's (:mod:`docgen_magic.kernel.review`)
and the kernel runtime's (:mod:`docgen_magic.kernel.runtime`). Loading stays cheap: at ``%load_ext`` only
IPython, traitlets, the settings table and this package's light modules are imported; the pipeline, the SDK and
the cache wait for the first ``%%docgen``. The pipeline runs on docgen_magic's private event loop thread, so the
kernel's own event loop is never touched.
"""

from __future__ import annotations

import keyword
import logging
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.core.magic_arguments import argument, argument_group, magic_arguments, parse_argstring
from IPython.display import display
from traitlets import Bool

from docgen_magic.kernel.config import CONFIG_NAMES, SettingTraits, explicit_settings, setting_options
from docgen_magic.kernel.help import help_page
from docgen_magic.kernel.protocol import MAGIC, RUN_TARGET, split_magic_line
from docgen_magic.kernel.runtime import (
    current_cell_id,
    execute_request_code,
    register_run_target,
    unregister_run_target,
)
from docgen_magic.settings import Settings, SettingsError, resolve_settings

if TYPE_CHECKING:
    from docgen_magic.api import CellSyntaxError, CheckReport, Result

__all__ = ["DocgenMagics", "is_variable_name", "load_ipython_extension", "unload_ipython_extension"]

logger = logging.getLogger(__name__)

_COMMANDS = ("status", "usage", "clear-cache", "context")


def _raw_cell_text(line: str, cell: str) -> str:
    """Return the cell exactly as the frontend sent it (``%%docgen`` line included), for the Replace button.

    Args:
        line: The ``%%docgen`` options.
        cell: The cell body.

    Returns:
        The execute request's code when it is this cell, else the cell rebuilt from line and body.
    """
    rebuilt = f"{MAGIC} {line}".rstrip() + "\n" + cell
    code = execute_request_code()
    if code is not None and split_magic_line(code).present and code.rstrip().endswith(cell.rstrip()):
        return code
    return rebuilt


def _option_message(exc: UsageError, cell: str | None) -> str:
    """Return an option parsing error, prefixed with the magic's name and a pointer to the help.

    Args:
        exc: The error from ``parse_argstring``.
        cell: The cell body, or None for the line magic.

    Returns:
        The one-line message.
    """
    name = "%docgen" if cell is None else "%%docgen"
    return f"{name}: {exc} (see {name}?)"


@magics_class
class DocgenMagics(Magics, SettingTraits):  # type: ignore[misc, valid-type]
    """``%%docgen`` and ``%docgen``, configurable with ``%config DocgenMagics.<setting> = value``.

    Every configurable setting defaults to None, meaning "not configured": the environment and then the
    built-in defaults decide. Precedence: magic option > IPython config > environment > defaults.
    """

    use_widget = Bool(True, help="Show progress while a run is in flight, updated in place (else only the "
                                 "final review is shown).").tag(config=True)

    def config_values(self) -> dict[str, Any]:
        """Return the settings configured through traitlets (``%config`` / ``ipython_config.py``).

        Returns:
            Name to value, only for the ones that were set.
        """
        return {name: getattr(self, name) for name in CONFIG_NAMES if getattr(self, name) is not None}

    def resolve(self, explicit: Mapping[str, Any] | None = None,
                environ: Mapping[str, str] | None = None) -> Settings:
        """Resolve settings: magic options > IPython config > environment > defaults.

        Args:
            explicit: The magic's options; None values count as not given.
            environ: The environment; ``os.environ`` when None.

        Returns:
            The settings.

        Raises:
            UsageError: A value cannot be used (one line, no traceback).
        """
        try:
            return resolve_settings(explicit, self.config_values(), environ)
        except SettingsError as exc:
            raise UsageError(f"%docgen: {exc}") from None

    def settings_for_line(self, line: str, environ: Mapping[str, str] | None = None) -> Settings:
        """Return the settings a ``%%docgen`` line with these options would use (for the frontend's requests).

        Args:
            line: The options, without ``%%docgen``.
            environ: The environment; ``os.environ`` when None.

        Returns:
            The resolved settings: options over ``%config`` over the environment over defaults.

        Raises:
            UsageError: Bad options or an unusable setting.
        """
        try:
            args = parse_argstring(self.docgen, line)
        except UsageError as exc:
            raise UsageError(_option_message(exc, "")) from None
        return self.resolve(explicit_settings(args), environ)

    def store_result(self, line: str, result: Any) -> None:
        """Store a result the frontend asked for (Regenerate) in the line's ``-o VAR``, as the magic would.

        Args:
            line: The ``%%docgen`` options line the result was documented with.
            result: The new :class:`~docgen_magic.Result`.
        """
        try:
            out = parse_argstring(self.docgen, line).out
        except UsageError:
            return
        if out is not None and is_variable_name(out) and self.shell is not None:
            self.shell.user_ns[out] = result

    # ------------------------------------------------------------------ the magic

    @magic_arguments()
    @argument("command", nargs="?", default=None,
              help="line magic only: status (the default), usage, clear-cache or context")
    @argument("--apply", action="store_true",
              help="replace the cell now with the documented code (the %%%%docgen line is dropped)")
    @argument("--check", action="store_true",
              help="teaching mode: no model call; coverage, and per target what is missing and why")
    @argument("--run", action="store_true", help="also run the documented code in the notebook's namespace")
    @argument("-o", "--out", default=None, metavar="VAR", help="store the Result in the variable VAR")
    @argument_group("settings (also %config DocgenMagics.<name> = value, or the environment variable)")
    @setting_options
    @line_cell_magic
    def docgen(self, line: str, cell: str | None = None) -> None:
        """Document the functions and classes of a cell with docstrings, without running it.

        As a cell magic (``%%docgen [options]``) it shows the documented code, a diff, a per-target report
        and a usage line, with buttons to replace the cell, copy the code or regenerate. As a line magic:
        ``%docgen`` (or ``%docgen status``) shows the provider and model in use, why, where each setting
        came from and the cache location; ``%docgen usage`` the session's request and token totals;
        ``%docgen clear-cache`` empties the docstring cache; ``%docgen context`` what the kernel's objects
        would tell the docstrings of the last cell that defines functions (types, columns; never values).

        Settings come from, in order: these options, IPython configuration
        (``%config DocgenMagics.style = "numpy"``), environment variables (DOCGEN_*, AZURE_OPENAI_*,
        OPENAI_*), defaults.

        Args:
            line: The options.
            cell: The cell body, or None for the line magic.

        Raises:
            UsageError: Bad options, a syntax error in the cell, an unusable setting, or an interrupt.
        """
        try:
            args = parse_argstring(self.docgen, line)
        except UsageError as exc:
            raise UsageError(_option_message(exc, cell)) from None
        if cell is None:
            self._line(args)
            return
        if args.command is not None:
            raise UsageError(f"%%docgen: unexpected argument {args.command!r} (see %%docgen?)")
        if args.out is not None and not is_variable_name(args.out):
            raise UsageError(f"%%docgen: -o needs a variable name, got {args.out!r}")
        if args.check and (args.apply or args.run):
            both = " and ".join(o for o, on in (("--apply", args.apply), ("--run", args.run)) if on)
            raise UsageError(f"%%docgen: --check changes and runs nothing, so it cannot be combined with {both}")
        settings = self.resolve(explicit_settings(args))
        if not cell.strip():
            self._show_text("%%docgen: nothing to document (the cell is empty)")
            return
        raw = _raw_cell_text(line, cell)
        if cell.endswith("\n") and not raw.endswith("\n"):
            cell = cell[:-1]  # IPython appends a newline the user never typed; keep the text byte for byte
        first_line = split_magic_line(raw).line
        self._parse_or_fail(cell, settings, first_line)
        shell = self.shell
        assert shell is not None, "the magics are registered with a shell"
        if args.check:
            report = self._check(cell, settings, first_line)
            if args.out:
                shell.user_ns[args.out] = report
            return
        result = self._document(cell, settings, raw=raw, ran=args.run)
        if result is None:
            return
        if args.out:
            shell.user_ns[args.out] = result
        if args.apply:
            if result.changed:
                shell.set_next_input(result.code, replace=True)
            else:
                self._show_text("%%docgen --apply: no docstring was added, so the cell was left as it is")
        if args.run:
            outcome = shell.run_cell(result.code, store_history=False)
            if not outcome.success:
                error = outcome.error_in_exec or outcome.error_before_exec
                name = type(error).__name__ if error is not None else "an error"
                raise UsageError(f"%%docgen --run: the documented code raised {name} (traceback above); "
                                 "the docstrings were still written")

    # ------------------------------------------------------------------ pieces

    @staticmethod
    def _parse_or_fail(cell: str, settings: Settings, first_line: int = 1) -> None:
        """Parse the cell first so a syntax error is one line naming the cell line, before any output.

        Args:
            cell: The cell body.
            settings: The resolved settings.
            first_line: The notebook line of the ``%%docgen`` line (the body starts on the next one).

        Raises:
            UsageError: The cell does not parse.
        """
        from docgen_magic import api  # the first %%docgen imports the API: %load_ext stays light

        try:
            api.target_names(cell, settings=settings)
        except api.CellSyntaxError as exc:
            raise UsageError(_syntax_error_message(exc, cell, first_line)) from None

    def _show_text(self, text: str) -> None:
        """Display one plain message.

        Args:
            text: The message.
        """
        display({"text/plain": text}, raw=True)

    def _check(self, cell: str, settings: Settings, first_line: int = 1) -> CheckReport:
        """Show coverage and what each target is missing, without asking any model.

        Args:
            cell: The cell body.
            settings: The resolved settings.
            first_line: The notebook line of the ``%%docgen`` line.

        Returns:
            The CheckReport (line numbers as in the body).
        """
        from docgen_magic import api  # the first %%docgen imports the API: %load_ext stays light
        from docgen_magic.kernel.check_view import check_bundle  # imports the API too

        report = api.check(cell, settings=settings, namespace=self._namespace())
        display(check_bundle(report, line_offset=first_line), raw=True)
        return report

    def _namespace(self) -> dict[str, Any] | None:
        """Return the kernel's namespace, whose objects the cell's functions were called with (read, never run).

        Returns:
            The shell's ``user_ns``, or None without a shell.
        """
        return self.shell.user_ns if self.shell is not None else None

    def _live_review_enabled(self) -> bool:
        """Whether to show the live review (progress updated in place): in a kernel, unless turned off.

        Returns:
            True for the live review; False shows the final review once.
        """
        return bool(self.use_widget) and getattr(self.shell, "kernel", None) is not None

    def _document(self, cell: str, settings: Settings, *, raw: str, ran: bool = False) -> Result | None:
        """Run the pipeline on the cell, showing progress and then the result.

        Args:
            cell: The cell body.
            settings: The resolved settings.
            raw: The cell as the frontend holds it, ``%%docgen`` line included (for Replace).
            ran: The documented code will be run (``--run``), so the review need not say it was not.

        Returns:
            The result.

        Raises:
            UsageError: An unusable setting, an unexpected failure, or an interrupt.
        """
        from docgen_magic import api  # the first %%docgen imports the API: %load_ext stays light
        from docgen_magic.kernel.review import LiveReview, take_model_hint  # imports the API's renderings
        from docgen_magic.kernel.review_state import ReviewState, review_bundle  # the views: not at %load_ext

        state = ReviewState(cell_id=current_cell_id(), source=raw, body=cell,
                            line=split_magic_line(raw).options, update=settings.update, ran=ran)
        live = LiveReview(state) if self._live_review_enabled() else None
        if live is not None:
            live.start()
        try:
            result = api.document(cell, settings=settings, on_progress=live.progress if live else None,
                                  namespace=self._namespace())
        except KeyboardInterrupt:
            if live is not None:
                live.finish(None, "interrupted")
            raise UsageError("%%docgen: interrupted; the run was cancelled and the cell is unchanged") from None
        except SettingsError as exc:
            if live is not None:
                live.finish(None, "failed", str(exc))
            raise UsageError(f"%%docgen: {exc}") from None
        except Exception as exc:  # one line for people; the traceback only at debug level
            logger.debug("%%docgen failed", exc_info=True)
            if live is not None:
                live.finish(None, "failed", f"{type(exc).__name__}: {exc}")
            raise UsageError(f"%%docgen: {type(exc).__name__}: {exc}") from None
        if live is not None:
            live.finish(result)
        else:
            state.status, state.result, state.hint = "done", result, take_model_hint(result)
            display(review_bundle(state), raw=True)
        return result

    def _line(self, args: Any) -> None:
        """Return the line magic: status, usage or clear-cache.

        Args:
            args: The parsed arguments.

        Raises:
            UsageError: An unknown command.
        """
        command = args.command or "status"
        if command not in _COMMANDS:
            raise UsageError(f"%docgen: unknown command {command!r}; expected one of {', '.join(_COMMANDS)} "
                             "(%%docgen, with two %, documents a cell)")
        cell_only = [o for o, on in (("--apply", args.apply), ("--check", args.check), ("--run", args.run),
                                     ("-o", args.out is not None)) if on]
        if cell_only:
            raise UsageError(f"%docgen: {', '.join(cell_only)} {'is' if len(cell_only) == 1 else 'are'} for the "
                             "cell magic only: put %%docgen (two %) on the first line of the cell")
        settings = self.resolve(explicit_settings(args))
        from docgen_magic import api  # the status page and the usage read the API: not at %load_ext
        from docgen_magic.kernel.status import status_text, usage_text  # (it imports the API)

        if command == "status":
            self._show_text(status_text(settings))
        elif command == "usage":
            self._show_text(usage_text())
        elif command == "context":
            self._show_text(api.kernel_context_report(self._namespace() or {}, settings=settings))
        else:
            removed = api.clear_cache(settings)
            self._show_text(f"docgen: removed {removed} cached docstring{'s' if removed != 1 else ''} "
                            f"from {settings.resolved_cache_dir()}")


def is_variable_name(name: str) -> bool:
    """Whether ``-o`` names a variable the result can be stored in (an identifier, not a keyword).

    Args:
        name: The name given to ``-o``.

    Returns:
        True for an identifier that is not a keyword.
    """
    return name.isidentifier() and not keyword.iskeyword(name)


def _syntax_error_message(exc: CellSyntaxError, cell: str, first_line: int) -> str:
    """One line naming a syntax error's line as the notebook numbers it, and that line's text.

    Args:
        exc: The error (``lineno`` counts in the body).
        cell: The cell body.
        first_line: The notebook line of the ``%%docgen`` line.

    Returns:
        The message.
    """
    return f"%%docgen: {exc.describe(cell, line_offset=first_line)}; nothing was documented"


DocgenMagics.docgen.__doc__ = help_page(DocgenMagics.docgen.__doc__ or "")


def load_ipython_extension(ipython: Any) -> None:
    """Register the magics and make ``DocgenMagics`` configurable with ``%config``.

    Args:
        ipython: The InteractiveShell.
    """
    magics = DocgenMagics(shell=ipython, parent=ipython)
    ipython.register_magics(magics)
    if magics not in ipython.configurables:
        ipython.configurables.append(magics)

    def serve(comm: Any, data: Mapping[str, Any]) -> None:
        from docgen_magic.kernel.requests import handle_run_request  # imports the API: not at %load_ext

        handle_run_request(comm, data, magics.settings_for_line, magics.store_result)

    register_run_target(RUN_TARGET, serve)


def unload_ipython_extension(ipython: Any) -> None:
    """Remove the magics and their configurable, and release the providers and the private event loop.

    Args:
        ipython: The InteractiveShell.
    """
    api = sys.modules.get("docgen_magic.api")  # loaded only if %%docgen ran: nothing to release otherwise
    if api is not None:
        api.close()
    for kind in ("line", "cell"):
        ipython.magics_manager.magics[kind].pop("docgen", None)
    ipython.configurables[:] = [c for c in ipython.configurables if not isinstance(c, DocgenMagics)]
    unregister_run_target(RUN_TARGET)
    registry = ipython.magics_manager.registry
    for name in [n for n, m in registry.items() if isinstance(m, DocgenMagics)]:
        registry.pop(name, None)
