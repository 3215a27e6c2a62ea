"""The evaluation slots of the query runner: first come, first served; a waiter that gives up
(timeout or a client that went away) never takes a slot with it; the event loop keeps serving
while requests wait; kinds of query that ran long move to their own lane, so lookups do not
queue behind them."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from graph_server.limits import FairSlots, QueryRunner, ServerBusy


def test_slots_go_to_waiters_in_arrival_order():
    slots = FairSlots(1)
    holder = slots.request()
    assert holder.done()
    waiters = [slots.request() for _ in range(5)]
    assert not any(w.done() for w in waiters)
    order = []
    for i, waiter in enumerate(waiters):
        waiter.add_done_callback(lambda _, i=i: order.append(i))
    for _ in range(len(waiters) + 1):
        slots.release()
    assert order == [0, 1, 2, 3, 4]
    assert slots.request().done()  # every slot came back


def test_a_withdrawn_waiter_takes_no_slot_with_it():
    slots = FairSlots(1)
    slots.request()
    gone, next_in_line = slots.request(), slots.request()
    slots.withdraw(gone)  # gave up while still waiting
    slots.release()
    assert next_in_line.done() and gone.cancelled()
    # granted just before giving up: the slot is passed on, not lost
    late = slots.request()
    slots.release()
    assert late.done()
    slots.withdraw(late)
    assert slots.request().done()


def test_waiting_runs_in_order_and_a_busy_server_answers_503_after_the_timeout():
    runner = QueryRunner(timeout_seconds=1.0, max_concurrent=1)
    started: list[int] = []
    release = threading.Event()

    def job(i):
        def work(deadline):
            started.append(i)
            if i == 0:
                release.wait(5)
            return i
        return work

    async def scenario():
        first = asyncio.ensure_future(runner.run(job(0)))
        await asyncio.sleep(0.05)
        rest = [asyncio.ensure_future(runner.run(job(i))) for i in range(1, 4)]
        await asyncio.sleep(0.05)
        ticks = 0
        while ticks < 5:  # the loop is not blocked while the queue waits
            await asyncio.sleep(0.01)
            ticks += 1
        release.set()
        return await asyncio.gather(first, *rest)

    assert asyncio.run(scenario()) == [0, 1, 2, 3]
    assert started == [0, 1, 2, 3]

    blocker = threading.Event()

    async def overloaded():
        hog = asyncio.ensure_future(runner.run(lambda d: blocker.wait(3), timeout=3))
        await asyncio.sleep(0.05)
        began = time.monotonic()
        with pytest.raises(ServerBusy):
            await runner.run(lambda d: 1)
        waited = time.monotonic() - began
        blocker.set()
        await hog
        return waited

    assert asyncio.run(overloaded()) >= 0.9
    assert asyncio.run(runner.run(lambda d: "free again")) == "free again"


def test_a_client_that_goes_away_while_queued_leaves_no_slot_behind():
    runner = QueryRunner(timeout_seconds=2.0, max_concurrent=1)
    blocker = threading.Event()

    async def scenario():
        hog = asyncio.ensure_future(runner.run(lambda d: blocker.wait(3), timeout=3))
        await asyncio.sleep(0.05)
        queued = asyncio.ensure_future(runner.run(lambda d: "never"))
        await asyncio.sleep(0.05)
        queued.cancel()
        blocker.set()
        await hog
        return await runner.run(lambda d: "next")

    assert asyncio.run(scenario()) == "next"


def test_a_kind_that_ran_long_moves_to_the_long_lane_and_lookups_pass_it(monkeypatch):
    monkeypatch.setattr("graph_server.limits.LONG_QUERY_SECONDS", 0.05)
    runner = QueryRunner(timeout_seconds=2.0, max_concurrent=2)  # one short, one long slot
    assert runner.lane_for("report") == runner.lane_for(None) == "short"
    asyncio.run(runner.run(lambda d: time.sleep(0.1), kind="report"))
    assert runner.lane_for("report") == "long"
    asyncio.run(runner.run(lambda d: None, kind="lookup"))
    assert runner.lane_for("lookup") == "short"
    blocker = threading.Event()

    async def scenario():
        report = asyncio.ensure_future(runner.run(lambda d: blocker.wait(3), kind="report"))
        await asyncio.sleep(0.05)
        second_report = asyncio.ensure_future(runner.run(lambda d: "report 2", kind="report"))
        lookup = await runner.run(lambda d: "lookup", kind="lookup")
        # the lookup was answered while the first report still held the long lane's one slot
        assert not report.done() and not second_report.done()
        blocker.set()
        return lookup, await second_report, await report

    lookup, second, _ = asyncio.run(scenario())
    assert (lookup, second) == ("lookup", "report 2")
