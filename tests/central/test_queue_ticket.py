"""Queue tickets (central.queue_ticket): a station's place in line, checked by any process."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central.queue_ticket import MAX_TICKET_CHARS, TICKET_TTL_S, QueueTickets


class Clocks:
    def __init__(self) -> None:
        self.wall, self.mono = 1_800_000_000.0, 5_000.0

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds


@pytest.fixture
def clocks() -> Clocks:
    return Clocks()


def tickets(key: Ed25519PrivateKey, clocks: Clocks, *, mono_offset: float = 0.0) -> QueueTickets:
    made = QueueTickets.for_centre(key)
    return QueueTickets(made._key, wall=lambda: clocks.wall, monotonic=lambda: clocks.mono + mono_offset)


def test_a_ticket_gives_its_place_to_another_process_of_the_same_centre(clocks: Clocks) -> None:
    key = Ed25519PrivateKey.generate()
    here, there = tickets(key, clocks), tickets(key, clocks, mono_offset=-4_000.0)  # another process's clock
    ticket = here.issue("329104-02", first=clocks.mono - 12.0)
    clocks.advance(3.0)
    since = there.read("329104-02", ticket)
    assert since is not None
    assert abs((clocks.mono - 4_000.0 - since) - 15.0) < 0.01  # refused 15 s ago, on its own clock


def test_a_ticket_is_worth_nothing_to_another_station_another_centre_or_once_stale(clocks: Clocks) -> None:
    key = Ed25519PrivateKey.generate()
    centre = tickets(key, clocks)
    ticket = centre.issue("329104-02", first=clocks.mono)
    assert centre.read("329104-03", ticket) is None  # another station's
    assert tickets(Ed25519PrivateKey.generate(), clocks).read("329104-02", ticket) is None  # another centre's key
    millis, mac = ticket.split(".")
    assert centre.read("329104-02", f"{int(millis) - 60_000}.{mac}") is None  # an earlier place claimed
    forged = mac[:-1] + ("0" if mac[-1] != "0" else "1")
    assert forged != mac and centre.read("329104-02", f"{millis}.{forged}") is None
    for garbage in ("", "x", ".", f"{millis}", f"-5.{mac}", "9" * 20 + "." + mac, "a" * (MAX_TICKET_CHARS + 1)):
        assert centre.read("329104-02", garbage) is None, garbage
    clocks.advance(TICKET_TTL_S - 1)
    assert centre.read("329104-02", ticket) is not None
    clocks.advance(2)
    assert centre.read("329104-02", ticket) is None  # too old: a kept copy cannot hold a place for ever


def test_a_ticket_from_a_node_whose_clock_runs_ahead_counts_as_now(clocks: Clocks) -> None:
    key = Ed25519PrivateKey.generate()
    ahead = QueueTickets(tickets(key, clocks)._key, wall=lambda: clocks.wall + 30.0, monotonic=lambda: clocks.mono)
    ticket = ahead.issue("329104-02", first=clocks.mono)
    assert tickets(key, clocks).read("329104-02", ticket) == clocks.mono  # not a place in the future
