"""SDK clients and rate limiters shared by runs: one client per (event loop, service, endpoint, credential).

Runs differ in their timeout, retries and Azure API version; each run applies its own with the SDK's
``with_options``, whose copies share the client's HTTP connection pool, so back-to-back runs (cells, files,
``%%docgen`` reruns) reuse their keep-alive connections instead of opening new ones. A deployment's rate
limits are shared by every run that uses it, and so is its :class:`RateLimiter`.

Clients and limiters are bound to the event loop that created them (the SDK's HTTP pool and asyncio's
primitives are), so the loop is part of every key; a loop is held by a weak reference and checked on lookup,
because a closed loop's ``id`` can be reused by a new one. What belonged to a loop that has closed (an
``asyncio.run`` that ended) is dropped when a new client or limiter is made. Whoever creates a :class:`Connections`
closes it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from docgen_magic.providers.ratelimit import RateLimiter
from docgen_magic.settings import shown_url

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClientKey:
    """What two runs must have in common to share an SDK client. It holds no secret.

    Attributes:
        service: ``azure`` or ``openai``.
        endpoint: The endpoint as shown (no ``user:password@``, no query), or None for api.openai.com.
        credential: SHA-256 of the key and the raw endpoint (whose user info and query may carry credentials).
    """

    service: str
    endpoint: str | None
    credential: str

    @classmethod
    def of(cls, service: str, endpoint: str | None, api_key: str | None) -> ClientKey:
        """Build the key of a service, endpoint and key.

        Args:
            service: ``azure`` or ``openai``.
            endpoint: The raw endpoint or base URL, or None.
            api_key: The key, or None (Entra ID, or a compatible server that needs none).

        Returns:
            The key.
        """
        credential = hashlib.sha256(f"{api_key or ''}\0{endpoint or ''}".encode()).hexdigest()
        return cls(service, shown_url(endpoint), credential)


@dataclass
class ServerTraits:
    """What the first answers taught about a deployment's server, shared by every run using it.

    Attributes:
        mode: How structured output is asked for: ``tool`` (a forced function call), ``json_schema``
            (``response_format``) or ``json`` (JSON in the message content, the schema in the prompt); None
            until the first answer shows what the server does.
        cap_parameter: The completion cap's parameter the server reads: ``max_completion_tokens`` (OpenAI,
            Azure OpenAI) or ``max_tokens`` (compatible servers: llama.cpp, Ollama, LM Studio, vLLM).
        thinks: The model thinks aloud in its content before answering (a ``<think>`` block): its answers get
            the whole ceiling of the completion cap, not what the docstring alone needs.
    """

    mode: str | None = None
    cap_parameter: str = "max_completion_tokens"
    cap_switched: bool = False
    stream: bool = False
    stream_usage: bool = True
    timeout_scale: float = 1.0
    thinks: bool = False


_Owned = tuple["weakref.ref[asyncio.AbstractEventLoop]", Any]


def _gone(owner: weakref.ref[asyncio.AbstractEventLoop]) -> bool:
    """Whether a loop has closed (or been collected): its clients can no longer be used or closed."""
    loop = owner()
    return loop is None or loop.is_closed()


class Connections:
    """The SDK clients and rate limiters of one owner (the API's session, or a provider built on its own)."""

    def __init__(self) -> None:
        """Start with no client: each is created on first use, inside the loop that uses it."""
        self._clients: dict[tuple[int, Any], _Owned] = {}  # (loop id, ClientKey)
        self._limiters: dict[tuple[int, Any], _Owned] = {}  # (loop id, (ClientKey, model))
        self._traits: dict[tuple[int, Any], _Owned] = {}  # (loop id, (ClientKey, model))

    def __repr__(self) -> str:
        """Count the open clients; never name a credential.

        Returns:
            The representation.
        """
        return f"Connections(open_clients={self.open_clients()})"

    def client(self, key: ClientKey, make: Callable[[], Any]) -> Any:
        """Return the running loop's client for a key, created with ``make`` when there is none (or it closed).

        Args:
            key: Service, endpoint and credential.
            make: Creates the client (called inside the running loop).

        Returns:
            The shared ``AsyncAzureOpenAI`` / ``AsyncOpenAI`` client.
        """
        return self._of_running_loop(self._clients, key, make, usable=lambda client: not client.is_closed())

    def limiter(self, key: ClientKey, model: str | None, ceiling: int) -> RateLimiter:
        """Return the running loop's rate limiter of a deployment (or model), shared by every run using it.

        Args:
            key: Service, endpoint and credential.
            model: The deployment or model name.
            ceiling: The run's ``concurrency``; a shared limiter's ceiling is the highest asked for (each run
                keeps its own ceiling with its own semaphore).

        Returns:
            The limiter pacing every request to that deployment from this loop.
        """
        limiter: RateLimiter = self._of_running_loop(self._limiters, (key, model), lambda: RateLimiter(ceiling))
        limiter.ceiling = max(limiter.ceiling, ceiling)
        return limiter

    def traits(self, key: ClientKey, model: str | None, make: Callable[[], ServerTraits]) -> ServerTraits:
        """Return what is known of a deployment's server, shared by every run using it from this loop.

        Args:
            key: Service, endpoint and credential.
            model: The deployment or model name.
            make: The traits assumed before any answer (called once).

        Returns:
            The shared, mutable traits.
        """
        traits: ServerTraits = self._of_running_loop(self._traits, (key, model), make)
        return traits

    def open_clients(self) -> int:
        """Count the clients not closed yet (on any live loop).

        Returns:
            How many.
        """
        return sum(1 for owner, client in self._clients.values() if not _gone(owner) and not client.is_closed())

    async def aclose(self) -> None:
        """Close the running loop's clients and forget its limiters; forget what belonged to loops now closed.

        Safe to call twice; the next request creates a new client.
        """
        loop = asyncio.get_running_loop()
        self._forget(_gone)
        for client in self._forget(lambda owner: owner() is loop):
            try:
                await client.close()
            except Exception:
                logger.debug("closing an SDK client failed", exc_info=True)

    def _of_running_loop(self, table: dict[tuple[int, Any], _Owned], key: Any, make: Callable[[], Any],
                         usable: Callable[[Any], bool] = lambda _: True) -> Any:
        """Return the running loop's entry of a table for a key, made with ``make`` when there is none usable."""
        loop = asyncio.get_running_loop()
        entry = table.get((id(loop), key))
        if entry is not None and entry[0]() is loop and usable(entry[1]):
            return entry[1]
        self._forget(_gone)  # no other loop can close what a closed loop left; dropped, it is collected
        value = make()
        table[(id(loop), key)] = (weakref.ref(loop), value)
        return value

    def _forget(self, owned_by: Callable[[weakref.ref[asyncio.AbstractEventLoop]], bool]) -> list[Any]:
        """Drop the limiters and clients whose loop matches; return the clients dropped."""
        for table in (self._limiters, self._traits):
            for key in [k for k, (owner, _) in table.items() if owned_by(owner)]:
                del table[key]
        return [self._clients.pop(k)[1] for k, (owner, _) in list(self._clients.items()) if owned_by(owner)]
