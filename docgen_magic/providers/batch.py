"""Batch mode: the first request of every target goes through the Batch API (about half the price, 24 h window).

:class:`BatchProvider` wraps a chat provider. While a run plans its targets, each first-attempt request is
collected instead of sent; once no new one has arrived for a moment, the whole set becomes one JSONL file,
uploaded (``/files``) and submitted (``/batches``; Azure OpenAI: a global batch deployment). The batch is polled
until it ends, its output downloaded, and each answer handed back to its target, which validates it as it
would an online answer. A refinement (an answer that failed validation) and a line the batch could not answer
are asked online, through the wrapped provider.

Resumable: the batch id is kept in the cache folder under a hash of the requests, so running the same
command again (after Ctrl-C, or while the batch is still running) picks the batch up instead of paying twice.
Token usage comes from the batch output and is reported like online usage.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docgen_magic.core.errors import ProviderTransientError
from docgen_magic.core.ports import GenerationRequest, Reply
from docgen_magic.providers.chat import ChatProvider

logger = logging.getLogger(__name__)

_DONE = frozenset({"completed", "failed", "expired", "cancelled"})


@dataclass
class _Pending:
    request: GenerationRequest
    params: dict[str, Any]
    future: asyncio.Future[Reply]


class BatchProvider:
    """Sends first attempts through the Batch API and everything else through the wrapped chat provider.

    Attributes:
        name: The wrapped provider's name.
        model: The wrapped provider's model or deployment.
        is_template: Always False.
        state_dir: Folder of the resumable batch state files.
        poll_seconds: Seconds between status polls.
        gather_seconds: Quiet time after the last collected request before the batch is submitted.
        batches: Ids of the batches this provider submitted or resumed.
    """

    is_template = False

    def __init__(self, inner: ChatProvider, *, state_dir: str, poll_seconds: float = 10.0,
                 gather_seconds: float = 0.2) -> None:
        """Wrap a chat provider.

        Args:
            inner: The Azure OpenAI / OpenAI provider (its client, model and tool are used).
            state_dir: Folder for the batch state (the cache folder).
            poll_seconds: Seconds between status polls.
            gather_seconds: Quiet time after the last collected request before submitting.
        """
        self.inner = inner
        self.name, self.model = inner.name, inner.model
        self.state_dir = Path(state_dir) / "batches"
        self.poll_seconds = poll_seconds
        self.gather_seconds = gather_seconds
        self.batches: list[str] = []
        self._pending: list[_Pending] = []
        self._timer: asyncio.TimerHandle | None = None

    def __repr__(self) -> str:
        """Name the wrapped provider.

        Returns:
            The representation.
        """
        return f"BatchProvider({self.inner!r})"

    async def generate(self, request: GenerationRequest) -> Reply:
        """Wait for the batch with a first attempt; ask a refinement online.

        Args:
            request: The target's request; attempt 1 joins the batch, later attempts go online.

        Returns:
            The answer from the batch output, or from the online request.

        Raises:
            ProviderError: The batch or the online request failed for good.
        """
        if request.attempt > 1:
            return await self.inner.generate(request)
        loop = asyncio.get_running_loop()
        pending = _Pending(request, self.inner.request_params(request), loop.create_future())
        self._pending.append(pending)
        if self._timer is not None:
            self._timer.cancel()
        self._timer = loop.call_later(self.gather_seconds, lambda: loop.create_task(self._submit()))
        return await pending.future

    async def aclose(self) -> None:
        """Close the wrapped provider."""
        await self.inner.aclose()

    # -- one batch -------------------------------------------------------------------------------------------

    async def _submit(self) -> None:
        pending, self._pending, self._timer = self._pending, [], None
        try:
            outputs = await self._run_batch(pending)
        except Exception as exc:
            logger.debug("batch failed", exc_info=True)
            for item in pending:
                if not item.future.done():
                    item.future.set_exception(exc)
            return
        for n, item in enumerate(pending):
            if item.future.done():
                continue
            line = outputs.get(f"t{n}")
            if line is None or not (line.get("response") or {}).get("body"):
                item.future.set_result(await self._online(item.request, line))
            else:
                item.future.set_result(self._reply(item.request, line["response"]["body"]))

    async def _online(self, request: GenerationRequest, line: dict[str, Any] | None) -> Reply:
        why = ((line or {}).get("error") or {}).get("message") or "no answer in the batch output"
        logger.info("%s: %s; asking online", request.target.qualname, why)
        return await self.inner.generate(request)

    def _reply(self, request: GenerationRequest, body: dict[str, Any]) -> Reply:
        from openai.types.chat import ChatCompletion

        response = ChatCompletion.model_validate(body)
        return self.inner.reply_of(response, 0.0, request)

    def _jsonl(self, pending: list[_Pending]) -> bytes:
        url = "/chat/completions" if self.inner.name == "azure" else "/v1/chat/completions"
        lines = [json.dumps({"custom_id": f"t{n}", "method": "POST", "url": url, "body": item.params},
                            sort_keys=True) for n, item in enumerate(pending)]
        return ("\n".join(lines) + "\n").encode("utf-8")

    def _state_file(self, data: bytes) -> Path:
        key = hashlib.sha256(f"{self.inner.name}\n{self.inner.shown_endpoint}\n".encode() + data).hexdigest()
        return self.state_dir / f"{key[:32]}.json"

    async def _run_batch(self, pending: list[_Pending]) -> dict[str, dict[str, Any]]:
        client = self.inner.client()
        data = self._jsonl(pending)
        state_file = self._state_file(data)
        batch_id = self._resume(state_file)
        if batch_id is None:
            upload = await client.files.create(file=("docgen-batch.jsonl", io.BytesIO(data)), purpose="batch")
            endpoint = "/chat/completions" if self.inner.name == "azure" else "/v1/chat/completions"
            batch = await client.batches.create(input_file_id=upload.id, endpoint=endpoint, completion_window="24h")
            batch_id = batch.id
            self.state_dir.mkdir(parents=True, exist_ok=True)
            state_file.write_text(json.dumps({"batch_id": batch_id, "input_file_id": upload.id,
                                              "requests": len(pending), "created": time.time()}), encoding="utf-8")
            logger.info("%s: batch %s submitted (%d requests)", self.name, batch_id, len(pending))
        else:
            logger.info("%s: resuming batch %s (%d requests)", self.name, batch_id, len(pending))
        self.batches.append(batch_id)
        batch = await self._wait(client, batch_id)
        if batch.status != "completed" or not batch.output_file_id:
            state_file.unlink(missing_ok=True)  # a failed or expired batch is not resumed
            raise ProviderTransientError(f"{self.name}: batch {batch_id} ended {batch.status}")
        content = await client.files.content(batch.output_file_id)
        outputs = {}
        for line in content.text.splitlines():
            if line.strip():
                record = json.loads(line)
                outputs[record.get("custom_id")] = record
        state_file.unlink(missing_ok=True)  # answered: a rerun reads the docstring cache instead
        return outputs

    def _resume(self, state_file: Path) -> str | None:
        try:
            state = json.loads(state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        batch_id = state.get("batch_id") if isinstance(state, dict) else None
        return batch_id if isinstance(batch_id, str) else None

    async def _wait(self, client: Any, batch_id: str) -> Any:
        while True:
            batch = await client.batches.retrieve(batch_id)
            counts = batch.request_counts
            if counts is not None:
                logger.info("%s: batch %s %s: %d of %d done", self.name, batch_id, batch.status,
                            counts.completed + counts.failed, counts.total)
            if batch.status in _DONE:
                return batch
            await asyncio.sleep(self.poll_seconds)
