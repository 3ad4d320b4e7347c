"""The Azure OpenAI / OpenAI provider on the official ``openai`` SDK: Chat Completions, one forced strict tool.

The SDK client is created lazily, inside the event loop that first asks for a docstring (it is bound to that
loop), and ``openai`` is imported only then, so importing docgen_magic stays fast. Clients are shared through
:class:`~docgen_magic.providers.connections.Connections`: one per (loop, endpoint, credential), each provider
applying its own timeout, retries and API version with ``with_options``. Transport faults are
retried by the SDK itself (``max_retries``; it retries 408, 409, 5xx and connection errors); what is left after
the retries becomes a one-line ProviderError. Rate limits are paced by the provider's :class:`RateLimiter`
(the deployment's limits are shared by every run using it): each answer's ``x-ratelimit-*`` headers and each
429 adjust it, and a 429 is asked again once its ``retry-after`` has passed (the SDK is told not to retry 429s
itself, with its ``x-should-retry`` header, so that one place decides when).

Counting: ``Reply.usage.requests`` is 1 per answered request, however many SDK retries it took; the
retries are counted separately in :attr:`ChatProvider.retries` (read from the SDK's ``retries_taken``).
The API key is kept only inside the SDK client and never appears in a message, log line or repr.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import urllib.parse
from contextvars import ContextVar
from typing import Any

from docgen_magic.core.errors import (
    ProviderAuthenticationError,
    ProviderConfigurationError,
    ProviderError,
    ProviderTransientError,
)
from docgen_magic.core.facts import Target
from docgen_magic.core.jsontext import read_object, without_reasoning
from docgen_magic.core.ports import GenerationRequest, Reply
from docgen_magic.core.prompt import TOOL_NAME, answer_sections, prompt_chars, tool_choice, tool_definition
from docgen_magic.core.rules import Code
from docgen_magic.core.usage import Usage
from docgen_magic.core.validate import Problem, no_tool_call
from docgen_magic.infra.redact import MIN_MASKED_LENGTH, install_log_redaction, redact, register_secret
from docgen_magic.providers.connections import ClientKey, Connections, ServerTraits
from docgen_magic.providers.ratelimit import MAX_PAUSE, RateHeaders, RateLimiter, Ticket, retry_after_seconds
from docgen_magic.settings import DEFAULT_OPENAI_MODEL, shown_url

logger = logging.getLogger(__name__)

ENTRA_SCOPE = "https://cognitiveservices.azure.com/.default"
MAX_TIMEOUT_SCALE = 8
"""A timeout that passes with the server silent doubles the wait for that server, up to this many times the
setting (a CPU model's one answer can take longer than the timeout: waiting beats asking again)."""
MAX_RATE_LIMIT_ROUNDS = 20
"""429s one request may meet before it fails (each one waited out first)."""
_SENDING: ContextVar[tuple[RateLimiter, Ticket] | None] = ContextVar("docgen_sending", default=None)
"""The limiter and ticket of the request the current task sends: the HTTP client's hooks tell the limiter when
it goes on the wire and when a 429 comes back."""
CAP_BASE = 160
"""Completion tokens a docstring answer needs besides its items (summary, description, JSON keys)."""
CAP_PER_ITEM = 64
"""Completion tokens per documented item (parameter, raise, attribute, returns, yields)."""
_CONTENT_MODES = ("json_schema", "json")
_ANSWER_IN_CONTENT = (f"Reply with one JSON object only: the arguments of {TOOL_NAME} (no function call, no "
                      "Markdown, no other text).")

# Parameters whose rejection by the server means every request will fail the same way (a setting to change).
_CONFIG_PARAMS = frozenset({"temperature", "max_completion_tokens", "max_tokens", "tools", "tool_choice",
                            "strict", "model", "api-version", "parallel_tool_calls"})
_CONFIG_WORDS = ("unsupported parameter", "unsupported value", "not supported", "unrecognized request argument",
                 "api version", "api-version", "does not support", "unknown parameter")


def _one_line(text: str, limit: int = 160) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


class ChatProvider:
    """Docstrings from a chat model through Chat Completions with one forced function tool.

    Attributes:
        name: ``azure`` or ``openai``.
        model: The Azure deployment name or the OpenAI model name.
        is_template: Always False.
        endpoint: The Azure endpoint or the OpenAI base URL (None for api.openai.com).
        shown_endpoint: The endpoint as shown in messages and reprs (no ``user:password@``, no query).
        timeout: Seconds before one HTTP attempt times out.
        max_retries: SDK retries for transport faults.
        strict: Send the tool schema in strict mode.
        max_completion_tokens: The ceiling of the completion cap (each request asks for what its target needs).
        send_temperature: Send ``temperature=0``.
        concurrency: The ceiling of requests in flight at once.
        structured_output: How the answer is asked for: ``auto`` (learned from the first answer), ``tool``,
            ``json_schema`` or ``json``.
        retries: Retries taken so far by this provider, the SDK's and timeouts' (not counted in
            ``Usage.requests``).
        limiter: The deployment's rate limiter, shared by the providers of one loop, endpoint, credential and
            model: that of the last request (None before the first).
    """

    is_template = False

    def __init__(self, *, name: str, model: str, endpoint: str | None, api_key: str | None,
                 api_version: str | None = None, timeout: float = 60.0, max_retries: int = 3,
                 strict: bool = True, max_completion_tokens: int = 1024, send_temperature: bool = False,
                 concurrency: int = 100, structured_output: str = "auto",
                 connections: Connections | None = None) -> None:
        """Prepare the provider; the SDK client is created (or shared) on the first request.

        Args:
            name: ``azure`` or ``openai``.
            model: Deployment (Azure) or model (OpenAI) name.
            endpoint: Azure endpoint or OpenAI base URL.
            api_key: The key, or None (Azure: Microsoft Entra ID; OpenAI: the SDK's own lookup).
            api_version: Azure API version.
            timeout: Seconds before one HTTP attempt times out.
            max_retries: SDK retries for transport faults.
            strict: Send the tool schema in strict mode.
            max_completion_tokens: Completion token cap per request.
            send_temperature: Send ``temperature=0``.
            concurrency: The ceiling of requests in flight at once.
            structured_output: ``auto``, ``tool``, ``json_schema`` or ``json`` (see :class:`ServerTraits`).
            connections: Where the SDK client and the rate limiter are shared with other providers; None
                for the provider's own (closed by :meth:`aclose`).
        """
        self.name = name
        self.model: str | None = model
        self.endpoint = endpoint
        self.shown_endpoint = shown_url(endpoint)
        self.api_version = api_version
        self.timeout = timeout
        self.max_retries = max_retries
        self.strict = strict
        self.max_completion_tokens = max_completion_tokens
        self.send_temperature = send_temperature
        self.concurrency = concurrency
        self.structured_output = structured_output
        self.retries = 0
        self._connections = connections if connections is not None else Connections()
        self._owns_connections = connections is None
        self._client_key = ClientKey.of(name, endpoint, api_key)
        self._key = api_key  # handed to the SDK client only; never formatted anywhere
        if api_key and not register_secret(api_key):
            logger.warning("%s: the API key is shorter than %d characters, too short to be masked in messages "
                           "without mangling other words", name, MIN_MASKED_LENGTH)
        self._shared: Any = None  # the shared client this provider's options were last applied to
        self._client: Any = None  # that client with this provider's options
        self.limiter: RateLimiter | None = None
        self._tool_choice = tool_choice()
        self._stream_usage = True

    def __repr__(self) -> str:
        """Show provider, model and endpoint, never the key.

        Returns:
            The representation.
        """
        return f"ChatProvider(name={self.name!r}, model={self.model!r}, endpoint={self.shown_endpoint!r})"

    def __reduce__(self) -> Any:
        """Refuse to pickle (the provider holds a key and a loop-bound client).

        Raises:
            TypeError: Always.
        """
        raise TypeError("a ChatProvider cannot be pickled")

    # -- client -------------------------------------------------------------------------------------------

    def _entra_token_provider(self) -> Any:
        try:
            from azure.identity import DefaultAzureCredential, get_bearer_token_provider
        except ImportError:
            raise ProviderAuthenticationError("azure: no API key: set AZURE_OPENAI_API_KEY, or install "
                                              "docgen_magic[entra] to sign in with Microsoft Entra ID") from None
        fetch = get_bearer_token_provider(DefaultAzureCredential(), ENTRA_SCOPE)

        async def token() -> str:
            # azure-identity is synchronous (and its first sign-in can take seconds): keep the loop free.
            try:
                return await asyncio.to_thread(fetch)
            except Exception as exc:
                logger.debug("azure: Entra ID token request failed", exc_info=True)
                text = redact(str(exc)).strip()
                first = text.splitlines()[0] if text else ""
                raise ProviderAuthenticationError(
                    f"azure: Microsoft Entra ID sign-in failed: {type(exc).__name__}"
                    f"{': ' + _one_line(first) if first else ''}; set AZURE_OPENAI_API_KEY or sign in (az login)"
                ) from None

        return token

    def _make_client(self) -> Any:
        try:
            import openai
        except ImportError:
            raise ProviderConfigurationError(f"{self.name}: the openai package is not installed: pip install "
                                             "openai") from None
        install_log_redaction()  # the SDK and its HTTP client log request URLs; their loggers exist by now

        async def on_the_wire(request: Any) -> None:
            # The request hook runs before the connection is made (TCP, TLS): the limiter is told when the
            # request's headers have been written, from the HTTP core's trace of its own steps.
            sending = _SENDING.get()
            if sending is None:
                return
            limiter, ticket = sending
            previous = request.extensions.get("trace")

            async def trace(event: str, info: dict[str, Any]) -> None:
                if previous is not None:
                    await previous(event, info)
                if event.endswith("send_request_headers.complete"):
                    limiter.sending(ticket)

            request.extensions["trace"] = trace

        async def no_sdk_retry_on_429(response: Any) -> None:
            if response.status_code == 429:  # the limiter waits it out and asks again, for every request at once
                response.headers["x-should-retry"] = "false"
                sending = _SENDING.get()
                if sending is not None:  # stop new starts now, before the SDK reads the body and raises
                    sending[0].warned(retry_after_seconds({k.lower(): v for k, v in response.headers.items()}))

        http_client = openai.DefaultAsyncHttpxClient(event_hooks={"request": [on_the_wire],
                                                                    "response": [no_sdk_retry_on_429]})
        common: dict[str, Any] = {"timeout": self.timeout, "max_retries": self.max_retries,
                                  "http_client": http_client}
        try:
            if self.name == "azure":
                auth: dict[str, Any] = ({"api_key": self._key} if self._key
                                        else {"azure_ad_token_provider": self._entra_token_provider()})
                return openai.AsyncAzureOpenAI(azure_endpoint=self.endpoint or "", api_version=self.api_version,
                                               **common, **auth)
            extra: dict[str, Any] = {"base_url": self.endpoint} if self.endpoint else {}
            # A compatible server (Ollama, vLLM) may need no key; the SDK insists on one, so send a placeholder.
            key = self._key or ("unused" if self.endpoint else None)
            return openai.AsyncOpenAI(api_key=key, **common, **extra)
        except openai.OpenAIError as exc:
            logger.debug("%s: cannot create the client", self.name, exc_info=True)
            raise ProviderConfigurationError(f"{self.name}: cannot create the client: {self._scrub(exc)}") from None

    def _get_client(self) -> Any:
        shared = self._connections.client(self._client_key, self._make_client)
        if shared is not self._shared:
            options: dict[str, Any] = {"timeout": self.timeout, "max_retries": self.max_retries}
            if self.name == "azure":
                options["api_version"] = self.api_version
            self._shared, self._client = shared, shared.with_options(**options)
        return self._client

    # -- requests ------------------------------------------------------------------------------------------

    def _traits(self) -> ServerTraits:
        """Return what is known of this deployment's server (shared by its runs); assumed before any answer."""
        compatible = self.name == "openai" and self.endpoint is not None and not _is_openai_host(self.endpoint)

        def assumed() -> ServerTraits:
            return ServerTraits(cap_parameter="max_tokens" if compatible else "max_completion_tokens",
                                stream=compatible)

        return self._connections.traits(self._client_key, self.model, assumed)

    def _mode(self, traits: ServerTraits) -> str:
        if self.structured_output != "auto":
            return self.structured_output
        return traits.mode or "tool"

    def completion_cap(self, target: Target) -> int:
        """Return the completion cap a target's answer gets: what its sections need, under the ceiling.

        A small model can loop inside a JSON grammar (whitespace or one phrase over and over) until the cap:
        a cap that fits the answer ends that within seconds, and what was written before it is still read.

        Args:
            target: The target (its parameters, raises, attributes, returns and yields are the answer's items).

        Returns:
            Tokens: :data:`CAP_BASE` plus :data:`CAP_PER_ITEM` per item, at most ``max_completion_tokens``.
        """
        sections = answer_sections(target)
        items = (len(target.params) + len(target.raises) + len(target.attributes)
                 + sum(1 for name in ("returns", "yields") if name in sections))
        return max(1, min(self.max_completion_tokens, CAP_BASE + CAP_PER_ITEM * items))

    def _cap(self, target: Target, traits: ServerTraits) -> int:
        """Return the cap a request gets: what the target needs, or the ceiling for a model thinking aloud first."""
        return self.max_completion_tokens if traits.thinks else self.completion_cap(target)

    def _params(self, request: GenerationRequest, traits: ServerTraits, mode: str) -> dict[str, Any]:
        params: dict[str, Any] = {"model": self.model, "messages": request.messages,
                                  traits.cap_parameter: self._cap(request.target, traits)}
        tool = tool_definition(request.target, strict=self.strict)
        if mode == "tool":
            params["tools"] = [tool]
            params["tool_choice"] = self._tool_choice
        else:
            note = _ANSWER_IN_CONTENT
            if mode == "json_schema":
                params["response_format"] = {"type": "json_schema", "json_schema": {
                    "name": TOOL_NAME, "schema": tool["function"]["parameters"], "strict": self.strict}}
            else:
                note += " Its JSON Schema: " + json.dumps(tool["function"]["parameters"], separators=(",", ":"))
            params["messages"] = [*request.messages, {"role": "system", "content": note}]
        if self.send_temperature:
            params["temperature"] = 0
        return params

    async def generate(self, request: GenerationRequest) -> Reply:
        """Ask the model for one docstring.

        Args:
            request: The target and, when refining, the previous answer and its problems.

        Returns:
            The reply: the answer's JSON object (read leniently from the tool call or the message content),
            or the problem with the answer, and the usage.

        Raises:
            ProviderError: The request failed for good (fatal for authentication, permission, a missing
                deployment, a web page instead of the API, or a setting the server rejects).
            ProviderTransientError: Every answer was an empty 200 or had no choices, retries included.
        """
        client = self._get_client()
        traits = self._traits()
        chars = self._prompt_chars(request)
        started = time.perf_counter()
        empty_retries = 0
        while True:
            mode = self._mode(traits)
            params = self._params(request, traits, mode)
            # what Azure OpenAI and OpenAI charge against the tokens-per-minute limit when a request arrives: the
            # prompt and the whole completion cap (reserved until the answer says how much was used)
            estimate = chars // 4 + params[traits.cap_parameter]
            try:
                raw = await self._create(client, params, estimate, request, traits)
            except _Resend:  # the server rejected a parameter it can do without; the traits now say so
                continue
            try:
                reason = self._unusable(raw)
                if reason is None:
                    response = raw.parse()
                    break
            except ProviderError:
                raise
            except Exception as exc:
                raise self._with_status(self._map_error(exc, request), exc) from None
            # A proxy or server hiccup the SDK does not retry: retry it like one it does.
            if empty_retries >= self.max_retries:
                raise ProviderTransientError(f"{self.name}: {reason} (after {self._retried(empty_retries)})")
            empty_retries += 1
            self.retries += 1
            logger.info("%s: %s: %s; asking again (retry %d of %d)", self.name, request.target.qualname, reason,
                        empty_retries, self.max_retries)
            await asyncio.sleep(min(0.5 * 2 ** (empty_retries - 1), 8.0))
        latency = time.perf_counter() - started
        retries = int(getattr(raw, "retries_taken", 0) or 0)
        if retries:
            self.retries += retries
            logger.info("%s: %s answered after %d SDK retr%s", self.name, request.target.qualname, retries,
                        "y" if retries == 1 else "ies")
        return self._reply(response, latency, chars, request, traits, mode, cap=params[traits.cap_parameter])

    def _prompt_chars(self, request: GenerationRequest) -> int:
        return prompt_chars(request, strict=self.strict)

    def client(self) -> Any:
        """Return the SDK client (created on first use, inside the running loop), for the Batch API's calls.

        Returns:
            The ``AsyncAzureOpenAI`` / ``AsyncOpenAI`` client.
        """
        return self._get_client()

    def request_params(self, request: GenerationRequest) -> dict[str, Any]:
        """Return the Chat Completions parameters of a request, as :meth:`generate` sends them.

        Args:
            request: The target's request (messages built once, tool cut to the target).

        Returns:
            The request body: model, messages, the completion cap, and the tool (or response format).
        """
        traits = self._traits()
        return self._params(request, traits, self._mode(traits))

    def reply_of(self, response: Any, latency: float, request: GenerationRequest) -> Reply:
        """Read an answer that came another way (a Batch API output line) as :meth:`generate` reads its own.

        Args:
            response: The parsed ChatCompletion.
            latency: Seconds it took (0 when unknown).
            request: The request it answers.

        Returns:
            The answer's JSON object (or the problem with the answer) and the usage.
        """
        traits = self._traits()
        return self._reply(response, latency, self._prompt_chars(request), request, traits, self._mode(traits))

    def _unusable(self, raw: Any) -> str | None:
        """Say why a 200 is worth asking again (an empty body, no choices); raise when it is not the API at all.

        A web page (a login portal, a wrong URL), text that is not JSON, JSON of another API or a 200 wrapping
        an error would otherwise read as "the model did not call the function" and be asked again for nothing.
        """
        if isinstance(raw, _Streamed):
            return None if raw.completion.choices else "the endpoint streamed an answer without choices"
        content = bytes(raw.content or b"")
        if not content.strip():
            return "the endpoint answered 200 with an empty body"
        kind = str(raw.headers.get("content-type", "")).split(";")[0].strip().lower()
        where = self.shown_endpoint or "api.openai.com"
        if "html" in kind or content.lstrip()[:1] == b"<":
            raise ProviderConfigurationError(f"{self.name}: the endpoint answered a web page, not the API — check "
                                             f"the URL ({where})")
        try:
            data = json.loads(content)
        except ValueError:
            raise ProviderConfigurationError(f"{self.name}: the endpoint answered 200 with {kind or 'data'} that "
                                             f"is not JSON, not the API — check the URL ({where})") from None
        if isinstance(data, dict) and isinstance(data.get("error"), dict) and "choices" not in data:
            raise ProviderTransientError(f"{self.name}: the endpoint answered 200 with an error: "
                                         f"{self._scrub(data['error'].get('message') or data['error'])}")
        if not isinstance(data, dict) or not isinstance(data.get("choices"), list):
            raise ProviderConfigurationError(f"{self.name}: the endpoint answered 200 with JSON that is not a chat "
                                             f"completion — check the URL ({where})")
        if not data["choices"]:
            return "the endpoint answered a chat completion without choices"
        return None

    @staticmethod
    def _retried(count: int) -> str:
        return f"{count} retr{'y' if count == 1 else 'ies'}"

    def _connection_failure(self, exc: BaseException, retried: str) -> str:
        """Name what happened to the connection, from the transport errors the SDK wrapped."""
        where = self.shown_endpoint or "the API"
        chain: list[BaseException] = []
        cause: BaseException | None = exc.__cause__ or exc.__context__
        while cause is not None and cause not in chain and len(chain) < 20:
            chain.append(cause)
            cause = cause.__cause__ or cause.__context__
        names = " ".join(type(c).__name__ for c in chain)
        text = " ".join(str(c) for c in chain).lower()
        if "ConnectionReset" in names:
            what = f"the connection to {where} was reset"
        elif not chain or "Connect" in names:  # ConnectError, ConnectionRefusedError
            what = f"cannot connect to {where}"
        elif "without sending a response" in text:
            what = f"{where} closed the connection without answering"
        elif "complete message body" in text or "incomplete" in text:
            what = f"the answer from {where} was cut off"
        else:
            what = f"the connection to {where} failed ({type(chain[-1]).__name__})"
        return f"{self.name}: {what} ({retried})"

    async def _create(self, client: Any, params: dict[str, Any], estimate: int, request: GenerationRequest,
                      traits: ServerTraits) -> Any:
        """Send one request when the limiter has room; a 429 is waited out and a timeout asked again (bounded).

        Raises:
            _Resend: The server rejected a parameter it can do without; ``traits`` now say what to send.
        """
        import openai

        limiter = self.limiter = self._connections.limiter(self._client_key, self.model, self.concurrency)
        limiter.probe_first = traits.stream or traits.cap_parameter == "max_tokens"  # a local server
        timeouts = 0
        for _ in range(MAX_RATE_LIMIT_ROUNDS):
            ticket = await limiter.acquire(estimate)
            sending = _SENDING.set((limiter, ticket))
            try:
                self._stream_usage = traits.stream_usage
                try:
                    raw = await self._answer(client, params, limiter, ticket, traits)
                finally:
                    _SENDING.reset(sending)
            except _NoAnswer:
                limiter.timed_out(ticket)
                waited = self.timeout * traits.timeout_scale
                if timeouts >= self.max_retries:
                    raise ProviderTransientError(f"{self.name}: timed out after {waited:g} s "
                                                 f"(after {self._retried(timeouts)})") from None
                timeouts += 1
                self.retries += 1
                longer = ""
                if limiter.probe_first and traits.timeout_scale < MAX_TIMEOUT_SCALE:
                    traits.timeout_scale *= 2  # a local model's one answer takes longer than that: wait longer
                    longer = f", waiting up to {self.timeout * traits.timeout_scale:g} s"
                logger.info("%s: %s: no answer within %g s while the server answered nothing else; asking again "
                            "(retry %d of %d)%s", self.name, request.target.qualname, waited, timeouts,
                            self.max_retries, longer)
                continue
            except _Interrupted:
                limiter.fail(ticket)
                if limiter.in_flight:
                    # llama.cpp's Python server, by default, ends a stream when another request arrives: it
                    # serves one at a time, so a second request in flight only wastes the first one's work.
                    # Streaming stays (a runaway answer can still be cut off).
                    limiter.one_at_a_time()
                    logger.info("%s: the server cut a streamed answer short when another request arrived (it "
                                "serves one at a time); sending one request at a time from now on", self.name)
                else:
                    traits.stream = False
                    logger.info("%s: the server cut a streamed answer short; asking without streaming from now on",
                                self.name)
                raise _Resend from None
            except openai.RateLimitError as exc:
                headers = {k.lower(): v for k, v in exc.response.headers.items()}
                wait = retry_after_seconds(headers)
                limiter.rate_limited(ticket, wait, RateHeaders.from_headers(headers))
                if wait is not None and wait > MAX_PAUSE:
                    raise self._with_status(ProviderConfigurationError(
                        f"{self.name}: rate limited (429): the server asks to wait {wait:,.0f} s (a quota?)"),
                        exc) from None
                logger.debug("%s: %s: rate limited (429); waiting %s s", self.name, request.target.qualname,
                             "1" if wait is None else f"{wait:g}")
                continue
            except BaseException as exc:
                limiter.fail(ticket)
                if isinstance(exc, openai.BadRequestError) and self._adapt(exc, params, traits):
                    raise _Resend from None
                if isinstance(exc, Exception):
                    raise self._with_status(self._map_error(exc, request), exc) from None
                raise
            limiter.release(ticket, RateHeaders.from_headers({k.lower(): v for k, v in raw.headers.items()}),
                            completion_tokens=_completion_tokens(raw))
            return raw
        error = ProviderTransientError(f"{self.name}: rate limited (429) {MAX_RATE_LIMIT_ROUNDS} times in a row")
        error.status = 429
        raise error

    async def _answer(self, client: Any, params: dict[str, Any], limiter: RateLimiter, ticket: Ticket,
                      traits: ServerTraits) -> Any:
        """Send the request and wait for its answer; the timeout counts from the server's last sign of life.

        A server that answers one request at a time keeps the others in its queue: while it keeps answering
        or streaming (any request of this deployment), a request waiting its turn is not timed out. It is once
        the server has sent nothing for ``timeout`` seconds, or (before its answer starts) after ``timeout``
        per request that was in flight when it started. A streamed answer is read as it comes, and cut off when
        it runs away (whitespace or one phrase over and over): closing the stream stops the server's work.

        Raises:
            _NoAnswer: The timeout passed (the request is cancelled: its connection closes).
        """
        import openai

        # The SDK's own read timeout is off (the wait below measures the answer); connecting still times out.
        sdk_timeout = openai.Timeout(None, connect=self.timeout, write=self.timeout)
        stream = traits.stream
        extra: dict[str, Any] = {}
        if stream:
            extra = {"stream": True, "stream_options": {"include_usage": True}} if self._stream_usage else \
                {"stream": True}
        heard = ticket.at

        async def within(awaitable: Any, bounded: bool) -> Any:
            task = asyncio.ensure_future(awaitable)
            try:
                while True:
                    now = time.monotonic()
                    timeout = self.timeout * traits.timeout_scale  # read each time: another request may raise it
                    # a backstop for a server that answers others but never this one: a timeout per request
                    # that was in flight at its start or started since (a queue's order is not the tickets')
                    hard = ticket.at + timeout * (1 + ticket.in_flight + limiter.stats.started - ticket.seq)
                    deadline = max(heard, limiter.last_answer or heard) + timeout
                    if now >= (min(hard, deadline) if bounded else deadline):
                        raise _NoAnswer
                    done, _ = await asyncio.wait({task}, timeout=(min(hard, deadline) if bounded else deadline) - now)
                    if done:
                        return task.result()
            finally:
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(BaseException):
                        await task

        raw = await within(client.chat.completions.with_raw_response.create(**params, **extra, timeout=sdk_timeout),
                           True)
        if not stream:
            return raw
        chunks = raw.parse()
        collected = _Collected()
        iterator = chunks.__aiter__()
        try:
            while True:
                try:
                    chunk = await within(iterator.__anext__(), not collected.pieces)
                except StopAsyncIteration:
                    break
                heard = time.monotonic()
                limiter.heard()
                if collected.add(chunk):
                    logger.info("%s: the answer ran away (whitespace or repetition); cut off after %d tokens",
                                self.name, collected.pieces)
                    break
        finally:
            with contextlib.suppress(Exception):
                await chunks.close()
        if collected.finish is None:  # ended without a finish reason: the server cut it short
            raise _Interrupted
        return _Streamed(raw.headers, collected.completion(), int(getattr(raw, "retries_taken", 0) or 0))

    def _adapt(self, exc: Any, params: dict[str, Any], traits: ServerTraits) -> bool:
        """Learn from a 400 that names a parameter the server does not take, when there is another way.

        Returns:
            True when the traits changed and the request should be sent again the new way.
        """
        param = str(getattr(exc, "param", "") or "").lower()
        text = f"{param} {self._server_message(exc)}".lower()
        sent = traits.cap_parameter
        other = "max_tokens" if sent == "max_completion_tokens" else "max_completion_tokens"
        if (param == sent or (sent in text and other in text)) and not traits.cap_switched:
            traits.cap_parameter, traits.cap_switched = other, True
            logger.info("%s: the server takes %s, not %s; sending that", self.name, other, sent)
            return True
        if traits.stream and "stream_options" in text and traits.stream_usage:
            traits.stream_usage = False
            return True
        if traits.stream and "stream" in text:
            traits.stream = False
            logger.info("%s: the server does not stream answers; asking without streaming", self.name)
            return True
        if self.structured_output != "auto":
            return False
        if "response_format" in params and ("response_format" in text or "json_schema" in text):
            traits.mode = "json"
        elif "tools" in params and ("tool" in text or "function" in text) and traits.mode != "json_schema":
            traits.mode = "json_schema"
        else:
            return False
        logger.info("%s: the server rejects that way of asking for JSON; asking with %s from now on", self.name,
                    traits.mode)
        return True

    def _reply(self, response: Any, latency: float, prompt_chars: int, request: GenerationRequest,
               traits: ServerTraits, mode: str, *, cap: int | None = None) -> Reply:
        """Read one answer; ``cap`` is the completion cap its request was sent with (its own unless given)."""
        choice = response.choices[0] if getattr(response, "choices", None) else None
        message = getattr(choice, "message", None)
        finish = getattr(choice, "finish_reason", None)
        usage = usage_of(response, latency)
        if finish == "content_filter":
            return Reply(arguments=None, usage=usage, prompt_chars=prompt_chars, problem=finish_problem(finish))
        called = _called_arguments(getattr(message, "tool_calls", None) or [])
        content = getattr(message, "content", None)
        # Some servers (llama.cpp's) report a tool call cut off by the cap as finished: the token count tells.
        written = usage.completion_tokens or int(getattr(response, "pieces", 0) or 0)
        cap = self._cap(request.target, traits) if cap is None else cap
        truncated = finish == "length" or written >= cap
        answer = called if called is not None else without_reasoning(content or "")
        if called is None and answer != (content or "") and not traits.thinks:
            traits.thinks = True
            logger.info("%s: the model thinks aloud (<think>) before answering: its answers get the whole cap of %d "
                        "tokens from now on", self.name, self.max_completion_tokens)
        data = read_object(answer, truncated=truncated)
        if self.structured_output == "auto" and traits.mode is None and (called is not None or data is not None):
            traits.mode = "tool" if called is not None or mode != "tool" else "json_schema"
            if traits.mode != mode:
                logger.info("%s: the server answers in the message content, not with the tool call; asking with "
                            "json_schema from now on", self.name)
        if data is None:
            if called is not None and not truncated:  # kept as written: the core names what is wrong with it
                return Reply(arguments=called, usage=usage, prompt_chars=prompt_chars)
            problem = finish_problem(finish) or no_tool_call(content)
            return Reply(arguments=None, usage=usage, prompt_chars=prompt_chars, problem=problem)
        if truncated:
            logger.info("%s: %s: the answer was cut off at %d tokens; using the %d part(s) written before the cut",
                        self.name, request.target.qualname, cap, len(data))
        return Reply(arguments=json.dumps(data, ensure_ascii=False), usage=usage, prompt_chars=prompt_chars)

    # -- errors --------------------------------------------------------------------------------------------

    def _scrub(self, value: object) -> str:
        return _one_line(redact(str(value)))

    def _key_hint(self) -> str:
        return "AZURE_OPENAI_API_KEY" if self.name == "azure" else "OPENAI_API_KEY"

    @staticmethod
    def _with_status(error: BaseException, exc: BaseException) -> BaseException:
        """Record on a provider error the HTTP status the API answered with (usage counts it as rejected).

        Args:
            error: The mapped error.
            exc: The SDK's exception.

        Returns:
            The same error.
        """
        code = getattr(exc, "status_code", None)
        if isinstance(error, ProviderError) and error.status is None and isinstance(code, int):
            error.status = code
        return error

    def _map_error(self, exc: BaseException, request: GenerationRequest) -> BaseException:
        import openai

        while isinstance(getattr(exc, "exceptions", None), tuple) and exc.exceptions:  # type: ignore[attr-defined]
            exc = exc.exceptions[0]  # type: ignore[attr-defined]  # an ExceptionGroup from the HTTP stack
        if not isinstance(exc, openai.OpenAIError):
            return exc if isinstance(exc, ProviderError) else ProviderTransientError(
                f"{self.name}: request failed: {type(exc).__name__}: {self._scrub(exc)}")
        logger.debug("%s: request for %s failed", self.name, request.target.qualname, exc_info=True)
        retried = f"after {self.max_retries} retr{'y' if self.max_retries == 1 else 'ies'}"
        name = self.name
        if isinstance(exc, openai.APITimeoutError):
            return ProviderTransientError(f"{name}: timed out after {self.timeout:g} s ({retried})")
        if isinstance(exc, openai.APIConnectionError):
            return ProviderTransientError(self._connection_failure(exc, retried))
        if isinstance(exc, openai.AuthenticationError):
            who = "AZURE_OPENAI_API_KEY (or your Entra ID sign-in)" if name == "azure" and not self._key \
                else self._key_hint()
            return ProviderAuthenticationError(f"{name}: authentication failed (401): check {who}")
        if isinstance(exc, openai.PermissionDeniedError):
            return ProviderAuthenticationError(f"{name}: permission denied (403): the credentials may not use "
                                               f"{self.model!r}")
        if isinstance(exc, openai.NotFoundError):
            if name == "azure":
                return ProviderConfigurationError(f"azure: deployment {self.model!r} not found at "
                                                  f"{self.shown_endpoint} (404): check AZURE_OPENAI_DEPLOYMENT and "
                                                  "the endpoint")
            return self._not_found(exc)
        if isinstance(exc, openai.RateLimitError):
            return ProviderTransientError(f"{name}: rate limited (429) {retried}")
        if isinstance(exc, openai.InternalServerError):
            return ProviderTransientError(f"{name}: server error ({exc.status_code}) {retried}")
        if isinstance(exc, openai.BadRequestError):
            return self._bad_request(exc)
        if isinstance(exc, openai.APIStatusError):
            return ProviderTransientError(f"{name}: request failed ({exc.status_code}): "
                                          f"{self._server_message(exc)}")
        return ProviderTransientError(f"{name}: request failed: {type(exc).__name__}: {self._scrub(exc)}")

    def _not_found(self, exc: Any) -> ProviderConfigurationError:
        """Tell a model the server does not have from a base URL with no Chat Completions API behind it."""
        said = self._server_message(exc)
        code = str(_error_fields(exc).get("code") or "")
        names_a_model = any(word in said.lower() for word in ("model", "deployment")) or code in (
            "model_not_found", "DeploymentNotFound")
        if self.endpoint is not None and not names_a_model:
            base = (self.shown_endpoint or self.endpoint).rstrip("/")
            hint = "" if base.endswith("/v1") else f" (compatible servers serve it below /v1: {base}/v1?)"
            return ProviderConfigurationError(f"openai: no Chat Completions API at {base} (404: {said}): check "
                                              f"OPENAI_BASE_URL{hint}")
        return ProviderConfigurationError(f"openai: model {self.model!r} not found (404): check the model name "
                                          "and OPENAI_BASE_URL")

    def _server_message(self, exc: Any) -> str:
        message = _error_fields(exc).get("message")
        return self._scrub(message or getattr(exc, "message", None) or type(exc).__name__)

    def _bad_request(self, exc: Any) -> ProviderError:
        message = self._server_message(exc)
        code, param = str(getattr(exc, "code", "") or ""), str(getattr(exc, "param", "") or "")
        if code == "content_filter" or "content management policy" in message.lower():
            return ProviderTransientError(f"{self.name}: the request was blocked by the content filter (400)")
        config = param in _CONFIG_PARAMS or any(word in message.lower() for word in _CONFIG_WORDS)
        hint = ""
        if "temperature" in (param + message):
            hint = " (temperature is only sent when asked for)"
        elif "strict" in (param + message) or "tools" in param:
            hint = " (try --no-strict for this server)"
        kind = ProviderConfigurationError if config else ProviderTransientError
        return kind(f"{self.name}: bad request (400): {message}{hint}")

    async def aclose(self) -> None:
        """Close the provider's own SDK client; a shared one is left to its owner. Safe to call twice."""
        self._shared = self._client = None
        if self._owns_connections:
            await self._connections.aclose()


class _Resend(Exception):
    """The server rejected a parameter it can do without: send the request again as the traits now say."""


class _Interrupted(Exception):
    """A streamed answer ended without a finish reason: the server cut it short."""


class _NoAnswer(Exception):
    """No answer within the timeout (counted from the server's last answer)."""


RUNAWAY_WHITESPACE = 160
"""Characters of whitespace only at the end of a streamed answer that show it ran away."""
RUNAWAY_SPAN = 160
"""Characters at the end of a streamed answer made of one short piece (up to 40 characters) repeated."""


class _Collected:
    """A streamed chat completion put back together, watching for an answer that runs away."""

    def __init__(self) -> None:
        self.content: list[str] = []
        self.arguments: list[str] = []
        self.name: str | None = None
        self.finish: str | None = None
        self.usage: Any = None
        self.pieces = 0
        self.tail = ""

    def add(self, chunk: Any) -> bool:
        """Add one chunk; True when the answer ran away (it is then marked cut off by the cap)."""
        self.pieces += 1
        text = ""
        for choice in getattr(chunk, "choices", None) or []:
            delta = getattr(choice, "delta", None)
            piece = getattr(delta, "content", None)
            if piece:
                self.content.append(piece)
                text += piece
            for call in getattr(delta, "tool_calls", None) or []:
                function = getattr(call, "function", None)
                self.name = self.name or getattr(function, "name", None)
                piece = getattr(function, "arguments", None)
                if piece:
                    self.arguments.append(piece)
                    text += piece
            self.finish = getattr(choice, "finish_reason", None) or self.finish
        if getattr(chunk, "usage", None) is not None:
            self.usage = chunk.usage
        self.tail = (self.tail + text)[-4 * RUNAWAY_SPAN:]
        if _runs_away(self.tail):
            self.finish = "length"
            return True
        return False

    def completion(self) -> Any:
        """Return the answer as a non-streamed completion reads (what :meth:`ChatProvider._reply` takes)."""
        from types import SimpleNamespace as Record

        calls = ([Record(function=Record(name=self.name or TOOL_NAME, arguments="".join(self.arguments)))]
                 if self.name or self.arguments else None)
        message = Record(content="".join(self.content) or None, tool_calls=calls)
        choices = [Record(message=message, finish_reason=self.finish)] if self.pieces else []
        # pieces: about one token each; it stands in for the completion tokens where the server reports no usage
        return Record(choices=choices, usage=self.usage, pieces=self.pieces)


def _runs_away(tail: str) -> bool:
    """Whether the end of an answer is whitespace only, or one short piece over and over."""
    if len(tail) >= RUNAWAY_WHITESPACE and not tail[-RUNAWAY_WHITESPACE:].strip():
        return True
    if len(tail) < RUNAWAY_SPAN:
        return False
    end = tail[-RUNAWAY_SPAN:]
    return any(end == (end[-period:] * (RUNAWAY_SPAN // period + 1))[-RUNAWAY_SPAN:] for period in range(1, 41))


class _Streamed:
    """A streamed answer, read to its end: what :meth:`ChatProvider.generate` reads of a raw response."""

    def __init__(self, headers: Any, completion: Any, retries_taken: int) -> None:
        self.headers = headers
        self.completion = completion
        self.retries_taken = retries_taken

    def parse(self) -> Any:
        """Return the completion put back together."""
        return self.completion


def _is_openai_host(url: str) -> bool:
    """Whether a base URL is OpenAI's own API (which wants ``max_completion_tokens``), not a compatible server."""
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    return host == "openai.com" or host.endswith(".openai.com")


def _completion_tokens(raw: Any) -> int:
    """Completion tokens an answer reports, else about a token per 4 characters it wrote (0: not a completion)."""
    try:
        response = raw.parse()
        reported = _count(getattr(response, "usage", None), "completion_tokens") or _count(response, "pieces")
        if reported:
            return reported
        message = getattr(response.choices[0], "message", None) if getattr(response, "choices", None) else None
        calls = getattr(message, "tool_calls", None) or []
        written = (_called_arguments(calls) or "") + str(getattr(message, "content", None) or "")
        return len(written) // 4
    except Exception:
        return 0


def finish_problem(finish_reason: str | None) -> Problem | None:
    """Return what a Chat Completions finish reason means for the answer, as a problem fit to send back.

    Args:
        finish_reason: ``stop``, ``tool_calls``, ``length``, ``content_filter`` or None.

    Returns:
        The ``truncated`` or ``content-filter`` problem, or None when the answer finished normally.
    """
    if finish_reason == "content_filter":
        return Problem(Code.CONTENT_FILTER, "The answer was stopped by the content filter; write neutral, technical "
                                         "prose about the code only.")
    if finish_reason == "length":
        return Problem(Code.TRUNCATED, "The answer was cut off by the token limit; keep the description short so "
                                    "the whole answer fits.")
    return None


def _count(obj: Any, name: str) -> int:
    value = getattr(obj, name, None) if obj is not None else None
    return value if isinstance(value, int) else 0


def _error_fields(exc: Any) -> dict[str, Any]:
    """Return an API error's fields (``message``, ``code``): its body's ``error`` object, or the body itself."""
    body = getattr(exc, "body", None)
    if not isinstance(body, dict):
        return {}
    return body["error"] if isinstance(body.get("error"), dict) else body


def _called_arguments(calls: list[Any]) -> str | None:
    """Return the arguments of the answer's call of the one tool, as JSON text, or None without a call.

    A call named otherwise still counts when it is the only one (the request offers one tool; small models
    misname it), and arguments sent as an object instead of JSON text (some compatible servers) are read.
    """
    functions = [f for f in (getattr(call, "function", None) for call in calls) if f is not None]
    ours = [f for f in functions if getattr(f, "name", None) == TOOL_NAME]
    chosen = ours[0] if ours else functions[0] if len(functions) == 1 else None
    if chosen is None:
        return None
    arguments = getattr(chosen, "arguments", None)
    return json.dumps(arguments, ensure_ascii=False) if isinstance(arguments, (dict, list)) else str(arguments or "")


def usage_of(response: Any, latency: float) -> Usage:
    """Read the usage the API reported for one answered request.

    Args:
        response: A ChatCompletion (``usage`` and its details may be absent on compatible servers).
        latency: Wall time of the request, retries included, in seconds.

    Returns:
        Usage with ``requests == 1``.
    """
    usage = getattr(response, "usage", None)
    return Usage(
        requests=1,
        prompt_tokens=_count(usage, "prompt_tokens"),
        completion_tokens=_count(usage, "completion_tokens"),
        total_tokens=_count(usage, "total_tokens"),
        cached_tokens=_count(getattr(usage, "prompt_tokens_details", None), "cached_tokens"),
        reasoning_tokens=_count(getattr(usage, "completion_tokens_details", None), "reasoning_tokens"),
        uncounted=int(_count(usage, "total_tokens") == 0 and _count(usage, "prompt_tokens") == 0),
        latency_s=latency,
    )


def make_azure_provider(*, endpoint: str | None, deployment: str | None, api_version: str, api_key: str | None,
                        timeout: float, max_retries: int, strict: bool, max_completion_tokens: int,
                        send_temperature: bool, concurrency: int = 100, structured_output: str = "auto",
                        connections: Connections | None = None) -> ChatProvider:
    """Build the Azure OpenAI provider.

    Args:
        endpoint: The resource endpoint, e.g. ``https://NAME.openai.azure.com``.
        deployment: The deployment name.
        api_version: The Azure OpenAI REST API version, e.g. ``2024-10-21``.
        api_key: The key, or None for Microsoft Entra ID (needs ``docgen_magic[entra]``).
        timeout: Seconds before one HTTP attempt times out.
        max_retries: SDK retries for transport faults.
        strict: Send the tool schema in strict mode.
        max_completion_tokens: Completion token cap per request.
        send_temperature: Send ``temperature=0``.
        concurrency: The ceiling of requests in flight at once.
        structured_output: ``auto``, ``tool``, ``json_schema`` or ``json``.
        connections: Where the SDK client and rate limiter are shared; None for the provider's own.

    Returns:
        The provider (its client is created on the first request).
    """
    return ChatProvider(name="azure", model=deployment or "", endpoint=endpoint, api_key=api_key,
                        api_version=api_version, timeout=timeout, max_retries=max_retries, strict=strict,
                        max_completion_tokens=max_completion_tokens, send_temperature=send_temperature,
                        concurrency=concurrency, structured_output=structured_output, connections=connections)


def make_openai_provider(*, model: str | None, base_url: str | None, api_key: str | None, timeout: float,
                         max_retries: int, strict: bool, max_completion_tokens: int,
                         send_temperature: bool, concurrency: int = 100, structured_output: str = "auto",
                         connections: Connections | None = None) -> ChatProvider:
    """Build the OpenAI (or OpenAI-compatible server) provider.

    Args:
        model: The model name.
        base_url: Base URL of a compatible server, or None for api.openai.com.
        api_key: The key; None lets a compatible server go without one.
        timeout: Seconds before one HTTP attempt times out.
        max_retries: SDK retries for transport faults.
        strict: Send the tool schema in strict mode.
        max_completion_tokens: Completion token cap per request.
        send_temperature: Send ``temperature=0``.
        concurrency: The ceiling of requests in flight at once.
        structured_output: ``auto``, ``tool``, ``json_schema`` or ``json``.
        connections: Where the SDK client and rate limiter are shared; None for the provider's own.

    Returns:
        The provider (its client is created on the first request).
    """
    return ChatProvider(name="openai", model=model or DEFAULT_OPENAI_MODEL, endpoint=base_url,
                        api_key=api_key, timeout=timeout, max_retries=max_retries, strict=strict,
                        max_completion_tokens=max_completion_tokens, send_temperature=send_temperature,
                        concurrency=concurrency, structured_output=structured_output, connections=connections)
