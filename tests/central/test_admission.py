"""Admission by turn (central.gate) and work slots (central.admission), on a settable clock.

No database and no sockets here: the rules themselves, step by step. The same rules
over real HTTP are in test_saturation.py.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable

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


def gate(clock: Clock, *, crowded: Callable[[], bool] = lambda: False, **overrides: float) -> SessionGate:
    limits: dict[str, float] = {
        "max_sessions": 2,
        "session_records": 3,
        "session_max_s": 60.0,
        "session_idle_s": 2.0,
        "max_waiters": 100,
        "max_retry_after_s": 60,
        "session_min_s": 0.0,
        "line_shared_by": 1,
    }
    limits.update(overrides)
    return SessionGate(
        max_sessions=int(limits["max_sessions"]),
        session_records=int(limits["session_records"]),
        session_max_s=limits["session_max_s"],
        session_idle_s=limits["session_idle_s"],
        max_waiters=int(limits["max_waiters"]),
        max_retry_after_s=int(limits["max_retry_after_s"]),
        session_min_s=limits["session_min_s"],
        line_shared_by=int(limits["line_shared_by"]),
        crowded=crowded,
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
    assert refused(g, "D").shed_reason == "turn_held"  # a newcomer is behind C, even with A's turn free
    served(g, "C")  # C's turn
    assert g.snapshot()["sessions"] == 2 and g.snapshot()["waiting"] == 1


def test_a_turn_is_round_robin_while_others_wait_and_a_record_in_hand_is_finished() -> None:
    clock = Clock()
    g = gate(clock, max_sessions=1, session_records=2)
    for _ in range(2):  # its two records while nobody waits: no receipt ends the turn
        g.enter("A", starts_work=True)
        assert g.committed("A") is None
        g.leave("A")
    refused(g, "B")
    served(g, "A", starts_work=False)  # its turn is used up: a HEAD, a commit, a later PATCH still pass
    over = refused(g, "A", starts_work=True)  # new work does not: to the back of the line
    assert over.shed_reason == "turn_over"
    served(g, "B")
    assert refused(g, "A").shed_reason == "sessions_full"


def test_a_turn_lasts_at_least_its_minimum_even_with_its_records_done() -> None:
    clock = Clock()
    g = gate(clock, max_sessions=1, session_records=1, session_min_s=2.0)
    served(g, "A")
    refused(g, "B")
    for _ in range(3):  # three records in 1.5 s: still A's turn
        clock.advance(0.5)
        g.enter("A", starts_work=True)
        g.committed("A")
        g.leave("A")
    clock.advance(0.6)
    assert refused(g, "A").shed_reason == "turn_over"


def test_a_used_up_turn_goes_on_while_nobody_waits() -> None:
    clock = Clock()
    g = gate(clock, max_sessions=1, session_records=1)
    for _ in range(5):
        g.enter("A", starts_work=True)
        g.committed("A")
        g.leave("A")
    assert g.snapshot()["sessions"] == 1


def test_a_station_retrying_often_gets_no_more_turns_than_a_patient_one() -> None:
    """P was refused first and asks only when its Retry-After says; F asks every 0.1 s
    while refused. A turn is three records of 0.5 s each."""
    clock = Clock()
    g = gate(clock, max_sessions=1, session_records=3)
    served(g, "A")
    next_ask = {"P": clock.now, "F": clock.now + 0.15}
    records = {"P": 0, "F": 0}
    first_served: dict[str, float] = {}
    for _ in range(1200):  # 120 s in steps of 0.1 s
        clock.advance(0.1)
        for station in ("F", "P"):
            if clock.now < next_ask[station]:
                continue
            try:
                g.enter(station, starts_work=True)
            except Shed as busy:
                next_ask[station] = clock.now + (0.1 if station == "F" else busy.retry_after)
                continue
            g.committed(station)
            g.leave(station)
            records[station] += 1
            first_served.setdefault(station, clock.now)
            next_ask[station] = clock.now + 0.5
    assert first_served["P"] < first_served["F"]  # refused first, served first
    assert records["P"] >= 30, records  # served again and again
    assert records["P"] >= 0.9 * records["F"], records  # hammering buys (almost) nothing


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


def test_retry_after_follows_the_place_and_the_measured_length_of_turns() -> None:
    clock = Clock()
    g = gate(clock, max_sessions=1, session_records=1)
    # two stations take turns of one record each, a turn lasting 0.5 s
    g.enter("X", starts_work=True)
    g.committed("X")
    g.leave("X")
    refused(g, "Y")
    clock.advance(0.5)
    assert refused(g, "X").shed_reason == "turn_over"  # its next record waits: its turn ends
    holder = "Y"
    for _ in range(30):
        g.enter(holder, starts_work=True)  # first in line
        clock.advance(0.5)
        assert g.committed(holder) is not None  # its receipt hands the turn back: the other waits
        g.leave(holder)
        holder = "X" if holder == "Y" else "Y"
    served(g, holder)  # and holds the next turn
    assert 0.45 < g.turn_seconds() < 0.6
    waits = [refused(g, f"W{n}").retry_after for n in range(12)]
    # X or Y waits first, so W0 has one live waiter ahead of it
    assert waits == [max(1, math.ceil((place + 2) * g.turn_seconds())) for place in range(12)]
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


def test_the_receipt_that_uses_up_a_turn_hands_it_back_with_the_wait() -> None:
    clock = Clock()
    g = gate(clock, max_sessions=1, session_records=2)
    served(g, "A")
    refused(g, "B")
    g.enter("A", starts_work=True)
    assert g.committed("A") is None  # one record of two: the turn goes on
    g.leave("A")
    g.enter("A", starts_work=True)
    handed_back = g.committed("A")  # the second: used up while B waits
    assert handed_back is not None and 1 <= handed_back.retry_after <= g.max_retry_after_s
    assert handed_back.first == clock.now  # its place: the back of the line, now
    assert g.snapshot() == {"sessions": 1, "waiting": 2, "waiting_live": 2}  # A is in line, behind B
    g.leave("A")  # its last request answered: the turn ends at once, not at its silence
    assert g.snapshot()["sessions"] == 0
    served(g, "B")  # B, first in line, takes it
    assert refused(g, "A").shed_reason == "sessions_full"  # A waits for B's turn, in its place


def test_no_turn_is_handed_back_while_nobody_waits_or_before_its_minimum() -> None:
    clock = Clock()
    g = gate(clock, max_sessions=1, session_records=1, session_min_s=2.0, session_idle_s=10.0)
    for _ in range(3):
        g.enter("A", starts_work=True)
        assert g.committed("A") is None  # nobody waits
        g.leave("A")
    refused(g, "B")
    g.enter("A", starts_work=True)
    assert g.committed("A") is None  # B waits, but the turn is not 2 s old yet
    g.leave("A")
    g.enter("A", starts_work=True)
    clock.advance(2.1)  # a record that takes the turn past its minimum
    assert g.committed("A") is not None
    g.leave("A")
    assert g.snapshot()["sessions"] == 0


def test_a_request_already_in_flight_finishes_the_handed_back_turn() -> None:
    clock = Clock()
    g = gate(clock, max_sessions=1, session_records=1)
    served(g, "A")
    refused(g, "B")
    g.enter("A", starts_work=True)
    g.enter("A", starts_work=False)  # its next record's later chunk, already on the wire
    assert g.committed("A") is not None
    g.leave("A")
    assert g.snapshot()["sessions"] == 1  # one request of the turn still being answered
    assert refused(g, "A").shed_reason == "turn_over"  # but no new work in it
    g.leave("A")
    assert g.snapshot()["sessions"] == 0


def test_a_ticket_puts_a_station_at_its_earlier_place_and_never_moves_one_back() -> None:
    clock = Clock()
    g = gate(clock, max_sessions=1)
    served(g, "A")
    clock.advance(1.0)
    refused(g, "C")  # C refused here at 1001
    clock.advance(1.0)
    with pytest.raises(Shed) as caught:
        g.enter("B", starts_work=True, since=clock.now - 1.5)  # refused elsewhere at 1000.5
    assert caught.value.first == clock.now - 1.5 and "; 0 wait before" in caught.value.detail
    assert "; 1 wait before" in refused(g, "C").detail  # C now stands behind B
    with pytest.raises(Shed) as again:
        g.enter("C", starts_work=True, since=clock.now)  # a later place: C keeps its own
    assert again.value.first == 1001.0


def test_a_ticket_replayed_after_its_turn_earns_nothing() -> None:
    clock = Clock()
    g = gate(clock, max_sessions=1, session_records=1)
    served(g, "A")
    first = refused(g, "B").first
    assert first is not None
    refused(g, "C")
    clock.advance(1.0)
    g.enter("A", starts_work=True)
    g.committed("A")  # hands the turn back: B, first in line, takes it
    g.leave("A")
    served(g, "B")
    g.enter("B", starts_work=True)
    g.committed("B")  # and B's turn ends too
    g.leave("B")
    clock.advance(0.1)
    served(g, "C")  # C, first in line now, has the turn
    with pytest.raises(Shed) as caught:
        g.enter("B", starts_work=True, since=first)  # B's old ticket, from before its turn
    assert caught.value.first is not None and caught.value.first > first  # B stays at the back
    assert "; 1 wait before" in caught.value.detail  # behind A


def test_a_due_waiter_not_yet_back_holds_no_turn_against_one_asking_when_told() -> None:
    """Stations come back over half their wait again (jitter). A free turn is not kept idle
    for a due waiter still on its way (P) when a station behind it comes as told (Q); P,
    coming late and finding no turn, is told a short wait from its place at the front,
    and still passes a newcomer."""
    clock = Clock()
    g = gate(clock, max_sessions=1)
    served(g, "A")
    p = refused(g, "P")
    clock.advance(0.1)
    q = refused(g, "Q")
    end_turn_by_silence(g, clock)
    clock.advance(max(p.retry_after, q.retry_after))  # both appointments have come; P is not back yet
    served(g, "Q")  # Q, asking when told, takes the free turn
    assert refused(g, "N").shed_reason == "sessions_full"  # a newcomer still waits behind them
    r = refused(g, "P")  # P comes, late, and finds no turn
    assert r.shed_reason == "sessions_full" and "0 wait before" in r.detail
    end_turn_by_silence(g, clock)
    assert refused(g, "M").shed_reason == "turn_held"  # due P holds the free turn against a newcomer
    served(g, "P")


def test_an_early_asker_yields_a_free_turn_to_every_due_waiter_ahead() -> None:
    clock = Clock()
    g = gate(clock, max_sessions=1)
    served(g, "A")
    p = refused(g, "P")
    clock.advance(0.1)
    refused(g, "F")  # F asks again long before its appointment
    end_turn_by_silence(g, clock)
    assert clock.now >= 1000 + p.retry_after  # P is due but not back yet; F's appointment is later
    assert refused(g, "F").shed_reason == "turn_held"  # early: it may not pass P
    served(g, "P")


def test_retry_after_counts_the_running_turns_while_the_work_slots_limit_them() -> None:
    """With 100 turns allowed but the work slots crowded after 2, a waiter is told from
    the 2 running turns, also in the moments the crowded signal drops (it flickers as the
    slots' queue drains); counting the 98 idle turns then told it to come back 50 times
    too soon. Once the slots have been uncrowded for a while, the free turns count again."""
    clock = Clock()
    crowded = {"now": False}
    g = gate(clock, max_sessions=100, session_idle_s=30.0, max_retry_after_s=600, crowded=lambda: crowded["now"])
    served(g, "A")
    served(g, "B")
    crowded["now"] = True
    for n in range(40):
        refused(g, f"W{n}")
    crowded["now"] = False  # the queue drained for a moment
    # what the next one would be told: 40 before it, 2 turns turning, turns of the first guess (2 s)
    assert g.retry_after() == math.ceil((40 + 1) * g.turn_seconds() / 2) == 41
    clock.advance(6.0)  # the slots have kept up for a while: the free turns count again
    assert g.retry_after() == 1


def test_the_waiting_lines_index_counts_what_walking_the_list_counts() -> None:
    """The live waiters ahead of a station, kept in sorted lists and an expiry heap
    (central.gate._Line), against a walk of the list, through a seeded run of refusals,
    tickets placing stations earlier, admissions and silences."""
    import random

    from central.gate import _Line

    rng, clock = random.Random(1312), Clock()
    g = gate(clock, max_sessions=3, session_records=1, max_waiters=40)
    stations = [f"S{i:02d}" for i in range(30)]
    line: _Line = g._waiting
    seen_live_and_gone = [0, 0]
    for _step in range(3000):
        station = rng.choice(stations)
        action = rng.random()
        if action < 0.6:
            since = clock.now - rng.uniform(0, 30) if rng.random() < 0.3 else None
            try:
                g.enter(station, starts_work=rng.random() < 0.8, since=since)
            except Shed:
                pass
            else:
                if rng.random() < 0.5:
                    g.committed(station)
                g.leave(station)
        clock.advance(rng.choice([0.0, 0.05, 0.1, 0.2, 0.5, 1.0, 6.0]))
        order = list(line.items())
        assert [w.first for _, w in order] == sorted(w.first for _, w in order)
        live = [code for code, w in order if w.live(clock.now)]
        seen_live_and_gone[0] += len(live)
        seen_live_and_gone[1] += len(order) - len(live)
        for code in [*stations[:10], rng.choice(stations)]:
            walked = live.index(code) if code in live else None
            if walked is None:
                ahead = 0
                for other, w in order:
                    if other == code:
                        break
                    ahead += w.live(clock.now)
                walked = ahead if line.get(code) is not None else len(live)
            assert line.live_ahead(code, clock.now) == walked, code
        assert g.snapshot()["waiting_live"] == len(live)
    assert min(seen_live_and_gone) > 2000, seen_live_and_gone  # both kinds were counted, often


def test_the_line_share_follows_where_returning_stations_tickets_were_issued() -> None:
    """With N processes, Retry-After counts a waiter ahead 1/N only while stations return
    to any process (their tickets issued elsewhere); stations that keep their connection
    come back to the process that refused them, whose list holds only its own."""
    clock = Clock()
    g = gate(clock, max_sessions=1, session_max_s=600.0, session_idle_s=600.0, max_retry_after_s=600, line_shared_by=2)
    g.enter("A", starts_work=True)  # holds the only turn throughout
    places: dict[str, float] = {}
    for i in range(20):
        first = refused(g, f"W{i}").first
        assert first is not None
        places[f"W{i}"] = first
    assert g.line_share() == 2.0  # as if at random until stations come back
    told_at_random = refused(g, "W19").retry_after

    def come_back(own: bool, rounds: int) -> None:
        for _ in range(rounds):
            for code, first in places.items():
                clock.advance(0.01)
                since = first if own else first - 0.5  # elsewhere, a little earlier
                with pytest.raises(Shed) as caught:
                    g.enter(code, starts_work=True, since=since)
                assert caught.value.first is not None
                places[code] = caught.value.first

    come_back(own=True, rounds=10)
    assert g.line_share() < 1.05
    told_when_kept = refused(g, "W19").retry_after
    assert told_when_kept >= 1.8 * told_at_random  # 19 ahead count whole, not half
    come_back(own=False, rounds=10)
    assert g.line_share() > 1.9
