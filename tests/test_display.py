"""The plain mimebundle of a %%docgen result (text/plain + text/html) and of --check."""

from __future__ import annotations

import html
import re

import pytest

from docgen_magic import api
from docgen_magic.core.result import FAILED, Result, TargetOutcome
from docgen_magic.core.usage import Usage
from docgen_magic.kernel.check_view import check_bundle
from docgen_magic.kernel.review_state import ReviewState, review_bundle, review_data
from docgen_magic.views.result import AZURE_HINT, notes_for, report_html, result_bundle, result_html, result_text
from docgen_magic.views.style import code_html, highlight

CELL = ("def add(a, b):\n    return a + b\n\n\n"
        "def scale(values, factor=2.0):\n    for v in values:\n        yield v * factor\n")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Result:
    """An offline result of CELL, chosen automatically (no model configured)."""
    for name in ("AZURE_OPENAI_ENDPOINT", "OPENAI_API_KEY", "OPENAI_BASE_URL", "DOCGEN_PROVIDER"):
        monkeypatch.delenv(name, raising=False)
    return api.document(CELL, use_cache=False)


def _text_of(fragment: str) -> str:
    """The visible text of an HTML fragment.

    Args:
        fragment: HTML.

    Returns:
        Text without tags, entities decoded.
    """
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_text_plain_has_code_usage_and_hint(offline: Result) -> None:
    """text/plain: the documented code, then the usage line and the configure-a-model hint as comments."""
    text = result_text(offline)
    assert text.startswith(offline.code.rstrip("\n"))
    assert "# " + offline.usage_line() in text
    assert "# " + AZURE_HINT in text


def test_text_html_has_code_diff_report_usage(offline: Result) -> None:
    """text/html: highlighted code in .docgen-code, a report row per target, the usage line."""
    bundle = result_bundle(offline)
    assert set(bundle) == {"text/plain", "text/html"}
    page = bundle["text/html"]
    code = re.search(r'<div class="docgen-code">(.*?)</div>', page, re.S)
    assert code is not None
    assert _text_of(code.group(1)).strip() == offline.code.strip()
    assert 'class="docgen-diff"' not in page  # the diff is the interactive review's: saved once, not twice
    assert page.count("<tr>") == 1 + len(offline.targets)
    assert html.escape(offline.usage_line()) in page
    assert "<script" not in page


def test_highlight_escapes_without_pygments(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without Pygments the code is escaped inside <pre>."""
    import builtins

    real_import = builtins.__import__

    def no_pygments(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("pygments"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pygments)
    assert highlight("x = '<b>'\n") == '<pre class="docgen-pre">x = &#x27;&lt;b&gt;&#x27;\n</pre>'


def test_code_html_never_lets_code_become_markup() -> None:
    """Code containing HTML stays text."""
    page = code_html('s = "</div><script>alert(1)</script>"\n')
    assert "<script>" not in page and "&lt;" in page


def _failed_result() -> Result:
    """A result where one of two targets failed."""
    good = TargetOutcome(name="ok_fn", kind="function", status="documented", attempts=2,
                         problems_fixed=["missing-param"], usage=Usage(requests=2, prompt_tokens=100,
                                                                       completion_tokens=20))
    bad = TargetOutcome(name="bad_fn", kind="function", status=FAILED, attempts=3,
                        error="no valid answer after 3 attempts: missing-param b")
    return Result(code="x = 1\n", original="x = 1\n", targets=[good, bad], provider="azure", model="dep",
                  provider_reason="azure: AZURE_OPENAI_ENDPOINT is set", template=False,
                  usage=Usage(requests=5, prompt_tokens=300, completion_tokens=50))


def test_failures_are_named_with_their_reason() -> None:
    """A failed target is named with its reason, in text and in the report; a configured model has no hint."""
    result = _failed_result()
    text = result_text(result)
    assert "# bad_fn failed: no valid answer after 3 attempts: missing-param b (left as written)" in text
    assert AZURE_HINT not in text
    report = report_html(result)
    assert '<tr class="docgen-failed">' in report
    assert "missing-param" in report and "120" in report  # problems fixed, tokens


def test_same_error_everywhere_is_said_once() -> None:
    """When every target failed the same way (bad key), one line says so."""
    outcomes = [TargetOutcome(name=n, kind="function", status=FAILED, error="azure: authentication failed (401)")
                for n in ("a", "b", "c")]
    result = Result(code="", original="", targets=outcomes, provider="azure", model="d", template=False)
    notes = notes_for(result)
    assert notes == ["every target failed: azure: authentication failed (401) (the cell is unchanged)"]


def test_check_bundle_counts_and_names_gaps() -> None:
    """--check: coverage line, one line per incomplete target with the %%docgen line counted."""
    report = api.check('def a(x):\n    """A.\n\n    Args:\n        x: Number of rows.\n    """\n\n\n'
                       'def b(y):\n    return y\n')
    bundle = check_bundle(report, line_offset=1)
    lines = bundle["text/plain"].splitlines()
    assert lines[0] == "coverage: 1/2 public functions and classes fully documented (50%)"
    assert lines[1:3] == ["line 10: function b", "    - no docstring"]
    assert "<table>" in bundle["text/html"] and "no docstring" in bundle["text/html"]
    complete = check_bundle(api.check('def a():\n    """A."""\n'))
    assert "every public function and class is fully documented" in complete["text/plain"]


def test_check_lists_each_gap_and_why_it_matters() -> None:
    """Teaching mode: every gap of a target on its own line, then once per kind of gap why it matters."""
    report = api.check('def grade(score, mark=50):\n    """Grade.\n\n    Args:\n        score: S.\n    """\n'
                       '    if score < 0:\n        raise ValueError("neg")\n    return score >= mark\n')
    text = check_bundle(report, line_offset=1)["text/plain"]
    lines = text.splitlines()
    at = lines.index("line 2: function grade")
    assert lines[at + 1:at + 4] == ["    - parameter(s) not documented: mark",
                                    "    - returns a value but has no Returns section",
                                    "    - raises ValueError but does not document it"]
    why = text.split("why it matters:")[1]
    assert "what to pass" in why and "what comes back" in why and "errors to expect" in why
    assert "no docstring:" not in why  # only the kinds of gap that occur
    page = check_bundle(report)["text/html"]
    assert page.count("<li>") >= 6 and "Why it matters" in page


def test_check_without_targets_does_not_claim_full_coverage() -> None:
    """A cell without functions says there is nothing to check, not "every function is documented"."""
    for cell in ("import os\nx = 1\n", "%%time\nx = 1\n"):
        text = check_bundle(api.check(cell))["text/plain"]
        assert text.startswith("coverage: nothing to check")
        assert "fully documented" not in text


def test_failures_come_first_and_alike_errors_are_grouped() -> None:
    """text/plain names failures above the code; targets failing the same way share one line, capped."""
    outcomes = [TargetOutcome(name="good", kind="function", status="documented")]
    outcomes += [TargetOutcome(name=f"f{i}", kind="function", status=FAILED, error="azure: bad request (400)")
                 for i in range(30)]
    outcomes += [TargetOutcome(name="g", kind="function", status=FAILED, error="azure: timed out after 1 s")]
    code = "def good():\n    pass\n"
    result = Result(code=code, original=code, targets=outcomes, provider="azure", model="d", template=False)
    text = result_text(result)
    assert text.startswith("# f0, f1, f2, f3, f4 and 25 more failed: azure: bad request (400) (left as written)\n"
                           "# g failed: azure: timed out after 1 s (left as written)\n\ndef good():")
    assert text.count("failed:") == 2
    many = [TargetOutcome(name=f"h{i}", kind="function", status=FAILED, error=f"error {i}") for i in range(40)]
    notes = notes_for(Result(code="", original="", targets=[*outcomes[:1], *many], provider="azure",
                             template=False))
    assert len(notes) == 12 and notes[-1] == "... and 29 more failed targets: see the Report"
    page = result_html(result)
    assert '<li class="docgen-failed">f0, f1' in page


def test_offline_hint_says_how_to_configure_without_a_restart(offline: Result) -> None:
    """The offline note names the three Azure variables and says a rerun (not a kernel restart) picks them up."""
    for name in ("AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_DEPLOYMENT", "os.environ", "rerun"):
        assert name in AZURE_HINT
    assert "before starting the kernel" not in AZURE_HINT
    assert len(AZURE_HINT) < 260
    empty = api.document("x = 1\n", use_cache=False)
    assert AZURE_HINT not in notes_for(empty)  # nothing to document: no nagging about models


def test_long_panes_scroll_in_the_html_fallback(offline: Result) -> None:
    """Code, diff and report are height-capped and scroll, so a 200-function cell stays usable."""
    page = result_html(offline)
    assert "max-height:40em;overflow:auto" in page


def test_terminal_ipython_prints_the_plain_text(tmp_path: object) -> None:
    """Outside a kernel (terminal IPython) %%docgen shows the text/plain rendering, no widget."""
    import os
    import subprocess
    import sys

    code = ("from IPython.core.interactiveshell import InteractiveShell\n"
            "ip = InteractiveShell.instance()\n"
            "ip.run_line_magic('load_ext', 'docgen_magic')\n"
            "ip.run_cell_magic('docgen', '--provider offline', 'def add(a, b):\\n    return a + b\\n')\n"
            "import sys; print('ipywidgets' in sys.modules)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCGEN_")} | {"DOCGEN_CACHE_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert 'def add(a, b):\n    """' in out and "1 documented" in out
    assert out.strip().endswith("False")  # no widget machinery imported


# ------------------------------------------------------------------ the review's data


def _apply(review: dict[str, object], names: set[str]) -> str:
    """Apply the named targets' edits to the original lines, bottom-up, as the frontend does.

    Args:
        review: The review data.
        names: The accepted targets.

    Returns:
        The code.
    """
    lines = list(review["lines"])  # type: ignore[call-overload]
    edits = [t["edit"] for t in review["targets"] if t.get("edit") and t["name"] in names]  # type: ignore[attr-defined]
    for start, stop, added in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        lines[start:stop] = added
    return "".join(lines)


def test_every_subset_of_accepted_edits_is_valid_code() -> None:
    """Per-function accept: each subset of the targets' edits gives code that parses to the original AST."""
    import ast
    import itertools

    cell = ("class Model:\n    def fit(self, x): return x\n\n    def predict(self, x):\n        return x\n\n\n"
            "def helper(a, b=1):\n    def inner(c):\n        return c\n    return inner(a) + b\n")
    result = api.document(cell, use_cache=False, nested_functions=True)
    review = review_data(ReviewState(status="done", result=result))
    names = [t["name"] for t in review["targets"] if t.get("edit")]
    assert names == ["Model", "Model.fit", "Model.predict", "helper", "helper.inner"]
    assert _apply(review, set(names)) == result.code
    original = ast.dump(ast.parse(cell))
    for size in range(len(names) + 1):
        for chosen in itertools.combinations(names, size):
            code = _apply(review, set(chosen))
            tree = ast.parse(code)
            docs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and
                    ast.get_docstring(n) is not None]
            assert len(docs) == size
            for node in docs:
                node.body = node.body[1:]
            assert ast.dump(tree) == original


def test_review_state_counts_from_the_list() -> None:
    """Every target is listed (queued) from the start; the count is the finished ones in the list."""
    state = ReviewState()
    state.plan(["a", "b", "c"])
    assert review_data(state)["targets"] == [{"name": n, "state": "queued"} for n in "abc"]
    state.advance("a", "started", 0, 3)
    state.advance("b", "retrying", 0, 3)
    assert state.done == 0
    state.advance("a", "documented", 1, 3)
    state.advance("c", "failed", 1, 3)  # the pipeline's count can lag the list: the list wins
    assert (state.done, state.total) == (2, 3)
    plain = review_bundle(state)["text/plain"]
    assert plain.splitlines()[0].startswith("docgen: 2/3 targets")
    assert "retrying      b" in plain and "in flight" not in plain


def test_rejected_requests_show_in_the_summary() -> None:
    """Requests the API rejected are counted and said."""
    assert Usage(requests=3, failed_requests=3).summary().startswith("3 requests (3 rejected by the API) · ")
    assert "rejected" not in Usage(requests=2).summary()


def test_review_data_says_the_runs_mode() -> None:
    """The review carries the run's resolved mode, so the extension never reads the ``%%docgen`` line."""
    assert review_data(ReviewState(line="--update"))["mode"] == "add"  # the line alone is not the setting
    assert review_data(ReviewState(update=True))["mode"] == "update"
