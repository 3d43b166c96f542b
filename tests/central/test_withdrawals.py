"""A station's signed withdrawal at the centre (central.withdrawals), over the app's HTTP
routes on SQLite and, when CENTRAL_TEST_PG_URL is set, PostgreSQL: the verdict is
signed and idempotent, the number is filled rather than a gap, the uuid is refused
afterwards, it resolves an Upload-Commit-After, and conflicts are refused with reasons."""

from __future__ import annotations

import httpx

from central.receiver import Receiver
from tests.central.support import Api, FakeStation, Packet
from tests.central.trust_support import verified
from wire.receipts import verify_ledger


def withdraw(api: Api, p: Packet, *, seq: int | None = None, reason: str = "poor_capture") -> httpx.Response:
    body = {"station_seq": p.seq if seq is None else seq, "sha256": p.sha256, "reason": reason}
    path = f"/v1/stations/{api.station.code}/records/{p.record_uuid}/withdraw"
    return api.send("POST", path, httpx.Request("POST", "/", json=body).content)


def test_a_withdrawal_is_signed_idempotent_and_fills_its_number(
    api: Api, station: FakeStation, receiver: Receiver
) -> None:
    one, two, three = (station.packet(n) for n in (1, 2, 3))
    api.send_all(one)
    first = withdraw(api, two)
    assert first.status_code == 200, first.text
    answer = first.json()
    assert answer["state"] == "withdrawn" and answer["reason"] == "poor_capture"
    verdict = verified(receiver, answer["verdict"], two, station=station.code, state="withdrawn")
    assert verdict.reason == "poor_capture" and verdict.receipt_id is None
    assert withdraw(api, two).content == first.content  # the same bytes for a repeat
    api.send_all(three)
    ledger = api.reconcile([one, two, three])
    watermark, gaps = verify_ledger(receiver.keys.receipt_key.public_key(), ledger, station=station.code)
    assert (watermark, gaps) == (3, [])
    entry = next(r for r in ledger["records"] if r["uuid"] == two.record_uuid)
    assert entry["state"] == "withdrawn"
    verified(receiver, entry["verdict"], two, station=station.code, state="withdrawn")


def test_a_withdrawn_uuid_is_refused_later_and_resolves_the_next_ones_commit_after(
    api: Api, station: FakeStation, receiver: Receiver
) -> None:
    one, two = station.packet(1), station.packet(2)
    assert withdraw(api, one).status_code == 200
    refused = api.register(one)
    assert refused.status_code == 409 and refused.json()["error"] == "record.withdrawn"
    verified(receiver, refused.json()["verdict"], one, station=station.code, state="withdrawn")
    assert api.commit(one).json()["error"] == "record.withdrawn"
    assert api.register(two).status_code == 201
    assert api.patch(two, 0, two.blob).status_code == 204
    receipt = receiver.commit_after(station.code, two.record_uuid, one.record_uuid)
    assert receipt is not None  # one is resolved (withdrawn): two commits, not deferred
    verified(receiver, receipt, two, station=station.code, state="received")


def test_conflicts_are_refused_with_their_reasons(api: Api, station: FakeStation, receiver: Receiver) -> None:
    one, two, three = (station.packet(n) for n in (1, 2, 3))
    api.send_all(one)
    received = withdraw(api, one)
    assert received.status_code == 409 and received.json()["error"] == "record.not_withdrawable"
    verified(receiver, received.json()["verdict"], one, station=station.code, state="received")
    taken = withdraw(api, two, seq=1)  # another uuid holds number 1
    assert taken.status_code == 422 and taken.json()["error"] == "record.seq_conflict"
    assert withdraw(api, three).status_code == 200
    moved = withdraw(api, three, seq=7)
    assert moved.status_code == 422 and moved.json()["error"] == "record.hash_conflict"
    for bad in ({"station_seq": 2, "sha256": two.sha256, "reason": "DROP TABLE"}, {"station_seq": 0}, {}):
        path = f"/v1/stations/{station.code}/records/{two.record_uuid}/withdraw"
        r = api.send("POST", path, httpx.Request("POST", "/", json=bad).content)
        assert r.status_code == 400 and r.json()["error"] == "request.invalid"
