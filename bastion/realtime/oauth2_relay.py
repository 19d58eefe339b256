"""The OAuth2 popup's answer, handed to the realtime client waiting for it on whichever process
holds that client's stream.

The SDK's `authWithOAuth2({provider})` opens a realtime stream, subscribes to `@oauth2`, and
sends the user to the provider with its client id as the `state`; the provider sends the browser
to `/api/oauth2-redirect`, which must pass {state, code, error} to that client. With several
workers or nodes the redirect may reach another process than the stream's, so:

- a client this process holds gets the answer at once;
- otherwise the answer is put in the ephemeral store under the state, and a token under
  `oauth2|redirects` is changed. Every process with realtime clients reads that token every
  `poll_every` seconds (one small read; nothing more while it does not change); the one holding
  the client takes the answer (`take`: exactly once), delivers it, and says so under
  `oauth2|answer|<state>`. The redirect waits up to `wait` seconds for that reply, so its page
  says "completed" or "failed" as PocketBase's does; a state nobody holds fails after `wait`.

Delivery is PocketBase's: the client must be subscribed to `@oauth2` (the subscription is used
up either way, one answer per subscription), and a client that registered from an address must
finish from the same one. Apple's one-time user name, posted with the code, is kept when the
answer is delivered, before the client can exchange the code (bastion/auth/oauth2/apple_name.py).

What a stranger can make this cost is bounded: a state that cannot be a client id, or values
longer than a provider sends, fail at once; at most `max_waiting` redirects per process, and
`max_waiting_per_address` from one address (an IPv6 /64), wait for a reply (more fail at once),
each reading the store every `poll_every` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import secrets
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Protocol

from bastion.auth.oauth2 import apple_name
from bastion.core.app_protocol import App
from bastion.realtime.address_quota import address_key
from bastion.realtime.client_state import Message, RealtimeClient
from bastion.store.ephemeral_base import StoreUnavailable

if TYPE_CHECKING:
    from bastion.realtime.hub import RealtimeHub


class RelayApp(App, Protocol):
    """The App, with the realtime hub whose clients the relay delivers to."""

    @property
    def realtime(self) -> RealtimeHub | None: ...


log = logging.getLogger("bastion.oauth2")

OAUTH2_TOPIC = "@oauth2"
_TOKEN = "oauth2|redirects"
_ANSWER, _SENT, _REFUSED = "oauth2|answer|", "sent", "refused"
_REQUEST = "oauth2|redirect|"
_TOKEN_TTL = 24 * 3600.0
# a realtime client id (PocketBase's: 40 letters and digits)
_STATE = re.compile(r"[A-Za-z0-9]{1,64}")
MAX_VALUE = 4096  # characters of a code, an error or Apple's user JSON


@dataclass(frozen=True)
class RedirectAnswer:
    """What `/api/oauth2-redirect` received, for the client named by `state`."""

    state: str
    code: str
    error: str
    ip: str  # the address the redirect came from
    apple_user: str = ""  # Apple's `user` form field (first sign-in only)

    def within_bounds(self) -> bool:
        """Whether this could come from a provider for a realtime client (else it is refused
        before it costs anything)."""
        values = (self.code, self.error, self.apple_user)
        return bool(_STATE.fullmatch(self.state)) and all(len(v) <= MAX_VALUE for v in values)

    def message(self) -> Message:
        data = {"state": self.state, "code": self.code}
        if self.error:
            data["error"] = self.error
        return Message(OAUTH2_TOPIC, json.dumps(data, separators=(",", ":")).encode())


class OAuth2Relay:
    def __init__(
        self,
        app: RelayApp,
        *,
        poll_every: float = 0.1,
        wait: float = 5.0,
        max_waiting: int = 64,
        max_waiting_per_address: int = 4,
    ) -> None:
        self.app = app
        self.poll_every = poll_every
        self.wait = wait
        self.max_waiting = max_waiting
        self.max_waiting_per_address = max_waiting_per_address
        self._waiting: dict[str, int] = {}  # redirects waiting for a reply, by address
        self._seen: str | None = None
        self._watcher: asyncio.Task[None] | None = None

    def start(self) -> OAuth2Relay:
        self._watcher = asyncio.get_running_loop().create_task(self._watch())
        return self

    async def close(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None

    # ---- the redirect's side --------------------------------------------------------------

    async def deliver(self, answer: RedirectAnswer) -> bool:
        """Hand `answer` to its client, here or on another process; whether it was delivered."""
        if not answer.within_bounds():
            return False
        hub = self.app.realtime
        client = hub.find(answer.state) if hub is not None else None
        if client is not None:
            return await self._hand(client, answer)
        address = address_key(answer.ip)
        waiting = self._waiting.get(address, 0)
        if waiting >= self.max_waiting_per_address or sum(self._waiting.values()) >= self.max_waiting:
            log.warning("OAuth2 redirect not relayed: too many redirects wait for a reply")
            return False
        self._waiting[address] = waiting + 1
        try:
            return await self._hand_over(answer)
        except StoreUnavailable as exc:
            log.warning("OAuth2 redirect not relayed: the ephemeral store is unavailable (%s)", exc)
            return False
        finally:
            left = self._waiting.pop(address) - 1
            if left:
                self._waiting[address] = left

    async def _hand_over(self, answer: RedirectAnswer) -> bool:
        store = self.app.ephemeral
        request, reply = _REQUEST + answer.state, _ANSWER + answer.state
        await store.set(request, json.dumps(asdict(answer)), self.wait + 5)
        await store.set(_TOKEN, secrets.token_hex(8), _TOKEN_TTL)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait
        while loop.time() < deadline:
            await asyncio.sleep(self.poll_every)
            outcome = await store.take(reply)
            if outcome is not None:
                return outcome == _SENT
        await store.delete(request)  # nobody holds the client: it must not be delivered later
        return False

    # ---- the stream's side ----------------------------------------------------------------

    async def _hand(self, client: RealtimeClient, answer: RedirectAnswer) -> bool:
        if client.subscriptions.pop(OAUTH2_TOPIC, None) is None:
            log.debug("OAuth2 redirect without a waiting realtime client")
            return False
        if client.ip and client.ip != answer.ip:
            return False  # the browser that finished the sign-in is not the one that started it
        if answer.apple_user and answer.code and not answer.error:
            await apple_name.remember(self.app.ephemeral, answer.code, answer.apple_user)
        client.send(answer.message())
        return True

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.poll_every)
            hub = self.app.realtime
            if hub is None or not hub.clients:
                continue
            try:
                await self._claim_answers()
            except StoreUnavailable as exc:
                log.debug("OAuth2 relay: the ephemeral store is unavailable (%s)", exc)
            except Exception:
                log.exception("OAuth2 relay failed")

    async def _claim_answers(self) -> None:
        """Deliver the answers other processes left for this process's waiting clients."""
        store = self.app.ephemeral
        token = await store.get(_TOKEN)
        if token == self._seen:
            return
        self._seen = token
        hub = self.app.realtime
        waiting = [c for c in list(hub.clients.values()) if OAUTH2_TOPIC in c.subscriptions] if hub else []
        for client in waiting:
            raw = await store.take(_REQUEST + client.id)
            if raw is None:
                continue
            delivered = await self._hand(client, RedirectAnswer(**json.loads(raw)))
            await store.set(_ANSWER + client.id, _SENT if delivered else _REFUSED, self.wait + 5)
