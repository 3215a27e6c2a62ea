"""Resource limits around query evaluation: a per-query deadline, a bounded set of evaluation
threads, and a per-principal rate limit.

Why threads and what that costs: pyoxigraph has no timeout or cancellation, and a Python
thread cannot be killed. Its evaluation releases the GIL, so a query running in a worker
thread does not stop the server from answering others. Results are pulled row by row with a
deadline check in between, so most runaway queries stop at the deadline; a query that
computes for long before its first row (a huge GROUP BY or COUNT) keeps its thread until
Oxigraph is done. The client still gets 503 at the deadline, and because evaluation slots are
bounded (`[server] max_concurrent_queries`), such queries can never take every core: when all
slots are held, a new query waits for one for up to one query timeout, then gets 503.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


class QueryTimeout(Exception):
    """The query ran past its deadline."""


class ServerBusy(Exception):
    """Every evaluation slot is taken."""


class Deadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def expired(self) -> bool:
        return time.monotonic() > self.at

    def check(self) -> None:
        if self.expired():
            raise QueryTimeout(f"the query did not finish within {self.seconds:g} s")


_BUSY = "the server is busy with other queries; try again shortly"


class FairSlots:
    """Evaluation slots handed out first come, first served. (Polling for a free slot let late
    requests overtake early ones under load, and the overtaken ones ran past their wait limit:
    503s a queue avoids.)"""

    def __init__(self, count: int):
        self._free = count
        self._waiters: deque[Future] = deque()
        self._lock = threading.Lock()

    def request(self) -> Future:
        """A future that is done once the caller holds a slot."""
        ticket: Future = Future()
        with self._lock:
            if self._free > 0 and not self._waiters:
                self._free -= 1
                ticket.set_result(None)
            else:
                self._waiters.append(ticket)
        return ticket

    def withdraw(self, ticket: Future) -> None:
        """Stop waiting; a slot granted in the meantime is passed on."""
        with self._lock:
            if ticket.cancel():
                self._waiters.remove(ticket)
                return
        self.release()

    def release(self) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().set_result(None)
            else:
                self._free += 1


# A query kind whose evaluations took longer than this (on average) is run in the long lane.
LONG_QUERY_SECONDS = 0.25


class QueryRunner:
    """Runs `fn(deadline)` in a daemon worker thread and waits at most the timeout for it.

    Two lanes of slots keep lookups from queueing behind reporting queries: a request that
    names its `kind` (the SPARQL endpoint passes the query's shape) goes to the long lane once
    that kind has taken LONG_QUERY_SECONDS or more on average; anything else, and every kind
    seen for the first time, takes the short lane. With `max_concurrent` slots, half of them
    (rounded down) form the long lane; with one slot there is one lane."""

    def __init__(self, timeout_seconds: float, max_concurrent: int = 4):
        self.timeout_seconds = timeout_seconds
        self.max_concurrent = max_concurrent
        long_slots = max_concurrent // 2
        short = FairSlots(max_concurrent - long_slots)
        self._lanes = {"short": short, "long": FairSlots(long_slots) if long_slots else short}
        self._costs: OrderedDict[str, float] = OrderedDict()  # kind -> mean seconds, recent first
        self._costs_lock = threading.Lock()

    def lane_for(self, kind: str | None) -> str:
        with self._costs_lock:
            cost = self._costs.get(kind) if kind is not None else None
        return "long" if cost is not None and cost >= LONG_QUERY_SECONDS else "short"

    def _learn(self, kind: str, seconds: float) -> None:
        with self._costs_lock:
            previous = self._costs.pop(kind, None)
            self._costs[kind] = seconds if previous is None else 0.5 * previous + 0.5 * seconds
            if len(self._costs) > 4096:
                self._costs.popitem(last=False)

    def _finish(self, slots: FairSlots, kind: str | None, started: float) -> None:
        slots.release()
        if kind is not None:
            self._learn(kind, time.monotonic() - started)

    def _start(self, fn: Callable[[Deadline], T], timeout: float, slots: FairSlots,
               kind: str | None) -> Future:
        """Start `fn` in a worker thread; the caller already holds a slot of `slots`."""
        deadline = Deadline(timeout)
        future: Future = Future()

        def work() -> None:
            started = time.monotonic()
            if not future.set_running_or_notify_cancel():
                slots.release()
                return
            # The slot is freed and the duration learnt before the waiting request resumes, so
            # the next query of this kind already takes the right lane.
            try:
                result = fn(deadline)
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
                self._finish(slots, kind, started)
                future.set_exception(exc)
                return
            self._finish(slots, kind, started)
            future.set_result(result)

        threading.Thread(target=work, name="schakel-query", daemon=True).start()
        return future

    async def _acquire_slot(self, slots: FairSlots) -> None:
        """Queue for a slot for up to one query timeout without blocking the event loop (a
        blocking wait here froze every other request), then give up with 503."""
        ticket = slots.request()
        try:
            done, _ = await asyncio.wait({asyncio.wrap_future(ticket)}, timeout=self.timeout_seconds)
        except asyncio.CancelledError:  # the client went away while waiting
            slots.withdraw(ticket)
            raise
        if not done:
            slots.withdraw(ticket)
            raise ServerBusy(_BUSY)

    async def run(self, fn: Callable[[Deadline], T], timeout: float | None = None, *,
                  kind: str | None = None) -> T:
        timeout = self.timeout_seconds if timeout is None else timeout
        slots = self._lanes[self.lane_for(kind)]
        await self._acquire_slot(slots)
        future = self._start(fn, timeout, slots, kind)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout + 0.05)
        except asyncio.TimeoutError:
            raise QueryTimeout(f"the query did not finish within {timeout:g} s") from None


class RateLimiter:
    """Token bucket per key: `per_minute` requests, refilled continuously."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> float | None:
        """None when the request may go ahead, else the seconds to wait."""
        if self.per_minute <= 0:
            return None
        rate = self.per_minute / 60.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return (1.0 - tokens) / rate
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > 100_000:  # forget idle clients
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 120}
            return None
