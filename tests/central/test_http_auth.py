"""Protocol v2 at the centre's door: every meaning-carrying header signed, every request once,
authentication before the body, canonical record ids and bounded JSON."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from central.app import create_app
from central.nonces import NonceStore
from central.receiver import Receiver
from central.settings import Settings
from tests.central.support import (
    OFFSET_TYPE,
    Api,
    FakeStation,
    Packet,
    TestClient,
    closed_by_peer,
    raw_connect,
    raw_head,
    read_answer,
    serve_in_thread,
)
from wire.auth import sign_headers


def _error(r: httpx.Response) -> tuple[int, str]:
    return r.status_code, r.json()["error"]


def _patch_headers(p: Packet, offset: int, chunk: bytes, **extra: str) -> dict[str, str]:
    return {
        "Content-Type": OFFSET_TYPE,
        "Upload-Offset": str(offset),
        "Upload-Checksum": "sha256 " + base64.b64encode(hashlib.sha256(chunk).digest()).decode(),
        "Tus-Resumable": "1.0.0",
        **extra,
    }


def _signed(api: Api, method: str, path: str, body: bytes, headers: dict[str, str]) -> dict[str, str]:
    return {
        **sign_headers(method, path, body, station=api.station.code, key=api.station.key, headers=headers),
        **headers,
    }


# -- every header that changes what a request does is signed ------------------------------------

CHANGED = {
    "Upload-Offset": "1",
    "Upload-Commit": "?0",
    "Upload-Checksum": "sha256 " + base64.b64encode(b"\x01" * 32).decode(),
    "Content-Type": "application/octet-stream",
    "Tus-Resumable": "0.2.2",
    "Upload-Commit-After": "0b6f2c1e-8d0a-4f5e-9c61-3a2b1d4e5f60",
    "Upload-Length": "1",
}


@pytest.mark.parametrize("name", list(CHANGED))
def test_changing_a_signed_header_after_signing_breaks_the_signature(api: Api, station: FakeStation, name: str) -> None:
    first, p = station.packet(1), station.packet(2)
    api.register(first)
    api.register(p)
    path = f"/v1/uploads/{station.code}/{p.record_uuid}"
    headers = _patch_headers(p, 0, p.blob, **{"Upload-Commit": "?1", "Upload-Commit-After": first.record_uuid})
    headers["Upload-Length"] = str(p.size)
    sent = _signed(api, "PATCH", path, p.blob, headers)
    assert sent[name] != CHANGED[name]
    sent[name] = CHANGED[name]
    r = api.http.patch(path, content=p.blob, headers=sent)
    assert _error(r) == (401, "auth.bad_signature")
    assert api.head(p).headers["Upload-Offset"] == "0"  # nothing was stored


def test_adding_commit_after_to_a_signed_patch_is_refused(api: Api, station: FakeStation) -> None:
    """A man in the middle cannot turn a plain committing PATCH into a pipelined one, or back."""
    p = station.packet(1)
    api.register(p)
    path = f"/v1/uploads/{station.code}/{p.record_uuid}"
    sent = _signed(api, "PATCH", path, p.blob, _patch_headers(p, 0, p.blob, **{"Upload-Commit": "?1"}))
    sent["Upload-Commit-After"] = station.packet(2).record_uuid
    assert _error(api.http.patch(path, content=p.blob, headers=sent)) == (401, "auth.bad_signature")
    unsigned_commit = _signed(api, "PATCH", path, p.blob, _patch_headers(p, 0, p.blob))
    unsigned_commit["Upload-Commit"] = "?1"
    assert _error(api.http.patch(path, content=p.blob, headers=unsigned_commit)) == (401, "auth.bad_signature")
    assert api.head(p).headers["Upload-Offset"] == "0"


def test_a_signed_header_sent_twice_is_refused(api: Api, station: FakeStation) -> None:
    """Else the signature could vouch for one copy while the handler acts on the other."""
    p = station.packet(1)
    api.register(p)
    path = f"/v1/uploads/{station.code}/{p.record_uuid}"
    sent = list(_signed(api, "PATCH", path, p.blob[:100], _patch_headers(p, 0, p.blob[:100])).items())
    r = api.http.patch(path, content=p.blob[:100], headers=[("Upload-Offset", "50"), *sent])
    assert _error(r) == (400, "request.invalid") and "upload-offset" in r.json()["detail"]
    assert api.head(p).headers["Upload-Offset"] == "0"


# -- every request once: the nonce ----------------------------------------------------------------


def test_a_replayed_request_is_refused_with_its_own_code(api: Api, station: FakeStation) -> None:
    p = station.packet(1)
    path = f"/v1/stations/{station.code}/records/{p.record_uuid}"
    body = json.dumps({"station_seq": 1, "sha256": p.sha256, "size": p.size}).encode()
    sent = _signed(api, "PUT", path, body, {})
    assert api.http.put(path, content=body, headers=sent).status_code == 201
    again = api.http.put(path, content=body, headers=sent)
    assert _error(again) == (401, "auth.replay")
    fresh = api.http.put(path, content=body, headers=_signed(api, "PUT", path, body, {}))
    assert fresh.status_code == 200  # the same request signed anew is fine (idempotent register)


def test_a_replay_to_another_node_on_the_same_database_is_refused(
    api: Api, station: FakeStation, receiver: Receiver
) -> None:
    """Two apps (two `serve` processes) on one database share the nonces."""
    path = f"/v1/stations/{station.code}/reconcile"
    body = b'{"records":[]}'
    sent = _signed(api, "POST", path, body, {})
    assert api.http.post(path, content=body, headers=sent).status_code == 200
    other = Receiver(receiver.settings, clock=receiver.clock)
    try:
        with TestClient(create_app(receiver.settings, receiver=other)) as node2:
            assert _error(node2.post(path, content=body, headers=sent)) == (401, "auth.replay")
    finally:
        other.close()


def test_a_nonce_belongs_to_its_station(api: Api, station: FakeStation, receiver: Receiver) -> None:
    from central.stations import add_station
    from wire.keys import public_pem

    other = FakeStation("329104-02", station.central_public)
    add_station(receiver.engine, other.code, public_pem(other.key), name="", now=receiver.clock())
    nonce = "n" * 24
    for st in (station, other):
        path = f"/v1/stations/{st.code}/reconcile"
        sent = sign_headers("POST", path, b'{"records":[]}', station=st.code, key=st.key, nonce=nonce)
        assert api.http.post(path, content=b'{"records":[]}', headers=sent).status_code == 200


def test_only_authentic_requests_leave_a_nonce(api: Api, station: FakeStation) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    nonces: NonceStore = api.http.app.state.nonces  # type: ignore[attr-defined]
    before = nonces.count()
    path = f"/v1/stations/{station.code}/reconcile"
    for _ in range(5):
        r = api.send("POST", path, b'{"records":[]}', key=Ed25519PrivateKey.generate())
        assert _error(r) == (401, "auth.bad_signature")
    assert nonces.count() == before


def test_nonces_are_pruned_after_twice_the_skew_a_batch_at_a_time(db_url: str, receiver: Receiver) -> None:
    store = NonceStore(receiver.settings.database_url, skew_s=10, prune_every=4, prune_batch=5)
    try:
        t0 = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)
        for n in range(12):
            assert store.remember("329104-01", f"old-nonce-{n:02d}-xxxxxxxxxxxx", t0)
        assert not store.remember("329104-01", "old-nonce-03-xxxxxxxxxxxx", t0 + timedelta(seconds=19))
        assert store.count() == 12  # 19 s < 2 x skew: nothing is old enough yet
        later = t0 + timedelta(seconds=21)
        # this store's calls 13..16 (the refused one counted): the 16th prunes (every 4th), at most 5 rows
        for n in range(4):
            assert store.remember("329104-01", f"new-nonce-{n:02d}-xxxxxxxxxxxx", later)
        assert store.count() == 12 - 5 + 4
    finally:
        store.close()


@pytest.fixture
def live_url(receiver: Receiver, station: FakeStation) -> Iterator[str]:
    with serve_in_thread(create_app(receiver.settings, receiver=receiver)) as url:
        yield url


def test_a_replay_is_refused_before_its_body_is_read(live_url: str, station: FakeStation) -> None:
    """The server answers auth.replay to the head alone and closes: the body is never sent."""
    p = station.packet(1, payload=40_000)
    api = Api(httpx.Client(base_url=live_url, timeout=10), station)
    assert api.register(p).status_code == 201
    path = f"/v1/uploads/{station.code}/{p.record_uuid}"
    sent = _signed(api, "PATCH", path, p.blob, _patch_headers(p, 0, p.blob))
    assert api.http.patch(path, content=p.blob, headers=sent).status_code == 204
    with raw_connect(live_url, timeout=5) as sock:
        sock.sendall(raw_head("PATCH", path, {**sent, "Content-Length": str(p.size)}))
        answer = read_answer(sock)  # not one body byte sent
        assert (answer.status, answer.json()["error"]) == (401, "auth.replay")
        assert answer.headers["connection"] == "close" and closed_by_peer(sock)
    api.http.close()


def test_an_unauthenticated_body_is_not_waited_for(live_url: str, station: FakeStation) -> None:
    path = f"/v1/uploads/{station.code}/{station.packet(1).record_uuid}"
    with raw_connect(live_url, timeout=5) as sock:
        sock.sendall(raw_head("PATCH", path, {"Content-Type": OFFSET_TYPE, "Content-Length": str(5 * 1024 * 1024)}))
        sock.sendall(b"x" * 1000)
        answer = read_answer(sock)
        assert (answer.status, answer.json()["error"]) == (401, "auth.missing_headers")
        assert answer.headers["connection"] == "close" and closed_by_peer(sock)


def test_a_declared_length_over_the_cap_is_refused_before_reading(
    live_url: str, station: FakeStation, receiver: Receiver
) -> None:
    p = station.packet(1)
    api = Api(httpx.Client(base_url=live_url, timeout=10), station)
    api.register(p)
    path = f"/v1/uploads/{station.code}/{p.record_uuid}"
    size = receiver.settings.max_packet_size + 1
    headers = _patch_headers(p, 0, b"")
    sent = sign_headers("PATCH", path, b"x" * size, station=station.code, key=station.key, headers=headers)
    with raw_connect(live_url, timeout=5) as sock:
        sock.sendall(raw_head("PATCH", path, {**sent, **headers, "Content-Length": str(size)}))
        answer = read_answer(sock)
        assert (answer.status, answer.json()["error"]) == (413, "upload.too_large")
        assert closed_by_peer(sock)
    json_path = f"/v1/stations/{station.code}/reconcile"
    big = receiver.settings.max_json_size + 1
    sent = sign_headers("POST", json_path, b" " * big, station=station.code, key=station.key)
    with raw_connect(live_url, timeout=5) as sock:
        sock.sendall(raw_head("POST", json_path, {**sent, "Content-Length": str(big)}))
        answer = read_answer(sock)
        assert (answer.status, answer.json()["error"]) == (413, "request.too_large")
    api.http.close()


def test_a_streamed_body_is_cut_at_the_cap(live_url: str, station: FakeStation, receiver: Receiver) -> None:
    """Without a Content-Length (chunked) the cap applies while the body streams."""
    path = f"/v1/stations/{station.code}/reconcile"
    body = b" " * (receiver.settings.max_json_size + 10)
    sent = sign_headers("POST", path, body, station=station.code, key=station.key)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 256 * 1024):
            yield body[start : start + 256 * 1024]

    try:
        r = httpx.post(live_url + path, content=chunks(), headers=sent, timeout=10)
        assert _error(r) == (413, "request.too_large")
    except httpx.TransportError:
        pass  # the server may close before the client has written it all: refused all the same
    # and the centre is fine afterwards
    assert httpx.get(live_url + "/v1/health", timeout=5).status_code == 200


# -- canonical record ids -------------------------------------------------------------------------


def test_an_upper_case_uuid_is_the_same_record(api: Api, station: FakeStation) -> None:
    p = station.packet(1)
    upper = Packet(p.record_uuid.upper(), p.seq, p.blob)
    assert api.register(upper).status_code == 201
    assert api.register(p).status_code == 200  # known already: the same record
    batch = {"records": [{"uuid": upper.record_uuid, "station_seq": 1, "sha256": p.sha256, "size": p.size}]}
    r = api.send("POST", f"/v1/stations/{station.code}/register", json.dumps(batch).encode())
    assert r.json()["records"][0]["uuid"] == p.record_uuid  # echoed canonical
    answer = api.reconcile([upper])["records"][0]
    assert answer["uuid"] == p.record_uuid and answer["state"] == "registered"


def test_an_upper_case_commit_after_releases_the_commit(api: Api, station: FakeStation) -> None:
    first, second = station.packet(1), station.packet(2)
    api.register(first)
    api.register(second)
    api.send_all(first)
    path = f"/v1/uploads/{station.code}/{second.record_uuid}"
    headers = _patch_headers(second, 0, second.blob, **{"Upload-Commit": "?1"})
    headers["Upload-Commit-After"] = first.record_uuid.upper()
    r = api.send("PATCH", path, second.blob, headers=headers)
    assert r.status_code == 200, r.text


def test_a_malformed_uuid_anywhere_is_400_and_changes_nothing(api: Api, station: FakeStation) -> None:
    good = station.packet(1)
    entries = [
        {"uuid": good.record_uuid, "station_seq": 1, "sha256": good.sha256, "size": good.size},
        {"uuid": "not-a-uuid", "station_seq": 2, "sha256": good.sha256, "size": good.size},
    ]
    r = api.send("POST", f"/v1/stations/{station.code}/register", json.dumps({"records": entries}).encode())
    assert _error(r) == (400, "request.invalid")
    assert api.reconcile([good])["records"][0]["state"] == "unknown"  # the good one was not registered either
    bad = api.send("POST", f"/v1/stations/{station.code}/reconcile", b'{"records":[{"uuid":"../../x"}]}')
    assert _error(bad) == (400, "request.invalid")
    url = api.send("PUT", f"/v1/stations/{station.code}/records/0B6F2C1E-8D0A-4F5E-9C61-3A2B1D4E5F6", b"{}")
    assert _error(url) == (400, "request.invalid")


# -- bounded JSON ---------------------------------------------------------------------------------


def test_json_nested_100000_deep_is_400(api: Api, station: FakeStation) -> None:
    for body in (b"[" * 100_000 + b"]" * 100_000, b'{"records":' + b"[" * 100_000):
        r = api.send("POST", f"/v1/stations/{station.code}/reconcile", body)
        assert _error(r) == (400, "request.invalid")


def test_json_over_the_size_cap_is_413(receiver: Receiver, station: FakeStation) -> None:
    small = replace(receiver.settings, max_json_size=1000)
    with TestClient(create_app(small, receiver=receiver)) as http:
        body = json.dumps({"records": [{"uuid": station.packet(1).record_uuid}] * 30}).encode()
        assert len(body) > 1000
        r = Api(http, station).send("POST", f"/v1/stations/{station.code}/reconcile", body)
    assert _error(r) == (413, "request.too_large")


def test_json_that_is_not_an_object_is_400(api: Api, station: FakeStation) -> None:
    for body in (b"[]", b'"x"', b"\xff\xfe", b'{"records": [1]}', b"{"):
        r = api.send("POST", f"/v1/stations/{station.code}/reconcile", body)
        assert _error(r) == (400, "request.invalid"), body


def test_settings_refuse_limits_that_cannot_hold(settings: Settings) -> None:
    with pytest.raises(ValueError, match="per station"):
        replace(settings, max_inflight_bytes_per_station=settings.max_packet_size - 1, max_json_size=10)
    with pytest.raises(ValueError, match="total"):
        replace(settings, max_inflight_bytes=settings.max_inflight_bytes_per_station - 1)


def test_the_event_loop_nonce_path_refuses_replays_and_prunes_like_the_blocking_one(
    db_url: str, receiver: Receiver
) -> None:
    """remember_async (on PostgreSQL psycopg's own asyncio connections, no worker thread;
    on SQLite the blocking path in a thread) shares the table, the replay refusal and
    the pruning of `remember`; on PostgreSQL a connection the server dropped costs one
    503 (NonceStoreUnavailable), and the next request gets a fresh connection."""
    import asyncio

    from central.nonces import NonceStoreUnavailable

    store = NonceStore(receiver.settings.database_url, skew_s=10, prune_every=4, prune_batch=5)
    t0 = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)

    async def scenario() -> None:
        for n in range(12):
            assert await store.remember_async("329104-01", f"old-nonce-{n:02d}-xxxxxxxxxxxx", t0)
        assert not await store.remember_async("329104-01", "old-nonce-03-xxxxxxxxxxxx", t0)
        assert not store.remember("329104-01", "old-nonce-04-xxxxxxxxxxxx", t0)  # one table for both paths
        assert await store.remember_async("329104-02", "old-nonce-03-xxxxxxxxxxxx", t0)  # another station's
        assert store.count() == 13
        later = t0 + timedelta(seconds=21)
        for n in range(3):  # calls 16..18: the 16th prunes at most 5 old rows
            assert await store.remember_async("329104-01", f"new-nonce-{n:02d}-xxxxxxxxxxxx", later)
        assert store.count() == 13 - 5 + 3
        if not db_url.startswith("postgresql"):
            return
        with store.engine.connect() as admin:  # the server drops the pool's connections (a restart, a kill)
            admin.exec_driver_sql(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'INSERT INTO request_nonces%%'"
            )
        with pytest.raises(NonceStoreUnavailable):
            await store.remember_async("329104-01", "after-the-drop-xxxxxxxxxxxx", later)
        assert await store.remember_async("329104-01", "after-the-drop-xxxxxxxxxxxx", later)  # refused: not stored
        assert not await store.remember_async("329104-01", "after-the-drop-xxxxxxxxxxxx", later)

    async def run() -> None:
        try:
            await scenario()
        finally:
            await store.aclose()

    try:
        asyncio.run(run())
    finally:
        store.close()
