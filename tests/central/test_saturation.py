"""Saturation over real HTTP: past its turns the centre answers 503 server.busy with a
Retry-After at once, the station holding a turn finishes, and turns go round.

A real uvicorn on 127.0.0.1 with one turn (`max_sessions=1`, the `--sessions 1` of
serve), on SQLite and PostgreSQL. Every wait is bounded by the client's timeout.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import httpx
from sqlalchemy import event

from central.app import create_app
from central.queue_ticket import HEADER as TICKET
from central.receiver import Receiver
from central.stations import add_station
from tests.central.support import Api, FakeStation, Packet, serve_in_thread
from wire.codes import TURN_OVER
from wire.keys import public_pem

IDLE_S = 1.0
BUSY_ANSWER_S = 1.0  # a refusal is a memory look-up: far under a second even on a loaded machine


@contextmanager
def one_turn(receiver: Receiver, idle_s: float = 30.0) -> Iterator[tuple[str, object]]:
    settings = replace(receiver.settings, max_sessions=1, session_records=1, session_min_s=0, session_idle_s=idle_s)
    app = create_app(settings, receiver=receiver)
    with serve_in_thread(app) as url:
        yield url, app


def second_station(receiver: Receiver, station: FakeStation, code: str = "329104-02") -> FakeStation:
    other = FakeStation(code, station.central_public)
    add_station(receiver.engine, other.code, public_pem(other.key), name="", now=receiver.clock())
    return other


def busy(r: httpx.Response) -> int:
    """The Retry-After of a server.busy answer (and that it is one)."""
    assert (r.status_code, r.json()["error"], r.headers["X-Error"]) == (503, "server.busy", "server.busy"), r.text
    seconds = int(r.headers["Retry-After"])
    assert 1 <= seconds <= 60
    return seconds


def test_past_its_turns_the_centre_says_busy_at_once_and_the_admitted_station_finishes(
    receiver: Receiver, station: FakeStation
) -> None:
    other = second_station(receiver, station)
    mine, theirs = [station.packet(n) for n in (1, 2, 3)], [other.packet(n) for n in (1, 2, 3)]
    with one_turn(receiver, idle_s=IDLE_S) as (url, app), httpx.Client(base_url=url, timeout=10) as http:
        a, b = Api(http, station), Api(http, other)
        gate, metrics = app.state.gate, app.state.metrics  # type: ignore[attr-defined]
        assert a.register(mine[0]).status_code == 201  # A takes the one turn
        started = time.monotonic()
        refused = b.register(theirs[0])
        assert time.monotonic() - started < BUSY_ANSWER_S
        busy(refused)
        assert a.patch(mine[0], 0, mine[0].blob).status_code == 204  # A's record goes on
        committed = a.commit(mine[0])
        assert committed.status_code == 200
        # The receipt that used up A's turn while B waits says when to come back, and the
        # turn ends with it: A is in line behind B, who takes the turn.
        assert 1 <= int(committed.headers[TURN_OVER]) <= 60
        assert gate.snapshot()["sessions"] == 0 and metrics.turns_handed_back == 1
        b.send_all(theirs[0])  # B, first in line; its receipt hands the turn back too (A waits)
        a.send_all(mine[1])  # A, first in line again
        b.send_all(theirs[1])
        assert metrics.turns_handed_back == 4 and gate.snapshot()["sessions"] == 0
        # A takes a turn and falls silent: it ends after IDLE_S, then B's comes
        assert a.register(mine[2]).status_code in (200, 201)
        deadline = time.monotonic() + IDLE_S + 10
        while (answer := b.register(theirs[2])).status_code == 503:
            busy(answer)
            assert time.monotonic() < deadline, "A's silent turn never ended"
            time.sleep(0.1)
    sent = [(station, mine[0]), (station, mine[1]), (other, theirs[0]), (other, theirs[1])]
    assert {(r["station"], r["record_uuid"]) for r in _received(receiver)} == {(s.code, p.record_uuid) for s, p in sent}


def test_a_refusal_costs_no_database_work(receiver: Receiver, station: FakeStation) -> None:
    other = second_station(receiver, station)
    with one_turn(receiver) as (url, app), httpx.Client(base_url=url, timeout=10) as http:
        assert Api(http, station).register(station.packet(1)).status_code == 201
        b = Api(http, other)
        busy(b.register(other.packet(1)))  # the first one reads B's key
        nonces = app.state.nonces.count()  # type: ignore[attr-defined]
        checkouts: list[object] = []

        def count(*_: object) -> None:
            checkouts.append(1)

        engines = (receiver.engine, app.state.nonces.engine)  # type: ignore[attr-defined]
        for engine in engines:
            event.listen(engine, "checkout", count)
        try:
            for n in range(20):
                refused = b.register(other.packet(n + 2))
                busy(refused)
                assert refused.headers.get("connection") != "close"  # its small body was read: no reset, same link
        finally:
            for engine in engines:
                event.remove(engine, "checkout", count)
        assert checkouts == []  # not one database connection taken: the key was cached, no nonce written
        assert app.state.nonces.count() == nonces  # type: ignore[attr-defined]
        shed = app.state.metrics.shed  # type: ignore[attr-defined]
        assert shed["sessions_full"] == 21


def _received(receiver: Receiver) -> list[dict[str, str]]:
    from central.report import build_report

    report = build_report(receiver)
    return [
        {"station": s["station"], "record_uuid": r["record_uuid"]}
        for s in report["stations"]
        for r in s["records"]
        if r["status"] == "received"
    ]


def test_a_station_keeps_its_place_in_line_when_another_process_answers_it(
    receiver: Receiver, station: FakeStation
) -> None:
    """Two processes of one centre (two apps on one database, the same keys), as with
    `serve --workers 2`: B is refused by the first; C by the second; then B's next request
    reaches the second with its ticket, and stands before C, who was refused after it."""
    b, c, d = (second_station(receiver, station, code) for code in ("329104-02", "329104-03", "329104-04"))
    with (
        one_turn(receiver) as (url1, _app1),
        one_turn(receiver) as (url2, _app2),
        httpx.Client(base_url=url1, timeout=10) as http1,
        httpx.Client(base_url=url2, timeout=10) as http2,
    ):
        assert Api(http1, station).register(station.packet(1)).status_code == 201  # the first process's turn
        first = Api(http1, b).register(b.packet(1))
        busy(first)
        ticket = first.headers[TICKET]
        assert Api(http2, d).register(d.packet(1)).status_code == 201  # the second process's turn
        busy(Api(http2, c).register(c.packet(1)))  # C waits there, refused after B

        def register(api: Api, p: Packet, ticket: str) -> httpx.Response:
            body = httpx.Request("PUT", "/", json={"station_seq": p.seq, "sha256": p.sha256, "size": p.size}).content
            return api.send(
                "PUT", f"/v1/stations/{api.station.code}/records/{p.record_uuid}", body, headers={TICKET: ticket}
            )

        again = register(Api(http2, b), b.packet(1), ticket)
        busy(again)
        assert "; 0 wait before this one" in again.json()["detail"]  # first in the second process's line
        carried, given = (int(t.split(".")[0]) for t in (again.headers[TICKET], ticket))
        assert abs(carried - given) <= 2  # the same place (ms), carried on
        behind = register(Api(http2, c), c.packet(1), ticket)  # B's ticket is B's: worth nothing to C
        busy(behind)
        assert "; 1 wait before this one" in behind.json()["detail"]
