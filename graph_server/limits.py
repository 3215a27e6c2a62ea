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
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
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
    """Evaluation slots handed out first come, first served, to waiters on the event loop and
    in threads alike. (Polling for a free slot let late requests overtake early ones under
    load, and the overtaken ones ran past their wait limit: 503s a queue avoids.)"""

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


class QueryRunner:
    """Runs `fn(deadline)` in a daemon worker thread and waits at most the timeout for it."""

    def __init__(self, timeout_seconds: float, max_concurrent: int = 4):
        self.timeout_seconds = timeout_seconds
        self.max_concurrent = max_concurrent
        self._slots = FairSlots(max_concurrent)

    def _start(self, fn: Callable[[Deadline], T], timeout: float) -> tuple[Future, Deadline]:
        """Start `fn` in a worker thread; the caller already holds a slot."""
        deadline = Deadline(timeout)
        future: Future = Future()

        def work() -> None:
            try:
                if not future.set_running_or_notify_cancel():
                    return
                future.set_result(fn(deadline))
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
                future.set_exception(exc)
            finally:
                self._slots.release()

        threading.Thread(target=work, name="schakel-query", daemon=True).start()
        return future, deadline

    async def _acquire_slot(self) -> None:
        """Queue for a slot for up to one query timeout without blocking the event loop (a
        blocking wait here froze every other request), then give up with 503."""
        ticket = self._slots.request()
        try:
            done, _ = await asyncio.wait({asyncio.wrap_future(ticket)}, timeout=self.timeout_seconds)
        except asyncio.CancelledError:  # the client went away while waiting
            self._slots.withdraw(ticket)
            raise
        if not done:
            self._slots.withdraw(ticket)
            raise ServerBusy(_BUSY)

    async def run(self, fn: Callable[[Deadline], T], timeout: float | None = None) -> T:
        timeout = self.timeout_seconds if timeout is None else timeout
        await self._acquire_slot()
        future, deadline = self._start(fn, timeout)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout + 0.05)
        except asyncio.TimeoutError:
            raise QueryTimeout(f"the query did not finish within {timeout:g} s") from None

    def run_sync(self, fn: Callable[[Deadline], T], timeout: float | None = None) -> T:
        """The same for synchronous callers (e.g. /ask handlers running in a threadpool)."""
        timeout = self.timeout_seconds if timeout is None else timeout
        ticket = self._slots.request()
        try:
            ticket.result(timeout=self.timeout_seconds)
        except FutureTimeout:
            self._slots.withdraw(ticket)
            raise ServerBusy(_BUSY) from None
        future, deadline = self._start(fn, timeout)
        try:
            return future.result(timeout + 0.05)
        except TimeoutError:
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
