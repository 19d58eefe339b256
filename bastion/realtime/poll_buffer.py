"""Long polling: a client's events numbered, kept until the client acknowledges them.

A poll client has no connection between requests, so each event it is sent stays in `pending`
with a sequence number until a later poll's `cursor` says it arrived; a response lost on the
way is therefore sent again. Memory is bounded twice: the hub's outbox (events not yet polled)
and `MAX_PENDING` (events sent but not acknowledged); overflowing either drops the client, whose
next poll gets 404 and starts over. A client that has not polled for the hub's
`poll_idle_timeout` (60 s by default) is dropped by the hub's sweeper, events or not.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from bastion.realtime.client_state import Message, RealtimeClient
from bastion.realtime.record_message import topic_event

MAX_PENDING = 1000
MAX_WAIT = 30.0  # seconds a poll may wait for its first event


@dataclass
class PollState:
    seq: int = 0
    pending: list[tuple[int, Message]] = field(default_factory=list)
    # monotonic time after which the hub may drop the client (renewed by each poll)
    expires: float = 0.0
    polls: int = 0  # requests waiting right now: a client is not idle while one waits


def poll_state(client: RealtimeClient, idle_timeout: float) -> PollState:
    state: PollState | None = client.poll  # typed Any there: client_state cannot import this module
    if state is None:
        state = client.poll = PollState(expires=time.monotonic() + idle_timeout)
    return state


def _acknowledge(state: PollState, cursor: int) -> None:
    state.pending = [(n, m) for n, m in state.pending if n > cursor]


def _take_outbox(client: RealtimeClient, state: PollState) -> None:
    while not client.outbox.empty():
        state.seq += 1
        state.pending.append((state.seq, client.outbox.get_nowait()))
    if len(state.pending) > MAX_PENDING:
        client.overflowed = True
        client.discard()


async def take(
    client: RealtimeClient, cursor: int, wait: float, idle_timeout: float
) -> list[tuple[int, Message]]:
    """Events after `cursor`, waiting up to `wait` seconds for the first when there are none;
    the client then stays known for `idle_timeout` seconds after this poll ends."""
    state = poll_state(client, idle_timeout)
    state.polls += 1
    try:
        _acknowledge(state, cursor)
        _take_outbox(client, state)
        if not state.pending and wait > 0:
            message = await client.next_message(wait)
            if message is not None:
                state.seq += 1
                state.pending.append((state.seq, message))
            _take_outbox(client, state)  # whatever else arrived in the same moment
        return list(state.pending)
    finally:
        state.polls -= 1
        state.expires = time.monotonic() + idle_timeout


def answer(client_id: str, cursor: int, events: list[tuple[int, Message]]) -> str:
    """A poll's JSON answer: the client id, the cursor to send next, the events."""
    last = events[-1][0] if events else cursor
    body = b",".join(topic_event(m.name, m.data) for _, m in events)
    head = f'{{"clientId":"{client_id}","cursor":{last},"events":['.encode()
    return (head + body + b"]}").decode()


def is_stale(client: RealtimeClient, now: float) -> bool:
    """A poll client to drop: discarded, or idle past its expiry (no poll waiting)."""
    state = client.poll
    if state is None or client.streaming:
        return False
    return client.discarded.is_set() or (state.polls == 0 and now > state.expires)
