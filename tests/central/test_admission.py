"""Admission by turn (central.gate) and work slots (central.admission), on a settable clock.

No database and no sockets here: the rules themselves, step by step. The same rules
over real HTTP are in test_saturation.py.
"""

from __future__ import annotations

import asyncio
import math
import time

import pytest

from central.admission import WorkSlots
from central.gate import GRACE_MIN_S, SessionGate, Shed


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def gate(clock: Clock, **overrides: float) -> SessionGate:
    limits: dict[str, float] = {
        "max_sessions": 2,
        "session_records": 3,
        "session_max_s": 60.0,
        "session_idle_s": 2.0,
        "max_waiters": 100,
        "max_retry_after_s": 60,
    }
    limits.update(overrides)
    return SessionGate(
        max_sessions=int(limits["max_sessions"]),
        session_records=int(limits["session_records"]),
        session_max_s=limits["session_max_s"],
        session_idle_s=limits["session_idle_s"],
        max_waiters=int(limits["max_waiters"]),
        max_retry_after_s=int(limits["max_retry_after_s"]),
        clock=clock,
    )


def refused(g: SessionGate, station: str, *, starts_work: bool = True) -> Shed:
    with pytest.raises(Shed) as caught:
        g.enter(station, starts_work=starts_work)
    return caught.value


def served(g: SessionGate, station: str, *, starts_work: bool = True) -> None:
    g.enter(station, starts_work=starts_work)
    g.leave(station)


def end_turn_by_silence(g: SessionGate, clock: Clock) -> None:
    clock.advance(g.session_idle_s + 0.5)  # past the idle limit and the sweep interval


def test_stations_past_the_turns_are_refused_with_a_retry_after_and_admitted_ones_pass() -> None:
    clock = Clock()
    g = gate(clock)
    served(g, "A")
    served(g, "B")
    busy = refused(g, "C")
    assert (busy.status, busy.code, busy.shed_reason) == (503, "server.busy", "sessions_full")
    assert busy.headers["Retry-After"] == str(busy.retry_after) and busy.retry_after >= 1
    for starts_work in (True, False, True):  # a station in its turn passes, whatever it asks
        served(g, "A", starts_work=starts_work)
    assert g.snapshot() == {"sessions": 2, "waiting": 1, "waiting_live": 1}


def test_a_turn_ends_after_silence_and_goes_to_the_first_waiter_not_to_a_newcomer() -> None:
    clock = Clock()
    g = gate(clock)
    served(g, "A")
    served(g, "B")
    refused(g, "C")
    clock.advance(1.0)
    served(g, "B")  # B stays busy; A falls silent
    clock.advance(1.5)
    served(g, "B")
    assert refused(g, "D").shed_reason == "sessions_full"  # a newcomer is behind C, even with A's turn free
    served(g, "C")  # C's turn
    assert g.snapshot()["sessions"] == 2 and g.snapshot()["waiting"] == 1


def test_a_turn_is_round_robin_while_others_wait_and_a_record_in_hand_is_finished() -> None:
    clock = Clock()
    g = gate(clock, max_sessions=1, session_records=2)
    g.enter("A", starts_work=True)
    g.leave("A")
    refused(g, "B")
    for _ in range(2):
        g.enter("A", starts_work=True)
        g.committed("A")
        g.leave("A")
    served(g, "A", starts_work=False)  # its turn is used up: a HEAD, a commit, a later PATCH still pass
    over = refused(g, "A", starts_work=True)  # new work does not: to the back of the line
    assert over.shed_reason == "turn_over"
    served(g, "B")
    assert refused(g, "A").shed_reason == "sessions_full"


def test_a_used_up_turn_goes_on_while_nobody_waits() -> None:
    clock = Clock()
    g = gate(clock, max_sessions=1, session_records=1)
    for _ in range(5):
        g.enter("A", starts_work=True)
        g.committed("A")
        g.leave("A")
    assert g.snapshot()["sessions"] == 1


def test_a_station_retrying_often_does_not_pass_a_patient_one_that_was_refused_first() -> None:
    clock = Clock()
    g = gate(clock, max_sessions=1, session_records=1)
    served(g, "A")
    patient = refused(g, "P")
    clock.advance(0.1)
    refused(g, "F")
    turns: list[str] = []
    # A's turn ends (silence); F asks every 0.2 s, P only when its Retry-After says
    comes_back = clock.now + patient.retry_after
    for _ in range(200):
        clock.advance(0.2)
        for station in ("F", "P") if clock.now >= comes_back else ("F",):
            try:
                g.enter(station, starts_work=True)
            except Shed as busy:
                if station == "P":
                    comes_back = clock.now + busy.retry_after
                continue
            turns.append(station)
            g.leave(station)
        if turns:
            break
    assert turns == ["P"]


def test_a_waiter_that_misses_its_appointment_stops_holding_turns_but_keeps_its_place() -> None:
    clock = Clock()
    g = gate(clock, max_sessions=1)
    served(g, "A")
    first = refused(g, "P")
    clock.advance(0.1)
    refused(g, "F")
    end_turn_by_silence(g, clock)
    clock.advance(first.retry_after + max(GRACE_MIN_S, first.retry_after) + 1)  # P's appointment is long past
    served(g, "F")  # the free turn is not held for P for ever
    assert refused(g, "N").shed_reason == "sessions_full"
    end_turn_by_silence(g, clock)
    served(g, "P")  # P comes back late: still before N, who was refused after it
    assert g.snapshot()["sessions"] == 1


def test_retry_after_follows_the_place_and_the_measured_rate_of_turns() -> None:
    clock = Clock()
    g = gate(clock, max_sessions=1, session_records=1)
    # measure: ten turns end, one a second
    for n in range(10):
        served(g, f"S{n}")
        end_turn_by_silence(g, clock)
    served(g, "A")
    waits = [refused(g, f"W{n}").retry_after for n in range(12)]
    rate = g.turns_per_s()
    assert 0.2 < rate < 1.0  # ten turns in the last ~25 s
    assert waits == [max(1, min(60, math.ceil((place + 1) / rate))) for place in range(12)]
    assert waits[-1] > waits[0] >= 1  # spread out, not one instant for everyone


def test_the_waiting_list_is_bounded_and_forgets_stations_that_left() -> None:
    clock = Clock()
    g = gate(clock, max_sessions=1, max_waiters=3, max_retry_after_s=30)
    served(g, "A")
    for n in range(3):
        refused(g, f"W{n}")
    full = refused(g, "X")
    assert (full.shed_reason, full.retry_after) == ("waiting_list_full", 30)
    assert g.snapshot()["waiting"] == 3
    clock.advance(700)  # the waiters never came back
    served(g, "A")
    refused(g, "X")
    assert g.snapshot()["waiting"] == 1


def test_work_slots_hand_over_in_order_and_refuse_after_the_wait() -> None:
    async def scenario() -> tuple[list[str], float, Shed]:
        slots = WorkSlots(1, wait_s=0.3)
        order: list[str] = []
        release = asyncio.Event()

        async def first() -> None:
            async with slots.hold():
                order.append("first")
                await release.wait()

        async def second() -> None:
            async with slots.hold():
                order.append("second")

        holder = asyncio.create_task(first())
        await asyncio.sleep(0)
        started = time.monotonic()
        with pytest.raises(Shed) as caught:
            async with slots.hold():
                order.append("never")
        waited = time.monotonic() - started
        follower = asyncio.create_task(second())
        await asyncio.sleep(0.05)
        assert slots.waiting == 1 and slots.busy == 1
        release.set()
        await asyncio.wait_for(asyncio.gather(holder, follower), 5)
        assert slots.busy == 0 and slots.waiting == 0
        return order, waited, caught.value

    order, waited, busy = asyncio.run(scenario())
    assert order == ["first", "second"]
    assert 0.25 < waited < 2.0
    assert busy.shed_reason == "work_slots" and int(busy.headers["Retry-After"]) >= 1
