"""Writes never lose a byte: full disk, kill -9, Ctrl-C, concurrent edits, read-only files, encodings.

Everything runs on the real file system; faults are real too (RLIMIT_FSIZE in a child process, SIGKILL,
SIGINT, a second writer while the loopback fake model is slow).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from docgen_magic.infra.files import (
    FileError,
    Snapshot,
    WriteConflictError,
    decode_source,
    read_source_file,
    write_atomic,
)
from tests.docgen_runner import env_without_model
from tests.fake_openai import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent
KEY = "test-key-for-safe-writes"


def child_env(**extra: str) -> dict[str, str]:
    return env_without_model(**{"DOCGEN_PROVIDER": "offline", **extra})


def docgen(*args: str, env: dict[str, str] | None = None, preexec: object = None, timeout: float = 120,
           stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "docgen_magic", *args], capture_output=True, input=stdin,
                          env=env or child_env(), cwd=ROOT, timeout=timeout,
                          preexec_fn=preexec)  # type: ignore[arg-type]
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode("utf-8", "replace"),
                                       done.stderr.decode("utf-8", "replace"))


def big_module(functions: int = 1200) -> str:
    """About 130 KB of undocumented functions."""
    return "".join(f"def step_{i}(values, factor={i}):\n    total = sum(values) * factor\n"
                   f"    return [v + total for v in values if v > {i}]\n\n\n" for i in range(functions))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".docgen-tmp"))


# -- the write primitive ----------------------------------------------------------------------------------

def test_write_replaces_keeps_mode_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"x = 1\n")
    path.chmod(0o640)
    data, snapshot = path.read_bytes(), Snapshot.of(path.read_bytes(), path.stat().st_mtime_ns)
    assert data == b"x = 1\n"
    write_atomic(path, b"x = 2\n", expected=snapshot)
    assert path.read_bytes() == b"x = 2\n"
    assert path.stat().st_mode & 0o777 == 0o640
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may give a file to another owner")
def test_write_keeps_another_owner_where_allowed(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"x = 1\n")
    os.chown(path, 1234, 5678)
    write_atomic(path, b"x = 2\n")
    info = path.stat()
    assert (info.st_uid, info.st_gid) == (1234, 5678) and path.read_bytes() == b"x = 2\n"


def test_write_follows_a_symlink_and_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.py"
    real.write_text("x = 1\n")
    link = tmp_path / "link.py"
    link.symlink_to(real)
    write_atomic(link, b"x = 2\n")
    assert link.is_symlink() and real.read_text() == "x = 2\n"


def test_conflict_refuses_and_force_overrides(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("x = 1\n")
    source = read_source_file(path)
    path.write_text("x = 1  # edited meanwhile\n")
    with pytest.raises(WriteConflictError, match="changed since it was read"):
        write_atomic(path, b"x = 2\n", expected=source.snapshot)
    assert path.read_text() == "x = 1  # edited meanwhile\n"
    write_atomic(path, b"x = 2\n", expected=source.snapshot, force=True)
    assert path.read_text() == "x = 2\n"


def test_same_size_edit_is_a_conflict_and_a_touch_is_not(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("x = 1\n")
    source = read_source_file(path)
    os.utime(path, ns=(source.snapshot.mtime_ns + 10**9, source.snapshot.mtime_ns + 10**9))
    write_atomic(path, b"x = 2\n", expected=source.snapshot)  # same bytes, newer time: nothing to lose
    second = read_source_file(path)
    path.write_text("x = 3\n")  # same size, maybe the same mtime tick: the hash tells
    os.utime(path, ns=(second.snapshot.mtime_ns, second.snapshot.mtime_ns))
    with pytest.raises(WriteConflictError):
        write_atomic(path, b"x = 4\n", expected=second.snapshot)
    assert path.read_text() == "x = 3\n"


def test_removed_file_is_a_conflict(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("x = 1\n")
    source = read_source_file(path)
    path.unlink()
    with pytest.raises(WriteConflictError, match="removed"):
        write_atomic(path, b"x = 2\n", expected=source.snapshot)
    assert not path.exists()


def test_a_taken_temporary_name_is_neither_reused_nor_removed(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from docgen_magic.infra import files

    path = tmp_path / "m.py"
    path.write_text("x = 1\n")
    taken = tmp_path / ".m.py.0123456789abcdef.docgen-tmp"
    taken.write_text("another run's bytes\n")
    monkeypatch.setattr(files.secrets, "token_hex", lambda n: "0123456789abcdef")  # force the collision
    with pytest.raises(FileError, match="exists; the file is unchanged"):
        write_atomic(path, b"x = 2\n")
    assert taken.read_text() == "another run's bytes\n" and path.read_text() == "x = 1\n"


def test_read_only_file_is_refused_even_for_root(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("x = 1\n")
    path.chmod(0o444)
    with pytest.raises(FileError, match="read-only") as info:
        write_atomic(path, b"x = 2\n")
    assert "\n" not in str(info.value)
    assert path.read_text() == "x = 1\n" and leftovers(tmp_path) == []


# -- real faults through the command ----------------------------------------------------------------------

def _limit_file_size(limit: int, *, ignore_signal: bool) -> object:
    def apply() -> None:
        import resource

        if ignore_signal:  # the write then fails with EFBIG, as on a full disk
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize("suffix", [".py", ".ipynb"])
def test_full_disk_leaves_the_original_and_says_one_line(tmp_path: Path, suffix: str) -> None:
    code = big_module()
    path = tmp_path / f"big{suffix}"
    if suffix == ".py":
        path.write_text(code)
    else:
        cells = [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
                  "source": chunk} for i, chunk in enumerate(code.split("\n\n\n")[:-1])]
        path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1))
    before = path.read_bytes()
    done = docgen("--write", str(path), "--no-cache",
                  preexec=_limit_file_size(len(before) // 2, ignore_signal=True))
    assert done.returncode == 2, done.stderr
    assert path.read_bytes() == before
    assert leftovers(tmp_path) == []
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert str(path) in lines[0] and "unchanged" in lines[0]


_SLOW_WRITER = """
import sys
from pathlib import Path
from docgen_magic.infra.files import write_atomic
write_atomic(Path(sys.argv[1]), b"# complete\\n" * 40_000_000)
"""


def test_kill_9_mid_write_leaves_the_original(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("original = True\n")
    child = subprocess.Popen([sys.executable, "-c", _SLOW_WRITER, str(path)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait until the new bytes are being written
            temporaries = [p for p in tmp_path.iterdir() if p.name.endswith(".docgen-tmp")]
            if temporaries and temporaries[0].stat().st_size > 0:
                break
            assert child.poll() is None, "the writer finished before it could be killed"
            time.sleep(0.005)
        else:
            pytest.fail("the writer never started writing")
        child.kill()
    finally:
        child.wait(30)
    assert child.returncode == -signal.SIGKILL
    assert path.read_text() == "original = True\n"


def test_ctrl_c_mid_write_leaves_the_original_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("original = True\n")
    writer = _SLOW_WRITER.replace("40_000_000", "4_000_000")
    child = subprocess.Popen([sys.executable, "-c", writer, str(path)], cwd=ROOT, stderr=subprocess.PIPE,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while not leftovers(tmp_path) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert path.read_bytes() in (b"original = True\n", b"# complete\n" * 4_000_000)
    assert leftovers(tmp_path) == []
    if path.read_bytes() == b"original = True\n":
        assert b"KeyboardInterrupt" in err


def test_kill_9_at_random_moments_of_a_write_run(tmp_path: Path) -> None:
    path = tmp_path / "big.py"
    original = big_module(300)
    path.write_text(original)
    expected = docgen(str(path), "--no-cache").stdout  # what --write produces
    assert expected != original
    outcomes = set()
    for delay in (0.2, 0.35, 0.5, 0.65, 0.8, 1.0, 1.5):
        path.write_text(original)
        child = subprocess.Popen([sys.executable, "-m", "docgen_magic", "--write", "--no-cache", str(path)],
                                 cwd=ROOT, env=child_env(), stderr=subprocess.DEVNULL)
        time.sleep(delay)
        child.kill()
        child.wait(30)
        text = path.read_text()
        assert text in (original, expected)
        outcomes.add(text == expected)
    assert False in outcomes  # some kills came before the write (the loop is not vacuous)


def _write_while_the_model_waits(
    path: Path, fake: FakeOpenAI, tmp_path: Path
) -> tuple[dict[str, str], subprocess.Popen[str]]:
    """Start ``docgen --write path`` against the slow fake and return once the model has been asked.

    Returns:
        The child's environment and the running child process.
    """
    env = child_env(DOCGEN_PROVIDER="azure", AZURE_OPENAI_ENDPOINT=fake.url, AZURE_OPENAI_API_KEY=KEY,
                    AZURE_OPENAI_DEPLOYMENT="d", DOCGEN_CACHE_DIR=str(tmp_path / "cache"))
    child = subprocess.Popen([sys.executable, "-m", "docgen_magic", "--write", str(path)], cwd=ROOT,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not fake.requests and time.monotonic() < deadline:
        time.sleep(0.02)
    return env, child


def test_concurrent_edit_during_a_slow_model_run_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("def add(a, b):\n    return a + b\n")
    with FakeOpenAI(api_key=KEY, latency=1.5) as fake:
        env, child = _write_while_the_model_waits(path, fake, tmp_path)
        assert fake.requests, "the model was never asked"
        path.write_text("def add(a, b):\n    return a + b  # my edit, saved while docgen waited\n")
        _, err = child.communicate(timeout=60)
        assert child.returncode == 1
        assert path.read_text().endswith("# my edit, saved while docgen waited\n")
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "changed since it was read" in lines[0] and "--force" in lines[0], err
        forced = docgen("--write", "--force", str(path), env=env)
        assert forced.returncode == 0, forced.stderr
        assert '"""' in path.read_text() and "# my edit" in path.read_text()


def test_a_notebook_saved_by_jupyter_during_the_run_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    cell = {"cell_type": "code", "execution_count": None, "id": "a1", "metadata": {}, "outputs": [],
            "source": ["def add(a, b):\n", "    return a + b\n"]}
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(notebook, indent=1) + "\n")
    with FakeOpenAI(api_key=KEY, latency=1.5) as fake:
        _, child = _write_while_the_model_waits(path, fake, tmp_path)
        saved = {**notebook, "cells": [cell, {**cell, "id": "b2", "source": "x = 1  # typed meanwhile\n"}]}
        path.write_text(json.dumps(saved, indent=1) + "\n")  # what an autosave does
        _, err = child.communicate(timeout=60)
    assert child.returncode == 1, err
    assert json.loads(path.read_text()) == saved
    assert "changed since it was read" in err and len(err.strip().splitlines()) == 1


def test_ctrl_c_during_the_model_run_leaves_the_file(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("def add(a, b):\n    return a + b\n")
    with FakeOpenAI(api_key=KEY, latency=5) as fake:
        env = child_env(DOCGEN_PROVIDER="azure", AZURE_OPENAI_ENDPOINT=fake.url, AZURE_OPENAI_API_KEY=KEY,
                        AZURE_OPENAI_DEPLOYMENT="d", DOCGEN_CACHE_DIR=str(tmp_path / "cache"))
        # A shell starts background jobs with SIGINT ignored, and a child inherits that: restore the default so
        # that Python in the child turns SIGINT into KeyboardInterrupt, as in a terminal.
        child = subprocess.Popen([sys.executable, "-m", "docgen_magic", "--write", str(path)], cwd=ROOT,
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.monotonic() + 60
        while not fake.requests and time.monotonic() < deadline:
            time.sleep(0.02)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert path.read_text() == "def add(a, b):\n    return a + b\n"
    assert "Traceback" not in err and leftovers(tmp_path) == []


def test_write_on_a_read_only_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("def add(a, b):\n    return a + b\n")
    path.chmod(0o444)
    done = docgen("--write", str(path))
    assert done.returncode == 2
    assert done.stderr.strip() == f"docgen: {path}: not written: the file is read-only"
    assert path.read_text() == "def add(a, b):\n    return a + b\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may create files in a read-only folder")
def test_write_in_a_read_only_folder_is_one_line(tmp_path: Path) -> None:  # pragma: no cover - non-root
    path = tmp_path / "m.py"
    path.write_text("def add(a, b):\n    return a + b\n")
    tmp_path.chmod(0o555)
    try:
        done = docgen("--write", str(path))
    finally:
        tmp_path.chmod(0o755)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "temporary file" in done.stderr


# -- encodings --------------------------------------------------------------------------------------------

LATIN1 = "# -*- coding: latin-1 -*-\ndef greet(name):\n    return 'Grüße, ' + name\n"


def test_latin1_with_a_coding_line_is_read_and_written_back_in_latin1(tmp_path: Path) -> None:
    path = tmp_path / "legacy.py"
    path.write_bytes(LATIN1.encode("latin-1"))
    done = docgen("--write", str(path))
    assert done.returncode == 0, done.stderr
    data = path.read_bytes()
    assert "Grüße".encode("latin-1") in data
    text = data.decode("latin-1")
    assert text.startswith("# -*- coding: latin-1 -*-\ndef greet(name):\n    \"\"\"")
    compile(data, str(path), "exec")  # Python reads it as we wrote it


def test_bom_is_kept_and_a_coding_line_that_contradicts_it_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bom.py"
    path.write_bytes(b"\xef\xbb\xbfdef f(x):\n    return x\n")
    assert docgen("--write", str(path)).returncode == 0
    assert path.read_bytes().startswith(b"\xef\xbb\xbfdef f(x):\n    \"\"\"")
    with pytest.raises(FileError):
        decode_source(b"\xef\xbb\xbf# coding: latin-1\nx = 1\n")
    path.write_bytes(b"# coding: no-such-codec\nx = 1\n")
    done = docgen(str(path))
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_non_utf8_without_a_coding_line_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.py"
    path.write_bytes(b"x = 1\ny = '\xe9'\n")
    done = docgen(str(path))
    assert done.returncode == 2
    assert done.stderr.strip() == (f"docgen: {path}:2: not UTF-8 text (byte 0xe9); another encoding needs a "
                                   "PEP 263 coding line, e.g. # -*- coding: latin-1 -*-")
    first_line = docgen("-", stdin=b"x = '\xff'\n")  # standard input is decoded the same way
    assert first_line.stderr.strip() == ("docgen: <stdin>:1: not UTF-8 text (byte 0xff); another encoding needs "
                                         "a PEP 263 coding line, e.g. # -*- coding: latin-1 -*-")


def test_latin1_on_standard_input_is_printed_back_in_latin1(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "docgen_magic", "-"], input=LATIN1.encode("latin-1"),
                          capture_output=True, env=child_env(), cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Grüße".encode("latin-1") in done.stdout
    compile(done.stdout, "<stdout>", "exec")
    path = tmp_path / "legacy.py"  # and `docgen FILE > out.py` makes a file Python reads the same way
    path.write_bytes(LATIN1.encode("latin-1"))
    printed = subprocess.run([sys.executable, "-m", "docgen_magic", str(path)], capture_output=True,
                             env=child_env(), cwd=ROOT, timeout=120).stdout
    assert printed == done.stdout


def test_a_result_the_encoding_cannot_hold_is_not_written(tmp_path: Path) -> None:
    source = read_source_file_from(tmp_path, "# coding: ascii\nx = 1\n".encode("ascii"))
    with pytest.raises(FileError, match="ascii cannot hold"):
        source.encode("x = 1\n'—'\n")


def read_source_file_from(folder: Path, data: bytes):  # type: ignore[no-untyped-def]
    path = folder / "s.py"
    path.write_bytes(data)
    return read_source_file(path)


# -- bad inputs, one line each ----------------------------------------------------------------------------

@pytest.mark.parametrize(("cells", "message"), [
    (["print(1)"], "cell 1 is text, not an object"),
    ([{"cell_type": "code", "source": ["x = 1\n", 2]}], "cell 1: source line 2 is a number, not text"),
    ([{"cell_type": "code", "source": 7}], "cell 1: source is a number, not text"),
    ([{"source": "x"}], "cell 1 has no cell_type"),
])
def test_malformed_notebook_structures_are_one_line(tmp_path: Path, cells: list[object], message: str) -> None:
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    before = path.read_bytes()
    for mode in ((), ("--write",), ("--check",)):
        done = docgen(*mode, str(path))
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip() == f"docgen: {path}: not a usable notebook: {message}"
    assert path.read_bytes() == before


def test_check_over_a_folder_goes_on_past_bad_files(tmp_path: Path) -> None:
    (tmp_path / "a_bad_bytes.py").write_bytes(b"x = '\xff'\n")
    (tmp_path / "b_syntax.py").write_text("def broken(:\n")
    (tmp_path / "c_notebook.ipynb").write_text('{"cells": [1]}')
    (tmp_path / "d_good.py").write_text("def f(x):\n    return x\n")
    done = docgen("--check", "-q", str(tmp_path), str(tmp_path / "missing.py"))
    assert done.returncode == 2
    assert "d_good.py:1: f:" in done.stdout  # the good file after the bad ones was checked
    errors = done.stderr.strip().splitlines()
    assert [line.split(":")[1].strip().rsplit("/", 1)[-1] for line in errors] == [
        "a_bad_bytes.py", "b_syntax.py", "c_notebook.ipynb", "missing.py"], errors
    assert "Traceback" not in done.stderr


def test_output_into_a_pipe_closed_early_is_quiet(tmp_path: Path) -> None:
    path = tmp_path / "big.ipynb"  # one write per cell, far more than a pipe buffer in all
    cells = [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
              "source": f"def step_{i}(values, factor={i}):\n    return [v * factor for v in values]\n"}
             for i in range(1500)]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    child = subprocess.Popen([sys.executable, "-m", "docgen_magic", str(path)], cwd=ROOT, env=child_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None and child.stderr is not None
    first = child.stdout.readline()
    child.stdout.close()  # like `| head -1`
    err = child.stderr.read().decode()
    child.wait(60)
    assert first == b"# %% [cell 1]\n"
    assert err == "", err
    assert child.returncode == 141
